// Subnode: the route-server client every node runs (upper.md 1.15).
//
// It finds a supernode (configured, ourselves when we run the RouteServer,
// or proposed by a peer's GETSNODE reply), checks it with an "sq pn",
// announces our peers to it (signed "ann" messages, one in flight, state
// hash checked, reset when the snode's state differs from ours) and asks it
// for routes ("gr"). Its host sends the switch queries (GETSNODE, RPATH) and
// the CJDHT messages, and hears the answers; nothing here does I/O.
//
// When no snode is usable, search() says so and the host searches the DHT.
#pragma once

#include <cstdint>
#include <functional>
#include <map>
#include <optional>
#include <set>
#include <span>
#include <string>
#include <unordered_map>
#include <vector>

#include "core/crypto/keys.h"
#include "core/crypto/random.h"
#include "core/routing/announcement.h"
#include "core/routing/node-list.h"
#include "core/routing/route-server.h"
#include "core/switch/switch-pinger.h"
#include "core/util/value.h"

namespace cjdns::routing {

struct SubnodeConfig {
  std::uint32_t ourVersion = 21;
  std::uint64_t huntIntervalMs = 3000;
  std::size_t peersAskedPerHunt = 4;      ///< GETSNODE queries per hunt cycle
  std::uint64_t queryTimeoutMs = 6000;    ///< pn, ann, gr
  std::uint64_t minAnnounceGapMs = 500;
  std::uint64_t reannounceAfterMs = 15 * 60 * 1000;  ///< everything again, before the snode's 20 min expiry
  std::uint64_t blacklistMs = 60'000;
};

struct SubnodeCounters {
  std::uint64_t getSnodeSent = 0;
  std::uint64_t snodesProposed = 0;
  std::uint64_t snodesAdopted = 0;
  std::uint64_t snodesLost = 0;  ///< pn or ann timeout, or a switch error on its path
  std::uint64_t rpathSent = 0;
  std::uint64_t rpathLearned = 0;
  std::uint64_t announcementsSent = 0;
  std::uint64_t announcementsAccepted = 0;
  std::uint64_t resets = 0;        ///< state hash differed or an error came back
  std::uint64_t routeQueries = 0;
  std::uint64_t routesFound = 0;
  std::uint64_t routesUnknown = 0; ///< the snode had none
  std::uint64_t queryTimeouts = 0;
  std::uint64_t repliesUnknown = 0;
};

/// A direct peer as the subnode sees it.
struct SubnodePeer {
  crypto::PublicKey key{};
  std::uint64_t label = 0;  ///< ours for it (one hop)
  std::uint32_t version = 0;
};

class SubnodeHost {
 public:
  virtual ~SubnodeHost() = default;
  /// A GETSNODE or RPATH query along `label`; `done` runs once with the reply or timeout.
  virtual void switchQuery(switching::SwitchPingKind kind, std::uint64_t label,
                           std::function<void(const switching::SwitchPingReply&)> done, std::uint64_t nowMs) = 0;
  /// A CJDHT message to the snode.
  virtual void sendToSnode(const DhtNode& snode, const util::Value& msg, std::uint64_t nowMs) = 0;
  /// The snode gave a complete path to a node.
  virtual void routeFound(const DhtNode& node, std::uint64_t nowMs) = 0;
  /// The snode had no route (or did not answer): search the DHT instead.
  virtual void routeFailed(const crypto::Ip6& target, std::uint64_t nowMs) = 0;
};

class Subnode {
 public:
  Subnode(const crypto::PrivateKey& key, crypto::Random& rng, SubnodeHost& host, SubnodeConfig config = {});

  /// Snodes from the config (router.supernodes): only these are adopted
  /// when the list is not empty.
  void setAuthorized(std::vector<crypto::PublicKey> keys) { authorized_ = std::move(keys); }
  /// We are the route server: announcements and queries go to `server` directly.
  void setLocalServer(RouteServer* server);

  /// Our established peers now; call before tick().
  void setPeers(std::span<const SubnodePeer> peers, std::uint64_t nowMs);
  void tick(std::uint64_t nowMs);

  /// Asks the snode for a path; false when no snode is usable (search the DHT).
  bool search(const crypto::Ip6& target, std::uint64_t nowMs);
  /// A CJDHT reply; false if it is not one of ours.
  bool onReply(const crypto::PublicKey& from, const util::Dict& reply, std::uint64_t nowMs);
  /// A switch error on `path`: if it is the snode's, it is lost.
  void pathFailed(std::uint64_t path, std::uint64_t nowMs);

  /// For our GETSNODE answers: the snode we use and our label for it.
  std::optional<DhtNode> snode() const;
  bool ready() const { return state_ == State::kReady; }
  const SubnodeCounters& counters() const { return counters_; }

 private:
  enum class State { kHunting, kAdopting, kReady };
  enum class QueryKind { kPing, kAnnounce, kRoute };
  struct Query {
    QueryKind kind;
    crypto::Ip6 target{};
    std::uint64_t sentMs = 0;
  };
  struct Peer {
    SubnodePeer info;
    crypto::Ip6 ip6{};
    std::uint32_t pathThemToUs = 0;  ///< 0 until RPATH answers
    bool rpathPending = false;
    std::uint64_t rpathAskedMs = 0;
    bool askedSnode = false;
  };

  void hunt(std::uint64_t nowMs);
  void onGetSnode(std::uint64_t peerLabel, const switching::SwitchPingReply& r);
  void onPingReply(const util::Dict& reply, const Query& q, std::uint64_t nowMs);
  void onRouteReply(const util::Dict& reply, const Query& q, std::uint64_t nowMs);
  void adopt(const DhtNode& snode, std::uint64_t nowMs);
  void lose(std::uint64_t nowMs);
  void askRPaths(std::uint64_t nowMs);
  void announce(std::uint64_t nowMs);
  std::vector<AnnItem> pendingItems(bool full) const;
  void sendAnnouncement(std::vector<std::uint8_t> bytes, std::uint64_t nowMs);
  void onAnnounceReply(const std::string& error, const std::optional<StateHash>& hash);
  std::string send(QueryKind kind, util::Dict d, const crypto::Ip6& target, std::uint64_t nowMs);
  void expire(std::uint64_t nowMs);

  crypto::PrivateKey key_;
  crypto::PublicKey ourKey_{};
  crypto::Ip6 ourIp6_{};
  crypto::Random& rng_;
  SubnodeHost& host_;
  SubnodeConfig config_;
  SigningKey signing_;
  std::vector<crypto::PublicKey> authorized_;
  RouteServer* local_ = nullptr;

  State state_ = State::kHunting;
  std::optional<DhtNode> snode_;
  std::map<crypto::PublicKey, std::uint64_t> blacklist_;  ///< key -> until
  std::uint64_t lastHuntMs_ = 0;
  std::size_t huntCursor_ = 0;
  std::int64_t skewMs_ = 0;
  std::uint64_t lastNowMs_ = 0;        ///< for the switch query callbacks
  unsigned pingMisses_ = 0;            ///< pn to proposed snodes unanswered in a row (any snode)
  std::uint64_t lastSnodePathMs_ = 0;  ///< when we last asked the snode for its path to it

  std::map<crypto::Ip6, Peer> peers_;
  AnnouncementLog log_{AnnouncementLog::ExpiryPolicy::kKeep};
  std::map<std::uint16_t, PeerItem> announced_;  ///< what the snode has, by peerNum
  bool needReset_ = true;
  bool versionSent_ = false;
  std::vector<AnnItem> queued_;  ///< did not fit in the last message
  bool annInFlight_ = false;
  std::uint64_t lastAnnMs_ = 0;
  std::uint64_t lastFullMs_ = 0;

  std::unordered_map<std::string, Query> pending_;
  std::set<crypto::Ip6> routePending_;
  std::uint32_t nextTxid_ = 0;
  SubnodeCounters counters_;
};

}  // namespace cjdns::routing
