// Signed reachability announcements ("ann") a subnode sends to its supernode
// (upper.md 1.15): the Ed25519 signing key cjdns derives from the node's
// Curve25519 key, the binary message (120-byte header, then items), a strict
// parser, and the message log both sides keep to agree on a state hash.
//
//   [signature 64][signing key 32][snode IPv6 16][ts<<4 | reset<<3 | ver 8][items...]
//
// The signature covers bytes 64..end. Items are [length][type][payload];
// a 1-byte item is alignment padding. Nothing here does I/O or reads a clock.
#pragma once

#include <array>
#include <cstddef>
#include <cstdint>
#include <optional>
#include <span>
#include <variant>
#include <vector>

#include "core/crypto/keys.h"
#include "core/crypto/random.h"

namespace cjdns::routing {

using SigningPublicKey = std::array<std::uint8_t, 32>;
using Signature = std::array<std::uint8_t, 64>;
using StateHash = std::array<std::uint8_t, 64>;

// ---- Signing ---------------------------------------------------------------

/// Our Ed25519 signing key, derived from the Curve25519 private key the way
/// cjdns does it: clamp (clear bits 0-2 and 255, set bit 254) and use the
/// result directly as the Ed25519 scalar (no SHA-512 expansion). The scalar
/// is wiped when the object dies; it cannot be copied.
class SigningKey {
 public:
  explicit SigningKey(const crypto::PrivateKey& curveKey);
  SigningKey(const SigningKey&) = delete;
  SigningKey& operator=(const SigningKey&) = delete;
  ~SigningKey();

  /// scalar·B, what goes in the announcement header.
  const SigningPublicKey& publicKey() const { return public_; }

  /// Standard Ed25519 except the nonce: r = SHA-512(scalar ‖ 32 random
  /// bytes) mod L, since there is no seed to derive it from. Any standard
  /// verifier accepts the result.
  Signature sign(std::span<const std::uint8_t> message, crypto::Random& random) const;

 private:
  std::array<std::uint8_t, 32> scalar_{};
  SigningPublicKey public_{};
};

/// crypto_sign_verify_detached: the standard (strict) Ed25519 verifier.
bool verifySignature(const Signature& signature, std::span<const std::uint8_t> message,
                     const SigningPublicKey& key);

/// The node's Curve25519 public key (hence its fc address) from its signing
/// key, by the Edwards-to-Montgomery map; nullopt for a key that is not a
/// valid point of the main subgroup.
std::optional<crypto::PublicKey> curveKeyOfSigningKey(const SigningPublicKey& key);

// ---- Varints ---------------------------------------------------------------

/// Bitcoin-style length prefixes (< 0xfd: one byte; 0xfd + 2, 0xfe + 4,
/// 0xff + 8 bytes) with the multi-byte payload big-endian. Always minimal.
std::size_t varintSize(std::uint64_t value);
void appendVarint(std::vector<std::uint8_t>& out, std::uint64_t value);
/// Reads one varint from the front of `in` and advances it; nullopt (in
/// unchanged) when it is truncated or not in its minimal form.
std::optional<std::uint64_t> readVarint(std::span<const std::uint8_t>& in);

// ---- Items -----------------------------------------------------------------

enum class AnnItemType : std::uint8_t {
  kEncodingScheme = 0,
  kPeer = 1,
  kVersion = 2,
  kLinkState = 3,
};

inline constexpr std::size_t kAnnHeaderSize = 120;
inline constexpr std::uint8_t kAnnHeaderVersion = 1;
inline constexpr std::size_t kPeerItemSize = 32;
inline constexpr std::size_t kVersionItemSize = 4;
inline constexpr std::size_t kMaxItemSize = 255;
/// Link state history per peer; startSlot is below this.
inline constexpr std::uint8_t kLinkStateSlots = 18;
/// The builder keeps the body (items and pads) within this; the rest goes
/// in the next message (cjdns MSG_SIZE_LIMIT).
inline constexpr std::size_t kAnnMaxBody = 700;
/// cjdns builds announcements in a 1300-byte buffer; anything longer is refused.
inline constexpr std::size_t kAnnMaxSize = 1300;
/// Snode and subnode drop messages this much older than the newest one.
inline constexpr std::uint64_t kAgreedTimeoutMs = 20 * 60 * 1000;
inline constexpr std::uint64_t kMaxTimestamp = (std::uint64_t{1} << 60) - 1;

/// The node's label scheme in its compressed "es" form
/// (switching::EncodingScheme::serialize; 358 is 5 bytes).
struct EncodingSchemeItem {
  std::vector<std::uint8_t> scheme;
  friend bool operator==(const EncodingSchemeItem&, const EncodingSchemeItem&) = default;
};

/// A link from a peer to us. label 0 withdraws the link.
struct PeerItem {
  std::uint8_t encodingFormNum = 0;  ///< form of our label to the peer
  std::uint8_t flags = 0;
  std::uint16_t mtu8 = 0;            ///< MTU / 8; 0 = unknown
  std::uint16_t peerNum = 0xffff;    ///< low 16 bits of our label to the peer
  std::uint32_t unused = 0xffffffff;
  crypto::Ip6 ip6{};                 ///< the peer
  std::uint32_t label = 0;           ///< path from the peer to us, in its numbering
  friend bool operator==(const PeerItem&, const PeerItem&) = default;
};

/// Our protocol version; a snode wants one in the first message.
struct VersionItem {
  std::uint16_t version = 0;
  friend bool operator==(const VersionItem&, const VersionItem&) = default;
};

/// One 10-second window of a link, as the ReachabilityCollector measures it.
struct LinkSample {
  std::uint64_t lagMs = 0;
  std::uint64_t dropRate = 0;  ///< drops·2^18/packets, capped at 0xfffe
  std::uint64_t kbRecv = 0;
  friend bool operator==(const LinkSample&, const LinkSample&) = default;
};

/// Samples of the link to peer `nodeId` (its peerNum) for slots startSlot,
/// startSlot+1, ... modulo 18.
struct LinkStateItem {
  std::uint8_t padCount = 0;  ///< zero bytes after the 3-byte item header
  std::uint16_t nodeId = 0;
  std::uint8_t startSlot = 0;
  std::vector<LinkSample> samples;
  friend bool operator==(const LinkStateItem&, const LinkStateItem&) = default;
};

using AnnItem = std::variant<VersionItem, EncodingSchemeItem, PeerItem, LinkStateItem>;

/// The item's bytes, length byte first, without alignment padding; nullopt
/// when it cannot be sent (scheme empty or unparsable, startSlot >= 18,
/// item over 255 bytes).
std::optional<std::vector<std::uint8_t>> encodeItem(const AnnItem& item);

// ---- Header, builder -------------------------------------------------------

struct AnnouncementHeader {
  Signature signature{};
  SigningPublicKey signingKey{};
  crypto::Ip6 snodeIp{};          ///< the snode this message is for
  std::uint64_t timestamp = 0;    ///< ms, snode clock, below 2^60
  bool reset = false;             ///< the snode drops all earlier messages
  std::uint8_t version = kAnnHeaderVersion;
};

/// Collects items into one message body. Each item starts 4-byte aligned
/// (LINK_STATE 8) from the start of the message, with 1-byte pad items in
/// front of it as cjdns inserts them; no pad follows the last item.
class AnnouncementBuilder {
 public:
  /// timestampMs must be below 2^60.
  AnnouncementBuilder(const crypto::Ip6& snodeIp, std::uint64_t timestampMs, bool reset);

  enum class AddResult { kAdded, kFull, kInvalid };
  /// kFull when the item and its pads would take the body past 700 bytes.
  AddResult add(const AnnItem& item);

  struct AddAllResult {
    std::vector<AnnItem> didNotFit;  ///< from the first item that did not fit on, in order
    std::size_t invalid = 0;         ///< invalid items, dropped
  };
  AddAllResult addAll(std::span<const AnnItem> items);

  std::size_t bodySize() const { return body_.size(); }
  std::size_t itemCount() const { return items_; }

  /// The whole message, signed by `key`.
  std::vector<std::uint8_t> sign(const SigningKey& key, crypto::Random& random) const;

 private:
  crypto::Ip6 snodeIp_;
  std::uint64_t timestamp_;
  bool reset_;
  std::vector<std::uint8_t> body_;
  std::size_t items_ = 0;
};

// ---- Parser ----------------------------------------------------------------

enum class AnnParseError {
  kNone,
  kTooShort,           ///< under 120 bytes
  kTooLong,            ///< over 1300 bytes
  kBadHeaderVersion,   ///< header version is not 1
  kBadSignature,
  kBadSigningKey,      ///< no Curve25519 key maps to it
  kNotFcAddress,       ///< the key's address is not in fc00::/8
  kZeroLengthItem,
  kItemPastEnd,        ///< an item's length runs past the message
  kTruncatedItem,      ///< too short for its type (or its LINK_STATE padding)
  kBadItemLength,      ///< longer than its fixed-size type allows
  kBadEncodingScheme,  ///< empty or not a sane scheme
  kBadPadding,         ///< LINK_STATE padding that is not zero
  kBadVarint,          ///< truncated or not minimal
  kBadLinkState,       ///< startSlot >= 18, nodeId over 16 bits, partial sample
};
const char* describe(AnnParseError error);

/// A verified announcement: its exact bytes (for the state hash) and what
/// they say. Pads and items of unknown type are skipped.
struct ParsedAnnouncement {
  std::vector<std::uint8_t> bytes;
  AnnouncementHeader header;
  crypto::PublicKey nodeKey{};   ///< recovered from header.signingKey
  crypto::Ip6 nodeIp{};
  std::vector<AnnItem> items;    ///< in message order
  std::size_t unknownItems = 0;  ///< skipped for forward compatibility
};

/// Checks size, header version, signature and key, then reads every item;
/// the first failure decides. `out` is complete only on kNone.
AnnParseError parseAnnouncement(std::span<const std::uint8_t> bytes, ParsedAnnouncement& out);

// ---- State -----------------------------------------------------------------

/// One fold step: SHA-512(hash ‖ message).
StateHash foldStateHash(const StateHash& hash, std::span<const std::uint8_t> message);

/// The messages a snode holds for one node, as both sides track them
/// ("snodeState"). Accepting a message prunes older ones all of whose
/// VERSION, ENCODING_SCHEME and PEER (by peerNum) items newer messages
/// replace; LINK_STATE and unknown items never keep a message. The snode
/// also drops messages over 20 minutes older than the newest; the subnode
/// keeps them (ExpiryPolicy::kKeep) and learns that its state will not
/// match, as cjdns does.
class AnnouncementLog {
 public:
  enum class ExpiryPolicy { kDrop, kKeep };
  explicit AnnouncementLog(ExpiryPolicy policy = ExpiryPolicy::kDrop) : policy_(policy) {}

  struct AcceptResult {
    bool wasReset = false;          ///< the message's reset flag cleared the log first
    std::size_t redundantDropped = 0;
    std::size_t expiredDropped = 0;
    std::size_t expiredKept = 0;    ///< kKeep only: the snode will have dropped these
  };
  /// Appends `message` as the newest and prunes.
  AcceptResult accept(ParsedAnnouncement message);

  void clear() { messages_.clear(); }
  /// Folded oldest to newest from 64 zero bytes.
  StateHash stateHash() const;
  /// Oldest first.
  const std::vector<ParsedAnnouncement>& messages() const { return messages_; }

 private:
  std::size_t pruneRedundant();
  std::size_t pruneExpired(bool drop);

  ExpiryPolicy policy_;
  std::vector<ParsedAnnouncement> messages_;
};

}  // namespace cjdns::routing
