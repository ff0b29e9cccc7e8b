#include "core/iface/tun-adapter.h"

#include <doctest/doctest.h>

#include <array>
#include <cstring>
#include <vector>

#include "core/wire/checksum.h"
#include "core/wire/endian.h"

using namespace cjdns;

namespace {

crypto::Ip6 ip(std::uint8_t first, std::uint8_t last) {
  crypto::Ip6 a{};
  a[0] = first;
  a[15] = last;
  return a;
}

/// An IPv6 packet: header + `payload` bytes of 0xab.
void ipv6(wire::Message& m, const crypto::Ip6& src, const crypto::Ip6& dst, std::uint8_t next, std::size_t payload) {
  m.reset();
  std::uint8_t* h = m.extend(40 + payload);
  REQUIRE(h != nullptr);
  std::memset(h, 0xab, 40 + payload);
  h[0] = 0x60;
  h[1] = h[2] = h[3] = 0;
  wire::storeBe16(h + 4, static_cast<std::uint16_t>(payload));
  h[6] = next;
  h[7] = 64;
  std::memcpy(h + 8, src.data(), 16);
  std::memcpy(h + 24, dst.data(), 16);
}

}  // namespace

TEST_CASE("tun adapter strips the IPv6 header of our traffic to a cjdns address and rebuilds it on the way in") {
  const auto us = ip(0xfc, 1);
  const auto them = ip(0xfc, 2);
  wire::Message m;
  ipv6(m, us, them, 58, 64);
  iface::TunPacket p;
  REQUIRE(iface::fromTun(m, us, p) == iface::TunVerdict::kToSession);
  CHECK(p.destination == them);
  CHECK(p.contentType == 58);
  CHECK(m.length() == 64);
  CHECK(m.data()[0] == 0xab);
  // The far end rebuilds it with the sender as source and hop limit 42.
  REQUIRE(iface::toTun(m, p.contentType, us, them));
  CHECK(m.length() == 104);
  CHECK(m.data()[0] == 0x60);
  CHECK(wire::loadBe16(m.data() + 4) == 64);
  CHECK(m.data()[6] == 58);
  CHECK(m.data()[7] == iface::kHopLimit);
  CHECK(std::memcmp(m.data() + 8, us.data(), 16) == 0);
  CHECK(std::memcmp(m.data() + 24, them.data(), 16) == 0);
}

TEST_CASE("tun adapter refuses what is not ours to carry, leaving the packet unchanged") {
  const auto us = ip(0xfc, 1);
  wire::Message m;
  iface::TunPacket p;
  ipv6(m, ip(0xfc, 9), ip(0xfc, 2), 6, 10);
  CHECK(iface::fromTun(m, us, p) == iface::TunVerdict::kWrongSource);
  CHECK(m.length() == 50);
  ipv6(m, us, ip(0x20, 1), 6, 10);
  CHECK(iface::fromTun(m, us, p) == iface::TunVerdict::kNotCjdns);
  ipv6(m, us, us, 6, 10);
  CHECK(iface::fromTun(m, us, p) == iface::TunVerdict::kToSelf);
  ipv6(m, us, ip(0xfc, 2), 6, 10);
  m.data()[0] = 0x45;
  CHECK(iface::fromTun(m, us, p) == iface::TunVerdict::kNotIpv6);
  ipv6(m, us, ip(0xfc, 2), 6, 10);
  REQUIRE(m.truncate(45));
  CHECK(iface::fromTun(m, us, p) == iface::TunVerdict::kRunt);
  m.reset();
  CHECK(iface::fromTun(m, us, p) == iface::TunVerdict::kNotIpv6);
}

TEST_CASE("tun adapter answers an unreachable destination with a valid ICMPv6 error") {
  const auto us = ip(0xfc, 1);
  const auto them = ip(0xfc, 2);
  wire::Message m;
  ipv6(m, us, them, 17, 2000);  // larger than fits in the error
  REQUIRE(iface::makeUnreachable(m, us, iface::Unreachable::kNoRoute));
  CHECK(m.length() == 1280);
  CHECK(m.data()[6] == wire::kIpProtoIcmp6);
  CHECK(std::memcmp(m.data() + 24, us.data(), 16) == 0);  // back to the sender
  const std::uint8_t* icmp = m.data() + 40;
  CHECK(icmp[0] == 1);
  CHECK(icmp[1] == 0);
  // A correct checksum sums to zero under the pseudo-header.
  std::span<const std::uint8_t> body(icmp, m.length() - 40);
  CHECK(wire::ip6PseudoHeaderChecksum(std::span<const std::uint8_t, 16>(m.data() + 8, 16),
                                      std::span<const std::uint8_t, 16>(m.data() + 24, 16), wire::kIpProtoIcmp6,
                                      body) == 0);
  CHECK(wire::loadBe16(m.data() + 4) == 1240);
  // The quoted packet starts with the original header.
  CHECK(icmp[8] == 0x60);
}

TEST_CASE("tun adapter leaves IPv4 and IPv6 outside fc00::/8 to IpTunnel, whatever their source") {
  const auto us = ip(0xfc, 1);
  crypto::Ip6 tunnelled{};
  tunnelled[0] = 0x20;
  tunnelled[1] = 0x01;
  tunnelled[15] = 2;
  wire::Message m;
  ipv6(m, tunnelled, ip(0x20, 9), 6, 10);  // a tunnel address as source
  CHECK(iface::forIpTunnel(m.bytes()));
  ipv6(m, us, ip(0xfc, 2), 6, 10);
  CHECK_FALSE(iface::forIpTunnel(m.bytes()));
  ipv6(m, tunnelled, ip(0xfc, 2), 6, 10);  // fromTun refuses it (wrong source)
  CHECK_FALSE(iface::forIpTunnel(m.bytes()));
  REQUIRE(m.truncate(39));  // too short to have a destination
  CHECK_FALSE(iface::forIpTunnel(m.bytes()));
  m.reset();
  const std::uint8_t v4[20] = {0x45};
  REQUIRE(m.append(v4));
  CHECK(iface::forIpTunnel(m.bytes()));
  m.data()[0] = 0x15;
  CHECK_FALSE(iface::forIpTunnel(m.bytes()));
  m.reset();
  CHECK_FALSE(iface::forIpTunnel(m.bytes()));
}
