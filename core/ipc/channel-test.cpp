#include "core/ipc/channel.h"

#include <doctest/doctest.h>

#include <fcntl.h>
#include <sys/socket.h>
#include <unistd.h>

#include <array>
#include <cstring>

#include "proto/config.capnp.h"

using namespace cjdns;

namespace {

std::pair<ipc::Channel, ipc::Channel> makePair(ipc::Limits l = {}) {
  auto p = ipc::Channel::pair(l);
  REQUIRE(p.ok());
  return std::move(p).value();
}

bool isOpen(int fd) { return ::fcntl(fd, F_GETFD) != -1; }

int openFdCount() {
  int n = 0;
  for (int fd = 0; fd < 1024; ++fd) n += isOpen(fd) ? 1 : 0;
  return n;
}

}  // namespace

TEST_CASE("ipc channel carries one Cap'n Proto message and its fds per datagram") {
  auto [a, b] = makePair();
  capnp::MallocMessageBuilder mb;
  auto cfg = mb.initRoot<proto::CoreConfig>();
  cfg.setPipe("cjdroute.sock");
  cfg.initUdpInterfaces(2)[1].setBeaconPort(64512);
  int pfd[2];
  REQUIRE(::pipe(pfd) == 0);
  std::array<int, 2> fds{pfd[0], pfd[1]};
  REQUIRE(a.send(mb, fds).ok());
  ipc::Received r;
  auto st = b.receive(r);
  REQUIRE_MESSAGE(st.ok(), st.error().message);
  REQUIRE(st.value() == ipc::Channel::Status::kMessage);
  auto got = r.reader().getRoot<proto::CoreConfig>();
  CHECK(got.getPipe() == "cjdroute.sock");
  CHECK(got.getUdpInterfaces()[1].getBeaconPort() == 64512);
  REQUIRE(r.fds().size() == 2);
  // The received fds are new descriptors for the same pipe.
  CHECK(::write(r.fds()[1].get(), "x", 1) == 1);
  char c = 0;
  CHECK(::read(pfd[0], &c, 1) == 1);
  CHECK(c == 'x');
  ::close(pfd[0]);
  ::close(pfd[1]);
  auto again = b.receive(r);
  REQUIRE(again.ok());
  CHECK(again.value() == ipc::Channel::Status::kWouldBlock);
}

TEST_CASE("ipc channel refuses a datagram with too many fds and closes them all") {
  ipc::Limits sendL;
  sendL.maxFds = 8;
  ipc::Limits recvL;
  recvL.maxFds = 2;
  auto p = ipc::Channel::pair(recvL);
  REQUIRE(p.ok());
  auto& [raw, b] = p.value();
  ipc::Channel a(ipc::Fd(::dup(raw.fd())), sendL);
  capnp::MallocMessageBuilder mb;
  mb.initRoot<proto::CoreConfig>().setPipe("x");
  int before = openFdCount();
  std::array<int, 5> fds{};
  for (int& f : fds) f = ::open("/dev/null", O_RDONLY | O_CLOEXEC);
  REQUIRE(a.send(mb, fds).ok());
  for (int f : fds) ::close(f);
  ipc::Received r;
  auto st = b.receive(r);
  REQUIRE_FALSE(st.ok());
  CHECK(st.error().message.find("fds") != std::string::npos);
  CHECK(openFdCount() == before);  // nothing leaked
}

TEST_CASE("ipc channel refuses oversized, torn and malformed datagrams") {
  ipc::Limits l;
  l.maxBytes = 256;
  auto [a, b] = makePair(l);
  ipc::Received r;
  SUBCASE("oversized") {
    std::string big(400, 'x');
    REQUIRE(::send(a.fd(), big.data(), big.size(), 0) == 400);
    auto st = b.receive(r);
    REQUIRE_FALSE(st.ok());
    CHECK(st.error().message.find("over 256 bytes") != std::string::npos);
  }
  SUBCASE("not whole words") {
    REQUIRE(::send(a.fd(), "12345", 5, 0) == 5);
    auto st = b.receive(r);
    REQUIRE_FALSE(st.ok());
    CHECK(st.error().message.find("not whole") != std::string::npos);
  }
  SUBCASE("a segment table that lies") {
    std::array<std::uint32_t, 4> words{0, 1000, 0, 0};  // one segment of 1000 words in 16 bytes
    REQUIRE(::send(a.fd(), words.data(), sizeof words, 0) == sizeof words);
    auto st = b.receive(r);
    REQUIRE_FALSE(st.ok());
    CHECK(st.error().message.find("malformed") != std::string::npos);
  }
  SUBCASE("the sender refuses to send what the receiver would refuse") {
    capnp::MallocMessageBuilder mb;
    mb.initRoot<proto::CoreConfig>().setPipe(std::string(1000, 'p'));
    auto st = a.send(mb);
    REQUIRE_FALSE(st.ok());
    CHECK(st.error().message.find("over the channel limit") != std::string::npos);
  }
}

TEST_CASE("ipc channel bounds how much of a message a reader may traverse") {
  ipc::Limits l;
  l.traversalWords = 64;
  auto [a, b] = makePair(l);
  capnp::MallocMessageBuilder mb;
  auto list = mb.initRoot<proto::CoreConfig>().initAuthorizedPasswords(200);
  for (unsigned i = 0; i < list.size(); ++i) list[i].setPassword("password");
  REQUIRE(a.send(mb).ok());
  ipc::Received r;
  auto st = b.receive(r);
  REQUIRE(st.ok());
  // Reading past the budget throws a kj::Exception, which a handler turns
  // into "this peer broke the protocol".
  kj::Maybe<kj::Exception> e = kj::runCatchingExceptions([&] {
    auto pw = r.reader().getRoot<proto::CoreConfig>().getAuthorizedPasswords();
    std::size_t total = 0;
    for (auto p : pw) total += p.getPassword().size();
    (void)total;
  });
  CHECK(e != nullptr);
}

TEST_CASE("ipc channel reports a closed peer") {
  auto p = makePair();
  { ipc::Channel gone = std::move(p.first); }
  ipc::Received r;
  auto st = p.second.receive(r);
  REQUIRE(st.ok());
  CHECK(st.value() == ipc::Channel::Status::kClosed);
}
