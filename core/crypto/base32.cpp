#include "core/crypto/base32.h"

namespace cjdns::crypto {
namespace {

constexpr char kAlphabet[] = "0123456789bcdfghjklmnpqrstuvwxyz";

/// Symbol value of one character, or -1. Upper case maps like lower case.
int symbolValue(char c) {
  if (c >= 'A' && c <= 'Z') c = static_cast<char>(c - 'A' + 'a');
  for (int i = 0; i < 32; ++i) {
    if (kAlphabet[i] == c) return i;
  }
  return -1;
}

}  // namespace

std::string base32Encode(std::span<const std::uint8_t> bytes) {
  std::string out;
  out.reserve(base32EncodedSize(bytes.size()));
  std::uint32_t acc = 0;  // at most 7 + 8 bits pending
  unsigned nbits = 0;
  for (std::uint8_t b : bytes) {
    acc |= static_cast<std::uint32_t>(b) << nbits;
    nbits += 8;
    while (nbits >= 5) {
      out.push_back(kAlphabet[acc & 31]);
      acc >>= 5;
      nbits -= 5;
    }
  }
  if (nbits > 0) out.push_back(kAlphabet[acc & 31]);
  return out;
}

std::optional<std::vector<std::uint8_t>> base32Decode(std::string_view text) {
  std::vector<std::uint8_t> out;
  out.reserve(text.size() * 5 / 8);
  std::uint32_t acc = 0;  // at most 7 + 5 bits pending
  unsigned nbits = 0;
  for (char c : text) {
    int v = symbolValue(c);
    if (v < 0) return std::nullopt;
    acc |= static_cast<std::uint32_t>(v) << nbits;
    nbits += 5;
    if (nbits >= 8) {
      out.push_back(static_cast<std::uint8_t>(acc & 0xff));
      acc >>= 8;
      nbits -= 8;
    }
  }
  // A whole unused character, or set padding bits, would give a second
  // spelling of the same bytes; cjdns refuses both, so do we.
  if (nbits >= 5 || acc != 0) return std::nullopt;
  return out;
}

}  // namespace cjdns::crypto
