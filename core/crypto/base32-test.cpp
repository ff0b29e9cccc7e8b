#include "core/crypto/base32.h"

#include <doctest/doctest.h>

#include <array>
#include <string>
#include <vector>

#include "core/util/hex.h"

using cjdns::crypto::base32Decode;
using cjdns::crypto::base32Encode;
using Bytes = std::vector<std::uint8_t>;

namespace {

Bytes hexBytes(std::string_view hex) {
  auto bytes = cjdns::util::fromHex(hex);
  REQUIRE(bytes.has_value());
  return *bytes;
}

}  // namespace

TEST_CASE("base32 puts the first byte's low bits in the first character") {
  // wire.md 2.2: 01 00 .. 00 -> "1000..0" and 00 .. 00 80 -> "000..01".
  Bytes low(32, 0);
  low[0] = 0x01;
  CHECK(base32Encode(low) == "1" + std::string(51, '0'));
  Bytes high(32, 0);
  high[31] = 0x80;
  CHECK(base32Encode(high) == std::string(51, '0') + "1");
  CHECK(base32Decode("1" + std::string(51, '0')) == low);
  CHECK(base32Decode(std::string(51, '0') + "1") == high);
}

TEST_CASE("base32 encodes the CryptoAddress_test public key as cjdns does") {
  Bytes key = hexBytes("d7c0df45001a5be5e81c95e519be5199055237cb9116882cadcefe48ab735173");
  const std::string text = "r6jzx210usqbgnm3pdtm1z6btd14pvdtkn5j8qnpgqzknpggkuw0";
  CHECK(base32Encode(key) == text);
  CHECK(base32Decode(text) == key);
}

TEST_CASE("base32 output length is ceil(8n/5) and every length round-trips") {
  Bytes data;
  for (std::size_t n = 0; n <= 40; ++n) {
    std::string text = base32Encode(data);
    CHECK(text.size() == cjdns::crypto::base32EncodedSize(n));
    CHECK(text.size() == (8 * n + 4) / 5);
    auto back = base32Decode(text);
    REQUIRE(back.has_value());
    CHECK(*back == data);
    data.push_back(static_cast<std::uint8_t>(n * 37 + 11));
  }
}

TEST_CASE("base32 uses all 32 symbols of the DNSCurve alphabet in order") {
  // 8 symbols are exactly 5 bytes; each run must survive a round trip, which
  // only holds if every symbol maps to its own position in the alphabet.
  const std::string alphabet = "0123456789bcdfghjklmnpqrstuvwxyz";
  for (std::size_t start = 0; start < 32; start += 8) {
    std::string text = alphabet.substr(start, 8);
    auto bytes = base32Decode(text);
    REQUIRE(bytes.has_value());
    CHECK(bytes->size() == 5);
    CHECK(base32Encode(*bytes) == text);
  }
}

TEST_CASE("base32 decoding accepts upper and mixed case") {
  Bytes key = hexBytes("1752b6d0dd2e24c25813b06c73d26a70d589e7dba80221ec90bbfa29c2b2dc3f");
  CHECK(base32Decode("RJNDC8RVG194DDF2J5V679CFJCPMSMHV8P022Q3LVPYM21CQWYH0") == key);
  CHECK(base32Decode("rjNDc8rvG194ddf2j5v679cfjcpmsmhv8p022q3lvpym21cqwyH0") == key);
}

TEST_CASE("base32 rejects characters outside the alphabet") {
  for (const char* bad : {"a0", "e0", "i0", "o0", "A0", "O0", ".0", " 0", "0-", "\xc3\xa9"}) {
    CAPTURE(bad);
    CHECK_FALSE(base32Decode(bad).has_value());
  }
  CHECK_FALSE(base32Decode(std::string_view("0\0", 2)).has_value());
}

TEST_CASE("base32 rejects a key whose last character carries non-zero leftover bits") {
  // 52 characters hold 260 bits: the last one has 1 data bit and 4 padding
  // bits, so only '0' and '1' may end a 32-byte key.
  const std::string body = "psgqfyzurp7slhnl53d577thunlqujb7u0jj6hwf74qhllmnbcw";
  CHECK(base32Decode(body + "0").has_value());
  CHECK(base32Decode(body + "1").has_value());
  for (char last : std::string("23456789bz")) {
    CAPTURE(last);
    CHECK_FALSE(base32Decode(body + last).has_value());
  }
  CHECK(base32Decode("z7") == Bytes{0xff});
  CHECK_FALSE(base32Decode("z8").has_value());
}

TEST_CASE("base32 rejects input with a whole unused character at the end") {
  CHECK_FALSE(base32Decode("0").has_value());  // 5 bits: not even one byte
  CHECK_FALSE(base32Decode("000").has_value());  // 15 bits: 1 byte + 7 spare
  CHECK(base32Decode("0000").has_value());  // 20 bits: 2 bytes + 4 spare
  CHECK(base32Decode("") == Bytes{});
}
