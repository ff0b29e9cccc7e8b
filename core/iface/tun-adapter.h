// TunAdapter: IPv6 packets of the TUN device <-> cjdns payloads (wire.md
// 12.3), I/O-free and in place.
//
// Outgoing, the whole 40-byte IPv6 header is removed: only our own address
// may be the source, the destination (an fc00::/8 address) picks the session,
// and the next-header value becomes the content type. Incoming, the header is
// rebuilt with hop limit 42, the session peer as source and us as
// destination. Destinations we cannot reach get an ICMPv6 error back to the
// TUN instead of silence.
#pragma once

#include <cstdint>
#include <span>

#include "core/crypto/keys.h"
#include "core/wire/message.h"

namespace cjdns::iface {

inline constexpr std::size_t kIp6HeaderSize = 40;
inline constexpr std::uint8_t kHopLimit = 42;  ///< what cjdns writes on rebuilt headers

enum class TunVerdict {
  kToSession,      ///< msg is now the payload; dest and contentType are set
  kNotIpv6,        ///< version is not 6 (IPv4 is IpTunnel's: forIpTunnel)
  kRunt,           ///< shorter than its IPv6 header, or than its payload length says
  kWrongSource,    ///< the source is not our address
  kNotCjdns,       ///< the destination is not in fc00::/8 (IpTunnel's job)
  kToSelf,         ///< addressed to ourselves: the kernel should not send it here
};
const char* describe(TunVerdict v);

struct TunPacket {
  crypto::Ip6 destination{};
  std::uint8_t contentType = 0;  ///< the IPv6 next header
};

/// Strips the IPv6 header of a packet read from the TUN. On any verdict but
/// kToSession the message is unchanged. Trailing bytes beyond the payload
/// length (none from a TUN) are cut.
TunVerdict fromTun(wire::Message& msg, const crypto::Ip6& ourAddress, TunPacket& out);

/// True for a packet that is IpTunnel's (upper.md 2.2) rather than
/// fromTun's: IPv4, and IPv6 to a destination outside fc00::/8. As in cjdns's
/// TUNAdapter the destination decides before the source is looked at: a
/// tunnelled IPv6 packet has a tunnel address, not ours, as its source.
bool forIpTunnel(std::span<const std::uint8_t> packet);

/// Rebuilds the IPv6 header in front of a payload for the TUN. False without
/// 40 bytes of headroom or for a payload over 65535 bytes.
[[nodiscard]] bool toTun(wire::Message& msg, std::uint8_t contentType, const crypto::Ip6& source,
                         const crypto::Ip6& ourAddress);

/// ICMPv6 Destination Unreachable codes we use (RFC 4443).
enum class Unreachable : std::uint8_t { kNoRoute = 0, kAddressUnreachable = 3 };

/// Replaces `msg` (an IPv6 packet read from the TUN, unchanged) with an
/// ICMPv6 Destination Unreachable for its sender, from `reporter`, quoting as
/// much of the original as fits in the IPv6 minimum MTU (RFC 4443 2.4).
[[nodiscard]] bool makeUnreachable(wire::Message& msg, const crypto::Ip6& reporter, Unreachable code);

}  // namespace cjdns::iface
