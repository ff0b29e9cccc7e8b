// Switch control messages (wire.md 10): the frames a node's router sends to
// another node's router by switch label, outside any end-to-end session.
//
//   [SwitchHeader 12][FF FF FF FF][checksum 2][type 2][body ...]
//
// The "control message" below is everything from the checksum field on; the
// checksum (RFC 1071) covers exactly that, with the checksum field as zero.
// Parsed bodies hold spans into the parsed buffer: they are valid only while
// that buffer is, and serialize never looks at the received checksum.
#pragma once

#include <array>
#include <cstdint>
#include <span>
#include <variant>

#include "core/crypto/keys.h"
#include "core/switch/switch-header.h"

namespace cjdns::wire {
class Message;
}

namespace cjdns::switching {

/// The u32 after the SwitchHeader that marks a control frame.
inline constexpr std::uint32_t kControlHandle = 0xffffffff;
inline constexpr std::size_t kControlHeaderSize = 4;  ///< checksum + type
/// Shorter control messages are dropped unread.
inline constexpr std::size_t kControlMinSize = 8;
/// An ERROR quotes at most this much of the packet that caused it.
inline constexpr std::size_t kErrorMaxCause = 256;
/// Routers ignore ERROR messages shorter than this (ControlHandler).
inline constexpr std::size_t kErrorMinUseful = 40;
/// Pings, key pings and snode queries from older nodes go unanswered.
inline constexpr std::uint32_t kMinCompatibleVersion = 20;
inline constexpr std::size_t kKeyPingMaxCookie = 64;

enum class ControlType : std::uint16_t {
  kError = 2,
  kPing = 3,
  kPong = 4,
  kKeyPing = 5,
  kKeyPong = 6,
  kGetSnodeQuery = 7,
  kGetSnodeReply = 8,
  kRPathQuery = 9,   ///< v21+
  kRPathReply = 10,  ///< v21+
  kLlAddrQuery = 11, ///< v22.1+
  kLlAddrReply = 12, ///< v22.1+
};

/// "PING", "LLADDR_REPLY", ...; "UNKNOWN" for other numbers.
const char* controlTypeName(std::uint16_t type);

/// The u32 each body starts with. RPATH reuses the GETSNODE values ("snoq",
/// "snor") although the cjdns source calls them "rpaq"/"rpar".
namespace control_magic {
inline constexpr std::uint32_t kPing = 0x09f91102;
inline constexpr std::uint32_t kPong = 0x9d74e35b;
inline constexpr std::uint32_t kKeyPing = 0x01234567;
inline constexpr std::uint32_t kKeyPong = 0x89abcdef;
inline constexpr std::uint32_t kSnodeQuery = 0x736e6f71;  // "snoq"
inline constexpr std::uint32_t kSnodeReply = 0x736e6f72;  // "snor"
inline constexpr std::uint32_t kLlAddrQuery = 0x6c6c6171; // "llaq"
inline constexpr std::uint32_t kLlAddrReply = 0x6c6c6172; // "llar"
}  // namespace control_magic

/// The magic of a type's body; 0 for ERROR, which has none.
std::uint32_t controlMagic(ControlType type);

/// wire/Error.h. Only 1 and 10 (switch) and 6 (SessionManager) reach the wire.
enum class ErrorCode : std::uint32_t {
  kNone = 0,
  kMalformedAddress = 1,
  kFlood = 2,
  kLinkLimitExceeded = 3,
  kOversizeMessage = 4,
  kRunt = 5,
  kAuthentication = 6,
  kInvalid = 7,
  kUndeliverable = 8,
  kLoopRoute = 9,
  kReturnPathInvalid = 10,
  kUnhandled = 11,
  kOverflow = 12,
  kInternal = 13,
};

/// "MALFORMED_ADDRESS", ...; "UNKNOWN" for other numbers.
const char* errorCodeName(std::uint32_t code);

/// ERROR: the code, then the start of the packet that caused it.
struct ErrorBody {
  std::uint32_t code = 0;
  /// From the cause's SwitchHeader on: at least 16 bytes (header and handle).
  std::span<const std::uint8_t> cause;

  SwitchHeader causeHeader() const;
  std::uint32_t causeHandle() const;
  /// The cause's own control message when its handle is 0xffffffff (an
  /// error about one of our pings); empty otherwise.
  std::span<const std::uint8_t> causeControl() const;
};

/// PING and PONG: the pinger's opaque data is echoed unchanged.
struct PingBody {
  std::uint32_t version = 0;
  std::span<const std::uint8_t> data;
};

/// KEYPING and KEYPONG: the sender's (or responder's) key and a 0-64 byte cookie.
struct KeyPingBody {
  std::uint32_t version = 0;
  crypto::PublicKey key{};
  std::span<const std::uint8_t> cookie;
};

/// GETSNODE_QUERY and GETSNODE_REPLY: the sender's supernode, if it knows one.
struct GetSnodeBody {
  std::uint32_t version = 0;
  std::uint32_t snodeVersion = 0;
  std::uint32_t kbps = 0;
  crypto::PublicKey snodeKey{};
  std::uint64_t pathToSnode = 0;
  std::span<const std::uint8_t> extra;  ///< bytes past the 56-byte body, kept
};

/// RPATH_QUERY and RPATH_REPLY: the reply's rpath is the responder's label
/// for the querier (the return path the query arrived by).
struct RPathBody {
  std::uint32_t version = 0;
  std::uint64_t rpath = 0;
  std::span<const std::uint8_t> extra;  ///< bytes past the 16-byte body, kept
};

/// A link-layer address in LLADDR messages: [type][len][up to 30 bytes].
using LlAddr = std::array<std::uint8_t, 32>;

/// LLADDR_QUERY and LLADDR_REPLY: in a reply, addr is the querier's address
/// as the responder sees it; data is reflected.
struct LlAddrBody {
  std::uint32_t version = 0;
  LlAddr addr{};
  std::span<const std::uint8_t> data;
};

using ControlBody = std::variant<ErrorBody, PingBody, KeyPingBody, GetSnodeBody, RPathBody, LlAddrBody>;

struct ControlMessage {
  ControlType type = ControlType::kPing;
  ControlBody body;
  std::uint16_t checksum = 0;  ///< as received; ignored when serializing

  /// The sender's protocol version (0 for ERROR).
  std::uint32_t version() const;
};

enum class ControlParseStatus {
  kOk,
  kNotControl,   ///< the handle after the SwitchHeader is not 0xffffffff
  kRunt,         ///< shorter than 8 bytes (or than a SwitchHeader and handle)
  kBadChecksum,
  kUnknownType,
  kBadMagic,
  kBadLength,    ///< too short (or, for KEYPING/KEYPONG, too long) for its type
};
const char* describe(ControlParseStatus status);

enum class ChecksumPolicy { kVerify, kIgnore };

/// Parses a control message (checksum field to end). With kIgnore a message
/// whose checksum is wrong is still read (for logs and vectors).
ControlParseStatus parseControl(std::span<const std::uint8_t> bytes, ControlMessage& out,
                                ChecksumPolicy policy = ChecksumPolicy::kVerify);

/// Size of the serialized message; 0 if its type and body disagree or a
/// field is out of range (KEYPING cookie over 64 bytes, ERROR cause under 16).
std::size_t serializedSize(const ControlMessage& m);
/// Writes m with a freshly computed checksum; out must be exactly
/// serializedSize(m) bytes and must not overlap m's spans.
[[nodiscard]] bool serializeControl(const ControlMessage& m, std::span<std::uint8_t> out);
/// Appends m to msg's tail.
[[nodiscard]] bool appendControl(wire::Message& msg, const ControlMessage& m);

/// Recomputes the checksum of a control message in place (bytes >= 4).
void fixControlChecksum(std::span<std::uint8_t> control);

/// A whole control packet as a router sends or receives it.
struct ControlPacket {
  SwitchHeader header;
  ControlMessage message;

  /// At the receiving router: the label back to the sender.
  std::uint64_t returnPath() const;
};

/// Parses [SwitchHeader][FF FF FF FF][control message].
ControlParseStatus parseControlPacket(std::span<const std::uint8_t> packet, ControlPacket& out,
                                      ChecksumPolicy policy = ChecksumPolicy::kVerify);

// Builders. Each replaces msg's content (headroom restored to the default)
// with a packet for the router to hand to its own switch: SwitchHeader with
// `label`, version 1 and every other field 0, the handle, the message. Spans
// passed in must not point into msg. False if the message cannot be built.

[[nodiscard]] bool buildControlPacket(wire::Message& msg, std::uint64_t label, const ControlMessage& m);
[[nodiscard]] bool buildPing(wire::Message& msg, std::uint64_t label, std::uint32_t version,
                             std::span<const std::uint8_t> data);
[[nodiscard]] bool buildKeyPing(wire::Message& msg, std::uint64_t label, std::uint32_t version,
                                const crypto::PublicKey& ourKey, std::span<const std::uint8_t> cookie);
/// As cjdns SwitchPinger does, the query's rpath field holds the label asked.
[[nodiscard]] bool buildRPathQuery(wire::Message& msg, std::uint64_t label, std::uint32_t version);
/// The query's own address is sent as {type 0, len 2}; `data` is reflected.
[[nodiscard]] bool buildLlAddrQuery(wire::Message& msg, std::uint64_t label, std::uint32_t version,
                                    std::span<const std::uint8_t> data);

/// Turns msg, a packet from its SwitchHeader on, into an ERROR packet in
/// place: keeps its first 256 bytes as the cause and pushes `header`, the
/// handle and the error header in front. False (msg unchanged) without
/// 24 bytes of headroom or if msg is shorter than a SwitchHeader and handle.
[[nodiscard]] bool wrapAsError(wire::Message& msg, const SwitchHeader& header, ErrorCode code);

/// LLADDR address forms: [1][8][port BE][IPv4] and [2][20][port BE][IPv6],
/// zero-filled to 32 bytes.
LlAddr llAddrUdp4(std::span<const std::uint8_t, 4> ip, std::uint16_t port);
LlAddr llAddrUdp6(std::span<const std::uint8_t, 16> ip, std::uint16_t port);

}  // namespace cjdns::switching
