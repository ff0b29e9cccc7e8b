#include "core/switch/label.h"

#include <doctest/doctest.h>

#include <random>

#include "core/switch/encoding-scheme.h"

using namespace cjdns::switching;

TEST_CASE("label log2 is the index of the highest set bit, and 0 for 0") {
  CHECK(labelLog2(0) == 0);
  CHECK(labelLog2(1) == 0);
  CHECK(labelLog2(0x13) == 4);
  CHECK(labelLog2(0x400) == 10);
  CHECK(labelLog2(~std::uint64_t{0}) == 63);
}

TEST_CASE("bit reversal turns a received label into the return path") {
  CHECK(bitReverse64(1) == 0x8000000000000000ull);
  CHECK(bitReverse64(0xC800000000000000ull) == 0x13);
  CHECK(bitReverse64(0xCC80000000000000ull) == 0x133);
  CHECK(bitReverse64(0x0123456789abcdefull) == 0xf7b3d591e6a2c480ull);
  std::mt19937_64 rng(7);
  for (int i = 0; i < 1000; ++i) {
    const std::uint64_t v = rng();
    REQUIRE(bitReverse64(bitReverse64(v)) == v);
    // Reversing the bits of each byte and the byte order is the same thing.
    std::uint64_t bytewise = 0;
    for (int b = 0; b < 8; ++b) {
      auto byte = static_cast<std::uint8_t>(v >> (8 * b));
      std::uint8_t r = 0;
      for (int k = 0; k < 8; ++k) r = static_cast<std::uint8_t>(r | (((byte >> k) & 1) << (7 - k)));
      bytewise |= std::uint64_t{r} << (8 * (7 - b));
    }
    REQUIRE(bitReverse64(v) == bytewise);
  }
}

TEST_CASE("splice appends a path to a path and unsplice takes it back off") {
  CHECK(splice(0x15, 0x13) == 0x153);
  CHECK(unsplice(0x153, 0x13) == 0x15);
  CHECK(splice(0x13, kSelfLabel) == 0x13);
  CHECK(routesThrough(0x153, 0x13));
  CHECK_FALSE(routesThrough(0x153, 0x15));
  CHECK_FALSE(routesThrough(0x13, 0x153));  // a longer path is never on a shorter one
}

TEST_CASE("splice refuses a path longer than 59 bits") {
  const std::uint64_t long30 = (std::uint64_t{1} << 30) | 0x13;
  const std::uint64_t long29 = (std::uint64_t{1} << 29) | 0x13;
  CHECK(splice(long30, long29) != kInvalidLabel);   // 30 + 29 = 59
  CHECK(splice(long30, long30) == kInvalidLabel);   // 60
  CHECK(labelLog2(splice(long30, long29)) == 59);
}

TEST_CASE("one-hop and self-route tests agree with the generic 358 scheme for every short label") {
  const EncodingScheme& s = EncodingScheme::v358();
  int disagreements = 0;
  for (std::uint64_t label = 0; label <= 0xffff; ++label) {
    if (isOneHop(label) != s.isOneHop(label) || isSelfRoute(label) != s.isSelfRoute(label)) ++disagreements;
  }
  CHECK(disagreements == 0);
  CHECK(isOneHop(0x13));
  CHECK_FALSE(isOneHop(0x153));
  CHECK(isSelfRoute(1));
  CHECK(isSelfRoute(0x131));
  CHECK_FALSE(isSelfRoute(0x13));
}
