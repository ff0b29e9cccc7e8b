// Text forms of addresses, switch labels and node names (wire.md 2.4-2.5).
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include "core/crypto/keys.h"

namespace cjdns::crypto {

/// Full form, as cjdns AddrTools_printIp and makekeys print it: 8 groups of 4
/// lowercase zero-padded hex digits, no "::" ("fc68:cb2c:...:03fc").
std::string ip6ToString(const Ip6& address);

/// Short form, as privatetopublic and publictoip6 print it: leading zeros of
/// each group dropped, but still 8 groups and no "::" ("fc68:...:3fc").
std::string ip6ToShortString(const Ip6& address);

/// Any standard IPv6 text form (full, "::"-compressed, embedded IPv4), as
/// inet_pton accepts it. No zone ("%eth0"), no brackets, no port.
std::optional<Ip6> parseIp6(std::string_view text);

/// A 64-bit switch label in big-endian hex groups: "0000.0000.0000.0013".
std::string labelToString(std::uint64_t label);

/// Exactly 19 characters: 16 hex digits (either case) with dots at 4, 9, 14.
std::optional<std::uint64_t> parseLabel(std::string_view text);

/// A node as cjdns names it in peerStats / dumpTable: protocol version,
/// switch label (path) from us, and its public key.
struct NodeName {
  std::uint32_t version = 0;
  std::uint64_t label = 0;
  PublicKey key{};

  friend bool operator==(const NodeName&, const NodeName&) = default;
};

/// Key form: "v21.0000.0000.0000.0013.<52 base32>.k".
std::string nodeNameToString(const NodeName& node);

/// IP form: "v21.0000.0000.0000.0013.fc68:cb2c:...:03fc" (full IPv6 form).
std::string nodeNameToIpString(const NodeName& node);

/// Parses the key form. As in cjdns Address_fromString the key must be a valid
/// (fc-address) key and nothing may follow the ".k". Unlike cjdns, the version
/// needs at least one digit and must fit in 32 bits.
std::optional<NodeName> parseNodeName(std::string_view text);

}  // namespace cjdns::crypto
