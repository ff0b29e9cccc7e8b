#include "core/switch/label.h"

#include "core/switch/encoding-scheme.h"

namespace cjdns::switching {

bool isOneHop(std::uint64_t label) {
  // In 358 the form of a director is told by its low bits, and its width is
  // the form's prefixLen + bitCount.
  return labelLog2(label) == static_cast<int>(v358::bitsForLabel(label));
}

bool isSelfRoute(std::uint64_t label) {
  const unsigned bits = v358::bitsForLabel(label);
  return (label & ((std::uint64_t{1} << bits) - 1)) == 1;
}

}  // namespace cjdns::switching
