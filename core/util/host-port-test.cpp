#include "core/util/host-port.h"

#include <doctest/doctest.h>

using namespace cjdns::util;

TEST_CASE("host-port parses IPv4 and bracketed IPv6 with ports") {
  auto a = parseHostPort("10.99.7.1:7937");
  REQUIRE(a.ok());
  CHECK_FALSE(a->isIpv6);
  CHECK(a->port == 7937);
  CHECK(a->ip[0] == 10);
  CHECK(a->toString() == "10.99.7.1:7937");
  auto b = parseHostPort("[::]:48422");
  REQUIRE(b.ok());
  CHECK(b->isIpv6);
  CHECK(b->toString() == "[::]:48422");
  auto c = parseHostPort("[fc00::1]:1");
  REQUIRE(c.ok());
  CHECK(c->ip[0] == 0xfc);
  CHECK(c->ip[15] == 1);
}

TEST_CASE("host-port refuses hostnames, missing and bad ports, and bare IPv6 with a port") {
  CHECK(parseHostPort("example.com:48422").error().message.find("hostnames aren't supported") != std::string::npos);
  CHECK(parseHostPort("10.0.0.1").error().message.find("missing port") != std::string::npos);
  CHECK(parseHostPort("10.0.0.1:65536").error().message.find("port") != std::string::npos);
  CHECK(parseHostPort("10.0.0.1:").error().message.find("port") != std::string::npos);
  CHECK(parseHostPort("10.0.0.1:x").error().message.find("port") != std::string::npos);
  CHECK(parseHostPort("fc00::1:80").error().message.find("[address]:port") != std::string::npos);
  CHECK(parseHostPort("[fc00::1").error().message.find("']'") != std::string::npos);
  CHECK(parseHostPort("300.1.1.1:5").error().message.find("not a valid IPv4") != std::string::npos);
  CHECK(parseHostPort("[zz::1]:5").error().message.find("not a valid IPv6") != std::string::npos);
}

TEST_CASE("host-port allows a missing port only when asked") {
  auto a = parseHostPort("0.0.0.0", PortRule::kOptional);
  REQUIRE(a.ok());
  CHECK(a->port == 0);
}

TEST_CASE("mac parser reads six colon-separated hex pairs and nothing else") {
  std::array<std::uint8_t, 6> mac{};
  CHECK(parseMac("01:02:03:04:05:0A", mac));
  CHECK(mac[5] == 0x0a);
  CHECK_FALSE(parseMac("01:02:03:04:05", mac));
  CHECK_FALSE(parseMac("01-02-03-04-05-06", mac));
  CHECK_FALSE(parseMac("01:02:03:04:05:0g", mac));
}
