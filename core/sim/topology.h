// Topologies for the simulator: who peers with whom, and the shortest hop
// counts the routing is measured against. Deterministic from a seed.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string_view>
#include <utility>
#include <vector>

namespace cjdns::sim {

struct Topology {
  std::size_t nodeCount = 0;
  /// Undirected links; `first` dials `second`.
  std::vector<std::pair<std::uint32_t, std::uint32_t>> links;
  std::vector<std::vector<std::uint32_t>> neighbours;

  void addLink(std::uint32_t a, std::uint32_t b);
  bool hasLink(std::uint32_t a, std::uint32_t b) const;
  std::size_t maxDegree() const;
};

/// An overlay like the public network: each new node peers with `m` earlier
/// nodes chosen with probability growing with their degree (people peer with
/// well-connected public nodes), no node above `maxDegree` links.
Topology preferentialAttachment(std::size_t n, unsigned m, unsigned maxDegree, std::uint64_t seed);

/// A wireless-like mesh: nodes at random points of a unit square, each
/// linked to its `k` nearest neighbours (so the average degree is a little
/// above k), plus links that join any pieces into one. Long paths.
Topology nearestNeighbourMesh(std::size_t n, unsigned k, std::uint64_t seed);

/// By name: "internet" (preferentialAttachment m=2, max 64) or "mesh"
/// (nearestNeighbourMesh k=4). Empty topology for an unknown name.
Topology makeTopology(std::string_view kind, std::size_t n, std::uint64_t seed);

/// Hop counts from `source` over links whose both ends are up; -1 where
/// unreachable. `down` may be empty (all up).
std::vector<int> hopDistances(const Topology& t, std::uint32_t source, const std::vector<bool>& down);

}  // namespace cjdns::sim
