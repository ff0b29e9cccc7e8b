#include "core/routing/subnode.h"

#include <algorithm>
#include <variant>

#include "core/switch/encoding-scheme.h"
#include "core/switch/label.h"

namespace cjdns::routing {

namespace {

constexpr unsigned kPingMissesBeforeBlacklist = 3;
constexpr std::uint64_t kSnodePathRefreshMs = 30'000;

std::string ipString(const crypto::Ip6& ip) { return std::string(reinterpret_cast<const char*>(ip.data()), ip.size()); }

const std::string* stringAt(const util::Dict& d, std::string_view key) {
  const util::Value* v = d.find(key);
  return v && v->isString() ? &v->asString() : nullptr;
}

PeerItem peerItem(const crypto::Ip6& ip6, std::uint64_t ourLabel, std::uint32_t themToUs) {
  PeerItem p;
  int form = switching::EncodingScheme::v358().formNumber(ourLabel);
  p.encodingFormNum = static_cast<std::uint8_t>(form < 0 ? 0 : form);
  p.peerNum = static_cast<std::uint16_t>(ourLabel & 0xffff);
  p.ip6 = ip6;
  p.label = themToUs;
  return p;
}

}  // namespace

Subnode::Subnode(const crypto::PrivateKey& key, crypto::Random& rng, SubnodeHost& host, SubnodeConfig config)
    : key_(key),
      ourKey_(crypto::publicKeyOf(key)),
      ourIp6_(crypto::addressOf(ourKey_)),
      rng_(rng),
      host_(host),
      config_(config),
      signing_(key) {}

void Subnode::setLocalServer(RouteServer* server) {
  local_ = server;
  if (!server) return;
  snode_ = DhtNode{ourKey_, 1, config_.ourVersion};
  state_ = State::kReady;
  needReset_ = true;
  ++counters_.snodesAdopted;
}

std::optional<DhtNode> Subnode::snode() const {
  if (state_ != State::kReady) return std::nullopt;
  return snode_;
}

void Subnode::setPeers(std::span<const SubnodePeer> peers, std::uint64_t nowMs) {
  lastNowMs_ = nowMs;
  std::map<crypto::Ip6, Peer> next;
  for (const auto& p : peers) {
    auto ip6 = crypto::addressOf(p.key);
    Peer q;
    if (auto it = peers_.find(ip6); it != peers_.end() && it->second.info.label == p.label) q = it->second;
    q.info = p;
    q.ip6 = ip6;
    next[ip6] = q;
  }
  peers_ = std::move(next);
}

void Subnode::tick(std::uint64_t nowMs) {
  lastNowMs_ = nowMs;
  expire(nowMs);
  std::erase_if(blacklist_, [&](const auto& e) { return e.second <= nowMs; });
  if (state_ == State::kHunting && nowMs - lastHuntMs_ >= config_.huntIntervalMs) {
    lastHuntMs_ = nowMs;
    hunt(nowMs);
  }
  askRPaths(nowMs);
  if (state_ == State::kReady) announce(nowMs);
  // The snode's best path to it changes as links come and go.
  if (state_ == State::kReady && !local_ && nowMs - lastSnodePathMs_ >= kSnodePathRefreshMs) {
    lastSnodePathMs_ = nowMs;
    search(crypto::addressOf(snode_->key), nowMs);
  }
}

// ------------------------------------------------------------- finding one

void Subnode::hunt(std::uint64_t nowMs) {
  std::vector<const Peer*> candidates;
  for (const auto& [ip, p] : peers_)
    if (p.info.version >= 20) candidates.push_back(&p);
  if (candidates.empty()) return;
  std::size_t asks = std::min(config_.peersAskedPerHunt, candidates.size());
  for (std::size_t k = 0; k < asks; ++k) {
    const Peer& p = *candidates[huntCursor_++ % candidates.size()];
    ++counters_.getSnodeSent;
    const std::uint64_t label = p.info.label;
    host_.switchQuery(
        switching::SwitchPingKind::kGetSnode, label,
        [this, label](const switching::SwitchPingReply& r) { onGetSnode(label, r); }, nowMs);
  }
}

void Subnode::onGetSnode(std::uint64_t peerLabel, const switching::SwitchPingReply& r) {
  if (state_ != State::kHunting || r.result != switching::SwitchPingResult::kPong || !r.snode) return;
  const auto& s = *r.snode;
  if (s.key == crypto::PublicKey{} || s.key == ourKey_ || blacklist_.count(s.key)) return;
  if (!authorized_.empty() && std::find(authorized_.begin(), authorized_.end(), s.key) == authorized_.end()) return;
  const std::uint64_t path = switching::splice(s.path, peerLabel);
  if (path == switching::kInvalidLabel || s.path == 0) return;
  ++counters_.snodesProposed;
  adopt(DhtNode{s.key, path, s.version}, lastNowMs_);
}

void Subnode::adopt(const DhtNode& snode, std::uint64_t nowMs) {
  snode_ = snode;
  state_ = State::kAdopting;
  util::Dict d;
  d.add("sq", util::Value(std::string("pn")));
  send(QueryKind::kPing, std::move(d), crypto::addressOf(snode.key), nowMs);
}

void Subnode::lose(std::uint64_t nowMs) {
  ++counters_.snodesLost;
  state_ = State::kHunting;
  lastHuntMs_ = 0;  // hunt at the next tick
  snode_.reset();
  annInFlight_ = false;
  needReset_ = true;
  queued_.clear();
  // Every query was to the lost snode, whose replies are ignored from now
  // on. Route queries fail now: left pending, their timeout would count
  // against the next snode and lose it too.
  std::vector<crypto::Ip6> routes;
  for (const auto& [txid, q] : pending_)
    if (q.kind == QueryKind::kRoute) routes.push_back(q.target);
  pending_.clear();
  for (const auto& target : routes) {
    routePending_.erase(target);
    host_.routeFailed(target, nowMs);
  }
}

void Subnode::pathFailed(std::uint64_t path, std::uint64_t nowMs) {
  if (local_ || state_ == State::kHunting || !snode_ || snode_->label != path) return;
  lose(nowMs);
}

// ------------------------------------------------------------- queries

std::string Subnode::send(QueryKind kind, util::Dict d, const crypto::Ip6& target, std::uint64_t nowMs) {
  std::string txid = "sn";
  for (int shift = 24; shift >= 0; shift -= 8) txid.push_back(static_cast<char>((nextTxid_ >> shift) & 0xff));
  ++nextTxid_;
  d.add("txid", util::Value(txid));
  d.add("p", util::Value(std::int64_t{config_.ourVersion}));
  const auto& scheme = switching::EncodingScheme::v358();
  auto es = scheme.serialize();
  d.add("es", util::Value(std::string(es.begin(), es.end())));
  const int form = scheme.formNumber(snode_->label);
  d.add("ei", util::Value(std::int64_t{form < 0 ? 0 : form}));
  pending_[txid] = Query{kind, target, nowMs};
  host_.sendToSnode(*snode_, util::Value(std::move(d)), nowMs);
  return txid;
}

bool Subnode::search(const crypto::Ip6& target, std::uint64_t nowMs) {
  if (state_ != State::kReady || !snode_) return false;
  if (local_) {
    if (auto r = local_->route(ourIp6_, target)) {
      ++counters_.routesFound;
      host_.routeFound(*r, nowMs);
      return true;
    }
    ++counters_.routesUnknown;
    return false;
  }
  if (routePending_.count(target)) return true;
  util::Dict d;
  d.add("sq", util::Value(std::string("gr")));
  d.add("src", util::Value(ipString(ourIp6_)));
  d.add("tar", util::Value(ipString(target)));
  routePending_.insert(target);
  ++counters_.routeQueries;
  send(QueryKind::kRoute, std::move(d), target, nowMs);
  return true;
}

bool Subnode::onReply(const crypto::PublicKey& from, const util::Dict& reply, std::uint64_t nowMs) {
  lastNowMs_ = nowMs;
  const std::string* txid = stringAt(reply, "txid");
  if (!txid) return false;
  auto it = pending_.find(*txid);
  if (it == pending_.end()) {
    if (txid->rfind("sn", 0) != 0) return false;
    ++counters_.repliesUnknown;
    return true;
  }
  if (!snode_ || from != snode_->key) {
    ++counters_.repliesUnknown;
    return true;
  }
  const Query q = it->second;
  pending_.erase(it);
  switch (q.kind) {
    case QueryKind::kPing: onPingReply(reply, q, nowMs); break;
    case QueryKind::kAnnounce: {
      const std::string* err = stringAt(reply, "error");
      std::optional<StateHash> hash;
      if (const std::string* h = stringAt(reply, "stateHash"); h && h->size() == 64) {
        hash.emplace();
        std::copy(h->begin(), h->end(), hash->begin());
      }
      onAnnounceReply(err ? *err : std::string("none"), hash);
      break;
    }
    case QueryKind::kRoute: onRouteReply(reply, q, nowMs); break;
  }
  return true;
}

void Subnode::onPingReply(const util::Dict& reply, const Query& q, std::uint64_t nowMs) {
  if (state_ != State::kAdopting) return;
  const util::Value* recv = reply.find("recvTime");
  if (!recv || !recv->isInt()) {
    // Not a snode's answer (spec: it must carry recvTime). The query is no
    // longer pending, so waiting would leave us adopting for ever.
    blacklist_[snode_->key] = nowMs + config_.blacklistMs;
    lose(nowMs);
    return;
  }
  // The snode's clock, from the middle of the round trip.
  skewMs_ = recv->asInt() - static_cast<std::int64_t>(q.sentMs + (nowMs - q.sentMs) / 2);
  state_ = State::kReady;
  needReset_ = true;
  pingMisses_ = 0;
  lastSnodePathMs_ = nowMs;
  ++counters_.snodesAdopted;
  search(crypto::addressOf(snode_->key), nowMs);  // its preferred path to it
}

void Subnode::onRouteReply(const util::Dict& reply, const Query& q, std::uint64_t nowMs) {
  routePending_.erase(q.target);
  auto nodes = parseNodeList(reply);
  if (!nodes || nodes->empty() || crypto::addressOf(nodes->front().key) != q.target ||
      nodes->front().version < 20 || nodes->front().label < 2) {
    ++counters_.routesUnknown;
    host_.routeFailed(q.target, nowMs);
    return;
  }
  ++counters_.routesFound;
  if (snode_ && q.target == crypto::addressOf(snode_->key)) snode_->label = nodes->front().label;
  host_.routeFound(nodes->front(), nowMs);
}

void Subnode::expire(std::uint64_t nowMs) {
  std::vector<Query> lost;
  std::erase_if(pending_, [&](const auto& e) {
    if (nowMs - e.second.sentMs < config_.queryTimeoutMs) return false;
    lost.push_back(e.second);
    return true;
  });
  for (const auto& q : lost) {
    ++counters_.queryTimeouts;
    if (q.kind == QueryKind::kRoute) {
      routePending_.erase(q.target);
      host_.routeFailed(q.target, nowMs);
    }
    if (local_ || state_ == State::kHunting) continue;
    // No answer: our path to it is likely gone; hunt again through the
    // peers at once. A snode that never answered its first ping is shunned.
    // (Not on the first miss: after a failure the path a peer offered may
    // just be stale, and the network may have no other snode.)
    if (q.kind == QueryKind::kPing && snode_ && ++pingMisses_ >= kPingMissesBeforeBlacklist) {
      blacklist_[snode_->key] = nowMs + config_.blacklistMs;
      pingMisses_ = 0;
    }
    lose(nowMs);
  }
}

// ------------------------------------------------------------- announcing

void Subnode::askRPaths(std::uint64_t nowMs) {
  for (auto& [ip6, p] : peers_) {
    if (p.pathThemToUs != 0 || p.info.version < 21) continue;
    if (p.rpathPending && nowMs - p.rpathAskedMs < 10'000) continue;
    p.rpathPending = true;
    p.rpathAskedMs = nowMs;
    ++counters_.rpathSent;
    const crypto::Ip6 who = ip6;
    const std::uint64_t label = p.info.label;
    host_.switchQuery(
        switching::SwitchPingKind::kRPath, label,
        [this, who, label](const switching::SwitchPingReply& r) {
          auto it = peers_.find(who);
          if (it == peers_.end() || it->second.info.label != label) return;
          it->second.rpathPending = false;
          if (r.result != switching::SwitchPingResult::kPong || r.rpath < 2 || r.rpath > 0xffffffffull) return;
          it->second.pathThemToUs = static_cast<std::uint32_t>(r.rpath);
          ++counters_.rpathLearned;
        },
        nowMs);
  }
}

std::vector<AnnItem> Subnode::pendingItems(bool full) const {
  std::vector<AnnItem> items;
  if (full || !versionSent_) {
    items.emplace_back(VersionItem{static_cast<std::uint16_t>(config_.ourVersion)});
    items.emplace_back(EncodingSchemeItem{switching::EncodingScheme::v358().serialize()});
  }
  std::map<std::uint16_t, PeerItem> current;
  for (const auto& [ip6, p] : peers_)
    if (p.pathThemToUs != 0) current[static_cast<std::uint16_t>(p.info.label & 0xffff)] = peerItem(ip6, p.info.label, p.pathThemToUs);
  for (const auto& [num, item] : current) {
    auto it = announced_.find(num);
    if (full || it == announced_.end() || !(it->second == item)) items.emplace_back(item);
  }
  for (const auto& [num, item] : announced_) {
    if (current.count(num)) continue;
    PeerItem gone = item;
    gone.label = 0;
    items.emplace_back(gone);
  }
  return items;
}

void Subnode::announce(std::uint64_t nowMs) {
  if (annInFlight_ || nowMs - lastAnnMs_ < config_.minAnnounceGapMs) return;
  const bool reset = needReset_;
  if (reset) {
    log_.clear();
    announced_.clear();
    versionSent_ = false;
    queued_.clear();
  }
  const bool full = reset || nowMs - lastFullMs_ >= config_.reannounceAfterMs;
  std::vector<AnnItem> items = queued_.empty() ? pendingItems(full) : std::move(queued_);
  queued_.clear();
  if (items.empty()) return;
  if (full) lastFullMs_ = nowMs;
  needReset_ = false;
  const auto ts = static_cast<std::int64_t>(nowMs) + skewMs_;
  AnnouncementBuilder builder(snode_->key == ourKey_ ? ourIp6_ : crypto::addressOf(snode_->key),
                              static_cast<std::uint64_t>(std::max<std::int64_t>(ts, 0)) & kMaxTimestamp, reset);
  auto added = builder.addAll(items);
  queued_ = std::move(added.didNotFit);
  const std::size_t sent = items.size() - queued_.size();
  for (std::size_t i = 0; i < sent; ++i) {
    if (std::holds_alternative<VersionItem>(items[i])) versionSent_ = true;
    if (const auto* p = std::get_if<PeerItem>(&items[i])) {
      if (p->label == 0) announced_.erase(p->peerNum);
      else announced_[p->peerNum] = *p;
    }
  }
  std::vector<std::uint8_t> bytes = builder.sign(signing_, rng_);
  ParsedAnnouncement parsed;
  if (parseAnnouncement(bytes, parsed) == AnnParseError::kNone) log_.accept(std::move(parsed));
  sendAnnouncement(std::move(bytes), nowMs);
}

void Subnode::sendAnnouncement(std::vector<std::uint8_t> bytes, std::uint64_t nowMs) {
  ++counters_.announcementsSent;
  lastAnnMs_ = nowMs;
  if (local_) {
    auto r = local_->announce(bytes, nowMs);
    onAnnounceReply(r.error, r.stateHash);
    return;
  }
  util::Dict d;
  d.add("sq", util::Value(std::string("ann")));
  d.add("ann", util::Value(std::string(bytes.begin(), bytes.end())));
  annInFlight_ = true;
  send(QueryKind::kAnnounce, std::move(d), crypto::addressOf(snode_->key), nowMs);
}

void Subnode::onAnnounceReply(const std::string& error, const std::optional<StateHash>& hash) {
  annInFlight_ = false;
  if (error == "none" && hash && *hash == log_.stateHash()) {
    ++counters_.announcementsAccepted;
    return;
  }
  ++counters_.resets;
  needReset_ = true;
  queued_.clear();
}

}  // namespace cjdns::routing
