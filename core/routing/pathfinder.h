// Pathfinder: the minimal client side of the CJDHT (upper.md 1.12, 1.14),
// I/O-free: "routing to direct peers and the paths they tell us".
//
// It keeps a bounded table of nodes learned from replies and from the nodes
// that talk to us (key, address, our label, version, last seen), and runs
// bounded searches: when the session manager needs a path to an address, it
// asks the known nodes nearest to that address (our direct peers first of
// all) with "fn" queries, splices the labels of the nodes they list onto its
// path to them, asks the ones that are nearer still, and hands the target to
// its host as soon as it appears.
//
// Bounds: at most `maxSearches` searches at once, each with at most
// `parallel` queries in flight and `maxRounds * parallel` queries in all;
// a query that is not answered within `queryTimeoutMs` counts as lost. The
// table holds `maxNodes` nodes; when full, the node that failed most, then
// the one heard from least recently, makes room. A node that loses
// `maxFailures` queries in a row, or whose path a switch error reports
// broken, is forgotten and its host told.
//
// Its host sends the queries (over end-to-end sessions) and feeds it replies,
// switch errors and time. It may call back into the pathfinder from any
// callback: the pathfinder changes no state after calling out.
#pragma once

#include <cstddef>
#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

#include "core/crypto/keys.h"
#include "core/routing/dht-responder.h"
#include "core/routing/node-list.h"
#include "core/util/value.h"

namespace cjdns::routing {

/// Path metric for a node the pathfinder found (upper.md 1.1: DHT | cost,
/// between DHT_INCOMING and SM_INCOMING); the label's length is the cost.
inline constexpr std::uint32_t kDhtPathMetric = 0xff600000;

struct PathfinderConfig {
  std::size_t maxNodes = 128;      ///< learned nodes kept (the old DHT keeps 128 non-peers)
  std::size_t maxSearches = 30;    ///< at once (SearchRunner's limit)
  std::size_t parallel = 3;        ///< queries in flight per search
  std::size_t maxRounds = 3;       ///< a search sends at most maxRounds * parallel queries
  std::size_t maxCandidates = 16;  ///< nodes a search keeps to ask next
  std::size_t maxPending = 256;    ///< queries in flight over all searches
  std::uint64_t queryTimeoutMs = 3000;
  std::uint64_t retryAfterMs = 1000;      ///< a target is not searched again sooner
  std::uint64_t nodeMaxAgeMs = 1'800'000;  ///< not heard of for 30 min: forgotten
  unsigned maxFailures = 2;               ///< lost queries in a row before a node is forgotten
};

struct PathfinderCounters {
  std::uint64_t searchesStarted = 0;
  std::uint64_t searchesSucceeded = 0;  ///< the target answered or was listed
  std::uint64_t searchesFailed = 0;     ///< nobody to ask, or every answer and query used up
  std::uint64_t searchesJoined = 0;     ///< already searching for that address
  std::uint64_t searchesThrottled = 0;  ///< the last search for it ended under retryAfterMs ago
  std::uint64_t searchesRefused = 0;    ///< maxSearches were running
  std::uint64_t queriesSent = 0;
  std::uint64_t queryTimeouts = 0;
  std::uint64_t repliesMatched = 0;
  std::uint64_t repliesUnknown = 0;      ///< our txid form, but no such query (late, or forged)
  std::uint64_t repliesWrongSender = 0;  ///< another key answered on that path
  std::uint64_t repliesBadList = 0;      ///< "n"/"np" present but unreadable
  std::uint64_t entriesRejected = 0;     ///< unspliceable, not fc, or an incompatible version
  std::uint64_t nodesAdded = 0;
  std::uint64_t nodesEvicted = 0;  ///< made room for a new node
  std::uint64_t nodesExpired = 0;  ///< not heard of for nodeMaxAgeMs
  std::uint64_t nodesFailed = 0;   ///< lost maxFailures queries in a row
  std::uint64_t pathsBroken = 0;   ///< nodes forgotten because of a switch error
};

/// What the pathfinder needs from the node around it.
class PathfinderHost {
 public:
  virtual ~PathfinderHost() = default;
  /// Send this CJDHT query to `to` (its key, our label for it, its version).
  virtual void sendQuery(const DhtNode& to, const util::Value& query, std::uint64_t nowMs) = 0;
  /// A path to a node being searched for: give it to the session manager.
  virtual void nodeFound(const DhtNode& node, std::uint64_t nowMs) = 0;
  /// This path to the node failed; it should not be used any more.
  virtual void pathBroken(const DhtNode& /*node*/, std::uint64_t /*nowMs*/) {}
};

enum class SearchStart {
  kStarted,
  kJoined,     ///< a search for it is running
  kThrottled,  ///< one ended too recently
  kRefused,    ///< too many searches, or not an fc address other than ours
  kNoNodes,    ///< nobody to ask: failed at once
};

class Pathfinder {
 public:
  /// `dht` builds the queries (our version and scheme); both it and `host`
  /// must outlive the pathfinder.
  Pathfinder(const crypto::PublicKey& ourKey, const DhtResponder& dht, PathfinderHost& host,
             PathfinderConfig config = {});

  /// Looks for a path to `target`, asking `peers` (our direct peers, with
  /// our labels and their versions) and the learned nodes nearest to it. A
  /// target already in the table is handed to the host at once, and asked
  /// first, which proves or disproves its path.
  SearchStart search(const crypto::Ip6& target, std::span<const DhtNode> peers, std::uint64_t nowMs);

  /// A CJDHT reply (not a query) from `from`, which we reach by
  /// `returnPath`. False if its txid is not of our form (a setup ping's).
  bool onReply(const crypto::PublicKey& from, std::uint64_t returnPath, const util::Dict& reply,
               std::uint64_t nowMs);

  /// A valid CJDHT message came from a node that is not a direct peer:
  /// `node.label` (the path it came by) works. Learned or refreshed.
  void heard(const DhtNode& node, std::uint64_t nowMs);

  /// A switch error says a packet sent along `path` was lost (the error's
  /// return path is the path of the packet that caused it): every learned
  /// node reached by or through it is forgotten, queries sent that way are
  /// counted lost at once. Returns how many nodes were forgotten.
  std::size_t pathFailed(std::uint64_t path, std::uint64_t nowMs);

  /// Timeouts and expiry; call about once a second.
  void tick(std::uint64_t nowMs);

  /// The learned nodes, with our labels, for the responder's fn answers.
  std::span<const DhtNode> nodes() const { return nodes_; }
  std::optional<DhtNode> lookup(const crypto::Ip6& ip6) const;

  /// One learned node with what the table knows of it (NodeStore_dumpTable).
  struct Entry {
    DhtNode node;
    crypto::Ip6 ip6{};
    std::uint64_t lastSeenMs = 0;
    bool verified = false;  ///< it sent us a message along this label
    unsigned failures = 0;  ///< lost queries in a row
  };
  std::vector<Entry> table() const;
  std::size_t activeSearches() const { return searches_.size(); }
  bool searching(const crypto::Ip6& target) const;
  std::size_t pendingQueries() const { return pending_.size(); }
  const PathfinderCounters& counters() const { return counters_; }
  const PathfinderConfig& config() const { return config_; }

  /// Our query txids: "00" as the old DHT's (so v20 nodes answer from their
  /// DHT, upper.md 1.10), 's', then a 4-byte big-endian number.
  static bool isOurTxid(std::string_view txid);

 private:
  struct Meta {
    crypto::Ip6 ip6{};
    std::uint64_t lastSeenMs = 0;
    unsigned failures = 0;
    bool verified = false;  ///< it sent us a message along this label
  };
  struct Search {
    std::uint64_t id = 0;
    crypto::Ip6 target{};
    std::vector<DhtNode> candidates;  // nearest first, not yet asked
    std::vector<crypto::PublicKey> asked;
    std::size_t inFlight = 0;
    std::size_t sent = 0;
    bool found = false;
  };
  struct Pending {
    std::uint64_t searchId = 0;
    DhtNode to;
    crypto::Ip6 toIp6{};
    std::uint64_t sentMs = 0;
  };
  /// Calls to the host, made after the state is consistent again.
  struct Outbox {
    std::vector<std::pair<DhtNode, util::Value>> queries;
    std::vector<DhtNode> found;
    std::vector<DhtNode> broken;
  };

  // Table.
  std::optional<std::size_t> indexOf(const crypto::PublicKey& key) const;
  void learn(const DhtNode& node, const crypto::Ip6& ip6, bool verified, std::uint64_t nowMs);
  void removeAt(std::size_t i);
  void nodeFailed(const crypto::PublicKey& key, std::uint64_t label, Outbox& out);

  // Searches.
  Search* findSearch(std::uint64_t id);
  void advance(std::uint64_t searchId, std::uint64_t nowMs, Outbox& out);
  void finish(std::uint64_t searchId, bool success, std::uint64_t nowMs);
  void addCandidate(Search& s, const DhtNode& node);
  void queryLost(std::uint32_t txid, std::uint64_t nowMs, Outbox& out);
  bool recentlyFinished(const crypto::Ip6& target, std::uint64_t nowMs) const;
  void flush(Outbox& out, std::uint64_t nowMs);

  crypto::PublicKey ourKey_;
  crypto::Ip6 ourIp6_{};
  const DhtResponder& dht_;
  PathfinderHost& host_;
  PathfinderConfig config_;

  std::vector<DhtNode> nodes_;  // parallel to meta_
  std::vector<Meta> meta_;
  std::vector<Search> searches_;
  std::unordered_map<std::uint32_t, Pending> pending_;
  std::vector<std::pair<crypto::Ip6, std::uint64_t>> finished_;  // target, when; at most maxSearches
  std::uint64_t nextSearchId_ = 1;
  std::uint32_t nextTxid_ = 0;
  PathfinderCounters counters_;
};

}  // namespace cjdns::routing
