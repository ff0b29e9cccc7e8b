// RouterQueries: CJDHT queries asked by the admin API (cjdns RouterModule's
// pingNode, getPeers, findNode, nextHop), I/O-free.
//
// Each query gets a txid of its own form, "00a" and a 4-byte big-endian
// number: "00" so that a v20 node answers from its old DHT code as it does
// for the pathfinder's "00s" queries (upper.md 1.10), and distinct from both
// the pathfinder's and the session-setup pings', so replies find their way
// back. A reply must come from the key that was asked (it travels in that
// node's end-to-end session). Bounded: at most `maxPending` at once; each
// ends exactly once, by its reply, its timeout (tick) or cancel.
#pragma once

#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <string_view>
#include <unordered_map>

#include "core/crypto/keys.h"
#include "core/routing/dht-responder.h"
#include "core/routing/node-list.h"
#include "core/util/value.h"

namespace cjdns::routing {

enum class RouterQueryKind { kPing, kGetPeers, kFindNode, kNextHop };

struct RouterQueryReply {
  bool timedOut = true;
  std::uint32_t ms = 0;
  DhtNode from;        ///< who was asked: key, our label for it, its version (from the reply's "p")
  util::Value reply;   ///< the reply dict (when not timed out)
};

using RouterQueryCallback = std::function<void(const RouterQueryReply&)>;

struct RouterQueriesConfig {
  std::size_t maxPending = 64;
  std::uint32_t defaultTimeoutMs = 3000;  ///< RouterModule's PING_TIMEOUT_MINIMUM
  std::uint32_t maxTimeoutMs = 60'000;
};

class RouterQueries {
 public:
  RouterQueries(const DhtResponder& dht, RouterQueriesConfig config = {});

  struct Query {
    util::Value message;  ///< what to send to `to` over its session
    std::uint32_t id = 0;
  };
  /// A query of `kind` to `to`; `target` is the 16-byte address for fn/nh,
  /// the 8-byte big-endian start label for gp, empty for a ping. nullopt
  /// when `maxPending` queries are out.
  std::optional<Query> start(RouterQueryKind kind, const DhtNode& to, std::string target, std::uint32_t timeoutMs,
                             std::uint64_t nowMs, RouterQueryCallback callback);

  /// A CJDHT reply from `from` (reached by `returnPath`, version `version`).
  /// False if its txid is not of our form; true if it was ours (matched,
  /// late or from the wrong key).
  bool onReply(const crypto::PublicKey& from, std::uint64_t returnPath, std::uint32_t version, const util::Dict& reply,
               std::uint64_t nowMs);
  void tick(std::uint64_t nowMs);
  bool cancel(std::uint32_t id);

  std::size_t pending() const { return pending_.size(); }
  static bool isOurTxid(std::string_view txid);

  struct Counters {
    std::uint64_t sent = 0;
    std::uint64_t answered = 0;
    std::uint64_t timedOut = 0;
    std::uint64_t refused = 0;      ///< maxPending reached
    std::uint64_t unknown = 0;      ///< our form, no such query (late)
    std::uint64_t wrongSender = 0;  ///< another key answered
  };
  const Counters& counters() const { return counters_; }

 private:
  struct Pending {
    DhtNode to;
    std::uint64_t sentMs = 0;
    std::uint64_t deadlineMs = 0;
    RouterQueryCallback callback;
  };
  const DhtResponder& dht_;
  RouterQueriesConfig config_;
  std::unordered_map<std::uint32_t, Pending> pending_;
  std::uint32_t nextId_ = 0;
  Counters counters_;
};

}  // namespace cjdns::routing
