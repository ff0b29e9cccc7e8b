#include "core/switch/switch-core.h"

#include "core/switch/control-message.h"
#include "core/switch/label.h"
#include "core/wire/endian.h"
#include "core/wire/message.h"

namespace cjdns::switching {

namespace {

ErrorCode errorCodeFor(SwitchEvent event) {
  if (event == SwitchEvent::kReturnPathInvalid) return ErrorCode::kReturnPathInvalid;
  if (event == SwitchEvent::kInterfaceDown) return ErrorCode::kUndeliverable;
  return ErrorCode::kMalformedAddress;
}

}  // namespace

const char* describe(SwitchEvent event) {
  switch (event) {
    case SwitchEvent::kForwarded: return "forwarded";
    case SwitchEvent::kRunt: return "runt";
    case SwitchEvent::kUnknownSource: return "from an unknown slot";
    case SwitchEvent::kSourceTooWide: return "source director wider than destination's";
    case SwitchEvent::kReturnPathInvalid: return "return path cannot be represented";
    case SwitchEvent::kNoSuchInterface: return "no interface in that slot";
    case SwitchEvent::kLabelRolledOver: return "label rolled over";
    case SwitchEvent::kInterfaceDown: return "the peer in that slot is silent";
  }
  return "?";
}

SwitchCore::SwitchCore() {
  used_[kRouterSlot] = true;
  count_ = 1;
}

std::optional<unsigned> SwitchCore::addInterface() {
  for (unsigned slot = 0; slot < kSlots; ++slot) {
    if (!used_[slot]) {
      used_[slot] = true;
      ++count_;
      return slot;
    }
  }
  return std::nullopt;
}

bool SwitchCore::removeInterface(unsigned slot) {
  if (slot == kRouterSlot || !hasInterface(slot)) return false;
  used_[slot] = false;
  down_[slot] = false;
  --count_;
  return true;
}

std::uint64_t SwitchCore::labelForSlot(unsigned slot) {
  return slot == kRouterSlot ? kSelfLabel : v358::peerLabel(slot);
}

SwitchResult SwitchCore::note(SwitchAction action, unsigned slot, SwitchEvent event) {
  ++counters_.byEvent[static_cast<std::size_t>(event)];
  return {action, slot, event};
}

SwitchResult SwitchCore::sendError(unsigned fromSlot, wire::Message& msg, SwitchEvent event) {
  // The error goes straight back where the packet came from, with the
  // received label reversed: for the sender that is the path to us.
  SwitchHeader header;
  header.label = bitReverse64(wire::loadBe64(msg.data()));
  header.congestion = 1;
  header.suppressErrors = true;  // an error must never cause another error
  header.trafficClass = SwitchHeader::kForwardedTrafficClass;
  const bool suppressed = (msg.data()[8] & 1) != 0;
  if (suppressed || !wrapAsError(msg, header, errorCodeFor(event))) {
    ++counters_.errorsSuppressed;
    return note(SwitchAction::kDrop, fromSlot, event);
  }
  ++counters_.errorsSent;
  return note(SwitchAction::kReplyError, fromSlot, event);
}

SwitchResult SwitchCore::switchPacket(unsigned fromSlot, wire::Message& msg) {
  if (!hasInterface(fromSlot)) return note(SwitchAction::kDrop, fromSlot, SwitchEvent::kUnknownSource);
  if (msg.length() < SwitchHeader::kSize) return note(SwitchAction::kDrop, fromSlot, SwitchEvent::kRunt);

  std::uint8_t* h = msg.data();
  const std::uint64_t label = wire::loadBe64(h);
  unsigned bits = v358::bitsForLabel(label);
  const unsigned dst = v358::decodeSlot(label, bits);
  const unsigned srcBits = v358::bitsForSlot(fromSlot);

  // cjdns also refuses a label naming the router other than as 0001; in 358
  // only 0001 decodes to slot 1, so that check cannot fire here.
  if (srcBits > bits) {
    // The reversed director of the source must fit where this director was.
    // The router's own director is 4 bits, never wider than any other, so
    // only peers in slots 8 and up get here.
    if (dst != kRouterSlot) return sendError(fromSlot, msg, SwitchEvent::kSourceTooWide);
    // For us: the zeros above our 0001 can absorb a wider source director.
    const std::uint64_t mustBeClear = (std::uint64_t{1} << (srcBits + 4)) - 1;
    if (((label ^ 1) & mustBeClear) != 0) return sendError(fromSlot, msg, SwitchEvent::kReturnPathInvalid);
    bits = srcBits;
  }
  if (!used_[dst]) return sendError(fromSlot, msg, SwitchEvent::kNoSuchInterface);
  if (down_[dst] && fromSlot != kRouterSlot) return sendError(fromSlot, msg, SwitchEvent::kInterfaceDown);

  const unsigned shift = (h[9] & SwitchHeader::kMaxLabelShift) + bits;
  if (shift > SwitchHeader::kMaxLabelShift) return note(SwitchAction::kDrop, fromSlot, SwitchEvent::kLabelRolledOver);

  wire::storeBe64(h, (label >> bits) | bitReverse64(v358::encodeSlot(fromSlot, bits)));
  h[9] = static_cast<std::uint8_t>((h[9] & 0xc0) | shift);
  wire::storeBe16(h + 10, SwitchHeader::kForwardedTrafficClass);
  ++counters_.forwarded;
  return note(SwitchAction::kForward, dst, SwitchEvent::kForwarded);
}

}  // namespace cjdns::switching
