#include "core/switch/switch-core.h"

#include <doctest/doctest.h>

#include "core/switch/control-message.h"
#include "core/switch/label.h"
#include "core/switch/test-util.h"
#include "core/wire/checksum.h"
#include "core/wire/endian.h"
#include "core/wire/message.h"

using namespace cjdns::switching;
using cjdns::switching::test::contentOf;
using cjdns::wire::Message;

namespace {

/// A packet as a router or a peer hands it to a switch: header, a session
/// handle, then filler up to `size` bytes.
void fillPacket(Message& msg, std::uint64_t label, std::size_t size = 64, bool suppressErrors = false,
                std::uint8_t labelShift = 0) {
  msg.reset();
  SwitchHeader h;
  h.label = label;
  h.suppressErrors = suppressErrors;
  h.labelShift = labelShift;
  auto bytes = h.toBytes();
  REQUIRE(msg.append(bytes));
  for (std::size_t i = SwitchHeader::kSize; i < size; ++i) {
    REQUIRE(msg.append(std::array<std::uint8_t, 1>{static_cast<std::uint8_t>(i)}));
  }
  if (size < SwitchHeader::kSize) REQUIRE(msg.truncate(size));
}

std::uint64_t labelOf(const Message& msg) { return cjdns::wire::loadBe64(msg.data()); }

/// A switch with `n` peers (slots 0, 2, 3, ...).
SwitchCore switchWithPeers(unsigned n) {
  SwitchCore core;
  for (unsigned i = 0; i < n; ++i) REQUIRE(core.addInterface().has_value());
  return core;
}

}  // namespace

TEST_CASE("switch core gives peers the lowest free slot starting at 0, skipping the router") {
  SwitchCore core;
  CHECK(core.hasInterface(SwitchCore::kRouterSlot));
  CHECK(core.interfaceCount() == 1);
  CHECK(core.addInterface() == 0u);
  CHECK(core.addInterface() == 2u);
  CHECK(core.addInterface() == 3u);
  CHECK(SwitchCore::labelForSlot(0) == 0x13);
  CHECK(SwitchCore::labelForSlot(2) == 0x15);
  CHECK(SwitchCore::labelForSlot(SwitchCore::kRouterSlot) == kSelfLabel);
  CHECK(core.removeInterface(2));
  CHECK_FALSE(core.removeInterface(2));
  CHECK_FALSE(core.removeInterface(SwitchCore::kRouterSlot));
  CHECK(core.addInterface() == 2u);
  CHECK(core.interfaceCount() == 4);
}

TEST_CASE("switch core holds 256 peers and refuses the 257th") {
  SwitchCore core = switchWithPeers(256);
  CHECK(core.interfaceCount() == 257);
  CHECK(core.hasInterface(256));
  CHECK_FALSE(core.addInterface().has_value());
}

TEST_CASE("switch core forwards along the A-B-C example and the destination reverses the return path") {
  // A's slot 0 is B; B's slot 0 is A and slot 2 is C; C's slot 0 is B.
  SwitchCore a = switchWithPeers(1), b = switchWithPeers(2), c = switchWithPeers(1);
  Message msg;
  fillPacket(msg, splice(0x15, 0x13));
  CHECK(labelOf(msg) == 0x153);

  auto r = a.switchPacket(SwitchCore::kRouterSlot, msg);
  CHECK(r.action == SwitchAction::kForward);
  CHECK(r.slot == 0u);
  CHECK(labelOf(msg) == 0x8000000000000015ull);
  r = b.switchPacket(0, msg);
  CHECK(r.action == SwitchAction::kForward);
  CHECK(r.slot == 2u);
  CHECK(labelOf(msg) == 0xC800000000000001ull);
  r = c.switchPacket(0, msg);
  CHECK(r.action == SwitchAction::kForward);
  CHECK(r.slot == SwitchCore::kRouterSlot);
  CHECK(labelOf(msg) == 0xCC80000000000000ull);
  CHECK(bitReverse64(labelOf(msg)) == 0x133);

  auto h = SwitchHeader::peek(msg);
  REQUIRE(h.has_value());
  CHECK(h->labelShift == 12);
  CHECK(h->trafficClass == 0xffff);
  CHECK(h->version == 1);
  CHECK(c.counters().forwarded == 1);
}

TEST_CASE("switch core sends a one-hop ping so that the peer's router sees our label for it reversed") {
  SwitchCore us = switchWithPeers(1), peer = switchWithPeers(1);
  Message msg;
  fillPacket(msg, 0x13);
  REQUIRE(us.switchPacket(SwitchCore::kRouterSlot, msg).slot == 0u);
  CHECK(cjdns::switching::test::hexOf(msg.bytes().first(12)) == "80000000000000010044ffff");
  auto r = peer.switchPacket(0, msg);
  CHECK(r.slot == SwitchCore::kRouterSlot);
  CHECK(labelOf(msg) == 0xC800000000000000ull);
  CHECK(bitReverse64(labelOf(msg)) == 0x13);
}

TEST_CASE("switch core lets a wide source director into the router when the label has room for it") {
  SwitchCore receiver = switchWithPeers(40);  // slots 0, 2..40: the sender is in slot 40
  Message msg;
  fillPacket(msg, 0x8000000000000001ull, 64, false, 4);
  auto r = receiver.switchPacket(40, msg);
  REQUIRE(r.action == SwitchAction::kForward);
  CHECK(r.slot == SwitchCore::kRouterSlot);
  CHECK(bitReverse64(labelOf(msg)) == 0x49c);
  CHECK(SwitchHeader::peek(msg)->labelShift == 14);
}

TEST_CASE("switch core answers RETURN_PATH_INVALID when a wide source director does not fit") {
  SwitchCore receiver = switchWithPeers(40);
  Message msg;
  fillPacket(msg, 0x8000000000000011ull, 100);
  const auto original = contentOf(msg);
  auto r = receiver.switchPacket(40, msg);
  CHECK(r.action == SwitchAction::kReplyError);
  CHECK(r.slot == 40u);
  CHECK(r.event == SwitchEvent::kReturnPathInvalid);
  CHECK(msg.length() == 24 + original.size());

  ControlPacket err;
  REQUIRE(parseControlPacket(msg.bytes(), err) == ControlParseStatus::kOk);
  CHECK(err.header.label == bitReverse64(0x8000000000000011ull));
  CHECK(err.header.suppressErrors);
  CHECK(err.header.congestion == 1);
  CHECK(err.header.version == 1);
  CHECK(err.header.labelShift == 0);
  CHECK(err.header.trafficClass == 0xffff);
  CHECK(cjdns::switching::test::hexOf(msg.bytes().subspan(8, 2)) == "0340");
  REQUIRE(err.message.type == ControlType::kError);
  const auto& body = std::get<ErrorBody>(err.message.body);
  CHECK(body.code == static_cast<std::uint32_t>(ErrorCode::kReturnPathInvalid));
  CHECK(std::vector<std::uint8_t>(body.cause.begin(), body.cause.end()) == original);
  CHECK(receiver.counters().errorsSent == 1);
}

TEST_CASE("switch core answers MALFORMED_ADDRESS for an empty slot and a too-wide source") {
  SwitchCore core = switchWithPeers(8);  // slots 0, 2..8
  Message msg;
  fillPacket(msg, 0x1f5);  // first director 0101: slot 2
  CHECK(core.switchPacket(0, msg).action == SwitchAction::kForward);

  fillPacket(msg, v358::peerLabel(20));  // nobody in slot 20
  auto r = core.switchPacket(0, msg);
  CHECK(r.action == SwitchAction::kReplyError);
  CHECK(r.event == SwitchEvent::kNoSuchInterface);
  ControlPacket err;
  REQUIRE(parseControlPacket(msg.bytes(), err) == ControlParseStatus::kOk);
  CHECK(std::get<ErrorBody>(err.message.body).code == static_cast<std::uint32_t>(ErrorCode::kMalformedAddress));

  fillPacket(msg, 0x13);  // a 4-bit director, but slot 8's return director needs 7 bits
  r = core.switchPacket(8, msg);
  CHECK(r.action == SwitchAction::kReplyError);
  CHECK(r.slot == 8u);
  CHECK(r.event == SwitchEvent::kSourceTooWide);
  CHECK(core.counters().count(SwitchEvent::kSourceTooWide) == 1);
  CHECK(core.counters().count(SwitchEvent::kNoSuchInterface) == 1);
}

TEST_CASE("switch core quotes at most 256 bytes of the offending packet") {
  SwitchCore core;
  Message msg;
  fillPacket(msg, 0x13, 1304);
  REQUIRE(core.switchPacket(SwitchCore::kRouterSlot, msg).action == SwitchAction::kReplyError);
  CHECK(msg.length() == 280);
  CHECK(cjdns::wire::internetChecksum(msg.bytes().subspan(16)) == 0);
}

TEST_CASE("switch core sends no error for a packet with the suppress-errors bit") {
  SwitchCore core;
  Message msg;
  fillPacket(msg, 0x13, 64, true);
  const auto before = contentOf(msg);
  auto r = core.switchPacket(SwitchCore::kRouterSlot, msg);
  CHECK(r.action == SwitchAction::kDrop);
  CHECK(r.event == SwitchEvent::kNoSuchInterface);
  CHECK(contentOf(msg) == before);
  CHECK(core.counters().errorsSuppressed == 1);
  CHECK(core.counters().errorsSent == 0);
}

TEST_CASE("switch core drops runts, packets from unknown slots and labels that roll over") {
  SwitchCore core = switchWithPeers(1);
  Message msg;
  fillPacket(msg, 0x13, 11);
  CHECK(core.switchPacket(SwitchCore::kRouterSlot, msg).event == SwitchEvent::kRunt);

  fillPacket(msg, 0x15, 14);  // too short to quote in an error
  auto r = core.switchPacket(SwitchCore::kRouterSlot, msg);
  CHECK(r.action == SwitchAction::kDrop);
  CHECK(r.event == SwitchEvent::kNoSuchInterface);

  fillPacket(msg, 0x13);
  CHECK(core.switchPacket(5, msg).event == SwitchEvent::kUnknownSource);
  CHECK(core.switchPacket(1000, msg).event == SwitchEvent::kUnknownSource);

  fillPacket(msg, 0x13, 64, false, 60);
  r = core.switchPacket(SwitchCore::kRouterSlot, msg);
  CHECK(r.action == SwitchAction::kDrop);
  CHECK(r.event == SwitchEvent::kLabelRolledOver);
  fillPacket(msg, 0x13, 64, false, 59);
  CHECK(core.switchPacket(SwitchCore::kRouterSlot, msg).action == SwitchAction::kForward);

  const auto& c = core.counters();
  CHECK(c.count(SwitchEvent::kRunt) == 1);
  CHECK(c.count(SwitchEvent::kUnknownSource) == 2);
  CHECK(c.count(SwitchEvent::kLabelRolledOver) == 1);
  CHECK(c.errorsSuppressed == 1);
  CHECK(c.forwarded == 1);
}

TEST_CASE("switch core drops an error it has no headroom to build") {
  SwitchCore core;
  Message msg(10);
  SwitchHeader h;
  h.label = 0x13;
  auto bytes = h.toBytes();
  REQUIRE(msg.append(bytes));
  REQUIRE(msg.append(std::array<std::uint8_t, 8>{}));
  auto r = core.switchPacket(SwitchCore::kRouterSlot, msg);
  CHECK(r.action == SwitchAction::kDrop);
  CHECK(msg.length() == 20);
  CHECK(core.counters().errorsSuppressed == 1);
}

TEST_CASE("switch core keeps the header version and congestion when it forwards") {
  SwitchCore core = switchWithPeers(1);
  Message msg;
  fillPacket(msg, 0x13);
  msg.data()[8] = 0x0a;  // congestion 5
  msg.data()[9] = 0x80;  // version 2
  REQUIRE(core.switchPacket(SwitchCore::kRouterSlot, msg).action == SwitchAction::kForward);
  CHECK(msg.data()[8] == 0x0a);
  CHECK(msg.data()[9] == 0x84);
}

TEST_CASE("switch core answers UNDELIVERABLE for a slot whose link is down, except to its own router") {
  SwitchCore core;
  REQUIRE(core.addInterface());  // slot 0
  REQUIRE(core.addInterface());  // slot 2
  Message msg;
  core.setSlotDown(2, true);
  fillPacket(msg, 0x1f5);  // from slot 0 to slot 2
  auto r = core.switchPacket(0, msg);
  CHECK(r.action == SwitchAction::kReplyError);
  CHECK(r.slot == 0u);
  CHECK(r.event == SwitchEvent::kInterfaceDown);
  ControlPacket err;
  REQUIRE(parseControlPacket(msg.bytes(), err) == ControlParseStatus::kOk);
  CHECK(std::get<ErrorBody>(err.message.body).code == static_cast<std::uint32_t>(ErrorCode::kUndeliverable));
  // Our own router may still try the slot (keepalives must reach the peer).
  fillPacket(msg, v358::peerLabel(2));
  CHECK(core.switchPacket(SwitchCore::kRouterSlot, msg).action == SwitchAction::kForward);
  core.setSlotDown(2, false);
  fillPacket(msg, 0x1f5);
  CHECK(core.switchPacket(0, msg).action == SwitchAction::kForward);
}
