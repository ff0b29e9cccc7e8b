#include "core/iface/eth-frame.h"

#include <doctest/doctest.h>

#include <string>
#include <vector>

#include "core/util/hex.h"

using namespace cjdns;
using iface::EthFrameError;
using iface::MacAddress;

namespace {

std::vector<std::uint8_t> hex(std::string_view text) {
  auto v = util::fromHex(text);
  REQUIRE(v.has_value());
  return *v;
}

MacAddress mac(std::string_view text) {
  auto m = MacAddress::parse(text);
  REQUIRE(m.has_value());
  return *m;
}

const std::string kPeer = "020000000001";
// A frame from 02:00:00:00:00:01 to 02:00:00:00:00:02 carrying "abcd".
const std::string kFrameHex = "020000000002" + kPeer + "fc00" "0000000afc00" "61626364";

}  // namespace

TEST_CASE("mac address parses, prints and tells group from unicast") {
  const MacAddress m = mac("0A:1b:2C:3d:4E:5f");
  CHECK(m.toString() == "0a:1b:2c:3d:4e:5f");
  CHECK(m.usableAsPeer());
  CHECK_FALSE(m.isGroup());
  CHECK(MacAddress::broadcast().isBroadcast());
  CHECK(MacAddress::broadcast().isGroup());
  CHECK_FALSE(MacAddress::broadcast().usableAsPeer());
  CHECK(mac("01:00:5e:00:00:01").isGroup());
  CHECK_FALSE(mac("01:00:5e:00:00:01").isBroadcast());
  CHECK(MacAddress().isZero());
  CHECK_FALSE(MacAddress().usableAsPeer());
  for (const char* bad : {"", "0a:1b:2c:3d:4e", "0a:1b:2c:3d:4e:5f:", "0a-1b-2c-3d-4e-5f", "0a:1b:2c:3d:4e:5g",
                          "0a:1b:2c:3d:4e:5", " 0a:1b:2c:3d:4e:5f", "0a1b:2c:3d:4e:5f:"}) {
    CHECK_MESSAGE(!MacAddress::parse(bad), bad);
  }
}

TEST_CASE("mac address goes into a link address and back") {
  const MacAddress m = mac("02:11:22:33:44:55");
  const iface::LinkAddress la = m.toLinkAddress();
  CHECK(la.family() == AF_PACKET);
  CHECK(la.toString() == m.toString());
  const auto back = MacAddress::fromLinkAddress(la);
  REQUIRE(back.has_value());
  CHECK(*back == m);
  CHECK_FALSE(MacAddress::fromLinkAddress(iface::LinkAddress()));
}

TEST_CASE("eth frame is built byte for byte as wire.md 4.3 lays it out") {
  wire::Message msg;
  REQUIRE(msg.append(hex("61626364")));
  REQUIRE(iface::pushEthFrame(msg, mac("02:00:00:00:00:02"), mac("02:00:00:00:00:01")) == EthFrameError::kNone);
  CHECK(util::toHex(msg.bytes()) == kFrameHex);

  wire::Message body;
  REQUIRE(body.append(hex("61626364")));
  REQUIRE(iface::pushEthHeader(body) == EthFrameError::kNone);
  CHECK(util::toHex(body.bytes()) == "0000000afc0061626364");
}

TEST_CASE("eth frame round trips and cuts NIC padding by its length field") {
  auto bytes = hex(kFrameHex);
  bytes.resize(60, 0xee);  // minimum Ethernet frame: the NIC pads
  const auto parsed = iface::parseEthFrame(bytes);
  REQUIRE(parsed.ok());
  CHECK(parsed.dst == mac("02:00:00:00:00:02"));
  CHECK(parsed.src == mac("02:00:00:00:00:01"));
  CHECK(util::toHex(parsed.payload) == "61626364");
  CHECK_FALSE(parsed.isBeacon());

  wire::Message msg;
  REQUIRE(msg.append(bytes));
  MacAddress dst, src;
  REQUIRE(iface::popEthFrame(msg, dst, src) == EthFrameError::kNone);
  CHECK(util::toHex(msg.bytes()) == "61626364");
  CHECK(src == parsed.src);
  CHECK(dst == parsed.dst);
}

TEST_CASE("eth body is the header after the EtherType, as a SOCK_DGRAM socket reads it") {
  const auto body = hex("0000000afc0061626364" "00000000");
  const auto parsed = iface::parseEthBody(body);
  REQUIRE(parsed.ok());
  CHECK(util::toHex(parsed.payload) == "61626364");
  wire::Message msg;
  REQUIRE(msg.append(body));
  REQUIRE(iface::popEthHeader(msg) == EthFrameError::kNone);
  CHECK(util::toHex(msg.bytes()) == "61626364");
  CHECK(iface::parseEthBody(hex("00000006fc00")).ok());  // empty payload
}

TEST_CASE("eth frame to the broadcast address is a beacon") {
  wire::Message msg;
  REQUIRE(msg.append(std::vector<std::uint8_t>(56, 7)));
  REQUIRE(iface::pushEthFrame(msg, MacAddress::broadcast(), mac("02:00:00:00:00:01")) == EthFrameError::kNone);
  const auto parsed = iface::parseEthFrame(msg.bytes());
  REQUIRE(parsed.ok());
  CHECK(parsed.isBeacon());
  CHECK(parsed.payload.size() == 56);
  CHECK(util::toHex(msg.bytes().subspan(14, 6)) == "0000003efc00");  // 56 + 6 = 62
}

TEST_CASE("eth frame accepts a non-zero zero byte, as cjdns does") {
  auto bytes = hex(kFrameHex);
  bytes[15] = 0x5a;
  CHECK(iface::parseEthFrame(bytes).ok());
}

TEST_CASE("eth frame refuses each malformed case with its reason") {
  struct Case {
    const char* what;
    std::string hexFrame;
    EthFrameError want;
  };
  const std::string dst = "020000000002";
  const Case cases[] = {
      {"empty", "", EthFrameError::kTooShort},
      {"MAC header only", dst + kPeer + "fc00", EthFrameError::kTooShort},
      {"cjdns header cut", dst + kPeer + "fc00" "0000000afc", EthFrameError::kTooShort},
      {"IPv6 EtherType", dst + kPeer + "86dd" "0000000afc0061626364", EthFrameError::kWrongEthertype},
      {"multicast source", dst + "010000000001" "fc00" "0000000afc0061626364", EthFrameError::kBadSource},
      {"broadcast source", dst + "ffffffffffff" "fc00" "0000000afc0061626364", EthFrameError::kBadSource},
      {"zero source", dst + "000000000000" "fc00" "0000000afc0061626364", EthFrameError::kBadSource},
      {"version 1", dst + kPeer + "fc00" "0100000afc0061626364", EthFrameError::kBadVersion},
      {"length 5", dst + kPeer + "fc00" "00000005fc0061626364", EthFrameError::kLengthTooSmall},
      {"length 0", dst + kPeer + "fc00" "00000000fc0061626364", EthFrameError::kLengthTooSmall},
      {"length 1497", dst + kPeer + "fc00" "000005d9fc0061626364", EthFrameError::kLengthTooLarge},
      {"length past the end", dst + kPeer + "fc00" "0000000bfc0061626364", EthFrameError::kTruncated},
      {"magic fc01", dst + kPeer + "fc00" "0000000afc0161626364", EthFrameError::kBadMagic},
      {"magic 00fc", dst + kPeer + "fc00" "0000000a00fc61626364", EthFrameError::kBadMagic},
  };
  for (const Case& c : cases) {
    INFO(c.what);
    const auto bytes = hex(c.hexFrame);
    CHECK(iface::parseEthFrame(bytes).error == c.want);
    wire::Message msg;
    REQUIRE(msg.append(bytes));
    MacAddress d, s;
    CHECK(iface::popEthFrame(msg, d, s) == c.want);
    CHECK(util::toHex(msg.bytes()) == c.hexFrame);  // untouched
    CHECK(s == MacAddress());
  }
}

TEST_CASE("eth body refuses each malformed case and leaves the message alone") {
  const std::pair<const char*, EthFrameError> cases[] = {
      {"0000000afc", EthFrameError::kTooShort},
      {"0200000afc0061626364", EthFrameError::kBadVersion},
      {"00000004fc0061626364", EthFrameError::kLengthTooSmall},
      {"0000ffffaaaa", EthFrameError::kLengthTooLarge},
      {"0000000bfc0061626364", EthFrameError::kTruncated},
      {"0000000afcff61626364", EthFrameError::kBadMagic},
  };
  for (const auto& [text, want] : cases) {
    INFO(text);
    CHECK(iface::parseEthBody(hex(text)).error == want);
    wire::Message msg;
    REQUIRE(msg.append(hex(text)));
    CHECK(iface::popEthHeader(msg) == want);
    CHECK(util::toHex(msg.bytes()) == text);
  }
}

TEST_CASE("eth framing refuses payloads cjdns could not read and a message without headroom") {
  wire::Message big;
  REQUIRE(big.extend(iface::kEthMaxPayload) != nullptr);
  CHECK(iface::pushEthHeader(big) == EthFrameError::kNone);
  CHECK(big.length() == iface::kEthMaxBody);
  CHECK(iface::parseEthBody(big.bytes()).ok());

  wire::Message tooBig;
  REQUIRE(tooBig.extend(iface::kEthMaxPayload + 1) != nullptr);
  CHECK(iface::pushEthHeader(tooBig) == EthFrameError::kPayloadTooLong);
  CHECK(iface::pushEthFrame(tooBig, MacAddress::broadcast(), MacAddress()) == EthFrameError::kPayloadTooLong);
  CHECK(tooBig.length() == iface::kEthMaxPayload + 1);

  wire::Message tight(10);
  REQUIRE(tight.append(hex("61626364")));
  CHECK(iface::pushEthFrame(tight, MacAddress::broadcast(), mac("02:00:00:00:00:01")) == EthFrameError::kNoHeadroom);
  CHECK(tight.length() == 4);
  wire::Message none(0);
  REQUIRE(none.append(hex("61626364")));
  CHECK(iface::pushEthHeader(none) == EthFrameError::kNoHeadroom);
}

TEST_CASE("every eth frame error has a description") {
  for (std::size_t i = 0; i < iface::kEthFrameErrorCount; ++i) {
    CHECK(std::string(iface::describe(static_cast<EthFrameError>(i))) != "unknown");
  }
}
