// The CJDHT keyspace distance (upper.md 1.2) and protocol-version
// compatibility, as the old DHT uses them to pick nodes for a reply.
//
// The DHT compares addresses rotated by 64 bits, so that the constant 0xfc
// byte ends up in the least significant half: the 32-bit big-endian words
// W2, W3, W0, W1 (bytes 8..11, 12..15, 0..3, 4..7) XORed with the target's,
// compared in that order as unsigned numbers. Smaller is closer.
#pragma once

#include <algorithm>
#include <compare>
#include <cstdint>

#include "core/crypto/keys.h"
#include "core/wire/endian.h"

namespace cjdns::routing {

/// The XOR distance of two addresses in the rotated order: `hi` holds the
/// words W2 and W3, `lo` the words W0 and W1. Ordered as cjdns Address_closest.
struct Distance {
  std::uint64_t hi = 0;
  std::uint64_t lo = 0;
  friend auto operator<=>(const Distance&, const Distance&) = default;
};

inline Distance distance(const crypto::Ip6& a, const crypto::Ip6& b) {
  // Big-endian 64-bit halves keep W2 above W3 and W0 above W1.
  return Distance{wire::loadBe64(a.data() + 8) ^ wire::loadBe64(b.data() + 8),
                  wire::loadBe64(a.data()) ^ wire::loadBe64(b.data())};
}

/// True if `a` is strictly closer to `target` than `b`.
inline bool closer(const crypto::Ip6& target, const crypto::Ip6& a, const crypto::Ip6& b) {
  return distance(target, a) < distance(target, b);
}

/// The newest protocol version the compatibility table below knows.
inline constexpr std::uint32_t kNewestKnownVersion = 22;

/// cjdns Version_isCompatible as of v22: versions above 22 count as 22;
/// equal versions always agree; 22 talks to 21 and 20, 21 to 20, and 20 to
/// 16..19. Used to leave out of a reply the nodes the asker cannot talk to.
constexpr bool versionsCompatible(std::uint32_t one, std::uint32_t two) {
  one = std::min(one, kNewestKnownVersion);
  two = std::min(two, kNewestKnownVersion);
  const std::uint32_t lo = std::min(one, two);
  const std::uint32_t hi = std::max(one, two);
  if (lo == hi) return true;
  switch (hi) {
    case 22:
    case 21: return lo >= 20;
    case 20: return lo >= 16;
    default: return false;  // older pairs never reach a v20+ DHT
  }
}

}  // namespace cjdns::routing
