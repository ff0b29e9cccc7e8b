#include "core/crypto/address.h"

#include <doctest/doctest.h>

#include <string>

using namespace cjdns::crypto;

namespace {

Ip6 sampleIp() {
  auto ip = parseIp6("fc68:cb2c:60db:cb96:19ac:34a8:fd34:03fc");
  REQUIRE(ip.has_value());
  return *ip;
}

PublicKey keyOf(std::string_view text) {
  ParsedKey parsed = parsePublicKey(text);
  REQUIRE(parsed.ok());
  return parsed.key;
}

}  // namespace

TEST_CASE("ip6ToString prints 8 zero-padded lowercase groups without compression") {
  CHECK(ip6ToString(sampleIp()) == "fc68:cb2c:60db:cb96:19ac:34a8:fd34:03fc");
  CHECK(ip6ToString(Ip6{}) == "0000:0000:0000:0000:0000:0000:0000:0000");
}

TEST_CASE("ip6ToShortString drops leading zeros but keeps all 8 groups") {
  CHECK(ip6ToShortString(sampleIp()) == "fc68:cb2c:60db:cb96:19ac:34a8:fd34:3fc");
  CHECK(ip6ToShortString(Ip6{}) == "0:0:0:0:0:0:0:0");
  Ip6 ip{};
  ip[0] = 0xfc;
  ip[15] = 0x10;
  CHECK(ip6ToShortString(ip) == "fc00:0:0:0:0:0:0:10");
}

TEST_CASE("parseIp6 accepts full, short, compressed and upper-case forms") {
  Ip6 want = sampleIp();
  CHECK(want[0] == 0xfc);
  CHECK(want[15] == 0xfc);
  CHECK(parseIp6("fc68:cb2c:60db:cb96:19ac:34a8:fd34:3fc") == want);
  CHECK(parseIp6("FC68:CB2C:60DB:CB96:19AC:34A8:FD34:03FC") == want);
  Ip6 compressed{};
  compressed[0] = 0xfc;
  compressed[15] = 0x01;
  CHECK(parseIp6("fc00::1") == compressed);
  CHECK(parseIp6("::") == Ip6{});
  Ip6 mapped{};
  mapped[10] = mapped[11] = 0xff;
  mapped[12] = 1;
  mapped[13] = 2;
  mapped[14] = 3;
  mapped[15] = 4;
  CHECK(parseIp6("::ffff:1.2.3.4") == mapped);
}

TEST_CASE("parseIp6 rejects zones, brackets, ports, bad groups and embedded NULs") {
  for (const char* bad : {"", "fc00::1%eth0", "[fc00::1]", "fc00::1:80:", "1:2:3:4:5:6:7:8:9",
                          "fc00:::1", "12345::", "g::", "1.2.3.4", " fc00::1"}) {
    CAPTURE(bad);
    CHECK_FALSE(parseIp6(bad).has_value());
  }
  CHECK_FALSE(parseIp6(std::string_view("fc00::1\0junk", 12)).has_value());
  CHECK_FALSE(parseIp6(std::string(60, '1')).has_value());
}

TEST_CASE("labelToString prints the label as four big-endian hex groups") {
  CHECK(labelToString(0x13) == "0000.0000.0000.0013");
  CHECK(labelToString(0x0123456789abcdefULL) == "0123.4567.89ab.cdef");
  CHECK(labelToString(~0ULL) == "ffff.ffff.ffff.ffff");
}

TEST_CASE("parseLabel reads exactly 19 characters with dots at 4, 9 and 14") {
  CHECK(parseLabel("0000.0000.0000.0013") == 0x13u);
  CHECK(parseLabel("0123.4567.89AB.cdef") == 0x0123456789abcdefULL);
  CHECK(parseLabel("ffff.ffff.ffff.ffff") == ~0ULL);
  for (const char* bad : {"", "0000.0000.0000.013", "0000.0000.0000.00013", "00000000.0000.0013",
                          "0000:0000:0000:0013", "0000.0000.0000.001g", "0000.0000.0000.+013",
                          "0000.0000.0000.0013 ", "000.00000.0000.0013"}) {
    CAPTURE(bad);
    CHECK_FALSE(parseLabel(bad).has_value());
  }
}

TEST_CASE("node names print and parse in the key form of the cjdnstool tests") {
  const std::string text =
      "v20.0000.0000.0000.001b.byxcwmgbhkcgt3vv2820vujbc65szwkn9sj7vk1x3tjdw4q0sc30.k";
  auto node = parseNodeName(text);
  REQUIRE(node.has_value());
  CHECK(node->version == 20u);
  CHECK(node->label == 0x1bu);
  CHECK(node->key == keyOf("byxcwmgbhkcgt3vv2820vujbc65szwkn9sj7vk1x3tjdw4q0sc30.k"));
  CHECK(ip6ToString(addressOf(node->key)) == "fcb6:19d6:8d6a:7437:0213:039c:d9fb:e255");
  CHECK(nodeNameToString(*node) == text);
}

TEST_CASE("the IP form of a node name ends in the full IPv6 address") {
  NodeName node{21, 0x1d, keyOf("08bz912l989nzqc21q9x5qr96ns465nd71f290hb9q40z94jjw60.k")};
  CHECK(nodeNameToIpString(node) == "v21.0000.0000.0000.001d.fc8d:56ed:a8f3:237e:e586:2447:9966:9be1");
  CHECK(nodeNameToString(node) ==
        "v21.0000.0000.0000.001d.08bz912l989nzqc21q9x5qr96ns465nd71f290hb9q40z94jjw60.k");
}

TEST_CASE("parseNodeName accepts any 32-bit version and an upper-case key") {
  const std::string tail = ".0000.0000.0000.0013.6npk9pfdw09t0ldp0c9usrp8pkhttg0104849ng6j5gsz3w8q3x0.k";
  CHECK(parseNodeName("v0" + tail).has_value());
  auto big = parseNodeName("v4294967295" + tail);
  REQUIRE(big.has_value());
  CHECK(big->version == 4294967295u);
  auto upper = parseNodeName(
      "v13.0000.0000.0000.0013.6NPK9PFDW09T0LDP0C9USRP8PKHTTG0104849NG6J5GSZ3W8Q3X0.k");
  REQUIRE(upper.has_value());
  CHECK(upper->key == keyOf("6npk9pfdw09t0ldp0c9usrp8pkhttg0104849ng6j5gsz3w8q3x0.k"));
}

TEST_CASE("parseNodeName rejects bad versions, labels, keys and trailing text") {
  const std::string label = "0000.0000.0000.0013";
  const std::string key = "6npk9pfdw09t0ldp0c9usrp8pkhttg0104849ng6j5gsz3w8q3x0.k";
  const std::string good = "v13." + label + "." + key;
  REQUIRE(parseNodeName(good).has_value());
  for (const std::string& bad : {
           "13." + label + "." + key,           // no 'v'
           "V13." + label + "." + key,          // upper-case 'V'
           "v." + label + "." + key,            // no digits
           "v1x." + label + "." + key,          // non-digit version
           "v4294967296." + label + "." + key,  // version overflows 32 bits
           "v13" + label + "." + key,           // no dot after the version
           "v13.0000.0000.0000.001g." + key,    // bad label digit
           "v13.0000.0000.0000.0013:" + key,    // wrong separator
           good + " ",                          // trailing text
           good.substr(0, good.size() - 1),     // truncated suffix
           "v13." + label + "." + std::string(52, '0') + ".k",  // non-fc key
           std::string("v13"),
           std::string(),
       }) {
    CAPTURE(bad);
    CHECK_FALSE(parseNodeName(bad).has_value());
  }
}
