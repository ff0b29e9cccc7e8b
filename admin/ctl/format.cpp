#include "admin/ctl/format.h"

#include <algorithm>
#include <cstdio>

#include "core/crypto/address.h"
#include "core/crypto/keys.h"
#include "core/util/json-writer.h"

namespace cjdns::admin::ctl {
namespace {

using util::Dict;
using util::Value;

const Value* get(const Dict& d, const char* key) { return d.find(key); }

std::string text(const Dict& d, const char* key) { return plainText(get(d, key)); }

/// Number(x) !== 0 in the tools: absent, 0 and "0" are zero.
bool nonZero(const Value* v) {
  if (v == nullptr) return false;
  if (v->isInt()) return v->asInt() != 0;
  if (v->isString()) {
    const std::string& s = v->asString();
    return !s.empty() && s.find_first_not_of('0') != std::string::npos;
  }
  return true;
}

void writeJson(std::string& out, const Value& v, bool pretty, int level) {
  auto newline = [&](int l) {
    if (!pretty) return;
    out += '\n';
    out.append(static_cast<std::size_t>(l) * 2, ' ');
  };
  switch (v.type()) {
    case Value::Type::kInt: out += std::to_string(v.asInt()); return;
    case Value::Type::kString: out += util::jsonQuote(v.asString()); return;
    case Value::Type::kList: {
      const auto& l = v.asList();
      out += '[';
      for (std::size_t i = 0; i < l.size(); ++i) {
        if (i) out += ',';
        newline(level + 1);
        writeJson(out, l[i], pretty, level + 1);
      }
      if (!l.empty()) newline(level);
      out += ']';
      return;
    }
    case Value::Type::kDict: {
      const auto& e = v.asDict().entries();
      out += '{';
      for (std::size_t i = 0; i < e.size(); ++i) {
        if (i) out += ',';
        newline(level + 1);
        out += util::jsonQuote(e[i].first);
        out += pretty ? ": " : ":";
        writeJson(out, e[i].second, pretty, level + 1);
      }
      if (!e.empty()) newline(level);
      out += '}';
      return;
    }
  }
}

/// The 24 bits the dumptable tool compares: hex digits 20-26 of the full-form
/// address without the colon, i.e. bytes 8, 9 and 10.
std::uint32_t bucketBits(const crypto::Ip6& ip) {
  return (std::uint32_t{ip[8]} << 16) | (std::uint32_t{ip[9]} << 8) | ip[10];
}

int distance(std::uint32_t mine, std::uint32_t theirs) {
  int out = 0;
  for (int i = 23; i >= 0; --i) {
    if ((mine >> i) != (theirs >> i)) return out;
    ++out;
  }
  return 127;
}

std::optional<crypto::Ip6> nodeIp(const std::string& name) {
  auto k = name.size() >= 54 ? name.substr(name.size() - 54) : name;
  auto key = crypto::parsePublicKey(k, crypto::TrailingText::kReject);
  if (!key.ok()) return std::nullopt;
  return key.address;
}

/// The path column the tool sorts by: `path`, else the label inside addr.
std::string pathOf(const Dict& node) {
  if (const Value* p = get(node, "path"); p != nullptr && p->isString()) return p->asString();
  if (const Value* a = get(node, "addr"); a != nullptr && a->isString()) {
    if (auto n = crypto::parseNodeName(a->asString())) return crypto::labelToString(n->label);
  }
  return "";
}

}  // namespace

std::string plainText(const Value* v) {
  if (v == nullptr) return "undefined";
  if (v->isInt()) return std::to_string(v->asInt());
  if (v->isString()) return v->asString();
  return toJson(*v, false);
}

std::string ip6OfNode(const std::string& name) {
  auto ip = nodeIp(name);
  return ip ? crypto::ip6ToString(*ip) : "";
}

std::string withIp6(const std::string& name) {
  if (name.size() < 54) return name;
  std::string ip = ip6OfNode(name);
  if (ip.empty()) return name;
  return name.substr(0, name.size() - 54) + ip;
}

std::string formatPeerLine(const Dict& peer, bool ip6) {
  std::string addr = text(peer, "addr");
  if (ip6) addr = withIp6(addr);
  std::string line = text(peer, "lladdr") + " " + addr + " " + text(peer, "state") + " in " +
                     text(peer, "recvKbps") + "kb/s out " + text(peer, "sendKbps") + "kb/s";
  if (nonZero(get(peer, "duplicates"))) line += "  DUP " + text(peer, "duplicates");
  if (nonZero(get(peer, "lostPackets"))) line += "  LOS " + text(peer, "lostPackets");
  if (nonZero(get(peer, "receivedOutOfRange"))) line += "  OOR " + text(peer, "receivedOutOfRange");
  if (const Value* u = get(peer, "user"); u != nullptr && u->isString()) line += " \"" + u->asString() + "\"";
  return line;
}

std::string formatDumpTable(std::vector<Dict> nodes, const Value* count, const Value* peers) {
  std::string out =
      "ver       path                               addr                            bucket metric lastPinged\n";
  std::stable_sort(nodes.begin(), nodes.end(), [](const Dict& a, const Dict& b) { return pathOf(a) < pathOf(b); });
  std::optional<crypto::Ip6> mine;
  if (!nodes.empty()) mine = nodeIp(text(nodes.front(), "addr"));
  for (const Dict& n : nodes) {
    std::string addr = text(n, "addr");
    std::string dist = "?";
    auto theirs = nodeIp(addr);
    if (mine && theirs) dist = std::to_string(distance(bucketBits(*mine), bucketBits(*theirs)));
    out += addr + " " + dist + " " + text(n, "link") + " " + text(n, "time") + "\n";
  }
  out += plainText(count) + " nodes " + plainText(peers) + " peers\n";
  return out;
}

std::string formatSessions(std::vector<Dict> sessions, bool ip6) {
  if (sessions.empty()) return "No active sessions\n";
  auto sortKey = [](const Dict& s) {
    std::string a = text(s, "addr");
    auto dot = a.find('.');
    return dot == std::string::npos ? a : a.substr(dot);
  };
  std::stable_sort(sessions.begin(), sessions.end(),
                   [&](const Dict& a, const Dict& b) { return sortKey(a) < sortKey(b); });
  std::string out;
  for (const Dict& s : sessions) {
    std::string state = text(s, "state");
    if (auto at = state.find("CryptoAuth_"); at != std::string::npos) state.erase(at, 11);
    while (state.size() < 11) state += ' ';
    std::string addr = text(s, "addr");
    if (ip6) addr = withIp6(addr);
    std::string metric = text(s, "metric");
    if (const Value* m = get(s, "metric"); m != nullptr && m->isInt()) {
      char buf[24];
      std::snprintf(buf, sizeof buf, "%llx", static_cast<unsigned long long>(m->asInt()));
      metric = buf;
    }
    std::string line = addr + " " + state + " " + text(s, "handle") + " " + text(s, "sendHandle") + " " + metric;
    if (nonZero(get(s, "duplicates"))) line += "  DUP  " + text(s, "duplicates");
    if (nonZero(get(s, "lostPackets"))) line += "  LOS  " + text(s, "lostPackets");
    if (nonZero(get(s, "receivedOutOfRange"))) line += "  OOR  " + text(s, "receivedOutOfRange");
    if (nonZero(get(s, "timeOfLastUsage"))) line += " USE";
    out += line + "\n";
  }
  return out;
}

std::string formatRouterPing(const Dict& reply, std::int64_t unixTime) {
  std::string t = std::to_string(unixTime);
  const Value* result = get(reply, "result");
  std::string r = result != nullptr && result->isString() ? result->asString() : "";
  if (r == "timeout") return t + " timeout  p" + text(reply, "version") + " " + text(reply, "ms") + "ms";
  if (r == "pong") return t + " " + text(reply, "addr") + " " + text(reply, "ms") + "ms";
  if (const Value* e = get(reply, "error"); e != nullptr && e->isString() && e->asString() == "not_found") {
    return t + " No route to host";
  }
  return t + " " + toJson(Value(reply), false);
}

std::string formatSwitchPing(const Dict& reply, std::int64_t unixTime) {
  std::string out = std::to_string(unixTime) + " switchPing ";
  const Value* result = get(reply, "result");
  std::string r = result != nullptr && result->isString() ? result->asString() : "";
  if (r == "timeout") return out + "timeout " + text(reply, "ms") + "ms";
  if (r == "pong") {
    out += text(reply, "path") + "  p" + text(reply, "version") + " " + text(reply, "ms") + "ms";
    if (const Value* k = get(reply, "key"); k != nullptr && k->isString() && !k->asString().empty()) {
      out += " " + k->asString();
    }
    return out;
  }
  return out + toJson(Value(reply), false);
}

std::string toJson(const Value& v, bool pretty) {
  std::string out;
  writeJson(out, v, pretty, 0);
  return out;
}

}  // namespace cjdns::admin::ctl
