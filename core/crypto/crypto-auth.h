// Legacy CryptoAuth (wire.md 6): the handshake and data encryption of cjdns
// peer links (protocol <= 21, and v22 unless Noise is chosen) and of every
// end-to-end session.
//
// I/O-free: a session takes a packet and the time, and changes the packet in
// place. Encrypt pushes the 120-byte handshake header or the 20-byte data
// header in front of the plaintext; decrypt strips them. Bad, replayed or
// unexpected packets come back as a DecryptError and a counter, never as an
// exception or a crash.
//
// Lifetime: a session borrows the users table and the random source; both
// must outlive it. It keeps its own copy of our private key.
#pragma once

#include <cstddef>
#include <cstdint>
#include <optional>
#include <span>
#include <string>

#include "core/crypto/crypto-auth-users.h"
#include "core/crypto/keys.h"
#include "core/crypto/random.h"
#include "core/crypto/replay-protector.h"
#include "core/wire/message.h"

namespace cjdns::crypto {

/// wire.md 6.9; these numbers travel in SessionManager error messages.
enum class DecryptError : std::uint16_t {
  kNone = 0,
  kRunt = 1,
  kNoSession = 2,
  kFinalShakeFail = 3,
  kFailedDecryptRunMsg = 4,
  kKeyPktEstablishedSession = 5,
  kWrongPermPubkey = 6,
  kIpRestricted = 7,
  kAuthRequired = 8,
  kUnrecognizedAuth = 9,
  kStrayKey = 10,
  kHandshakeDecryptFailed = 11,
  kWiseguy = 12,
  kInvalidPacket = 13,
  kReplay = 14,
  kDecrypt = 15,
};

/// The cjdns name ("RUNT", "NO_SESSION", ...); "UNKNOWN" outside the table.
const char* name(DecryptError error);

/// What CryptoAuth_getState reports (also sent in SessionManager errors).
enum class CryptoAuthState : std::uint32_t {
  kInit = 0,
  kSentHello = 1,
  kReceivedHello = 2,
  kSentKey = 3,
  kReceivedKey = 4,
  kEstablished = 100,
};

/// "INIT", "SENT_HELLO", ... as cjdns prints them.
const char* name(CryptoAuthState state);

inline constexpr std::size_t kHandshakeHeaderSize = 120;
inline constexpr std::size_t kDataHeaderSize = 20;  ///< nonce 4 + Poly1305 tag 16

/// The sender's permanent key in a Hello or RepeatHello (nonce 0 or 1, at
/// least 120 bytes), for a session with a peer we do not know yet (wire.md
/// 8.2). nullopt for anything else, and for keys no handshake could use (all
/// zero or of small order). The caller still checks the key's address.
std::optional<PublicKey> handshakePermanentKey(std::span<const std::uint8_t> packet);

class CryptoAuthSession {
 public:
  /// Inactivity limits of wire.md 6.8, in seconds.
  struct Timeouts {
    std::uint32_t setupSeconds = 10;        ///< any state but established
    std::uint32_t establishedSeconds = 60;  ///< established
  };

  /// requireAuth: drop handshakes that name no user of `users` (sessions
  /// made for unknown incoming peers). `users` may be null: nobody matches.
  /// The inactivity clock (wire.md 6.8) starts at the first call given a time.
  CryptoAuthSession(const PrivateKey& ourPrivateKey, const PublicKey& herPublicKey,
                    bool requireAuth, const CryptoAuthUsers* users, Random& rng);
  ~CryptoAuthSession();
  CryptoAuthSession(const CryptoAuthSession&) = delete;
  CryptoAuthSession& operator=(const CryptoAuthSession&) = delete;

  /// Our credentials toward her: type 2 with a login, type 1 without, none
  /// (type 0) with an empty password. A change resets the session.
  void setAuth(std::string password, std::string login);

  /// Encrypts msg (the plaintext) in place, as a handshake packet until the
  /// handshake is done and as a data packet after. False, with msg unchanged,
  /// only without enough headroom (120 / 20 bytes) or if her permanent key
  /// is of small order (no packet can ever be made for such a key; the
  /// inactivity reset that precedes every encrypt may still have happened).
  [[nodiscard]] bool encrypt(wire::Message& msg, std::uint64_t nowMs);

  /// Decrypts msg in place. On kNone msg holds the payload (headers and the
  /// temporary key stripped); on an error its content is unspecified and the
  /// session is unchanged, except for replay counters and as wire.md 6.7 says.
  [[nodiscard]] DecryptError decrypt(wire::Message& msg, std::uint64_t nowMs);

  CryptoAuthState state() const;
  bool established() const { return established_; }
  bool isInitiator() const { return isInitiator_; }
  const PublicKey& herPublicKey() const { return herPublicKey_; }
  const PublicKey& ourPublicKey() const { return ourPublicKey_; }
  const Ip6& herIp6() const { return herIp6_; }
  /// Her temporary key from the last accepted handshake (zero if none).
  const PublicKey& herTempPublicKey() const { return herTempPublicKey_; }

  /// Back to INIT if nothing arrived for too long (wire.md 6.8). Called by
  /// encrypt, and by the peer layer on each packet from a known address.
  void resetIfTimeout(std::uint64_t nowMs);
  /// Back to INIT: keys and shared secret wiped, replay window cleared.
  void reset();
  void setTimeouts(Timeouts t) { timeouts_ = t; }

  /// The user whose credentials her last accepted handshake named (null for
  /// auth type 0). Kept across resets until the next accepted handshake.
  const CryptoAuthUsers::User* authenticatedUser() const { return authenticatedUser_.get(); }

  ReplayProtector::Stats replayStats() const { return replay_.stats(); }

 private:
  friend struct CryptoAuthSessionProbe;  // tests only: reaches the nonce counter

  bool encryptHandshake(wire::Message& msg);
  DecryptError decryptData(wire::Message& msg, std::uint32_t nonce, std::uint64_t nowMs);
  DecryptError decryptFirstData(wire::Message& msg, std::uint32_t nonce, std::uint64_t nowMs);
  DecryptError decryptHandshake(wire::Message& msg, std::uint32_t nonce);
  DecryptError checkAuth(const std::uint8_t* challenge, CryptoAuthUsers::UserPtr& user) const;
  DecryptError acceptKey(std::uint32_t nonce, const PublicKey& temp, std::uint32_t& next);
  DecryptError acceptHello(const PublicKey& temp, std::uint32_t& next, bool& keepState);
  void clearState();  // the internal reset: keeps the replay window
  void startClock(std::uint64_t nowMs);
  void newTempKeyPair();

  PrivateKey ourPrivateKey_;
  PublicKey ourPublicKey_{};
  PublicKey herPublicKey_{};
  Ip6 herIp6_{};
  const CryptoAuthUsers* users_;
  Random& rng_;
  bool requireAuth_;

  // Our credentials (setAuth). The text stays so that each handshake can
  // hash it afresh; it is wiped on change and on destruction.
  std::string password_;
  std::string login_;
  AuthType authType_ = AuthType::kNone;
  AuthChallenge challenge_{};  // sent in the clear, so not secret

  // Handshake state (wire.md 6.7): nextNonce doubles as the state number.
  std::uint32_t nextNonce_ = 0;
  bool isInitiator_ = false;
  bool established_ = false;
  PrivateKey ourTempPrivateKey_;
  PublicKey ourTempPublicKey_{};
  PublicKey herTempPublicKey_{};
  Secret32 sharedSecret_;  // K, valid from nonce 4 on

  ReplayProtector replay_;
  CryptoAuthUsers::UserPtr authenticatedUser_;

  Timeouts timeouts_;
  bool clockStarted_ = false;      // the first call with a time starts it
  std::uint64_t lastPacketSec_ = 0;  // last data packet, creation or reset
};

// Building blocks of the session, public so that tests can check them
// against packets from real cjdns whose temporary private keys are unknown.

/// SS of wire.md 6.4: BOX_KEY(priv, pub) without a password secret,
/// SHA256(X25519(priv, pub) || passwordSecret) with one. False if `pub` is
/// of small order (the X25519 output would be zero).
[[nodiscard]] bool handshakeSecret(std::span<const std::uint8_t, 32> ourPrivate,
                                   const PublicKey& herPublic, const Secret32* passwordSecret,
                                   Secret32& out);

/// Opens a handshake packet (>= 120 bytes) with `key` in place: on success
/// msg holds the payload and `tempKey` the sender's temporary key.
[[nodiscard]] bool openHandshake(wire::Message& msg, const Secret32& key, PublicKey& tempKey);

/// Seals msg as a data packet with nonce `nonce` (wire.md 6.5): pushes
/// [nonce][tag] in front. False without 20 bytes of headroom.
[[nodiscard]] bool sealData(wire::Message& msg, const Secret32& key, std::uint32_t nonce,
                            bool weAreInitiator);

/// Opens a data packet (>= 20 bytes) in place; on success msg holds the
/// plaintext. The nonce is read from the packet; weAreInitiator picks its
/// position in the 24-byte nonce (the sender's side is the opposite).
[[nodiscard]] bool openData(wire::Message& msg, const Secret32& key, bool weAreInitiator);

}  // namespace cjdns::crypto
