#include "core/crypto/replay-protector.h"

#include <bit>

namespace cjdns::crypto {
namespace {

constexpr std::uint32_t kWindow = 64;
constexpr std::uint64_t kLowHalf = 0xffffffffULL;
// When the low half has holes, the window moves so that the new nonce lands
// at this offset, keeping the most recent history.
constexpr std::uint32_t kKeepBehind = 47;

/// How many of the `amount` lowest slots (about to be shifted out) are unset.
std::uint32_t unsetAmongLowest(std::uint64_t bits, std::uint32_t amount) {
  if (amount == 0) return 0;
  if (amount >= kWindow) return amount - static_cast<std::uint32_t>(std::popcount(bits));
  std::uint64_t lowest = bits << (kWindow - amount);
  return amount - static_cast<std::uint32_t>(std::popcount(lowest));
}

}  // namespace

void ReplayProtector::shift(std::uint32_t amount) {
  base_ += amount;
  bits_ = amount >= kWindow ? 0 : bits_ >> amount;
}

bool ReplayProtector::check(std::uint32_t nonce) {
  if (nonce < base_) {
    ++outOfRange_;
    return false;
  }
  std::uint32_t offset = nonce - base_;
  while (offset >= kWindow) {
    if ((bits_ & kLowHalf) == kLowHalf) {
      shift(32);  // everything in the low half arrived: nothing lost
      offset -= 32;
    } else {
      std::uint32_t amount = offset - kKeepBehind;
      lost_ += unsetAmongLowest(bits_, amount);
      shift(amount);
      offset = kKeepBehind;
    }
  }
  const std::uint64_t mask = std::uint64_t{1} << offset;
  if (bits_ & mask) {
    ++duplicates_;
    return false;
  }
  bits_ |= mask;
  return true;
}

ReplayProtector::Stats ReplayProtector::stats() const {
  return Stats{
      .received = base_ + static_cast<std::uint32_t>(std::popcount(bits_)),
      .duplicates = duplicates_,
      .lost = lost_,
      .outOfRange = outOfRange_,
  };
}

}  // namespace cjdns::crypto
