// RouteServer: the supernode role (upper.md 1.15) for a network that has no
// route server of its own, e.g. a private mesh of our nodes. It takes the
// signed announcements of its subnodes ("ann"), keeps each node's messages
// as the protocol prescribes (AnnouncementLog, so the state hash it answers
// matches the subnode's), and answers route queries ("gr") with a complete
// label from source to target, computed over the link graph the
// announcements describe: fewest hops, and the labels re-encoded at each hop
// where the return director needs a wider form.
//
// A link u->v is usable once v has announced u as its peer (the PEER item
// carries u's label for v); the graph is rebuilt lazily after changes.
// Memory is bounded by maxNodes (new nodes beyond it are refused).
#pragma once

#include <cstddef>
#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <unordered_map>
#include <vector>

#include "core/crypto/keys.h"
#include "core/routing/announcement.h"
#include "core/routing/node-list.h"

namespace cjdns::routing {

struct RouteServerCounters {
  std::uint64_t announcementsAccepted = 0;
  std::uint64_t announcementsRefused = 0;  ///< bad signature, wrong snode, unknown node, ...
  std::uint64_t nodesRefused = 0;          ///< maxNodes reached
  std::uint64_t routesAnswered = 0;
  std::uint64_t routesUnknown = 0;         ///< no path, or an end not announced
  std::uint64_t routesTooLong = 0;         ///< the label would not fit in 59 bits
  std::uint64_t graphRebuilds = 0;
  std::uint64_t linksRefused = 0;          ///< PEER labels that are not one hop (counted per rebuild)
};

class RouteServer {
 public:
  RouteServer(const crypto::PublicKey& ourKey, std::size_t maxNodes = 1 << 20);

  struct AnnounceReply {
    std::string error = "none";  ///< "none", "no_version", "unknown_node", "wrong_snode", or the parse error
    std::optional<StateHash> stateHash;  ///< of the node's accepted messages (absent if nothing was accepted)
  };
  AnnounceReply announce(std::span<const std::uint8_t> bytes, std::uint64_t nowMs);

  /// The path from `src` to `tar` (both announced), as a DHT node entry for
  /// `tar`: its key, the full label from src, its version.
  std::optional<DhtNode> route(const crypto::Ip6& src, const crypto::Ip6& tar);

  std::size_t nodeCount() const { return nodes_.size(); }
  std::size_t linkCount();
  const RouteServerCounters& counters() const { return counters_; }
  const crypto::Ip6& ip6() const { return ourIp6_; }

 private:
  struct Node {
    crypto::PublicKey key{};
    std::uint32_t version = 0;
    AnnouncementLog log;
    /// The current PEER items by peerNum (withdrawn ones removed).
    std::unordered_map<std::uint16_t, PeerItem> peers;
  };
  struct Edge {
    std::uint32_t to;
    std::uint32_t label;   ///< the tail's one-hop label for the head
    std::uint8_t backForm; ///< form of the head's label back to the tail
  };
  struct Ip6Hash {
    std::size_t operator()(const crypto::Ip6& ip) const;
  };

  void apply(Node& node, const ParsedAnnouncement& msg);
  void rebuild();
  std::optional<std::uint64_t> composeLabel(const std::vector<const Edge*>& path) const;

  crypto::Ip6 ourIp6_{};
  std::size_t maxNodes_;
  std::unordered_map<crypto::Ip6, std::uint32_t, Ip6Hash> index_;
  std::vector<crypto::Ip6> ips_;
  std::vector<Node> nodes_;
  std::vector<std::vector<Edge>> out_;
  bool dirty_ = true;
  RouteServerCounters counters_;
};

}  // namespace cjdns::routing
