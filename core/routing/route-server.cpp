#include "core/routing/route-server.h"

#include <cstring>
#include <deque>
#include <variant>

#include "core/switch/encoding-scheme.h"
#include "core/switch/label.h"

namespace cjdns::routing {

std::size_t RouteServer::Ip6Hash::operator()(const crypto::Ip6& ip) const {
  std::uint64_t a, b;
  std::memcpy(&a, ip.data(), 8);
  std::memcpy(&b, ip.data() + 8, 8);
  return std::hash<std::uint64_t>{}(a ^ (b * 0x9e3779b97f4a7c15ull));
}

RouteServer::RouteServer(const crypto::PublicKey& ourKey, std::size_t maxNodes)
    : ourIp6_(crypto::addressOf(ourKey)), maxNodes_(maxNodes) {}

namespace {

bool hasVersion(const ParsedAnnouncement& msg) {
  for (const auto& item : msg.items)
    if (std::holds_alternative<VersionItem>(item)) return true;
  return false;
}

}  // namespace

RouteServer::AnnounceReply RouteServer::announce(std::span<const std::uint8_t> bytes, std::uint64_t nowMs) {
  (void)nowMs;
  AnnounceReply reply;
  ParsedAnnouncement msg;
  if (auto err = parseAnnouncement(bytes, msg); err != AnnParseError::kNone) {
    ++counters_.announcementsRefused;
    reply.error = describe(err);
    return reply;
  }
  if (msg.header.snodeIp != ourIp6_) {
    ++counters_.announcementsRefused;
    reply.error = "wrong_snode";
    return reply;
  }
  auto it = index_.find(msg.nodeIp);
  if (it == index_.end()) {
    if (!msg.header.reset) {
      ++counters_.announcementsRefused;
      reply.error = "unknown_node";
      return reply;
    }
    // Checked before the node is created: a refused first message must not
    // leave an empty node behind (it would count against maxNodes and let
    // the node's next message in without a reset).
    if (!hasVersion(msg)) {
      ++counters_.announcementsRefused;
      reply.error = "no_version";
      return reply;
    }
    if (nodes_.size() >= maxNodes_) {
      ++counters_.nodesRefused;
      reply.error = "full";
      return reply;
    }
    it = index_.emplace(msg.nodeIp, static_cast<std::uint32_t>(nodes_.size())).first;
    ips_.push_back(msg.nodeIp);
    nodes_.emplace_back();
    nodes_.back().key = msg.nodeKey;
  }
  Node& node = nodes_[it->second];
  if ((msg.header.reset || node.version == 0) && !hasVersion(msg)) {
    ++counters_.announcementsRefused;
    reply.error = "no_version";
    if (node.log.messages().empty()) reply.stateHash.reset();
    else reply.stateHash = node.log.stateHash();
    return reply;
  }
  node.log.accept(std::move(msg));
  apply(node, node.log.messages().back());
  ++counters_.announcementsAccepted;
  dirty_ = true;
  reply.stateHash = node.log.stateHash();
  return reply;
}

void RouteServer::apply(Node& node, const ParsedAnnouncement& newest) {
  // Recomputed from every kept message, oldest first, so that pruning and a
  // reset are followed exactly.
  (void)newest;
  node.peers.clear();
  node.version = 0;
  for (const auto& m : node.log.messages()) {
    for (const auto& item : m.items) {
      if (const auto* v = std::get_if<VersionItem>(&item)) node.version = v->version;
      if (const auto* p = std::get_if<PeerItem>(&item)) {
        if (p->label == 0) node.peers.erase(p->peerNum);
        else node.peers[p->peerNum] = *p;
      }
    }
  }
}

void RouteServer::rebuild() {
  ++counters_.graphRebuilds;
  out_.assign(nodes_.size(), {});
  for (std::uint32_t v = 0; v < nodes_.size(); ++v) {
    for (const auto& [num, p] : nodes_[v].peers) {
      auto u = index_.find(p.ip6);
      if (u == index_.end() || u->second == v) continue;
      // A peer's label for us is one director then the terminator; anything
      // else (a self route, a multi-hop path) is a node lying about its links.
      if (!switching::isOneHop(p.label)) {
        ++counters_.linksRefused;
        continue;
      }
      out_[u->second].push_back({v, p.label, p.encodingFormNum});
    }
  }
  dirty_ = false;
}

std::size_t RouteServer::linkCount() {
  if (dirty_) rebuild();
  std::size_t n = 0;
  for (const auto& e : out_) n += e.size();
  return n;
}

std::optional<std::uint64_t> RouteServer::composeLabel(const std::vector<const Edge*>& path) const {
  const auto& scheme = switching::EncodingScheme::v358();
  std::uint64_t full = path.front()->label;
  for (std::size_t i = 1; i < path.size(); ++i) {
    std::uint64_t hop = path[i]->label;
    // The switch at this hop writes its director back to the previous node
    // where this hop's director was: it must be at least that wide.
    int need = path[i - 1]->backForm;
    int have = scheme.formNumber(hop);
    if (have < 0) return std::nullopt;
    if (have < need) hop = scheme.convertLabel(hop, need);
    if (hop == switching::kInvalidLabel) return std::nullopt;
    full = switching::splice(hop, full);
    if (full == switching::kInvalidLabel) return std::nullopt;
  }
  return full;
}

std::optional<DhtNode> RouteServer::route(const crypto::Ip6& src, const crypto::Ip6& tar) {
  auto s = index_.find(src), t = index_.find(tar);
  if (s == index_.end() || t == index_.end() || s->second == t->second) {
    ++counters_.routesUnknown;
    return std::nullopt;
  }
  if (dirty_) rebuild();
  // Breadth first: fewest hops. Each node remembers the edge it was reached by.
  std::vector<const Edge*> via(nodes_.size(), nullptr);
  std::vector<std::uint32_t> from(nodes_.size(), UINT32_MAX);
  std::deque<std::uint32_t> queue{s->second};
  from[s->second] = s->second;
  while (!queue.empty() && from[t->second] == UINT32_MAX) {
    auto u = queue.front();
    queue.pop_front();
    for (const auto& e : out_[u]) {
      if (from[e.to] != UINT32_MAX) continue;
      from[e.to] = u;
      via[e.to] = &e;
      queue.push_back(e.to);
    }
  }
  if (from[t->second] == UINT32_MAX) {
    ++counters_.routesUnknown;
    return std::nullopt;
  }
  std::vector<const Edge*> path;
  for (auto v = t->second; v != s->second; v = from[v]) path.insert(path.begin(), via[v]);
  auto label = composeLabel(path);
  if (!label) {
    ++counters_.routesTooLong;
    return std::nullopt;
  }
  ++counters_.routesAnswered;
  return DhtNode{nodes_[t->second].key, *label, nodes_[t->second].version};
}

}  // namespace cjdns::routing
