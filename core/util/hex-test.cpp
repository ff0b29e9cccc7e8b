#include "core/util/hex.h"

#include <doctest/doctest.h>

#include <array>

using cjdns::util::fromHex;
using cjdns::util::toHex;

TEST_CASE("toHex prints every byte as two lowercase digits") {
  const std::array<std::uint8_t, 5> bytes{0x00, 0x0f, 0xa5, 0xff, 0x10};
  CHECK(toHex(bytes) == "000fa5ff10");
  CHECK(toHex(std::span<const std::uint8_t>{}).empty());
}

TEST_CASE("fromHex into a fixed buffer accepts either case") {
  std::array<std::uint8_t, 3> out{};
  REQUIRE(fromHex("aBcDeF", out));
  CHECK(out == std::array<std::uint8_t, 3>{0xab, 0xcd, 0xef});
}

TEST_CASE("fromHex into a fixed buffer demands exactly twice its size in digits") {
  std::array<std::uint8_t, 2> out{};
  CHECK_FALSE(fromHex("abc", out));
  CHECK_FALSE(fromHex("abcdef", out));
  CHECK_FALSE(fromHex("", out));
  CHECK(fromHex("abcd", out));
}

TEST_CASE("fromHex rejects characters that are not hex digits") {
  std::array<std::uint8_t, 2> out{};
  CHECK_FALSE(fromHex("abcg", out));
  CHECK_FALSE(fromHex("ab c", out));
  CHECK_FALSE(fromHex("0x12", out));
  CHECK_FALSE(fromHex(std::string_view("ab\0d", 4), out));
}

TEST_CASE("fromHex to a vector round-trips and rejects odd lengths") {
  auto v = fromHex("00ff7f80");
  REQUIRE(v.has_value());
  CHECK(toHex(*v) == "00ff7f80");
  CHECK_FALSE(fromHex("123").has_value());
  CHECK_FALSE(fromHex("zz").has_value());
  auto empty = fromHex("");
  REQUIRE(empty.has_value());
  CHECK(empty->empty());
}
