#include "admin/bridge/calls.h"

#include <algorithm>
#include <cstring>
#include <limits>
#include <span>
#include <utility>

#include "core/crypto/address.h"
#include "core/crypto/keys.h"
#include "core/switch/encoding-scheme.h"
#include "core/util/hex.h"
#include "core/util/host-port.h"

namespace cjdns::admin {
namespace {

using util::Dict;
using util::List;
using util::Value;

// ---- small builders ----

Value num(std::int64_t n) { return Value(n); }
Value text(std::string s) { return Value(std::move(s)); }

void put(Dict& d, std::string key, std::int64_t n) { d.add(std::move(key), num(n)); }
void put(Dict& d, std::string key, std::string s) { d.add(std::move(key), text(std::move(s))); }
void put(Dict& d, std::string key, Value v) { d.add(std::move(key), std::move(v)); }

Value dictValue(Dict d) { return Value(std::move(d)); }

// ---- arguments ----

const std::string* argString(const Dict& args, std::string_view key) {
  const Value* v = args.find(key);
  return v != nullptr && v->isString() ? &v->asString() : nullptr;
}

std::optional<std::int64_t> argInt(const Dict& args, std::string_view key) {
  const Value* v = args.find(key);
  if (v == nullptr || !v->isInt()) return std::nullopt;
  return v->asInt();
}

std::int64_t pageArg(const Dict& args) { return argInt(args, "page").value_or(0); }

/// cjdns Key_parse_strerror.
const char* keyError(crypto::KeyParseError e) {
  switch (e) {
    case crypto::KeyParseError::kNone: return "none";
    case crypto::KeyParseError::kTooShort: return "key must be 52 characters long";
    case crypto::KeyParseError::kMalformed: return "key must end in .k";
    case crypto::KeyParseError::kDecodeFailed: return "failed to base-32 decode key";
    case crypto::KeyParseError::kInvalid: return "not a valid cjdns public key";
  }
  return "unknown error";
}

/// As cjdns Key_parse: nothing after the ".k" is looked at.
crypto::ParsedKey parseKey(std::string_view s) { return crypto::parsePublicKey(s, crypto::TrailingText::kIgnore); }

/// A label exactly as cjdns AddrTools_parsePath wants it: 19 characters.
std::optional<std::uint64_t> parseLabel19(std::string_view s) {
  if (s.size() != 19) return std::nullopt;
  return crypto::parseLabel(s);
}

capnp::Data::Reader bytesOf(std::span<const std::uint8_t> b) { return capnp::Data::Reader(b.data(), b.size()); }

template <std::size_t N>
std::optional<std::array<std::uint8_t, N>> fixed(capnp::Data::Reader d) {
  if (d.size() != N) return std::nullopt;
  std::array<std::uint8_t, N> out{};
  std::memcpy(out.data(), d.begin(), N);
  return out;
}

bool allZero(capnp::Data::Reader d) {
  return std::all_of(d.begin(), d.end(), [](std::uint8_t b) { return b == 0; });
}

void setSockAddr(proto::SockAddr::Builder b, const util::HostPort& hp) {
  b.setIp(capnp::Data::Reader(hp.ip.data(), hp.ipLength()));
  b.setPort(hp.port);
}

/// Where a RouterModule_* call is aimed, as cjdns's getNode reads it: a
/// 19-character label, else an IPv6 address, else an address string
/// ("v21.0000.0000.0000.0013.<key>.k", whose label is used).
struct RouterTarget {
  bool isIp6 = false;
  crypto::Ip6 ip6{};
  std::uint64_t path = 0;
};

std::optional<RouterTarget> parseRouterTarget(std::string_view s) {
  RouterTarget t;
  if (auto label = parseLabel19(s)) {
    t.path = *label;
    return t;
  }
  if (auto ip = crypto::parseIp6(s)) {
    t.isIp6 = true;
    t.ip6 = *ip;
    return t;
  }
  if (auto name = crypto::parseNodeName(s)) {
    t.path = name->label;
    return t;
  }
  return std::nullopt;
}

/// A ping/query timeout argument: absent or <= 0 gives `dflt`, else bounded.
std::uint32_t timeoutArg(const Dict& args, std::uint32_t dflt) {
  auto t = argInt(args, "timeout");
  if (!t || *t <= 0) return dflt;
  return static_cast<std::uint32_t>(std::min<std::int64_t>(*t, kMaxPingTimeoutMs));
}

std::uint64_t asyncWait(std::uint32_t timeoutMs) {
  return (timeoutMs == 0 ? kCoreAnswerMs : timeoutMs) + kAsyncGraceMs;
}

PreparedCall now(Value reply) {
  PreparedCall p;
  p.reply = std::move(reply);
  return p;
}

// ---- answers ----

Value malformedAnswer() { return errorReply("cjdns-admin: malformed answer from the core"); }
Value unexpectedAnswer() { return errorReply("cjdns-admin: unexpected answer from the core"); }

std::string keyText(const crypto::PublicKey& k) { return crypto::publicKeyToString(k); }

std::string nodeName(std::uint32_t version, std::uint64_t label, const crypto::PublicKey& key) {
  return crypto::nodeNameToString(crypto::NodeName{version, label, key});
}

/// The admin list form of a compressed encoding scheme, or nullopt.
std::optional<Value> schemeList(capnp::Data::Reader compressed) {
  auto s = switching::EncodingScheme::deserialize(std::span<const std::uint8_t>(compressed.begin(), compressed.size()));
  if (!s) return std::nullopt;
  return s->toAdminList();
}

/// [start, end) of a page over `count` items; empty for a page out of range.
std::pair<std::size_t, std::size_t> pageRange(std::int64_t page, std::int64_t perPage, std::size_t count) {
  if (page < 0 || page > std::numeric_limits<std::int64_t>::max() / perPage - 1) return {count, count};
  const auto start = static_cast<std::uint64_t>(page * perPage);
  if (start >= count) return {count, count};
  return {static_cast<std::size_t>(start), std::min<std::size_t>(count, static_cast<std::size_t>(start + perPage))};
}

/// "DISABLED", "ACCEPTING", "SENDING": InterfaceController_beaconStateString.
std::string beaconStateText(std::string_view s) {
  if (s == "disabled" || s == "DISABLED") return "DISABLED";
  if (s == "accepting" || s == "ACCEPTING") return "ACCEPTING";
  if (s == "sending and accepting" || s == "sending" || s == "SENDING") return "SENDING";
  return std::string(s);
}

/// cjdns names a UDP interface "UDP/IPv4/<addr>" or "UDP/IPv6/<addr>".
std::string interfaceName(std::string_view name) {
  if (name.starts_with("UDP/") && !name.starts_with("UDP/IPv")) {
    std::string_view addr = name.substr(4);
    return std::string(addr.starts_with("[") ? "UDP/IPv6/" : "UDP/IPv4/") + std::string(addr);
  }
  return std::string(name);
}

Value peerStatsReply(std::int64_t page, capnp::List<proto::PeerStat>::Reader peers) {
  List list;
  std::size_t valid = 0;
  const auto [start, end] = pageRange(page, kPeersPerPage, peers.size());
  for (auto p : peers) {
    auto key = fixed<32>(p.getPublicKey());
    if (!key) continue;  // a peer without a readable key is not shown
    const std::size_t index = valid++;
    if (index < start || index >= end) continue;
    Dict d;
    put(d, "addr", nodeName(p.getVersion(), p.getLabel(), *key));
    put(d, "bytesIn", static_cast<std::int64_t>(p.getBytesIn()));
    put(d, "bytesOut", static_cast<std::int64_t>(p.getBytesOut()));
    put(d, "duplicates", static_cast<std::int64_t>(p.getDuplicates()));
    put(d, "ifNum", std::int64_t{p.getIfNum()});
    put(d, "isIncoming", std::int64_t{p.getIsIncoming() ? 1 : 0});
    put(d, "last", static_cast<std::int64_t>(p.getLastMs()));
    put(d, "lladdr", std::string(p.getLladdr()));
    put(d, "lostPackets", static_cast<std::int64_t>(p.getLostPackets()));
    put(d, "receivedOutOfRange", static_cast<std::int64_t>(p.getReceivedOutOfRange()));
    put(d, "receivedPackets", static_cast<std::int64_t>(p.getReceivedPackets()));
    put(d, "recvKbps", std::int64_t{p.getRecvKbps()});
    put(d, "sendKbps", std::int64_t{p.getSendKbps()});
    put(d, "state", std::string(p.getState()));
    if (p.getHasUser()) put(d, "user", std::string(p.getUser()));
    list.push_back(dictValue(std::move(d)));
  }
  Dict out;
  put(out, "peers", Value(std::move(list)));
  put(out, "total", static_cast<std::int64_t>(valid));
  if (end < valid) put(out, "more", 1);
  return dictValue(std::move(out));
}

Value interfacesReply(std::int64_t page, capnp::List<proto::InterfaceInfo>::Reader ifaces) {
  List list;
  const auto [start, end] = pageRange(page, kInterfacesPerPage, ifaces.size());
  for (std::size_t i = start; i < end; ++i) {
    auto f = ifaces[static_cast<unsigned>(i)];
    Dict d;
    put(d, "beaconState", beaconStateText(f.getBeaconState().cStr()));
    put(d, "ifNum", std::int64_t{f.getIfNum()});
    put(d, "name", interfaceName(f.getName().cStr()));
    list.push_back(dictValue(std::move(d)));
  }
  Dict out;
  put(out, "ifaces", Value(std::move(list)));
  put(out, "total", static_cast<std::int64_t>(ifaces.size()));
  if (end < ifaces.size()) put(out, "more", 1);
  return dictValue(std::move(out));
}

Value dumpTableReply(std::int64_t page, proto::NodeTable::Reader table) {
  auto entries = table.getEntries();
  List list;
  const auto [start, end] = pageRange(page, kNodesPerPage, entries.size());
  for (std::size_t i = start; i < end; ++i) {
    auto n = entries[static_cast<unsigned>(i)];
    auto key = fixed<32>(n.getPublicKey());
    if (!key) return malformedAnswer();
    Dict d;
    put(d, "addr", nodeName(n.getVersion(), n.getPath(), *key));
    put(d, "bucket", std::int64_t{n.getBucket()});
    put(d, "ip", crypto::ip6ToString(crypto::addressOf(*key)));
    put(d, "link", std::int64_t{n.getLink()});
    put(d, "path", crypto::labelToString(n.getPath()));
    put(d, "time", static_cast<std::int64_t>(n.getTimeMs()));
    put(d, "version", std::int64_t{n.getVersion()});
    list.push_back(dictValue(std::move(d)));
  }
  Dict out;
  put(out, "count", static_cast<std::int64_t>(entries.size()));
  put(out, "deprecation", "ip,path,version will soon be removed");
  if (end < entries.size()) put(out, "more", 1);
  put(out, "peers", std::int64_t{table.getPeerCount()});
  put(out, "routingTable", Value(std::move(list)));
  return dictValue(std::move(out));
}

Value nodeDetailReply(proto::NodeDetail::Reader n) {
  Dict out;
  put(out, "error", "none");
  Dict result;
  if (n.getFound()) {
    auto key = fixed<32>(n.getPublicKey());
    auto parent = fixed<16>(n.getBestParentIp6());
    auto scheme = schemeList(n.getEncodingScheme());
    if (!key || !parent || !scheme) return malformedAnswer();
    Dict best;
    put(best, "ip", crypto::ip6ToString(*parent));
    put(best, "isOneHop", std::int64_t{n.getBestParentIsOneHop() ? 1 : 0});
    put(best, "parentChildLabel", crypto::labelToString(n.getBestParentChildLabel()));
    put(result, "bestParent", dictValue(std::move(best)));
    put(result, "cost", static_cast<std::int64_t>(n.getCost()));
    put(result, "encodingScheme", std::move(*scheme));
    put(result, "key", keyText(*key));
    put(result, "linkCount", std::int64_t{n.getLinkCount()});
    put(result, "protocolVersion", std::int64_t{n.getProtocolVersion()});
    put(result, "routeLabel", crypto::labelToString(n.getRouteLabel()));
  }
  put(out, "result", dictValue(std::move(result)));
  return dictValue(std::move(out));
}

Value sessionReply(proto::SessionStat::Reader s) {
  auto key = fixed<32>(s.getPublicKey());
  if (!key) return malformedAnswer();
  Dict d;
  put(d, "addr", nodeName(s.getVersion(), s.getPath(), *key));
  put(d, "duplicates", static_cast<std::int64_t>(s.getDuplicates()));
  put(d, "handle", std::int64_t{s.getHandle()});
  put(d, "ip6", crypto::ip6ToString(crypto::addressOf(*key)));
  put(d, "lostPackets", static_cast<std::int64_t>(s.getLostPackets()));
  put(d, "metric", std::int64_t{s.getMetric()});
  put(d, "receivedOutOfRange", static_cast<std::int64_t>(s.getReceivedOutOfRange()));
  put(d, "sendHandle", std::int64_t{s.getSendHandle()});
  put(d, "state", std::string(s.getState()));
  put(d, "timeOfLastUsage", static_cast<std::int64_t>(s.getTimeOfLastUsageMs()));
  return dictValue(std::move(d));
}

Value handlesReply(std::int64_t page, capnp::List<std::uint32_t>::Reader handles) {
  List list;
  const auto [start, end] = pageRange(page, kHandlesPerPage, handles.size());
  for (std::size_t i = start; i < end; ++i) list.push_back(num(handles[static_cast<unsigned>(i)]));
  Dict out;
  put(out, "handles", Value(std::move(list)));
  if (end < handles.size()) put(out, "more", 1);
  put(out, "total", static_cast<std::int64_t>(handles.size()));
  return dictValue(std::move(out));
}

/// AuthorizedPasswords_list: `total` and the page, never `more`.
Value usersReply(std::int64_t page, capnp::List<capnp::Text>::Reader users) {
  List list;
  const auto [start, end] = pageRange(page, kUsersPerPage, users.size());
  for (std::size_t i = start; i < end; ++i) list.push_back(text(users[static_cast<unsigned>(i)].cStr()));
  Dict out;
  put(out, "total", static_cast<std::int64_t>(users.size()));
  put(out, "users", Value(std::move(list)));
  return dictValue(std::move(out));
}

Value switchPongReply(const std::string& pathText, proto::SwitchPong::Reader p) {
  Dict d;
  const std::string result = p.getResult();
  if (result == "diff_label") put(d, "responsePath", crypto::labelToString(p.getResponsePath()));
  if (p.getVersion() != 0) put(d, "version", std::int64_t{p.getVersion()});
  put(d, "ms", std::int64_t{p.getMs()});
  put(d, "result", result);
  put(d, "path", pathText);
  if (result == "pong" || result == "diff_label" || result == "diff_data") {
    auto data = p.getData();
    put(d, "data", std::string(reinterpret_cast<const char*>(data.begin()), data.size()));
  }
  if (auto key = fixed<32>(p.getKey()); key && !allZero(p.getKey())) put(d, "key", keyText(*key));
  if (p.hasSnode()) {
    auto sn = p.getSnode();
    if (auto key = fixed<32>(sn.getPublicKey()); key && !allZero(sn.getPublicKey())) {
      put(d, "snode", nodeName(sn.getVersion(), sn.getPath(), *key));
    }
  }
  if (p.getRpath() != 0) put(d, "rpath", crypto::labelToString(p.getRpath()));
  if (p.getLladdr().size() > 0) put(d, "lladdr", std::string(p.getLladdr()));
  return dictValue(std::move(d));
}

Value routerPongReply(proto::RouterPong::Reader p) {
  Dict d;
  const std::string result = p.getResult();
  if (result == "pong" && p.hasFrom()) {
    auto from = p.getFrom();
    if (auto key = fixed<32>(from.getPublicKey())) {
      put(d, "addr", nodeName(from.getVersion(), from.getPath(), *key));
      put(d, "from", crypto::ip6ToString(crypto::addressOf(*key)) + "@" + crypto::labelToString(from.getPath()));
    }
  }
  put(d, "deprecation", "from,protocol,version will soon be removed");
  put(d, "ms", std::int64_t{p.getMs()});
  if (result == "pong" && p.getProtocol() != 0) put(d, "protocol", std::int64_t{p.getProtocol()});
  put(d, "result", result);
  put(d, "version", "unknown");  // cjdns: a 20-byte git hash when the reply has one; ours never do
  return dictValue(std::move(d));
}

Value routerNodesReply(Handler h, proto::RouterNodes::Reader r) {
  const std::string listName = h == Handler::kRouterGetPeers ? "peers" : "nodes";
  Dict d;
  const std::string result = r.getResult();
  put(d, "result", result);
  if (result != "timeout") {
    List nodes;
    for (auto n : r.getNodes()) {
      auto key = fixed<32>(n.getPublicKey());
      if (!key) continue;
      nodes.push_back(text(nodeName(n.getVersion(), n.getPath(), *key)));
    }
    put(d, listName, Value(std::move(nodes)));
    if (r.getEncodingScheme().size() > 0) {
      if (auto scheme = schemeList(r.getEncodingScheme())) put(d, "encodingScheme", std::move(*scheme));
    }
  }
  put(d, "ms", std::int64_t{r.getMs()});
  put(d, "error", "none");
  return dictValue(std::move(d));
}

Value nodeInfoReply(proto::CoreInfo::Reader info, const NodeInfo& self) {
  auto key = fixed<32>(info.getPublicKey());
  auto scheme = schemeList(info.getEncodingScheme());
  if (!key || !scheme) return malformedAnswer();
  auto es = info.getEncodingScheme();
  Dict d;
  put(d, "compressedSchemeHex", util::toHex(std::span<const std::uint8_t>(es.begin(), es.size())));
  put(d, "encodingScheme", std::move(*scheme));
  put(d, "error", "none");
  put(d, "myAddr", nodeName(info.getProtocolVersion(), 1, *key));
  put(d, "myIp6", crypto::ip6ToString(crypto::addressOf(*key)));
  put(d, "version", std::int64_t{info.getProtocolVersion()});
  (void)self;
  return dictValue(std::move(d));
}

}  // namespace

Value errorReply(std::string t) {
  Dict d;
  put(d, "error", std::move(t));
  return dictValue(std::move(d));
}

PreparedCall prepareCall(Handler handler, const Dict& args, proto::AdminToCore::Builder req) {
  PreparedCall p;
  p.context.handler = handler;
  p.waitMs = kCoreAnswerMs;
  switch (handler) {
    case Handler::kNodeInfo: req.setNodeInfo(); break;
    case Handler::kExit: req.setExit(); break;
    case Handler::kPeerStats:
      p.context.page = pageArg(args);
      req.setPeerStats();
      break;
    case Handler::kInterfaces:
      p.context.page = pageArg(args);
      req.setInterfaces();
      break;
    case Handler::kDisconnectPeer:
    case Handler::kResetPeering: {
      const std::string* s = argString(args, "pubkey");
      if (s == nullptr && handler == Handler::kResetPeering) {
        req.setResetPeering(capnp::Data::Reader());
        break;
      }
      crypto::ParsedKey k = parseKey(s == nullptr ? std::string_view() : std::string_view(*s));
      if (!k.ok()) {
        Dict d;
        put(d, "error", "bad key");
        put(d, "success", 0);
        return now(dictValue(std::move(d)));
      }
      if (handler == Handler::kDisconnectPeer) {
        req.setDisconnectPeer(bytesOf(k.key));
      } else {
        req.setResetPeering(bytesOf(k.key));
      }
      break;
    }
    case Handler::kDumpTable:
      p.context.page = pageArg(args);
      req.setDumpTable();
      break;
    case Handler::kNodeForAddr: {
      const std::string* ip = argString(args, "ip");
      if (ip == nullptr) {
        req.setNodeForAddr(capnp::Data::Reader());
        break;
      }
      auto parsed = crypto::parseIp6(*ip);
      if (!parsed) return now(errorReply("parse_ip"));
      req.setNodeForAddr(bytesOf(*parsed));
      break;
    }
    case Handler::kGetHandles:
      p.context.page = pageArg(args);
      req.setGetHandles();
      break;
    case Handler::kSessionStats:
      // cjdns reads the handle into a uint32_t.
      req.setSessionStats(static_cast<std::uint32_t>(argInt(args, "handle").value_or(0)));
      break;
    case Handler::kSessionStatsByIp:
    case Handler::kResetSession: {
      const std::string* ip = argString(args, "ip6");
      auto parsed = ip == nullptr ? std::nullopt : crypto::parseIp6(*ip);
      if (!parsed) return now(errorReply("malformed_ip"));
      if (handler == Handler::kSessionStatsByIp) {
        req.setSessionStatsByIp(bytesOf(*parsed));
      } else {
        req.setResetSession(bytesOf(*parsed));
      }
      break;
    }
    case Handler::kPasswordAdd: {
      const std::string* password = argString(args, "password");
      const std::string* user = argString(args, "user");
      const std::string* ipv6 = argString(args, "ipv6");
      std::optional<crypto::Ip6> ip;
      if (ipv6 != nullptr) {
        ip = crypto::parseIp6(*ipv6);
        if (!ip) return now(errorReply("Invalid IPv6 Address"));
      }
      auto add = req.initPasswordAdd();
      add.setPassword(password == nullptr ? "" : *password);
      add.setUser(user == nullptr ? "" : *user);
      if (ip) add.setIpv6(bytesOf(*ip));
      break;
    }
    case Handler::kPasswordRemove: {
      const std::string* user = argString(args, "user");
      req.setPasswordRemove(user == nullptr ? "" : *user);
      break;
    }
    case Handler::kPasswordList:
      p.context.page = pageArg(args);
      req.setPasswordList();
      break;
    case Handler::kSwitchPing: {
      auto flag = [&](const char* k) { return argInt(args, k).value_or(0) != 0; };
      const std::string* path = argString(args, "path");
      // cjdns errors here are "Can only be one of keyPing, lladdr, OR snode"
      // and "path was not parsable.", but v21.1 and v22 both send them as an
      // empty string (captured: SwitchPinger_ping-unparsable-path).
      if (int(flag("keyPing")) + int(flag("lladdr")) + int(flag("snode")) > 1) return now(errorReply(""));
      auto label = path == nullptr ? std::nullopt : parseLabel19(*path);
      if (!label) return now(errorReply(""));
      auto ping = req.initSwitchPing();
      ping.setPath(*label);
      const std::uint32_t timeout = timeoutArg(args, kSwitchPingDefaultMs);
      ping.setTimeoutMs(timeout);
      if (const std::string* data = argString(args, "data")) {
        ping.setData(capnp::Data::Reader(reinterpret_cast<const std::uint8_t*>(data->data()), data->size()));
      }
      // lladdr, snode and rpath are HEAD (22.1+) arguments; v21.1 and v22
      // list only keyPing, but extra arguments are always accepted.
      if (flag("keyPing")) {
        ping.setKind(proto::SwitchPingKind::KEY_PING);
      } else if (flag("lladdr")) {
        ping.setKind(proto::SwitchPingKind::LLADDR);
      } else if (flag("snode")) {
        ping.setKind(proto::SwitchPingKind::GET_SNODE);
      } else if (flag("rpath")) {
        ping.setKind(proto::SwitchPingKind::RPATH);
      } else {
        ping.setKind(proto::SwitchPingKind::PING);
      }
      p.context.path = *path;
      p.async = true;
      p.waitMs = asyncWait(timeout);
      break;
    }
    case Handler::kRouterPing: {
      const std::string* path = argString(args, "path");
      auto target = path == nullptr ? std::nullopt : parseRouterTarget(*path);
      if (!target) return now(errorReply("parse_path"));
      auto ping = req.initRouterPing();
      if (target->isIp6) {
        ping.setIp6(bytesOf(target->ip6));
      } else {
        ping.setPath(target->path);
      }
      // 0: the core's own adaptive default, as cjdns RouterModule does.
      const std::uint32_t timeout = timeoutArg(args, 0);
      ping.setTimeoutMs(timeout);
      p.async = true;
      p.waitMs = asyncWait(timeout);
      break;
    }
    case Handler::kRouterGetPeers:
    case Handler::kRouterFindNode:
    case Handler::kRouterNextHop: {
      const bool getPeers = handler == Handler::kRouterGetPeers;
      const std::string* who = argString(args, getPeers ? "path" : "nodeToQuery");
      auto target = who == nullptr ? std::nullopt : parseRouterTarget(*who);
      if (!target) return now(errorReply("parse_path"));
      std::uint64_t nearby = 0;
      std::optional<crypto::Ip6> wanted;
      if (getPeers) {
        if (const std::string* n = argString(args, "nearbyPath")) {
          auto l = parseLabel19(*n);
          if (!l) return now(errorReply("parse_nearbyLabel"));
          nearby = *l;
        }
      } else {
        const std::string* t = argString(args, "target");
        // findNode wants the full 39-character form; nextHop any IPv6 text.
        if (t != nullptr && (handler == Handler::kRouterNextHop || t->size() == 39)) wanted = crypto::parseIp6(*t);
        if (!wanted) return now(errorReply("parse_target"));
      }
      auto q = req.initRouterQuery();
      q.setKind(getPeers ? proto::RouterQueryKind::GET_PEERS
                         : handler == Handler::kRouterFindNode ? proto::RouterQueryKind::FIND_NODE
                                                               : proto::RouterQueryKind::NEXT_HOP);
      if (target->isIp6) {
        q.setIp6(bytesOf(target->ip6));
      } else {
        q.setPath(target->path);
      }
      if (wanted) q.setTarget(bytesOf(*wanted));
      q.setNearbyPath(nearby);
      const std::uint32_t timeout = timeoutArg(args, 0);
      q.setTimeoutMs(timeout);
      p.async = true;
      p.waitMs = asyncWait(timeout);
      break;
    }
    case Handler::kRouterLookup: {
      const std::string* a = argString(args, "address");
      std::string_view s = a == nullptr ? std::string_view() : std::string_view(*a);
      auto lookupError = [](const char* e) {
        Dict d;
        put(d, "error", e);
        put(d, "result", "");
        return dictValue(std::move(d));
      };
      if (s.size() != 39) return now(lookupError("address wrong length"));
      auto ip = crypto::parseIp6(s);
      if (!ip) return now(lookupError("failed to parse address"));
      req.setLookup(bytesOf(*ip));
      break;
    }
    case Handler::kUdpNew: {
      const std::string* bind = argString(args, "bindAddress");
      auto hp = util::parseHostPort(bind == nullptr ? std::string_view("0.0.0.0") : std::string_view(*bind),
                                    util::PortRule::kOptional);
      if (!hp.ok()) return now(errorReply("Failed to parse address"));
      setSockAddr(req.initUdpNew(), hp.value());
      break;
    }
    case Handler::kUdpBeginConnection: {
      const std::string* key = argString(args, "publicKey");
      const std::string* address = argString(args, "address");
      crypto::ParsedKey k = parseKey(key == nullptr ? std::string_view() : std::string_view(*key));
      if (!k.ok()) return now(errorReply(keyError(k.error)));
      auto hp = address == nullptr ? util::Result<util::HostPort>(util::Error{"no address", {}, {}})
                                   : util::parseHostPort(*address, util::PortRule::kRequired);
      if (!hp.ok()) return now(errorReply("unable to parse ip address and port."));
      util::HostPort where = hp.value();
      // An unspecified address means this host (cjdns: loopback).
      if (std::all_of(where.ip.begin(), where.ip.begin() + static_cast<long>(where.ipLength()),
                      [](std::uint8_t b) { return b == 0; })) {
        if (where.isIpv6) {
          where.ip[15] = 1;
        } else {
          where.ip[0] = 127;
          where.ip[3] = 1;
        }
      }
      auto c = req.initUdpBeginConnection();
      c.setInterfaceNumber(static_cast<std::uint32_t>(argInt(args, "interfaceNumber").value_or(0)));
      setSockAddr(c.initAddress(), where);
      auto peer = c.initPeer();
      auto str = [&](const char* n) {
        const std::string* v = argString(args, n);
        return v == nullptr ? std::string() : *v;
      };
      peer.setPassword(str("password"));
      peer.setPublicKey(bytesOf(k.key));
      peer.setLogin(str("login"));
      peer.setPeerName(str("peerName"));
      // cjdns Version_DEFAULT_ASSUMPTION when the caller gives none.
      peer.setVersion(static_cast<std::uint32_t>(argInt(args, "version").value_or(20)));
      break;
    }
    case Handler::kMemory: req.setMemory(); break;
    case Handler::kCheckPermissions: req.setCheckPermissions(); break;
    default: return now(errorReply(kNotImplementedError));
  }
  return p;
}

Value formatAnswer(const CallContext& ctx, proto::CoreToAdmin::Reader a, const NodeInfo& self) {
  using W = proto::CoreToAdmin;
  const Handler h = ctx.handler;
  if (a.which() == W::ERROR) {
    std::string e = a.getError();
    if (h == Handler::kDisconnectPeer || h == Handler::kResetPeering) {
      Dict d;
      put(d, "error", std::move(e));
      put(d, "success", 0);
      return dictValue(std::move(d));
    }
    return errorReply(std::move(e));
  }
  switch (h) {
    case Handler::kNodeInfo:
      if (a.which() == W::INFO) return nodeInfoReply(a.getInfo(), self);
      break;
    case Handler::kExit:
    case Handler::kResetSession:
    case Handler::kPasswordAdd:
    case Handler::kPasswordRemove:
    case Handler::kUdpBeginConnection:
      if (a.which() == W::DONE) return errorReply("none");
      break;
    case Handler::kDisconnectPeer:
    case Handler::kResetPeering:
      if (a.which() == W::DONE) {
        Dict d;
        put(d, "success", 1);
        return dictValue(std::move(d));
      }
      break;
    case Handler::kPeerStats:
      if (a.which() == W::PEERS) return peerStatsReply(ctx.page, a.getPeers());
      break;
    case Handler::kInterfaces:
      if (a.which() == W::INTERFACES) return interfacesReply(ctx.page, a.getInterfaces());
      break;
    case Handler::kDumpTable:
      if (a.which() == W::NODES) return dumpTableReply(ctx.page, a.getNodes());
      break;
    case Handler::kNodeForAddr:
      if (a.which() == W::NODE_DETAIL) return nodeDetailReply(a.getNodeDetail());
      break;
    case Handler::kGetHandles:
      if (a.which() == W::HANDLES) return handlesReply(ctx.page, a.getHandles());
      break;
    case Handler::kSessionStats:
    case Handler::kSessionStatsByIp:
      if (a.which() == W::SESSION) return sessionReply(a.getSession());
      break;
    case Handler::kPasswordList:
      if (a.which() == W::USERS) return usersReply(ctx.page, a.getUsers());
      break;
    case Handler::kSwitchPing:
      if (a.which() == W::SWITCH_PONG) return switchPongReply(ctx.path, a.getSwitchPong());
      break;
    case Handler::kRouterPing:
      if (a.which() == W::ROUTER_PONG) return routerPongReply(a.getRouterPong());
      break;
    case Handler::kRouterGetPeers:
    case Handler::kRouterFindNode:
    case Handler::kRouterNextHop:
      if (a.which() == W::ROUTER_NODES) return routerNodesReply(h, a.getRouterNodes());
      break;
    case Handler::kRouterLookup:
      if (a.which() == W::TEXT) {
        Dict d;
        put(d, "error", "none");
        put(d, "result", std::string(a.getText()));
        return dictValue(std::move(d));
      }
      break;
    case Handler::kUdpNew:
      if (a.which() == W::UDP_INTERFACE) {
        auto u = a.getUdpInterface();
        Dict d;
        put(d, "bindAddress", std::string(u.getBindAddress()));
        put(d, "error", "none");
        put(d, "interfaceNumber", std::int64_t{u.getInterfaceNumber()});
        return dictValue(std::move(d));
      }
      break;
    case Handler::kMemory:
      if (a.which() == W::NUMBER) {
        Dict d;
        put(d, "bytes", a.getNumber());
        return dictValue(std::move(d));
      }
      break;
    case Handler::kCheckPermissions:
      if (a.which() == W::PERMISSIONS) {
        auto perm = a.getPermissions();
        Dict d;
        put(d, "error", "none");
        put(d, "noOpenFiles", std::int64_t{perm.getNoOpenFiles() ? 1 : 0});
        put(d, "userId", std::int64_t{perm.getUserId()});
        return dictValue(std::move(d));
      }
      break;
    default: break;
  }
  return unexpectedAnswer();
}

}  // namespace cjdns::admin
