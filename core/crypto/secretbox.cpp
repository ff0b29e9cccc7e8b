#include "core/crypto/secretbox.h"

#include <sodium.h>

#include <algorithm>
#include <cstring>

#if defined(__x86_64__) && (defined(__GNUC__) || defined(__clang__))
// GCC 12 warns inside its own _mm512_undefined_epi32() (GCC bug 105593).
#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Wuninitialized"
#include <immintrin.h>
#pragma GCC diagnostic pop
#define CJDNS_SECRETBOX_AVX512 1
#else
#define CJDNS_SECRETBOX_AVX512 0
#endif

namespace cjdns::crypto {
namespace detail {

void sealLibsodium(std::uint8_t* c, std::uint8_t* mac, const std::uint8_t* m, std::size_t mlen,
                   const std::uint8_t* nonce, const std::uint8_t* key) {
  (void)crypto_box_detached_afternm(c, mac, m, mlen, nonce, key);
}

bool openLibsodium(std::uint8_t* m, const std::uint8_t* c, const std::uint8_t* mac, std::size_t clen,
                   const std::uint8_t* nonce, const std::uint8_t* key) {
  return crypto_box_open_detached_afternm(m, c, mac, clen, nonce, key) == 0;
}

#if CJDNS_SECRETBOX_AVX512

bool avx512Available() {
  static const bool yes = __builtin_cpu_supports("avx512f") && __builtin_cpu_supports("avx512vl");
  return yes;
}

namespace {

// Salsa20 (https://cr.yp.to/snuffle/spec.pdf) on 16 blocks at once: vector
// x<w> holds word w of the 16 blocks, one per 32-bit lane.
#define CJDNS_QR(a, b, c, d)                                                 \
  b = _mm512_xor_si512(b, _mm512_rol_epi32(_mm512_add_epi32(a, d), 7));  \
  c = _mm512_xor_si512(c, _mm512_rol_epi32(_mm512_add_epi32(b, a), 9));  \
  d = _mm512_xor_si512(d, _mm512_rol_epi32(_mm512_add_epi32(c, b), 13)); \
  a = _mm512_xor_si512(a, _mm512_rol_epi32(_mm512_add_epi32(d, c), 18))

/// 1024 bytes of Salsa20 keystream (blocks counter .. counter+15) for the
/// 16-word input (counter words 8 and 9 ignored) into out.
__attribute__((target("avx512f"))) void salsa20Blocks16(const std::uint32_t input[16], std::uint64_t counter,
                                                         std::uint8_t* out) {
  alignas(64) std::uint32_t lo[16];
  alignas(64) std::uint32_t hi[16];
  for (unsigned b = 0; b < 16; ++b) {
    const std::uint64_t n = counter + b;
    lo[b] = static_cast<std::uint32_t>(n);
    hi[b] = static_cast<std::uint32_t>(n >> 32);
  }
  const __m512i i8 = _mm512_load_si512(lo);
  const __m512i i9 = _mm512_load_si512(hi);
#define CJDNS_IN(w) _mm512_set1_epi32(static_cast<int>(input[w]))
  __m512i x0 = CJDNS_IN(0), x1 = CJDNS_IN(1), x2 = CJDNS_IN(2), x3 = CJDNS_IN(3);
  __m512i x4 = CJDNS_IN(4), x5 = CJDNS_IN(5), x6 = CJDNS_IN(6), x7 = CJDNS_IN(7);
  __m512i x8 = i8, x9 = i9, x10 = CJDNS_IN(10), x11 = CJDNS_IN(11);
  __m512i x12 = CJDNS_IN(12), x13 = CJDNS_IN(13), x14 = CJDNS_IN(14), x15 = CJDNS_IN(15);
  for (int i = 0; i < 10; ++i) {
    // column round
    CJDNS_QR(x0, x4, x8, x12);
    CJDNS_QR(x5, x9, x13, x1);
    CJDNS_QR(x10, x14, x2, x6);
    CJDNS_QR(x15, x3, x7, x11);
    // row round
    CJDNS_QR(x0, x1, x2, x3);
    CJDNS_QR(x5, x6, x7, x4);
    CJDNS_QR(x10, x11, x8, x9);
    CJDNS_QR(x15, x12, x13, x14);
  }
  __m512i r[16] = {
      _mm512_add_epi32(x0, CJDNS_IN(0)),   _mm512_add_epi32(x1, CJDNS_IN(1)),   _mm512_add_epi32(x2, CJDNS_IN(2)),
      _mm512_add_epi32(x3, CJDNS_IN(3)),   _mm512_add_epi32(x4, CJDNS_IN(4)),   _mm512_add_epi32(x5, CJDNS_IN(5)),
      _mm512_add_epi32(x6, CJDNS_IN(6)),   _mm512_add_epi32(x7, CJDNS_IN(7)),   _mm512_add_epi32(x8, i8),
      _mm512_add_epi32(x9, i9),            _mm512_add_epi32(x10, CJDNS_IN(10)), _mm512_add_epi32(x11, CJDNS_IN(11)),
      _mm512_add_epi32(x12, CJDNS_IN(12)), _mm512_add_epi32(x13, CJDNS_IN(13)), _mm512_add_epi32(x14, CJDNS_IN(14)),
      _mm512_add_epi32(x15, CJDNS_IN(15)),
  };
#undef CJDNS_IN
  // Transpose to block order. After the two unpack stages, u[4g+j] holds in
  // its 128-bit lane k the words 4g..4g+3 of block 4k+j.
  __m512i t[16];
  for (int p = 0; p < 16; p += 2) {
    t[p] = _mm512_unpacklo_epi32(r[p], r[p + 1]);
    t[p + 1] = _mm512_unpackhi_epi32(r[p], r[p + 1]);
  }
  __m512i u[16];
  for (int g = 0; g < 16; g += 4) {
    u[g + 0] = _mm512_unpacklo_epi64(t[g], t[g + 2]);
    u[g + 1] = _mm512_unpackhi_epi64(t[g], t[g + 2]);
    u[g + 2] = _mm512_unpacklo_epi64(t[g + 1], t[g + 3]);
    u[g + 3] = _mm512_unpackhi_epi64(t[g + 1], t[g + 3]);
  }
  for (int j = 0; j < 4; ++j) {
    const __m512i v0 = _mm512_shuffle_i32x4(u[j], u[4 + j], 0x44);
    const __m512i v1 = _mm512_shuffle_i32x4(u[8 + j], u[12 + j], 0x44);
    const __m512i v2 = _mm512_shuffle_i32x4(u[j], u[4 + j], 0xee);
    const __m512i v3 = _mm512_shuffle_i32x4(u[8 + j], u[12 + j], 0xee);
    _mm512_store_si512(out + 64 * (0 + j), _mm512_shuffle_i32x4(v0, v1, 0x88));
    _mm512_store_si512(out + 64 * (4 + j), _mm512_shuffle_i32x4(v0, v1, 0xdd));
    _mm512_store_si512(out + 64 * (8 + j), _mm512_shuffle_i32x4(v2, v3, 0x88));
    _mm512_store_si512(out + 64 * (12 + j), _mm512_shuffle_i32x4(v2, v3, 0xdd));
  }
}
#undef CJDNS_QR

// The same on 8 blocks in ymm registers (AVX-512VL rotates), for the end of
// a message (and short messages) where 16 blocks would be mostly wasted.
#define CJDNS_QR8(a, b, c, d)                                                \
  b = _mm256_xor_si256(b, _mm256_rol_epi32(_mm256_add_epi32(a, d), 7));  \
  c = _mm256_xor_si256(c, _mm256_rol_epi32(_mm256_add_epi32(b, a), 9));  \
  d = _mm256_xor_si256(d, _mm256_rol_epi32(_mm256_add_epi32(c, b), 13)); \
  a = _mm256_xor_si256(a, _mm256_rol_epi32(_mm256_add_epi32(d, c), 18))

/// 512 bytes of keystream (blocks counter .. counter+7) into out.
__attribute__((target("avx512f,avx512vl"))) void salsa20Blocks8(const std::uint32_t input[16],
                                                                 std::uint64_t counter, std::uint8_t* out) {
  alignas(32) std::uint32_t lo[8];
  alignas(32) std::uint32_t hi[8];
  for (unsigned b = 0; b < 8; ++b) {
    const std::uint64_t n = counter + b;
    lo[b] = static_cast<std::uint32_t>(n);
    hi[b] = static_cast<std::uint32_t>(n >> 32);
  }
  const __m256i i8 = _mm256_load_si256(reinterpret_cast<const __m256i*>(lo));
  const __m256i i9 = _mm256_load_si256(reinterpret_cast<const __m256i*>(hi));
#define CJDNS_IN(w) _mm256_set1_epi32(static_cast<int>(input[w]))
  __m256i x0 = CJDNS_IN(0), x1 = CJDNS_IN(1), x2 = CJDNS_IN(2), x3 = CJDNS_IN(3);
  __m256i x4 = CJDNS_IN(4), x5 = CJDNS_IN(5), x6 = CJDNS_IN(6), x7 = CJDNS_IN(7);
  __m256i x8 = i8, x9 = i9, x10 = CJDNS_IN(10), x11 = CJDNS_IN(11);
  __m256i x12 = CJDNS_IN(12), x13 = CJDNS_IN(13), x14 = CJDNS_IN(14), x15 = CJDNS_IN(15);
  for (int i = 0; i < 10; ++i) {
    CJDNS_QR8(x0, x4, x8, x12);
    CJDNS_QR8(x5, x9, x13, x1);
    CJDNS_QR8(x10, x14, x2, x6);
    CJDNS_QR8(x15, x3, x7, x11);
    CJDNS_QR8(x0, x1, x2, x3);
    CJDNS_QR8(x5, x6, x7, x4);
    CJDNS_QR8(x10, x11, x8, x9);
    CJDNS_QR8(x15, x12, x13, x14);
  }
  __m256i r[16] = {
      _mm256_add_epi32(x0, CJDNS_IN(0)),   _mm256_add_epi32(x1, CJDNS_IN(1)),   _mm256_add_epi32(x2, CJDNS_IN(2)),
      _mm256_add_epi32(x3, CJDNS_IN(3)),   _mm256_add_epi32(x4, CJDNS_IN(4)),   _mm256_add_epi32(x5, CJDNS_IN(5)),
      _mm256_add_epi32(x6, CJDNS_IN(6)),   _mm256_add_epi32(x7, CJDNS_IN(7)),   _mm256_add_epi32(x8, i8),
      _mm256_add_epi32(x9, i9),            _mm256_add_epi32(x10, CJDNS_IN(10)), _mm256_add_epi32(x11, CJDNS_IN(11)),
      _mm256_add_epi32(x12, CJDNS_IN(12)), _mm256_add_epi32(x13, CJDNS_IN(13)), _mm256_add_epi32(x14, CJDNS_IN(14)),
      _mm256_add_epi32(x15, CJDNS_IN(15)),
  };
#undef CJDNS_IN
  // As in salsa20Blocks16: u[4g+j] holds in its 128-bit lane k the words
  // 4g..4g+3 of block 4k+j (k is 0 or 1 here).
  __m256i t[16];
  for (int p = 0; p < 16; p += 2) {
    t[p] = _mm256_unpacklo_epi32(r[p], r[p + 1]);
    t[p + 1] = _mm256_unpackhi_epi32(r[p], r[p + 1]);
  }
  __m256i u[16];
  for (int g = 0; g < 16; g += 4) {
    u[g + 0] = _mm256_unpacklo_epi64(t[g], t[g + 2]);
    u[g + 1] = _mm256_unpackhi_epi64(t[g], t[g + 2]);
    u[g + 2] = _mm256_unpacklo_epi64(t[g + 1], t[g + 3]);
    u[g + 3] = _mm256_unpackhi_epi64(t[g + 1], t[g + 3]);
  }
  for (int j = 0; j < 4; ++j) {
    auto* b0 = reinterpret_cast<__m256i*>(out + 64 * j);
    auto* b1 = reinterpret_cast<__m256i*>(out + 64 * (4 + j));
    _mm256_store_si256(b0, _mm256_permute2x128_si256(u[j], u[4 + j], 0x20));
    _mm256_store_si256(b0 + 1, _mm256_permute2x128_si256(u[8 + j], u[12 + j], 0x20));
    _mm256_store_si256(b1, _mm256_permute2x128_si256(u[j], u[4 + j], 0x31));
    _mm256_store_si256(b1 + 1, _mm256_permute2x128_si256(u[8 + j], u[12 + j], 0x31));
  }
}
#undef CJDNS_QR8

/// Keystream for blocks counter.. into out: 8 blocks when `need` bytes fit
/// in them, else 16. Returns the bytes made (512 or 1024).
std::size_t salsa20Blocks(const std::uint32_t input[16], std::uint64_t counter, std::size_t need,
                          std::uint8_t* out) {
  if (need <= 512) {
    salsa20Blocks8(input, counter, out);
    return 512;
  }
  salsa20Blocks16(input, counter, out);
  return 1024;
}

__attribute__((target("avx512f"))) void xorBytes(std::uint8_t* out, const std::uint8_t* in, const std::uint8_t* ks,
                                                  std::size_t n) {
  std::size_t i = 0;
  for (; i + 64 <= n; i += 64) {
    const __m512i a = _mm512_loadu_si512(in + i);
    const __m512i k = _mm512_loadu_si512(ks + i);
    _mm512_storeu_si512(out + i, _mm512_xor_si512(a, k));
  }
  for (; i < n; ++i) out[i] = static_cast<std::uint8_t>(in[i] ^ ks[i]);
}

std::uint32_t le32(const std::uint8_t* p) {
  std::uint32_t v;
  std::memcpy(&v, p, 4);  // x86-64: little-endian
  return v;
}

/// XSalsa20 as secretbox uses it: the first 32 keystream bytes are the
/// Poly1305 key, the rest is xored onto the message.
class XSalsa20 {
 public:
  /// `length`: of the message to come (apply).
  XSalsa20(const std::uint8_t* nonce, const std::uint8_t* key, std::size_t length) {
    std::uint8_t subkey[32];
    crypto_core_hsalsa20(subkey, nonce, key, nullptr);
    input_[0] = 0x61707865;
    input_[5] = 0x3320646e;
    input_[10] = 0x79622d32;
    input_[15] = 0x6b206574;
    for (unsigned i = 0; i < 4; ++i) {
      input_[1 + i] = le32(subkey + 4 * i);
      input_[11 + i] = le32(subkey + 16 + 4 * i);
    }
    input_[6] = le32(nonce + 16);
    input_[7] = le32(nonce + 20);
    sodium_memzero(subkey, sizeof subkey);
    made_ = salsa20Blocks(input_, 0, 32 + length, ks_);
    std::memcpy(polyKey_, ks_, sizeof polyKey_);  // apply() reuses ks_
  }
  ~XSalsa20() {
    sodium_memzero(ks_, sizeof ks_);
    sodium_memzero(polyKey_, sizeof polyKey_);
    sodium_memzero(input_, sizeof input_);
  }
  XSalsa20(const XSalsa20&) = delete;
  XSalsa20& operator=(const XSalsa20&) = delete;

  const std::uint8_t* polyKey() const { return polyKey_; }

  /// out = in ^ keystream[32 ..), once, from the start.
  void apply(std::uint8_t* out, const std::uint8_t* in, std::size_t len) {
    std::size_t n = std::min(len, made_ - 32);
    xorBytes(out, in, ks_ + 32, n);
    std::uint64_t counter = made_ / 64;
    for (std::size_t done = n; done < len; done += n) {
      made_ = salsa20Blocks(input_, counter, len - done, ks_);
      counter += made_ / 64;
      n = std::min(len - done, made_);
      xorBytes(out + done, in + done, ks_, n);
    }
  }

 private:
  std::uint32_t input_[16]{};
  std::uint8_t polyKey_[32];
  std::size_t made_ = 0;  // keystream bytes in ks_
  alignas(64) std::uint8_t ks_[1024];
};

}  // namespace

void sealAvx512(std::uint8_t* c, std::uint8_t* mac, const std::uint8_t* m, std::size_t mlen,
                const std::uint8_t* nonce, const std::uint8_t* key) {
  XSalsa20 x(nonce, key, mlen);
  x.apply(c, m, mlen);
  crypto_onetimeauth_poly1305(mac, c, mlen, x.polyKey());
}

bool openAvx512(std::uint8_t* m, const std::uint8_t* c, const std::uint8_t* mac, std::size_t clen,
                const std::uint8_t* nonce, const std::uint8_t* key) {
  XSalsa20 x(nonce, key, clen);
  if (crypto_onetimeauth_poly1305_verify(mac, c, clen, x.polyKey()) != 0) return false;
  x.apply(m, c, clen);
  return true;
}

#else  // no AVX-512 code in this build

bool avx512Available() { return false; }
void sealAvx512(std::uint8_t* c, std::uint8_t* mac, const std::uint8_t* m, std::size_t mlen,
                const std::uint8_t* nonce, const std::uint8_t* key) {
  sealLibsodium(c, mac, m, mlen, nonce, key);
}
bool openAvx512(std::uint8_t* m, const std::uint8_t* c, const std::uint8_t* mac, std::size_t clen,
                const std::uint8_t* nonce, const std::uint8_t* key) {
  return openLibsodium(m, c, mac, clen, nonce, key);
}

#endif

}  // namespace detail

void secretboxSeal(std::uint8_t* c, std::uint8_t* mac, const std::uint8_t* m, std::size_t mlen,
                   const std::uint8_t* nonce, const std::uint8_t* key) {
  if (detail::avx512Available()) {
    detail::sealAvx512(c, mac, m, mlen, nonce, key);
  } else {
    detail::sealLibsodium(c, mac, m, mlen, nonce, key);
  }
}

bool secretboxOpen(std::uint8_t* m, const std::uint8_t* c, const std::uint8_t* mac, std::size_t clen,
                   const std::uint8_t* nonce, const std::uint8_t* key) {
  if (detail::avx512Available()) return detail::openAvx512(m, c, mac, clen, nonce, key);
  return detail::openLibsodium(m, c, mac, clen, nonce, key);
}

const char* secretboxImplementation() { return detail::avx512Available() ? "avx512" : "libsodium"; }

}  // namespace cjdns::crypto
