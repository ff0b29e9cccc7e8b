// CryptoAuth against ../shared/vectors: the cjdns unit-test vectors
// (spec-vectors.json "cryptoAuth") and packets captured between two real
// cjdns nodes ("capturedHandshakes", wire/peering-*.json).
#include <doctest/doctest.h>
#include <sodium.h>

#include <string>
#include <vector>

#include "core/crypto/crypto-auth.h"
#include "core/util/hex.h"
#include "core/util/json-reader.h"
#include "core/util/vectors.h"
#include "core/wire/endian.h"

using namespace cjdns::crypto;
using cjdns::util::List;
using cjdns::util::Value;
using cjdns::util::toHex;
using cjdns::wire::Message;
using Bytes = std::vector<std::uint8_t>;

namespace {

using cjdns::testing::field;
using cjdns::testing::list;
using cjdns::testing::text;

Bytes hexBytes(const Value& v, const char* key) {
  auto bytes = cjdns::util::fromHex(text(v, key));
  REQUIRE_MESSAGE(bytes.has_value(), "\"" << key << "\" is not hex");
  return *bytes;
}

PublicKey publicHex(const Value& v, const char* key) {
  PublicKey k{};
  REQUIRE(cjdns::util::fromHex(text(v, key), k));
  return k;
}

PrivateKey privateHex(const Value& v, const char* key) {
  auto k = parsePrivateKeyHex(text(v, key));
  REQUIRE(k.has_value());
  return std::move(*k);
}

PublicKey publicText(const Value& v, const char* key) {
  ParsedKey parsed = parsePublicKey(text(v, key));
  REQUIRE(parsed.ok());
  return parsed.key;
}

void secretFromHex(const Value& v, const char* key, Secret32& out) {
  REQUIRE(cjdns::util::fromHex(text(v, key), out.bytes));
}

std::string payloadHex(const Message& m) { return toHex(m.bytes()); }

std::optional<Value> specVectors() { return cjdns::testing::loadVectorJson("spec-vectors.json"); }

}  // namespace

TEST_CASE("the cjdns receiveHelloWithNoAuth packet decrypts to Hello World") {
  auto doc = specVectors();
  if (!doc) return;
  const Value& v = field(field(*doc, "cryptoAuth"), "receiveHelloWithNoAuth");
  const std::string& ascii = text(v, "ourPrivateKeyAscii");
  REQUIRE(ascii.size() == 32);
  PrivateKey ours(std::span<const std::uint8_t, 32>(reinterpret_cast<const std::uint8_t*>(ascii.data()), 32));
  CHECK(toHex(publicKeyOf(ours)) == text(v, "ourPublicKeyHex"));
  PublicKey hers = publicHex(v, "herPublicKeyHex");

  Secret32 boxKey;
  REQUIRE(handshakeSecret(ours.bytes(), hers, nullptr, boxKey));
  CHECK(toHex(boxKey.bytes) == text(field(v, "intermediateDerived"), "boxKeyHsalsa20Hex"));

  DeterministicRandom rng(1);
  CryptoAuthSession session(ours, hers, false, nullptr, rng);
  Message m;
  REQUIRE(m.assign(hexBytes(v, "packetHex")));
  REQUIRE(handshakePermanentKey(m.bytes()) == hers);
  CHECK(session.decrypt(m, 0) == DecryptError::kNone);
  const Value& expected = field(v, "expected");
  CHECK(payloadHex(m) == text(expected, "payloadHex"));
  CHECK(toHex(session.herTempPublicKey()) == text(expected, "tempPublicKeyHex"));
  CHECK(session.state() == CryptoAuthState::kReceivedHello);
}

TEST_CASE("password challenges and the password-mixed secret match the cjdns vectors") {
  auto doc = specVectors();
  if (!doc) return;
  const Value& ca = field(*doc, "cryptoAuth");
  const Value& type1 = field(ca, "helloWithAuthChallenge");
  CHECK(toHex(authChallenge(AuthType::kPassword, text(type1, "password"), "")) ==
        text(type1, "challengeHex"));
  Secret32 secret;
  hashPassword(text(type1, "password"), secret);
  CHECK(toHex(secret.bytes) == text(type1, "sha256PasswordHex"));

  for (const Value& c : list(ca, "authType2Challenges")) {
    CAPTURE(text(c, "login"));
    CHECK(toHex(authChallenge(AuthType::kLogin, "unused", text(c, "login"))) == text(c, "challengeHex"));
  }

  const Value& mixed = field(ca, "passwordMixedSecret");
  Secret32 pw, out;
  hashPassword(text(mixed, "password"), pw);
  REQUIRE(handshakeSecret(privateHex(mixed, "ourPrivateKeyHex").bytes(), publicHex(mixed, "herPublicKeyHex"),
                          &pw, out));
  CHECK(toHex(out.bytes) == text(mixed, "secretHex"));
}

TEST_CASE("data packets put the nonce where cjdns does for initiator and responder") {
  auto doc = specVectors();
  if (!doc) return;
  for (const Value& v : list(field(*doc, "cryptoAuth"), "dataPackets")) {
    const bool senderIsInitiator = text(v, "sender") == "initiator";
    CAPTURE(text(v, "sender"));
    Secret32 key;
    secretFromHex(v, "keyHex", key);
    const std::string& plain = text(v, "plaintextAscii");
    Message m;
    REQUIRE(m.append({reinterpret_cast<const std::uint8_t*>(plain.data()), plain.size()}));
    REQUIRE(field(v, "nonce").isInt());
    REQUIRE(sealData(m, key, static_cast<std::uint32_t>(field(v, "nonce").asInt()), senderIsInitiator));
    CHECK(toHex(m.bytes()) == text(v, "packetHex"));
    // The receiver is the other side.
    REQUIRE(openData(m, key, !senderIsInitiator));
    CHECK(std::string(reinterpret_cast<const char*>(m.data()), m.length()) == plain);
  }
}

TEST_CASE("every handshake captured from real cjdns decrypts to the recorded payload and temp key") {
  auto doc = specVectors();
  if (!doc) return;
  const List& captured = list(*doc, "capturedHandshakes");
  // Key packets are sealed to the temporary key of the Hello before them;
  // its private half is unknown, so those are opened as the sender sealed them.
  std::string helloTempHex;
  for (const Value& v : captured) {
    const std::string& kind = text(v, "kind");
    CAPTURE(text(v, "source"));
    PrivateKey privA = privateHex(field(v, "nodeA"), "privateKey");
    PrivateKey privB = privateHex(field(v, "nodeB"), "privateKey");
    PublicKey pubA = publicText(field(v, "nodeA"), "publicKey");
    PublicKey pubB = publicText(field(v, "nodeB"), "publicKey");
    REQUIRE(publicKeyOf(privA) == pubA);
    REQUIRE(publicKeyOf(privB) == pubB);
    const std::string& password = text(v, "password");
    const std::string& login = text(v, "login");
    Message m;
    REQUIRE(m.assign(hexBytes(v, "packetHex")));

    if (kind == "Hello") {
      // Node A receives B's Hello on a session made for an unknown peer.
      REQUIRE(handshakePermanentKey(m.bytes()) == pubB);
      Secret32 pw, shared;
      hashPassword(password, pw);
      REQUIRE(handshakeSecret(privA.bytes(), pubB, &pw, shared));
      CHECK(toHex(shared.bytes) == text(v, "sharedKeyHex"));
      CryptoAuthUsers users;
      users.add(password, login);
      DeterministicRandom rng(2);
      CryptoAuthSession atA(privA, pubB, true, &users, rng);
      REQUIRE(atA.decrypt(m, 0) == DecryptError::kNone);
      CHECK(payloadHex(m) == text(v, "expectedPayloadHex"));
      CHECK(toHex(atA.herTempPublicKey()) == text(v, "expectedTempPublicKeyHex"));
      REQUIRE(atA.authenticatedUser() != nullptr);
      CHECK(atA.authenticatedUser()->login == login);
      helloTempHex = text(v, "expectedTempPublicKeyHex");
    } else {
      REQUIRE_MESSAGE(!helloTempHex.empty(), "a Key before any Hello");
      CHECK(m.data()[4] == 0);  // A answers with auth type 0
      CHECK(cjdns::wire::loadBe16(m.data() + 14) == 0);
      CHECK(handshakePermanentKey(m.bytes()) == std::nullopt);
      PublicKey bTemp{};
      REQUIRE(cjdns::util::fromHex(helloTempHex, bTemp));
      Secret32 shared;
      REQUIRE(handshakeSecret(privA.bytes(), bTemp, nullptr, shared));
      CHECK(toHex(shared.bytes) == text(v, "sharedKeyHex"));
      PublicKey temp{};
      REQUIRE(openHandshake(m, shared, temp));
      CHECK(toHex(temp) == text(v, "expectedTempPublicKeyHex"));
      CHECK(payloadHex(m) == text(v, "expectedPayloadHex"));
    }
  }
}

namespace {

std::optional<Value> loadCapture(const std::string& file) { return cjdns::testing::loadVectorJson(file); }

/// Replays one capture's packet order through two of our sessions, keyed
/// and configured like the real nodes: every packet we make must carry the
/// nonce (and size) the real node's packet had.
void replayCapture(const std::string& file) {
  auto doc = loadCapture(file);
  if (!doc) return;
  const Value& a = field(*doc, "nodeA");
  const Value& b = field(*doc, "nodeB");
  const Value& cred = field(*doc, "credentials");
  PrivateKey privA = privateHex(a, "privateKey");
  PrivateKey privB = privateHex(b, "privateKey");
  CryptoAuthUsers usersA;
  usersA.add(text(cred, "password"), text(cred, "login"));
  DeterministicRandom rngA(3), rngB(4);
  CryptoAuthSession atA(privA, publicKeyOf(privB), true, &usersA, rngA);
  CryptoAuthSession atB(privB, publicKeyOf(privA), false, nullptr, rngB);
  atB.setAuth(text(cred, "password"), text(cred, "login"));

  for (const Value& p : list(*doc, "packets")) {
    const bool fromB = text(p, "direction") == "B->A";
    CryptoAuthSession& sender = fromB ? atB : atA;
    CryptoAuthSession& receiver = fromB ? atA : atB;
    Bytes first16 = hexBytes(p, "first16Hex");
    REQUIRE(field(p, "udpPayloadLength").isInt());
    const auto length = static_cast<std::size_t>(field(p, "udpPayloadLength").asInt());
    const std::uint32_t nonce = cjdns::wire::loadBe32(first16.data());
    const std::size_t header = nonce < 4 ? kHandshakeHeaderSize : kDataHeaderSize;
    CAPTURE(field(p, "index").asInt());
    REQUIRE(length >= header);

    Message m;
    REQUIRE(m.append(Bytes(length - header, 0x33)));
    REQUIRE(sender.encrypt(m, 0));
    CHECK(m.length() == length);
    CHECK(cjdns::wire::loadBe32(m.data()) == nonce);
    if (nonce == 0) {  // the nonce and the type-2 challenge, byte for byte
      CHECK(toHex(std::span<const std::uint8_t>(m.data(), 16)) == toHex(first16));
    }
    CHECK(receiver.decrypt(m, 0) == DecryptError::kNone);
  }
  CHECK(atA.established());
  CHECK(atB.established());
}

}  // namespace

TEST_CASE("our sessions pick the nonces real v21.1 nodes used, packet by packet") {
  replayCapture("wire/peering-v21.json");
}

TEST_CASE("our sessions pick the nonces real v22 nodes used, packet by packet") {
  replayCapture("wire/peering-v22.json");
}
