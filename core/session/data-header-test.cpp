#include "core/session/data-header.h"

#include <doctest/doctest.h>

#include <array>
#include <cstdint>

#include "core/wire/message.h"

using cjdns::session::DataHeader;
namespace content_type = cjdns::session::content_type;

TEST_CASE("a data header for CJDHT is 10 00 01 00") {
  const auto bytes = DataHeader::of(content_type::kCjdht).toBytes();
  CHECK(bytes == std::array<std::uint8_t, 4>{0x10, 0x00, 0x01, 0x00});
  CHECK(DataHeader::of(content_type::kTcp).toBytes() == std::array<std::uint8_t, 4>{0x10, 0x00, 0x00, 0x06});
}

TEST_CASE("a data header parses version, flags and content type, and ignores the unused byte") {
  const std::array<std::uint8_t, 5> in{0x2a, 0x77, 0x01, 0x01, 0xee};
  const auto h = DataHeader::parse(in);
  REQUIRE(h.has_value());
  CHECK(h->version == 2);
  CHECK(h->flags == 0xa);
  CHECK(h->contentType == content_type::kIpTun);
  CHECK(h->toBytes() == std::array<std::uint8_t, 4>{0x2a, 0x00, 0x01, 0x01});
}

TEST_CASE("a data header shorter than four bytes does not parse and leaves the message alone") {
  cjdns::wire::Message m;
  const std::array<std::uint8_t, 3> three{0x10, 0x00, 0x01};
  REQUIRE(m.append(three));
  CHECK_FALSE(DataHeader::pop(m).has_value());
  CHECK(m.length() == 3);
}

TEST_CASE("a pushed data header pops back off the front of a message") {
  cjdns::wire::Message m;
  const std::array<std::uint8_t, 2> payload{0xab, 0xcd};
  REQUIRE(m.append(payload));
  REQUIRE(DataHeader::of(content_type::kUdp).push(m));
  CHECK(m.length() == 6);
  const auto h = DataHeader::pop(m);
  REQUIRE(h.has_value());
  CHECK(*h == DataHeader::of(content_type::kUdp));
  CHECK(m.length() == 2);
  CHECK(m.data()[0] == 0xab);
}

TEST_CASE("content types up to 255 are IPv6 payloads, CJDHT and IpTunnel are not") {
  CHECK(cjdns::session::isIp6Payload(content_type::kIcmp6));
  CHECK(cjdns::session::isIp6Payload(255));
  CHECK_FALSE(cjdns::session::isIp6Payload(content_type::kCjdht));
  CHECK_FALSE(cjdns::session::isIp6Payload(content_type::kIpTun));
}
