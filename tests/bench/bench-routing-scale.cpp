// Routing at scale: N engines in one process (core/sim) over a generated
// topology. Prints, for each N: reachability of sampled pairs, path stretch
// (hops taken / shortest hops), routing state and heap per node, and how long
// the sampled pairs take to reach each other again after 1 % of the nodes fail.
//
//   bench-routing-scale [--nodes 100,1000,10000] [--topology internet|mesh]
//                       [--seed 1] [--pairs 1000] [--warmup-s 60]
//                       [--probe-s 30] [--recover-s 60] [--fail-percent 1]
//                       [--key-cache DIR] [--routing snode|dht]
//
// --routing snode (default): node 0 runs the route server, every node is its
// subnode (announces its peers, asks it for routes, falls back to the DHT);
// --routing dht: no route server, the DHT alone.
#include <malloc.h>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <random>
#include <string>
#include <vector>

#include "core/sim/sim-network.h"
#include "core/sim/topology.h"

using namespace cjdns;

namespace {

struct Options {
  std::vector<std::size_t> sizes{100, 1000};
  std::string topology = "internet";
  std::uint64_t seed = 1;
  std::size_t pairs = 1000;
  std::uint64_t warmupMs = 60'000;
  std::uint64_t probeMs = 30'000;
  std::uint64_t recoverMs = 60'000;
  double failPercent = 1.0;
  std::string keyCache = ".";
  std::string routing = "snode";  ///< "dht": no route server; "snode": node 0 is one
};

/// 14 hops of 4-bit directors fill a 59-bit label.
constexpr int kLabelReachHops = 14;

struct Pair {
  std::uint32_t src, dst;
  int shortest = -1;
  std::int64_t firstMs = -1;  ///< since the phase began, of the first delivered probe
  int firstHops = -1;
  int lastHops = -1;          ///< of the latest delivered probe
  std::uint32_t lastSeq = 0;  ///< probes sent in this phase (seq of the newest)
};

double percentile(std::vector<double> v, double p) {
  if (v.empty()) return 0;
  std::sort(v.begin(), v.end());
  auto i = static_cast<std::size_t>(p * static_cast<double>(v.size() - 1) + 0.5);
  return v[std::min(i, v.size() - 1)];
}

std::size_t heapBytes() { return mallinfo2().uordblks; }

double seconds(std::chrono::steady_clock::time_point since) {
  return std::chrono::duration<double>(std::chrono::steady_clock::now() - since).count();
}

class Run {
 public:
  Run(const Options& o, std::size_t n, std::vector<crypto::PrivateKey>& keys)
      : o_(o), n_(n), topo_(sim::makeTopology(o.topology, n, o.seed)), net_(o.seed) {
    std::size_t heap0 = heapBytes();
    std::mt19937_64 lat(o.seed + 7);
    for (std::size_t i = 0; i < n; ++i) net_.addNode(keys[i]);
    if (o.routing == "snode") net_.engine(0).enableRouteServer();
    for (auto [a, b] : topo_.links) {
      sim::LinkParams p;
      p.latencyMs = o.topology == "mesh" ? 2 + static_cast<std::uint32_t>(lat() % 8)
                                         : 5 + static_cast<std::uint32_t>(lat() % 45);
      net_.addLink(a, b, p);
    }
    buildHeap_ = heapBytes() - heap0;
    heap0_ = heap0;
    net_.setDeliveryHandler([this](std::size_t at, const session::Delivery& d, wire::Message& m, std::uint64_t) {
      onProbe(at, d, m);
    });
  }

  void warmUp() { net_.runFor(o_.warmupMs); }

  void samplePairs() {
    std::mt19937_64 rng(o_.seed + 11);
    while (pairs_.size() < o_.pairs) {
      auto s = static_cast<std::uint32_t>(rng() % n_), d = static_cast<std::uint32_t>(rng() % n_);
      if (s != d) pairs_.push_back({s, d});
    }
    computeShortest();
  }

  /// Probes every pair once a second for `ms`; returns delivered fraction
  /// of the pairs that are still connected.
  void probePhase(std::uint64_t ms, bool onlyUntilDelivered) {
    for (auto& p : pairs_) p.firstMs = -1, p.firstHops = -1, p.lastHops = -1;
    phaseStart_ = net_.now();
    for (std::uint64_t t = 0; t < ms; t += 1000) {
      for (std::uint32_t i = 0; i < pairs_.size(); ++i) {
        auto& p = pairs_[i];
        if (p.shortest < 0 || (onlyUntilDelivered && p.firstMs >= 0)) continue;
        sendProbe(i);
      }
      net_.runFor(1000);
    }
    net_.runFor(2000);  // the last probes land
  }

  void failNodes() {
    std::mt19937_64 rng(o_.seed + 13);
    std::vector<bool> endpoint(n_, false);
    for (auto& p : pairs_) endpoint[p.src] = endpoint[p.dst] = true;
    auto want = static_cast<std::size_t>(static_cast<double>(n_) * o_.failPercent / 100.0 + 0.5);
    down_.assign(n_, false);
    for (std::size_t failed = 0, guard = 0; failed < want && guard < n_ * 10; ++guard) {
      auto i = static_cast<std::uint32_t>(rng() % n_);
      if (endpoint[i] || down_[i]) continue;
      down_[i] = true;
      net_.setDown(i, true);
      ++failed;
    }
    computeShortest();
  }

  struct Figures {
    std::size_t considered = 0, reached = 0;
    /// Of those, the pairs at most kLabelReachHops apart: a cjdns label (59
    /// bits, 4 to 10 bits a hop) cannot describe much longer paths at all.
    std::size_t near = 0, nearReached = 0;
    double medianStretch = 0, p99Stretch = 0, medianFirstStretch = 0;
    double medianMs = 0, p99Ms = 0, maxMs = 0, ms999 = 0;
  };

  Figures figures() const {
    Figures f;
    std::vector<double> stretch, firstStretch, ms;
    for (const auto& p : pairs_) {
      if (p.shortest <= 0) continue;
      ++f.considered;
      f.near += p.shortest <= kLabelReachHops;
      if (p.firstMs < 0) continue;
      ++f.reached;
      f.nearReached += p.shortest <= kLabelReachHops;
      ms.push_back(static_cast<double>(p.firstMs));
      if (p.lastHops > 0) stretch.push_back(static_cast<double>(p.lastHops) / p.shortest);
      if (p.firstHops > 0) firstStretch.push_back(static_cast<double>(p.firstHops) / p.shortest);
    }
    f.medianStretch = percentile(stretch, 0.5);
    f.p99Stretch = percentile(stretch, 0.99);
    f.medianFirstStretch = percentile(firstStretch, 0.5);
    f.medianMs = percentile(ms, 0.5);
    f.p99Ms = percentile(ms, 0.99);
    f.maxMs = ms.empty() ? 0 : *std::max_element(ms.begin(), ms.end());
    // The time by which 99.9 % of the considered pairs had been reached.
    auto need = static_cast<std::size_t>(static_cast<double>(f.considered) * 0.999 + 0.999);
    std::sort(ms.begin(), ms.end());
    f.ms999 = need > 0 && ms.size() >= need ? ms[need - 1] : -1;
    return f;
  }

  struct State {
    double learnedMean = 0, sessionsMean = 0, peersMean = 0, entriesMean = 0;
    std::size_t entriesMax = 0;
    double heapPerNode = 0, buildHeapPerNode = 0;
  };

  State state() {
    State s;
    std::size_t up = 0;
    for (std::size_t i = 0; i < n_; ++i) {
      if (net_.isDown(i)) continue;
      ++up;
      auto& e = net_.engine(i);
      std::size_t learned = e.pathfinder().nodes().size(), sessions = e.sessions().sessionCount(),
                  peers = e.peers().peers().size();
      s.learnedMean += static_cast<double>(learned);
      s.sessionsMean += static_cast<double>(sessions);
      s.peersMean += static_cast<double>(peers);
      s.entriesMax = std::max(s.entriesMax, learned + peers);
    }
    auto u = static_cast<double>(std::max<std::size_t>(up, 1));
    s.learnedMean /= u, s.sessionsMean /= u, s.peersMean /= u;
    s.entriesMean = s.learnedMean + s.peersMean;
    s.heapPerNode = static_cast<double>(heapBytes() - heap0_) / static_cast<double>(n_);
    s.buildHeapPerNode = static_cast<double>(buildHeap_) / static_cast<double>(n_);
    return s;
  }

  /// What the route-server clients did, summed over the nodes.
  void printSubnodes() {
    routing::SubnodeCounters sum;
    std::size_t ready = 0;
    for (std::size_t i = 0; i < n_; ++i) {
      const auto& c = net_.engine(i).subnode().counters();
      ready += net_.engine(i).subnode().ready();
      sum.snodesAdopted += c.snodesAdopted, sum.snodesLost += c.snodesLost, sum.resets += c.resets;
      sum.announcementsSent += c.announcementsSent, sum.announcementsAccepted += c.announcementsAccepted;
      sum.routeQueries += c.routeQueries, sum.routesFound += c.routesFound, sum.routesUnknown += c.routesUnknown;
      sum.queryTimeouts += c.queryTimeouts, sum.rpathLearned += c.rpathLearned, sum.getSnodeSent += c.getSnodeSent;
    }
    std::printf("  subnodes  %zu/%zu using a route server; %llu GETSNODE, %llu RPATH learned, %llu adopted, %llu lost,"
                " %llu/%llu announcements accepted, %llu resets, %llu/%llu routes found, %llu timeouts\n",
                ready, n_, static_cast<unsigned long long>(sum.getSnodeSent),
                static_cast<unsigned long long>(sum.rpathLearned), static_cast<unsigned long long>(sum.snodesAdopted),
                static_cast<unsigned long long>(sum.snodesLost), static_cast<unsigned long long>(sum.announcementsAccepted),
                static_cast<unsigned long long>(sum.announcementsSent), static_cast<unsigned long long>(sum.resets),
                static_cast<unsigned long long>(sum.routesFound), static_cast<unsigned long long>(sum.routeQueries),
                static_cast<unsigned long long>(sum.queryTimeouts));
    if (auto* rs = net_.engine(0).routeServer())
      std::printf("  server    %zu nodes, %zu links announced\n", rs->nodeCount(), rs->linkCount());
  }

  const sim::Topology& topology() const { return topo_; }
  sim::SimNetwork& net() { return net_; }

 private:
  void computeShortest() {
    // One BFS per distinct source.
    std::vector<std::uint32_t> order(pairs_.size());
    for (std::uint32_t i = 0; i < order.size(); ++i) order[i] = i;
    std::sort(order.begin(), order.end(), [&](auto a, auto b) { return pairs_[a].src < pairs_[b].src; });
    std::uint32_t src = UINT32_MAX;
    std::vector<int> dist;
    for (auto i : order) {
      if (pairs_[i].src != src) src = pairs_[i].src, dist = sim::hopDistances(topo_, src, down_);
      pairs_[i].shortest = dist[pairs_[i].dst];
    }
  }

  void sendProbe(std::uint32_t i) {
    auto& p = pairs_[i];
    std::uint8_t buf[16]{};
    std::uint32_t seq = ++p.lastSeq;
    std::uint64_t sent = net_.now();
    std::memcpy(buf, &i, 4);
    std::memcpy(buf + 4, &seq, 4);
    std::memcpy(buf + 8, &sent, 8);
    net_.sendData(p.src, p.dst, buf);
  }

  void onProbe(std::size_t at, const session::Delivery& d, wire::Message& m) {
    if (m.length() < 16) return;
    std::uint32_t i;
    std::uint64_t sent;
    std::memcpy(&i, m.data(), 4);
    std::memcpy(&sent, m.data() + 8, 8);
    if (i >= pairs_.size() || pairs_[i].dst != at || sent < phaseStart_) return;
    auto& p = pairs_[i];
    int hops = sim::labelHops(d.returnPath);
    if (p.firstMs < 0) {
      p.firstMs = static_cast<std::int64_t>(sent - phaseStart_);
      p.firstHops = hops;
    }
    p.lastHops = hops;
  }

  const Options& o_;
  std::size_t n_;
  sim::Topology topo_;
  sim::SimNetwork net_;
  std::vector<Pair> pairs_;
  std::vector<bool> down_;
  std::uint64_t phaseStart_ = 0;
  std::size_t heap0_ = 0, buildHeap_ = 0;
};

void printPhase(const char* name, const Run::Figures& f) {
  double pct = f.considered ? 100.0 * static_cast<double>(f.reached) / static_cast<double>(f.considered) : 0;
  std::printf("  %-9s reachable %zu/%zu = %.2f %%  stretch median %.2f p99 %.2f (first path median %.2f)\n", name,
              f.reached, f.considered, pct, f.medianStretch, f.p99Stretch, f.medianFirstStretch);
  if (f.near != f.considered)
    std::printf("  %-9s of the %zu pairs at most %d hops apart (a label's reach): %zu = %.2f %%\n", "", f.near,
                kLabelReachHops, f.nearReached,
                f.near ? 100.0 * static_cast<double>(f.nearReached) / static_cast<double>(f.near) : 0.0);
  std::printf("  %-9s first delivery after: median %.0f ms, p99 %.0f ms, max %.0f ms; 99.9 %% of pairs by %s\n", "",
              f.medianMs, f.p99Ms, f.maxMs, f.ms999 < 0 ? "never" : (std::to_string(static_cast<long>(f.ms999)) + " ms").c_str());
}

void runSize(const Options& o, std::size_t n, std::vector<crypto::PrivateKey>& keys) {
  auto wall = std::chrono::steady_clock::now();
  Run run(o, n, keys);
  std::printf("N = %zu (%s routing, %s topology, %zu links, max degree %zu, seed %llu)\n", n, o.routing.c_str(), o.topology.c_str(),
              run.topology().links.size(), run.topology().maxDegree(), static_cast<unsigned long long>(o.seed));
  run.warmUp();
  run.samplePairs();
  run.probePhase(o.probeMs, false);
  auto before = run.figures();
  printPhase("converged", before);
  auto st = run.state();
  std::printf("  state     per node: %.1f peers + %.1f learned nodes = %.1f routing entries (max %zu), %.1f sessions;"
              " heap %.1f KiB (%.1f KiB at start)\n",
              st.peersMean, st.learnedMean, st.entriesMean, st.entriesMax, st.sessionsMean, st.heapPerNode / 1024,
              st.buildHeapPerNode / 1024);
  run.printSubnodes();
  run.failNodes();
  run.probePhase(o.recoverMs, true);
  printPhase("after 1%", run.figures());
  auto& c = run.net().counters();
  std::printf("  sim       %.1f s wall, %.0f s simulated, %llu datagrams, %llu lost, %llu to down nodes\n",
              seconds(wall), static_cast<double>(o.warmupMs + o.probeMs + o.recoverMs) / 1000,
              static_cast<unsigned long long>(c.datagramsDelivered), static_cast<unsigned long long>(c.datagramsLost),
              static_cast<unsigned long long>(c.datagramsToDown));
  std::fflush(stdout);
}

std::vector<std::size_t> parseSizes(const char* s) {
  std::vector<std::size_t> out;
  for (const char* p = s; *p;) {
    char* end;
    out.push_back(std::strtoull(p, &end, 10));
    p = *end == ',' ? end + 1 : end;
    if (end == p && *p) break;
  }
  return out;
}

}  // namespace

int main(int argc, char** argv) {
  Options o;
  for (int i = 1; i < argc; ++i) {
    std::string a = argv[i];
    const char* v = i + 1 < argc ? argv[i + 1] : nullptr;
    if (!v) {
      std::fprintf(stderr, "%s needs a value\n", a.c_str());
      return 2;
    }
    ++i;
    if (a == "--nodes") o.sizes = parseSizes(v);
    else if (a == "--topology") o.topology = v;
    else if (a == "--seed") o.seed = std::strtoull(v, nullptr, 10);
    else if (a == "--pairs") o.pairs = std::strtoull(v, nullptr, 10);
    else if (a == "--warmup-s") o.warmupMs = std::strtoull(v, nullptr, 10) * 1000;
    else if (a == "--probe-s") o.probeMs = std::strtoull(v, nullptr, 10) * 1000;
    else if (a == "--recover-s") o.recoverMs = std::strtoull(v, nullptr, 10) * 1000;
    else if (a == "--fail-percent") o.failPercent = std::strtod(v, nullptr);
    else if (a == "--key-cache") o.keyCache = v;
    else if (a == "--routing") o.routing = v;
    else {
      std::fprintf(stderr, "unknown option %s\n", a.c_str());
      return 2;
    }
  }
  if (o.routing != "dht" && o.routing != "snode") {
    std::fprintf(stderr, "--routing: dht or snode\n");
    return 2;
  }
  if (o.topology != "internet" && o.topology != "mesh") {
    std::fprintf(stderr, "--topology: internet or mesh\n");
    return 2;
  }
  std::size_t maxN = *std::max_element(o.sizes.begin(), o.sizes.end());
  auto t0 = std::chrono::steady_clock::now();
  auto keys = sim::simKeys(o.seed, maxN, o.keyCache + "/sim-keys-" + std::to_string(o.seed) + ".bin");
  std::printf("keys: %zu in %.1f s\n", keys.size(), seconds(t0));
  for (auto n : o.sizes) runSize(o, n, keys);
  return 0;
}
