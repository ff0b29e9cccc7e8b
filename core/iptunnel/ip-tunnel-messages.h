// IpTunnel control messages (upper.md 2.3): the address request a client
// sends a gateway and the gateway's response, as bencode inside a fake
// IPv6/UDP packet carried as an ordinary IPTUN (content type 257) payload.
//
//   IPv6 header, 40 bytes: 0x60 then zeros (traffic class, flow label),
//     payload length = 8 + body length (BE), next header 17, hop limit 0,
//     source :: and destination :: (all 32 bytes zero).
//   UDP header, 8 bytes: source port 0, destination port 0, length = the
//     body length only (not counting these 8 bytes: cjdns's quirk), and the
//     ordinary IPv6 UDP checksum over the all-zero pseudo-header addresses,
//     the 32-bit length 8 + body, next header 17, this header and the body.
//   Body: a bencoded dict.
//     request:  {"q": "IpTunnel_getAddresses", "txid": <4 bytes>}
//     response: {"addresses": {"ip4": <4 bytes>, "ip4Alloc": i, "ip4Prefix": i,
//                              "ip6": <16 bytes>, "ip6Alloc": i, "ip6Prefix": i},
//                "txid": <the request's txid>}
//
// Parsing checks the header fields cjdns checks and the lengths against the
// bytes that are really there, and reports the first problem as a
// ControlError. It is stricter than cjdns where cjdns would accept something
// no cjdns node sends (an address of the wrong size, a zero address, a
// response with no address) and as lenient where a real node differs: keys
// in any order, leading zeros in string lengths (the alignment padding),
// missing or out-of-range prefix/alloc values (defaults 32 / 128), and bytes
// after the IPv6 payload (ignored). No exceptions; nothing here is trusted.
#pragma once

#include <array>
#include <cstddef>
#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "core/wire/message.h"

namespace cjdns::iptunnel {

using Ip4 = std::array<std::uint8_t, 4>;
using Ip6 = std::array<std::uint8_t, 16>;

inline constexpr std::size_t kIp4HeaderSize = 20;
inline constexpr std::size_t kIp6HeaderSize = 40;
inline constexpr std::size_t kUdpHeaderSize = 8;
inline constexpr std::size_t kControlHeaderSize = kIp6HeaderSize + kUdpHeaderSize;
/// cjdns builds control messages in a 1024-byte buffer; ours are ~150 bytes.
inline constexpr std::size_t kMaxControlBody = 1024;
inline constexpr std::size_t kTxidSize = 4;
/// A request's txid is echoed; cjdns sends 4 bytes, we take up to this many.
inline constexpr std::size_t kMaxRequestTxid = 64;
inline constexpr std::string_view kGetAddresses = "IpTunnel_getAddresses";

/// An IPv4 block handed to a client: it installs address/alloc on its TUN,
/// and routes address/prefix through the tunnel if prefix < 32.
struct Grant4 {
  Ip4 address{};
  std::uint8_t prefix = 32;  ///< 0..32
  std::uint8_t alloc = 32;   ///< 1..32
  friend bool operator==(const Grant4&, const Grant4&) = default;
};

/// The same for IPv6 (not fc00::/8).
struct Grant6 {
  Ip6 address{};
  std::uint8_t prefix = 128;  ///< 0..128
  std::uint8_t alloc = 128;   ///< 1..128
  friend bool operator==(const Grant6&, const Grant6&) = default;
};

struct Grants {
  std::optional<Grant4> ip4;
  std::optional<Grant6> ip6;
  bool empty() const { return !ip4 && !ip6; }
  friend bool operator==(const Grants&, const Grants&) = default;
};

enum class ControlKind { kRequest, kResponse };

struct ControlMessage {
  ControlKind kind = ControlKind::kRequest;
  /// Request: as the client sent it (cjdns answers a request without one,
  /// echoing nothing). Response: always kTxidSize bytes.
  std::optional<std::string> txid;
  Grants grants;  ///< response only; never empty
};

enum class ControlError {
  kNone,
  kRunt,            ///< shorter than the 48 bytes of IPv6 and UDP header
  kNotIp6,          ///< IP version is not 6
  kNotControl,      ///< source or destination address is not ::
  kNotUdp,          ///< next header is not 17
  kBadLength,       ///< IPv6 payload length under 8, or past the end of the packet
  kTooLong,         ///< body over kMaxControlBody
  kBadChecksum,     ///< UDP checksum does not verify
  kBadPorts,        ///< a UDP port is not 0
  kBadUdpLength,    ///< UDP length is not the IPv6 payload length minus 8
  kBadBencode,      ///< not bencode, or bytes after the dict
  kNotDict,         ///< top level is not a dict
  kUnknownMessage,  ///< no "addresses" dict, and "q" is not IpTunnel_getAddresses
  kBadTxid,         ///< response: txid missing or not 4 bytes; request: not a string of at most 64
  kBadAddress,      ///< "ip4"/"ip6" not a string of 4/16 bytes, all zero, or ip6 in fc00::/8
  kBadPrefixType,   ///< a prefix or alloc that is not an integer
  kNoAddresses,     ///< a response naming neither ip4 nor ip6
};
inline constexpr std::size_t kControlErrorCount = static_cast<std::size_t>(ControlError::kNoAddresses) + 1;
const char* describe(ControlError e);

struct ControlParse {
  ControlError error = ControlError::kNone;
  ControlMessage message;  ///< valid only when error is kNone
};

// ---- txid ----

/// The txid a client sends: its connection number as 4 bytes, little-endian.
/// (cjdns writes its native byte order; the gateway only echoes the bytes.)
std::string txidFor(std::uint32_t connection);
/// The connection number in one of our txids; nullopt unless 4 bytes.
std::optional<std::uint32_t> connectionOf(std::string_view txid);

// ---- Building ----

/// Canonical bencode (sorted keys, no padding) of a request.
std::string encodeRequest(std::string_view txid);
/// Of a response: the grants present (with prefix and alloc), and the txid
/// if the request had one.
std::string encodeResponse(const Grants& grants, const std::optional<std::string>& txid);

/// Puts the UDP and IPv6 headers in front of the bencoded body that `msg`
/// holds, in place. False (msg unchanged) for a body over kMaxControlBody or
/// without 48 bytes of headroom.
[[nodiscard]] bool wrapControl(wire::Message& msg);
/// A whole control packet for `body`; empty for a body over kMaxControlBody.
std::vector<std::uint8_t> controlPacket(std::string_view body);

// ---- Parsing ----

/// True if `packet` has an IPv6 header whose source and destination are both
/// zero: on the IPTUN data path, that is what marks a control message.
bool looksLikeControl(std::span<const std::uint8_t> packet);
/// Checks the IPv6 and UDP headers; on kNone, `body` is the bencode.
ControlError unwrapControl(std::span<const std::uint8_t> packet, std::span<const std::uint8_t>& body);
/// Reads a bencoded body.
ControlParse parseBody(std::span<const std::uint8_t> body);
/// unwrapControl then parseBody.
ControlParse parseControl(std::span<const std::uint8_t> packet);

}  // namespace cjdns::iptunnel
