#include "core/routing/announcement.h"

#include <doctest/doctest.h>
#include <sodium.h>

#include <string>
#include <vector>

#include "core/crypto/address.h"
#include "core/switch/encoding-scheme.h"
#include "core/util/hex.h"
#include "core/util/vectors.h"
#include "core/wire/endian.h"

using namespace cjdns::routing;
using cjdns::crypto::DeterministicRandom;
using cjdns::crypto::Ip6;
using cjdns::crypto::PrivateKey;
using cjdns::util::toHex;

namespace {

using Bytes = std::vector<std::uint8_t>;

Bytes hex(const std::string& text) {
  auto b = cjdns::util::fromHex(text);
  REQUIRE_MESSAGE(b.has_value(), "bad hex " << text);
  return *b;
}

/// A private key drawn from a seeded stream whose address is (or is not) fc.
PrivateKey keyFromSeed(std::uint64_t seed, bool wantFc = true) {
  DeterministicRandom rng(seed);
  for (;;) {
    std::array<std::uint8_t, 32> raw{};
    rng.fill(raw);
    PrivateKey key(raw);
    if (cjdns::crypto::isValidAddress(cjdns::crypto::addressOf(cjdns::crypto::publicKeyOf(key))) == wantFc) {
      return key;
    }
  }
}

Ip6 snodeIp() {
  Ip6 ip{};
  ip.fill(0x11);
  ip[0] = 0xfc;
  return ip;
}

/// A header and raw body signed by `key`, built by hand (not by the builder)
/// so that malformed bodies and headers can be tried.
Bytes signedRaw(const SigningKey& key, const Bytes& body, std::uint64_t ts = 1000, bool reset = false,
                std::uint8_t version = 1) {
  Bytes out(kAnnHeaderSize, 0);
  std::copy(key.publicKey().begin(), key.publicKey().end(), out.begin() + 64);
  const Ip6 snode = snodeIp();
  std::copy(snode.begin(), snode.end(), out.begin() + 96);
  cjdns::wire::storeBe64(&out[112], (ts << 4) | (std::uint64_t{reset} << 3) | version);
  out.insert(out.end(), body.begin(), body.end());
  DeterministicRandom rng(ts);
  const Signature sig = key.sign(std::span(out).subspan(64), rng);
  std::copy(sig.begin(), sig.end(), out.begin());
  return out;
}

AnnParseError parseError(const Bytes& message) {
  ParsedAnnouncement p;
  return parseAnnouncement(message, p);
}

PeerItem peer(std::uint16_t peerNum, std::uint32_t label = 0x13) {
  PeerItem p;
  p.peerNum = peerNum;
  p.mtu8 = 1304 / 8;
  p.ip6.fill(static_cast<std::uint8_t>(peerNum));
  p.ip6[0] = 0xfc;
  p.label = label;
  return p;
}

EncodingSchemeItem scheme358() { return {cjdns::switching::EncodingScheme::v358().serialize()}; }

/// Builds, signs and parses back a message of `items`.
ParsedAnnouncement message(const SigningKey& key, std::uint64_t ts, const std::vector<AnnItem>& items,
                           bool reset = false) {
  AnnouncementBuilder b(snodeIp(), ts, reset);
  REQUIRE(b.addAll(items).didNotFit.empty());
  DeterministicRandom rng(ts);
  ParsedAnnouncement p;
  REQUIRE(parseAnnouncement(b.sign(key, rng), p) == AnnParseError::kNone);
  return p;
}

}  // namespace

TEST_CASE("the signing key is the clamped curve25519 key times the base point") {
  for (std::uint64_t seed : {1, 2, 3}) {
    const PrivateKey priv = keyFromSeed(seed);
    const SigningKey key(priv);
    // libsodium's clamping base multiplication clamps exactly as cjdns does.
    SigningPublicKey expected{};
    REQUIRE(crypto_scalarmult_ed25519_base(expected.data(), priv.bytes().data()) == 0);
    CHECK(key.publicKey() == expected);
  }
}

TEST_CASE("signatures verify with libsodium's standard verifier and fail when a byte changes") {
  const SigningKey key(keyFromSeed(7));
  DeterministicRandom rng(99);
  for (std::size_t size : {0u, 1u, 56u, 700u}) {
    Bytes msg(size);
    rng.fill(msg);
    const Signature sig = key.sign(msg, rng);
    CHECK(crypto_sign_verify_detached(sig.data(), msg.data(), msg.size(), key.publicKey().data()) == 0);
    CHECK(verifySignature(sig, msg, key.publicKey()));
    if (!msg.empty()) {
      Bytes tampered = msg;
      tampered[size / 2] ^= 0x01;
      CHECK_FALSE(verifySignature(sig, tampered, key.publicKey()));
    }
    Signature badSig = sig;
    badSig[40] ^= 0x80;
    CHECK_FALSE(verifySignature(badSig, msg, key.publicKey()));
    const SigningKey other(keyFromSeed(8));
    CHECK_FALSE(verifySignature(sig, msg, other.publicKey()));
  }
}

TEST_CASE("two signatures of one message differ, as the nonce takes fresh random bytes") {
  const SigningKey key(keyFromSeed(7));
  const Bytes msg = hex("0102030405");
  DeterministicRandom a(1), b(2);
  const Signature s1 = key.sign(msg, a);
  const Signature s2 = key.sign(msg, b);
  CHECK(s1 != s2);
  CHECK(verifySignature(s1, msg, key.publicKey()));
  CHECK(verifySignature(s2, msg, key.publicKey()));
}

TEST_CASE("the signing key gives back every keys.json node's curve25519 key and fc address") {
  auto vectors = cjdns::testing::loadVectorJson("keys.json");
  if (!vectors) return;
  int checked = 0;
  for (const auto& entry : cjdns::testing::list(*vectors, "keys")) {
    auto priv = cjdns::crypto::parsePrivateKeyHex(cjdns::testing::text(entry, "privateKey"));
    REQUIRE(priv.has_value());
    const SigningKey key(*priv);
    const auto curve = curveKeyOfSigningKey(key.publicKey());
    REQUIRE(curve.has_value());
    CHECK(toHex(*curve) == cjdns::testing::text(entry, "publicKeyHex"));
    CHECK(cjdns::crypto::ip6ToString(cjdns::crypto::addressOf(*curve)) == cjdns::testing::text(entry, "ipv6"));
    ++checked;
  }
  CHECK(checked == 64);
}

TEST_CASE("points that are no node's key are refused") {
  SigningPublicKey zero{};  // y = 0: a point of order 4
  CHECK_FALSE(curveKeyOfSigningKey(zero).has_value());
  SigningPublicKey junk{};
  junk.fill(0xff);  // not a canonical encoding
  CHECK_FALSE(curveKeyOfSigningKey(junk).has_value());
}

TEST_CASE("varints use bitcoin prefixes with big-endian payloads, byte for byte") {
  const std::pair<std::uint64_t, const char*> cases[] = {
      {0, "00"},
      {0xfc, "fc"},
      {0xfd, "fd00fd"},
      {0xffff, "fdffff"},
      {0x10000, "fe00010000"},
      {0xffffffff, "feffffffff"},
      {std::uint64_t{1} << 32, "ff0000000100000000"},
      {~std::uint64_t{0}, "ffffffffffffffffff"},
  };
  for (const auto& [value, text] : cases) {
    CAPTURE(text);
    Bytes out;
    appendVarint(out, value);
    CHECK(toHex(out) == text);
    CHECK(varintSize(value) == out.size());
    out.push_back(0x42);
    std::span<const std::uint8_t> in(out);
    CHECK(readVarint(in) == value);
    CHECK(in.size() == 1);
  }
}

TEST_CASE("truncated and non-minimal varints are refused without consuming input") {
  for (const char* text : {"", "fd", "fd01", "fe000100", "ff00000001000000", "fd00fc", "fe0000ffff",
                           "ff00000000ffffffff"}) {
    CAPTURE(text);
    const Bytes b = hex(text);
    std::span<const std::uint8_t> in(b);
    CHECK_FALSE(readVarint(in).has_value());
    CHECK(in.size() == b.size());
  }
}

TEST_CASE("items are encoded as the spec lays them out") {
  CHECK(toHex(*encodeItem(VersionItem{22})) == "04020016");
  CHECK(toHex(*encodeItem(scheme358())) == "07006114458100");
  PeerItem p = peer(0x0102, 0x0000a1b3);
  p.encodingFormNum = 2;
  CHECK(toHex(*encodeItem(p)) ==
        "2001" "0200" "00a3" "0102" "ffffffff" "fc020202020202020202020202020202" "0000a1b3");
  LinkStateItem ls{0, 0x13, 5, {{30, 0, 1200}}};
  CHECK(toHex(*encodeItem(ls)) == "0a0300" "13" "05" "1e" "00" "fd04b0");
  ls.padCount = 2;
  CHECK(toHex(*encodeItem(ls)) == "0c03020000" "13" "05" "1e" "00" "fd04b0");
}

TEST_CASE("items that cannot be sent are refused") {
  CHECK_FALSE(encodeItem(EncodingSchemeItem{}).has_value());
  CHECK_FALSE(encodeItem(EncodingSchemeItem{hex("6114")}).has_value());
  CHECK_FALSE(encodeItem(LinkStateItem{0, 1, 18, {}}).has_value());
  LinkStateItem big{0, 1, 0, std::vector<LinkSample>(30, LinkSample{0xffff, 0xfffe, 0xffffffff})};
  CHECK_FALSE(encodeItem(big).has_value());  // 30 samples of 11 bytes
}

TEST_CASE("the builder aligns items with pad bytes and the parser reads them back") {
  const SigningKey key(keyFromSeed(3));
  const std::vector<AnnItem> items = {VersionItem{22}, scheme358(), peer(0x13), LinkStateItem{0, 0x13, 17, {{5, 6, 7}, {8, 9, 300}}}};
  AnnouncementBuilder b(snodeIp(), 0x123456789ab, true);
  REQUIRE(b.addAll(items).didNotFit.empty());
  DeterministicRandom rng(5);
  const Bytes msg = b.sign(key, rng);

  const std::string body = toHex(std::span(msg).subspan(kAnnHeaderSize));
  // VERSION at 120, ENCODING_SCHEME at 124 (7 bytes), one pad, PEER at 132,
  // four pads, LINK_STATE at 168.
  CHECK(body.substr(0, 8) == "04020016");
  CHECK(body.substr(8, 16) == "0700611445810001");
  CHECK(body.substr(24, 4) == "2001");
  CHECK(body.substr(88, 8) == "01010101");
  CHECK(body.substr(96) == "0d0300" "1311" "050607" "0809fd012c");
  CHECK(msg.size() == 168 + 13);
  CHECK(toHex(std::span(msg).subspan(112, 8)) == "0000123456789ab9");

  ParsedAnnouncement p;
  REQUIRE(parseAnnouncement(msg, p) == AnnParseError::kNone);
  CHECK(p.header.timestamp == 0x123456789ab);
  CHECK(p.header.reset);
  CHECK(p.header.version == 1);
  CHECK(p.header.snodeIp == snodeIp());
  CHECK(p.header.signingKey == key.publicKey());
  CHECK(p.nodeKey == cjdns::crypto::publicKeyOf(keyFromSeed(3)));
  CHECK(p.nodeIp == cjdns::crypto::addressOf(p.nodeKey));
  CHECK(p.items == items);
  CHECK(p.unknownItems == 0);
  CHECK(p.bytes == msg);
  CHECK(crypto_sign_verify_detached(msg.data(), msg.data() + 64, msg.size() - 64, key.publicKey().data()) == 0);
}

TEST_CASE("the builder keeps the body within 700 bytes and hands back what did not fit") {
  std::vector<AnnItem> items;
  for (std::uint16_t i = 1; i <= 25; ++i) items.emplace_back(peer(i));
  items.insert(items.begin() + 3, LinkStateItem{0, 1, 18, {}});  // invalid: dropped
  AnnouncementBuilder b(snodeIp(), 1, false);
  const auto r = b.addAll(items);
  CHECK(r.invalid == 1);
  CHECK(b.itemCount() == 21);  // 21 * 32 = 672; a 22nd would make 704
  CHECK(b.bodySize() == 672);
  REQUIRE(r.didNotFit.size() == 4);
  CHECK(std::get<PeerItem>(r.didNotFit[0]).peerNum == 22);
  CHECK(b.add(VersionItem{22}) == AnnouncementBuilder::AddResult::kAdded);
  CHECK(b.add(VersionItem{22}) == AnnouncementBuilder::AddResult::kAdded);
  CHECK(b.add(peer(30)) == AnnouncementBuilder::AddResult::kFull);
  CHECK(b.bodySize() == 680);
}

TEST_CASE("pads, trailing pads and unknown item types are skipped; unknown ones counted") {
  const SigningKey key(keyFromSeed(4));
  ParsedAnnouncement p;
  REQUIRE(parseAnnouncement(signedRaw(key, hex("0101" "04020015" "0509aabbcc" "020a" "01")), p) ==
          AnnParseError::kNone);
  CHECK(p.items == std::vector<AnnItem>{VersionItem{21}});
  CHECK(p.unknownItems == 2);
  REQUIRE(parseAnnouncement(signedRaw(key, {}), p) == AnnParseError::kNone);
  CHECK(p.items.empty());
}

TEST_CASE("announcement parsing says why it refuses a message") {
  const SigningKey key(keyFromSeed(4));
  const Bytes good = signedRaw(key, hex("04020016"));
  CHECK(parseError(good) == AnnParseError::kNone);
  CHECK(parseError(Bytes(good.begin(), good.begin() + 119)) == AnnParseError::kTooShort);
  CHECK(parseError(signedRaw(key, Bytes(1300 - 120 + 1, 1))) == AnnParseError::kTooLong);
  CHECK(parseError(signedRaw(key, Bytes(1300 - 120, 1))) == AnnParseError::kNone);
  CHECK(parseError(signedRaw(key, hex("04020016"), 1000, false, 2)) == AnnParseError::kBadHeaderVersion);

  // Signature, signing key, snode address, timestamp and an item byte.
  for (std::size_t at : {0u, 63u, 64u, 100u, 119u, 122u}) {
    Bytes tampered = good;
    tampered[at] ^= 0x10;
    CAPTURE(at);
    CHECK(parseError(tampered) == AnnParseError::kBadSignature);
  }

  const SigningKey notFc(keyFromSeed(5, false));
  CHECK(parseError(signedRaw(notFc, hex("04020016"))) == AnnParseError::kNotFcAddress);

  const std::pair<const char*, AnnParseError> bodies[] = {
      {"00", AnnParseError::kZeroLengthItem},
      {"04020016" "00", AnnParseError::kZeroLengthItem},
      {"040200", AnnParseError::kItemPastEnd},
      {"05", AnnParseError::kItemPastEnd},
      {"2001" "000000000000", AnnParseError::kItemPastEnd},
      {"030200", AnnParseError::kTruncatedItem},
      {"0200", AnnParseError::kTruncatedItem},
      {"0203", AnnParseError::kTruncatedItem},
      {"0403" "0500", AnnParseError::kTruncatedItem},
      {"1401" "000000000000000000000000000000000000", AnnParseError::kTruncatedItem},
      {"0502001600", AnnParseError::kBadItemLength},
      {"2101" "00000000000000000000000000000000000000000000000000000000000000", AnnParseError::kBadItemLength},
      {"04006114", AnnParseError::kBadEncodingScheme},
      {"06030107" "1305", AnnParseError::kBadPadding},
      {"050300" "fd00", AnnParseError::kBadVarint},
      {"030300", AnnParseError::kBadVarint},
      {"040300" "13", AnnParseError::kBadVarint},
      {"070300" "fd0013" "05", AnnParseError::kBadVarint},
      {"080300" "1305" "1e00" "fd", AnnParseError::kBadVarint},
      {"050300" "1312", AnnParseError::kBadLinkState},
      {"090300" "fe00010000" "05", AnnParseError::kBadLinkState},
      {"070300" "1305" "1e00", AnnParseError::kBadLinkState},
  };
  for (const auto& [body, why] : bodies) {
    CAPTURE(body);
    const AnnParseError e = parseError(signedRaw(key, hex(body)));
    CHECK_MESSAGE(e == why, describe(e));
  }
  CHECK(std::string(describe(AnnParseError::kBadVarint)) == "truncated or non-minimal varint");
}

TEST_CASE("the state hash folds SHA-512 over the messages from 64 zero bytes") {
  const SigningKey key(keyFromSeed(6));
  const auto m1 = message(key, 1000, {VersionItem{22}, peer(1)});
  const auto m2 = message(key, 2000, {peer(2)});
  AnnouncementLog log;
  CHECK(log.stateHash() == StateHash{});
  log.accept(m1);
  log.accept(m2);
  REQUIRE(log.messages().size() == 2);

  // Computed here by hand: SHA-512(SHA-512(0^64 ‖ m1) ‖ m2).
  StateHash h{};
  for (const auto* m : {&m1, &m2}) {
    Bytes input(h.begin(), h.end());
    input.insert(input.end(), m->bytes.begin(), m->bytes.end());
    crypto_hash_sha512(h.data(), input.data(), input.size());
  }
  CHECK(log.stateHash() == h);
  CHECK(foldStateHash(foldStateHash(StateHash{}, m1.bytes), m2.bytes) == h);
}

TEST_CASE("a message whose lasting items newer messages all replace is pruned") {
  const SigningKey key(keyFromSeed(6));
  AnnouncementLog log;
  log.accept(message(key, 1000, {VersionItem{22}, scheme358(), peer(1), peer(2)}));
  CHECK(log.accept(message(key, 2000, {peer(1, 0x55)})).redundantDropped == 0);
  // Replaces VERSION, ENCODING_SCHEME and peer 2: the first message goes.
  const auto r = log.accept(message(key, 3000, {VersionItem{22}, scheme358(), peer(2), LinkStateItem{0, 2, 0, {}}}));
  CHECK(r.redundantDropped == 1);
  REQUIRE(log.messages().size() == 2);
  CHECK(log.messages()[0].header.timestamp == 2000);

  // Link state alone never keeps a message once a newer one arrives.
  log.accept(message(key, 4000, {LinkStateItem{0, 1, 3, {{1, 2, 3}}}}));
  CHECK(log.messages().size() == 3);  // the newest always stays
  CHECK(log.accept(message(key, 5000, {peer(7)})).redundantDropped == 1);
  REQUIRE(log.messages().size() == 3);
  CHECK(log.messages()[0].header.timestamp == 2000);
  CHECK(log.messages()[1].header.timestamp == 3000);
  CHECK(log.messages()[2].header.timestamp == 5000);

  // Peers are told apart by peerNum, not by address.
  PeerItem samePeerNum = peer(1);
  samePeerNum.ip6.fill(0xfc);
  CHECK(log.accept(message(key, 6000, {samePeerNum})).redundantDropped == 1);
  CHECK(log.messages().front().header.timestamp == 3000);
}

TEST_CASE("a reset message clears the log, and both sides agree on the hash") {
  const SigningKey key(keyFromSeed(6));
  AnnouncementLog snode;
  AnnouncementLog subnode(AnnouncementLog::ExpiryPolicy::kKeep);
  const auto m1 = message(key, 1000, {VersionItem{22}, peer(1)}, true);
  const auto m2 = message(key, 2000, {peer(2)});
  const auto m3 = message(key, 3000, {VersionItem{22}, peer(3)}, true);
  for (const auto* m : {&m1, &m2}) {
    CHECK_FALSE(snode.accept(*m).wasReset);
    subnode.accept(*m);
  }
  CHECK(snode.stateHash() == subnode.stateHash());
  CHECK(snode.accept(m3).wasReset);
  REQUIRE(snode.messages().size() == 1);
  CHECK(snode.stateHash() == foldStateHash(StateHash{}, m3.bytes));
}

TEST_CASE("the snode drops messages over 20 minutes older than the newest; the subnode counts them") {
  const SigningKey key(keyFromSeed(6));
  const std::uint64_t t0 = 1'700'000'000'000;
  const auto old = message(key, t0, {VersionItem{22}, peer(1)});
  const auto edge = message(key, t0 + kAgreedTimeoutMs, {peer(2)});
  const auto late = message(key, t0 + kAgreedTimeoutMs + 1, {peer(3)});

  AnnouncementLog snode;
  snode.accept(old);
  CHECK(snode.accept(edge).expiredDropped == 0);  // exactly 20 minutes: still held
  const auto r = snode.accept(late);
  CHECK(r.expiredDropped == 1);
  REQUIRE(snode.messages().size() == 2);
  CHECK(snode.messages().front().header.timestamp == t0 + kAgreedTimeoutMs);

  AnnouncementLog subnode(AnnouncementLog::ExpiryPolicy::kKeep);
  subnode.accept(old);
  subnode.accept(edge);
  const auto k = subnode.accept(late);
  CHECK(k.expiredKept == 1);
  CHECK(k.expiredDropped == 0);
  CHECK(subnode.messages().size() == 3);
  CHECK(subnode.stateHash() != snode.stateHash());  // the subnode will have to reset
}
