#include "core/crypto/secretbox.h"

#include <doctest/doctest.h>
#include <sodium.h>

#include <cstring>
#include <vector>

#include "core/crypto/keys.h"

using namespace cjdns;
using namespace cjdns::crypto;

namespace {

struct Case {
  std::vector<std::uint8_t> key = std::vector<std::uint8_t>(32);
  std::vector<std::uint8_t> nonce = std::vector<std::uint8_t>(24);
  std::vector<std::uint8_t> plain;
  explicit Case(std::size_t length) : plain(length) {
    plain.reserve(length + 1);  // a real buffer even for length 0 (memcmp/memcpy take no null)
    randombytes_buf(key.data(), key.size());
    randombytes_buf(nonce.data(), nonce.size());
    if (length != 0) randombytes_buf(plain.data(), length);
  }
};

// Every length up to a few keystream chunks (1 KiB each) and past, so that
// each boundary of the 16-block generator is crossed; then every packet size.
std::vector<std::size_t> lengths() {
  std::vector<std::size_t> v;
  for (std::size_t n = 0; n <= 2200; ++n) v.push_back(n);
  for (std::size_t n = 2201; n <= 4096; n += 13) v.push_back(n);
  return v;
}

}  // namespace

TEST_CASE("secretbox gives libsodium's bytes for every length, in place or not") {
  ensureSodium();
  MESSAGE("secretbox implementation: " << secretboxImplementation());
  for (std::size_t n : lengths()) {
    Case c(n);
    std::vector<std::uint8_t> want(n + 1), got(n + 1), inPlace(c.plain);
    inPlace.reserve(n + 1);
    std::uint8_t wantMac[16], gotMac[16], inPlaceMac[16];
    REQUIRE(crypto_box_detached_afternm(want.data(), wantMac, c.plain.data(), n, c.nonce.data(), c.key.data()) == 0);
    secretboxSeal(got.data(), gotMac, c.plain.data(), n, c.nonce.data(), c.key.data());
    secretboxSeal(inPlace.data(), inPlaceMac, inPlace.data(), n, c.nonce.data(), c.key.data());
    INFO("length " << n);
    REQUIRE(std::memcmp(got.data(), want.data(), n) == 0);
    REQUIRE(std::memcmp(gotMac, wantMac, 16) == 0);
    REQUIRE(std::memcmp(inPlace.data(), want.data(), n) == 0);
    REQUIRE(std::memcmp(inPlaceMac, wantMac, 16) == 0);
    // And back, in place, as CryptoAuth opens packets.
    REQUIRE(secretboxOpen(inPlace.data(), inPlace.data(), inPlaceMac, n, c.nonce.data(), c.key.data()));
    REQUIRE(std::memcmp(inPlace.data(), c.plain.data(), n) == 0);
  }
}

TEST_CASE("secretbox refuses a changed byte, tag, nonce or key and leaves the output alone") {
  ensureSodium();
  for (std::size_t n : {0, 1, 31, 32, 33, 991, 992, 993, 1340, 2100}) {
    Case c(n);
    std::vector<std::uint8_t> box(n);
    std::uint8_t mac[16];
    secretboxSeal(box.data(), mac, c.plain.data(), n, c.nonce.data(), c.key.data());
    std::vector<std::uint8_t> out(n + 1, 0xee);
    const std::vector<std::uint8_t> untouched(out);
    if (n != 0) {
      auto bad = box;
      bad[n - 1] ^= 0x80;
      CHECK_FALSE(secretboxOpen(out.data(), bad.data(), mac, n, c.nonce.data(), c.key.data()));
    }
    std::uint8_t badMac[16];
    std::memcpy(badMac, mac, 16);
    badMac[3] ^= 1;
    CHECK_FALSE(secretboxOpen(out.data(), box.data(), badMac, n, c.nonce.data(), c.key.data()));
    auto badNonce = c.nonce;
    badNonce[20] ^= 1;  // in the part that is not the HSalsa20 input
    CHECK_FALSE(secretboxOpen(out.data(), box.data(), mac, n, badNonce.data(), c.key.data()));
    auto badKey = c.key;
    badKey[31] ^= 1;
    CHECK_FALSE(secretboxOpen(out.data(), box.data(), mac, n, c.nonce.data(), badKey.data()));
    CHECK(out == untouched);
    CHECK(secretboxOpen(out.data(), box.data(), mac, n, c.nonce.data(), c.key.data()));
    CHECK(std::memcmp(out.data(), c.plain.data(), n) == 0);
  }
}

TEST_CASE("the AVX-512 and libsodium implementations agree where the CPU has AVX-512") {
  ensureSodium();
  if (!detail::avx512Available()) {
    MESSAGE("no AVX-512 on this CPU: only libsodium is in use");
    return;
  }
  for (std::size_t n : {0, 1, 63, 64, 65, 992, 1024, 1056, 1304, 1400, 3496}) {
    Case c(n);
    std::vector<std::uint8_t> a(n + 1), b(n + 1);
    std::uint8_t macA[16], macB[16];
    detail::sealAvx512(a.data(), macA, c.plain.data(), n, c.nonce.data(), c.key.data());
    detail::sealLibsodium(b.data(), macB, c.plain.data(), n, c.nonce.data(), c.key.data());
    CHECK(a == b);
    CHECK(std::memcmp(macA, macB, 16) == 0);
    CHECK(detail::openLibsodium(a.data(), a.data(), macA, n, c.nonce.data(), c.key.data()));
    CHECK(detail::openAvx512(b.data(), b.data(), macB, n, c.nonce.data(), c.key.data()));
    CHECK(a == b);
  }
}
