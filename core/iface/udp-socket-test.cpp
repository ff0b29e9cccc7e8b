#include "core/iface/udp-socket.h"

#include <doctest/doctest.h>

#include <cstring>
#include <iterator>
#include <vector>

using namespace cjdns;

namespace {

iface::UdpSocket bindLoopback(bool v6) {
  auto hp = util::parseHostPort(v6 ? "[::1]:0" : "127.0.0.1:0");
  REQUIRE(hp.ok());
  std::string err;
  int fd = iface::UdpSocket::openBound(hp.value(), err);
  REQUIRE_MESSAGE(fd >= 0, err);
  return iface::UdpSocket(fd);
}

}  // namespace

TEST_CASE("udp socket carries one datagram per message over IPv4 and IPv6 loopback") {
  for (bool v6 : {false, true}) {
    auto a = bindLoopback(v6);
    auto b = bindLoopback(v6);
    wire::Message out;
    const char text[] = "peer packet";
    REQUIRE(out.append({reinterpret_cast<const std::uint8_t*>(text), sizeof text}));
    REQUIRE(a.send(out, b.localAddress()));
    wire::Message in;
    iface::LinkAddress from;
    iface::UdpSocket::Recv r = iface::UdpSocket::Recv::kWouldBlock;
    for (int i = 0; i < 1000 && r == iface::UdpSocket::Recv::kWouldBlock; ++i) r = b.receive(in, from);
    REQUIRE(r == iface::UdpSocket::Recv::kOk);
    CHECK(in.length() == sizeof text);
    CHECK(std::memcmp(in.data(), text, sizeof text) == 0);
    CHECK(from == a.localAddress());
    CHECK(from.family() == (v6 ? AF_INET6 : AF_INET));
  }
}

TEST_CASE("udp socket cuts an oversized datagram and says so") {
  auto a = bindLoopback(false);
  auto b = bindLoopback(false);
  wire::Message out(0);
  REQUIRE(out.extend(iface::UdpSocket::kMaxDatagram + 100) != nullptr);
  REQUIRE(a.send(out, b.localAddress()));
  wire::Message in;
  iface::LinkAddress from;
  auto r = iface::UdpSocket::Recv::kWouldBlock;
  for (int i = 0; i < 1000 && r == iface::UdpSocket::Recv::kWouldBlock; ++i) r = b.receive(in, from);
  CHECK(r == iface::UdpSocket::Recv::kTruncated);
  CHECK(in.length() == iface::UdpSocket::kMaxDatagram);
}

TEST_CASE("udp socket reports a bind failure with the address") {
  auto hp = util::parseHostPort("192.0.2.77:1");  // not a local address
  REQUIRE(hp.ok());
  std::string err;
  CHECK(iface::UdpSocket::openBound(hp.value(), err) == -1);
  CHECK(err.find("192.0.2.77:1") != std::string::npos);
}

TEST_CASE("link addresses compare by family, address and port, and print readably") {
  sockaddr_in a{};
  a.sin_family = AF_INET;
  a.sin_port = htons(7937);
  a.sin_addr.s_addr = htonl(0x0a630701);
  auto la = iface::LinkAddress::fromSockaddr(reinterpret_cast<sockaddr*>(&a), sizeof a);
  CHECK(la.toString() == "10.99.7.1:7937");
  sockaddr_in b = a;
  b.sin_port = htons(7938);
  auto lb = iface::LinkAddress::fromSockaddr(reinterpret_cast<sockaddr*>(&b), sizeof b);
  CHECK_FALSE(la == lb);
  CHECK(la.hash() != lb.hash());
  const std::uint8_t mac[6] = {1, 2, 3, 4, 5, 0xab};
  CHECK(iface::LinkAddress::fromMac(mac).toString() == "01:02:03:04:05:ab");
  CHECK(iface::LinkAddress::fromSockaddr(nullptr, 0).empty());
}

namespace {

/// Everything receiveBatch hands over until the socket is empty (polling a
/// while for loopback delivery).
std::vector<std::vector<std::uint8_t>> receiveAll(iface::UdpSocket& s, std::size_t want,
                                                  iface::LinkAddress* from = nullptr,
                                                  std::size_t* truncated = nullptr) {
  std::vector<std::vector<std::uint8_t>> got;
  for (int i = 0; i < 100000 && got.size() < want; ++i) {
    auto r = s.receiveBatch([&](std::span<const std::uint8_t> d, const iface::LinkAddress& f) {
      got.emplace_back(d.begin(), d.end());
      if (from != nullptr) *from = f;
    });
    if (truncated != nullptr) *truncated += r.truncated;
    if (truncated != nullptr && *truncated != 0) break;
  }
  return got;
}

/// `length` bytes counting up from `tag`.
std::vector<std::uint8_t> patterned(std::size_t length, std::uint8_t tag) {
  std::vector<std::uint8_t> v(length);
  for (std::size_t i = 0; i < length; ++i) v[i] = static_cast<std::uint8_t>(tag + i);
  return v;
}

std::size_t queueBytes(iface::UdpSocket& s, const std::vector<std::uint8_t>& bytes, const iface::LinkAddress& to) {
  wire::Message m;
  REQUIRE(m.append(bytes));
  return s.queue(m, to);
}

}  // namespace

TEST_CASE("queued datagrams to one peer leave as a train and arrive one by one, in order") {
  for (bool v6 : {false, true}) {
    auto a = bindLoopback(v6);
    auto b = bindLoopback(v6);
    // Trains where the kernel makes them (GSO out of a, GRO into b).
    const bool offloads = a.enableOffloads() && b.enableOffloads();
    CHECK(a.gsoEnabled() == offloads);
    // 100 of 1400 bytes (three trains: one holds under 60000 bytes) and a
    // shorter last one.
    for (std::uint8_t k = 0; k < 100; ++k) CHECK(queueBytes(a, patterned(1400, k), b.localAddress()) == 0);
    CHECK(queueBytes(a, patterned(300, 200), b.localAddress()) == 0);
    CHECK(a.hasQueued());
    CHECK(a.flush() == 0);
    CHECK_FALSE(a.hasQueued());
    iface::LinkAddress from;
    auto got = receiveAll(b, 101, &from);
    REQUIRE(got.size() == 101);
    for (std::uint8_t k = 0; k < 100; ++k) CHECK(got[k] == patterned(1400, k));
    CHECK(got[100].size() == 300);
    CHECK(got[100][0] == 200);
    CHECK(from == a.localAddress());
  }
}

TEST_CASE("a queue of mixed sizes and peers keeps every datagram and its order per peer") {
  for (bool offloads : {false, true}) {  // sendmmsg, then GSO trains and GRO
    auto a = bindLoopback(false);
    auto b = bindLoopback(false);
    auto c = bindLoopback(false);
    if (offloads) {
      (void)a.enableOffloads();
      (void)b.enableOffloads();
      (void)c.enableOffloads();
    } else {
      CHECK_FALSE(a.gsoEnabled());
    }
    // Sizes that change (a longer one cannot join a train), peers that alternate,
    // and more than one train's worth of segments.
    const std::size_t sizes[] = {100, 100, 1200, 1200, 1200, 50, 1300, 1300};
    std::size_t toB = 0;
    for (std::size_t round = 0; round < 20; ++round) {
      for (std::size_t i = 0; i < std::size(sizes); ++i) {
        auto& dst = (i == 5) ? c : b;
        CHECK(queueBytes(a, patterned(sizes[i], static_cast<std::uint8_t>(i)), dst.localAddress()) == 0);
        if (&dst == &b) ++toB;
      }
    }
    CHECK(a.flush() == 0);
    auto gotB = receiveAll(b, toB);
    auto gotC = receiveAll(c, 20);
    REQUIRE(gotB.size() == toB);
    REQUIRE(gotC.size() == 20);
    std::size_t k = 0;
    for (std::size_t round = 0; round < 20; ++round) {
      for (std::size_t i = 0; i < std::size(sizes); ++i) {
        if (i == 5) continue;
        CHECK(gotB[k].size() == sizes[i]);
        CHECK(gotB[k][0] == static_cast<std::uint8_t>(i));
        ++k;
      }
    }
    for (const auto& d : gotC) CHECK(d.size() == 50);
  }
}

TEST_CASE("a batched receive drops datagrams over kMaxDatagram and counts them") {
  auto a = bindLoopback(false);
  auto b = bindLoopback(false);
  wire::Message big(0);
  REQUIRE(big.extend(iface::UdpSocket::kMaxDatagram + 100) != nullptr);
  REQUIRE(a.send(big, b.localAddress()));
  std::size_t truncated = 0;
  auto got = receiveAll(b, 1, nullptr, &truncated);
  CHECK(got.empty());
  CHECK(truncated == 1);
}
