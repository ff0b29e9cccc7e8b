#include "core/session/data-header.h"

#include "core/wire/endian.h"
#include "core/wire/message.h"

namespace cjdns::session {

std::optional<DataHeader> DataHeader::parse(std::span<const std::uint8_t> bytes) {
  if (bytes.size() < kSize) return std::nullopt;
  DataHeader h;
  h.version = static_cast<std::uint8_t>(bytes[0] >> 4);
  h.flags = static_cast<std::uint8_t>(bytes[0] & 0x0f);
  h.contentType = wire::loadBe16(bytes.data() + 2);
  return h;
}

std::array<std::uint8_t, DataHeader::kSize> DataHeader::toBytes() const {
  std::array<std::uint8_t, kSize> out{};
  out[0] = static_cast<std::uint8_t>(((version & 0x0f) << 4) | (flags & 0x0f));
  wire::storeBe16(out.data() + 2, contentType);
  return out;
}

std::optional<DataHeader> DataHeader::pop(wire::Message& msg) {
  auto h = parse(msg.bytes());
  if (h && !msg.pop(kSize)) return std::nullopt;
  return h;
}

bool DataHeader::push(wire::Message& msg) const {
  const auto bytes = toBytes();
  return msg.push(bytes);
}

}  // namespace cjdns::session
