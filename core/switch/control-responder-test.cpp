#include "core/switch/control-responder.h"

#include <doctest/doctest.h>

#include "core/switch/encoding-scheme.h"
#include "core/switch/label.h"
#include "core/switch/switch-core.h"
#include "core/switch/test-util.h"
#include "core/wire/checksum.h"
#include "core/wire/message.h"

using namespace cjdns::switching;
using cjdns::switching::test::bytesOf;
using cjdns::switching::test::contentOf;
using cjdns::switching::test::hexOf;
using cjdns::wire::Message;

namespace {

cjdns::crypto::PublicKey keyFilledWith(std::uint8_t b) {
  cjdns::crypto::PublicKey k;
  k.fill(b);
  return k;
}

/// What a router receives from its switch when the sender's label for it is
/// `senderLabel`: the control message under the label reversed.
void arrive(Message& msg, std::uint64_t senderLabel, const ControlMessage& m) {
  REQUIRE(buildControlPacket(msg, bitReverse64(senderLabel), m));
}

ControlPacket parsed(const Message& msg) {
  ControlPacket p;
  REQUIRE(parseControlPacket(msg.bytes(), p) == ControlParseStatus::kOk);
  return p;
}

ControlResponder me() {
  ControlResponder r;
  r.version = 21;
  r.publicKey = keyFilledWith(0x42);
  return r;
}

// The 12 bytes of data in a captured v21.1 interface-controller ping.
const std::vector<std::uint8_t> kData{0xeb, 0x08, 0x2e, 0x12, 0xf1, 0xa1, 0xc4, 0xad, 0xa0, 0x03, 0x15, 0x2f};

}  // namespace

TEST_CASE("a ping is answered in place by a pong with the same data and our version, to the return path") {
  Message msg;
  arrive(msg, 0x13, {ControlType::kPing, PingBody{22, kData}});
  const std::size_t length = msg.length();
  auto h = handleControl(msg, me());
  REQUIRE(h.disposition == ControlDisposition::kReply);
  CHECK(h.type == 3);
  CHECK(msg.length() == length);
  auto p = parsed(msg);
  CHECK(p.header == SwitchHeader{0x13, 0, false, 1, 0, 0});
  CHECK(p.message.type == ControlType::kPong);
  CHECK(p.message.version() == 21);
  CHECK(hexOf(std::get<PingBody>(p.message.body).data) == hexOf(kData));
}

TEST_CASE("pings and key pings from versions below 20 go unanswered") {
  Message msg;
  arrive(msg, 0x13, {ControlType::kPing, PingBody{19, kData}});
  auto before = contentOf(msg);
  auto h = handleControl(msg, me());
  CHECK(h.disposition == ControlDisposition::kDropped);
  CHECK(h.drop == ControlDrop::kIncompatibleVersion);
  CHECK(contentOf(msg) == before);
  arrive(msg, 0x13, {ControlType::kKeyPing, KeyPingBody{19, {}, {}}});
  CHECK(handleControl(msg, me()).drop == ControlDrop::kIncompatibleVersion);
  arrive(msg, 0x13, {ControlType::kGetSnodeQuery, GetSnodeBody{19, 0, 0, {}, 0, {}}});
  CHECK(handleControl(msg, me()).drop == ControlDrop::kIncompatibleVersion);
}

TEST_CASE("a key ping is answered with our key and the cookie echoed") {
  Message msg;
  arrive(msg, 0x15, {ControlType::kKeyPing, KeyPingBody{22, keyFilledWith(1), kData}});
  REQUIRE(handleControl(msg, me()).disposition == ControlDisposition::kReply);
  auto p = parsed(msg);
  CHECK(p.header.label == 0x15);
  REQUIRE(p.message.type == ControlType::kKeyPong);
  const auto& body = std::get<KeyPingBody>(p.message.body);
  CHECK(body.key == keyFilledWith(0x42));
  CHECK(body.version == 21);
  CHECK(hexOf(body.cookie) == hexOf(kData));
}

TEST_CASE("a supernode query is answered with zeros, or with our supernode re-encoded for the querier") {
  Message msg;
  arrive(msg, 0x9e, {ControlType::kGetSnodeQuery, GetSnodeBody{21, 0, 100, keyFilledWith(3), 0x77, {}}});
  REQUIRE(handleControl(msg, me()).disposition == ControlDisposition::kReply);
  auto p = parsed(msg);
  REQUIRE(p.message.type == ControlType::kGetSnodeReply);
  auto body = std::get<GetSnodeBody>(p.message.body);
  CHECK(body.kbps == 0xffffffff);
  CHECK(body.snodeKey == cjdns::crypto::PublicKey{});
  CHECK(body.pathToSnode == 0);
  CHECK(body.snodeVersion == 0);

  ControlResponder withSnode = me();
  withSnode.snode = ControlResponder::Snode{keyFilledWith(5), 22, 0x13};
  arrive(msg, 0x9e, {ControlType::kGetSnodeQuery, GetSnodeBody{21, 0, 100, {}, 0, {}}});
  REQUIRE(handleControl(msg, withSnode).disposition == ControlDisposition::kReply);
  body = std::get<GetSnodeBody>(parsed(msg).message.body);
  CHECK(body.snodeKey == keyFilledWith(5));
  CHECK(body.snodeVersion == 22);
  CHECK(body.pathToSnode == 0x82);  // 0x13 widened to the querier's 7-bit director
}

TEST_CASE("an rpath query is answered with our label for the querier") {
  Message msg;
  arrive(msg, 0x4a0, {ControlType::kRPathQuery, RPathBody{21, 0x13, {}}});
  REQUIRE(handleControl(msg, me()).disposition == ControlDisposition::kReply);
  auto p = parsed(msg);
  REQUIRE(p.message.type == ControlType::kRPathReply);
  CHECK(std::get<RPathBody>(p.message.body).rpath == 0x4a0);
  CHECK(hexOf(msg.bytes().subspan(20, 4)) == "736e6f72");
}

TEST_CASE("an lladdr query is answered only for a direct peer whose address we know") {
  const std::array<std::uint8_t, 4> ip{10, 99, 7, 2};
  const LlAddr addr = llAddrUdp4(ip, 7937);
  Message msg;
  arrive(msg, 0x13, {ControlType::kLlAddrQuery, LlAddrBody{22, {}, kData}});
  REQUIRE(handleControl(msg, me(), &addr).disposition == ControlDisposition::kReply);
  auto p = parsed(msg);
  REQUIRE(p.message.type == ControlType::kLlAddrReply);
  CHECK(std::get<LlAddrBody>(p.message.body).addr == addr);
  CHECK(hexOf(std::get<LlAddrBody>(p.message.body).data) == hexOf(kData));

  arrive(msg, 0x153, {ControlType::kLlAddrQuery, LlAddrBody{22, {}, {}}});
  CHECK(handleControl(msg, me(), &addr).drop == ControlDrop::kNotOneHop);
  arrive(msg, 0x13, {ControlType::kLlAddrQuery, LlAddrBody{22, {}, {}}});
  CHECK(handleControl(msg, me()).drop == ControlDrop::kNoLinkAddress);
}

TEST_CASE("replies go to the pinger and errors to the pathfinder, unchanged") {
  Message msg;
  for (ControlType t : {ControlType::kPong, ControlType::kKeyPong, ControlType::kRPathReply}) {
    ControlMessage m{t, PingBody{21, kData}};
    if (t == ControlType::kKeyPong) m.body = KeyPingBody{21, {}, {}};
    if (t == ControlType::kRPathReply) m.body = RPathBody{21, 0x13, {}};
    arrive(msg, 0x13, m);
    auto before = contentOf(msg);
    auto h = handleControl(msg, me());
    CHECK(h.disposition == ControlDisposition::kForPinger);
    CHECK(h.type == static_cast<std::uint16_t>(t));
    CHECK(contentOf(msg) == before);
  }
  const auto cause = bytesOf("80000000000000130044ffffffffffff0000000309f9110200000015deadbeef");
  arrive(msg, 0x13, {ControlType::kError, ErrorBody{1, cause}});
  CHECK(handleControl(msg, me()).disposition == ControlDisposition::kForPathfinder);
  arrive(msg, 0x13, {ControlType::kError, ErrorBody{1, std::span(cause).first(16)}});
  CHECK(handleControl(msg, me()).drop == ControlDrop::kRunt);  // 24 bytes: too short to act on
}

TEST_CASE("control packets with a bad checksum or another handle are dropped") {
  Message msg;
  arrive(msg, 0x13, {ControlType::kPing, PingBody{21, kData}});
  msg.data()[msg.length() - 1] ^= 1;
  CHECK(handleControl(msg, me()).drop == ControlDrop::kBadChecksum);
  arrive(msg, 0x13, {ControlType::kPing, PingBody{21, kData}});
  msg.data()[12] = 0;
  CHECK(handleControl(msg, me()).drop == ControlDrop::kNotControl);
  REQUIRE(msg.truncate(10));
  CHECK(handleControl(msg, me()).drop == ControlDrop::kRunt);
}

TEST_CASE("pingToPong rewrites only valid pings") {
  std::vector<std::uint8_t> ctrl(4 + 8 + kData.size());
  REQUIRE(serializeControl({ControlType::kPing, PingBody{20, kData}}, ctrl));
  REQUIRE(pingToPong(ctrl, 22));
  CHECK(cjdns::wire::internetChecksum(ctrl) == 0);
  CHECK(hexOf(ctrl).substr(4, 20) == "00049d74e35b00000016");
  auto pong = ctrl;
  CHECK_FALSE(pingToPong(ctrl, 22));  // already a pong
  CHECK(ctrl == pong);
}

TEST_CASE("checkPong accepts only our data, on our label, from a compatible version") {
  Message msg;
  ControlPacket pong;
  arrive(msg, 0x13, {ControlType::kPong, PingBody{21, kData}});
  pong = parsed(msg);
  CHECK(checkPong(pong, 0x13, kData) == PongCheck::kMatch);
  CHECK(checkPong(pong, 0x15, kData) == PongCheck::kLabelMismatch);
  CHECK(checkPong(pong, 0x13, std::span(kData).first(11)) == PongCheck::kWrongData);

  arrive(msg, 0x13, {ControlType::kPong, PingBody{19, kData}});
  pong = parsed(msg);
  CHECK(checkPong(pong, 0x13, kData) == PongCheck::kOldVersion);

  arrive(msg, 0x13, {ControlType::kKeyPong, KeyPingBody{21, {}, kData}});
  pong = parsed(msg);
  CHECK(checkPong(pong, 0x13, kData) == PongCheck::kMatch);

  arrive(msg, 0x13, {ControlType::kPing, PingBody{21, kData}});
  pong = parsed(msg);
  CHECK(checkPong(pong, 0x13, kData) == PongCheck::kNotAPong);
}

TEST_CASE("a ping through two switches comes back as a pong on exactly the label pinged") {
  SwitchCore us, them;
  REQUIRE(us.addInterface() == 0u);
  for (int i = 0; i < 40; ++i) REQUIRE(them.addInterface().has_value());  // we are their slot 40
  const std::uint64_t theirLabel = SwitchCore::labelForSlot(0);

  Message msg;
  REQUIRE(buildPing(msg, theirLabel, 21, kData));
  auto r = us.switchPacket(SwitchCore::kRouterSlot, msg);
  REQUIRE(r.action == SwitchAction::kForward);
  r = them.switchPacket(40, msg);  // over the link
  REQUIRE(r.slot == SwitchCore::kRouterSlot);
  REQUIRE(handleControl(msg, me()).disposition == ControlDisposition::kReply);
  CHECK(parsed(msg).header.label == SwitchCore::labelForSlot(40));
  r = them.switchPacket(SwitchCore::kRouterSlot, msg);
  REQUIRE(r.slot == 40u);
  r = us.switchPacket(0, msg);  // back over the link
  REQUIRE(r.slot == SwitchCore::kRouterSlot);
  CHECK(checkPong(parsed(msg), theirLabel, kData) == PongCheck::kMatch);
}
