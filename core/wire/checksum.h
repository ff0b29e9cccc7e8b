// The Internet checksum (RFC 1071) as cjdns uses it: over switch control
// messages (wire.md 10.1) and, for the TUN adapter, over UDP and ICMPv6
// packets under an IPv6 pseudo-header (RFC 8200 section 8.1).
//
// The sum is over 16-bit big-endian words; an odd final byte counts as the
// high byte of a word whose low byte is zero. The result is a number; store
// it big-endian. A region whose stored checksum is correct sums to 0.
#pragma once

#include <cstdint>
#include <span>

namespace cjdns::wire {

/// Adds the big-endian 16-bit words of `bytes` to a running one's-complement
/// sum. Only the last chunk of a sum may have an odd length: an odd chunk in
/// the middle would shift every later word by a byte.
std::uint64_t checksumAdd(std::span<const std::uint8_t> bytes, std::uint64_t sum = 0);

/// Folds the carries of a running sum into 16 bits and inverts the result.
std::uint16_t checksumFinish(std::uint64_t sum);

/// checksumFinish(checksumAdd(bytes)).
std::uint16_t internetChecksum(std::span<const std::uint8_t> bytes);

/// The checksum of an upper-layer packet (header with its checksum field
/// zeroed, then payload) under the IPv6 pseudo-header: source, destination,
/// 32-bit length of `packet`, three zero bytes and the next-header value.
std::uint16_t ip6PseudoHeaderChecksum(std::span<const std::uint8_t, 16> source,
                                      std::span<const std::uint8_t, 16> destination,
                                      std::uint8_t nextHeader,
                                      std::span<const std::uint8_t> packet);

inline constexpr std::uint8_t kIpProtoUdp = 17;
inline constexpr std::uint8_t kIpProtoIcmp6 = 58;

}  // namespace cjdns::wire
