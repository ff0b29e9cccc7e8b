#include "core/iptunnel/ip-tunnel-messages.h"

#include <doctest/doctest.h>

#include <cstdint>
#include <string>
#include <vector>

#include "core/util/hex.h"

using namespace cjdns;
using namespace cjdns::iptunnel;
using namespace std::string_literals;

namespace {

using Bytes = std::vector<std::uint8_t>;

Bytes packetOf(std::string_view body) {
  Bytes p = controlPacket(body);
  REQUIRE(p.size() == kControlHeaderSize + body.size());
  return p;
}

/// The UDP checksum recomputed from scratch (RFC 1071 over the zero
/// pseudo-header), after a test changed a header field.
void fixChecksum(Bytes& p) {
  p[46] = p[47] = 0;
  const std::size_t udpLength = p.size() - kIp6HeaderSize;
  std::uint32_t sum = static_cast<std::uint32_t>(udpLength) + 17;
  for (std::size_t i = kIp6HeaderSize; i < p.size(); i += 2) {
    sum += static_cast<std::uint32_t>(p[i] << 8) + (i + 1 < p.size() ? p[i + 1] : 0);
  }
  while (sum > 0xffff) sum = (sum >> 16) + (sum & 0xffff);
  p[46] = static_cast<std::uint8_t>(~sum >> 8);
  p[47] = static_cast<std::uint8_t>(~sum);
}

ControlError errorOf(const Bytes& p) { return parseControl(p).error; }
ControlError bodyError(std::string_view body) { return errorOf(packetOf(body)); }

const std::string kAbcdRequest = "d1:q21:IpTunnel_getAddresses4:txid4:abcde";

}  // namespace

TEST_CASE("an address request has the exact bytes of the spec's fake IPv6/UDP layout") {
  const std::string body = encodeRequest(txidFor(0));
  CHECK(body == std::string("d1:q21:IpTunnel_getAddresses4:txid4:\0\0\0\0e", 41));
  const Bytes p = packetOf(body);
  // IPv6: version 6, payload length 8 + 41 = 0x31, next header 17, hop
  // limit 0, both addresses zero. UDP: ports 0, length 41 = 0x29 (the body
  // only), checksum 0xfd46 over the zero pseudo-header. Then the body.
  const std::string expected =
      "6000000000311100"
      "0000000000000000000000000000000000000000000000000000000000000000"
      "000000000029fd46"
      "64313a7132313a497054756e6e656c5f676574416464726573736573343a74786964343a0000000065";
  CHECK(util::toHex(p) == expected);
}

TEST_CASE("the request cjdns's own IpTunnel test sends parses as a request with its txid") {
  const auto p = util::fromHex(
      "6000000000311100"
      "0000000000000000000000000000000000000000000000000000000000000000"
      "0000000000293880" +
      util::toHex(std::span(reinterpret_cast<const std::uint8_t*>(kAbcdRequest.data()), kAbcdRequest.size())));
  REQUIRE(p.has_value());
  const ControlParse r = parseControl(*p);
  REQUIRE(r.error == ControlError::kNone);
  CHECK(r.message.kind == ControlKind::kRequest);
  CHECK(r.message.txid == std::optional<std::string>("abcd"));
}

TEST_CASE("a response body is canonical bencode with cjdns's keys") {
  Grants g;
  g.ip4 = Grant4{{192, 168, 1, 1}, 16, 24};
  CHECK(encodeResponse(g, std::string("abcd")) ==
        "d9:addressesd3:ip44:\xc0\xa8\x01\x01" "8:ip4Alloci24e9:ip4Prefixi16ee4:txid4:abcde");
  // A request without a txid gets an answer without one.
  CHECK(encodeResponse(g, std::nullopt) == "d9:addressesd3:ip44:\xc0\xa8\x01\x01" "8:ip4Alloci24e9:ip4Prefixi16eee");
}

TEST_CASE("requests and responses survive a round trip") {
  const ControlParse req = parseControl(packetOf(encodeRequest(txidFor(0x01020304))));
  REQUIRE(req.error == ControlError::kNone);
  CHECK(connectionOf(*req.message.txid) == 0x01020304u);

  Grants g;
  g.ip4 = Grant4{{10, 1, 2, 3}, 0, 32};
  g.ip6 = Grant6{{0x20, 0x01, 0x0d, 0xb8, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0x10}, 0, 64};
  const ControlParse resp = parseControl(packetOf(encodeResponse(g, txidFor(7))));
  REQUIRE(resp.error == ControlError::kNone);
  CHECK(resp.message.kind == ControlKind::kResponse);
  CHECK(resp.message.grants == g);
  CHECK(connectionOf(*resp.message.txid) == 7u);
}

TEST_CASE("txids are the connection number in 4 little-endian bytes") {
  CHECK(txidFor(0x01020304) == std::string("\x04\x03\x02\x01", 4));
  CHECK(connectionOf("abc") == std::nullopt);
  CHECK(connectionOf("abcde") == std::nullopt);
}

TEST_CASE("what real cjdns nodes send differently is accepted") {
  // HEAD pads the first key length with zeros for alignment.
  CHECK(bodyError("d0000001:q21:IpTunnel_getAddresses4:txid4:abcde") == ControlError::kNone);
  CHECK(bodyError("d4:txid4:abcd1:q21:IpTunnel_getAddressese") == ControlError::kNone);  // unsorted
  CHECK(bodyError("d1:q21:IpTunnel_getAddressese") == ControlError::kNone);              // no txid
  // Bytes after the IPv6 payload are not part of the message.
  Bytes p = packetOf(kAbcdRequest);
  p.push_back(0xee);
  CHECK(errorOf(p) == ControlError::kNone);
}

TEST_CASE("missing or out-of-range prefix and alloc values take the full length") {
  const auto grantsOf = [](const std::string& addresses) {
    const ControlParse r = parseControl(packetOf("d9:addressesd" + addresses + "e4:txid4:abcde"));
    REQUIRE(r.error == ControlError::kNone);
    return r.message.grants;
  };
  const Grants a = grantsOf("3:ip44:\x0a\x00\x00\x01"s);  // a pre-prefix gateway: address only
  CHECK(a.ip4 == Grant4{{10, 0, 0, 1}, 32, 32});
  CHECK_FALSE(a.ip6.has_value());
  const Grants b = grantsOf("3:ip44:\x0a\x00\x00\x01" "8:ip4Alloci0e9:ip4Prefixi33e"s);
  CHECK(b.ip4 == Grant4{{10, 0, 0, 1}, 32, 32});
  const Grants c = grantsOf(std::string("3:ip616:\x20\x01", 10) + std::string(13, '\0') + "\x05" +
                            "8:ip6Alloci129e9:ip6Prefixi-1e");
  REQUIRE(c.ip6.has_value());
  CHECK(c.ip6->prefix == 128);
  CHECK(c.ip6->alloc == 128);
}

TEST_CASE("malformed headers are refused with the reason") {
  const Bytes good = packetOf(kAbcdRequest);
  REQUIRE(errorOf(good) == ControlError::kNone);
  auto with = [&](auto change) {
    Bytes p = good;
    change(p);
    return errorOf(p);
  };
  CHECK(with([](Bytes& p) { p.resize(kControlHeaderSize - 1); }) == ControlError::kRunt);
  CHECK(with([](Bytes& p) { p[0] = 0x40; }) == ControlError::kNotIp6);
  CHECK(with([](Bytes& p) { p[8] = 1; }) == ControlError::kNotControl);
  CHECK(with([](Bytes& p) { p[39] = 1; }) == ControlError::kNotControl);
  CHECK(with([](Bytes& p) { p[6] = 6; }) == ControlError::kNotUdp);
  CHECK(with([](Bytes& p) { p[5] = static_cast<std::uint8_t>(p[5] + 1); }) == ControlError::kBadLength);
  CHECK(with([](Bytes& p) { p[4] = 0, p[5] = 7; }) == ControlError::kBadLength);
  CHECK(with([](Bytes& p) { p[47] ^= 1; }) == ControlError::kBadChecksum);
  CHECK(with([](Bytes& p) { p.back() ^= 1; }) == ControlError::kBadChecksum);
  CHECK(with([](Bytes& p) { p[41] = 53, fixChecksum(p); }) == ControlError::kBadPorts);
  CHECK(with([](Bytes& p) { p[42] = 1, fixChecksum(p); }) == ControlError::kBadPorts);
  // A standard UDP length (header included) is not what cjdns writes.
  CHECK(with([](Bytes& p) { p[45] = static_cast<std::uint8_t>(p[45] + 8), fixChecksum(p); }) ==
        ControlError::kBadUdpLength);
}

TEST_CASE("a body over 1024 bytes is refused before it is read") {
  const std::string body = "d1:q21:IpTunnel_getAddresses4:txid986:" + std::string(986, 'x') + "e";
  REQUIRE(body.size() == kMaxControlBody + 1);
  CHECK(controlPacket(body).empty());
  Bytes p = packetOf(body.substr(0, kMaxControlBody));
  p.push_back('e');
  p[4] = static_cast<std::uint8_t>((kUdpHeaderSize + body.size()) >> 8);
  p[5] = static_cast<std::uint8_t>(kUdpHeaderSize + body.size());
  p[44] = static_cast<std::uint8_t>(body.size() >> 8);
  p[45] = static_cast<std::uint8_t>(body.size());
  fixChecksum(p);
  CHECK(errorOf(p) == ControlError::kTooLong);
}

TEST_CASE("malformed bodies are refused with the reason") {
  CHECK(bodyError("xyz") == ControlError::kBadBencode);
  CHECK(bodyError("dex") == ControlError::kBadBencode);  // bytes after the dict
  CHECK(bodyError("") == ControlError::kBadBencode);
  CHECK(bodyError("le") == ControlError::kNotDict);
  CHECK(bodyError("de") == ControlError::kUnknownMessage);
  CHECK(bodyError("d1:q3:fooe") == ControlError::kUnknownMessage);
  CHECK(bodyError("d9:addresses3:abc1:q3:fooe") == ControlError::kUnknownMessage);
  CHECK(bodyError("d1:q21:IpTunnel_getAddresses4:txidi4ee") == ControlError::kBadTxid);
  CHECK(bodyError("d1:q21:IpTunnel_getAddresses4:txid65:" + std::string(65, 't') + "e") == ControlError::kBadTxid);
  const std::string ip4 = "3:ip44:\x0a\x00\x00\x01"s;
  CHECK(bodyError("d9:addressesd" + ip4 + "ee") == ControlError::kBadTxid);
  CHECK(bodyError("d9:addressesd" + ip4 + "e4:txid3:abce") == ControlError::kBadTxid);
  CHECK(bodyError("d9:addressesde4:txid4:abcde") == ControlError::kNoAddresses);
  CHECK(bodyError("d9:addressesd3:ip43:abce4:txid4:abcde") == ControlError::kBadAddress);
  CHECK(bodyError("d9:addressesd3:ip4i1ee4:txid4:abcde") == ControlError::kBadAddress);
  CHECK(bodyError("d9:addressesd3:ip44:\0\0\0\0e4:txid4:abcde"s) == ControlError::kBadAddress);
  const std::string fc = std::string("3:ip616:\xfc", 9) + std::string(15, '\x01');
  CHECK(bodyError("d9:addressesd" + fc + "e4:txid4:abcde") == ControlError::kBadAddress);
  CHECK(bodyError("d9:addressesd" + ip4 + "9:ip4Prefix2:16e4:txid4:abcde") == ControlError::kBadPrefixType);
  CHECK(bodyError("d9:addressesd" + ip4 + "8:ip4Allocli1eee4:txid4:abcde") == ControlError::kBadPrefixType);
}

TEST_CASE("wrapping needs 48 bytes of headroom and leaves the message alone without it") {
  wire::Message m(kControlHeaderSize - 1);
  REQUIRE(m.append(std::span(reinterpret_cast<const std::uint8_t*>(kAbcdRequest.data()), kAbcdRequest.size())));
  CHECK_FALSE(wrapControl(m));
  CHECK(m.length() == kAbcdRequest.size());
}

TEST_CASE("every control error has a description") {
  for (std::size_t i = 0; i < kControlErrorCount; ++i) {
    CHECK(std::string(describe(static_cast<ControlError>(i))) != "unknown");
  }
}
