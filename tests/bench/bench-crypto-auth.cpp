// CryptoAuth data path throughput: encrypt + decrypt of 1304-byte packets
// (a full peer-link payload) between two established sessions, beside the
// raw libsodium box (crypto_box_curve25519xsalsa20poly1305_afternm and
// open_afternm) on the same size, measured in the same run.
//
//   build/tests/bench/bench-crypto-auth [seconds per measurement, default 2]
#include <sodium.h>

#include <array>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <memory>
#include <vector>

#include "core/crypto/crypto-auth.h"
#include "core/wire/message.h"

namespace {

using Clock = std::chrono::steady_clock;
using cjdns::crypto::CryptoAuthSession;
using cjdns::crypto::DecryptError;
using cjdns::crypto::PrivateKey;
using cjdns::crypto::PublicKey;
using cjdns::crypto::SodiumRandom;
using cjdns::wire::Message;

constexpr std::size_t kPacket = 1304;
constexpr std::size_t kBatch = 256;  // packets between clock reads

struct Rate {
  double packetsPerSecond = 0;
  double gbitPerSecond = 0;
};

/// Runs `round` (which handles one packet) in batches for `seconds`.
template <typename Round>
Rate measure(double seconds, Round round) {
  std::size_t packets = 0;
  const auto start = Clock::now();
  double elapsed = 0;
  do {
    for (std::size_t i = 0; i < kBatch; ++i) round();
    packets += kBatch;
    elapsed = std::chrono::duration<double>(Clock::now() - start).count();
  } while (elapsed < seconds);
  Rate r;
  r.packetsPerSecond = static_cast<double>(packets) / elapsed;
  r.gbitPerSecond = r.packetsPerSecond * kPacket * 8 / 1e9;
  return r;
}

struct Pair {
  SodiumRandom rng;
  PrivateKey aKey, bKey;
  PublicKey aPub{}, bPub{};
  std::unique_ptr<CryptoAuthSession> alice, bob;

  Pair() {
    rng.fill(aKey.mutableBytes());
    rng.fill(bKey.mutableBytes());
    aPub = cjdns::crypto::publicKeyOf(aKey);
    bPub = cjdns::crypto::publicKeyOf(bKey);
    alice = std::make_unique<CryptoAuthSession>(aKey, bPub, false, nullptr, rng);
    bob = std::make_unique<CryptoAuthSession>(bKey, aPub, false, nullptr, rng);
    for (int i = 0; i < 2; ++i) {
      if (!pass(*alice, *bob) || !pass(*bob, *alice)) {
        std::fprintf(stderr, "handshake failed\n");
        std::exit(1);
      }
    }
  }
  static bool pass(CryptoAuthSession& from, CryptoAuthSession& to) {
    Message m;
    std::uint8_t byte = 1;
    return m.append({&byte, 1}) && from.encrypt(m, 0) && to.decrypt(m, 0) == DecryptError::kNone;
  }
};

Rate benchSessions(double seconds) {
  Pair p;
  if (!p.alice->established() || !p.bob->established()) std::exit(1);
  Message m;
  std::vector<std::uint8_t> payload(kPacket, 0xab);
  if (!m.assign(payload)) std::exit(1);
  // Encrypt pushes 20 bytes and decrypt pops them: the same buffer loops.
  return measure(seconds, [&] {
    if (!p.alice->encrypt(m, 0) || p.bob->decrypt(m, 0) != DecryptError::kNone) {
      std::fprintf(stderr, "session round failed\n");
      std::exit(1);
    }
  });
}

Rate benchRawBox(double seconds) {
  std::array<std::uint8_t, 32> key{};
  randombytes_buf(key.data(), key.size());
  std::array<std::uint8_t, 24> nonce{};
  // The NaCl layout: 32 zero bytes in front of the plaintext, 16 in front of the box.
  std::vector<std::uint8_t> buf(crypto_box_curve25519xsalsa20poly1305_ZEROBYTES + kPacket, 0xab);
  std::uint32_t counter = 0;
  return measure(seconds, [&] {
    std::memcpy(nonce.data(), &++counter, sizeof counter);
    std::memset(buf.data(), 0, crypto_box_curve25519xsalsa20poly1305_ZEROBYTES);
    crypto_box_curve25519xsalsa20poly1305_afternm(buf.data(), buf.data(), buf.size(), nonce.data(),
                                                  key.data());
    if (crypto_box_curve25519xsalsa20poly1305_open_afternm(buf.data(), buf.data(), buf.size(), nonce.data(),
                                                           key.data()) != 0) {
      std::fprintf(stderr, "raw box round failed\n");
      std::exit(1);
    }
  });
}

void print(const char* label, Rate r) {
  std::printf("%-44s %12.0f packets/s  %7.3f Gbit/s\n", label, r.packetsPerSecond, r.gbitPerSecond);
}

}  // namespace

int main(int argc, char** argv) {
  cjdns::crypto::ensureSodium();
  const double seconds = argc > 1 ? std::atof(argv[1]) : 2.0;
  std::printf("CryptoAuth data path, %zu-byte payload, encrypt + decrypt per packet, %.1f s each\n",
              kPacket, seconds);
  const Rate ours = benchSessions(seconds);
  const Rate raw = benchRawBox(seconds);
  print("CryptoAuthSession encrypt+decrypt:", ours);
  print("libsodium box afternm+open_afternm (raw):", raw);
  std::printf("%-44s %12.3f\n", "ratio session / raw:", ours.packetsPerSecond / raw.packetsPerSecond);
  return 0;
}
