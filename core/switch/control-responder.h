// What a router does with a control packet addressed to it (cjdns
// ControlHandler, wire.md 10.2): answer PING, KEYPING, GETSNODE, RPATH and
// LLADDR queries in place, hand replies to the pinger and errors to the
// pathfinder, drop the rest. Also the pinger's side: does a PONG answer the
// ping we sent?
//
// I/O-free: the caller passes the packet its switch delivered to the router
// (interface 1) and, for kReply, hands the rewritten message back to that
// switch from interface 1.
#pragma once

#include <cstdint>
#include <optional>
#include <span>

#include "core/crypto/keys.h"
#include "core/switch/control-message.h"

namespace cjdns::wire {
class Message;
}

namespace cjdns::switching {

/// What we tell other routers about ourselves.
struct ControlResponder {
  /// Our protocol version in every reply. Advertise 21 until the Noise peer
  /// link exists: v22 peers pick Noise by version (wire.md 18).
  std::uint32_t version = 21;
  crypto::PublicKey publicKey{};

  struct Snode {
    crypto::PublicKey key{};
    std::uint32_t version = 0;
    std::uint64_t path = 0;  ///< our label for it
  };
  std::optional<Snode> snode;  ///< our supernode, if we know one
};

enum class ControlDisposition {
  kReply,          ///< msg now holds the answer, addressed to the return path
  kForPinger,      ///< a PONG, KEYPONG, GETSNODE/RPATH/LLADDR reply: msg unchanged
  kForPathfinder,  ///< an ERROR of at least 40 bytes: msg unchanged
  kDropped,        ///< see ControlDrop; msg unchanged
};

enum class ControlDrop {
  kNone,
  kNotControl,
  kRunt,
  kBadChecksum,
  kUnknownType,
  kBadMagic,
  kBadLength,
  kIncompatibleVersion,  ///< PING, KEYPING or GETSNODE_QUERY from a version below 20
  kNotOneHop,            ///< LLADDR_QUERY from a node that is not a direct peer
  kNoLinkAddress,        ///< LLADDR_QUERY, but the caller gave no address to report
};
const char* describe(ControlDrop drop);

struct ControlHandling {
  ControlDisposition disposition = ControlDisposition::kDropped;
  ControlDrop drop = ControlDrop::kNone;
  std::uint16_t type = 0;  ///< the received type, when the header was readable
};

/// Handles msg = [SwitchHeader as delivered to the router][FF FF FF FF][control].
/// A reply keeps the received data and length: its SwitchHeader has label =
/// the return path (the received label bit-reversed), version 1, all else 0.
/// `querierAddress` is the sender's link-layer address, needed only to
/// answer LLADDR queries (see llAddrUdp4/6).
ControlHandling handleControl(wire::Message& msg, const ControlResponder& self,
                              const LlAddr* querierAddress = nullptr);

/// Rewrites a PING control message (checksum field to end) into its PONG in
/// place: type, magic, our version, checksum; data untouched. False (bytes
/// unchanged) unless it is a valid PING from version 20 or later.
[[nodiscard]] bool pingToPong(std::span<std::uint8_t> control, std::uint32_t ourVersion);

enum class PongCheck {
  kMatch,
  kNotAPong,        ///< not a PONG or KEYPONG
  kLabelMismatch,   ///< came back on another path than the one we pinged
  kWrongData,       ///< did not echo our data (or cookie)
  kOldVersion,      ///< answered by a node below version 20
};
const char* describe(PongCheck check);

/// Does `pong` (parsed at our router) answer the ping we sent to
/// `pingedLabel` with `sentData`? A real node checks the same three things
/// before it trusts a peer (wire.md 8.5, 10.2).
PongCheck checkPong(const ControlPacket& pong, std::uint64_t pingedLabel, std::span<const std::uint8_t> sentData);

}  // namespace cjdns::switching
