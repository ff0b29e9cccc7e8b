// XSalsa20-Poly1305 as the packet path uses it (core/crypto/secretbox.h):
// seal and open of one packet, libsodium's crypto_box_*_afternm beside the
// AVX-512 keystream (where the CPU has it), at the sizes that matter (a TCP
// ACK, a 1304-byte TUN packet plus the inner headers, and a link packet).
// CPU time per call, best of several rounds, measured in the same run.
//
//   build/tests/bench/bench-secretbox [rounds, default 10]
#include <sodium.h>

#include <algorithm>
#include <cstdio>
#include <cstdlib>
#include <ctime>
#include <vector>

#include "core/crypto/secretbox.h"

namespace {

namespace sb = cjdns::crypto;

double cpuSeconds() {
  timespec t{};
  clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &t);
  return static_cast<double>(t.tv_sec) + static_cast<double>(t.tv_nsec) / 1e9;
}

using Seal = void (*)(std::uint8_t*, std::uint8_t*, const std::uint8_t*, std::size_t, const std::uint8_t*,
                      const std::uint8_t*);
using Open = bool (*)(std::uint8_t*, const std::uint8_t*, const std::uint8_t*, std::size_t, const std::uint8_t*,
                      const std::uint8_t*);

/// Nanoseconds of CPU per seal+open pair, best of `rounds`.
double measure(Seal seal, Open open, std::size_t length, int rounds) {
  std::vector<std::uint8_t> buf(length + 1), key(32), nonce(24);
  randombytes_buf(key.data(), key.size());
  randombytes_buf(buf.data(), buf.size());
  std::uint8_t mac[16];
  constexpr int kCalls = 20000;
  double best = 1e30;
  for (int r = 0; r < rounds; ++r) {
    const double t0 = cpuSeconds();
    for (int i = 0; i < kCalls; ++i) {
      nonce[4] = static_cast<std::uint8_t>(i);
      nonce[5] = static_cast<std::uint8_t>(i >> 8);
      seal(buf.data(), mac, buf.data(), length, nonce.data(), key.data());
      if (!open(buf.data(), buf.data(), mac, length, nonce.data(), key.data())) std::abort();
    }
    best = std::min(best, (cpuSeconds() - t0) / kCalls * 1e9);
  }
  return best;
}

}  // namespace

int main(int argc, char** argv) {
  if (sodium_init() < 0) return 1;
  const int rounds = argc > 1 ? std::atoi(argv[1]) : 10;
  std::printf("secretbox in use: %s\n", sb::secretboxImplementation());
  std::printf("%8s  %18s  %18s  %8s\n", "bytes", "libsodium ns/pair", "avx512 ns/pair", "ratio");
  for (std::size_t length : {60, 200, 1000, 1340, 1400}) {
    const double lib = measure(sb::detail::sealLibsodium, sb::detail::openLibsodium, length, rounds);
    if (!sb::detail::avx512Available()) {
      std::printf("%8zu  %18.0f  %18s  %8s\n", length, lib, "-", "-");
      continue;
    }
    const double ours = measure(sb::detail::sealAvx512, sb::detail::openAvx512, length, rounds);
    std::printf("%8zu  %18.0f  %18.0f  %7.2fx\n", length, lib, ours, lib / ours);
  }
  return 0;
}
