// SwitchPinger: pings by switch label on behalf of the admin API (cjdns
// SwitchPinger, SwitchPinger_ping), I/O-free.
//
// A ping is a control message (wire.md 10.2: PING, KEYPING, GETSNODE_QUERY,
// RPATH_QUERY or LLADDR_QUERY) whose opaque tail is [handle 4 BE][cookie 8]
// followed by the caller's data, as cjdns's Pinger prefixes it. Handles start
// at a random base far above the switch's slot numbers, so that the peer
// controller's keepalive pongs (whose data starts with a slot number) and
// ours never match each other. A reply is matched by handle and cookie; then,
// in cjdns's order, a reply on another path is "diff_label", a reply with
// other data "diff_data", otherwise "pong". A switch ERROR that quotes one of
// our pings ends it with "err_switch" ("err_loop" for LOOP_ROUTE): cjdns's
// code has these results but its ControlHandler never hands errors to the
// pinger, so there the ping would time out. A GETSNODE reply naming no
// supernode is ignored, as in cjdns (the ping then times out).
//
// Bounded: at most `maxPending` pings at once (cjdns: 50); each ends exactly
// once, by a reply, an error, its timeout (tick) or cancel (no callback).
#pragma once

#include <cstdint>
#include <functional>
#include <optional>
#include <span>
#include <string>
#include <unordered_map>
#include <vector>

#include "core/crypto/keys.h"
#include "core/crypto/random.h"
#include "core/switch/control-message.h"

namespace cjdns::wire {
class Message;
}

namespace cjdns::switching {

enum class SwitchPingKind { kPing, kKeyPing, kGetSnode, kRPath, kLlAddr };

enum class SwitchPingResult { kPong, kLabelMismatch, kWrongData, kErrorResponse, kTimeout, kLoopRoute };
/// "pong", "diff_label", "diff_data", "err_switch", "timeout", "err_loop" (SwitchPinger_resultString).
const char* resultName(SwitchPingResult r);

struct SwitchPingReply {
  SwitchPingResult result = SwitchPingResult::kTimeout;
  std::uint32_t ms = 0;
  std::uint64_t label = 0;          ///< the label pinged
  std::uint64_t responsePath = 0;   ///< kLabelMismatch: the path it came back on
  std::uint32_t version = 0;        ///< the responder's; 0 on timeout
  std::vector<std::uint8_t> data;   ///< the caller's data as echoed (not on timeout)
  std::optional<crypto::PublicKey> key;  ///< KEYPONG: the responder's key
  struct Snode {
    crypto::PublicKey key{};
    std::uint32_t version = 0;
    std::uint64_t path = 0;  ///< as the responder wrote it (relative to it)
  };
  std::optional<Snode> snode;        ///< GETSNODE_REPLY
  std::uint64_t rpath = 0;           ///< RPATH_REPLY: the responder's label for us
  std::optional<LlAddr> lladdr;      ///< LLADDR_REPLY: our address as the responder sees it
  std::uint32_t errorCode = 0;       ///< kErrorResponse / kLoopRoute
};

using SwitchPingCallback = std::function<void(const SwitchPingReply&)>;

struct SwitchPingerConfig {
  std::size_t maxPending = 50;           ///< SwitchPinger_DEFAULT_MAX_CONCURRENT_PINGS
  std::uint32_t defaultTimeoutMs = 2000;  ///< for a timeout of 0
  std::uint32_t maxTimeoutMs = 60'000;
};

class SwitchPinger {
 public:
  /// Data longer than this is refused (Control_Ping_MAX_SIZE).
  static constexpr std::size_t kMaxData = 256;
  static constexpr std::size_t kPrefixSize = 12;  ///< handle and cookie

  SwitchPinger(crypto::Random& rng, const crypto::PublicKey& ourKey, std::uint32_t ourVersion,
               SwitchPingerConfig config = {});

  enum class StartError { kNone, kTooMany, kDataTooLong, kBuildFailed };
  struct Started {
    StartError error = StartError::kNone;
    std::uint32_t handle = 0;  ///< for cancel
  };
  /// Builds the ping for `label` into `out` (a packet for the router to hand
  /// to its own switch) and remembers it. On an error nothing is kept.
  Started start(SwitchPingKind kind, std::uint64_t label, std::span<const std::uint8_t> data, std::uint32_t timeoutMs,
                std::uint64_t nowMs, SwitchPingCallback callback, wire::Message& out);

  /// A reply (PONG, KEYPONG, GETSNODE/RPATH/LLADDR reply) at our router.
  /// True if it answered one of our pings (which has then ended).
  bool onReply(const ControlPacket& reply, std::uint64_t nowMs);
  /// A switch ERROR at our router. True if it quotes one of our pings.
  bool onError(const ControlPacket& error, std::uint64_t nowMs);
  /// Ends the pings whose time is up, with "timeout".
  void tick(std::uint64_t nowMs);
  /// Forgets a ping without calling back. False if it is not pending.
  bool cancel(std::uint32_t handle);

  std::size_t pending() const { return pings_.size(); }
  /// The earliest deadline of a pending ping, for a timer; none if idle.
  std::optional<std::uint64_t> nextDeadline() const;
  const SwitchPingerConfig& config() const { return config_; }

 private:
  struct Ping {
    SwitchPingKind kind = SwitchPingKind::kPing;
    std::uint64_t label = 0;
    std::uint64_t cookie = 0;
    std::vector<std::uint8_t> data;
    std::uint64_t sentMs = 0;
    std::uint64_t deadlineMs = 0;
    SwitchPingCallback callback;
  };
  /// The ping whose prefix starts `tail`, if handle and cookie match.
  std::unordered_map<std::uint32_t, Ping>::iterator match(std::span<const std::uint8_t> tail);
  void finish(std::unordered_map<std::uint32_t, Ping>::iterator it, SwitchPingReply& reply, std::uint64_t nowMs);

  crypto::Random& rng_;
  crypto::PublicKey ourKey_{};
  std::uint32_t ourVersion_;
  SwitchPingerConfig config_;
  std::uint32_t baseHandle_ = 0;
  std::uint32_t nextHandle_ = 0;
  std::unordered_map<std::uint32_t, Ping> pings_;
};

/// The opaque tail of a control message that a responder reflects: PING/PONG
/// data, KEYPING/KEYPONG cookie, the bytes after a GETSNODE/RPATH body, the
/// LLADDR data. Empty for ERROR.
std::span<const std::uint8_t> reflectedData(const ControlMessage& m);

}  // namespace cjdns::switching
