#include "core/crypto/keys.h"

#include <doctest/doctest.h>

#include <cctype>
#include <sstream>
#include <string>
#include <type_traits>
#include <utility>

#include "core/crypto/address.h"
#include "core/util/hex.h"

using namespace cjdns::crypto;

namespace {

PublicKey publicKeyFromHex(std::string_view hex) {
  PublicKey key{};
  REQUIRE(cjdns::util::fromHex(hex, key));
  return key;
}

PrivateKey privateKeyFromHex(std::string_view hex) {
  auto key = parsePrivateKeyHex(hex);
  REQUIRE(key.has_value());
  return std::move(*key);
}

/// The wire.md 15.1 private-key vectors: private, public text, address.
struct KeyVector {
  const char* privateHex;
  const char* publicText;
  const char* ip6;
};

constexpr KeyVector kSpecKeys[] = {
    {"751d3db85b848deaf221e0ed2b6cc17f587b29057d74cdd4dc0bd18b7157288e",
     "r6jzx210usqbgnm3pdtm1z6btd14pvdtkn5j8qnpgqzknpggkuw0.k",
     "fc68:cb2c:60db:cb96:19ac:34a8:fd34:03fc"},
    {"ad7ea326aa01940a25bc9e012622db694fd9b4177cf3f89116f3cfe85c80e14a",
     "kmzm4w0kj9bswd5qmx74nu7kusv5pj40vcsmp781j6xxgpd59z00.k",
     "fc41:94b5:0925:7ba9:3959:11ab:a006:367a"},
    {"d8543e70b9ae7c41bc18a49a9ceeca9cdc4501966bbd7e76cf3a9fbc12ed8bb4",
     "vz21tg07061s8v9mckrvgtfds7j2u5lst8cwl6nqhp81njrh5wg0.k",
     "fc1f:5b96:e1c5:625d:afde:2523:a7fa:383a"},
};

}  // namespace

TEST_CASE("the CryptoAddress_test private key gives the documented public key and address") {
  PrivateKey priv =
      privateKeyFromHex("751d3db85b848deaf221e0ed2b6cc17f587b29057d74cdd4dc0bd18b7157288e");
  PublicKey pub = publicKeyOf(priv);
  CHECK(pub == publicKeyFromHex("d7c0df45001a5be5e81c95e519be5199055237cb9116882cadcefe48ab735173"));
  CHECK(ip6ToString(addressOf(pub)) == "fc68:cb2c:60db:cb96:19ac:34a8:fd34:03fc");
}

TEST_CASE("every wire.md 15.1 private key maps to its public key text and fc address") {
  for (const KeyVector& v : kSpecKeys) {
    CAPTURE(v.publicText);
    PrivateKey priv = privateKeyFromHex(v.privateHex);
    PublicKey pub = publicKeyOf(priv);
    CHECK(publicKeyToString(pub) == v.publicText);
    ParsedKey parsed = parsePublicKey(v.publicText);
    REQUIRE(parsed.ok());
    CHECK(parsed.key == pub);
    CHECK(ip6ToString(parsed.address) == v.ip6);
    CHECK(isValidAddress(parsed.address));
  }
}

TEST_CASE("the cjdnstool key parses the same in lower and upper case") {
  PublicKey raw = publicKeyFromHex("1752b6d0dd2e24c25813b06c73d26a70d589e7dba80221ec90bbfa29c2b2dc3f");
  for (const char* text : {"rjndc8rvg194ddf2j5v679cfjcpmsmhv8p022q3lvpym21cqwyh0.k",
                           "RJNDC8RVG194DDF2J5V679CFJCPMSMHV8P022Q3LVPYM21CQWYH0.k"}) {
    CAPTURE(text);
    ParsedKey parsed = parsePublicKey(text);
    REQUIRE(parsed.ok());
    CHECK(parsed.key == raw);
    CHECK(ip6ToString(parsed.address) == "fc50:47a8:2ef5:1c82:952e:10fc:dbad:dba9");
  }
  CHECK(publicKeyToString(raw) == "rjndc8rvg194ddf2j5v679cfjcpmsmhv8p022q3lvpym21cqwyh0.k");
}

TEST_CASE("the cjdns-keys crate key round-trips through parse and print") {
  const std::string text = "xpr2z2s3hnr0qzpk2u121uqjv15dc335v54pccqlqj6c5p840yy0.k";
  ParsedKey parsed = parsePublicKey(text);
  REQUIRE(parsed.ok());
  CHECK(publicKeyToString(parsed.key) == text);
  CHECK(ip6ToString(parsed.address) == "fc32:6a5d:e235:7057:e990:6398:5d7a:aa58");
}

TEST_CASE("parsePublicKey classifies errors in cjdns Key_parse order") {
  const std::string good = "xpr2z2s3hnr0qzpk2u121uqjv15dc335v54pccqlqj6c5p840yy0";
  CHECK(parsePublicKey("").error == KeyParseError::kTooShort);
  CHECK(parsePublicKey(".k").error == KeyParseError::kTooShort);
  CHECK(parsePublicKey(good.substr(0, 51)).error == KeyParseError::kTooShort);
  CHECK(parsePublicKey(good).error == KeyParseError::kMalformed);        // 52, no suffix
  CHECK(parsePublicKey(good + ".").error == KeyParseError::kMalformed);  // 53
  CHECK(parsePublicKey(good + ".K").error == KeyParseError::kMalformed);
  CHECK(parsePublicKey(good.substr(0, 51) + ".k").error == KeyParseError::kMalformed);
  CHECK(parsePublicKey(good + "0.k").error == KeyParseError::kMalformed);
  CHECK(parsePublicKey("a" + good.substr(1) + ".k").error == KeyParseError::kDecodeFailed);
  CHECK(parsePublicKey(good.substr(0, 51) + "2.k").error == KeyParseError::kDecodeFailed);
  // The suffix is checked before the body, as in cjdns: a bad body with a
  // bad suffix is Malformed, not DecodeFailed.
  CHECK(parsePublicKey("a" + good.substr(1) + ".x").error == KeyParseError::kMalformed);
  CHECK(parsePublicKey(std::string(52, '0') + ".k").error == KeyParseError::kInvalid);
}

TEST_CASE("parsePublicKey rejects trailing text by default and ignores it like cjdns on request") {
  const std::string key = "xpr2z2s3hnr0qzpk2u121uqjv15dc335v54pccqlqj6c5p840yy0.k";
  for (const char* tail : {" ", "\n", "x", ".k"}) {
    CAPTURE(tail);
    CHECK(parsePublicKey(key + tail).error == KeyParseError::kMalformed);
    ParsedKey lenient = parsePublicKey(key + tail, TrailingText::kIgnore);
    REQUIRE(lenient.ok());
    CHECK(publicKeyToString(lenient.key) == key);
  }
}

TEST_CASE("a key that decodes but has a non-fc address still reports that address") {
  ParsedKey parsed = parsePublicKey(std::string(52, '0') + ".k");
  CHECK(parsed.error == KeyParseError::kInvalid);
  CHECK(parsed.key == PublicKey{});
  CHECK(parsed.address == addressOf(PublicKey{}));
  CHECK_FALSE(isValidAddress(parsed.address));
}

TEST_CASE("every key parse error has a distinct description and cjdns name") {
  const KeyParseError all[] = {KeyParseError::kNone, KeyParseError::kTooShort,
                               KeyParseError::kMalformed, KeyParseError::kDecodeFailed,
                               KeyParseError::kInvalid};
  for (KeyParseError a : all) {
    for (KeyParseError b : all) {
      if (a == b) continue;
      CHECK(std::string(describe(a)) != describe(b));
      CHECK(std::string(cjdnsName(a)) != cjdnsName(b));
    }
  }
  CHECK(std::string(cjdnsName(KeyParseError::kDecodeFailed)) == "Key_parse_DECODE_FAILED");
}

TEST_CASE("parsePrivateKeyHex accepts exactly 64 hex digits of either case") {
  const std::string hex = "751d3db85b848deaf221e0ed2b6cc17f587b29057d74cdd4dc0bd18b7157288e";
  auto lower = parsePrivateKeyHex(hex);
  REQUIRE(lower.has_value());
  CHECK(privateKeyHex(*lower) == hex);
  std::string upper = hex;
  for (char& c : upper) c = static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
  auto fromUpper = parsePrivateKeyHex(upper);
  REQUIRE(fromUpper.has_value());
  CHECK(*fromUpper == *lower);
  CHECK(privateKeyHex(*fromUpper) == hex);
}

TEST_CASE("parsePrivateKeyHex rejects 62 characters, 66 characters and non-hex") {
  const std::string hex = "751d3db85b848deaf221e0ed2b6cc17f587b29057d74cdd4dc0bd18b7157288e";
  CHECK_FALSE(parsePrivateKeyHex(hex.substr(0, 62)).has_value());
  CHECK_FALSE(parsePrivateKeyHex(hex + "00").has_value());
  CHECK_FALSE(parsePrivateKeyHex(hex.substr(0, 63) + "g").has_value());
  CHECK_FALSE(parsePrivateKeyHex(" " + hex.substr(1)).has_value());
  CHECK_FALSE(parsePrivateKeyHex("").has_value());
}

TEST_CASE("a moved-from private key is wiped and a copy must be spelled out") {
  PrivateKey original =
      privateKeyFromHex("751d3db85b848deaf221e0ed2b6cc17f587b29057d74cdd4dc0bd18b7157288e");
  PrivateKey copy(original);
  CHECK(copy == original);
  PrivateKey moved(std::move(original));
  CHECK(moved == copy);
  CHECK(original == PrivateKey{});  // NOLINT(bugprone-use-after-move): the point of the test
  PrivateKey assigned;
  assigned = std::move(moved);
  CHECK(assigned == copy);
  CHECK(moved == PrivateKey{});  // NOLINT(bugprone-use-after-move)
  static_assert(!std::is_convertible_v<const PrivateKey&, PrivateKey>,
                "copying a private key must be explicit");
}

TEST_CASE("printing a private key never shows its bytes") {
  PrivateKey key =
      privateKeyFromHex("751d3db85b848deaf221e0ed2b6cc17f587b29057d74cdd4dc0bd18b7157288e");
  std::ostringstream os;
  os << key;
  CHECK(os.str().find("751d") == std::string::npos);
  CHECK(os.str().find("1d3d") == std::string::npos);
  CHECK_FALSE(os.str().empty());
}

TEST_CASE("generateIdentity gives an fc address whose key round-trips through text") {
  for (int i = 0; i < 3; ++i) {
    Identity id = generateIdentity();
    CHECK(isValidAddress(id.address));
    CHECK(id.address[0] == 0xfc);
    CHECK(id.publicKey == publicKeyOf(id.privateKey));
    CHECK(id.address == addressOf(id.publicKey));
    ParsedKey parsed = parsePublicKey(publicKeyToString(id.publicKey));
    REQUIRE(parsed.ok());
    CHECK(parsed.key == id.publicKey);
    auto again = parsePrivateKeyHex(privateKeyHex(id.privateKey));
    REQUIRE(again.has_value());
    CHECK(*again == id.privateKey);
  }
  CHECK_FALSE(generateIdentity().privateKey == generateIdentity().privateKey);
}
