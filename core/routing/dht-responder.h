// DhtResponder: the minimal CJDHT answering side (wire.md 13, upper.md
// 1.5-1.8), I/O-free.
//
// A real node pings every new peer and every node whose session is not set
// up with a CJDHT "pn" query, and that ping carries its inner CryptoAuth
// Hello: answering it is what completes end-to-end sessions with us. This
// class checks an incoming CJDHT message the way the old cjdns DHT does,
// answers queries (pn; gp from our direct peers; fn from our peers and the
// nodes the pathfinder learned; nh with no node), and hands replies back for
// the pathfinder. It also builds the queries the pathfinder sends.
//
// The caller decodes nothing and sends nothing: it passes the payload that
// followed the DataHeader (content type 256), the label it reaches the sender
// by, our current peers and the learned nodes; it sends the reply dict back
// over the session and tells the session manager the sender's version.
#pragma once

#include <cstddef>
#include <cstdint>
#include <span>
#include <string>
#include <vector>

#include "core/crypto/keys.h"
#include "core/routing/node-list.h"
#include "core/util/value.h"

namespace cjdns::routing {

/// Larger CJDHT messages are not read (DHTMessage_MAX_SIZE).
inline constexpr std::size_t kMaxDhtMessageSize = 1536;
/// Messages from older nodes are dropped (Version_isCompatible in v21+).
inline constexpr std::uint32_t kMinDhtVersion = 20;
/// Nodes in one fn or gp reply (RouterModule_K).
inline constexpr std::size_t kMaxNodesPerReply = 8;
/// A fn/nh target: an IPv6 address (Address_SEARCH_TARGET_SIZE).
inline constexpr std::size_t kSearchTargetSize = 16;

enum class DhtVerdict {
  kReply,     ///< a query: send `reply` back to the sender
  kNotQuery,  ///< a reply to a query of ours, for a pathfinder: see `message`
  kIgnored,   ///< valid, but a supernode query ("sq"), which is not ours to answer
  kDropped,   ///< see `drop`
};

enum class DhtDrop {
  kNone,
  kTooLong,
  kBadBencode,
  kNotDict,
  kNoTxid,
  kNoVersion,
  kOldVersion,  ///< p < 20 (or beyond 32 bits)
  kBadScheme,   ///< "es" present but not a valid encoding scheme
  kNoEncodingIndex,
  kBadEncodingIndex,  ///< "ei" not a form of the sender's scheme
};
const char* describe(DhtDrop d);

struct DhtResult {
  DhtVerdict verdict = DhtVerdict::kDropped;
  DhtDrop drop = DhtDrop::kNone;
  /// The sender's "p" for every message that was not dropped: its protocol
  /// version, to pass on to SessionManager::learnNode.
  std::uint32_t senderVersion = 0;
  util::Value message;  ///< the decoded message (when not dropped)
  util::Value reply;    ///< kReply: the dict to send back
};

class DhtResponder {
 public:
  DhtResponder(const crypto::PublicKey& ourKey, std::uint32_t ourVersion);

  /// `payload`: what followed the DataHeader. `returnPath`: our label for
  /// the sender (the session's return path). `peers`: our direct peers
  /// with our labels for them, for gp and fn. `learned`: other nodes we
  /// know a path to (our labels), for fn.
  DhtResult handle(std::span<const std::uint8_t> payload, std::uint64_t returnPath,
                   std::span<const DhtNode> peers, std::span<const DhtNode> learned = {}) const;
  /// The same for a message that is already decoded.
  DhtResult handle(util::Value message, std::uint64_t returnPath, std::span<const DhtNode> peers,
                   std::span<const DhtNode> learned = {}) const;

  /// A ping query to a node we reach by `label`. cjdns v20 answers a txid
  /// starting with '1' from its subnode code, so start it with '0'.
  util::Value pingQuery(std::string txid, std::uint64_t label) const;
  /// A find-node query for `target` to a node we reach by `label`.
  util::Value findNodeQuery(std::string txid, const crypto::Ip6& target, std::uint64_t label) const;

  /// Any query `q` ("gp", "nh", ...) with `tar` (omitted when empty) to a
  /// node we reach by `label`, with our p, es and ei.
  util::Value query(std::string q, std::string txid, std::string tar, std::uint64_t label) const;

  /// The fn selection (upper.md 1.8): of the peers and learned nodes, the
  /// (up to) 8 nearest to `target` by the DHT distance, farthest first, never
  /// this node, only versions compatible with the asker's (0: any).
  std::vector<DhtNode> findNodes(const crypto::Ip6& target, std::uint32_t askerVersion,
                                 std::span<const DhtNode> peers, std::span<const DhtNode> learned) const;

  /// The gp selection (upper.md 1.8): this node (label 1) and the one-hop
  /// peers at or above the start label, the (up to) 8 nearest to it, farthest first.
  std::vector<DhtNode> getPeers(std::uint64_t startLabel, std::span<const DhtNode> peers) const;

  /// The version list "np" for `nodes` (upper.md 1.6): a width byte, then
  /// each version big-endian in that width (1 unless a version is >= 255).
  static std::string versionList(std::span<const DhtNode> nodes);

  std::uint32_t version() const { return ourVersion_; }

 private:
  DhtDrop check(const util::Dict& d, std::uint32_t& version) const;
  util::Value replyTo(const util::Dict& query, std::uint32_t askerVersion, std::uint64_t returnPath,
                      std::span<const DhtNode> peers, std::span<const DhtNode> learned) const;
  void addCommon(util::Dict& d, std::uint64_t label) const;
  void addNodes(util::Dict& d, std::span<const DhtNode> nodes, std::uint64_t returnPath) const;

  crypto::PublicKey ourKey_;
  std::uint32_t ourVersion_;
  std::string scheme_;  // our serialized v3x5x8 scheme, "es"
};

}  // namespace cjdns::routing
