// XSalsa20-Poly1305 (crypto_secretbox, detached), the cipher of every
// CryptoAuth data packet: libsodium's crypto_box_{,open_}detached_afternm
// with the shared key, byte for byte.
//
// Where the CPU has AVX-512F, the XSalsa20 keystream is made 16 blocks at a
// time in zmm registers (native 32-bit rotates); the subkey (HSalsa20) and
// Poly1305 stay libsodium's. The packet path spends most of its CPU time in
// this cipher (docs/benchmarks.md). Elsewhere, and for the handshake, it is
// libsodium alone. Both give identical bytes (secretbox-test.cpp checks them
// against each other and against libsodium).
#pragma once

#include <cstddef>
#include <cstdint>

namespace cjdns::crypto {

/// Encrypts m (mlen bytes) into c (may equal m) and writes the 16-byte tag
/// to mac. key: 32 bytes (the crypto_box_beforenm shared key), nonce: 24.
void secretboxSeal(std::uint8_t* c, std::uint8_t* mac, const std::uint8_t* m, std::size_t mlen,
                   const std::uint8_t* nonce, const std::uint8_t* key);

/// Checks the tag of c (clen bytes) and, if it matches, decrypts it into m
/// (may equal c). False, with m untouched, on a bad tag.
[[nodiscard]] bool secretboxOpen(std::uint8_t* m, const std::uint8_t* c, const std::uint8_t* mac, std::size_t clen,
                                 const std::uint8_t* nonce, const std::uint8_t* key);

/// Which implementation secretboxSeal/Open use: "avx512" or "libsodium".
const char* secretboxImplementation();

namespace detail {
/// Both implementations, for tests and benchmarks. The AVX-512 ones must
/// only be called when avx512Available().
bool avx512Available();
void sealLibsodium(std::uint8_t* c, std::uint8_t* mac, const std::uint8_t* m, std::size_t mlen,
                   const std::uint8_t* nonce, const std::uint8_t* key);
bool openLibsodium(std::uint8_t* m, const std::uint8_t* c, const std::uint8_t* mac, std::size_t clen,
                   const std::uint8_t* nonce, const std::uint8_t* key);
void sealAvx512(std::uint8_t* c, std::uint8_t* mac, const std::uint8_t* m, std::size_t mlen,
                const std::uint8_t* nonce, const std::uint8_t* key);
bool openAvx512(std::uint8_t* m, const std::uint8_t* c, const std::uint8_t* mac, std::size_t clen,
                const std::uint8_t* nonce, const std::uint8_t* key);
}  // namespace detail

}  // namespace cjdns::crypto
