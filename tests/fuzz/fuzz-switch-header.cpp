// libFuzzer target: arbitrary bytes as a switch packet. The header must
// round-trip; the packet is switched in from the router, a 4-bit, a 7-bit
// and a 10-bit peer slot, and every outcome must be one the switch promises
// (a forward with a well-formed rewrite, a well-formed error, or a counted
// drop); what reaches the router goes through the control responder. The
// same bytes are also read as an encoding scheme.
#include <algorithm>
#include <array>
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <span>
#include <vector>

#include "core/switch/control-message.h"
#include "core/switch/control-responder.h"
#include "core/switch/encoding-scheme.h"
#include "core/switch/label.h"
#include "core/switch/switch-core.h"
#include "core/switch/switch-header.h"
#include "core/wire/endian.h"
#include "core/wire/message.h"

using namespace cjdns::switching;

namespace {

void require(bool ok) {
  if (!ok) std::abort();
}

/// A switch with peers in slots 0 and 2..40.
SwitchCore& sharedSwitch() {
  static SwitchCore core = [] {
    SwitchCore c;
    for (int i = 0; i < 40; ++i) require(c.addInterface().has_value());
    return c;
  }();
  return core;
}

void checkForward(unsigned from, const SwitchResult& r, std::span<const std::uint8_t> before,
                  const cjdns::wire::Message& msg) {
  require(sharedSwitch().hasInterface(r.slot));
  require(msg.length() == before.size());
  require(std::equal(before.begin() + SwitchHeader::kSize, before.end(), msg.data() + SwitchHeader::kSize));
  auto in = SwitchHeader::parse(before);
  auto out = SwitchHeader::peek(msg);
  require(in && out);
  require(out->trafficClass == 0xffff && out->version == in->version && out->congestion == in->congestion);
  require(out->labelShift > in->labelShift);
  // Reversed, the new label starts with the director back to the source.
  const std::uint64_t back = bitReverse64(out->label);
  require(v358::decodeSlot(back, v358::bitsForLabel(back)) == from);
}

void checkError(const SwitchResult& r, unsigned from, std::span<const std::uint8_t> before,
                const cjdns::wire::Message& msg) {
  require(r.slot == from);
  ControlPacket p;
  require(parseControlPacket(msg.bytes(), p) == ControlParseStatus::kOk);
  require(p.message.type == ControlType::kError && p.header.suppressErrors);
  require(p.header.label == bitReverse64(cjdns::wire::loadBe64(before.data())));
  const auto& cause = std::get<ErrorBody>(p.message.body).cause;
  require(cause.size() == std::min<std::size_t>(before.size(), kErrorMaxCause));
  require(std::equal(cause.begin(), cause.end(), before.begin()));
}

void answerAtRouter(cjdns::wire::Message& msg) {
  ControlResponder self;
  const LlAddr addr{1, 8};
  const std::size_t length = msg.length();
  const ControlHandling h = handleControl(msg, self, &addr);
  if (h.disposition != ControlDisposition::kReply) return;
  require(msg.length() == length);
  ControlPacket reply;
  require(parseControlPacket(msg.bytes(), reply) == ControlParseStatus::kOk);
  require(reply.header.version == 1 && !reply.header.suppressErrors);
}

void switchFrom(unsigned from, std::span<const std::uint8_t> in) {
  cjdns::wire::Message msg;
  if (!msg.assign(in)) return;
  const SwitchResult r = sharedSwitch().switchPacket(from, msg);
  switch (r.action) {
    case SwitchAction::kForward:
      checkForward(from, r, in, msg);
      if (r.slot == SwitchCore::kRouterSlot) answerAtRouter(msg);
      break;
    case SwitchAction::kReplyError: checkError(r, from, in, msg); break;
    case SwitchAction::kDrop:
      require(r.event != SwitchEvent::kForwarded);
      require(msg.length() == in.size() && std::equal(in.begin(), in.end(), msg.data()));
      break;
  }
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const std::span<const std::uint8_t> in(data, size);
  if (auto h = SwitchHeader::parse(in)) {
    const auto again = h->toBytes();
    require(std::equal(again.begin(), again.end(), in.begin()));
  }
  for (unsigned from : {SwitchCore::kRouterSlot, 0u, 8u, 40u}) switchFrom(from, in);

  if (auto scheme = EncodingScheme::deserialize(in)) {
    require(EncodingScheme::deserialize(scheme->serialize()) == scheme);
  }
  return 0;
}
