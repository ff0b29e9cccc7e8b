// Fuzz target: arbitrary bytes as an AdminToCore datagram from the admin
// bridge, read under the core's bridge limits and handed to the AdminService
// of a node with one established peer. Nothing may crash or throw out of
// handle(); every request gets at most one answer, and none of them an
// answer to an id it did not ask with; pending requests stay within bounds.
#include <arpa/inet.h>
#include <capnp/message.h>
#include <capnp/serialize.h>
#include <kj/exception.h>

#include <array>
#include <cstdint>
#include <cstdlib>
#include <cstring>
#include <deque>
#include <memory>
#include <vector>

#include "core/admin/admin-endpoint.h"
#include "core/admin/admin-service.h"
#include "core/crypto/random.h"
#include "core/node/node-engine.h"

namespace {

using namespace cjdns;

void require(bool ok) {
  if (!ok) std::abort();
}

crypto::PrivateKey keyFor(std::uint64_t seed) {
  crypto::DeterministicRandom r(seed);
  return crypto::drawFcKey(r);
}

iface::LinkAddress udpAddr(std::uint8_t last) {
  sockaddr_in a{};
  a.sin_family = AF_INET;
  a.sin_port = htons(7937);
  a.sin_addr.s_addr = htonl(0x0a000000u | last);
  return iface::LinkAddress::fromSockaddr(reinterpret_cast<sockaddr*>(&a), sizeof a);
}

/// Two engines on a queue; A is the one under test.
struct World : iface::LinkSender {
  struct Link : iface::LinkSender {
    World* w = nullptr;
    int from = 0;
    bool sendOnLink(unsigned, const iface::LinkAddress&, const wire::Message& m) override {
      if (w->queue.size() < 1024) w->queue.push_back({1 - from, {m.data(), m.data() + m.length()}});
      return true;
    }
  };
  struct Datagram {
    int to;
    std::vector<std::uint8_t> bytes;
  };
  bool sendOnLink(unsigned, const iface::LinkAddress&, const wire::Message&) override { return true; }

  World() {
    linkA.w = linkB.w = this;
    linkB.from = 1;
    a = std::make_unique<node::NodeEngine>(keyA, rngA, linkA);
    b = std::make_unique<node::NodeEngine>(keyB, rngB, linkB);
    a->peers().addLinkInterface("UDP/10.0.0.1:7937");
    b->peers().addLinkInterface("UDP/10.0.0.2:7937");
    b->users().add("pw", "a", std::nullopt, "a");
    iface::PeerController::Credentials c;
    c.password = "pw";
    require(a->peers().beginConnection(0, udpAddr(2), crypto::publicKeyOf(keyB), c, now) ==
            iface::PeerController::ConnectResult::kOk);
    run(6000);
    admin::AdminContext ctx;
    ctx.unixNowMs = [this] { return 1'700'000'000'000 + now; };
    ctx.requestUdpSocket = [](std::uint64_t, std::span<const std::uint8_t>, std::uint16_t)
        -> std::optional<std::string> { return std::nullopt; };
    ctx.addUdpSocket = [](int) -> std::variant<admin::AdminContext::UdpAdded, std::string> {
      return std::string("no");
    };
    service = std::make_unique<admin::AdminService>(*a, std::move(ctx));
    service->setSink([this](capnp::MessageBuilder& mb) {
      auto root = mb.getRoot<proto::CoreToAdmin>();
      answers.push_back(root.getId());
    });
  }
  ~World() { service.reset(); }

  void pump() {
    for (int guard = 0; guard < 4096 && !queue.empty(); ++guard) {
      Datagram d = std::move(queue.front());
      queue.pop_front();
      wire::Message m;
      if (!m.append(d.bytes)) continue;
      (d.to == 0 ? *a : *b).receiveFromLink(0, udpAddr(d.to == 0 ? 2 : 1), m, now);
    }
  }
  void run(std::uint64_t ms) {
    for (std::uint64_t t = 0; t < ms; t += 256) {
      now += 256;
      a->tick(now);
      b->tick(now);
      if (service) service->tick(now);
      pump();
    }
  }

  crypto::DeterministicRandom rngA{11}, rngB{12};
  crypto::PrivateKey keyA = keyFor(101), keyB = keyFor(102);
  Link linkA, linkB;
  std::unique_ptr<node::NodeEngine> a, b;
  std::unique_ptr<admin::AdminService> service;
  std::deque<Datagram> queue;
  std::vector<std::uint64_t> answers;
  std::uint64_t now = 1'000'000;
};

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  static World* world = new World();  // one node for every input: state carries over, as in a real core
  World& w = *world;
  const ipc::Limits lim = admin::bridgeLimits();
  if (size < 8 || size % 8 != 0 || size > lim.maxBytes) return 0;
  auto words = kj::heapArray<capnp::word>(size / 8);
  std::memcpy(words.begin(), data, size);
  capnp::ReaderOptions opts;
  opts.traversalLimitInWords = lim.traversalWords;
  opts.nestingLimit = lim.nestingLimit;
  w.answers.clear();
  std::optional<std::uint64_t> id;
  kj::Maybe<kj::Exception> framing = kj::runCatchingExceptions([&] {
    capnp::FlatArrayMessageReader reader(kj::ArrayPtr<const capnp::word>(words.begin(), words.size()), opts);
    auto req = reader.getRoot<proto::AdminToCore>();
    kj::runCatchingExceptions([&] { id = req.getId(); });
    // handle() must not throw whatever the message holds.
    kj::Maybe<kj::Exception> inner = kj::runCatchingExceptions([&] { (void)w.service->handle(req, w.now); });
    require(inner == nullptr);
  });
  (void)framing;  // a bad segment table is the reader's to refuse
  // Answers so far are for this request's id only, at most one.
  require(w.answers.size() <= 1);
  for (std::uint64_t a : w.answers) require(id && a == *id);
  w.pump();
  w.run(256);
  require(w.service->pending() <= 128);
  require(w.a->switchPinger().pending() <= 50);
  // Keep the world small between inputs: what is still pending is forgotten.
  w.service->cancelAll();
  return 0;
}
