// cjdns base32: the DNSCurve alphabet with little-endian bit order (wire.md 2.2).
// This is NOT RFC 4648: the first byte's low bits become the first character.
#pragma once

#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

namespace cjdns::crypto {

/// Encodes bytes; n bytes give ceil(8n / 5) characters, lowercase.
std::string base32Encode(std::span<const std::uint8_t> bytes);

/// Decodes, accepting upper-case letters too. nullopt on a character outside
/// the alphabet, on 5 or more leftover bits, or on a non-zero leftover bit:
/// so every byte string has exactly one accepted encoding (up to case).
std::optional<std::vector<std::uint8_t>> base32Decode(std::string_view text);

/// Number of characters base32Encode produces for n bytes.
constexpr std::size_t base32EncodedSize(std::size_t n) { return (n * 8 + 4) / 5; }

}  // namespace cjdns::crypto
