#include "core/crypto/keys.h"

#include <sodium.h>

#include <algorithm>
#include <cstdlib>
#include <ostream>

#include "core/crypto/base32.h"
#include "core/crypto/random.h"
#include "core/util/hex.h"

namespace cjdns::crypto {
namespace {

constexpr std::size_t kKeyTextChars = 52;               // base32 of 32 bytes
constexpr std::size_t kKeyStringSize = kKeyTextChars + 2;  // plus ".k"
constexpr std::uint8_t kAddressPrefix = 0xfc;

}  // namespace

void ensureSodium() {
  // A function-local static is initialised exactly once even with threads.
  static const bool started = sodium_init() >= 0;
  if (!started) std::abort();
}

PrivateKey::PrivateKey(std::span<const std::uint8_t, kSize> bytes) {
  std::copy(bytes.begin(), bytes.end(), bytes_.begin());
}

PrivateKey::PrivateKey(PrivateKey&& other) noexcept : bytes_(other.bytes_) {
  sodium_memzero(other.bytes_.data(), other.bytes_.size());
}

PrivateKey& PrivateKey::operator=(PrivateKey&& other) noexcept {
  if (this != &other) {
    bytes_ = other.bytes_;
    sodium_memzero(other.bytes_.data(), other.bytes_.size());
  }
  return *this;
}

PrivateKey::~PrivateKey() { sodium_memzero(bytes_.data(), bytes_.size()); }

bool operator==(const PrivateKey& a, const PrivateKey& b) {
  return sodium_memcmp(a.bytes_.data(), b.bytes_.data(), PrivateKey::kSize) == 0;
}

std::ostream& operator<<(std::ostream& os, const PrivateKey&) {
  return os << "[private key]";
}

PublicKey publicKeyOf(const PrivateKey& key) {
  ensureSodium();
  PublicKey pub{};
  // Cannot fail: a clamped scalar is a multiple of 8 in [2^254, 2^255), and
  // the base point's order l is odd with 8*l > 2^255, so the product is never
  // the identity (the only result libsodium refuses).
  (void)crypto_scalarmult_curve25519_base(pub.data(), key.bytes().data());
  return pub;
}

Ip6 addressOf(const PublicKey& key) {
  ensureSodium();
  std::array<std::uint8_t, crypto_hash_sha512_BYTES> first{};
  std::array<std::uint8_t, crypto_hash_sha512_BYTES> second{};
  crypto_hash_sha512(first.data(), key.data(), key.size());
  crypto_hash_sha512(second.data(), first.data(), first.size());
  Ip6 out{};
  std::copy_n(second.begin(), out.size(), out.begin());
  return out;
}

bool isValidAddress(const Ip6& address) { return address[0] == kAddressPrefix; }

Identity generateIdentity() {
  ensureSodium();
  Identity id;
  for (;;) {
    auto priv = id.privateKey.mutableBytes();
    randombytes_buf(priv.data(), priv.size());
    id.publicKey = publicKeyOf(id.privateKey);
    id.address = addressOf(id.publicKey);
    if (isValidAddress(id.address)) return id;
  }
}

std::optional<PrivateKey> parsePrivateKeyHex(std::string_view text) {
  PrivateKey key;
  if (!util::fromHex(text, key.mutableBytes())) return std::nullopt;
  return key;
}

std::string privateKeyHex(const PrivateKey& key) { return util::toHex(key.bytes()); }

std::string publicKeyToString(const PublicKey& key) { return base32Encode(key) + ".k"; }

const char* describe(KeyParseError error) {
  switch (error) {
    case KeyParseError::kNone: return "no error";
    case KeyParseError::kTooShort: return "public key is shorter than 52 characters";
    case KeyParseError::kMalformed:
      return "public key must be 52 base32 characters followed by \".k\"";
    case KeyParseError::kDecodeFailed: return "public key is not valid cjdns base32";
    case KeyParseError::kInvalid: return "public key does not give an fc00::/8 address";
  }
  return "unknown key parse error";
}

const char* cjdnsName(KeyParseError error) {
  switch (error) {
    case KeyParseError::kNone: return "none";
    case KeyParseError::kTooShort: return "Key_parse_TOO_SHORT";
    case KeyParseError::kMalformed: return "Key_parse_MALFORMED";
    case KeyParseError::kDecodeFailed: return "Key_parse_DECODE_FAILED";
    case KeyParseError::kInvalid: return "Key_parse_INVALID";
  }
  return "unknown";
}

ParsedKey parsePublicKey(std::string_view text, TrailingText trailing) {
  ParsedKey out;
  if (text.size() < kKeyTextChars) {
    out.error = KeyParseError::kTooShort;
    return out;
  }
  // cjdns reads offsets 52 and 53 even when the string has only 52 or 53
  // characters (it sees the terminating NUL); both cases are Malformed.
  bool suffixOk = text.size() >= kKeyStringSize && text[52] == '.' && text[53] == 'k';
  if (!suffixOk || (trailing == TrailingText::kReject && text.size() != kKeyStringSize)) {
    out.error = KeyParseError::kMalformed;
    return out;
  }
  auto decoded = base32Decode(text.substr(0, kKeyTextChars));
  if (!decoded || decoded->size() != out.key.size()) {
    out.error = KeyParseError::kDecodeFailed;
    return out;
  }
  std::copy(decoded->begin(), decoded->end(), out.key.begin());
  out.address = addressOf(out.key);
  if (!isValidAddress(out.address)) out.error = KeyParseError::kInvalid;
  return out;
}

PrivateKey drawFcKey(Random& random) {
  while (true) {
    std::array<std::uint8_t, PrivateKey::kSize> b{};
    random.fill(b);
    PrivateKey k(b);
    if (isValidAddress(addressOf(publicKeyOf(k)))) return k;
  }
}

}  // namespace cjdns::crypto
