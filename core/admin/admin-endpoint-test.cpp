#include "core/admin/admin-endpoint.h"

#include <doctest/doctest.h>
#include <spdlog/sinks/null_sink.h>
#include <spdlog/spdlog.h>
#include <sys/socket.h>

#include <vector>

#include "core/admin/admin-test-net.h"
#include "core/node/event-loop.h"

using namespace cjdns;

namespace {

struct Bench : iface::LinkSender {
  bool sendOnLink(unsigned, const iface::LinkAddress&, const wire::Message&) override { return true; }
  crypto::DeterministicRandom rng{5};
  crypto::PrivateKey key = admin::test::keyFor(5);
  node::NodeEngine engine{key, rng, *this};
  node::EventLoop loop;
  std::shared_ptr<spdlog::logger> log = std::make_shared<spdlog::logger>("t", std::make_shared<spdlog::sinks::null_sink_mt>());
};

void sendRequest(ipc::Channel& ch, std::uint64_t id, bool nodeInfo = true) {
  capnp::MallocMessageBuilder mb;
  auto r = mb.initRoot<proto::AdminToCore>();
  r.setId(id);
  if (nodeInfo) {
    r.setNodeInfo();
  } else {
    r.initSwitchPing().setPath(0x15);
  }
  REQUIRE(ch.send(mb).ok());
}

/// Runs the loop for a while and collects what the bridge's end received.
std::vector<std::uint64_t> drain(Bench& b, ipc::Channel& bridge, std::uint64_t ms = 50) {
  b.loop.after(ms, [&] { b.loop.stop(); });
  b.loop.run();
  std::vector<std::uint64_t> ids;
  for (;;) {
    ipc::Received in;
    auto r = bridge.receive(in);
    if (!r.ok() || r.value() != ipc::Channel::Status::kMessage) break;
    ids.push_back(in.reader().getRoot<proto::CoreToAdmin>().getId());
  }
  return ids;
}

}  // namespace

TEST_SUITE("unit") {

TEST_CASE("admin endpoint: answers over the channel and survives bad datagrams") {
  Bench b;
  auto pair = ipc::Channel::pair(admin::bridgeLimits());
  REQUIRE(pair.ok());
  ipc::Channel bridge = std::move(pair.value().second);
  admin::AdminEndpoint ep(b.loop, b.engine, {}, std::move(pair.value().first), b.log);
  CHECK(ep.connected());

  sendRequest(bridge, 1);
  // Garbage: not a Cap'n Proto message.
  const char junk[] = "this is not capnp at all, not even close";
  REQUIRE(::send(bridge.fd(), junk, sizeof junk, 0) == static_cast<ssize_t>(sizeof junk));
  // Over the size limit.
  std::vector<char> big(20000, 'x');
  REQUIRE(::send(bridge.fd(), big.data(), big.size(), 0) == static_cast<ssize_t>(big.size()));
  sendRequest(bridge, 2);
  const auto ids = drain(b, bridge);
  CHECK(ids == std::vector<std::uint64_t>{1, 2});
  CHECK(ep.counters().dropped == 2);
  CHECK(ep.counters().received == 2);
  CHECK(ep.counters().sent == 2);
}

TEST_CASE("admin endpoint: a late answer, then a new bridge") {
  Bench b;
  auto pair = ipc::Channel::pair(admin::bridgeLimits());
  REQUIRE(pair.ok());
  ipc::Channel bridge = std::move(pair.value().second);
  admin::AdminEndpoint ep(b.loop, b.engine, {}, std::move(pair.value().first), b.log);

  // A switch ping to nowhere times out through the endpoint's timer (100 ms ticks).
  {
    capnp::MallocMessageBuilder mb;
    auto r = mb.initRoot<proto::AdminToCore>();
    r.setId(9);
    auto s = r.initSwitchPing();
    s.setPath(0x15);
    s.setTimeoutMs(100);
    REQUIRE(bridge.send(mb).ok());
  }
  CHECK(drain(b, bridge, 400) == std::vector<std::uint64_t>{9});

  // The bridge goes away with a ping pending; a new one is attached.
  sendRequest(bridge, 10, false);
  drain(b, bridge, 20);
  CHECK(ep.service().pending() == 1);
  bridge = ipc::Channel();  // closed
  drain(b, bridge, 20);
  CHECK_FALSE(ep.connected());
  CHECK(ep.service().pending() == 0);

  auto pair2 = ipc::Channel::pair(admin::bridgeLimits());
  REQUIRE(pair2.ok());
  ipc::Channel bridge2 = std::move(pair2.value().second);
  ep.replaceChannel(std::move(pair2.value().first));
  CHECK(ep.connected());
  sendRequest(bridge2, 11);
  CHECK(drain(b, bridge2) == std::vector<std::uint64_t>{11});
  CHECK(ep.counters().channels == 2);
}

}  // TEST_SUITE
