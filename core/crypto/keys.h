// Node identity: Curve25519 key pair, the fc00::/8 address derived from the
// public key, and the text forms of both keys (wire.md 2.1-2.4).
#pragma once

#include <array>
#include <cstdint>
#include <iosfwd>
#include <optional>
#include <span>
#include <string>
#include <string_view>

namespace cjdns::crypto {

using PublicKey = std::array<std::uint8_t, 32>;
using Ip6 = std::array<std::uint8_t, 16>;

/// A 32-byte Curve25519 private scalar, stored unclamped as cjdns stores it
/// (libsodium clamps internally). The bytes are wiped when the object dies or
/// is moved from. Copying must be spelled out (PrivateKey copy(key);) so that
/// secret copies do not appear by accident through pass-by-value.
class PrivateKey {
 public:
  static constexpr std::size_t kSize = 32;

  PrivateKey() = default;  // all zero
  explicit PrivateKey(std::span<const std::uint8_t, kSize> bytes);
  explicit PrivateKey(const PrivateKey& other) = default;
  PrivateKey& operator=(const PrivateKey& other) = default;
  PrivateKey(PrivateKey&& other) noexcept;
  PrivateKey& operator=(PrivateKey&& other) noexcept;
  ~PrivateKey();

  std::span<const std::uint8_t, kSize> bytes() const { return bytes_; }
  std::span<std::uint8_t, kSize> mutableBytes() { return bytes_; }

  /// Constant-time comparison (sodium_memcmp).
  friend bool operator==(const PrivateKey& a, const PrivateKey& b);

 private:
  std::array<std::uint8_t, kSize> bytes_{};
};

/// Prints a fixed placeholder, never the key, so that logging or a failing
/// test assertion cannot leak it.
std::ostream& operator<<(std::ostream& os, const PrivateKey& key);

/// crypto_scalarmult_curve25519_base(priv).
PublicKey publicKeyOf(const PrivateKey& key);

/// First 16 bytes of SHA-512(SHA-512(pub)).
Ip6 addressOf(const PublicKey& key);

/// True for fc00::/8, the only addresses a cjdns key may have.
bool isValidAddress(const Ip6& address);

class Random;
/// Draws private keys from `random` until one's address is in fc00::/8
/// (about 1 in 256): deterministic identities for tests and simulation.
PrivateKey drawFcKey(Random& random);

struct Identity {
  PrivateKey privateKey;
  PublicKey publicKey{};
  Ip6 address{};
};

/// Draws random private keys until one gives an fc address (about 1 in 256
/// tries), as cjdroute --genconf and makekeys do.
Identity generateIdentity();

/// Exactly 64 hex digits (either case); nullopt otherwise.
std::optional<PrivateKey> parsePrivateKeyHex(std::string_view text);

/// 64 lowercase hex digits, the cjdroute.conf "privateKey" form. The caller
/// owns the returned secret text and should not keep it longer than needed.
std::string privateKeyHex(const PrivateKey& key);

/// 52 base32 characters followed by ".k".
std::string publicKeyToString(const PublicKey& key);

/// Why a public key string was refused. The checks run in cjdns Key_parse
/// order, so the first failing one decides, as in the real tools.
enum class KeyParseError {
  kNone,
  kTooShort,     ///< fewer than 52 characters (Key_parse_TOO_SHORT)
  kMalformed,    ///< no ".k" right after 52 characters (Key_parse_MALFORMED)
  kDecodeFailed, ///< not base32, or non-zero leftover bits (Key_parse_DECODE_FAILED)
  kInvalid,      ///< decodes, but the address is not fc00::/8 (Key_parse_INVALID)
};

/// Human-readable reason, for error messages.
const char* describe(KeyParseError error);

/// The name cjdns tools print ("Key_parse_TOO_SHORT", ...; "none" for None).
const char* cjdnsName(KeyParseError error);

/// What to do with characters after a valid "....k".
enum class TrailingText {
  kReject, ///< our default: the key must be exactly 54 characters (else Malformed)
  kIgnore, ///< cjdns behaviour: Key_parse never looks past offset 53
};

struct ParsedKey {
  PublicKey key{};
  Ip6 address{};  ///< filled whenever the base32 decoded
  KeyParseError error = KeyParseError::kNone;

  bool ok() const { return error == KeyParseError::kNone; }
};

/// Parses "<52 base32 chars>.k". Upper- and mixed-case base32 is accepted;
/// the suffix must be a lower-case ".k".
ParsedKey parsePublicKey(std::string_view text, TrailingText trailing = TrailingText::kReject);

/// Calls sodium_init() once (thread-safe); aborts if libsodium cannot start,
/// since no key can be made or checked without it.
void ensureSodium();

}  // namespace cjdns::crypto
