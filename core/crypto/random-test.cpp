#include "core/crypto/random.h"

#include <doctest/doctest.h>

#include <array>
#include <cstdint>

using namespace cjdns::crypto;

TEST_CASE("a deterministic random source repeats its stream for the same seed") {
  DeterministicRandom a(7), b(7), c(8);
  std::array<std::uint8_t, 37> x{}, y{}, z{};
  a.fill(x);
  b.fill(y);
  c.fill(z);
  CHECK(x == y);
  CHECK(x != z);
  a.fill(x);
  CHECK(x != y);  // the stream moves on
}

TEST_CASE("the libsodium random source fills every byte") {
  SodiumRandom rng;
  // 64 zero bytes by chance has probability 2^-512.
  std::array<std::uint8_t, 64> buf{};
  rng.fill(buf);
  bool anyNonZero = false;
  for (auto b : buf) anyNonZero = anyNonZero || b != 0;
  CHECK(anyNonZero);
  std::array<std::uint8_t, 64> again{};
  rng.fill(again);
  CHECK(buf != again);
  rng.fill(std::span<std::uint8_t>{});  // an empty span is fine
}
