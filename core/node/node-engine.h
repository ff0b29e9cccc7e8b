// NodeEngine: one cjdns node without I/O. It owns the switch, the peer
// controller, the control-message responder, the end-to-end session manager,
// the CJDHT responder and the pathfinder, and routes packets between them;
// the process shell feeds it datagrams and time, and a LinkSender carries
// what it sends. A simulation can run many engines in one process.
#pragma once

#include <cstdint>
#include <functional>
#include <memory>
#include <set>
#include <optional>
#include <span>
#include <string>
#include <vector>

#include "core/crypto/crypto-auth-users.h"
#include "core/crypto/keys.h"
#include "core/crypto/random.h"
#include "core/iface/peer-controller.h"
#include "core/routing/dht-responder.h"
#include "core/routing/pathfinder.h"
#include "core/routing/route-server.h"
#include "core/routing/subnode.h"
#include "core/routing/router-queries.h"
#include "core/session/data-header.h"
#include "core/session/session-manager.h"
#include "core/switch/control-responder.h"
#include "core/switch/switch-core.h"
#include "core/switch/switch-pinger.h"
#include "core/wire/message.h"

namespace cjdns::node {

/// A peer silent this long, despite the keepalive pings every ~3 s, is taken
/// as gone for routing: paths through it are dropped and searched again.
/// (The peer controller's own UNRESPONSIVE state comes later, at 20 s.)
inline constexpr std::uint64_t kLinkLostAfterMs = 10240;

/// The protocol version we claim. 21 until the v22 Noise link exists (wire.md 18).
inline constexpr std::uint32_t kProtocolVersion = 21;

struct RouterCounters {
  std::uint64_t controlAnswered = 0;
  std::uint64_t pongsMatched = 0;
  std::uint64_t pongsUnmatched = 0;
  std::uint64_t errorsReceived = 0;
  std::uint64_t controlDropped = 0;
  std::uint64_t errorsOwnPacket = 0;  ///< the switch refused a packet we originated
  std::uint64_t dhtAnswered = 0;      ///< CJDHT queries we replied to
  std::uint64_t dhtReplies = 0;       ///< CJDHT replies to our queries (pings)
  std::uint64_t dhtDropped = 0;       ///< CJDHT messages that failed the checks
  std::uint64_t dhtIgnored = 0;       ///< supernode queries
  std::uint64_t setupPings = 0;       ///< CJDHT pings sent to set up a session
  std::uint64_t errorsAuth = 0;       ///< of errorsReceived: AUTHENTICATION, not a broken path
  std::uint64_t errorsPathBroken = 0; ///< of errorsReceived: handed to the pathfinder
  std::uint64_t nodesFound = 0;       ///< paths the pathfinder gave the session manager
  std::uint64_t dataUndelivered = 0;  ///< end-to-end traffic with no data handler set
  std::uint64_t peerLinksLost = 0;    ///< peers silent for kLinkLostAfterMs: paths through them dropped
  std::uint64_t switchPingReplies = 0;  ///< control replies that answered an admin switch ping
  std::uint64_t switchPingErrors = 0;   ///< switch errors that quoted an admin switch ping
  std::uint64_t routerQueryReplies = 0; ///< CJDHT replies to admin router queries
  std::uint64_t snodeQueries = 0;       ///< route-server queries (sq) we answered as the route server
  std::uint64_t snodeRoutes = 0;        ///< paths the route server gave the session manager
  std::uint64_t snodeRoutesRefused = 0; ///< its paths out through a link we know is lost
};

class NodeEngine final : public iface::SwitchPort,
                         private session::Outbound,
                         private session::Upper,
                         private routing::PathfinderHost,
                         private routing::SubnodeHost {
 public:
  /// Where end-to-end payloads other than CJDHT go (the TUN adapter, later).
  using DataHandler = std::function<void(const session::Delivery&, wire::Message&, std::uint64_t)>;

  NodeEngine(const crypto::PrivateKey& key, crypto::Random& rng, iface::LinkSender& link,
             iface::PeerTimers timers = {});

  crypto::CryptoAuthUsers& users() { return users_; }
  iface::PeerController& peers() { return peers_; }
  const switching::SwitchCore& switchCore() const { return switch_; }
  const RouterCounters& routerCounters() const { return counters_; }
  wire::MessagePool& pool() { return pool_; }
  const crypto::PublicKey& publicKey() const { return responder_.publicKey; }
  const session::SessionManager& sessions() const { return sessions_; }
  const routing::DhtResponder& dht() const { return dht_; }
  const routing::Pathfinder& pathfinder() const { return pathfinder_; }
  const routing::Subnode& subnode() const { return subnode_; }
  /// Non-null when this node is a route server (enableRouteServer).
  routing::RouteServer* routeServer() { return routeServer_.get(); }
  /// Makes this node the route server of its network (upper.md 1.15): it
  /// answers its subnodes' announcements and route queries, and uses itself.
  void enableRouteServer();
  /// Snodes from the config; when set, only these are adopted.
  void setAuthorizedSnodes(std::vector<crypto::PublicKey> keys) { subnode_.setAuthorized(std::move(keys)); }
  void setDataHandler(DataHandler h) { dataHandler_ = std::move(h); }

  // ---- for the admin API (core/admin) ----
  session::SessionManager& sessionManager() { return sessions_; }
  const switching::SwitchPinger& switchPinger() const { return pinger_; }
  const routing::RouterQueries& routerQueries() const { return routerQueries_; }
  /// SwitchPinger_ping: builds the ping and sends it from our router; the
  /// callback runs once (reply, switch error or timeout) from a later call.
  switching::SwitchPinger::Started switchPing(switching::SwitchPingKind kind, std::uint64_t label,
                                              std::span<const std::uint8_t> data, std::uint32_t timeoutMs,
                                              switching::SwitchPingCallback callback, std::uint64_t nowMs);
  bool cancelSwitchPing(std::uint32_t handle) { return pinger_.cancel(handle); }
  /// RouterModule_pingNode/getPeers/findNode/nextHop: a CJDHT query to `to`
  /// over its end-to-end session. nullopt when too many are out.
  std::optional<std::uint32_t> routerQuery(routing::RouterQueryKind kind, const routing::DhtNode& to,
                                           std::string target, std::uint32_t timeoutMs,
                                           routing::RouterQueryCallback callback, std::uint64_t nowMs);
  bool cancelRouterQuery(std::uint32_t id) { return routerQueries_.cancel(id); }
  /// Our established direct peers with a known version (key, label, version).
  std::vector<routing::DhtNode> peerNodes() const { return directPeers(); }
  /// A node our router can address: a direct peer first, else a learned node.
  std::optional<routing::DhtNode> knownNode(const crypto::Ip6& ip6) const;
  std::optional<routing::DhtNode> knownNodeByLabel(std::uint64_t label) const;
  /// Times out admin pings and queries; tick() does it too, this is for finer timers.
  void tickAdmin(std::uint64_t nowMs) {
    pinger_.tick(nowMs);
    routerQueries_.tick(nowMs);
  }

  /// Sends an end-to-end payload (content type: an IPv6 next header, or 257
  /// for IpTunnel) to a node; the session is set up first when needed.
  session::SendResult sendToNode(const crypto::Ip6& dest, std::uint16_t contentType, wire::Message& payload,
                                 std::uint64_t nowMs) {
    return sessions_.send(dest, nullptr, 0, 0, contentType, payload, nowMs);
  }

  void receiveFromLink(unsigned linkIface, const iface::LinkAddress& from, wire::Message& msg, std::uint64_t nowMs) {
    peers_.receiveFromLink(linkIface, from, msg, nowMs);
  }
  void tick(std::uint64_t nowMs);

  // iface::SwitchPort
  void fromPeer(unsigned slot, wire::Message& msg, std::uint64_t nowMs) override;

 private:
  void dispatch(const switching::SwitchResult& r, wire::Message& msg, std::uint64_t nowMs);
  void toRouter(wire::Message& msg, std::uint64_t nowMs);
  void toControl(wire::Message& msg, std::uint64_t nowMs);

  // session::Outbound and session::Upper
  void sendFromRouter(wire::Message& msg, std::uint64_t nowMs) override;
  void deliver(const session::Delivery& d, wire::Message& payload, std::uint64_t nowMs) override;
  void needsSetup(const session::NodeRef& node, std::uint64_t nowMs) override;
  void needsSearch(const crypto::Ip6& ip6, std::uint32_t version, std::uint64_t nowMs) override;

  // routing::PathfinderHost
  void sendQuery(const routing::DhtNode& to, const util::Value& query, std::uint64_t nowMs) override;
  void nodeFound(const routing::DhtNode& node, std::uint64_t nowMs) override;
  void pathBroken(const routing::DhtNode& node, std::uint64_t nowMs) override;
  void onSwitchError(const wire::Message& msg, std::uint64_t nowMs);

  // routing::SubnodeHost
  void switchQuery(switching::SwitchPingKind kind, std::uint64_t label,
                   std::function<void(const switching::SwitchPingReply&)> done, std::uint64_t nowMs) override;
  void sendToSnode(const routing::DhtNode& snode, const util::Value& msg, std::uint64_t nowMs) override;
  void routeFound(const routing::DhtNode& node, std::uint64_t nowMs) override;
  void routeFailed(const crypto::Ip6& target, std::uint64_t nowMs) override;
  bool onSnodeReply(const session::Delivery& d, const util::Value& message, std::uint64_t nowMs);
  void onSnodeQuery(const session::Delivery& d, const util::Dict& q, std::uint32_t version, std::uint64_t nowMs);
  void tickSubnode(std::uint64_t nowMs);
  static switching::SwitchPingerConfig routingPingerConfig();

  void onCjdht(const session::Delivery& d, wire::Message& payload, std::uint64_t nowMs);
  void sendCjdht(const session::Delivery& to, std::uint32_t version, const util::Value& msg, std::uint64_t nowMs);
  std::vector<routing::DhtNode> directPeers() const;
  static bool linkAlive(const iface::PeerInfo& p, std::uint64_t nowMs);
  void learnPeers(std::uint64_t nowMs);

  wire::MessagePool pool_;
  crypto::CryptoAuthUsers users_;
  switching::SwitchCore switch_;
  switching::ControlResponder responder_;
  iface::PeerController peers_;
  session::SessionManager sessions_;
  routing::DhtResponder dht_;
  routing::Pathfinder pathfinder_;
  switching::SwitchPinger pinger_;
  switching::SwitchPinger routingPinger_;  ///< the route-server client's GETSNODE and RPATH
  routing::RouterQueries routerQueries_;
  routing::Subnode subnode_;
  std::unique_ptr<routing::RouteServer> routeServer_;
  DataHandler dataHandler_;
  std::uint32_t nextTxid_ = 0;
  int arrivalSlot_ = -1;  ///< the peer slot of the packet being switched, for LLADDR answers
  RouterCounters counters_;
  std::set<std::uint64_t> lostPeerLinks_;  ///< labels of peers already reported lost
  std::uint64_t lastTickMs_ = 0;           ///< for directPeers(): links silent since are left out
};

}  // namespace cjdns::node
