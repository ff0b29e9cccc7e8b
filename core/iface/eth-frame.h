// Ethernet framing of cjdns ETHInterface (wire.md 4.3), I/O-free.
//
// On the wire a cjdns Ethernet frame is
//   [dst MAC 6][src MAC 6][EtherType FC 00][cjdns header 6][payload]
// and the cjdns header is
//   [version 0][zero][length BE = payload + 6][magic FC 00].
// The length cuts off what the NIC added (minimum-frame padding, a CRC).
//
// Two layers, because the socket glue may see either: an AF_PACKET
// SOCK_DGRAM socket (or the payload of a BPF read after its MAC header)
// hands over the "body" that follows the EtherType, with the MACs and the
// packet type in sockaddr_ll; a SOCK_RAW socket hands over the whole frame.
// Parsers refuse, with a reason, everything cjdns would drop, plus two things
// it does not check (a length below the header's own size, a group source MAC).
//
// Beacons are not told apart by content: a received frame is a beacon exactly
// when it was sent to the broadcast address (sll_pkttype == PACKET_BROADCAST,
// or isBroadcast() of the destination of a whole frame); its payload is then a
// 56-byte beacon (beacon.h) rather than a peer-link crypto packet.
#pragma once

#include <array>
#include <cstddef>
#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <string_view>

#include "core/iface/link-address.h"
#include "core/wire/message.h"

namespace cjdns::iface {

/// A 48-bit Ethernet address. LinkAddress can hold one (fromMac) but cannot
/// give it back as bytes or tell a group address; this small value can.
class MacAddress {
 public:
  static constexpr std::size_t kSize = 6;

  constexpr MacAddress() = default;
  explicit MacAddress(std::span<const std::uint8_t, kSize> bytes);
  static MacAddress broadcast();
  /// "01:02:03:04:05:06" (either case, exactly 17 characters), the form of
  /// connectTo keys and of ETHInterface_beginConnection's macAddress.
  static std::optional<MacAddress> parse(std::string_view text);
  /// The MAC inside a LinkAddress made by toLinkAddress() / LinkAddress::fromMac.
  static std::optional<MacAddress> fromLinkAddress(const LinkAddress& address);

  LinkAddress toLinkAddress() const { return LinkAddress::fromMac(bytes_.data()); }
  /// Lowercase "01:02:03:04:05:06", as LinkAddress prints it.
  std::string toString() const;
  const std::array<std::uint8_t, kSize>& bytes() const { return bytes_; }

  bool isBroadcast() const;
  /// The group bit (multicast, broadcast included).
  bool isGroup() const { return (bytes_[0] & 1) != 0; }
  bool isZero() const;
  /// A unicast, non-zero address: the only kind a peer can have.
  bool usableAsPeer() const { return !isGroup() && !isZero(); }

  friend bool operator==(const MacAddress&, const MacAddress&) = default;

 private:
  std::array<std::uint8_t, kSize> bytes_{};
};

inline constexpr std::uint16_t kEthertypeCjdns = 0xFC00;
inline constexpr std::size_t kEthMacHeaderSize = 14;  ///< dst, src, EtherType
inline constexpr std::size_t kEthHeaderSize = 6;      ///< the cjdns header
inline constexpr std::uint8_t kEthHeaderVersion = 0;
inline constexpr std::uint16_t kEthHeaderMagic = 0xFC00;
/// cjdns reads at most this much after the EtherType (header + payload).
inline constexpr std::size_t kEthMaxBody = 1496;
/// So this is the largest payload worth sending.
inline constexpr std::size_t kEthMaxPayload = kEthMaxBody - kEthHeaderSize;

/// Why a frame was refused (or could not be built). Checks run in field order.
enum class EthFrameError {
  kNone,
  kTooShort,         ///< shorter than the headers
  kWrongEthertype,   ///< not 0xFC00 (whole frames only)
  kBadSource,        ///< source MAC is a group or all-zero address (whole frames only)
  kBadVersion,       ///< cjdns header version is not 0
  kLengthTooSmall,   ///< length field below 6: it cannot even cover the header
  kLengthTooLarge,   ///< length field above kEthMaxBody: cjdns never reads that much
  kTruncated,        ///< fewer bytes than the length field announces
  kBadMagic,         ///< header magic is not FC 00
  kPayloadTooLong,   ///< building: more than kEthMaxPayload bytes
  kNoHeadroom,       ///< building: the Message has no room in front
};
inline constexpr std::size_t kEthFrameErrorCount = 11;
const char* describe(EthFrameError error);

/// The payload of a body or frame, with NIC padding already cut off.
struct ParsedEthBody {
  EthFrameError error = EthFrameError::kNone;
  std::span<const std::uint8_t> payload;
  bool ok() const { return error == EthFrameError::kNone; }
};

struct ParsedEthFrame {
  EthFrameError error = EthFrameError::kNone;
  MacAddress dst;
  MacAddress src;
  std::span<const std::uint8_t> payload;
  bool ok() const { return error == EthFrameError::kNone; }
  /// Sent to ff:ff:ff:ff:ff:ff, so the payload is a beacon.
  bool isBeacon() const { return dst.isBroadcast(); }
};

/// Parses the bytes after the EtherType: cjdns header, payload, padding.
/// The zero byte is not checked, as in cjdns.
ParsedEthBody parseEthBody(std::span<const std::uint8_t> body);
/// Parses a whole frame from the destination MAC on.
ParsedEthFrame parseEthFrame(std::span<const std::uint8_t> frame);

/// Prepends the cjdns header to the payload in msg.
[[nodiscard]] EthFrameError pushEthHeader(wire::Message& msg);
/// Prepends the cjdns header and the MAC header: msg becomes a whole frame.
[[nodiscard]] EthFrameError pushEthFrame(wire::Message& msg, const MacAddress& dst, const MacAddress& src);

/// Checks and removes the cjdns header and any padding; msg keeps the
/// payload. On an error msg is unchanged.
[[nodiscard]] EthFrameError popEthHeader(wire::Message& msg);
/// The same for a whole frame; the MACs are filled on success.
[[nodiscard]] EthFrameError popEthFrame(wire::Message& msg, MacAddress& dst, MacAddress& src);

}  // namespace cjdns::iface
