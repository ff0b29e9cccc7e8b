// Helpers shared by the switch unit tests (not part of the library).
#pragma once

#include <doctest/doctest.h>

#include <cstdint>
#include <span>
#include <string>
#include <vector>

#include "core/util/hex.h"
#include "core/util/value.h"
#include "core/util/vectors.h"
#include "core/wire/message.h"

namespace cjdns::switching::test {

inline std::vector<std::uint8_t> bytesOf(const std::string& hex) {
  auto b = util::fromHex(hex);
  REQUIRE_MESSAGE(b.has_value(), "bad hex " << hex);
  return *b;
}

inline std::string hexOf(std::span<const std::uint8_t> bytes) { return util::toHex(bytes); }

inline std::vector<std::uint8_t> contentOf(const wire::Message& msg) {
  return {msg.bytes().begin(), msg.bytes().end()};
}

inline void load(wire::Message& msg, std::span<const std::uint8_t> bytes) {
  msg.reset();
  REQUIRE(msg.append(bytes));
}

using testing::field;
using testing::integer;
using testing::list;
using testing::text;

/// "0x13" or "0000900aea95ca55" (hex, optional 0x) as a number.
inline std::uint64_t hexNumber(const std::string& s) {
  std::string digits = s.starts_with("0x") ? s.substr(2) : s;
  REQUIRE_MESSAGE((!digits.empty() && digits.size() <= 16), "bad hex number " << s);
  return std::stoull(digits, nullptr, 16);
}

}  // namespace cjdns::switching::test
