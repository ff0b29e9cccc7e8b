#include "core/routing/pathfinder.h"

#include <algorithm>

#include "core/routing/distance.h"
#include "core/switch/label.h"
#include "core/wire/endian.h"

namespace cjdns::routing {

namespace {

constexpr std::string_view kTxidPrefix("00s", 3);
constexpr std::size_t kTxidSize = kTxidPrefix.size() + 4;

std::string txidFor(std::uint32_t n) {
  std::string t(kTxidPrefix);
  for (int shift = 24; shift >= 0; shift -= 8) t.push_back(static_cast<char>((n >> shift) & 0xff));
  return t;
}

std::uint32_t txidNumber(std::string_view txid) {
  return wire::loadBe32(reinterpret_cast<const std::uint8_t*>(txid.data() + kTxidPrefix.size()));
}

}  // namespace

Pathfinder::Pathfinder(const crypto::PublicKey& ourKey, const DhtResponder& dht, PathfinderHost& host,
                       PathfinderConfig config)
    : ourKey_(ourKey), ourIp6_(crypto::addressOf(ourKey)), dht_(dht), host_(host), config_(config) {}

bool Pathfinder::isOurTxid(std::string_view txid) {
  return txid.size() == kTxidSize && txid.starts_with(kTxidPrefix);
}

// ---------------------------------------------------------------- table

std::optional<std::size_t> Pathfinder::indexOf(const crypto::PublicKey& key) const {
  for (std::size_t i = 0; i < nodes_.size(); ++i) {
    if (nodes_[i].key == key) return i;
  }
  return std::nullopt;
}

std::optional<DhtNode> Pathfinder::lookup(const crypto::Ip6& ip6) const {
  for (std::size_t i = 0; i < meta_.size(); ++i) {
    if (meta_[i].ip6 == ip6) return nodes_[i];
  }
  return std::nullopt;
}

std::vector<Pathfinder::Entry> Pathfinder::table() const {
  std::vector<Entry> out;
  out.reserve(nodes_.size());
  for (std::size_t i = 0; i < nodes_.size(); ++i) {
    out.push_back(Entry{nodes_[i], meta_[i].ip6, meta_[i].lastSeenMs, meta_[i].verified, meta_[i].failures});
  }
  return out;
}

void Pathfinder::learn(const DhtNode& node, const crypto::Ip6& ip6, bool verified, std::uint64_t nowMs) {
  if (const auto i = indexOf(node.key)) {
    DhtNode& n = nodes_[*i];
    Meta& m = meta_[*i];
    if (verified) {
      // It just sent us something along this label: the best evidence there is.
      n.label = node.label;
      if (node.version != 0) n.version = node.version;
      m.verified = true;
      m.failures = 0;
      m.lastSeenMs = nowMs;
    } else if (!m.verified || m.failures > 0) {
      // Hearsay replaces hearsay only with a shorter path (as the search
      // keeps the shortest label of a target), or a path that failed.
      if (node.label < n.label || m.failures > 0) {
        n.label = node.label;
        m.failures = 0;
        m.verified = false;
      }
      if (node.version != 0) n.version = node.version;
      m.lastSeenMs = nowMs;
    }
    return;
  }
  if (config_.maxNodes == 0) return;
  if (nodes_.size() >= config_.maxNodes) {
    // Most failures first, then the least recently seen.
    std::size_t worst = 0;
    for (std::size_t i = 1; i < meta_.size(); ++i) {
      const Meta& a = meta_[i];
      const Meta& w = meta_[worst];
      if (a.failures > w.failures || (a.failures == w.failures && a.lastSeenMs < w.lastSeenMs)) worst = i;
    }
    removeAt(worst);
    ++counters_.nodesEvicted;
  }
  nodes_.push_back(node);
  meta_.push_back(Meta{ip6, nowMs, 0, verified});
  ++counters_.nodesAdded;
}

void Pathfinder::removeAt(std::size_t i) {
  nodes_[i] = nodes_.back();
  nodes_.pop_back();
  meta_[i] = meta_.back();
  meta_.pop_back();
}

void Pathfinder::nodeFailed(const crypto::PublicKey& key, std::uint64_t label, Outbox& out) {
  const auto i = indexOf(key);
  // Only the path that was asked counts against a node.
  if (!i || nodes_[*i].label != label) return;
  if (++meta_[*i].failures < config_.maxFailures) return;
  out.broken.push_back(nodes_[*i]);
  removeAt(*i);
  ++counters_.nodesFailed;
}

void Pathfinder::heard(const DhtNode& node, std::uint64_t nowMs) {
  if (node.key == ourKey_ || node.label == 0 || node.label == switching::kInvalidLabel) return;
  const crypto::Ip6 ip6 = crypto::addressOf(node.key);
  if (!crypto::isValidAddress(ip6)) return;
  learn(node, ip6, true, nowMs);
}

// ---------------------------------------------------------------- searches

bool Pathfinder::searching(const crypto::Ip6& target) const {
  return std::any_of(searches_.begin(), searches_.end(), [&](const Search& s) { return s.target == target; });
}

bool Pathfinder::recentlyFinished(const crypto::Ip6& target, std::uint64_t nowMs) const {
  return std::any_of(finished_.begin(), finished_.end(), [&](const auto& f) {
    return f.first == target && nowMs >= f.second && nowMs - f.second < config_.retryAfterMs;
  });
}

Pathfinder::Search* Pathfinder::findSearch(std::uint64_t id) {
  auto it = std::find_if(searches_.begin(), searches_.end(), [id](const Search& s) { return s.id == id; });
  return it == searches_.end() ? nullptr : &*it;
}

SearchStart Pathfinder::search(const crypto::Ip6& target, std::span<const DhtNode> peers, std::uint64_t nowMs) {
  if (!crypto::isValidAddress(target) || target == ourIp6_) {
    ++counters_.searchesRefused;
    return SearchStart::kRefused;
  }
  if (searching(target)) {
    ++counters_.searchesJoined;
    return SearchStart::kJoined;
  }
  if (recentlyFinished(target, nowMs)) {
    ++counters_.searchesThrottled;
    return SearchStart::kThrottled;
  }
  if (searches_.size() >= config_.maxSearches) {
    ++counters_.searchesRefused;
    return SearchStart::kRefused;
  }
  ++counters_.searchesStarted;
  // Peers first: a peer that is also in the table keeps its one-hop label.
  std::vector<DhtNode> known(peers.begin(), peers.end());
  known.insert(known.end(), nodes_.begin(), nodes_.end());
  ClosestFilter filter;
  filter.exclude = &ourKey_;
  filter.compatibleWith = dht_.version();
  std::vector<DhtNode> candidates = closestNodes(target, known, config_.maxCandidates, filter);
  if (candidates.empty()) {
    ++counters_.searchesFailed;
    finished_.emplace_back(target, nowMs);
    finish(0, false, nowMs);
    return SearchStart::kNoNodes;
  }
  Outbox out;
  // A target we know is handed over now; asking it (it is nearest of all,
  // so first) checks that the path still works.
  if (crypto::addressOf(candidates.front().key) == target) out.found.push_back(candidates.front());
  Search s;
  s.id = nextSearchId_++;
  s.target = target;
  s.candidates = std::move(candidates);
  searches_.push_back(std::move(s));
  advance(searches_.back().id, nowMs, out);
  flush(out, nowMs);
  return SearchStart::kStarted;
}

void Pathfinder::advance(std::uint64_t searchId, std::uint64_t nowMs, Outbox& out) {
  Search* s = findSearch(searchId);
  if (s == nullptr) return;
  if (s->found) {
    finish(searchId, true, nowMs);
    return;
  }
  const std::size_t budget = config_.maxRounds * config_.parallel;
  while (s->inFlight < config_.parallel && s->sent < budget && !s->candidates.empty() &&
         pending_.size() < config_.maxPending) {
    const DhtNode to = s->candidates.front();
    s->candidates.erase(s->candidates.begin());
    s->asked.push_back(to.key);
    const std::uint32_t txid = nextTxid_++;
    pending_[txid] = Pending{searchId, to, crypto::addressOf(to.key), nowMs};
    out.queries.emplace_back(to, dht_.findNodeQuery(txidFor(txid), s->target, to.label));
    ++s->inFlight;
    ++s->sent;
    ++counters_.queriesSent;
  }
  if (s->inFlight == 0) finish(searchId, false, nowMs);
}

void Pathfinder::finish(std::uint64_t searchId, bool success, std::uint64_t nowMs) {
  if (searchId != 0) {  // 0: only trim the list of finished searches
    auto it = std::find_if(searches_.begin(), searches_.end(), [searchId](const Search& s) { return s.id == searchId; });
    if (it == searches_.end()) return;
    ++(success ? counters_.searchesSucceeded : counters_.searchesFailed);
    finished_.emplace_back(it->target, nowMs);
    searches_.erase(it);
  }
  // Queries still out for a finished search stay pending: a late answer
  // still teaches us nodes, and the timeout clears them.
  const std::size_t keep = 2 * std::max<std::size_t>(config_.maxSearches, 1);
  if (finished_.size() > keep) finished_.erase(finished_.begin(), finished_.end() - static_cast<std::ptrdiff_t>(keep));
}

void Pathfinder::addCandidate(Search& s, const DhtNode& node) {
  if (std::find(s.asked.begin(), s.asked.end(), node.key) != s.asked.end()) return;
  const crypto::Ip6 ip6 = crypto::addressOf(node.key);
  const Distance d = distance(s.target, ip6);
  for (auto it = s.candidates.begin(); it != s.candidates.end(); ++it) {
    if (it->key == node.key) {
      if (node.label < it->label) it->label = node.label;  // the shorter path wins
      return;
    }
  }
  auto at = std::find_if(s.candidates.begin(), s.candidates.end(),
                         [&](const DhtNode& c) { return d < distance(s.target, crypto::addressOf(c.key)); });
  s.candidates.insert(at, node);
  if (s.candidates.size() > config_.maxCandidates) s.candidates.pop_back();
}

bool Pathfinder::onReply(const crypto::PublicKey& from, std::uint64_t returnPath, const util::Dict& reply,
                         std::uint64_t nowMs) {
  const util::Value* txidValue = reply.find("txid");
  if (txidValue == nullptr || !txidValue->isString() || !isOurTxid(txidValue->asString())) return false;
  auto it = pending_.find(txidNumber(txidValue->asString()));
  if (it == pending_.end()) {
    ++counters_.repliesUnknown;
    return true;
  }
  Outbox out;
  if (it->second.to.key != from) {
    // Someone else answered on that path: our label for the node is wrong.
    ++counters_.repliesWrongSender;
    queryLost(it->first, nowMs, out);
    flush(out, nowMs);
    return true;
  }
  const Pending p = it->second;
  pending_.erase(it);
  ++counters_.repliesMatched;
  Search* s = findSearch(p.searchId);
  if (s != nullptr) {
    --s->inFlight;
    if (p.toIp6 == s->target) s->found = true;  // the target answered: its path works
  }

  std::optional<DhtNode> target;
  if (reply.find("n") != nullptr || reply.find("np") != nullptr) {
    const auto entries = parseNodeList(reply);
    if (!entries) ++counters_.repliesBadList;
    for (const DhtNode& e : entries.value_or(std::vector<DhtNode>{})) {
      if (e.key == ourKey_) continue;
      // The replier's label for the node, after our path to the replier.
      const std::uint64_t label = switching::splice(e.label, returnPath);
      const crypto::Ip6 ip6 = crypto::addressOf(e.key);
      if (label == switching::kInvalidLabel || !crypto::isValidAddress(ip6) ||
          !versionsCompatible(dht_.version(), e.version)) {
        ++counters_.entriesRejected;
        continue;
      }
      const DhtNode node{e.key, label, e.version};
      learn(node, ip6, false, nowMs);
      s = findSearch(p.searchId);
      if (s == nullptr) continue;
      if (ip6 == s->target) {
        if (!target || label < target->label) target = node;
      } else {
        // cjdns's SearchRunner only follows nodes nearer the target than the
        // one that named them. In a small or sparse mesh that greedy rule
        // stalls one hop short (the way round is "farther"), so we keep the
        // others too, behind the nearer ones (candidates stay sorted by
        // distance), within the same per-search query budget.
        addCandidate(*s, node);
      }
    }
  }
  s = findSearch(p.searchId);
  if (s != nullptr && target) {
    s->found = true;
    out.found.push_back(*target);
  }
  advance(p.searchId, nowMs, out);
  flush(out, nowMs);
  return true;
}

void Pathfinder::queryLost(std::uint32_t txid, std::uint64_t nowMs, Outbox& out) {
  auto it = pending_.find(txid);
  if (it == pending_.end()) return;
  const Pending p = it->second;
  pending_.erase(it);
  nodeFailed(p.to.key, p.to.label, out);
  if (Search* s = findSearch(p.searchId)) {
    --s->inFlight;
    advance(p.searchId, nowMs, out);
  }
}

std::size_t Pathfinder::pathFailed(std::uint64_t path, std::uint64_t nowMs) {
  if (path == 0 || path == switching::kInvalidLabel) return 0;
  Outbox out;
  std::size_t forgotten = 0;
  for (std::size_t i = nodes_.size(); i-- > 0;) {
    if (!switching::routesThrough(nodes_[i].label, path)) continue;
    out.broken.push_back(nodes_[i]);
    removeAt(i);
    ++forgotten;
    ++counters_.pathsBroken;
  }
  // Queries that went that way will not be answered.
  std::vector<std::uint32_t> lost;
  for (const auto& [txid, p] : pending_) {
    if (switching::routesThrough(p.to.label, path)) lost.push_back(txid);
  }
  std::sort(lost.begin(), lost.end());
  for (const std::uint32_t txid : lost) {
    ++counters_.queryTimeouts;
    queryLost(txid, nowMs, out);
  }
  flush(out, nowMs);
  return forgotten;
}

void Pathfinder::tick(std::uint64_t nowMs) {
  Outbox out;
  std::vector<std::uint32_t> late;
  for (const auto& [txid, p] : pending_) {
    if (nowMs < p.sentMs || nowMs - p.sentMs >= config_.queryTimeoutMs) late.push_back(txid);
  }
  std::sort(late.begin(), late.end());  // deterministic order
  for (const std::uint32_t txid : late) {
    ++counters_.queryTimeouts;
    queryLost(txid, nowMs, out);
  }
  for (std::size_t i = nodes_.size(); i-- > 0;) {
    if (nowMs > meta_[i].lastSeenMs && nowMs - meta_[i].lastSeenMs > config_.nodeMaxAgeMs) {
      removeAt(i);
      ++counters_.nodesExpired;
    }
  }
  std::erase_if(finished_, [&](const auto& f) { return nowMs < f.second || nowMs - f.second >= config_.retryAfterMs; });
  flush(out, nowMs);
}

void Pathfinder::flush(Outbox& out, std::uint64_t nowMs) {
  // Taken out first: the host may call back in, and start its own batch.
  const Outbox batch = std::move(out);
  out = Outbox{};
  for (const DhtNode& n : batch.broken) host_.pathBroken(n, nowMs);
  for (const DhtNode& n : batch.found) host_.nodeFound(n, nowMs);
  for (const auto& [to, query] : batch.queries) host_.sendQuery(to, query, nowMs);
}

}  // namespace cjdns::routing
