// Text output of cjdnsctl, in the formats of the cjdns tools (upper.md §3.7)
// so that scripts written against them keep working, and JSON for --json.
// Pure functions of decoded admin replies.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "core/util/value.h"

namespace cjdns::admin::ctl {

/// A reply value as the Node.js tools print it: integers in decimal,
/// strings as they are, anything else as compact JSON.
std::string plainText(const util::Value* v);

/// One line of tools/peerStats (no newline):
/// `<lladdr> <addr> <state> in <recvKbps>kb/s out <sendKbps>kb/s`, then
/// `  DUP n`, `  LOS n`, `  OOR n` when non-zero, then ` "<user>"` when the
/// peer has a user. With ip6 the key in addr is replaced by the IPv6 address.
std::string formatPeerLine(const util::Dict& peer, bool ip6);

/// tools/dumptable: a header, one `<addr> <distance> <link> <time>` line per
/// node sorted by path, then `<count> nodes <peers> peers`. The distance is
/// computed as the tool does: common leading bits of bits 64-87 of our
/// address (the first node by path, ourselves) and theirs, 127 when all equal.
std::string formatDumpTable(std::vector<util::Dict> nodes, const util::Value* count, const util::Value* peers);

/// tools/sessionStats: sessions sorted by addr without its version,
/// `<addr> <state padded to 11> <handle> <sendHandle> <metric in hex>` and
/// ` DUP  n`, ` LOS  n`, ` OOR  n`, ` USE` (as the tool joins them with spaces).
/// With ip6 the key is replaced by the IPv6 address. "No active sessions" when empty.
std::string formatSessions(std::vector<util::Dict> sessions, bool ip6);

/// tools/ping lines (without newline) for a RouterModule_pingNode reply:
/// `<unixtime> <addr> <ms>ms`, `<unixtime> timeout  p<version> <ms>ms`,
/// `<unixtime> No route to host`, else the reply as JSON.
std::string formatRouterPing(const util::Dict& reply, std::int64_t unixTime);
/// ... and for SwitchPinger_ping: `<unixtime> switchPing <path>  p<version> <ms>ms[ <key>]`,
/// `<unixtime> switchPing timeout <ms>ms`, else `<unixtime> switchPing <reply as JSON>`.
std::string formatSwitchPing(const util::Dict& reply, std::int64_t unixTime);

/// JSON text; `pretty` = two-space indent as JSON.stringify(v, null, 2).
/// Integers stay numbers; byte strings that are not UTF-8 get \u00XX escapes.
std::string toJson(const util::Value& v, bool pretty);

/// The IPv6 address (full form) of a node name "v21.0000.0000.0000.0013.<key>.k"
/// or of a bare "<key>.k"; "" when it is neither.
std::string ip6OfNode(const std::string& name);

/// `name` with its "<key>.k" replaced by the IPv6 address, or `name` as it is.
std::string withIp6(const std::string& name);

}  // namespace cjdns::admin::ctl
