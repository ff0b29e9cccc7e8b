// libFuzzer target: arbitrary bytes as a switch control message (from the
// checksum field on). Whatever parses must serialize back to the same bytes
// with a checksum that verifies; the same bytes behind a control handle go
// through the router's responder, whose replies must parse; a ping turned
// into a pong must verify. Inputs are also tried with their checksum fixed.
#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <span>
#include <vector>

#include "core/switch/control-message.h"
#include "core/switch/control-responder.h"
#include "core/switch/label.h"
#include "core/switch/switch-header.h"
#include "core/wire/checksum.h"
#include "core/wire/message.h"

using namespace cjdns::switching;

namespace {

void require(bool ok) {
  if (!ok) std::abort();
}

void roundTrip(std::span<const std::uint8_t> in) {
  ControlMessage m;
  if (parseControl(in, m, ChecksumPolicy::kIgnore) != ControlParseStatus::kOk) return;
  std::vector<std::uint8_t> out(serializedSize(m));
  require(out.size() == in.size());
  require(serializeControl(m, out));
  require(cjdns::wire::internetChecksum(out) == 0);
  // Only the checksum may differ, and only if the input's was wrong.
  require(std::equal(out.begin() + 2, out.end(), in.begin() + 2));
  const bool verified = parseControl(in, m) == ControlParseStatus::kOk;
  require(verified == std::equal(out.begin(), out.end(), in.begin()));
  ControlMessage back;
  require(parseControl(out, back) == ControlParseStatus::kOk && back.type == m.type);
}

void respond(std::span<const std::uint8_t> in) {
  cjdns::wire::Message msg;
  SwitchHeader h;
  h.label = 0xC800000000000000ull;  // a direct peer's packet as our router sees it
  if (!msg.assign(in) || !msg.pushBe32(kControlHandle) || !h.push(msg)) return;
  const LlAddr addr{2, 20};
  const std::size_t length = msg.length();
  const ControlHandling r = handleControl(msg, ControlResponder{}, &addr);
  if (r.disposition != ControlDisposition::kReply) return;
  require(msg.length() == length);
  ControlPacket reply;
  require(parseControlPacket(msg.bytes(), reply) == ControlParseStatus::kOk);
  require(reply.header.label == 0x13);
}

void pong(std::span<const std::uint8_t> in) {
  std::vector<std::uint8_t> copy(in.begin(), in.end());
  if (!pingToPong(copy, 21)) {
    require(std::equal(copy.begin(), copy.end(), in.begin()));
    return;
  }
  ControlMessage m;
  require(parseControl(copy, m) == ControlParseStatus::kOk && m.type == ControlType::kPong);
  require(std::equal(copy.begin() + 12, copy.end(), in.begin() + 12));
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const std::span<const std::uint8_t> in(data, size);
  roundTrip(in);
  respond(in);
  pong(in);
  if (size >= kControlHeaderSize) {
    // Random bytes rarely carry a valid checksum: also try them with one, so
    // that the responder and pingToPong see more than their first check.
    std::vector<std::uint8_t> fixed(in.begin(), in.end());
    fixControlChecksum(fixed);
    respond(fixed);
    pong(fixed);
  }
  return 0;
}
