// Sliding-window replay check for CryptoAuth data nonces (wire.md 6.6).
//
// A 64-bit window of seen nonces starting at baseOffset. Only call check()
// after the packet has authenticated: a forged nonce must never mark a slot,
// or it would make the real packet look like a duplicate.
#pragma once

#include <cstdint>

namespace cjdns::crypto {

class ReplayProtector {
 public:
  /// Counters as cjdns reports them (peerStats duplicates / lostPackets /
  /// receivedOutOfRange). They wrap like cjdns's u32 counters.
  struct Stats {
    std::uint32_t received = 0;    ///< baseOffset + bits set: nonces accounted as seen
    std::uint32_t duplicates = 0;  ///< nonce already marked in the window
    std::uint32_t lost = 0;        ///< unmarked slots shifted out of the window
    std::uint32_t outOfRange = 0;  ///< nonce below the window
  };

  /// True if `nonce` was not seen before (and marks it); false for a
  /// duplicate or a nonce that fell behind the window (and counts it).
  bool check(std::uint32_t nonce);

  /// Back to all zeroes, counters included (a handshake was accepted).
  void reset() { *this = ReplayProtector{}; }

  /// Starts the window right after the first data packet of a session:
  /// base = firstNonce + 1 (the caller passes that), nothing marked. Keeps the counters.
  void restartAt(std::uint32_t base) {
    base_ = base;
    bits_ = 0;
  }

  Stats stats() const;
  std::uint32_t baseOffset() const { return base_; }
  std::uint64_t bitfield() const { return bits_; }

 private:
  void shift(std::uint32_t bits);

  std::uint64_t bits_ = 0;
  std::uint32_t base_ = 0;
  std::uint32_t duplicates_ = 0;
  std::uint32_t lost_ = 0;
  std::uint32_t outOfRange_ = 0;
};

}  // namespace cjdns::crypto
