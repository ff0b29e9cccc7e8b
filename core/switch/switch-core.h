// SwitchCore: the label switch of one node (wire.md 9.4), I/O-free.
//
// The switch has 257 slots. Slot 1 is the node's own router and always
// exists; peers get the lowest free slot from 0 (0, 2, 3, ...), and their
// label as seen from this node is v358::peerLabel(slot) (slot 0 -> 0x13).
//
// switchPacket() takes a packet that arrived on a slot and returns what to do
// with it; the message is rewritten in place and nothing is sent or
// allocated. The caller (peer controller, router) performs the action:
//   kForward    deliver msg to result.slot (slot 1 = our own router)
//   kReplyError msg is now a switch ERROR: send it back out result.slot,
//               the slot it came from, without switching it again
//   kDrop       nothing to send; already counted
#pragma once

#include <array>
#include <cstdint>
#include <optional>

#include "core/switch/encoding-scheme.h"

namespace cjdns::wire {
class Message;
}

namespace cjdns::switching {

enum class SwitchAction : std::uint8_t { kForward, kReplyError, kDrop };

/// Why a packet went where it went. Every packet counts under exactly one.
enum class SwitchEvent : std::uint8_t {
  kForwarded,
  kRunt,               ///< shorter than a SwitchHeader: dropped, no error
  kUnknownSource,      ///< came from a slot with no interface (caller bug): dropped
  kSourceTooWide,      ///< our director for the sender does not fit: MALFORMED_ADDRESS
  kReturnPathInvalid,  ///< for us, but no room for the return path: RETURN_PATH_INVALID
  kNoSuchInterface,    ///< the label names an empty slot: MALFORMED_ADDRESS
  kLabelRolledOver,    ///< labelShift would pass 63: dropped, no error
  kInterfaceDown,      ///< the slot's peer is silent (link lost): UNDELIVERABLE
};
inline constexpr std::size_t kSwitchEventCount = 8;
const char* describe(SwitchEvent event);

struct SwitchResult {
  SwitchAction action = SwitchAction::kDrop;
  unsigned slot = 0;  ///< kForward: destination; otherwise the source
  SwitchEvent event = SwitchEvent::kForwarded;
};

struct SwitchCounters {
  std::uint64_t forwarded = 0;
  std::uint64_t errorsSent = 0;
  /// An error was due but not sent: the packet had S set, was shorter than
  /// a SwitchHeader and handle, or the message had no headroom.
  std::uint64_t errorsSuppressed = 0;
  std::array<std::uint64_t, kSwitchEventCount> byEvent{};

  std::uint64_t count(SwitchEvent e) const { return byEvent[static_cast<std::size_t>(e)]; }
};

class SwitchCore {
 public:
  static constexpr unsigned kSlots = v358::kSlots;
  static constexpr unsigned kRouterSlot = v358::kRouterSlot;

  SwitchCore();

  /// Takes the lowest free slot for a new peer; nullopt when all 256 are used.
  std::optional<unsigned> addInterface();
  /// Frees a peer's slot for reuse; false for the router or an empty slot.
  bool removeInterface(unsigned slot);
  bool hasInterface(unsigned slot) const { return slot < kSlots && used_[slot]; }
  /// A slot whose link is lost (its peer went silent): packets switched to it
  /// get an UNDELIVERABLE error back, so that their senders route around it
  /// at once instead of losing traffic until their own timers notice.
  void setSlotDown(unsigned slot, bool down) {
    if (slot < kSlots && slot != kRouterSlot) down_[slot] = down;
  }
  bool isSlotDown(unsigned slot) const { return slot < kSlots && down_[slot]; }
  /// Peers plus the router.
  unsigned interfaceCount() const { return count_; }
  /// Our label for the interface in `slot` (the router: kSelfLabel, 0x1).
  static std::uint64_t labelForSlot(unsigned slot);

  /// Switches msg (from its SwitchHeader on) that arrived on `fromSlot`.
  SwitchResult switchPacket(unsigned fromSlot, wire::Message& msg);

  const SwitchCounters& counters() const { return counters_; }

 private:
  SwitchResult note(SwitchAction action, unsigned slot, SwitchEvent event);
  SwitchResult sendError(unsigned fromSlot, wire::Message& msg, SwitchEvent event);

  std::array<bool, kSlots> used_{};
  std::array<bool, kSlots> down_{};
  unsigned count_ = 0;
  SwitchCounters counters_;
};

}  // namespace cjdns::switching
