// Hex text for bytes: lowercase on output, either case on input.
// Used for private keys in cjdroute.conf and for test vectors.
#pragma once

#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

namespace cjdns::util {

/// Two lowercase hex digits per byte, no separators.
std::string toHex(std::span<const std::uint8_t> bytes);

/// Decodes exactly 2 * out.size() hex digits (either case) into out.
/// Returns false, leaving out unspecified, on a wrong length or a non-hex digit.
bool fromHex(std::string_view text, std::span<std::uint8_t> out);

/// Decodes an even-length hex string of any size; nullopt if malformed.
std::optional<std::vector<std::uint8_t>> fromHex(std::string_view text);

}  // namespace cjdns::util
