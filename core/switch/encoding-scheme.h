// Encoding schemes: how a switch writes an interface number into a label
// (wire.md 9.3).
//
// A form is (bitCount, prefixLen, prefix); a director in that form is
// (data << prefixLen) | prefix, found in the low bits of a label. A scheme is
// one fixed-width form, or several forms of ascending bitCount told apart by
// their prefixes. cjdns only ever runs "v3x5x8" (358); the generic scheme is
// here to read the "es" field other nodes send, and the fast 358 functions
// the switch uses live in namespace v358 below.
#pragma once

#include <cstdint>
#include <optional>
#include <span>
#include <vector>

#include "core/util/value.h"

namespace cjdns::switching {

struct EncodingForm {
  std::uint8_t bitCount = 0;   ///< director data bits, 1..31
  std::uint8_t prefixLen = 0;  ///< 0 only in a fixed-width scheme
  std::uint32_t prefix = 0;    ///< fits in prefixLen bits

  int width() const { return bitCount + prefixLen; }
  friend bool operator==(const EncodingForm&, const EncodingForm&) = default;
};

class EncodingScheme {
 public:
  static constexpr int kMaxForms = 31;
  /// convertLabel's target meaning "the narrowest form the director fits".
  static constexpr int kCanonicalForm = -1;

  /// A scheme from its forms; nullopt unless they pass cjdns's sanity rules
  /// (1..31 forms; fixed width: prefixLen 0; variable: prefixLen and
  /// bitCount 1..31, width <= 59, strictly ascending bitCount, prefixes
  /// that tell the forms apart; every prefix within its prefixLen bits).
  static std::optional<EncodingScheme> fromForms(std::vector<EncodingForm> forms);

  /// The default scheme: {3,1,1}, {5,2,0b10}, {8,2,0b00} as (bitCount, prefixLen, prefix).
  static const EncodingScheme& v358();
  /// v4x8 (4 bits prefix 1, 8 bits prefix 0), used by cjdns's own tests.
  static const EncodingScheme& v4x8();
  static EncodingScheme fixedWidth(int bitCount);

  const std::vector<EncodingForm>& forms() const { return forms_; }
  bool is358() const;

  /// The compact form sent as "es" in CJDHT messages (wire.md 9.3.2).
  std::vector<std::uint8_t> serialize() const;
  /// nullopt for malformed input: truncated forms, non-zero bits after the
  /// end marker, or a scheme that is not sane.
  static std::optional<EncodingScheme> deserialize(std::span<const std::uint8_t> bytes);

  /// The admin API's list (Core_nodeInfo "encodingScheme"): one dict per form,
  /// lowest form first, with bitCount, prefix (hex of the big-endian u32 with
  /// leading zero bytes removed, at least 2 digits; "" in a fixed-width
  /// scheme) and prefixLen.
  util::Value toAdminList() const;

  /// The form the first director of `label` is in, or -1 if none matches.
  int formNumber(std::uint64_t label) const;
  /// The interface number of the first director, or -1.
  int parseDirector(std::uint64_t label) const;
  /// The director for interface `iface` in form `form` (the narrowest that
  /// fits when form < 0), without terminator; kInvalidLabel if it does not
  /// fit. Unlike cjdns, refuses rather than wraps a number too big for an
  /// explicit form, and refuses 358's interface 1 outside form 0.
  std::uint64_t serializeDirector(int iface, int form = -1) const;
  /// Re-encodes the first director of `label` in form `toForm` (or
  /// kCanonicalForm), keeping the rest; kInvalidLabel when the director does
  /// not fit, the result would exceed 59 bits or would read as a self route.
  /// Self routes convert only to form 0 (unchanged).
  std::uint64_t convertLabel(std::uint64_t label, int toForm) const;

  /// The first director is exactly 1: the route ends at this node.
  bool isSelfRoute(std::uint64_t label) const;
  /// Exactly one director, then the terminator.
  bool isOneHop(std::uint64_t label) const;

  friend bool operator==(const EncodingScheme&, const EncodingScheme&) = default;

 private:
  explicit EncodingScheme(std::vector<EncodingForm> forms) : forms_(std::move(forms)) {}
  static bool isSane(const std::vector<EncodingForm>& forms);

  std::vector<EncodingForm> forms_;
};

/// NumberCompress v3x5x8: the scheme the switch core runs, as constexpr
/// functions on the packet path. Slot 1 is the router and is only ever
/// written 0001; the 7- and 10-bit forms skip the number 1.
namespace v358 {

inline constexpr unsigned kSlots = 257;
inline constexpr unsigned kRouterSlot = 1;

/// Width (4, 7 or 10) of the first director of a label.
constexpr unsigned bitsForLabel(std::uint64_t label) {
  if (label & 1) return 4;
  if (label & 2) return 7;
  return 10;
}

/// The narrowest width that can hold a slot number.
constexpr unsigned bitsForSlot(unsigned slot) {
  if (slot < 8) return 4;
  if (slot < 33) return 7;
  return 10;
}

/// The director of `slot` at width `bits` (which must hold it).
constexpr std::uint64_t encodeSlot(unsigned slot, unsigned bits) {
  if (slot == kRouterSlot) return 1;
  switch (bits) {
    case 4: return slot == 0 ? 3 : (std::uint64_t{slot} << 1) | 1;
    case 7: return slot == 0 ? 2 : (std::uint64_t{slot - 1} << 2) | 2;
    case 10: return slot == 0 ? 0 : std::uint64_t{slot - 1} << 2;
    default: return 0;
  }
}

/// The slot the first director of `label` names, read at width `bits`.
constexpr unsigned decodeSlot(std::uint64_t label, unsigned bits) {
  switch (bits) {
    case 4: {
      const auto d = static_cast<unsigned>((label >> 1) & 7);
      return d == 0 ? 1 : d == 1 ? 0 : d;
    }
    case 7: {
      const auto d = static_cast<unsigned>((label >> 2) & 31);
      return d == 0 ? 0 : d + 1;
    }
    case 10: {
      const auto d = static_cast<unsigned>((label >> 2) & 255);
      return d == 0 ? 0 : d + 1;
    }
    default: return 0;
  }
}

/// The label of the peer in `slot` as its switch neighbour sees it:
/// the director followed by the terminator (slot 0 -> 0x13).
constexpr std::uint64_t peerLabel(unsigned slot) {
  const unsigned bits = bitsForSlot(slot);
  return encodeSlot(slot, bits) | (std::uint64_t{1} << bits);
}

/// NumberCompress_getLabelFor: `target` re-encoded so that it can be spliced
/// onto the path to `asker`. A switch refuses to forward when the incoming
/// director is wider than the outgoing one, so a narrower first director of
/// target is widened to asker's width.
constexpr std::uint64_t labelFor(std::uint64_t target, std::uint64_t asker) {
  const unsigned targetBits = bitsForLabel(target);
  const unsigned askerBits = bitsForLabel(asker);
  if (targetBits >= askerBits) return target;
  const unsigned slot = decodeSlot(target, targetBits);
  return ((target & (~std::uint64_t{0} << targetBits)) << (askerBits - targetBits)) |
         encodeSlot(slot, askerBits);
}

}  // namespace v358

}  // namespace cjdns::switching
