#include "core/switch/control-message.h"

#include <doctest/doctest.h>

#include <cstring>

#include "core/switch/label.h"
#include "core/switch/test-util.h"
#include "core/wire/checksum.h"
#include "core/wire/endian.h"
#include "core/wire/message.h"

using namespace cjdns::switching;
using cjdns::switching::test::bytesOf;
using cjdns::switching::test::contentOf;
using cjdns::switching::test::hexOf;
using cjdns::wire::Message;

namespace {

std::vector<std::uint8_t> serialized(const ControlMessage& m) {
  std::vector<std::uint8_t> out(serializedSize(m));
  REQUIRE(!out.empty());
  REQUIRE(serializeControl(m, out));
  return out;
}

/// Serializes, checks the checksum, parses back and serializes again.
ControlMessage roundTrip(const ControlMessage& m, std::vector<std::uint8_t>& storage) {
  storage = serialized(m);
  CHECK(cjdns::wire::internetChecksum(storage) == 0);
  ControlMessage back;
  REQUIRE(parseControl(storage, back) == ControlParseStatus::kOk);
  CHECK(back.type == m.type);
  CHECK(serialized(back) == storage);
  return back;
}

cjdns::crypto::PublicKey keyFilledWith(std::uint8_t b) {
  cjdns::crypto::PublicKey k;
  k.fill(b);
  return k;
}

}  // namespace

TEST_CASE("control magics and names are the ones real nodes use") {
  CHECK(controlMagic(ControlType::kPing) == 0x09f91102);
  CHECK(controlMagic(ControlType::kPong) == 0x9d74e35b);
  CHECK(controlMagic(ControlType::kKeyPing) == 0x01234567);
  CHECK(controlMagic(ControlType::kKeyPong) == 0x89abcdef);
  CHECK(controlMagic(ControlType::kRPathQuery) == controlMagic(ControlType::kGetSnodeQuery));
  CHECK(controlMagic(ControlType::kRPathReply) == 0x736e6f72);
  CHECK(controlMagic(ControlType::kLlAddrQuery) == 0x6c6c6171);
  CHECK(controlMagic(ControlType::kError) == 0);
  CHECK(std::string(controlTypeName(9)) == "RPATH_QUERY");
  CHECK(std::string(controlTypeName(1)) == "UNKNOWN");
  CHECK(std::string(errorCodeName(10)) == "RETURN_PATH_INVALID");
  CHECK(std::string(errorCodeName(14)) == "UNKNOWN");
}

TEST_CASE("every control message type survives serialization and parsing") {
  const std::vector<std::uint8_t> data = bytesOf("eb082e12f1a1c4ada003152f");
  const std::vector<std::uint8_t> cause = bytesOf("80000000000000130044ffffffffffff0000000309f91102");
  std::vector<std::uint8_t> buf;

  auto ping = roundTrip({ControlType::kPing, PingBody{21, data}}, buf);
  CHECK(hexOf(buf).substr(4) == "000309f9110200000015eb082e12f1a1c4ada003152f");
  CHECK(ping.version() == 21);
  CHECK(hexOf(std::get<PingBody>(ping.body).data) == hexOf(data));

  auto pong = roundTrip({ControlType::kPong, PingBody{22, {}}}, buf);
  CHECK(buf.size() == 12);
  CHECK(pong.version() == 22);

  auto key = roundTrip({ControlType::kKeyPing, KeyPingBody{20, keyFilledWith(7), data}}, buf);
  CHECK(buf.size() == 4 + 40 + 12);
  CHECK(std::get<KeyPingBody>(key.body).key == keyFilledWith(7));
  CHECK(std::get<KeyPingBody>(key.body).cookie.size() == 12);

  GetSnodeBody snode{22, 21, 0xffffffff, keyFilledWith(9), 0x153, {}};
  auto sn = roundTrip({ControlType::kGetSnodeReply, snode}, buf);
  CHECK(buf.size() == 60);
  const auto& snBack = std::get<GetSnodeBody>(sn.body);
  CHECK(snBack.snodeVersion == 21);
  CHECK(snBack.kbps == 0xffffffff);
  CHECK(snBack.pathToSnode == 0x153);
  CHECK(snBack.snodeKey == keyFilledWith(9));

  auto rp = roundTrip({ControlType::kRPathQuery, RPathBody{21, 0x13, data}}, buf);
  CHECK(std::get<RPathBody>(rp.body).rpath == 0x13);
  CHECK(std::get<RPathBody>(rp.body).extra.size() == 12);

  const std::array<std::uint8_t, 4> ip{10, 99, 7, 2};
  auto ll = roundTrip({ControlType::kLlAddrReply, LlAddrBody{22, llAddrUdp4(ip, 7937), data}}, buf);
  CHECK(std::get<LlAddrBody>(ll.body).addr == llAddrUdp4(ip, 7937));

  auto err = roundTrip({ControlType::kError, ErrorBody{1, cause}}, buf);
  const auto& eb = std::get<ErrorBody>(err.body);
  CHECK(eb.code == 1);
  CHECK(eb.causeHeader().label == 0x8000000000000013ull);
  CHECK(eb.causeHandle() == kControlHandle);
  CHECK(hexOf(eb.causeControl()) == "0000000309f91102");
  CHECK(err.version() == 0);
}

TEST_CASE("control parsing says why it refuses a message") {
  ControlMessage m;
  auto good = serialized({ControlType::kPing, PingBody{21, {}}});
  CHECK(parseControl(good, m) == ControlParseStatus::kOk);
  CHECK(parseControl(std::span(good).first(7), m) == ControlParseStatus::kRunt);

  auto bad = good;
  bad[11] ^= 1;  // version changed after the checksum was computed
  CHECK(parseControl(bad, m) == ControlParseStatus::kBadChecksum);
  CHECK(parseControl(bad, m, ChecksumPolicy::kIgnore) == ControlParseStatus::kOk);

  auto magic = good;
  magic[4] ^= 0xff;
  fixControlChecksum(magic);
  CHECK(parseControl(magic, m) == ControlParseStatus::kBadMagic);

  for (int type : {0, 1, 13, 0xffff}) {
    auto unknown = good;
    cjdns::wire::storeBe16(&unknown[2], static_cast<std::uint16_t>(type));
    fixControlChecksum(unknown);
    CHECK(parseControl(unknown, m) == ControlParseStatus::kUnknownType);
  }

  std::vector<std::uint8_t> shortError(4 + 19);
  cjdns::wire::storeBe16(&shortError[2], 2);
  fixControlChecksum(shortError);
  CHECK(parseControl(shortError, m) == ControlParseStatus::kBadLength);
}

TEST_CASE("key pings must carry a key and at most 64 bytes of cookie") {
  std::vector<std::uint8_t> cookie(64, 0x5a);
  auto max = serialized({ControlType::kKeyPing, KeyPingBody{21, {}, cookie}});
  ControlMessage m;
  CHECK(parseControl(max, m) == ControlParseStatus::kOk);

  auto tooLong = max;
  tooLong.push_back(0);
  fixControlChecksum(tooLong);
  CHECK(parseControl(tooLong, m) == ControlParseStatus::kBadLength);

  auto tooShort = serialized({ControlType::kKeyPing, KeyPingBody{21, {}, {}}});
  tooShort.pop_back();
  fixControlChecksum(tooShort);
  CHECK(parseControl(tooShort, m) == ControlParseStatus::kBadLength);

  cookie.push_back(0);
  CHECK(serializedSize({ControlType::kKeyPing, KeyPingBody{21, {}, cookie}}) == 0);
}

TEST_CASE("getsnode and rpath bodies are laid out big-endian as cjdns lays them out") {
  auto q = serialized({ControlType::kGetSnodeQuery, GetSnodeBody{22, 21, 0xffffffff, keyFilledWith(9), 0x153, {}}});
  std::string key;
  for (int i = 0; i < 32; ++i) key += "09";
  CHECK(hexOf(q).substr(4) == "0007" "736e6f71" "00000016" "00000015" "ffffffff" + key + "0000000000000153");
  auto r = serialized({ControlType::kRPathReply, RPathBody{21, 0x13, {}}});
  CHECK(hexOf(r).substr(4) == "000a" "736e6f72" "00000015" "0000000000000013");
}

TEST_CASE("short getsnode and rpath bodies and rpath with the wrong magic are refused") {
  ControlMessage m;
  auto snode = serialized({ControlType::kGetSnodeReply, GetSnodeBody{22, 0, 0, {}, 0, {}}});
  snode.pop_back();  // 55 of 56 bytes
  fixControlChecksum(snode);
  CHECK(parseControl(snode, m) == ControlParseStatus::kBadLength);

  auto rpath = serialized({ControlType::kRPathReply, RPathBody{21, 0x13, {}}});
  auto shortRPath = rpath;
  shortRPath.pop_back();  // 15 of 16 bytes
  fixControlChecksum(shortRPath);
  CHECK(parseControl(shortRPath, m) == ControlParseStatus::kBadLength);

  cjdns::wire::storeBe32(&rpath[4], control_magic::kSnodeQuery);  // a reply with the query magic
  fixControlChecksum(rpath);
  CHECK(parseControl(rpath, m) == ControlParseStatus::kBadMagic);
}

TEST_CASE("control serialization refuses a body that does not suit its type") {
  ControlMessage wrong{ControlType::kPing, RPathBody{21, 1, {}}};
  CHECK(serializedSize(wrong) == 0);
  std::vector<std::uint8_t> out(20);
  CHECK_FALSE(serializeControl(wrong, out));
  ControlMessage ok{ControlType::kPing, PingBody{21, {}}};
  CHECK_FALSE(serializeControl(ok, out));  // wrong output size
  std::array<std::uint8_t, 15> shortCause{};
  CHECK(serializedSize({ControlType::kError, ErrorBody{1, shortCause}}) == 0);
}

TEST_CASE("a built ping is a whole packet for the router to hand to its switch") {
  Message msg;
  const auto data = bytesOf("6d52c30f73c5b5fc2e8dd10f");
  REQUIRE(buildPing(msg, 0x13, 22, data));
  CHECK(hexOf(msg.bytes().first(16)) == "000000000000001300400000ffffffff");
  ControlPacket p;
  REQUIRE(parseControlPacket(msg.bytes(), p) == ControlParseStatus::kOk);
  CHECK(p.header.label == 0x13);
  CHECK(p.message.type == ControlType::kPing);
  CHECK(p.message.version() == 22);
  CHECK(hexOf(std::get<PingBody>(p.message.body).data) == hexOf(data));
  CHECK(msg.headroom() == Message::kDefaultHeadroom - 16);
}

TEST_CASE("built key pings, rpath and lladdr queries carry what cjdns puts in them") {
  Message msg;
  ControlPacket p;
  const std::array<std::uint8_t, 3> cookie{1, 2, 3};
  REQUIRE(buildKeyPing(msg, 0x15, 21, keyFilledWith(0xaa), cookie));
  REQUIRE(parseControlPacket(msg.bytes(), p) == ControlParseStatus::kOk);
  CHECK(p.message.type == ControlType::kKeyPing);
  CHECK(std::get<KeyPingBody>(p.message.body).key == keyFilledWith(0xaa));

  REQUIRE(buildRPathQuery(msg, 0x15, 21));
  REQUIRE(parseControlPacket(msg.bytes(), p) == ControlParseStatus::kOk);
  CHECK(p.message.type == ControlType::kRPathQuery);
  CHECK(std::get<RPathBody>(p.message.body).rpath == 0x15);
  CHECK(hexOf(msg.bytes().subspan(20, 4)) == "736e6f71");

  REQUIRE(buildLlAddrQuery(msg, 0x15, 22, cookie));
  REQUIRE(parseControlPacket(msg.bytes(), p) == ControlParseStatus::kOk);
  const auto& ll = std::get<LlAddrBody>(p.message.body);
  CHECK(ll.addr[0] == 0);
  CHECK(ll.addr[1] == 2);
  CHECK(ll.data.size() == 3);

  std::vector<std::uint8_t> tooBig(Message::kCapacity, 0);
  CHECK_FALSE(buildPing(msg, 0x15, 21, tooBig));
}

TEST_CASE("control packets need the control handle after the switch header") {
  Message msg;
  REQUIRE(buildPing(msg, 0x13, 21, {}));
  ControlPacket p;
  auto bytes = contentOf(msg);
  bytes[15] = 0xfe;
  CHECK(parseControlPacket(bytes, p) == ControlParseStatus::kNotControl);
  CHECK(parseControlPacket(std::span(bytes).first(15), p) == ControlParseStatus::kRunt);
  CHECK(p.returnPath() == bitReverse64(p.header.label));
}

TEST_CASE("wrapAsError quotes the packet behind a new header and a checksummed error") {
  Message msg;
  const auto original = bytesOf("80000000000000130044ffff00000004deadbeef");
  cjdns::switching::test::load(msg, original);
  SwitchHeader h;
  h.label = 0x13;
  h.suppressErrors = true;
  REQUIRE(wrapAsError(msg, h, ErrorCode::kAuthentication));
  CHECK(hexOf(msg.bytes().first(24)).substr(0, 32) == "00000000000000130140" "0000ffffffff");
  ControlPacket p;
  REQUIRE(parseControlPacket(msg.bytes(), p) == ControlParseStatus::kOk);
  const auto& e = std::get<ErrorBody>(p.message.body);
  CHECK(e.code == 6);
  CHECK(hexOf(e.cause) == hexOf(original));
  CHECK(e.causeHandle() == 4);
  CHECK(e.causeControl().empty());

  Message tight(23);
  REQUIRE(tight.append(original));
  CHECK_FALSE(wrapAsError(tight, h, ErrorCode::kAuthentication));
  CHECK(contentOf(tight) == original);
  Message runt;
  cjdns::switching::test::load(runt, std::span(original).first(15));
  CHECK_FALSE(wrapAsError(runt, h, ErrorCode::kAuthentication));
}

TEST_CASE("lladdr addresses are type, length, port and address, zero-filled") {
  const std::array<std::uint8_t, 4> ip4{10, 99, 7, 1};
  CHECK(hexOf(llAddrUdp4(ip4, 7937)).substr(0, 16) == "01081f010a630701");
  CHECK(hexOf(llAddrUdp4(ip4, 7937)).substr(16) == std::string(48, '0'));
  std::array<std::uint8_t, 16> ip6{};
  ip6[0] = 0xfc;
  ip6[15] = 1;
  const auto a6 = llAddrUdp6(ip6, 443);
  CHECK(hexOf(a6).substr(0, 8) == "021401bb");
  CHECK(a6[4] == 0xfc);
  CHECK(a6[19] == 1);
  CHECK(a6[20] == 0);
}
