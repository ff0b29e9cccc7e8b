// DataHeader (wire.md 12.1): the 4 bytes in front of every end-to-end
// payload, inside the session encryption, that say what the payload is.
//
//   0     version (bits 7..4, 1) | flags (bits 3..0, 0)
//   1     unused (0)
//   2..4  content type, big-endian (12.2)
//
// Receivers in cjdns never look at the version or flags, so parsing accepts
// any value there and keeps it; only the content type matters.
#pragma once

#include <array>
#include <cstddef>
#include <cstdint>
#include <optional>
#include <span>

namespace cjdns::wire {
class Message;
}

namespace cjdns::session {

/// Content types (wire.md 12.2). 0..255 are IPv6 payloads whose next-header
/// value is the type; the IPv6 header itself is not carried.
namespace content_type {
inline constexpr std::uint16_t kTcp = 6;
inline constexpr std::uint16_t kUdp = 17;
inline constexpr std::uint16_t kIcmp6 = 58;
inline constexpr std::uint16_t kMaxIp6 = 255;
/// Bencoded inter-router messages (CJDHT, wire.md 13). The only type a
/// session may carry before its handshake is done (forward secrecy).
inline constexpr std::uint16_t kCjdht = 256;
/// IpTunnel (upper.md 2).
inline constexpr std::uint16_t kIpTun = 257;
}  // namespace content_type

/// True for the types that stand for an IPv6 next header.
constexpr bool isIp6Payload(std::uint16_t type) { return type <= content_type::kMaxIp6; }

struct DataHeader {
  static constexpr std::size_t kSize = 4;
  /// DataHeader_CURRENT_VERSION: what every sender since protocol 16 writes.
  static constexpr std::uint8_t kCurrentVersion = 1;

  std::uint8_t version = kCurrentVersion;  ///< 4 bits
  std::uint8_t flags = 0;                  ///< 4 bits, unused
  std::uint16_t contentType = 0;

  /// The header at the start of `bytes`; nullopt if shorter than 4 bytes.
  static std::optional<DataHeader> parse(std::span<const std::uint8_t> bytes);
  /// Writes the 4 bytes; version and flags are cut to 4 bits each, and the
  /// unused byte is always 0.
  std::array<std::uint8_t, kSize> toBytes() const;

  /// Removes the header from the front of msg; nullopt (msg unchanged) if too short.
  static std::optional<DataHeader> pop(wire::Message& msg);
  /// Adds the header in front of msg; false (msg unchanged) without headroom.
  [[nodiscard]] bool push(wire::Message& msg) const;

  /// A current-version header for `type`.
  static DataHeader of(std::uint16_t type) { return DataHeader{kCurrentVersion, 0, type}; }

  friend bool operator==(const DataHeader&, const DataHeader&) = default;
};

}  // namespace cjdns::session
