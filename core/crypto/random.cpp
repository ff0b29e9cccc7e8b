#include "core/crypto/random.h"

#include <sodium.h>

#include "core/crypto/keys.h"

namespace cjdns::crypto {

SodiumRandom::SodiumRandom() { ensureSodium(); }

void SodiumRandom::fill(std::span<std::uint8_t> out) {
  if (!out.empty()) randombytes_buf(out.data(), out.size());
}

std::uint64_t DeterministicRandom::next() {
  // splitmix64 (Steele, Lea, Flood 2014): one add and a 64-bit mix per word.
  std::uint64_t z = (state_ += 0x9e3779b97f4a7c15ULL);
  z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
  z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
  return z ^ (z >> 31);
}

void DeterministicRandom::fill(std::span<std::uint8_t> out) {
  std::size_t i = 0;
  while (i < out.size()) {
    std::uint64_t word = next();
    for (int b = 0; b < 8 && i < out.size(); ++b, ++i) {
      out[i] = static_cast<std::uint8_t>(word >> (8 * b));
    }
  }
}

}  // namespace cjdns::crypto
