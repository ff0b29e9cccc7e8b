#include "core/switch/switch-header.h"

#include <doctest/doctest.h>

#include "core/switch/test-util.h"
#include "core/wire/message.h"

using namespace cjdns::switching;
using cjdns::switching::test::bytesOf;
using cjdns::wire::Message;

TEST_CASE("switch header reads every field of a captured one-hop ping") {
  auto bytes = bytesOf("80000000000000010044ffff");
  auto h = SwitchHeader::parse(bytes);
  REQUIRE(h.has_value());
  CHECK(h->label == 0x8000000000000001ull);
  CHECK(h->congestion == 0);
  CHECK_FALSE(h->suppressErrors);
  CHECK(h->version == 1);
  CHECK(h->labelShift == 4);
  CHECK(h->trafficClass == 0xffff);
  auto again = h->toBytes();
  CHECK(std::vector<std::uint8_t>(again.begin(), again.end()) == bytes);
}

TEST_CASE("switch header splits byte 8 into congestion and the suppress-errors bit") {
  auto h = SwitchHeader::parse(bytesOf("0000000000000001034000ff"));
  REQUIRE(h.has_value());
  CHECK(h->congestion == 1);
  CHECK(h->suppressErrors);
  CHECK(h->version == 1);
  CHECK(h->labelShift == 0);
  CHECK(h->trafficClass == 0x00ff);
  auto g = SwitchHeader::parse(bytesOf("0000000000000001fec00000"));
  REQUIRE(g.has_value());
  CHECK(g->congestion == 0x7f);
  CHECK_FALSE(g->suppressErrors);
  CHECK(g->version == 3);
}

TEST_CASE("switch header gives back the same bytes for every value of bytes 8 and 9") {
  std::array<std::uint8_t, SwitchHeader::kSize> in{0x12, 0x34, 0x56, 0x78, 0x9a, 0xbc, 0xde, 0xf0, 0, 0, 0xab, 0xcd};
  int mismatches = 0;
  for (int b8 = 0; b8 < 256; ++b8) {
    for (int b9 = 0; b9 < 256; ++b9) {
      in[8] = static_cast<std::uint8_t>(b8);
      in[9] = static_cast<std::uint8_t>(b9);
      auto h = SwitchHeader::parse(in);
      if (!h || h->toBytes() != in) ++mismatches;
    }
  }
  CHECK(mismatches == 0);
}

TEST_CASE("switch header refuses fewer than 12 bytes") {
  auto bytes = bytesOf("80000000000000010044ff");
  CHECK_FALSE(SwitchHeader::parse(bytes).has_value());
  CHECK_FALSE(SwitchHeader::parse({}).has_value());
}

TEST_CASE("switch header truncates fields wider than their bits when serializing") {
  SwitchHeader h;
  h.label = 0x13;
  h.congestion = 0xff;
  h.version = 5;
  h.labelShift = 65;
  auto b = h.toBytes();
  CHECK(b[8] == 0xfe);
  CHECK(b[9] == ((1 << 6) | 1));
}

TEST_CASE("switch header is pushed onto and popped off a message in place") {
  Message msg(32);
  std::array<std::uint8_t, 4> payload{0xff, 0xff, 0xff, 0xff};
  REQUIRE(msg.append(payload));
  SwitchHeader h;
  h.label = 0x153;
  h.labelShift = 9;
  h.trafficClass = 7;
  REQUIRE(h.push(msg));
  CHECK(msg.length() == 16);
  CHECK(SwitchHeader::peek(msg) == h);
  CHECK(msg.length() == 16);
  auto popped = SwitchHeader::pop(msg);
  REQUIRE(popped.has_value());
  CHECK(*popped == h);
  CHECK(msg.length() == 4);
  CHECK_FALSE(SwitchHeader::pop(msg).has_value());
  CHECK(msg.length() == 4);
}

TEST_CASE("switch header push fails and leaves the message alone without headroom") {
  Message msg(11);
  SwitchHeader h;
  CHECK_FALSE(h.push(msg));
  CHECK(msg.length() == 0);
  CHECK(msg.headroom() == 11);
}
