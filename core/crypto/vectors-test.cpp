// Checks against ../shared/vectors, which were recorded from the real cjdns
// v21.1 and v22 tools (makekeys, privatetopublic, publictoip6).
#include <doctest/doctest.h>

#include <algorithm>
#include <cctype>
#include <string>

#include "core/crypto/address.h"
#include "core/crypto/base32.h"
#include "core/crypto/keys.h"
#include "core/util/hex.h"
#include "core/util/vectors.h"

using namespace cjdns::crypto;
using cjdns::util::Value;

namespace {

using cjdns::testing::field;
using cjdns::testing::list;
using cjdns::testing::text;

PublicKey publicKeyFromHex(const std::string& hex) {
  PublicKey key{};
  REQUIRE_MESSAGE(cjdns::util::fromHex(hex, key), "bad hex " << hex);
  return key;
}

std::string lower(std::string s) {
  std::transform(s.begin(), s.end(), s.begin(),
                 [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
  return s;
}

std::string withoutNewline(std::string s) {
  while (!s.empty() && (s.back() == '\n' || s.back() == '\r')) s.pop_back();
  return s;
}

/// What one real publictoip6 run says about a key string: the error it
/// printed ("ERROR: Key_parse_X"), or None and the short address it printed.
struct RealOutcome {
  KeyParseError error = KeyParseError::kNone;
  std::string shortIp6;
};

RealOutcome realOutcome(const Value& run) {
  const std::string& err = text(run, "stderr");
  const KeyParseError errors[] = {KeyParseError::kTooShort, KeyParseError::kMalformed,
                                  KeyParseError::kDecodeFailed, KeyParseError::kInvalid};
  for (KeyParseError e : errors) {
    if (err.find(cjdnsName(e)) != std::string::npos) return {e, ""};
  }
  REQUIRE_MESSAGE(err.empty(), "unrecognised tool error: " << err);
  return {KeyParseError::kNone, withoutNewline(text(run, "stdout"))};
}

/// Checks a private/public/address triple in both directions.
void checkTriple(const std::string& privHex, const std::string& pubText, const std::string& ip6) {
  CAPTURE(pubText);
  auto priv = parsePrivateKeyHex(privHex);
  REQUIRE(priv.has_value());
  CHECK(privateKeyHex(*priv) == privHex);
  PublicKey pub = publicKeyOf(*priv);
  CHECK(publicKeyToString(pub) == pubText);
  CHECK(ip6ToString(addressOf(pub)) == ip6);
  ParsedKey parsed = parsePublicKey(pubText);
  REQUIRE(parsed.ok());
  CHECK(parsed.key == pub);
  CHECK(ip6ToString(parsed.address) == ip6);
}

}  // namespace

TEST_CASE("every makekeys triple in keys.json matches our key, base32 and address code") {
  auto vectors = cjdns::testing::loadVectorJson("keys.json");
  if (!vectors) return;
  int checked = 0;
  for (const Value& entry : list(*vectors, "keys")) {
    const std::string& pubText = text(entry, "publicKey");
    checkTriple(text(entry, "privateKey"), pubText, text(entry, "ipv6"));
    PublicKey raw = publicKeyFromHex(text(entry, "publicKeyHex"));
    CHECK(base32Encode(raw) + ".k" == pubText);
    auto decoded = base32Decode(std::string_view(pubText).substr(0, 52));
    REQUIRE(decoded.has_value());
    CHECK(std::equal(decoded->begin(), decoded->end(), raw.begin(), raw.end()));
    CHECK(ip6ToShortString(addressOf(raw)) == text(entry, "ipv6Short"));
    CHECK(parseIp6(text(entry, "ipv6Short")) == addressOf(raw));
    ++checked;
  }
  CHECK(checked == 64);
  MESSAGE("keys.json keys[]: " << checked << " triples checked");
}

TEST_CASE("every non-fc key in keys.json is refused as Invalid, as publictoip6 refused it") {
  auto vectors = cjdns::testing::loadVectorJson("keys.json");
  if (!vectors) return;
  int checked = 0;
  for (const Value& entry : list(*vectors, "nonFcKeys")) {
    const std::string& pubText = text(entry, "publicKey");
    CAPTURE(pubText);
    ParsedKey parsed = parsePublicKey(pubText);
    CHECK(parsed.error == KeyParseError::kInvalid);
    CHECK(parsed.key == publicKeyFromHex(text(entry, "publicKeyHex")));
    CHECK(ip6ToString(parsed.address) == text(entry, "wouldBeIpv6"));
    auto priv = parsePrivateKeyHex(text(entry, "privateKey"));
    REQUIRE(priv.has_value());
    CHECK(publicKeyOf(*priv) == parsed.key);
    const Value& real = field(entry, "realBinaryResults");
    for (const char* tool : {"publictoip6-v21.1", "publictoip6-v22"}) {
      CHECK(realOutcome(field(real, tool)).error == parsed.error);
    }
    ++checked;
  }
  CHECK(checked == 8);
  MESSAGE("keys.json nonFcKeys[]: " << checked << " keys checked");
}

TEST_CASE("every keyParseCases entry gets the outcome the real publictoip6 printed") {
  auto vectors = cjdns::testing::loadVectorJson("keys.json");
  if (!vectors) return;
  int cases = 0;
  int runs = 0;
  for (const Value& entry : list(*vectors, "keyParseCases")) {
    const std::string& input = text(entry, "input");
    const std::string& caseName = text(entry, "case");
    CAPTURE(caseName);
    ParsedKey lenient = parsePublicKey(input, TrailingText::kIgnore);
    ParsedKey strict = parsePublicKey(input);
    for (const auto& toolRun : field(entry, "results").asDict().entries()) {
      const std::string& tool = toolRun.first;  // named: CAPTURE cannot take a binding (clang 14)
      const Value& run = toolRun.second;
      CAPTURE(tool);
      RealOutcome real = realOutcome(run);
      // Ignore mode is the cjdns rule, so it must agree exactly.
      CHECK(lenient.error == real.error);
      if (real.error == KeyParseError::kNone) {
        CHECK(ip6ToShortString(lenient.address) == real.shortIp6);
      }
      // Our default differs only where cjdns accepted text after ".k".
      bool trailing = real.error == KeyParseError::kNone && input.size() > 54;
      CHECK(strict.error == (trailing ? KeyParseError::kMalformed : real.error));
      ++runs;
    }
    ++cases;
  }
  CHECK(cases == 16);
  MESSAGE("keys.json keyParseCases[]: " << cases << " cases, " << runs << " tool runs checked");
}

TEST_CASE("every spec-vectors.json key gives the documented public key and address") {
  auto vectors = cjdns::testing::loadVectorJson("spec-vectors.json");
  if (!vectors) return;
  int checked = 0;
  for (const Value& entry : list(*vectors, "keys")) {
    const std::string& vectorName = text(entry, "name");
    CAPTURE(vectorName);
    const std::string& pubText = text(entry, "publicKey");
    const std::string& ip6 = text(entry, "ipv6");
    ParsedKey parsed = parsePublicKey(pubText);
    REQUIRE(parsed.ok());
    CHECK(ip6ToString(parsed.address) == ip6);
    CHECK(publicKeyToString(parsed.key) == lower(pubText));
    if (const Value* priv = cjdns::testing::at(entry, "privateKey")) {
      checkTriple(priv->asString(), pubText, ip6);
    }
    if (const Value* hex = cjdns::testing::at(entry, "publicKeyHex")) {
      CHECK(parsed.key == publicKeyFromHex(hex->asString()));
    }
    const Value& checks = field(entry, "checks");
    for (const auto& versionPrinted : field(checks, "publictoip6").asDict().entries()) {
      const std::string& version = versionPrinted.first;
      const Value& printed = versionPrinted.second;
      CAPTURE(version);
      CHECK(ip6ToShortString(parsed.address) == printed.asString());
    }
    if (const Value* p2p = cjdns::testing::at(checks, "privatetopublic")) {
      for (const auto& versionLines : p2p->asDict().entries()) {
        const std::string& version = versionLines.first;
        const Value& lines = versionLines.second;
        CAPTURE(version);
        REQUIRE(lines.asList().size() == 2);
        CHECK(lines.asList()[0].asString() == "Matching pubkey: " + lower(pubText));
        CHECK(lines.asList()[1].asString() ==
              "Resulting address: " + ip6ToShortString(parsed.address));
      }
    }
    ++checked;
  }
  CHECK(checked == 6);
  MESSAGE("spec-vectors.json keys: " << checked << " entries checked");
}

TEST_CASE("every spec-vectors.json address string parses, prints back and has the recorded IPv6") {
  auto vectors = cjdns::testing::loadVectorJson("spec-vectors.json");
  if (!vectors) return;
  int checked = 0;
  for (const Value& entry : list(*vectors, "addressStrings")) {
    const std::string& name = text(entry, "addressString");
    CAPTURE(name);
    auto node = parseNodeName(name);
    REQUIRE(node.has_value());
    CHECK(nodeNameToString(*node) == name);
    const Value& parsed = field(entry, "parsed");
    CHECK(node->version == field(parsed, "version").asInt());
    CHECK(node->label == static_cast<std::uint64_t>(field(parsed, "labelInt").asInt()));
    CHECK(labelToString(node->label) == text(parsed, "label"));
    CHECK(publicKeyToString(node->key) == text(parsed, "publicKey"));
    const Value& checks = field(entry, "checks");
    std::string ip6 = text(checks, "pythonIpv6");
    if (const Value* recorded = cjdns::testing::at(entry, "ipv6")) {
      CHECK(recorded->asString() == ip6);
    }
    Ip6 address = addressOf(node->key);
    CHECK(ip6ToString(address) == ip6);
    for (const auto& versionPrinted : field(checks, "publictoip6").asDict().entries()) {
      const std::string& version = versionPrinted.first;
      const Value& printed = versionPrinted.second;
      CAPTURE(version);
      CHECK(ip6ToShortString(address) == printed.asString());
    }
    CHECK(nodeNameToIpString(*node) ==
          "v" + std::to_string(node->version) + "." + text(parsed, "label") + "." + ip6);
    ++checked;
  }
  CHECK(checked == 18);
  MESSAGE("spec-vectors.json addressStrings: " << checked << " names checked");
}
