#include "core/switch/switch-header.h"

#include "core/wire/endian.h"
#include "core/wire/message.h"

namespace cjdns::switching {

std::optional<SwitchHeader> SwitchHeader::parse(std::span<const std::uint8_t> bytes) {
  if (bytes.size() < kSize) return std::nullopt;
  SwitchHeader h;
  h.label = wire::loadBe64(bytes.data());
  h.congestion = static_cast<std::uint8_t>(bytes[8] >> 1);
  h.suppressErrors = (bytes[8] & 1) != 0;
  h.version = static_cast<std::uint8_t>(bytes[9] >> 6);
  h.labelShift = static_cast<std::uint8_t>(bytes[9] & 0x3f);
  h.trafficClass = wire::loadBe16(bytes.data() + 10);
  return h;
}

void SwitchHeader::serialize(std::span<std::uint8_t, kSize> out) const {
  wire::storeBe64(out.data(), label);
  out[8] = static_cast<std::uint8_t>(((congestion & kMaxCongestion) << 1) | (suppressErrors ? 1 : 0));
  out[9] = static_cast<std::uint8_t>(((version & 3) << 6) | (labelShift & kMaxLabelShift));
  wire::storeBe16(out.data() + 10, trafficClass);
}

std::array<std::uint8_t, SwitchHeader::kSize> SwitchHeader::toBytes() const {
  std::array<std::uint8_t, kSize> out{};
  serialize(out);
  return out;
}

std::optional<SwitchHeader> SwitchHeader::peek(const wire::Message& msg) { return parse(msg.bytes()); }

std::optional<SwitchHeader> SwitchHeader::pop(wire::Message& msg) {
  auto h = parse(msg.bytes());
  if (h && !msg.pop(kSize)) return std::nullopt;
  return h;
}

bool SwitchHeader::push(wire::Message& msg) const {
  std::uint8_t* p = msg.push(kSize);
  if (p == nullptr) return false;
  serialize(std::span<std::uint8_t, kSize>(p, kSize));
  return true;
}

}  // namespace cjdns::switching
