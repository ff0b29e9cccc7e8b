#include "core/sim/topology.h"

#include <doctest/doctest.h>

using namespace cjdns::sim;

namespace {

bool connected(const Topology& t) {
  auto d = hopDistances(t, 0, {});
  for (int x : d)
    if (x < 0) return false;
  return true;
}

}  // namespace

TEST_CASE("preferential attachment: connected, bounded degree, the same for the same seed") {
  auto t = preferentialAttachment(2000, 2, 64, 5);
  CHECK(t.nodeCount == 2000);
  CHECK(connected(t));
  CHECK(t.maxDegree() <= 64);
  CHECK(t.links.size() >= 2000 * 2 - 10);
  auto u = preferentialAttachment(2000, 2, 64, 5);
  CHECK(u.links == t.links);
  auto v = preferentialAttachment(2000, 2, 64, 6);
  CHECK(v.links != t.links);
  // Hubs exist: the most connected node has far more than the average 4.
  CHECK(t.maxDegree() > 16);
}

TEST_CASE("nearest-neighbour mesh: connected, long paths") {
  auto t = nearestNeighbourMesh(1000, 4, 3);
  CHECK(connected(t));
  auto d = hopDistances(t, 0, {});
  int far = 0;
  for (int x : d) far = std::max(far, x);
  CHECK(far >= 10);  // a mesh of 1000 in a square is ~30 hops across
  for (auto [a, b] : t.links) CHECK(t.hasLink(b, a));
}

TEST_CASE("hop distances skip nodes that are down") {
  Topology t;
  t.nodeCount = 4;
  t.neighbours.resize(4);
  t.addLink(0, 1);
  t.addLink(1, 2);
  t.addLink(0, 3);
  t.addLink(3, 2);
  CHECK(hopDistances(t, 0, {})[2] == 2);
  CHECK(hopDistances(t, 0, {false, true, false, false})[2] == 2);
  CHECK(hopDistances(t, 0, {false, true, false, true})[2] == -1);
  CHECK(hopDistances(t, 1, {false, true, false, false})[0] == -1);
  CHECK(makeTopology("nonsense", 10, 1).nodeCount == 0);
}
