#include "core/node/node-engine.h"

#include <arpa/inet.h>
#include <netinet/in.h>

#include <algorithm>
#include <array>
#include <cstring>
#include <string>
#include <variant>

#include "core/session/data-header.h"
#include "core/switch/control-message.h"
#include "core/switch/label.h"
#include "core/wire/bencode.h"
#include "core/wire/endian.h"

namespace cjdns::node {

using switching::SwitchAction;
using switching::SwitchCore;

NodeEngine::NodeEngine(const crypto::PrivateKey& key, crypto::Random& rng, iface::LinkSender& link,
                       iface::PeerTimers timers)
    : peers_(key, users_, rng, switch_, *this, link, pool_, kProtocolVersion, timers),
      sessions_(key, rng, *this, *this),
      dht_(crypto::publicKeyOf(key), kProtocolVersion),
      pathfinder_(crypto::publicKeyOf(key), dht_, *this),
      pinger_(rng, crypto::publicKeyOf(key), kProtocolVersion),
      routingPinger_(rng, crypto::publicKeyOf(key), kProtocolVersion, routingPingerConfig()),
      routerQueries_(dht_),
      subnode_(key, rng, *this) {
  responder_.version = kProtocolVersion;
  responder_.publicKey = crypto::publicKeyOf(key);
}

void NodeEngine::tick(std::uint64_t nowMs) {
  lastTickMs_ = nowMs;
  peers_.tick(nowMs);
  learnPeers(nowMs);
  pathfinder_.tick(nowMs);
  routingPinger_.tick(nowMs);
  tickSubnode(nowMs);
  sessions_.tick(nowMs);
  tickAdmin(nowMs);
}

void NodeEngine::fromPeer(unsigned slot, wire::Message& msg, std::uint64_t nowMs) {
  // Remembered while this packet is switched: an LLADDR query that reaches
  // our router is answered with the address of the peer it came from.
  const int outer = arrivalSlot_;
  arrivalSlot_ = static_cast<int>(slot);
  dispatch(switch_.switchPacket(slot, msg), msg, nowMs);
  arrivalSlot_ = outer;
}

void NodeEngine::dispatch(const switching::SwitchResult& r, wire::Message& msg, std::uint64_t nowMs) {
  switch (r.action) {
    case SwitchAction::kForward:
      if (r.slot == SwitchCore::kRouterSlot) {
        toRouter(msg, nowMs);
      } else {
        peers_.sendToSlot(r.slot, msg, nowMs);
      }
      break;
    case SwitchAction::kReplyError:
      // An error about a packet we originated has nowhere to go.
      if (r.slot == SwitchCore::kRouterSlot) {
        ++counters_.errorsOwnPacket;
      } else {
        peers_.sendToSlot(r.slot, msg, nowMs);
      }
      break;
    case SwitchAction::kDrop: break;  // counted by the switch
  }
}

void NodeEngine::toRouter(wire::Message& msg, std::uint64_t nowMs) {
  if (msg.length() >= switching::SwitchHeader::kSize + 4 &&
      wire::loadBe32(msg.data() + switching::SwitchHeader::kSize) == switching::kControlHandle) {
    toControl(msg, nowMs);
  } else {
    sessions_.fromSwitch(msg, nowMs);
  }
}

namespace {

/// LLADDR address form of a peer's UDP address (wire.md 10.2); nullopt for other links.
std::optional<switching::LlAddr> llAddrOf(const iface::LinkAddress& a) {
  if (a.family() == AF_INET) {
    const auto* in = reinterpret_cast<const sockaddr_in*>(a.sockaddrPtr());
    std::array<std::uint8_t, 4> ip{};
    std::memcpy(ip.data(), &in->sin_addr, 4);
    return switching::llAddrUdp4(ip, ntohs(in->sin_port));
  }
  if (a.family() == AF_INET6) {
    const auto* in6 = reinterpret_cast<const sockaddr_in6*>(a.sockaddrPtr());
    std::array<std::uint8_t, 16> ip{};
    std::memcpy(ip.data(), &in6->sin6_addr, 16);
    return switching::llAddrUdp6(ip, ntohs(in6->sin6_port));
  }
  return std::nullopt;
}

}  // namespace

void NodeEngine::toControl(wire::Message& msg, std::uint64_t nowMs) {
  // Only an LLADDR query needs the querier's link address: look it up then.
  constexpr std::size_t kTypeAt = switching::SwitchHeader::kSize + 4 + 2;
  std::optional<switching::LlAddr> querier;
  if (arrivalSlot_ >= 0 && msg.length() >= kTypeAt + 2 &&
      wire::loadBe16(msg.data() + kTypeAt) == static_cast<std::uint16_t>(switching::ControlType::kLlAddrQuery)) {
    if (auto p = peers_.peerBySlot(static_cast<unsigned>(arrivalSlot_))) querier = llAddrOf(p->address);
  }
  auto h = switching::handleControl(msg, responder_, querier ? &*querier : nullptr);
  switch (h.disposition) {
    case switching::ControlDisposition::kReply:
      ++counters_.controlAnswered;
      dispatch(switch_.switchPacket(SwitchCore::kRouterSlot, msg), msg, nowMs);
      break;
    case switching::ControlDisposition::kForPinger: {
      switching::ControlPacket pkt;
      if (switching::parseControlPacket(msg.bytes(), pkt) != switching::ControlParseStatus::kOk) {
        ++counters_.pongsUnmatched;
      } else if (pinger_.onReply(pkt, nowMs)) {
        ++counters_.switchPingReplies;
      } else if (routingPinger_.onReply(pkt, nowMs)) {
        // GETSNODE / RPATH for the route-server client
      } else if (peers_.handlePong(pkt, nowMs)) {
        ++counters_.pongsMatched;
      } else {
        ++counters_.pongsUnmatched;
      }
      break;
    }
    case switching::ControlDisposition::kForPathfinder:
      ++counters_.errorsReceived;
      onSwitchError(msg, nowMs);
      break;
    case switching::ControlDisposition::kDropped: ++counters_.controlDropped; break;
  }
}

// ---------------------------------------------------------------- sessions

void NodeEngine::sendFromRouter(wire::Message& msg, std::uint64_t nowMs) {
  dispatch(switch_.switchPacket(SwitchCore::kRouterSlot, msg), msg, nowMs);
}

void NodeEngine::deliver(const session::Delivery& d, wire::Message& payload, std::uint64_t nowMs) {
  if (d.contentType == session::content_type::kCjdht) {
    onCjdht(d, payload, nowMs);
  } else if (dataHandler_) {
    dataHandler_(d, payload, nowMs);
  } else {
    ++counters_.dataUndelivered;
  }
}

void NodeEngine::onSwitchError(const wire::Message& msg, std::uint64_t nowMs) {
  switching::ControlPacket pkt;
  if (switching::parseControlPacket(msg.bytes(), pkt) != switching::ControlParseStatus::kOk) return;
  const auto* err = std::get_if<switching::ErrorBody>(&pkt.message.body);
  if (err == nullptr) return;
  // An error about an admin switch ping ends that ping; the path it names
  // is still reported below.
  if (pinger_.onError(pkt, nowMs)) ++counters_.switchPingErrors;
  (void)routingPinger_.onError(pkt, nowMs);
  // The far end could not decrypt: its session was reset, the path is fine.
  if (err->code == static_cast<std::uint32_t>(switching::ErrorCode::kAuthentication)) {
    ++counters_.errorsAuth;
    return;
  }
  // A switch reverses the label of the packet it refuses and sends the
  // error straight back, so the error's return path is the path the lost
  // packet was sent on (cjdns Pathfinder switchErr reads it the same way).
  ++counters_.errorsPathBroken;
  pathfinder_.pathFailed(pkt.returnPath(), nowMs);
  subnode_.pathFailed(pkt.returnPath(), nowMs);
  sessions_.linkBroken(pkt.returnPath(), nowMs);
}

/// A route server's reply to our subnode: it carries no "es"/"ei" (the old
/// DHT's checks would drop it), only txid, p and the answer.
bool NodeEngine::onSnodeReply(const session::Delivery& d, const util::Value& message, std::uint64_t nowMs) {
  if (!message.isDict()) return false;
  const util::Dict& m = message.asDict();
  const util::Value* txid = m.find("txid");
  const util::Value* p = m.find("p");
  if (m.find("q") || m.find("sq") || !txid || !txid->isString() || txid->asString().rfind("sn", 0) != 0) return false;
  if (!p || !p->isInt() || p->asInt() < 20 || p->asInt() > 0xffff) return false;
  ++counters_.dhtReplies;
  sessions_.learnNode(d.key, d.returnPath, static_cast<std::uint32_t>(p->asInt()), nowMs,
                      session::metric::kDhtIncoming);
  return subnode_.onReply(d.key, m, nowMs);
}

void NodeEngine::onCjdht(const session::Delivery& d, wire::Message& payload, std::uint64_t nowMs) {
  wire::BencodeLimits limits;
  limits.allowTrailingBytes = true;  // the DHT logs them and reads on
  auto decoded = wire::bencodeDecode(
      std::string_view(reinterpret_cast<const char*>(payload.data()), payload.length()), limits);
  if (!decoded) {
    ++counters_.dhtDropped;
    return;
  }
  if (onSnodeReply(d, decoded.value(), nowMs)) return;
  const std::vector<routing::DhtNode> peers = directPeers();
  const routing::DhtResult r = dht_.handle(std::move(decoded).value(), d.returnPath, peers, pathfinder_.nodes());
  switch (r.verdict) {
    case routing::DhtVerdict::kDropped: ++counters_.dhtDropped; return;
    case routing::DhtVerdict::kIgnored: ++counters_.dhtIgnored; break;
    case routing::DhtVerdict::kNotQuery: ++counters_.dhtReplies; break;
    case routing::DhtVerdict::kReply: ++counters_.dhtAnswered; break;
  }
  // Any valid message proves the path back and tells the sender's version,
  // without which no user traffic may go to it (wire.md 11.3).
  sessions_.learnNode(d.key, d.returnPath, r.senderVersion, nowMs, session::metric::kDhtIncoming);
  // Peers are the peer controller's; any other sender is a node we can reach.
  const bool isPeer =
      std::any_of(peers.begin(), peers.end(), [&](const routing::DhtNode& p) { return p.key == d.key; });
  if (!isPeer) pathfinder_.heard({d.key, d.returnPath, r.senderVersion}, nowMs);
  if (r.verdict == routing::DhtVerdict::kNotQuery && r.message.isDict()) {
    if (routerQueries_.onReply(d.key, d.returnPath, r.senderVersion, r.message.asDict(), nowMs)) {
      ++counters_.routerQueryReplies;
    } else {
      pathfinder_.onReply(d.key, d.returnPath, r.message.asDict(), nowMs);
    }
  }
  if (r.verdict == routing::DhtVerdict::kReply) sendCjdht(d, r.senderVersion, r.reply, nowMs);
  if (r.verdict == routing::DhtVerdict::kIgnored && routeServer_ && r.message.isDict())
    onSnodeQuery(d, r.message.asDict(), r.senderVersion, nowMs);
}

void NodeEngine::sendCjdht(const session::Delivery& to, std::uint32_t version, const util::Value& msg,
                           std::uint64_t nowMs) {
  // A fresh message: the one being delivered may still belong to a caller.
  auto m = pool_.acquire();
  const std::string bytes = wire::bencodeEncode(msg);
  if (!m->append(std::span(reinterpret_cast<const std::uint8_t*>(bytes.data()), bytes.size()))) return;
  (void)sessions_.send(to.ip6, &to.key, version, to.returnPath, session::content_type::kCjdht, *m, nowMs);
}

void NodeEngine::needsSetup(const session::NodeRef& node, std::uint64_t nowMs) {
  // The ping carries the Hello. Its txid starts with "00" as the old DHT's
  // do; a v20 node would answer a leading '1' from its subnode code.
  std::string txid = "00";
  for (int shift = 24; shift >= 0; shift -= 8) txid.push_back(static_cast<char>((nextTxid_ >> shift) & 0xff));
  ++nextTxid_;
  ++counters_.setupPings;
  const session::Delivery to{node.ip6, node.key, session::content_type::kCjdht, node.label, node.version};
  sendCjdht(to, node.version, dht_.pingQuery(std::move(txid), node.label), nowMs);
}

void NodeEngine::needsSearch(const crypto::Ip6& ip6, std::uint32_t, std::uint64_t nowMs) {
  // A direct peer needs no search: the peer controller keeps its path.
  for (const auto& p : peers_.peers()) {
    if (p.state == iface::PeerState::kEstablished && p.version != 0 && crypto::addressOf(p.publicKey) == ip6) {
      sessions_.learnNode(p.publicKey, p.label, p.version, nowMs, session::metric::kDhtPeer);
      return;
    }
  }
  // The route server first; the DHT when there is none, or it has no route.
  if (subnode_.search(ip6, nowMs)) return;
  (void)pathfinder_.search(ip6, directPeers(), nowMs);
}

void NodeEngine::sendQuery(const routing::DhtNode& to, const util::Value& query, std::uint64_t nowMs) {
  const session::Delivery d{crypto::addressOf(to.key), to.key, session::content_type::kCjdht, to.label, to.version};
  sendCjdht(d, to.version, query, nowMs);
}

void NodeEngine::nodeFound(const routing::DhtNode& node, std::uint64_t nowMs) {
  ++counters_.nodesFound;
  const auto cost = static_cast<std::uint32_t>(switching::labelLog2(node.label));
  sessions_.learnNode(node.key, node.label, node.version, nowMs, routing::kDhtPathMetric + cost);
}

void NodeEngine::pathBroken(const routing::DhtNode& node, std::uint64_t nowMs) {
  sessions_.learnNode(node.key, node.label, node.version, nowMs, session::metric::kDeadLink);
}

switching::SwitchPinger::Started NodeEngine::switchPing(switching::SwitchPingKind kind, std::uint64_t label,
                                                        std::span<const std::uint8_t> data, std::uint32_t timeoutMs,
                                                        switching::SwitchPingCallback callback, std::uint64_t nowMs) {
  auto m = pool_.acquire();
  auto started = pinger_.start(kind, label, data, timeoutMs, nowMs, std::move(callback), *m);
  if (started.error == switching::SwitchPinger::StartError::kNone) {
    // From the router, as any packet it originates; a ping to ourselves
    // (label 1) comes straight back through toControl.
    const int outer = arrivalSlot_;
    arrivalSlot_ = -1;
    dispatch(switch_.switchPacket(SwitchCore::kRouterSlot, *m), *m, nowMs);
    arrivalSlot_ = outer;
  }
  return started;
}

std::optional<std::uint32_t> NodeEngine::routerQuery(routing::RouterQueryKind kind, const routing::DhtNode& to,
                                                     std::string target, std::uint32_t timeoutMs,
                                                     routing::RouterQueryCallback callback, std::uint64_t nowMs) {
  auto q = routerQueries_.start(kind, to, std::move(target), timeoutMs, nowMs, std::move(callback));
  if (!q) return std::nullopt;
  sendQuery(to, q->message, nowMs);
  return q->id;
}

std::optional<routing::DhtNode> NodeEngine::knownNode(const crypto::Ip6& ip6) const {
  for (const auto& p : directPeers()) {
    if (crypto::addressOf(p.key) == ip6) return p;
  }
  return pathfinder_.lookup(ip6);
}

std::optional<routing::DhtNode> NodeEngine::knownNodeByLabel(std::uint64_t label) const {
  for (const auto& p : directPeers()) {
    if (p.label == label) return p;
  }
  for (const auto& n : pathfinder_.nodes()) {
    if (n.label == label) return n;
  }
  return std::nullopt;
}

bool NodeEngine::linkAlive(const iface::PeerInfo& p, std::uint64_t nowMs) {
  if (p.state != iface::PeerState::kEstablished || p.version == 0) return false;
  return nowMs <= p.lastMessageMs || nowMs - p.lastMessageMs <= kLinkLostAfterMs;
}

std::vector<routing::DhtNode> NodeEngine::directPeers() const {
  std::vector<routing::DhtNode> out;
  for (const auto& p : peers_.peers()) {
    if (linkAlive(p, lastTickMs_)) out.push_back({p.publicKey, p.label, p.version});
  }
  return out;
}

void NodeEngine::learnPeers(std::uint64_t nowMs) {
  for (const auto& p : peers_.peers()) {
    // Peers' versions come from their pongs; sessions with them need them.
    const unsigned slot = switching::v358::decodeSlot(p.label, switching::v358::bitsForLabel(p.label));
    const bool alive = linkAlive(p, nowMs);
    const bool silent = nowMs > p.lastMessageMs && nowMs - p.lastMessageMs > kLinkLostAfterMs;
    const bool lost = silent && (p.state == iface::PeerState::kEstablished || p.state == iface::PeerState::kUnresponsive);
    // Packets others route through a lost link get UNDELIVERABLE back.
    switch_.setSlotDown(slot, lost);
    if (alive) {
      sessions_.learnNode(p.publicKey, p.label, p.version, nowMs, session::metric::kDhtPeer);
      lostPeerLinks_.erase(p.label);
    } else if (lost && lostPeerLinks_.insert(p.label).second) {
      // Every path through a silent peer is dead: say so once, so that
      // sessions and learned nodes find another way now (well before the
      // peer controller calls it UNRESPONSIVE at 20 s).
      ++counters_.peerLinksLost;
      sessions_.linkBroken(p.label, nowMs);
      pathfinder_.pathFailed(p.label, nowMs);
    }
  }
}

// ---------------------------------------------------------------- route server

void NodeEngine::enableRouteServer() {
  if (routeServer_) return;
  routeServer_ = std::make_unique<routing::RouteServer>(responder_.publicKey);
  subnode_.setLocalServer(routeServer_.get());
}

void NodeEngine::tickSubnode(std::uint64_t nowMs) {
  std::vector<routing::SubnodePeer> peers;
  for (const auto& p : directPeers()) peers.push_back({p.key, p.label, p.version});
  subnode_.setPeers(peers, nowMs);
  subnode_.tick(nowMs);
  // Our GETSNODE answers tell peers the snode we use.
  if (auto s = subnode_.snode()) {
    responder_.snode = switching::ControlResponder::Snode{s->key, s->version, s->label};
  } else {
    responder_.snode.reset();
  }
}

switching::SwitchPingerConfig NodeEngine::routingPingerConfig() {
  // Its own pinger, so that the router's GETSNODE and RPATH queries never
  // take the slots of the admin's switch pings; one per peer at most.
  switching::SwitchPingerConfig c;
  c.maxPending = switching::SwitchCore::kSlots;
  return c;
}

void NodeEngine::switchQuery(switching::SwitchPingKind kind, std::uint64_t label,
                             std::function<void(const switching::SwitchPingReply&)> done, std::uint64_t nowMs) {
  auto m = pool_.acquire();
  auto started = routingPinger_.start(kind, label, {}, 3000, nowMs, std::move(done), *m);
  if (started.error != switching::SwitchPinger::StartError::kNone) return;
  const int outer = arrivalSlot_;
  arrivalSlot_ = -1;
  dispatch(switch_.switchPacket(SwitchCore::kRouterSlot, *m), *m, nowMs);
  arrivalSlot_ = outer;
}

void NodeEngine::sendToSnode(const routing::DhtNode& snode, const util::Value& msg, std::uint64_t nowMs) {
  sendQuery(snode, msg, nowMs);
}

void NodeEngine::routeFound(const routing::DhtNode& node, std::uint64_t nowMs) {
  // A route server that has not yet heard of a lost link may offer a path
  // out through it; our own switch knows better.
  const unsigned first = switching::v358::decodeSlot(node.label, switching::v358::bitsForLabel(node.label));
  if (switch_.isSlotDown(first)) {
    ++counters_.snodeRoutesRefused;
    return;
  }
  ++counters_.snodeRoutes;
  sessions_.learnNode(node.key, node.label, node.version, nowMs, session::metric::kSnodeSays);
}

void NodeEngine::routeFailed(const crypto::Ip6& target, std::uint64_t nowMs) {
  (void)pathfinder_.search(target, directPeers(), nowMs);
}

void NodeEngine::onSnodeQuery(const session::Delivery& d, const util::Dict& q, std::uint32_t version,
                              std::uint64_t nowMs) {
  const util::Value* sq = q.find("sq");
  const util::Value* txid = q.find("txid");
  if (!sq || !sq->isString() || !txid || !txid->isString()) return;
  util::Dict reply;
  reply.add("txid", util::Value(txid->asString()));
  reply.add("p", util::Value(std::int64_t{kProtocolVersion}));
  reply.add("recvTime", util::Value(static_cast<std::int64_t>(nowMs)));
  auto bytesAt = [&](std::string_view key, std::size_t size) -> const std::string* {
    const util::Value* v = q.find(key);
    return v && v->isString() && (size == 0 || v->asString().size() == size) ? &v->asString() : nullptr;
  };
  if (sq->asString() == "ann") {
    const std::string* ann = bytesAt("ann", 0);
    if (!ann) return;
    auto r = routeServer_->announce(std::span(reinterpret_cast<const std::uint8_t*>(ann->data()), ann->size()), nowMs);
    reply.add("error", util::Value(r.error));
    if (r.stateHash) reply.add("stateHash", util::Value(std::string(r.stateHash->begin(), r.stateHash->end())));
  } else if (sq->asString() == "gr") {
    const std::string* src = bytesAt("src", 16);
    const std::string* tar = bytesAt("tar", 16);
    if (!src || !tar) return;
    crypto::Ip6 s{}, t{};
    std::memcpy(s.data(), src->data(), 16);
    std::memcpy(t.data(), tar->data(), 16);
    if (auto found = routeServer_->route(s, t)) {
      std::string n(found->key.begin(), found->key.end());
      for (int shift = 56; shift >= 0; shift -= 8) n.push_back(static_cast<char>((found->label >> shift) & 0xff));
      reply.add("n", util::Value(std::move(n)));
      std::vector<std::uint32_t> versions{found->version};
      reply.add("np", util::Value(routing::serializeVersionList(versions)));
    }
  } else if (sq->asString() != "pn") {
    return;
  }
  ++counters_.snodeQueries;
  sendCjdht(d, version, util::Value(std::move(reply)), nowMs);
}

}  // namespace cjdns::node
