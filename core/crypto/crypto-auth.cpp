#include "core/crypto/crypto-auth.h"

#include <sodium.h>

#include <algorithm>
#include <cassert>
#include <cstring>

#include "core/crypto/secretbox.h"
#include "core/wire/endian.h"

namespace cjdns::crypto {
namespace {

static_assert(crypto_box_MACBYTES == 16 && crypto_box_NONCEBYTES == 24 &&
              crypto_box_BEFORENMBYTES == 32);

// Handshake header (wire.md 6.2).
constexpr std::size_t kChallengeOffset = 4;
constexpr std::size_t kHandshakeNonceOffset = 16;
constexpr std::size_t kPermanentKeyOffset = 40;
constexpr std::size_t kTagOffset = 72;
constexpr std::size_t kTempKeyOffset = 88;
constexpr std::size_t kChallengeRandomBytes = 12 + 24;  // challenge + handshake nonce
constexpr std::size_t kAdditionalOffset = kChallengeOffset + 10;

// Packet nonces double as handshake state numbers (wire.md 6.7).
constexpr std::uint32_t kHello = 0;
constexpr std::uint32_t kRepeatHello = 1;
constexpr std::uint32_t kKey = 2;
constexpr std::uint32_t kRepeatKey = 3;
constexpr std::uint32_t kFirstData = 4;
constexpr std::uint32_t kSentHello = 1;
constexpr std::uint32_t kReceivedHello = 2;
constexpr std::uint32_t kSentKey = 3;
constexpr std::uint32_t kReceivedKey = 4;
// Reset before the counter could wrap into the handshake range.
constexpr std::uint32_t kMaxNonce = 0xfffffff0;

bool isZero(const PublicKey& key) {
  return std::all_of(key.begin(), key.end(), [](std::uint8_t b) { return b == 0; });
}

/// True for a point X25519 maps every scalar to zero with: libsodium refuses
/// those, and cjdns would abort on them, so they never get into a session.
bool hasSmallOrder(const PublicKey& key) {
  static constexpr std::uint8_t kAnyScalar[32] = {0x42};
  std::uint8_t out[32];
  const bool bad = crypto_scalarmult_curve25519(out, kAnyScalar, key.data()) != 0;
  sodium_memzero(out, sizeof out);
  return bad;
}

/// The 24-byte data nonce: the packet nonce as LE u32 at [4..8] when the
/// sender is the initiator, at [0..4] otherwise (wire.md 6.5).
void dataNonce(std::uint8_t out[24], std::uint32_t nonce, bool senderIsInitiator) {
  std::memset(out, 0, 24);
  wire::storeLe32(out + (senderIsInitiator ? 4 : 0), nonce);
}

void wipeString(std::string& s) {
  s.resize(s.capacity());  // covers bytes past size() that once held text
  sodium_memzero(s.data(), s.size());
  s.clear();
}

std::uint64_t secondsOf(std::uint64_t ms) { return ms / 1000; }

}  // namespace

const char* name(DecryptError error) {
  switch (error) {
    case DecryptError::kNone: return "NONE";
    case DecryptError::kRunt: return "RUNT";
    case DecryptError::kNoSession: return "NO_SESSION";
    case DecryptError::kFinalShakeFail: return "FINAL_SHAKE_FAIL";
    case DecryptError::kFailedDecryptRunMsg: return "FAILED_DECRYPT_RUN_MSG";
    case DecryptError::kKeyPktEstablishedSession: return "KEY_PKT_ESTABLISHED_SESSION";
    case DecryptError::kWrongPermPubkey: return "WRONG_PERM_PUBKEY";
    case DecryptError::kIpRestricted: return "IP_RESTRICTED";
    case DecryptError::kAuthRequired: return "AUTH_REQUIRED";
    case DecryptError::kUnrecognizedAuth: return "UNRECOGNIZED_AUTH";
    case DecryptError::kStrayKey: return "STRAY_KEY";
    case DecryptError::kHandshakeDecryptFailed: return "HANDSHAKE_DECRYPT_FAILED";
    case DecryptError::kWiseguy: return "WISEGUY";
    case DecryptError::kInvalidPacket: return "INVALID_PACKET";
    case DecryptError::kReplay: return "REPLAY";
    case DecryptError::kDecrypt: return "DECRYPT";
  }
  return "UNKNOWN";
}

const char* name(CryptoAuthState state) {
  switch (state) {
    case CryptoAuthState::kInit: return "INIT";
    case CryptoAuthState::kSentHello: return "SENT_HELLO";
    case CryptoAuthState::kReceivedHello: return "RECEIVED_HELLO";
    case CryptoAuthState::kSentKey: return "SENT_KEY";
    case CryptoAuthState::kReceivedKey: return "RECEIVED_KEY";
    case CryptoAuthState::kEstablished: return "ESTABLISHED";
  }
  return "INVALID";
}

std::optional<PublicKey> handshakePermanentKey(std::span<const std::uint8_t> packet) {
  if (packet.size() < kHandshakeHeaderSize) return std::nullopt;
  if (wire::loadBe32(packet.data()) > kRepeatHello) return std::nullopt;
  ensureSodium();
  PublicKey key{};
  std::copy_n(packet.begin() + kPermanentKeyOffset, key.size(), key.begin());
  if (isZero(key) || hasSmallOrder(key)) return std::nullopt;
  return key;
}

// ---- building blocks ------------------------------------------------------

bool handshakeSecret(std::span<const std::uint8_t, 32> ourPrivate, const PublicKey& herPublic,
                     const Secret32* passwordSecret, Secret32& out) {
  if (passwordSecret == nullptr) {
    return crypto_box_beforenm(out.data(), herPublic.data(), ourPrivate.data()) == 0;
  }
  // Raw X25519 output, then the password secret, hashed together: not HSalsa20.
  std::uint8_t mix[64];
  const bool ok = crypto_scalarmult_curve25519(mix, ourPrivate.data(), herPublic.data()) == 0;
  if (ok) {
    std::memcpy(mix + 32, passwordSecret->data(), 32);
    crypto_hash_sha256(out.data(), mix, sizeof mix);
  }
  sodium_memzero(mix, sizeof mix);
  return ok;
}

bool openHandshake(wire::Message& msg, const Secret32& key, PublicKey& tempKey) {
  if (msg.length() < kHandshakeHeaderSize) return false;
  std::uint8_t* h = msg.data();
  std::uint8_t* box = h + kTempKeyOffset;
  if (crypto_box_open_detached_afternm(box, box, h + kTagOffset, msg.length() - kTempKeyOffset,
                                       h + kHandshakeNonceOffset, key.data()) != 0) {
    return false;
  }
  std::copy_n(box, tempKey.size(), tempKey.begin());
  return msg.pop(kHandshakeHeaderSize);
}

bool sealData(wire::Message& msg, const Secret32& key, std::uint32_t nonce, bool weAreInitiator) {
  if (msg.headroom() < kDataHeaderSize) return false;
  const std::size_t length = msg.length();
  std::uint8_t* tag = msg.push(crypto_box_MACBYTES);
  std::uint8_t n24[24];
  dataNonce(n24, nonce, weAreInitiator);
  secretboxSeal(tag + crypto_box_MACBYTES, tag, tag + crypto_box_MACBYTES, length, n24, key.data());
  return msg.pushBe32(nonce);
}

bool openData(wire::Message& msg, const Secret32& key, bool weAreInitiator) {
  if (msg.length() < kDataHeaderSize) return false;
  std::uint8_t* p = msg.data();
  std::uint8_t n24[24];
  dataNonce(n24, wire::loadBe32(p), !weAreInitiator);
  std::uint8_t* tag = p + 4;
  std::uint8_t* box = tag + crypto_box_MACBYTES;
  if (!secretboxOpen(box, box, tag, msg.length() - kDataHeaderSize, n24, key.data())) return false;
  return msg.pop(kDataHeaderSize);
}

// ---- session --------------------------------------------------------------

CryptoAuthSession::CryptoAuthSession(const PrivateKey& ourPrivateKey, const PublicKey& herPublicKey,
                                     bool requireAuth, const CryptoAuthUsers* users, Random& rng)
    : ourPrivateKey_(ourPrivateKey),
      herPublicKey_(herPublicKey),
      users_(users),
      rng_(rng),
      requireAuth_(requireAuth) {
  ensureSodium();
  ourPublicKey_ = publicKeyOf(ourPrivateKey_);
  herIp6_ = addressOf(herPublicKey_);
}

CryptoAuthSession::~CryptoAuthSession() {
  wipeString(password_);
  wipeString(login_);
  // The keys and the shared secret wipe themselves (PrivateKey, Secret32).
}

void CryptoAuthSession::setAuth(std::string password, std::string login) {
  const AuthType type = password.empty() ? AuthType::kNone
                        : login.empty()  ? AuthType::kPassword
                                         : AuthType::kLogin;
  if (type != AuthType::kLogin) wipeString(login);
  const bool same = type == authType_ && password == password_ && login == login_;
  if (!same) {
    wipeString(password_);
    wipeString(login_);
    password_ = std::move(password);
    login_ = std::move(login);
    authType_ = type;
    challenge_ = authChallenge(type, password_, login_);
    reset();
  }
  wipeString(password);  // what a move left behind, or the unused copy
  wipeString(login);
}

CryptoAuthState CryptoAuthSession::state() const {
  if (nextNonce_ <= kReceivedKey) return static_cast<CryptoAuthState>(nextNonce_);
  return established_ ? CryptoAuthState::kEstablished : CryptoAuthState::kReceivedKey;
}

void CryptoAuthSession::startClock(std::uint64_t nowMs) {
  if (clockStarted_) return;
  clockStarted_ = true;
  lastPacketSec_ = secondsOf(nowMs);
}

void CryptoAuthSession::resetIfTimeout(std::uint64_t nowMs) {
  startClock(nowMs);
  // A reply to our hello may still come: resetting now would lose it.
  if (nextNonce_ == kSentHello) return;
  const std::uint64_t now = secondsOf(nowMs);
  const std::uint64_t idle = now > lastPacketSec_ ? now - lastPacketSec_ : 0;
  if (idle < timeouts_.setupSeconds) return;
  if (idle < timeouts_.establishedSeconds && established_) return;
  lastPacketSec_ = now;
  clearState();
}

void CryptoAuthSession::clearState() {
  nextNonce_ = 0;
  isInitiator_ = false;
  established_ = false;
  auto temp = ourTempPrivateKey_.mutableBytes();
  sodium_memzero(temp.data(), temp.size());
  ourTempPublicKey_.fill(0);
  herTempPublicKey_.fill(0);
  sharedSecret_.wipe();
}

void CryptoAuthSession::reset() {
  clearState();
  replay_.reset();
}

void CryptoAuthSession::newTempKeyPair() {
  rng_.fill(ourTempPrivateKey_.mutableBytes());
  ourTempPublicKey_ = publicKeyOf(ourTempPrivateKey_);
}

// ---- encrypt --------------------------------------------------------------

bool CryptoAuthSession::encrypt(wire::Message& msg, std::uint64_t nowMs) {
  resetIfTimeout(nowMs);
  if (nextNonce_ >= kMaxNonce) clearState();
  if (nextNonce_ < kFirstData) return encryptHandshake(msg);
  if (msg.headroom() < kDataHeaderSize) return false;
  if (nextNonce_ == kFirstData) {
    // The initiator's first data packet: the Key told us her temporary key.
    if (!handshakeSecret(ourTempPrivateKey_.bytes(), herTempPublicKey_, nullptr, sharedSecret_)) {
      return false;  // not reached: temporary keys are checked on arrival
    }
  }
  if (!sealData(msg, sharedSecret_, nextNonce_, isInitiator_)) return false;
  ++nextNonce_;
  return true;
}

bool CryptoAuthSession::encryptHandshake(wire::Message& msg) {
  if (msg.headroom() < kHandshakeHeaderSize) return false;
  Secret32 passwordSecret;
  const bool withPassword = authType_ != AuthType::kNone;
  if (withPassword) hashPassword(password_, passwordSecret);

  // A Hello is sealed to her permanent key, a Key to the temporary key of her Hello.
  const bool hello = nextNonce_ < kReceivedHello;
  Secret32 key;
  if (!handshakeSecret(ourPrivateKey_.bytes(), hello ? herPublicKey_ : herTempPublicKey_,
                       withPassword ? &passwordSecret : nullptr, key)) {
    return false;
  }
  // Fresh temporary keys for a Hello from INIT and a Key from RECEIVED_HELLO;
  // repeats resend the same one.
  if (nextNonce_ == 0 || nextNonce_ == kReceivedHello) newTempKeyPair();

  const std::size_t payloadLength = msg.length();
  std::uint8_t* h = msg.push(kHandshakeHeaderSize);
  wire::storeBe32(h, nextNonce_);
  rng_.fill({h + kChallengeOffset, kChallengeRandomBytes});
  if (withPassword) {
    std::copy(challenge_.begin(), challenge_.end(), h + kChallengeOffset);
  } else {
    // Type 0: lookup and derivations stay random, "additional" is zero.
    h[kChallengeOffset] = 0;
    h[kAdditionalOffset] = 0;
    h[kAdditionalOffset + 1] = 0;
  }
  std::copy(ourPublicKey_.begin(), ourPublicKey_.end(), h + kPermanentKeyOffset);
  std::copy(ourTempPublicKey_.begin(), ourTempPublicKey_.end(), h + kTempKeyOffset);
  std::uint8_t* box = h + kTempKeyOffset;
  (void)crypto_box_detached_afternm(box, h + kTagOffset, box, payloadLength + 32,
                                    h + kHandshakeNonceOffset, key.data());
  if (hello) {
    isInitiator_ = true;
    nextNonce_ = kSentHello;
  } else {
    nextNonce_ = kSentKey;
  }
  return true;
}

// ---- decrypt --------------------------------------------------------------

DecryptError CryptoAuthSession::decrypt(wire::Message& msg, std::uint64_t nowMs) {
  startClock(nowMs);
  if (msg.length() < kDataHeaderSize) return DecryptError::kRunt;
  const std::uint32_t nonce = wire::loadBe32(msg.data());
  if (!established_) {
    if (nonce < kFirstData) return decryptHandshake(msg, nonce);
    // Data before we have both temporary keys cannot be for this session.
    if (nextNonce_ < kSentKey) return DecryptError::kNoSession;
    return decryptFirstData(msg, nonce, nowMs);
  }
  if (nonce >= kFirstData) return decryptData(msg, nonce, nowMs);
  // A Hello while established: she may have restarted.
  if (nonce <= kRepeatHello) return decryptHandshake(msg, nonce);
  return DecryptError::kKeyPktEstablishedSession;
}

DecryptError CryptoAuthSession::decryptData(wire::Message& msg, std::uint32_t nonce,
                                            std::uint64_t nowMs) {
  if (!openData(msg, sharedSecret_, isInitiator_)) return DecryptError::kDecrypt;
  if (!replay_.check(nonce)) return DecryptError::kReplay;
  lastPacketSec_ = secondsOf(nowMs);
  return DecryptError::kNone;
}

DecryptError CryptoAuthSession::decryptFirstData(wire::Message& msg, std::uint32_t nonce,
                                                 std::uint64_t nowMs) {
  Secret32 key;
  DecryptError result = DecryptError::kDecrypt;
  if (handshakeSecret(ourTempPrivateKey_.bytes(), herTempPublicKey_, nullptr, key) &&
      openData(msg, key, isInitiator_)) {
    result = replay_.check(nonce) ? DecryptError::kNone : DecryptError::kReplay;
  }
  // As cjdns: the window starts after this packet whatever the outcome, so
  // that packets sent before it are not counted as lost.
  replay_.restartAt(nonce + 1);
  if (result != DecryptError::kNone) return result;
  sharedSecret_.bytes = key.bytes;
  established_ = true;
  nextNonce_ += 3;
  lastPacketSec_ = secondsOf(nowMs);
  return DecryptError::kNone;
}

DecryptError CryptoAuthSession::checkAuth(const std::uint8_t* challenge,
                                          CryptoAuthUsers::UserPtr& user) const {
  user = users_ != nullptr ? users_->find(std::span<const std::uint8_t, 12>(challenge, 12)) : nullptr;
  if (user && user->restrictedTo && *user->restrictedTo != herIp6_) return DecryptError::kIpRestricted;
  if (requireAuth_ && !user) return DecryptError::kAuthRequired;
  if (!user && challenge[0] != static_cast<std::uint8_t>(AuthType::kNone)) {
    return DecryptError::kUnrecognizedAuth;
  }
  return DecryptError::kNone;
}

DecryptError CryptoAuthSession::decryptHandshake(wire::Message& msg, std::uint32_t nonce) {
  if (msg.length() < kHandshakeHeaderSize) return DecryptError::kRunt;
  const std::uint8_t* h = msg.data();
  if (!std::equal(herPublicKey_.begin(), herPublicKey_.end(), h + kPermanentKeyOffset)) {
    return DecryptError::kWrongPermPubkey;
  }
  CryptoAuthUsers::UserPtr user;
  if (DecryptError e = checkAuth(h + kChallengeOffset, user); e != DecryptError::kNone) return e;

  const bool hello = nonce <= kRepeatHello;
  // Only the side that sent a Hello can use a Key.
  if (!hello && !isInitiator_) return DecryptError::kStrayKey;
  Secret32 key;
  if (!handshakeSecret(hello ? ourPrivateKey_.bytes() : ourTempPrivateKey_.bytes(), herPublicKey_,
                       user ? &user->secret : nullptr, key)) {
    return DecryptError::kHandshakeDecryptFailed;
  }
  PublicKey temp{};
  if (!openHandshake(msg, key, temp)) return DecryptError::kHandshakeDecryptFailed;
  if (isZero(temp) || hasSmallOrder(temp)) return DecryptError::kWiseguy;

  // Duplicates: a Hello or Key must bring a new temporary key, a RepeatKey
  // the one we have.
  const bool knownTemp = temp == herTempPublicKey_;
  if (nonce == kHello && knownTemp) return DecryptError::kInvalidPacket;
  if (nonce == kKey && nextNonce_ >= kReceivedKey && knownTemp) return DecryptError::kInvalidPacket;
  if (nonce == kRepeatKey && nextNonce_ >= kReceivedKey && !knownTemp) {
    return DecryptError::kInvalidPacket;
  }

  std::uint32_t next = 0;
  if (hello) {
    bool keepState = false;
    if (DecryptError e = acceptHello(temp, next, keepState); e != DecryptError::kNone) return e;
    if (keepState) {
      authenticatedUser_ = std::move(user);
      return DecryptError::kNone;
    }
  } else if (DecryptError e = acceptKey(nonce, temp, next); e != DecryptError::kNone) {
    return e;
  }
  // The state never goes back, and stands still only during the handshake.
  assert(nextNonce_ < next || (nextNonce_ <= kReceivedKey && next == nextNonce_));
  nextNonce_ = next;
  replay_.reset();
  authenticatedUser_ = std::move(user);
  return DecryptError::kNone;
}

DecryptError CryptoAuthSession::acceptKey(std::uint32_t nonce, const PublicKey& temp,
                                          std::uint32_t& next) {
  next = kReceivedKey;
  switch (nextNonce_) {
    case 0:
    case kReceivedHello:
    case kSentKey:
      return DecryptError::kStrayKey;
    case kSentHello:
      herTempPublicKey_ = temp;
      return DecryptError::kNone;
    case kReceivedKey:
      if (nonce == kKey) herTempPublicKey_ = temp;  // a RepeatKey matched already
      return DecryptError::kNone;
    default:
      // We already send data, but she has not answered any: a new Key
      // replaces her temporary key and the data key with it.
      if (nonce == kKey) {
        herTempPublicKey_ = temp;
        if (!handshakeSecret(ourTempPrivateKey_.bytes(), herTempPublicKey_, nullptr,
                             sharedSecret_)) {
          return DecryptError::kWiseguy;  // not reached: temp has no small order
        }
      }
      next = nextNonce_ + 1;
      return DecryptError::kNone;
  }
}

DecryptError CryptoAuthSession::acceptHello(const PublicKey& temp, std::uint32_t& next,
                                            bool& keepState) {
  next = kReceivedHello;
  if (temp == herTempPublicKey_) {
    // A RepeatHello of the Hello we answer: fine while we answer it.
    if (nextNonce_ == kReceivedHello || nextNonce_ == kSentKey) {
      next = nextNonce_;
      return DecryptError::kNone;
    }
    return DecryptError::kInvalidPacket;
  }
  if (nextNonce_ == kSentHello) {
    // Crossed hellos: the side with the higher permanent key yields and
    // answers hers; the lower one keeps its Hello and waits for her Key.
    if (std::memcmp(herPublicKey_.data(), ourPublicKey_.data(), herPublicKey_.size()) >= 0) {
      keepState = true;
      return DecryptError::kNone;
    }
    reset();
  } else if (nextNonce_ != 0) {
    reset();  // a fresh Hello restarts the session
  }
  herTempPublicKey_ = temp;
  return DecryptError::kNone;
}

}  // namespace cjdns::crypto
