// RateWindow: bytes over the last second in eight 128 ms slots, for the
// recvKbps/sendKbps of InterfaceController_peerStats. cjdns keeps the same
// shape of window (util/Kbps.h: 8 slots over 1024 ms) and reports the bytes
// in it as kilobits per 1024 ms (bytes * 8 / 1024); so do we.
#pragma once

#include <array>
#include <cstdint>

namespace cjdns::iface {

class RateWindow {
 public:
  static constexpr unsigned kSlots = 8;
  static constexpr std::uint64_t kSlotMs = 128;
  static constexpr std::uint64_t kSpanMs = kSlots * kSlotMs;

  /// Counts `bytes` at `nowMs`. Time that goes backwards counts at the last time seen.
  void add(std::uint64_t nowMs, std::uint64_t bytes) {
    advance(nowMs);
    slots_[slotOf(tick_)] += bytes;
    total_ += bytes;
  }

  /// Kilobits per 1024 ms over the window ending at `nowMs`.
  std::uint32_t kbps(std::uint64_t nowMs) {
    advance(nowMs);
    const std::uint64_t k = total_ * 8 / 1024;
    return k > 0xffffffffull ? 0xffffffffu : static_cast<std::uint32_t>(k);
  }

 private:
  static unsigned slotOf(std::uint64_t tick) { return static_cast<unsigned>(tick % kSlots); }

  /// Clears the slots that fell out of the window since the last call.
  void advance(std::uint64_t nowMs) {
    const std::uint64_t tick = nowMs / kSlotMs;
    if (!started_) {
      started_ = true;
      tick_ = tick;
      return;
    }
    if (tick <= tick_) return;
    if (tick - tick_ >= kSlots) {
      slots_.fill(0);
      total_ = 0;
    } else {
      for (std::uint64_t t = tick_ + 1; t <= tick; ++t) {
        total_ -= slots_[slotOf(t)];
        slots_[slotOf(t)] = 0;
      }
    }
    tick_ = tick;
  }

  std::array<std::uint64_t, kSlots> slots_{};
  std::uint64_t total_ = 0;
  std::uint64_t tick_ = 0;
  bool started_ = false;
};

}  // namespace cjdns::iface
