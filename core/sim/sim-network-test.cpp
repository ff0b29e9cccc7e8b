#include "core/sim/sim-network.h"

#include <doctest/doctest.h>

#include <cstring>
#include <map>
#include <set>

#include "core/sim/topology.h"

using namespace cjdns;

namespace {

std::vector<crypto::PrivateKey>& testKeys() {
  static auto keys = sim::simKeys(42, 40, "");
  return keys;
}

struct Probe {
  std::set<std::pair<std::size_t, std::size_t>> delivered;  // (from index, to index)
  std::map<std::pair<std::size_t, std::size_t>, int> hops;
};

/// Builds `t` in `net` with the test keys; returns per-pair deliveries.
void build(sim::SimNetwork& net, const sim::Topology& t, sim::LinkParams p = {}) {
  for (std::size_t i = 0; i < t.nodeCount; ++i) net.addNode(testKeys()[i]);
  for (auto [a, b] : t.links) REQUIRE(net.addLink(a, b, p));
}

void watch(sim::SimNetwork& net, Probe& probe) {
  net.setDeliveryHandler([&](std::size_t at, const session::Delivery& d, wire::Message& m, std::uint64_t) {
    REQUIRE(m.length() == 8);
    std::uint64_t from;
    std::memcpy(&from, m.data(), 8);
    CHECK(d.ip6 == net.ip6(from));
    probe.delivered.insert({from, at});
    probe.hops[{from, at}] = sim::labelHops(d.returnPath);
  });
}

void send(sim::SimNetwork& net, std::size_t from, std::size_t to) {
  std::uint64_t f = from;
  std::uint8_t b[8];
  std::memcpy(b, &f, 8);
  net.sendData(from, to, b);
}

sim::Topology line(std::size_t n) {
  sim::Topology t;
  t.nodeCount = n;
  t.neighbours.resize(n);
  for (std::uint32_t i = 0; i + 1 < n; ++i) t.addLink(i, i + 1);
  return t;
}

}  // namespace

TEST_CASE("simulated keys are valid fc identities, distinct and reproducible") {
  auto& k = testKeys();
  REQUIRE(k.size() == 40);
  std::set<crypto::Ip6> ips;
  for (auto& key : k) {
    auto ip = crypto::addressOf(crypto::publicKeyOf(key));
    CHECK(crypto::isValidAddress(ip));
    ips.insert(ip);
  }
  CHECK(ips.size() == 40);
  auto again = sim::simKeys(42, 3, "");
  CHECK(again[2] == k[2]);
}

TEST_CASE("label hops count v3x5x8 directors") {
  CHECK(sim::labelHops(1) == 0);
  CHECK(sim::labelHops(0x13) == 1);       // one 4-bit director, then the terminator
  CHECK(sim::labelHops(0x153) == 2);      // 0x3 then 0x5 (both 4 bits), terminator 0x1
  CHECK(sim::labelHops(0) == -1);
}

TEST_CASE("a line of six engines: every node reaches every other, by the only path") {
  sim::SimNetwork net(1);
  build(net, line(6));
  Probe probe;
  watch(net, probe);
  net.runFor(10'000);
  for (int round = 0; round < 10; ++round) {
    for (std::size_t a = 0; a < 6; ++a)
      for (std::size_t b = 0; b < 6; ++b)
        if (a != b && !probe.delivered.count({a, b})) send(net, a, b);
    net.runFor(1000);
  }
  CHECK(probe.delivered.size() == 30);
  for (auto& [pair, hops] : probe.hops) {
    auto [a, b] = pair;
    CHECK(hops == static_cast<int>(a > b ? a - b : b - a));
  }
  CHECK(net.counters().datagramsNoLink == 0);
  CHECK(net.counters().dataDelivered >= 30);
}

TEST_CASE("the same seed gives the same run; loss is applied and counted") {
  auto runOnce = [](std::uint64_t seed) {
    sim::SimNetwork net(seed);
    build(net, sim::preferentialAttachment(30, 2, 64, 9), {5, 0.05});
    net.runFor(20'000);
    return net.counters();
  };
  auto a = runOnce(3), b = runOnce(3), c = runOnce(4);
  CHECK(a.datagramsSent == b.datagramsSent);
  CHECK(a.datagramsLost == b.datagramsLost);
  CHECK(a.datagramsLost > 0);
  CHECK((c.datagramsSent != a.datagramsSent || c.datagramsLost != a.datagramsLost));
}

TEST_CASE("30 engines over a lossy overlay: sampled pairs reach each other; a down node's traffic is counted") {
  sim::SimNetwork net(2);
  auto t = sim::preferentialAttachment(30, 2, 64, 9);
  build(net, t, {10, 0.01});
  Probe probe;
  watch(net, probe);
  net.runFor(20'000);
  std::vector<std::pair<std::size_t, std::size_t>> pairs;
  for (std::size_t i = 0; i < 30; ++i) pairs.push_back({i, (i * 7 + 3) % 30});
  for (int round = 0; round < 20; ++round) {
    for (auto [a, b] : pairs)
      if (a != b && !probe.delivered.count({a, b})) send(net, a, b);
    net.runFor(1000);
  }
  std::size_t want = 0;
  for (auto [a, b] : pairs) want += a != b;
  CHECK(probe.delivered.size() == want);
  net.setDown(5, true);
  auto before = net.counters().datagramsToDown;
  net.runFor(5000);
  CHECK(net.counters().datagramsToDown > before);
}

TEST_CASE("a route server: every node finds it through its peers, announces, and gets shortest paths") {
  sim::SimNetwork net(5);
  auto t = sim::preferentialAttachment(30, 2, 64, 11);
  build(net, t);
  net.engine(0).enableRouteServer();
  Probe probe;
  watch(net, probe);
  net.runFor(30'000);
  std::size_t ready = 0;
  for (std::size_t i = 0; i < 30; ++i) ready += net.engine(i).subnode().ready();
  INFO("node 1 counters: adopted " << net.engine(1).subnode().counters().snodesAdopted << " lost "
                                   << net.engine(1).subnode().counters().snodesLost << " server answered "
                                   << net.engine(0).routerCounters().snodeQueries << " ignored "
                                   << net.engine(0).routerCounters().dhtIgnored);
  CHECK(ready == 30);
  REQUIRE(net.engine(0).routeServer());
  CHECK(net.engine(0).routeServer()->nodeCount() == 30);
  CHECK(net.engine(0).routeServer()->linkCount() == 2 * t.links.size());
  for (std::size_t a = 0; a < 30; ++a)
    for (int round = 0; round < 5 && !probe.delivered.count({a, (a + 13) % 30}); ++round) {
      send(net, a, (a + 13) % 30);
      net.runFor(1000);
    }
  for (std::size_t a = 0; a < 30; ++a) {
    std::size_t b = (a + 13) % 30;
    REQUIRE(probe.delivered.count({a, b}));
    CHECK(probe.hops[{a, b}] == sim::hopDistances(t, static_cast<std::uint32_t>(b), {})[a]);
  }
}
