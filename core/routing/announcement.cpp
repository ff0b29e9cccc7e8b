#include "core/routing/announcement.h"

#include <sodium.h>

#include <algorithm>
#include <cassert>
#include <cstring>
#include <type_traits>

#include "core/switch/encoding-scheme.h"
#include "core/wire/endian.h"

namespace cjdns::routing {

namespace {

using Bytes = std::span<const std::uint8_t>;

constexpr std::size_t kSignedFrom = 64;  // the signature covers bytes 64..end
constexpr std::size_t kKeyOffset = 64;
constexpr std::size_t kSnodeIpOffset = 96;
constexpr std::size_t kTimestampOffset = 112;
constexpr std::size_t kLinkStateHeader = 3;  // length, type, padCount

// ---- signing helpers ----

/// x mod L for a 32-byte little-endian scalar.
std::array<std::uint8_t, 32> reduceScalar(std::span<const std::uint8_t, 32> x) {
  std::array<std::uint8_t, 64> wide{};
  std::copy(x.begin(), x.end(), wide.begin());
  std::array<std::uint8_t, 32> out{};
  crypto_core_ed25519_scalar_reduce(out.data(), wide.data());
  return out;
}

/// SHA-512(R ‖ A ‖ M) mod L, the Ed25519 challenge.
std::array<std::uint8_t, 32> challenge(const std::uint8_t* r, const SigningPublicKey& a, Bytes m) {
  crypto_hash_sha512_state st;
  crypto_hash_sha512_init(&st);
  crypto_hash_sha512_update(&st, r, 32);
  crypto_hash_sha512_update(&st, a.data(), a.size());
  crypto_hash_sha512_update(&st, m.data(), m.size());
  std::array<std::uint8_t, 64> digest{};
  crypto_hash_sha512_final(&st, digest.data());
  std::array<std::uint8_t, 32> h{};
  crypto_core_ed25519_scalar_reduce(h.data(), digest.data());
  return h;
}

/// The nonce scalar: SHA-512(scalar ‖ 32 random bytes) mod L.
std::array<std::uint8_t, 32> nonceScalar(const std::array<std::uint8_t, 32>& scalar, crypto::Random& random) {
  std::array<std::uint8_t, 64> input{};
  std::copy(scalar.begin(), scalar.end(), input.begin());
  random.fill(std::span(input).subspan(32));
  std::array<std::uint8_t, 64> digest{};
  crypto_hash_sha512(digest.data(), input.data(), input.size());
  std::array<std::uint8_t, 32> r{};
  crypto_core_ed25519_scalar_reduce(r.data(), digest.data());
  sodium_memzero(input.data(), input.size());
  sodium_memzero(digest.data(), digest.size());
  return r;
}

// ---- item encoding ----

void appendBe16(std::vector<std::uint8_t>& out, std::uint16_t v) {
  out.push_back(static_cast<std::uint8_t>(v >> 8));
  out.push_back(static_cast<std::uint8_t>(v));
}

void appendBe32(std::vector<std::uint8_t>& out, std::uint32_t v) {
  appendBe16(out, static_cast<std::uint16_t>(v >> 16));
  appendBe16(out, static_cast<std::uint16_t>(v));
}

/// Sets the length byte; false if the item is over 255 bytes.
bool finishItem(std::vector<std::uint8_t>& item) {
  if (item.size() > kMaxItemSize) return false;
  item[0] = static_cast<std::uint8_t>(item.size());
  return true;
}

std::optional<std::vector<std::uint8_t>> encodeVersion(const VersionItem& v) {
  std::vector<std::uint8_t> out{static_cast<std::uint8_t>(kVersionItemSize),
                                static_cast<std::uint8_t>(AnnItemType::kVersion)};
  appendBe16(out, v.version);
  return out;
}

std::optional<std::vector<std::uint8_t>> encodeScheme(const EncodingSchemeItem& s) {
  if (s.scheme.empty() || !switching::EncodingScheme::deserialize(s.scheme)) return std::nullopt;
  std::vector<std::uint8_t> out{0, static_cast<std::uint8_t>(AnnItemType::kEncodingScheme)};
  out.insert(out.end(), s.scheme.begin(), s.scheme.end());
  if (!finishItem(out)) return std::nullopt;
  return out;
}

std::optional<std::vector<std::uint8_t>> encodePeer(const PeerItem& p) {
  std::vector<std::uint8_t> out{static_cast<std::uint8_t>(kPeerItemSize), static_cast<std::uint8_t>(AnnItemType::kPeer),
                                p.encodingFormNum, p.flags};
  appendBe16(out, p.mtu8);
  appendBe16(out, p.peerNum);
  appendBe32(out, p.unused);
  out.insert(out.end(), p.ip6.begin(), p.ip6.end());
  appendBe32(out, p.label);
  return out;
}

std::optional<std::vector<std::uint8_t>> encodeLinkState(const LinkStateItem& ls) {
  if (ls.startSlot >= kLinkStateSlots) return std::nullopt;
  std::vector<std::uint8_t> out{0, static_cast<std::uint8_t>(AnnItemType::kLinkState), ls.padCount};
  out.insert(out.end(), ls.padCount, 0);
  appendVarint(out, ls.nodeId);
  appendVarint(out, ls.startSlot);
  for (const LinkSample& s : ls.samples) {
    appendVarint(out, s.lagMs);
    appendVarint(out, s.dropRate);
    appendVarint(out, s.kbRecv);
  }
  if (!finishItem(out)) return std::nullopt;
  return out;
}

std::size_t alignmentOf(const AnnItem& item) {
  return std::holds_alternative<LinkStateItem>(item) ? 8 : 4;
}

// ---- item parsing ----

/// Reads items from `body` into `out`; the first malformed one decides.
class ItemReader {
 public:
  explicit ItemReader(ParsedAnnouncement& out) : out_(out) {}

  AnnParseError readAll(Bytes body) {
    while (!body.empty()) {
      const std::size_t len = body[0];
      if (len == 0) return AnnParseError::kZeroLengthItem;
      if (len > body.size()) return AnnParseError::kItemPastEnd;
      if (len > 1) {
        const AnnParseError e = readItem(body.first(len));
        if (e != AnnParseError::kNone) return e;
      }
      body = body.subspan(len);
    }
    return AnnParseError::kNone;
  }

 private:
  /// One item of at least 2 bytes (length and type).
  AnnParseError readItem(Bytes item) {
    switch (item[1]) {
      case static_cast<std::uint8_t>(AnnItemType::kEncodingScheme): return readScheme(item);
      case static_cast<std::uint8_t>(AnnItemType::kPeer): return readPeer(item);
      case static_cast<std::uint8_t>(AnnItemType::kVersion): return readVersion(item);
      case static_cast<std::uint8_t>(AnnItemType::kLinkState): return readLinkState(item);
      default: ++out_.unknownItems; return AnnParseError::kNone;
    }
  }

  static AnnParseError checkFixedSize(Bytes item, std::size_t size) {
    if (item.size() < size) return AnnParseError::kTruncatedItem;
    if (item.size() > size) return AnnParseError::kBadItemLength;
    return AnnParseError::kNone;
  }

  AnnParseError readScheme(Bytes item) {
    const Bytes scheme = item.subspan(2);
    if (scheme.empty()) return AnnParseError::kTruncatedItem;
    if (!switching::EncodingScheme::deserialize(scheme)) return AnnParseError::kBadEncodingScheme;
    out_.items.emplace_back(EncodingSchemeItem{{scheme.begin(), scheme.end()}});
    return AnnParseError::kNone;
  }

  AnnParseError readPeer(Bytes item) {
    if (const AnnParseError e = checkFixedSize(item, kPeerItemSize); e != AnnParseError::kNone) return e;
    PeerItem p;
    p.encodingFormNum = item[2];
    p.flags = item[3];
    p.mtu8 = wire::loadBe16(&item[4]);
    p.peerNum = wire::loadBe16(&item[6]);
    p.unused = wire::loadBe32(&item[8]);
    std::copy_n(&item[12], p.ip6.size(), p.ip6.begin());
    p.label = wire::loadBe32(&item[28]);
    out_.items.emplace_back(p);
    return AnnParseError::kNone;
  }

  AnnParseError readVersion(Bytes item) {
    if (const AnnParseError e = checkFixedSize(item, kVersionItemSize); e != AnnParseError::kNone) return e;
    out_.items.emplace_back(VersionItem{wire::loadBe16(&item[2])});
    return AnnParseError::kNone;
  }

  AnnParseError readLinkState(Bytes item) {
    if (item.size() < kLinkStateHeader) return AnnParseError::kTruncatedItem;
    LinkStateItem ls;
    ls.padCount = item[2];
    if (item.size() < kLinkStateHeader + ls.padCount) return AnnParseError::kTruncatedItem;
    const Bytes pad = item.subspan(kLinkStateHeader, ls.padCount);
    if (std::any_of(pad.begin(), pad.end(), [](std::uint8_t b) { return b != 0; })) {
      return AnnParseError::kBadPadding;
    }
    Bytes rest = item.subspan(kLinkStateHeader + ls.padCount);
    const auto nodeId = readVarint(rest);
    const auto startSlot = nodeId ? readVarint(rest) : std::nullopt;
    if (!startSlot) return AnnParseError::kBadVarint;
    if (*nodeId > 0xffff || *startSlot >= kLinkStateSlots) return AnnParseError::kBadLinkState;
    ls.nodeId = static_cast<std::uint16_t>(*nodeId);
    ls.startSlot = static_cast<std::uint8_t>(*startSlot);
    const AnnParseError e = readSamples(rest, ls.samples);
    if (e != AnnParseError::kNone) return e;
    out_.items.emplace_back(std::move(ls));
    return AnnParseError::kNone;
  }

  /// Whole (lag, drop, kb) triples until the item ends.
  static AnnParseError readSamples(Bytes rest, std::vector<LinkSample>& out) {
    while (!rest.empty()) {
      std::uint64_t v[3];
      for (std::uint64_t& x : v) {
        if (rest.empty()) return AnnParseError::kBadLinkState;
        const auto value = readVarint(rest);
        if (!value) return AnnParseError::kBadVarint;
        x = *value;
      }
      out.push_back({v[0], v[1], v[2]});
    }
    return AnnParseError::kNone;
  }

  ParsedAnnouncement& out_;
};

AnnParseError readHeader(Bytes bytes, AnnouncementHeader& h) {
  std::copy_n(bytes.begin(), h.signature.size(), h.signature.begin());
  std::copy_n(bytes.begin() + kKeyOffset, h.signingKey.size(), h.signingKey.begin());
  std::copy_n(bytes.begin() + kSnodeIpOffset, h.snodeIp.size(), h.snodeIp.begin());
  const std::uint64_t word = wire::loadBe64(&bytes[kTimestampOffset]);
  h.timestamp = word >> 4;
  h.reset = ((word >> 3) & 1) != 0;
  h.version = static_cast<std::uint8_t>(word & 7);
  return h.version == kAnnHeaderVersion ? AnnParseError::kNone : AnnParseError::kBadHeaderVersion;
}

AnnParseError checkSigner(Bytes bytes, ParsedAnnouncement& out) {
  const AnnouncementHeader& h = out.header;
  if (!verifySignature(h.signature, bytes.subspan(kSignedFrom), h.signingKey)) return AnnParseError::kBadSignature;
  const auto curve = curveKeyOfSigningKey(h.signingKey);
  if (!curve) return AnnParseError::kBadSigningKey;
  out.nodeKey = *curve;
  out.nodeIp = crypto::addressOf(*curve);
  return crypto::isValidAddress(out.nodeIp) ? AnnParseError::kNone : AnnParseError::kNotFcAddress;
}

/// What makes an item replace an older one: its type, and for PEER its peerNum.
struct ItemKey {
  AnnItemType type;
  std::uint16_t peerNum;
  friend bool operator==(const ItemKey&, const ItemKey&) = default;
};

/// nullopt for items that never keep a message alive (LINK_STATE).
std::optional<ItemKey> replaceKeyOf(const AnnItem& item) {
  if (std::holds_alternative<VersionItem>(item)) return ItemKey{AnnItemType::kVersion, 0};
  if (std::holds_alternative<EncodingSchemeItem>(item)) return ItemKey{AnnItemType::kEncodingScheme, 0};
  if (const auto* p = std::get_if<PeerItem>(&item)) return ItemKey{AnnItemType::kPeer, p->peerNum};
  return std::nullopt;
}

}  // namespace

// ---- Signing ----

SigningKey::SigningKey(const crypto::PrivateKey& curveKey) {
  crypto::ensureSodium();
  std::copy(curveKey.bytes().begin(), curveKey.bytes().end(), scalar_.begin());
  scalar_[0] &= 0xf8;
  scalar_[31] &= 0x7f;
  scalar_[31] |= 0x40;
  // Bit 254 is set, so the scalar is never zero and the point never the identity.
  const int rc = crypto_scalarmult_ed25519_base_noclamp(public_.data(), scalar_.data());
  assert(rc == 0);
  (void)rc;
}

SigningKey::~SigningKey() { sodium_memzero(scalar_.data(), scalar_.size()); }

Signature SigningKey::sign(std::span<const std::uint8_t> message, crypto::Random& random) const {
  Signature sig{};
  std::array<std::uint8_t, 32> r{};
  // r·B fails only for r = 0 mod L, which a hash practically never gives.
  do {
    r = nonceScalar(scalar_, random);
  } while (crypto_scalarmult_ed25519_base_noclamp(sig.data(), r.data()) != 0);
  const auto h = challenge(sig.data(), public_, message);
  auto a = reduceScalar(scalar_);
  std::array<std::uint8_t, 32> ha{};
  crypto_core_ed25519_scalar_mul(ha.data(), h.data(), a.data());
  crypto_core_ed25519_scalar_add(sig.data() + 32, r.data(), ha.data());
  sodium_memzero(r.data(), r.size());
  sodium_memzero(a.data(), a.size());
  sodium_memzero(ha.data(), ha.size());
  return sig;
}

bool verifySignature(const Signature& signature, std::span<const std::uint8_t> message, const SigningPublicKey& key) {
  crypto::ensureSodium();
  return crypto_sign_verify_detached(signature.data(), message.data(), message.size(), key.data()) == 0;
}

std::optional<crypto::PublicKey> curveKeyOfSigningKey(const SigningPublicKey& key) {
  crypto::ensureSodium();
  crypto::PublicKey out{};
  if (crypto_sign_ed25519_pk_to_curve25519(out.data(), key.data()) != 0) return std::nullopt;
  return out;
}

// ---- Varints ----

std::size_t varintSize(std::uint64_t value) {
  if (value < 0xfd) return 1;
  if (value <= 0xffff) return 3;
  if (value <= 0xffffffff) return 5;
  return 9;
}

void appendVarint(std::vector<std::uint8_t>& out, std::uint64_t value) {
  const std::size_t size = varintSize(value);
  if (size == 1) {
    out.push_back(static_cast<std::uint8_t>(value));
    return;
  }
  out.push_back(size == 3 ? 0xfd : size == 5 ? 0xfe : 0xff);
  for (std::size_t shift = (size - 1) * 8; shift > 0; shift -= 8) {
    out.push_back(static_cast<std::uint8_t>(value >> (shift - 8)));
  }
}

std::optional<std::uint64_t> readVarint(std::span<const std::uint8_t>& in) {
  if (in.empty()) return std::nullopt;
  const std::uint8_t prefix = in[0];
  const std::size_t payload = prefix < 0xfd ? 0 : prefix == 0xfd ? 2 : prefix == 0xfe ? 4 : 8;
  if (payload == 0) {
    in = in.subspan(1);
    return prefix;
  }
  if (in.size() < 1 + payload) return std::nullopt;
  std::uint64_t value = 0;
  for (std::size_t i = 1; i <= payload; ++i) value = (value << 8) | in[i];
  if (varintSize(value) != 1 + payload) return std::nullopt;  // not minimal
  in = in.subspan(1 + payload);
  return value;
}

// ---- Items ----

std::optional<std::vector<std::uint8_t>> encodeItem(const AnnItem& item) {
  struct Encoder {
    auto operator()(const VersionItem& v) const { return encodeVersion(v); }
    auto operator()(const EncodingSchemeItem& s) const { return encodeScheme(s); }
    auto operator()(const PeerItem& p) const { return encodePeer(p); }
    auto operator()(const LinkStateItem& ls) const { return encodeLinkState(ls); }
  };
  return std::visit(Encoder{}, item);
}

// ---- Builder ----

AnnouncementBuilder::AnnouncementBuilder(const crypto::Ip6& snodeIp, std::uint64_t timestampMs, bool reset)
    : snodeIp_(snodeIp), timestamp_(timestampMs), reset_(reset) {
  assert(timestampMs <= kMaxTimestamp);
}

AnnouncementBuilder::AddResult AnnouncementBuilder::add(const AnnItem& item) {
  const auto bytes = encodeItem(item);
  if (!bytes) return AddResult::kInvalid;
  const std::size_t align = alignmentOf(item);
  const std::size_t pads = (align - (kAnnHeaderSize + body_.size()) % align) % align;
  if (body_.size() + pads + bytes->size() > kAnnMaxBody) return AddResult::kFull;
  body_.insert(body_.end(), pads, 1);
  body_.insert(body_.end(), bytes->begin(), bytes->end());
  ++items_;
  return AddResult::kAdded;
}

AnnouncementBuilder::AddAllResult AnnouncementBuilder::addAll(std::span<const AnnItem> items) {
  AddAllResult result;
  for (std::size_t i = 0; i < items.size(); ++i) {
    const AddResult r = add(items[i]);
    if (r == AddResult::kInvalid) ++result.invalid;
    if (r == AddResult::kFull) {
      result.didNotFit.assign(items.begin() + static_cast<std::ptrdiff_t>(i), items.end());
      break;
    }
  }
  return result;
}

std::vector<std::uint8_t> AnnouncementBuilder::sign(const SigningKey& key, crypto::Random& random) const {
  std::vector<std::uint8_t> out(kAnnHeaderSize);
  std::copy(key.publicKey().begin(), key.publicKey().end(), out.begin() + kKeyOffset);
  std::copy(snodeIp_.begin(), snodeIp_.end(), out.begin() + kSnodeIpOffset);
  const std::uint64_t word = (timestamp_ << 4) | (std::uint64_t{reset_} << 3) | kAnnHeaderVersion;
  wire::storeBe64(&out[kTimestampOffset], word);
  out.insert(out.end(), body_.begin(), body_.end());
  const Signature sig = key.sign(std::span(out).subspan(kSignedFrom), random);
  std::copy(sig.begin(), sig.end(), out.begin());
  return out;
}

// ---- Parser ----

const char* describe(AnnParseError error) {
  switch (error) {
    case AnnParseError::kNone: return "ok";
    case AnnParseError::kTooShort: return "shorter than the 120-byte header";
    case AnnParseError::kTooLong: return "longer than 1300 bytes";
    case AnnParseError::kBadHeaderVersion: return "header version is not 1";
    case AnnParseError::kBadSignature: return "bad signature";
    case AnnParseError::kBadSigningKey: return "signing key maps to no Curve25519 key";
    case AnnParseError::kNotFcAddress: return "signer's address is not in fc00::/8";
    case AnnParseError::kZeroLengthItem: return "item of length 0";
    case AnnParseError::kItemPastEnd: return "item runs past the end of the message";
    case AnnParseError::kTruncatedItem: return "item too short for its type";
    case AnnParseError::kBadItemLength: return "item too long for its type";
    case AnnParseError::kBadEncodingScheme: return "bad encoding scheme";
    case AnnParseError::kBadPadding: return "link state padding is not zero";
    case AnnParseError::kBadVarint: return "truncated or non-minimal varint";
    case AnnParseError::kBadLinkState: return "bad link state";
  }
  return "?";
}

AnnParseError parseAnnouncement(std::span<const std::uint8_t> bytes, ParsedAnnouncement& out) {
  out = ParsedAnnouncement{};
  if (bytes.size() < kAnnHeaderSize) return AnnParseError::kTooShort;
  if (bytes.size() > kAnnMaxSize) return AnnParseError::kTooLong;
  AnnParseError e = readHeader(bytes, out.header);
  if (e == AnnParseError::kNone) e = checkSigner(bytes, out);
  if (e == AnnParseError::kNone) e = ItemReader(out).readAll(bytes.subspan(kAnnHeaderSize));
  if (e == AnnParseError::kNone) out.bytes.assign(bytes.begin(), bytes.end());
  return e;
}

// ---- State ----

StateHash foldStateHash(const StateHash& hash, std::span<const std::uint8_t> message) {
  crypto_hash_sha512_state st;
  crypto_hash_sha512_init(&st);
  crypto_hash_sha512_update(&st, hash.data(), hash.size());
  crypto_hash_sha512_update(&st, message.data(), message.size());
  StateHash out{};
  crypto_hash_sha512_final(&st, out.data());
  return out;
}

StateHash AnnouncementLog::stateHash() const {
  StateHash h{};
  for (const ParsedAnnouncement& m : messages_) h = foldStateHash(h, m.bytes);
  return h;
}

AnnouncementLog::AcceptResult AnnouncementLog::accept(ParsedAnnouncement message) {
  AcceptResult result;
  if (message.header.reset && !messages_.empty()) {
    messages_.clear();
    result.wasReset = true;
  }
  messages_.push_back(std::move(message));
  result.redundantDropped = pruneRedundant();
  const bool drop = policy_ == ExpiryPolicy::kDrop;
  (drop ? result.expiredDropped : result.expiredKept) = pruneExpired(drop);
  return result;
}

std::size_t AnnouncementLog::pruneRedundant() {
  std::vector<ItemKey> known;
  std::vector<ParsedAnnouncement> kept;  // newest first while walking
  const std::size_t before = messages_.size();
  for (std::size_t i = before; i-- > 0;) {
    bool addsSomething = false;
    for (const AnnItem& item : messages_[i].items) {
      const auto key = replaceKeyOf(item);
      if (!key || std::find(known.begin(), known.end(), *key) != known.end()) continue;
      known.push_back(*key);
      addsSomething = true;
    }
    // The newest message always stays: it is what the other side just saw.
    if (addsSomething || i + 1 == before) kept.push_back(std::move(messages_[i]));
  }
  std::reverse(kept.begin(), kept.end());
  messages_ = std::move(kept);
  return before - messages_.size();
}

std::size_t AnnouncementLog::pruneExpired(bool drop) {
  if (messages_.empty()) return 0;
  const std::uint64_t newest = messages_.back().header.timestamp;
  const auto expired = [newest](const ParsedAnnouncement& m) { return m.header.timestamp + kAgreedTimeoutMs < newest; };
  if (!drop) return static_cast<std::size_t>(std::count_if(messages_.begin(), messages_.end(), expired));
  return std::erase_if(messages_, expired);
}

}  // namespace cjdns::routing
