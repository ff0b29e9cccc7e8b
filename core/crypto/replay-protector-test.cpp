#include "core/crypto/replay-protector.h"

#include <doctest/doctest.h>

#include <cstdint>
#include <utility>
#include <vector>

using namespace cjdns::crypto;

namespace {

/// One wire.md 6.6 scenario: nonces in arrival order, whether each passes,
/// and the window and counters afterwards.
struct Case {
  const char* what;
  std::vector<std::pair<std::uint32_t, bool>> arrivals;
  std::uint32_t base;
  std::uint64_t bits;
  std::uint32_t duplicates, lost, outOfRange;
};

std::uint64_t lowBits(int n) { return n >= 64 ? ~std::uint64_t{0} : (std::uint64_t{1} << n) - 1; }

std::vector<std::pair<std::uint32_t, bool>> inOrder(std::uint32_t from, std::uint32_t to) {
  std::vector<std::pair<std::uint32_t, bool>> out;
  for (std::uint32_t n = from; n < to; ++n) out.emplace_back(n, true);
  return out;
}

std::vector<Case> cases() {
  std::vector<Case> c;
  c.push_back({"a first nonce is accepted", {{0, true}}, 0, 1, 0, 0, 0});
  c.push_back({"the same nonce twice is a duplicate", {{5, true}, {5, false}}, 0, 1u << 5, 1, 0, 0});
  c.push_back({"the last slot of the window needs no shift", {{63, true}}, 0, 1ULL << 63, 0, 0, 0});
  c.push_back({"one past the window with holes shifts by offset-47 and counts the holes as lost",
               {{64, true}}, 17, 1ULL << 47, 0, 17, 0});
  c.push_back({"a nonce behind the shifted window is out of range",
               {{64, true}, {16, false}}, 17, 1ULL << 47, 0, 17, 1});
  c.push_back({"a far jump clears the window and counts every skipped nonce as lost",
               {{1000, true}}, 953, 1ULL << 47, 0, 953, 0});
  {
    Case full{"a full low half shifts by 32 and loses nothing", inOrder(0, 32), 32, 1ULL << 32, 0, 0, 0};
    full.arrivals.emplace_back(64, true);
    c.push_back(full);
  }
  {
    Case late{"a late nonce still inside the window is accepted once", inOrder(0, 10), 0, lowBits(12),
              1, 0, 0};
    late.arrivals.emplace_back(11, true);
    late.arrivals.emplace_back(10, true);
    late.arrivals.emplace_back(10, false);
    c.push_back(late);
  }
  {
    // 0..31 arrive, 32 is missing, 33..63 arrive; 64 shifts 32 (low half full);
    // 96 then finds slot 0 (nonce 32) empty: shift 96-32-47 = 17, one lost.
    Case gap{"a hole is counted as lost only when it leaves the window", inOrder(0, 32), 0, 0, 0, 1, 0};
    for (std::uint32_t n = 33; n < 64; ++n) gap.arrivals.emplace_back(n, true);
    gap.arrivals.emplace_back(64, true);
    gap.arrivals.emplace_back(96, true);
    gap.base = 49;
    // Seen after the shifts: 49..64 (16 nonces) at bits 0..15, and 96 at bit 47.
    gap.bits = lowBits(16) | (1ULL << 47);
    c.push_back(gap);
  }
  c.push_back({"the largest nonce is accepted without overflow",
               {{0xffffffffu, true}, {0xffffffffu, false}}, 0xffffffffu - 47, 1ULL << 47, 1,
               0xffffffffu - 47, 0});
  return c;
}

}  // namespace

TEST_CASE("the replay protector follows the wire.md 6.6 rules case by case") {
  for (const Case& tc : cases()) {
    CAPTURE(tc.what);
    ReplayProtector rp;
    for (const auto& arrival : tc.arrivals) {
      const std::uint32_t nonce = arrival.first;
      CAPTURE(nonce);
      CHECK(rp.check(nonce) == arrival.second);
    }
    CHECK(rp.baseOffset() == tc.base);
    CHECK(rp.bitfield() == tc.bits);
    auto s = rp.stats();
    CHECK(s.duplicates == tc.duplicates);
    CHECK(s.lost == tc.lost);
    CHECK(s.outOfRange == tc.outOfRange);
  }
}

TEST_CASE("the replay protector accepts reordered traffic exactly once and loses nothing") {
  ReplayProtector rp;
  // Pairs swapped and every eighth packet delayed by 20: still inside the window.
  std::vector<std::uint32_t> order;
  for (std::uint32_t n = 0; n < 2000; n += 2) {
    order.push_back(n + 1);
    order.push_back(n);
  }
  for (std::size_t i = 0; i + 20 < order.size(); i += 8) std::swap(order[i], order[i + 20]);
  for (std::uint32_t n : order) REQUIRE(rp.check(n));
  for (std::uint32_t n = 1980; n < 2000; ++n) CHECK_FALSE(rp.check(n));
  auto s = rp.stats();
  CHECK(s.lost == 0);
  CHECK(s.duplicates == 20);
  CHECK(s.received == 2000);
}

TEST_CASE("restarting the window keeps the counters and reset clears them") {
  ReplayProtector rp;
  CHECK(rp.check(3));
  CHECK_FALSE(rp.check(3));
  rp.restartAt(10);
  CHECK(rp.baseOffset() == 10);
  CHECK(rp.bitfield() == 0);
  CHECK_FALSE(rp.check(9));
  CHECK(rp.check(10));
  CHECK(rp.stats().duplicates == 1);
  CHECK(rp.stats().outOfRange == 1);
  rp.reset();
  CHECK(rp.stats().duplicates == 0);
  CHECK(rp.stats().outOfRange == 0);
  CHECK(rp.baseOffset() == 0);
  CHECK(rp.check(3));
}
