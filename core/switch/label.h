// Switch label arithmetic (wire.md 9.2, 9.5). A label is a host-order u64:
// directors from the least significant bit up, ended by a single 1 bit.
// The text form ("0000.0000.0000.0013") lives in core/crypto/address.h.
#pragma once

#include <bit>
#include <cstdint>

namespace cjdns::switching {

/// The label of the node itself (its router's 0001 director and nothing more).
inline constexpr std::uint64_t kSelfLabel = 1;
/// What splice, label conversion and director encoding return on failure.
inline constexpr std::uint64_t kInvalidLabel = ~std::uint64_t{0};
/// Splicing and conversion refuse labels whose highest set bit is above this.
inline constexpr int kMaxLabelLog2 = 59;

/// Index of the highest set bit; 0 for both 0 and 1 (as cjdns Bits_log2x64).
constexpr int labelLog2(std::uint64_t label) {
  return label == 0 ? 0 : 63 - std::countl_zero(label);
}

/// All 64 bits in reverse order. Turns the label a packet arrived with into
/// the return path to its sender.
constexpr std::uint64_t bitReverse64(std::uint64_t v) {
  v = ((v >> 1) & 0x5555555555555555ull) | ((v & 0x5555555555555555ull) << 1);
  v = ((v >> 2) & 0x3333333333333333ull) | ((v & 0x3333333333333333ull) << 2);
  v = ((v >> 4) & 0x0f0f0f0f0f0f0f0full) | ((v & 0x0f0f0f0f0f0f0f0full) << 4);
  v = ((v >> 8) & 0x00ff00ff00ff00ffull) | ((v & 0x00ff00ff00ff00ffull) << 8);
  v = ((v >> 16) & 0x0000ffff0000ffffull) | ((v & 0x0000ffff0000ffffull) << 16);
  return (v >> 32) | (v << 32);
}

/// The path to `goHere` as seen from the node at `viaHere`, appended to the
/// path to that node: viaHere's terminator is dropped and goHere's directors
/// go above viaHere's. kInvalidLabel if the result would exceed 59 bits.
constexpr std::uint64_t splice(std::uint64_t goHere, std::uint64_t viaHere) {
  const int viaBits = labelLog2(viaHere);
  if (labelLog2(goHere) + viaBits > kMaxLabelLog2) return kInvalidLabel;
  return ((goHere ^ 1) << viaBits) ^ viaHere;
}

/// The rest of `fullPath` as seen from the node at `midPath` (which must lie
/// on it; see routesThrough).
constexpr std::uint64_t unsplice(std::uint64_t fullPath, std::uint64_t midPath) {
  return fullPath >> labelLog2(midPath);
}

/// True if the path `destination` passes through the node at `midPath`
/// (or ends there). Every path passes through the node itself (midPath < 2).
constexpr bool routesThrough(std::uint64_t destination, std::uint64_t midPath) {
  if (midPath > destination) return false;
  if (midPath < 2) return true;
  const std::uint64_t mask = ~std::uint64_t{0} >> (64 - labelLog2(midPath));
  return (destination & mask) == (midPath & mask);
}

/// For the default v3x5x8 scheme: exactly one director, then the terminator.
bool isOneHop(std::uint64_t label);

/// For the default v3x5x8 scheme: the first director is the router's 0001.
bool isSelfRoute(std::uint64_t label);

}  // namespace cjdns::switching
