// SessionManager: end-to-end sessions above the switch (wire.md 11), I/O-free.
//
// One inner CryptoAuth session per remote node, keyed by its IPv6 address
// and found again on the way in by our receive handle. Packets for the router
// come in from the switch (fromSwitch), are decrypted and go up to an Upper
// with their content type; payloads from above (send) are wrapped in a
// DataHeader, encrypted and handed to the switch through an Outbound.
//
// What the manager cannot do alone it asks of its Upper: find a node it knows
// nothing about (needsSearch), or set up a session by sending the node a
// CJDHT ping (needsSetup), since only CJDHT may travel before the handshake
// is done. Paths and versions learned elsewhere come in through learnNode.
//
// Lifetime: borrows the random source, the Outbound and the Upper; all must
// outlive it. It keeps its own copy of our private key.
#pragma once

#include <array>
#include <cstdint>
#include <memory>
#include <optional>
#include <unordered_map>
#include <vector>

#include "core/crypto/crypto-auth.h"
#include "core/crypto/keys.h"
#include "core/crypto/random.h"
#include "core/wire/message.h"

namespace cjdns::session {

/// Path metrics (upper.md 1.1): lower is better, and the order decides which
/// source of routing knowledge wins. A path's metric worsens by one per
/// millisecond since it was last validated.
namespace metric {
inline constexpr std::uint32_t kSnodeSays = 0xff100000;
inline constexpr std::uint32_t kPfPeer = 0xff200000;
inline constexpr std::uint32_t kDhtPeer = 0xff400000;
inline constexpr std::uint32_t kPingReply = 0xff500000;
inline constexpr std::uint32_t kDhtIncoming = 0xff510000;
inline constexpr std::uint32_t kSmIncoming = 0xff700000;
inline constexpr std::uint32_t kSmSend = 0xff710000;
inline constexpr std::uint32_t kNoInfo = 0xfffffffe;
inline constexpr std::uint32_t kDeadLink = 0xffffffff;
}  // namespace metric

/// A node as far as the manager knows it.
struct NodeRef {
  crypto::Ip6 ip6{};
  crypto::PublicKey key{};
  std::uint64_t label = 0;    ///< best known path; 0 if none
  std::uint32_t version = 0;  ///< 0 if unknown
};

/// What came with a decrypted payload.
struct Delivery {
  crypto::Ip6 ip6{};
  crypto::PublicKey key{};
  std::uint16_t contentType = 0;
  std::uint64_t returnPath = 0;  ///< our label for the sender: the arrival label bit-reversed
  std::uint32_t version = 0;     ///< the session's known version; 0 if unknown
};

/// Where packets leave the manager: complete switch packets (SwitchHeader
/// first) for the node's own switch, entering on the router's slot.
class Outbound {
 public:
  virtual ~Outbound() = default;
  virtual void sendFromRouter(wire::Message& msg, std::uint64_t nowMs) = 0;
};

/// Who gets decrypted payloads, and the manager's requests for routing help.
class Upper {
 public:
  virtual ~Upper() = default;
  /// `payload` is what followed the DataHeader. The upper layer may build a
  /// reply in the same message and may call SessionManager::send from here.
  virtual void deliver(const Delivery& d, wire::Message& payload, std::uint64_t nowMs) = 0;
  /// Traffic for `node` waits for the inner handshake: send it a CJDHT ping,
  /// which carries the Hello. The key, version and path are known. Asked at
  /// most once a second per node.
  virtual void needsSetup(const NodeRef& /*node*/, std::uint64_t /*nowMs*/) {}
  /// Traffic for ip6 waits for a key, a version or a path: look it up.
  /// `version` is what the session knows (0 if nothing).
  virtual void needsSearch(const crypto::Ip6& /*ip6*/, std::uint32_t /*version*/, std::uint64_t /*nowMs*/) {}
  /// A session went 120 s without a validated path and was forgotten.
  virtual void sessionEnded(const NodeRef& /*node*/, std::uint64_t /*nowMs*/) {}
};

enum class SendResult {
  kSent,
  kBuffered,         ///< kept until the node is known and set up; the Upper was asked for help
  kDropped,          ///< CJDHT to an unknown node, or the buffer is full
  kBadDestination,   ///< not an fc address, our own, or a key that does not match it
  kTooManySessions,  ///< a new session would pass SessionManagerConfig::maxSessions
  kFailed,           ///< no headroom to build the packet
};
const char* describe(SendResult r);

struct SessionManagerConfig {
  std::uint64_t sessionTimeoutMs = 120'000;  ///< without a validated path
  std::uint64_t searchAfterMs = 30'000;      ///< a session in use is searched again this often
  std::size_t maxBuffered = 30;              ///< one per destination, newest wins
  std::uint64_t bufferExpiryMs = 10'000;
  std::uint32_t authErrorsPerSecond = 16;  ///< AUTHENTICATION errors we send, at most
  /// Sessions are cheap for anyone with a key to make: a bound on memory.
  std::size_t maxSessions = 16384;
};

struct SessionManagerCounters {
  std::uint64_t runts = 0;
  std::uint64_t controlFrames = 0;  ///< not ours: the router handles them first
  std::uint64_t unknownHandle = 0;
  std::uint64_t setupWithHandle = 0;              ///< a handshake nonce behind a handle
  std::uint64_t badKey = 0;                       ///< handshake key with no fc address
  std::uint64_t ownKey = 0;                       ///< handshake claiming to be from us
  std::uint64_t tooManySessions = 0;              ///< a new session was refused: maxSessions reached
  std::array<std::uint64_t, 16> decryptErrors{};  ///< by crypto::DecryptError
  std::uint64_t authErrorsSent = 0;
  std::uint64_t authErrorsSuppressed = 0;  ///< S bit set, or over the rate limit
  std::uint64_t delivered = 0;
  std::uint64_t sent = 0;
  std::uint64_t buffered = 0;
  std::uint64_t bufferReplaced = 0;  ///< a newer packet took its place
  std::uint64_t bufferFull = 0;
  std::uint64_t bufferExpired = 0;
  std::uint64_t pathsBroken = 0;  ///< session paths through a lost link, marked dead
  std::uint64_t bufferFlushed = 0;
  std::uint64_t sessionsEnded = 0;
};

/// One session, for SessionManager_sessionStats.
struct SessionStats {
  crypto::Ip6 ip6{};
  crypto::PublicKey key{};
  crypto::CryptoAuthState state = crypto::CryptoAuthState::kInit;
  std::uint32_t receiveHandle = 0;
  std::uint32_t sendHandle = 0;  ///< 0 until her first handshake told us
  std::uint32_t version = 0;
  std::uint64_t path = 0;                    ///< best path label
  std::uint32_t metric = metric::kDeadLink;  ///< its effective metric now
  std::uint64_t bytesIn = 0;
  std::uint64_t bytesOut = 0;
  crypto::ReplayProtector::Stats replay;  ///< duplicates, lost, out of range
  std::uint64_t timeOfLastUsageMs = 0;    ///< last user (non-CJDHT) send; 0 if idle
};

class SessionManager {
 public:
  static constexpr std::size_t kPathCount = 3;

  SessionManager(const crypto::PrivateKey& ourKey, crypto::Random& rng, Outbound& out, Upper& upper,
                 SessionManagerConfig config = {});
  ~SessionManager();
  SessionManager(const SessionManager&) = delete;
  SessionManager& operator=(const SessionManager&) = delete;

  /// A packet the switch gave the router, from its SwitchHeader on, label as
  /// it arrived (not yet reversed). Control frames are not handled here.
  void fromSwitch(wire::Message& msg, std::uint64_t nowMs);

  /// Sends `payload` (the message is used to build the packet) to dest.
  /// key, version and label may be null/0 when unknown; a known session
  /// fills them in. A nonzero version replaces the session's.
  SendResult send(const crypto::Ip6& dest, const crypto::PublicKey* keyOrNull, std::uint32_t version,
                  std::uint64_t label, std::uint16_t contentType, wire::Message& payload, std::uint64_t nowMs);

  /// A path and version for a node, from the peer controller or a pathfinder.
  /// Updates its session (up to 3 paths, best first) and sends what waited
  /// for it; ignored for nodes we have neither a session nor traffic for.
  void learnNode(const crypto::PublicKey& key, std::uint64_t label, std::uint32_t version, std::uint64_t nowMs,
                 std::uint32_t pathMetric = metric::kDhtPeer);

  /// A link is gone (a peer stopped answering): every session path through
  /// `label` is dead; a session in use whose best path died is searched
  /// again at once rather than at its next periodic search.
  void linkBroken(std::uint64_t label, std::uint64_t nowMs);

  /// Periodic work; call about once a second.
  void tick(std::uint64_t nowMs);

  std::vector<std::uint32_t> handles() const;
  std::optional<SessionStats> sessionStats(std::uint32_t receiveHandle) const;
  std::optional<SessionStats> sessionFor(const crypto::Ip6& ip6) const;
  /// SessionManager_resetCA: the session's CryptoAuth goes back to INIT (its
  /// paths and handles stay), so the next packet starts a new handshake.
  /// False if there is no session with that address.
  bool resetSession(const crypto::Ip6& ip6);
  std::size_t sessionCount() const { return byIp6_.size(); }
  std::size_t bufferedCount() const { return buffer_.size(); }
  const SessionManagerCounters& counters() const { return counters_; }
  const crypto::PublicKey& publicKey() const { return ourPublicKey_; }

 private:
  struct Path {
    std::uint64_t label = 0;  // 0: an empty slot
    std::uint32_t metric = metric::kDeadLink;
    std::uint64_t validatedMs = 0;
  };
  struct Session;
  struct Buffered {
    std::vector<std::uint8_t> payload;
    std::uint16_t contentType = 0;
    std::uint64_t sinceMs = 0;
  };
  struct Ip6Hash {
    std::size_t operator()(const crypto::Ip6& ip) const;
  };

  // Receive path.
  Session* sessionForHandle(wire::Message& msg, std::uint32_t handle);
  Session* sessionForHandshake(wire::Message& msg, std::uint64_t returnPath, std::uint64_t nowMs, bool& created);
  void sendAuthError(const std::array<std::uint8_t, 12>& received, const std::uint8_t* first16,
                     crypto::DecryptError err, crypto::CryptoAuthState state, std::uint64_t nowMs);
  bool authErrorAllowed(std::uint64_t nowMs);
  void deliverUp(Session& s, wire::Message& msg, std::uint64_t returnPath, std::uint64_t nowMs);

  // Send path.
  SendResult sendOnSession(Session& s, std::uint64_t label, std::uint16_t contentType, wire::Message& payload,
                           std::uint64_t nowMs);
  SendResult waitFor(const crypto::Ip6& dest, Session* s, std::uint32_t version, std::uint16_t contentType,
                     wire::Message& payload, std::uint64_t nowMs);
  bool bufferPacket(const crypto::Ip6& dest, std::uint16_t contentType, const wire::Message& payload,
                    std::uint64_t nowMs);
  void flushBuffered(Session& s, std::uint64_t nowMs);
  void askForSetup(Session& s, std::uint64_t label, std::uint64_t nowMs);

  // Sessions and paths.
  Session* find(const crypto::Ip6& ip6) const;
  Session& getSession(const crypto::PublicKey& key, const crypto::Ip6& ip6, std::uint32_t version, std::uint64_t label,
                      std::uint32_t pathMetric, std::uint64_t nowMs);
  Session& createSession(const crypto::PublicKey& key, const crypto::Ip6& ip6, std::uint64_t nowMs);
  void removeSession(const crypto::Ip6& ip6);
  std::uint32_t newHandle();
  bool discoverPath(Session& s, std::uint64_t label, std::uint32_t pathMetric, std::uint64_t nowMs);
  static std::uint64_t bestLabel(const Session& s);
  static std::uint32_t effectiveMetric(const Path& p, std::uint64_t nowMs);
  static void rerank(Session& s, std::uint64_t nowMs);
  static NodeRef refOf(const Session& s);
  SessionStats statsOf(const Session& s) const;

  // Periodic work.
  void expireBuffers(std::uint64_t nowMs);
  bool expired(const Session& s, std::uint64_t nowMs) const;
  void checkSession(Session& s, std::uint64_t nowMs);

  crypto::PrivateKey ourKey_;
  crypto::PublicKey ourPublicKey_{};
  crypto::Ip6 ourIp6_{};  ///< addressOf(ourPublicKey_): two SHA-512s, so not per packet
  crypto::Random& rng_;
  Outbound& out_;
  Upper& upper_;
  SessionManagerConfig config_;

  std::unordered_map<crypto::Ip6, std::unique_ptr<Session>, Ip6Hash> byIp6_;
  std::unordered_map<std::uint32_t, Session*> byHandle_;
  std::unordered_map<crypto::Ip6, Buffered, Ip6Hash> buffer_;
  std::uint32_t firstHandle_ = 0;  // random in [4, 100000): handles are firstHandle_ + index
  std::uint32_t nextIndex_ = 0;
  std::uint64_t lastNowMs_ = 0;  // for effective metrics outside a call with a time

  std::uint64_t authWindowStartMs_ = 0;
  std::uint32_t authErrorsInWindow_ = 0;
  SessionManagerCounters counters_;
};

}  // namespace cjdns::session
