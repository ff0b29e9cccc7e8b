// Where CryptoAuth gets its randomness: temporary key pairs, handshake
// nonces and the random filler of the auth challenge.
//
// The engine takes a Random& instead of calling libsodium directly so that a
// test can replay a whole handshake byte for byte (DeterministicRandom), and
// so that the sandboxed core can decide where its entropy comes from.
#pragma once

#include <cstdint>
#include <span>

namespace cjdns::crypto {

class Random {
 public:
  virtual ~Random() = default;
  /// Fills every byte of `out`. Must not fail.
  virtual void fill(std::span<std::uint8_t> out) = 0;
};

/// randombytes_buf: the operating system's CSPRNG through libsodium.
class SodiumRandom final : public Random {
 public:
  SodiumRandom();
  void fill(std::span<std::uint8_t> out) override;
};

/// A reproducible stream (splitmix64) for tests, benchmarks and simulation.
/// Predictable by design: never use it for keys that meet the network.
class DeterministicRandom final : public Random {
 public:
  explicit DeterministicRandom(std::uint64_t seed) : state_(seed) {}
  void fill(std::span<std::uint8_t> out) override;

 private:
  std::uint64_t next();
  std::uint64_t state_;
};

}  // namespace cjdns::crypto
