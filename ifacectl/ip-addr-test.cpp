#include "ifacectl/ip-addr.h"

#include <doctest/doctest.h>
#include <sys/socket.h>

using cjdns::ifacectl::IpAddr;

TEST_CASE("IpAddr parses dotted quads and every IPv6 text form") {
  auto v4 = IpAddr::parse("10.1.2.3");
  REQUIRE(v4.has_value());
  CHECK(v4->family == AF_INET);
  CHECK(v4->size() == 4);
  CHECK(v4->bytes[0] == 10);
  CHECK(v4->bytes[3] == 3);
  CHECK(v4->toString() == "10.1.2.3");

  auto v6 = IpAddr::parse("fc68:cb2c:60db:cb96:19ac:34a8:fd34:03fc");
  REQUIRE(v6.has_value());
  CHECK(v6->family == AF_INET6);
  CHECK(v6->maxPrefix() == 128);
  CHECK(v6->bytes[0] == 0xfc);
  CHECK(v6->bytes[15] == 0xfc);
  CHECK(v6->toString() == "fc68:cb2c:60db:cb96:19ac:34a8:fd34:3fc");
  CHECK(IpAddr::parse("FC00::1")->toString() == "fc00::1");
}

TEST_CASE("IpAddr refuses prefixes, zones, hostnames and empty text") {
  CHECK_FALSE(IpAddr::parse("").has_value());
  CHECK_FALSE(IpAddr::parse("fc00::1/8").has_value());
  CHECK_FALSE(IpAddr::parse("fe80::1%eth0").has_value());
  CHECK_FALSE(IpAddr::parse("example.com").has_value());
  CHECK_FALSE(IpAddr::parse("10.0.0.256").has_value());
  CHECK_FALSE(IpAddr::parse(std::string(100, '1')).has_value());
}

TEST_CASE("IpAddr from raw bytes takes 4 or 16 bytes only") {
  const std::uint8_t raw[16] = {0xfc, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1};
  CHECK(IpAddr::fromBytes(std::span(raw, 16))->toString() == "fc00::1");
  CHECK(IpAddr::fromBytes(std::span(raw, 4))->toString() == "252.0.0.0");
  CHECK_FALSE(IpAddr::fromBytes(std::span(raw, 5)).has_value());
  CHECK(IpAddr{}.size() == 0);
}

TEST_CASE("IpAddr masked clears every bit after the prefix") {
  auto ip = *IpAddr::parse("fc68:cb2c::ffff");
  CHECK(ip.masked(8).toString() == "fc00::");
  CHECK(ip.masked(7).toString() == "fc00::");
  CHECK(ip.masked(6).toString() == "fc00::");
  CHECK(ip.masked(12).toString() == "fc60::");
  CHECK(ip.masked(0).toString() == "::");
  CHECK(ip.masked(128) == ip);
  CHECK(IpAddr::parse("10.255.255.255")->masked(9).toString() == "10.128.0.0");
}
