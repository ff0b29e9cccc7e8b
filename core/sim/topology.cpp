#include "core/sim/topology.h"

#include <algorithm>
#include <cmath>
#include <deque>
#include <numeric>
#include <random>

namespace cjdns::sim {

void Topology::addLink(std::uint32_t a, std::uint32_t b) {
  links.emplace_back(a, b);
  neighbours[a].push_back(b);
  neighbours[b].push_back(a);
}

bool Topology::hasLink(std::uint32_t a, std::uint32_t b) const {
  const auto& na = neighbours[a];
  return std::find(na.begin(), na.end(), b) != na.end();
}

std::size_t Topology::maxDegree() const {
  std::size_t m = 0;
  for (const auto& n : neighbours) m = std::max(m, n.size());
  return m;
}

Topology preferentialAttachment(std::size_t n, unsigned m, unsigned maxDegree, std::uint64_t seed) {
  Topology t;
  t.nodeCount = n;
  t.neighbours.resize(n);
  std::mt19937_64 rng(seed);
  // Every link end is listed once: drawing from this list is drawing by degree.
  std::vector<std::uint32_t> ends;
  for (std::uint32_t i = 1; i < n; ++i) {
    unsigned want = std::min<unsigned>(m, i);
    for (unsigned tries = 0; t.neighbours[i].size() < want && tries < 64; ++tries) {
      std::uint32_t j = ends.empty() || rng() % 4 == 0 ? static_cast<std::uint32_t>(rng() % i)
                                                       : ends[rng() % ends.size()];
      if (j == i || t.hasLink(i, j) || t.neighbours[j].size() >= maxDegree) continue;
      t.addLink(i, j);
      ends.push_back(i);
      ends.push_back(j);
    }
  }
  return t;
}

namespace {

struct Point {
  double x, y;
};

/// Joins the pieces of `t` into one: each piece after the first gets a link
/// from its node nearest to the first piece's nearest node (by brute force
/// over a sample; good enough for a test topology).
void joinComponents(Topology& t, const std::vector<Point>& at) {
  std::vector<int> comp(t.nodeCount, -1);
  int comps = 0;
  for (std::uint32_t s = 0; s < t.nodeCount; ++s) {
    if (comp[s] >= 0) continue;
    std::deque<std::uint32_t> q{s};
    comp[s] = comps;
    while (!q.empty()) {
      auto u = q.front();
      q.pop_front();
      for (auto v : t.neighbours[u])
        if (comp[v] < 0) comp[v] = comps, q.push_back(v);
    }
    ++comps;
  }
  for (int c = 1; c < comps; ++c) {
    double best = 1e9;
    std::uint32_t ba = 0, bb = 0;
    for (std::uint32_t a = 0; a < t.nodeCount; ++a) {
      if (comp[a] != c) continue;
      for (std::uint32_t b = 0; b < t.nodeCount; ++b) {
        if (comp[b] >= c) continue;
        double d = std::hypot(at[a].x - at[b].x, at[a].y - at[b].y);
        if (d < best) best = d, ba = a, bb = b;
      }
    }
    t.addLink(ba, bb);
    for (auto& x : comp)
      if (x == c) x = 0;
  }
}

}  // namespace

Topology nearestNeighbourMesh(std::size_t n, unsigned k, std::uint64_t seed) {
  Topology t;
  t.nodeCount = n;
  t.neighbours.resize(n);
  std::mt19937_64 rng(seed);
  std::uniform_real_distribution<double> u(0, 1);
  std::vector<Point> at(n);
  for (auto& p : at) p = {u(rng), u(rng)};
  // A grid of cells about k nodes each keeps the neighbour search local.
  int cells = std::max(1, static_cast<int>(std::sqrt(static_cast<double>(n) / std::max(1u, k))));
  std::vector<std::vector<std::uint32_t>> grid(static_cast<std::size_t>(cells * cells));
  auto cellOf = [&](const Point& p) {
    int cx = std::min(cells - 1, static_cast<int>(p.x * cells));
    int cy = std::min(cells - 1, static_cast<int>(p.y * cells));
    return std::pair{cx, cy};
  };
  for (std::uint32_t i = 0; i < n; ++i) {
    auto [cx, cy] = cellOf(at[i]);
    grid[static_cast<std::size_t>(cy * cells + cx)].push_back(i);
  }
  for (std::uint32_t i = 0; i < n; ++i) {
    auto [cx, cy] = cellOf(at[i]);
    std::vector<std::pair<double, std::uint32_t>> near;
    for (int r = 1; near.size() < k + 1 && r <= cells; ++r) {
      near.clear();
      for (int y = std::max(0, cy - r); y <= std::min(cells - 1, cy + r); ++y)
        for (int x = std::max(0, cx - r); x <= std::min(cells - 1, cx + r); ++x)
          for (auto j : grid[static_cast<std::size_t>(y * cells + x)])
            if (j != i) near.emplace_back(std::hypot(at[i].x - at[j].x, at[i].y - at[j].y), j);
    }
    std::sort(near.begin(), near.end());
    for (std::size_t c = 0; c < near.size() && c < k; ++c)
      if (!t.hasLink(i, near[c].second)) t.addLink(i, near[c].second);
  }
  joinComponents(t, at);
  return t;
}

Topology makeTopology(std::string_view kind, std::size_t n, std::uint64_t seed) {
  if (kind == "internet") return preferentialAttachment(n, 2, 64, seed);
  if (kind == "mesh") return nearestNeighbourMesh(n, 4, seed);
  return {};
}

std::vector<int> hopDistances(const Topology& t, std::uint32_t source, const std::vector<bool>& down) {
  auto isDown = [&](std::uint32_t i) { return i < down.size() && down[i]; };
  std::vector<int> dist(t.nodeCount, -1);
  if (isDown(source)) return dist;
  std::deque<std::uint32_t> q{source};
  dist[source] = 0;
  while (!q.empty()) {
    auto u = q.front();
    q.pop_front();
    for (auto v : t.neighbours[u]) {
      if (dist[v] >= 0 || isDown(v)) continue;
      dist[v] = dist[u] + 1;
      q.push_back(v);
    }
  }
  return dist;
}

}  // namespace cjdns::sim
