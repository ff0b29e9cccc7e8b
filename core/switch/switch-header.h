// SwitchHeader: the 12 bytes in front of every switch packet (wire.md 9.1).
//
//   0..8   label, big-endian
//   8      congestion (bits 7..1) | S, suppress errors (bit 0)
//   9      header version (bits 7..6) | labelShift (bits 5..0)
//   10..12 traffic class, big-endian
//
// A plain value type: parse copies the fields out, serialize writes them back.
// Every byte pattern parses, and serializing a parsed header gives back the
// same 12 bytes.
#pragma once

#include <array>
#include <cstdint>
#include <optional>
#include <span>

namespace cjdns::wire {
class Message;
}

namespace cjdns::switching {

struct SwitchHeader {
  static constexpr std::size_t kSize = 12;
  /// SwitchHeader_CURRENT_VERSION: what every node since protocol 11 sends.
  static constexpr std::uint8_t kCurrentVersion = 1;
  static constexpr std::uint8_t kMaxCongestion = 0x7f;
  static constexpr std::uint8_t kMaxLabelShift = 63;
  /// The traffic class v21+ switches write into every packet they forward.
  static constexpr std::uint16_t kForwardedTrafficClass = 0xffff;

  std::uint64_t label = 0;
  std::uint8_t congestion = 0;  ///< 7 bits
  bool suppressErrors = false;  ///< the S bit: no error packet may answer this one
  std::uint8_t version = kCurrentVersion;  ///< 2 bits
  std::uint8_t labelShift = 0;  ///< 6 bits: label bits shifted off so far
  std::uint16_t trafficClass = 0;

  /// The header at the start of `bytes`; nullopt if shorter than 12 bytes.
  static std::optional<SwitchHeader> parse(std::span<const std::uint8_t> bytes);

  /// Writes the 12 bytes. Fields wider than their bit width are truncated
  /// to it (congestion to 7 bits, version to 2, labelShift to 6).
  void serialize(std::span<std::uint8_t, kSize> out) const;
  std::array<std::uint8_t, kSize> toBytes() const;

  /// The header at the front of msg, left in place; nullopt if too short.
  static std::optional<SwitchHeader> peek(const wire::Message& msg);
  /// Removes the header from the front of msg; nullopt (msg unchanged) if too short.
  static std::optional<SwitchHeader> pop(wire::Message& msg);
  /// Adds the header in front of msg; false (msg unchanged) without headroom.
  [[nodiscard]] bool push(wire::Message& msg) const;

  friend bool operator==(const SwitchHeader&, const SwitchHeader&) = default;
};

}  // namespace cjdns::switching
