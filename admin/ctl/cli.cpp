#include "admin/ctl/cli.h"

#include <poll.h>

#include <algorithm>
#include <cctype>
#include <cstdio>
#include <chrono>
#include <cmath>
#include <ctime>
#include <map>
#include <ostream>
#include <set>

#include "admin/ctl/format.h"
#include "core/crypto/address.h"
#include "core/crypto/keys.h"
#include "core/util/host-port.h"
#include "core/util/json-reader.h"

namespace cjdns::admin::ctl {
namespace {

using util::Dict;
using util::List;
using util::Value;

util::Error usage(std::string message) { return util::Error{std::move(message), {}, ""}; }

Value str(std::string s) { return Value(std::move(s)); }
Value num(std::int64_t i) { return Value(i); }

// ---------------------------------------------------------------- parsing

const std::set<std::string> kCommands = {"peers", "ping", "traceroute", "dumptable", "sessions", "addpeer",
                                         "passwords", "info", "call", "functions", "help"};

/// Options each command accepts besides the global ones; a trailing '=' means
/// the option takes a value.
const std::map<std::string, std::vector<std::string>> kCommandOptions = {
    {"peers", {"-6"}},
    {"sessions", {"-6"}},
    {"ping", {"-c=", "-i=", "-W=", "-s", "-k", "-r"}},
    {"traceroute", {"-m=", "-W="}},
    {"addpeer", {"--login=", "--name=", "--iface="}},
    {"passwords", {"--ipv6="}},
};
const std::vector<std::string> kGlobalOptions = {"--admin=", "--password=", "--adminfile=", "--config=",
                                                 "--timeout=", "--json", "-v", "--verbose", "-h", "--help",
                                                 "--version"};

std::optional<std::int64_t> parseInt(const std::string& s) {
  if (s.empty() || s.size() > 19) return std::nullopt;
  std::size_t i = s[0] == '-' ? 1 : 0;
  if (i == s.size()) return std::nullopt;
  std::int64_t v = 0;
  for (; i < s.size(); ++i) {
    if (s[i] < '0' || s[i] > '9') return std::nullopt;
    v = v * 10 + (s[i] - '0');
  }
  return s[0] == '-' ? -v : v;
}

/// Seconds, possibly fractional ("0.2"), into milliseconds.
std::optional<int> parseSeconds(const std::string& s) {
  if (s.empty() || s.size() > 12 || s.find_first_not_of("0123456789.") != std::string::npos ||
      std::count(s.begin(), s.end(), '.') > 1 || s == ".") {
    return std::nullopt;
  }
  double v = std::stod(s);
  if (v > 86400) return std::nullopt;
  return static_cast<int>(std::lround(v * 1000));
}

bool takesValue(const std::vector<std::string>& allowed, const std::string& name, bool& known) {
  for (const auto& a : allowed) {
    if (a == name) {
      known = true;
      return false;
    }
    if (a == name + "=") {
      known = true;
      return true;
    }
  }
  return false;
}

std::optional<util::Error> applyOption(Options& o, const std::string& name, const std::string& value) {
  auto positive = [&](std::int64_t max) -> std::optional<std::int64_t> {
    auto v = parseInt(value);
    if (!v || *v < 1 || *v > max) return std::nullopt;
    return v;
  };
  if (name == "--admin") {
    o.admin = value;
  } else if (name == "--password") {
    o.password = value;
  } else if (name == "--adminfile") {
    o.adminFile = value;
  } else if (name == "--config") {
    o.config = value;
  } else if (name == "--timeout") {
    auto ms = parseSeconds(value);
    if (!ms || *ms < 1) return usage("--timeout wants seconds (such as 3 or 0.5), got \"" + value + "\"");
    o.timeoutMs = *ms;
  } else if (name == "--json") {
    o.json = true;
  } else if (name == "-v" || name == "--verbose") {
    o.verbose = true;
  } else if (name == "-h" || name == "--help") {
    o.help = true;
  } else if (name == "--version") {
    o.version = true;
  } else if (name == "-6") {
    o.ip6 = true;
  } else if (name == "-c") {
    auto v = positive(1000000000);
    if (!v) return usage("-c wants a count of at least 1, got \"" + value + "\"");
    o.count = *v;
  } else if (name == "-i") {
    auto ms = parseSeconds(value);
    if (!ms) return usage("-i wants seconds (such as 1 or 0.2), got \"" + value + "\"");
    o.intervalMs = *ms;
  } else if (name == "-W") {
    auto ms = parseSeconds(value);
    if (!ms || *ms < 1 || *ms > 600000) return usage("-W wants seconds (such as 5), got \"" + value + "\"");
    o.waitMs = *ms;
  } else if (name == "-s") {
    o.switchPing = true;
  } else if (name == "-k") {
    o.keyPing = true;
  } else if (name == "-r") {
    o.routerPing = true;
  } else if (name == "-m") {
    auto v = positive(255);
    if (!v) return usage("-m wants a hop count from 1 to 255, got \"" + value + "\"");
    o.maxHops = static_cast<int>(*v);
  } else if (name == "--login") {
    o.login = value;
  } else if (name == "--name") {
    o.peerName = value;
  } else if (name == "--ipv6") {
    o.ipv6 = value;
  } else if (name == "--iface") {
    auto v = parseInt(value);
    if (!v || *v < 0 || *v > 65535) return usage("--iface wants an interface number, got \"" + value + "\"");
    o.iface = *v;
  }
  return std::nullopt;
}

// ---------------------------------------------------------------- helpers

int exitFor(const CallResult& r) {
  switch (r.failure) {
    case Failure::kNone: return kExitOk;
    case Failure::kNode: return kExitNodeError;
    case Failure::kUnreachable: return kExitUnreachable;
    case Failure::kInterrupted: return kExitNodeError;
  }
  return kExitNodeError;
}

class Runner {
 public:
  Runner(const Options& o, AdminClient& c, const AdminTarget& t, std::ostream& out, std::ostream& err,
         const volatile int* interrupted)
      : o_(o), c_(c), t_(t), out_(out), err_(err), interrupted_(interrupted) {}

  int run();

 private:
  int fail(const std::string& what, const CallResult& r) {
    err_ << "cjdnsctl: " << what << ": " << r.message;
    if (r.failure == Failure::kNode && r.message == "Auth failed.") {
      err_ << " (the node refused the admin password from " << t_.passwordSource
           << "; set it with --password, CJDNS_ADMIN_PASSWORD or ~/.cjdnsadmin)";
    } else if (r.failure == Failure::kNode && r.message.starts_with("No functions matched")) {
      err_ << " (this node has no " << what << ", or it needs the admin password)";
    }
    err_ << "\n";
    return exitFor(r);
  }
  int usageFail(const std::string& message) {
    err_ << "cjdnsctl " << o_.command << ": " << message << " (try cjdnsctl " << o_.command << " --help)\n";
    return kExitUsage;
  }
  bool interrupted() const { return interrupted_ != nullptr && *interrupted_ != 0; }
  void printJson(const Value& v) { out_ << toJson(v, true) << "\n"; }

  CallResult peerStats(List& peers, Value& total);
  int peers();
  int dumptable();
  int sessions();
  int ping();
  int traceroute();
  int addpeer();
  int passwords();
  int info();
  int call();
  int functions();

  const Options& o_;
  AdminClient& c_;
  const AdminTarget& t_;
  std::ostream& out_;
  std::ostream& err_;
  const volatile int* interrupted_;
};

int Runner::run() {
  const std::string& cmd = o_.command;
  if (cmd == "peers") return peers();
  if (cmd == "dumptable") return dumptable();
  if (cmd == "sessions") return sessions();
  if (cmd == "ping") return ping();
  if (cmd == "traceroute") return traceroute();
  if (cmd == "addpeer") return addpeer();
  if (cmd == "passwords") return passwords();
  if (cmd == "info") return info();
  if (cmd == "call") return call();
  if (cmd == "functions") return functions();
  err_ << "cjdnsctl: unknown command \"" << cmd << "\" (try cjdnsctl --help)\n";
  return kExitUsage;
}

CallResult Runner::peerStats(List& peers, Value& total) {
  // Anonymous, as tools/peerStats and cjdnstool do: peerStats needs no
  // password, so the list shows even when the configured password is wrong.
  for (Auth auth : {Auth::kAnonymous, Auth::kAuth}) {
    peers.clear();
    CallResult r = c_.callPaged("InterfaceController_peerStats", {}, auth, [&](const Dict& page) {
      if (const Value* p = page.find("peers"); p != nullptr && p->isList()) {
        for (const Value& v : p->asList()) peers.push_back(v);
      }
      if (const Value* t = page.find("total")) total = *t;
    });
    if (r.failure == Failure::kNode && r.message.starts_with("No functions matched") && auth == Auth::kAnonymous) {
      continue;
    }
    return r;
  }
  return {};
}

int Runner::peers() {
  if (!o_.args.empty()) return usageFail("unexpected argument \"" + o_.args[0] + "\"");
  List peers;
  Value total(std::int64_t{0});
  CallResult r = peerStats(peers, total);
  if (!r.ok()) return fail("InterfaceController_peerStats", r);
  if (o_.json) {
    Dict d;
    d.add("peers", Value(peers));
    d.add("total", total);
    printJson(Value(std::move(d)));
    return kExitOk;
  }
  for (const Value& p : peers) {
    if (p.isDict()) out_ << formatPeerLine(p.asDict(), o_.ip6) << "\n";
  }
  return kExitOk;
}

int Runner::dumptable() {
  if (!o_.args.empty()) return usageFail("unexpected argument \"" + o_.args[0] + "\"");
  List table;
  Value count(std::int64_t{0});
  Value peers(std::int64_t{0});
  CallResult r = c_.callPaged("NodeStore_dumpTable", {}, Auth::kAuth, [&](const Dict& page) {
    if (const Value* t = page.find("routingTable"); t != nullptr && t->isList()) {
      for (const Value& v : t->asList()) table.push_back(v);
    }
    if (const Value* v = page.find("count")) count = *v;
    if (const Value* v = page.find("peers")) peers = *v;
  });
  if (!r.ok()) return fail("NodeStore_dumpTable", r);
  if (o_.json) {
    Dict d;
    d.add("routingTable", Value(table));
    d.add("count", count);
    d.add("peers", peers);
    printJson(Value(std::move(d)));
    return kExitOk;
  }
  std::vector<Dict> nodes;
  for (const Value& v : table) {
    if (v.isDict()) nodes.push_back(v.asDict());
  }
  out_ << formatDumpTable(std::move(nodes), &count, &peers);
  return kExitOk;
}

int Runner::sessions() {
  if (!o_.args.empty()) return usageFail("unexpected argument \"" + o_.args[0] + "\"");
  std::vector<std::int64_t> handles;
  CallResult r = c_.callPaged("SessionManager_getHandles", {}, Auth::kAuth, [&](const Dict& page) {
    if (const Value* h = page.find("handles"); h != nullptr && h->isList()) {
      for (const Value& v : h->asList()) {
        if (v.isInt()) handles.push_back(v.asInt());
      }
    }
  });
  if (!r.ok()) return fail("SessionManager_getHandles", r);
  std::vector<Dict> stats;
  for (std::int64_t h : handles) {
    Dict args;
    args.add("handle", num(h));
    CallResult s = c_.call("SessionManager_sessionStats", args);
    // A session can end between the two calls; the node then says so.
    if (s.failure == Failure::kNode && s.message == "no such session") continue;
    if (!s.ok()) return fail("SessionManager_sessionStats", s);
    stats.push_back(std::move(s.reply));
  }
  if (o_.json) {
    List l;
    for (const Dict& d : stats) l.push_back(Value(d));
    Dict d;
    d.add("sessions", Value(std::move(l)));
    printJson(Value(std::move(d)));
    return kExitOk;
  }
  out_ << formatSessions(std::move(stats), o_.ip6);
  return kExitOk;
}

/// Waits ms unless interrupted (poll with no descriptors returns on EINTR).
void pause(int ms, const volatile int* interrupted) {
  using Clock = std::chrono::steady_clock;
  auto end = Clock::now() + std::chrono::milliseconds(ms);
  while (interrupted == nullptr || *interrupted == 0) {
    auto left = std::chrono::duration_cast<std::chrono::milliseconds>(end - Clock::now()).count();
    if (left <= 0) return;
    ::poll(nullptr, 0, static_cast<int>(left));
  }
}

std::int64_t unixNow() { return static_cast<std::int64_t>(std::time(nullptr)); }

int Runner::ping() {
  if (o_.args.size() != 1) return usageFail("wants one target: an IPv6 address, a switch label or a node address");
  const std::string& target = o_.args[0];
  const bool isLabel = crypto::parseLabel(target).has_value();
  std::string path;
  if (isLabel) {
    path = target;
  } else if (crypto::parseNodeName(target)) {
    path = target;
  } else if (auto ip = crypto::parseIp6(target)) {
    path = crypto::ip6ToString(*ip);
  } else {
    return usageFail("\"" + target +
                     "\" is not an IPv6 address, a switch label (0000.0000.0000.0013) or a node address "
                     "(v21.0000.0000.0000.0013.<key>.k); names are not resolved");
  }
  const bool switchMode = o_.switchPing || o_.keyPing || (isLabel && !o_.routerPing);
  if (switchMode && !isLabel) return usageFail("-s and -k ping a switch label, not \"" + target + "\"");
  if (o_.routerPing && (o_.switchPing || o_.keyPing)) return usageFail("-r and -s/-k exclude each other");
  const char* function = switchMode ? "SwitchPinger_ping" : "RouterModule_pingNode";

  std::int64_t sent = 0, received = 0;
  std::vector<double> rtts;
  List replies;
  int exitCode = kExitOk;
  while (!interrupted() && (!o_.count || sent < *o_.count)) {
    auto started = std::chrono::steady_clock::now();
    Dict args;
    args.add("path", str(path));
    args.add("timeout", num(o_.waitMs));
    if (o_.keyPing) args.add("keyPing", num(1));
    ++sent;
    CallResult r = c_.call(function, args, Auth::kAuth, o_.waitMs + o_.timeoutMs);
    if (r.failure == Failure::kInterrupted) {
      --sent;
      break;
    }
    if (r.failure == Failure::kUnreachable) {
      fail(function, r);
      exitCode = kExitUnreachable;
      break;
    }
    if (r.failure == Failure::kNode && r.message != "not_found") {
      // Auth failed., a path the node cannot parse, ...: no ping happened.
      fail(function, r);
      if (o_.json) replies.push_back(Value(r.reply));
      exitCode = kExitNodeError;
      break;
    }
    const Value* result = r.reply.find("result");
    const bool pong = result != nullptr && result->isString() && result->asString() == "pong";
    if (pong) {
      ++received;
      if (const Value* ms = r.reply.find("ms"); ms != nullptr && ms->isInt()) {
        rtts.push_back(static_cast<double>(ms->asInt()));
      }
    }
    if (o_.json) {
      replies.push_back(Value(r.reply));
    } else {
      out_ << (switchMode ? formatSwitchPing(r.reply, unixNow()) : formatRouterPing(r.reply, unixNow())) << "\n";
      out_.flush();
    }
    if (result == nullptr) {
      // not_found (no route), or an answer without a result: the next ping
      // would say the same.
      exitCode = kExitNodeError;
      break;
    }
    if (!o_.count || sent < *o_.count) {
      auto spent = std::chrono::duration_cast<std::chrono::milliseconds>(std::chrono::steady_clock::now() - started)
                       .count();
      if (spent < o_.intervalMs) pause(o_.intervalMs - static_cast<int>(spent), interrupted_);
    }
  }
  if (exitCode == kExitOk && received == 0) exitCode = kExitNodeError;
  const std::int64_t lossPercent = sent == 0 ? 0 : (sent - received) * 100 / sent;
  double mn = 0, mx = 0, avg = 0;
  if (!rtts.empty()) {
    mn = *std::min_element(rtts.begin(), rtts.end());
    mx = *std::max_element(rtts.begin(), rtts.end());
    for (double v : rtts) avg += v;
    avg /= static_cast<double>(rtts.size());
  }
  if (o_.json) {
    Dict d;
    d.add("target", str(target));
    d.add("function", str(function));
    d.add("replies", Value(std::move(replies)));
    d.add("sent", num(sent));
    d.add("received", num(received));
    d.add("lossPercent", num(lossPercent));
    if (!rtts.empty()) {
      d.add("minMs", num(static_cast<std::int64_t>(mn)));
      d.add("avgMs", num(std::llround(avg)));
      d.add("maxMs", num(static_cast<std::int64_t>(mx)));
    }
    printJson(Value(std::move(d)));
    return exitCode;
  }
  if (sent > 0) {
    out_ << "--- " << target << " ping statistics ---\n"
         << sent << " sent, " << received << " received, " << lossPercent << "% loss";
    if (!rtts.empty()) {
      char buf[96];
      std::snprintf(buf, sizeof buf, ", time min/avg/max = %.0f/%.1f/%.0f ms", mn, avg, mx);
      out_ << buf;
    }
    out_ << "\n";
  }
  return exitCode;
}

int Runner::traceroute() {
  if (o_.args.size() != 1) return usageFail("wants one target: an IPv6 address or a node address");
  const std::string& arg = o_.args[0];
  std::string target;
  if (auto ip = crypto::parseIp6(arg)) {
    target = crypto::ip6ToString(*ip);
  } else if (std::string ip6 = ip6OfNode(arg); !ip6.empty() && crypto::parseNodeName(arg)) {
    target = ip6;
  } else {
    return usageFail("\"" + arg + "\" is not an IPv6 address or a node address; names are not resolved");
  }
  // Where the walk starts: ourselves, as Core_nodeInfo names us (label 1).
  CallResult self = c_.call("Core_nodeInfo", {});
  if (!self.ok()) return fail("Core_nodeInfo", self);
  const Value* myAddr = self.reply.find("myAddr");
  if (myAddr == nullptr || !myAddr->isString()) {
    err_ << "cjdnsctl: Core_nodeInfo gave no myAddr\n";
    return kExitNodeError;
  }
  if (!o_.json) out_ << "traceroute to " << target << ", at most " << o_.maxHops << " hops\n";
  List hops;
  std::string query = myAddr->asString();
  std::string outcome = "max-hops";
  int exitCode = kExitNodeError;
  for (int hop = 0; hop <= o_.maxHops && !interrupted(); ++hop) {
    Dict args;
    args.add("nodeToQuery", str(query));
    args.add("target", str(target));
    args.add("timeout", num(o_.waitMs));
    CallResult r = c_.call("RouterModule_nextHop", args, Auth::kAuth, o_.waitMs + o_.timeoutMs);
    if (r.failure == Failure::kUnreachable || r.failure == Failure::kInterrupted) return fail("RouterModule_nextHop", r);
    Dict h;
    h.add("hop", num(hop));
    h.add("node", str(query));
    h.add("ip6", str(ip6OfNode(query)));
    const Value* ms = r.reply.find("ms");
    if (ms != nullptr) h.add("ms", *ms);
    const Value* result = r.reply.find("result");
    std::string line = (hop < 10 ? " " : "") + std::to_string(hop) + "  " + query;
    std::string next;
    if (const Value* nodes = r.reply.find("nodes"); nodes != nullptr && nodes->isList() && !nodes->asList().empty() &&
                                                    nodes->asList()[0].isString()) {
      next = nodes->asList()[0].asString();
    }
    if (!r.ok()) {
      line += "  error: " + r.message;
      outcome = "error: " + r.message;
    } else if (result != nullptr && result->isString() && result->asString() == "timeout") {
      line += "  timeout";
      outcome = "timeout";
    } else {
      line += "  " + plainText(ms) + "ms";
    }
    if (!o_.json) out_ << line << "\n";
    out_.flush();
    hops.push_back(Value(std::move(h)));
    if (!r.ok() || outcome == "timeout") break;
    if (ip6OfNode(query) == target) {
      outcome = "reached";
      exitCode = kExitOk;
      break;
    }
    if (next.empty()) {
      outcome = "cornered";
      if (!o_.json) out_ << "cornered: " << query << " knows no node closer to " << target << "\n";
      break;
    }
    if (next == query) {
      outcome = "cornered";
      if (!o_.json) out_ << "cornered: " << query << " says it is itself the closest node to " << target << "\n";
      break;
    }
    query = next;
  }
  if (o_.json) {
    Dict d;
    d.add("target", str(target));
    d.add("hops", Value(std::move(hops)));
    d.add("outcome", str(outcome));
    printJson(Value(std::move(d)));
  } else if (outcome == "reached") {
    out_ << "reached " << target << "\n";
  } else if (outcome == "max-hops") {
    out_ << "gave up after " << o_.maxHops << " hops\n";
  }
  return exitCode;
}

int Runner::addpeer() {
  if (o_.args.size() != 3) return usageFail("wants <ip:port> <publicKey> <password>");
  auto hp = util::parseHostPort(o_.args[0]);
  if (!hp.ok()) return usageFail("bad peer address \"" + o_.args[0] + "\": " + hp.error().message);
  auto key = crypto::parsePublicKey(o_.args[1]);
  if (!key.ok()) return usageFail("bad public key \"" + o_.args[1] + "\": " + crypto::describe(key.error));
  Dict args;
  args.add("address", str(o_.args[0]));
  args.add("publicKey", str(o_.args[1]));
  args.add("password", str(o_.args[2]));
  if (o_.login) args.add("login", str(*o_.login));
  if (o_.peerName) args.add("peerName", str(*o_.peerName));
  if (o_.iface) args.add("interfaceNumber", num(*o_.iface));
  CallResult r = c_.call("UDPInterface_beginConnection", args);
  if (o_.json && r.failure != Failure::kUnreachable) printJson(Value(r.reply));
  if (!r.ok()) return fail("UDPInterface_beginConnection", r);
  if (!o_.json) {
    out_ << "connecting to " << o_.args[0] << " (" << ip6OfNode(o_.args[1]) << "); see cjdnsctl peers\n";
  }
  return kExitOk;
}

int Runner::passwords() {
  if (o_.args.empty()) return usageFail("wants list, add or remove");
  const std::string& sub = o_.args[0];
  if (o_.ipv6 && sub != "add") return usageFail("--ipv6 goes with passwords add");
  if (sub == "list") {
    if (o_.args.size() != 1) return usageFail("list takes no argument");
    // The node gives `total` and pages of 16 users, never `more`.
    List users;
    std::int64_t total = -1;
    for (std::int64_t page = 0; page < 100000; ++page) {
      Dict args;
      args.add("page", num(page));
      CallResult r = c_.call("AuthorizedPasswords_list", args);
      if (!r.ok()) return fail("AuthorizedPasswords_list", r);
      const Value* u = r.reply.find("users");
      if (const Value* t = r.reply.find("total"); t != nullptr && t->isInt()) total = t->asInt();
      if (u == nullptr || !u->isList() || u->asList().empty()) break;
      for (const Value& v : u->asList()) users.push_back(v);
      if (total < 0 || static_cast<std::int64_t>(users.size()) >= total) break;
    }
    if (o_.json) {
      Dict d;
      d.add("users", Value(users));
      d.add("total", num(total < 0 ? static_cast<std::int64_t>(users.size()) : total));
      printJson(Value(std::move(d)));
      return kExitOk;
    }
    for (const Value& v : users) out_ << plainText(&v) << "\n";
    return kExitOk;
  }
  if (sub == "add") {
    if (o_.args.size() != 3) return usageFail("add wants <user> <password>");
    Dict args;
    args.add("user", str(o_.args[1]));
    args.add("password", str(o_.args[2]));
    if (o_.ipv6) {
      auto ip = crypto::parseIp6(*o_.ipv6);
      if (!ip) return usageFail("--ipv6: not an IPv6 address: \"" + *o_.ipv6 + "\"");
      args.add("ipv6", str(crypto::ip6ToString(*ip)));
    }
    CallResult r = c_.call("AuthorizedPasswords_add", args);
    if (o_.json && r.failure != Failure::kUnreachable) printJson(Value(r.reply));
    if (!r.ok()) return fail("AuthorizedPasswords_add", r);
    if (!o_.json) out_ << "added \"" << o_.args[1] << "\" (the node forgets it on restart: add it to cjdroute.conf too)\n";
    return kExitOk;
  }
  if (sub == "remove") {
    if (o_.args.size() != 2) return usageFail("remove wants <user>");
    Dict args;
    args.add("user", str(o_.args[1]));
    CallResult r = c_.call("AuthorizedPasswords_remove", args);
    if (o_.json && r.failure != Failure::kUnreachable) printJson(Value(r.reply));
    if (!r.ok()) return fail("AuthorizedPasswords_remove", r);
    if (!o_.json) out_ << "removed \"" << o_.args[1] << "\"\n";
    return kExitOk;
  }
  return usageFail("unknown passwords command \"" + sub + "\" (list, add or remove)");
}

int Runner::info() {
  if (!o_.args.empty()) return usageFail("unexpected argument \"" + o_.args[0] + "\"");
  CallResult ni = c_.call("Core_nodeInfo", {});
  if (!ni.ok()) return fail("Core_nodeInfo", ni);
  List peers;
  Value total(std::int64_t{0});
  CallResult pr = peerStats(peers, total);
  if (!pr.ok()) return fail("InterfaceController_peerStats", pr);
  std::int64_t established = 0;
  for (const Value& p : peers) {
    if (!p.isDict()) continue;
    const Value* s = p.asDict().find("state");
    if (s != nullptr && s->isString() && s->asString() == "ESTABLISHED") ++established;
  }
  std::int64_t sessions = 0;
  CallResult hr = c_.callPaged("SessionManager_getHandles", {}, Auth::kAuth, [&](const Dict& page) {
    if (const Value* h = page.find("handles"); h != nullptr && h->isList()) {
      sessions += static_cast<std::int64_t>(h->asList().size());
    }
  });
  if (!hr.ok()) return fail("SessionManager_getHandles", hr);
  if (o_.json) {
    Dict d = ni.reply;
    d.add("peerCount", num(static_cast<std::int64_t>(peers.size())));
    d.add("establishedPeers", num(established));
    d.add("sessionCount", num(sessions));
    printJson(Value(std::move(d)));
    return kExitOk;
  }
  const Dict& n = ni.reply;
  std::string myAddr = plainText(n.find("myAddr"));
  std::string key = myAddr.size() >= 54 ? myAddr.substr(myAddr.size() - 54) : "";
  out_ << "ipv6         " << plainText(n.find("myIp6")) << "\n"
       << "address      " << myAddr << "\n"
       << "public key   " << key << "\n"
       << "protocol     " << plainText(n.find("version")) << "\n"
       << "encoding     " << plainText(n.find("compressedSchemeHex")) << "\n"
       << "peers        " << peers.size() << " (" << established << " ESTABLISHED)\n"
       << "sessions     " << sessions << "\n"
       << "admin        " << c_.peerName() << "\n";
  return kExitOk;
}

bool validFunctionName(const std::string& s) {
  if (s.empty() || s.size() > 128) return false;
  for (char ch : s) {
    if (!(std::isalnum(static_cast<unsigned char>(ch)) || ch == '_')) return false;
  }
  return true;
}

int Runner::call() {
  if (o_.args.empty()) return usageFail("wants a function name (cjdnsctl functions lists them)");
  const std::string& fn = o_.args[0];
  if (!validFunctionName(fn)) return usageFail("\"" + fn + "\" is not a function name");
  auto args = parseCallArgs(std::vector<std::string>(o_.args.begin() + 1, o_.args.end()));
  if (!args.ok()) return usageFail(args.error().message);
  CallResult r = c_.call(fn, args.value());
  if (r.failure == Failure::kUnreachable || r.failure == Failure::kInterrupted) return fail(fn, r);
  printJson(Value(r.reply));
  if (!r.ok()) return fail(fn, r);
  return kExitOk;
}

int Runner::functions() {
  if (!o_.args.empty()) return usageFail("unexpected argument \"" + o_.args[0] + "\"");
  std::map<std::string, Value> all;
  // Pages until one is empty or has no `more` (old nodes do either).
  for (std::int64_t page = 0; page < 1000; ++page) {
    Dict args;
    args.add("page", num(page));
    CallResult r = c_.call("Admin_availableFunctions", args, Auth::kAnonymous);
    if (!r.ok()) return fail("Admin_availableFunctions", r);
    const Value* f = r.reply.find("availableFunctions");
    if (f == nullptr || !f->isDict() || f->asDict().empty()) break;
    for (const auto& [name, spec] : f->asDict().entries()) all[name] = spec;
    if (r.reply.find("more") == nullptr) break;
  }
  if (o_.json) {
    Dict d;
    for (const auto& [name, spec] : all) d.add(name, spec);
    printJson(Value(std::move(d)));
    return kExitOk;
  }
  for (const auto& [name, spec] : all) {
    std::vector<std::string> required, optional;
    if (spec.isDict()) {
      for (const auto& [arg, desc] : spec.asDict().entries()) {
        std::string type = "?";
        bool req = false;
        if (desc.isDict()) {
          if (const Value* t = desc.asDict().find("type"); t != nullptr && t->isString()) type = t->asString();
          if (const Value* q = desc.asDict().find("required")) req = plainText(q) == "1";
        }
        (req ? required : optional).push_back((req ? "required " : "") + type + " " + arg);
      }
    }
    std::string line = name + "(";
    bool first = true;
    for (const auto* group : {&required, &optional}) {
      for (const std::string& a : *group) {
        line += (first ? "" : ", ") + a;
        first = false;
      }
    }
    out_ << line << ")\n";
  }
  return kExitOk;
}

}  // namespace

// ---------------------------------------------------------------- public

util::Result<Options> parseArgs(const std::vector<std::string>& argv) {
  Options o;
  bool endOfOptions = false;
  for (std::size_t i = 0; i < argv.size(); ++i) {
    const std::string& a = argv[i];
    const bool looksLikeOption = !endOfOptions && a.size() > 1 && a[0] == '-';
    if (a == "--" && !endOfOptions) {
      endOfOptions = true;
      continue;
    }
    if (!looksLikeOption) {
      if (o.command.empty()) {
        if (!kCommands.contains(a)) return usage("unknown command \"" + a + "\"");
        o.command = a;
      } else {
        o.args.push_back(a);
      }
      continue;
    }
    std::string name = a;
    std::optional<std::string> inlineValue;
    if (auto eq = a.find('='); a.starts_with("--") && eq != std::string::npos) {
      name = a.substr(0, eq);
      inlineValue = a.substr(eq + 1);
    }
    bool known = false;
    bool wantsValue = takesValue(kGlobalOptions, name, known);
    if (!known) {
      auto it = kCommandOptions.find(o.command);
      if (it != kCommandOptions.end()) wantsValue = takesValue(it->second, name, known);
    }
    if (!known) {
      if (o.command.empty()) return usage("unknown option " + name);
      return usage(o.command + ": unknown option " + name);
    }
    std::string value;
    if (wantsValue) {
      if (inlineValue) {
        value = *inlineValue;
      } else {
        if (i + 1 >= argv.size()) return usage(name + " needs a value");
        value = argv[++i];
      }
    } else if (inlineValue) {
      return usage(name + " takes no value");
    }
    if (auto e = applyOption(o, name, value)) return *e;
  }
  if (o.command == "help") {
    o.help = true;
    o.command = o.args.empty() ? "" : o.args[0];
    if (!o.command.empty() && !kCommands.contains(o.command)) return usage("unknown command \"" + o.command + "\"");
    o.args.clear();
  }
  if (o.command.empty() && !o.help && !o.version) return usage("no command given");
  return o;
}

util::Result<util::Dict> parseCallArgs(const std::vector<std::string>& words) {
  Dict d;
  for (const std::string& w : words) {
    auto eq = w.find('=');
    if (eq == std::string::npos || eq == 0) return usage("arguments are key=value or key:=JSON, got \"" + w + "\"");
    std::string key = w.substr(0, eq);
    std::string value = w.substr(eq + 1);
    if (key.back() == ':') {
      key.pop_back();
      if (key.empty()) return usage("arguments are key=value or key:=JSON, got \"" + w + "\"");
      util::JsonOptions opt;
      opt.comments = false;
      auto parsed = util::parseJson(value, opt);
      if (!parsed.ok()) return usage(key + ":=: not JSON: " + parsed.error().toString());
      d.add(key, std::move(parsed).value());
    } else if (auto i = parseInt(value); i && !(value.size() > 1 && value[0] == '0') && value != "-0" &&
                                         !(value.size() > 2 && value[0] == '-' && value[1] == '0')) {
      d.add(key, num(*i));
    } else {
      d.add(key, str(value));
    }
  }
  return d;
}

std::string helpText(const std::string& command) {
  if (command == "peers") {
    return "Usage: cjdnsctl peers [-6] [--json]\n"
           "The node's peers, as tools/peerStats prints them:\n"
           "  <lladdr> <addr> <state> in <n>kb/s out <n>kb/s[  DUP n][  LOS n][  OOR n] \"<user>\"\n"
           "  -6  the peer's IPv6 address in place of its key\n";
  }
  if (command == "ping") {
    return "Usage: cjdnsctl ping [-c N] [-i SECS] [-W SECS] [-s|-k|-r] <ipv6|label|node address>\n"
           "Pings a node through the router (RouterModule_pingNode) or, for a switch label such as\n"
           "0000.0000.0000.0013, through the switch (SwitchPinger_ping); a summary follows.\n"
           "  -c N     stop after N pings (default: until interrupted)\n"
           "  -i SECS  interval between pings (default 1)\n"
           "  -W SECS  how long the node waits for each answer (default 5)\n"
           "  -s       switch ping (the default for a label)\n"
           "  -k       switch ping that asks for the node's key\n"
           "  -r       router ping for a label\n"
           "Exit status 0 when at least one answer came back.\n";
  }
  if (command == "traceroute") {
    return "Usage: cjdnsctl traceroute [-m HOPS] [-W SECS] <ipv6|node address>\n"
           "Walks toward the target as tools/traceroute does: asks each node on the way, starting\n"
           "with ours, for its next hop (RouterModule_nextHop) and prints every node asked with\n"
           "the time its answer took. Stops when the target answers, at a node that knows no\n"
           "closer one (\"cornered\"), or at a timeout. Exit status 0 only when the target is reached.\n"
           "  -m HOPS  give up after HOPS hops (default 30)\n"
           "  -W SECS  how long the node waits for each answer (default 5)\n";
  }
  if (command == "dumptable") {
    return "Usage: cjdnsctl dumptable [--json]\n"
           "The node's routing table (NodeStore_dumpTable), as tools/dumptable prints it:\n"
           "a header, `<addr> <bucket distance> <link> <time>` per node, `<n> nodes <n> peers`.\n";
  }
  if (command == "sessions") {
    return "Usage: cjdnsctl sessions [-6] [--json]\n"
           "The node's end-to-end sessions, as tools/sessionStats prints them:\n"
           "  <addr> <state> <handle> <sendHandle> <metric in hex>[  DUP  n][  LOS  n][  OOR  n][ USE]\n"
           "  -6  the IPv6 address in place of the key\n";
  }
  if (command == "addpeer") {
    return "Usage: cjdnsctl addpeer <ip:port> <publicKey> <password> [--login L] [--name N] [--iface N]\n"
           "Connects to a UDP peer (UDPInterface_beginConnection) until the node restarts; put it\n"
           "in cjdroute.conf's connectTo to keep it.\n"
           "  --login L  the login the peer gave you with the password\n"
           "  --name N   a name shown as the peer's user in cjdnsctl peers\n"
           "  --iface N  the UDP interface number (default 0)\n";
  }
  if (command == "passwords") {
    return "Usage: cjdnsctl passwords list\n"
           "       cjdnsctl passwords add <user> <password> [--ipv6 IP]\n"
           "       cjdnsctl passwords remove <user>\n"
           "The passwords peers may connect with (AuthorizedPasswords_*). Changes last until the\n"
           "node restarts; cjdroute.conf's authorizedPasswords is what it starts with.\n"
           "  --ipv6 IP  only the node with this address may use the password\n";
  }
  if (command == "info") {
    return "Usage: cjdnsctl info [--json]\n"
           "The node's address, key, protocol version and encoding scheme (Core_nodeInfo), and how\n"
           "many peers and sessions it has.\n";
  }
  if (command == "call") {
    return "Usage: cjdnsctl call <Function> [key=value ...] [key:=JSON ...]\n"
           "Calls any admin function and prints its answer as JSON. key=value sends an integer\n"
           "when value is one (42, -1) and a string otherwise; key:=JSON sends the JSON value\n"
           "(page:=0, path:='\"0000.0000.0000.0013\"', devices:='[\"eth0\"]'). Examples:\n"
           "  cjdnsctl call Core_nodeInfo\n"
           "  cjdnsctl call InterfaceController_peerStats page=0\n"
           "  cjdnsctl call SessionManager_sessionStatsByIP ip6=fc00::1\n"
           "Exit status 1 when the answer has an error other than \"none\".\n";
  }
  if (command == "functions") {
    return "Usage: cjdnsctl functions [--json]\n"
           "Lists the node's admin functions and their arguments (Admin_availableFunctions).\n";
  }
  return "Usage: cjdnsctl [options] <command> [arguments]\n"
         "Talks to a running cjdns node over its admin API (cjdroute.conf's admin.bind).\n"
         "\n"
         "Commands:\n"
         "  peers                   the node's peers (-6: IPv6 addresses)\n"
         "  ping <target>           ping a node by IPv6 address, switch label or node address\n"
         "  traceroute <target>     the path toward a node, hop by hop\n"
         "  dumptable               the routing table\n"
         "  sessions                end-to-end sessions (-6: IPv6 addresses)\n"
         "  addpeer <ip:port> <publicKey> <password>   connect to a UDP peer\n"
         "  passwords list|add|remove                  the passwords peers connect with\n"
         "  info                    address, key, version, peer and session counts\n"
         "  call <Function> [key=value ...]            any admin function, answer as JSON\n"
         "  functions               the admin functions the node has\n"
         "  help <command>          a command's options (or: cjdnsctl <command> --help)\n"
         "\n"
         "Options:\n"
         "  --admin ADDR:PORT   the admin address (else $CJDNS_ADMIN, ~/.cjdnsadmin,\n"
         "                      /etc/cjdroute.conf, 127.0.0.1:11234)\n"
         "  --password PW       the admin password (else $CJDNS_ADMIN_PASSWORD, the same files, NONE)\n"
         "  --adminfile FILE    read FILE in ~/.cjdnsadmin's format instead\n"
         "  --config FILE       read admin.bind and admin.password from this cjdroute.conf\n"
         "  --timeout SECS      how long to wait for an answer (default 3)\n"
         "  --json              print JSON instead of text\n"
         "  -v, --verbose       say where the address and password came from\n"
         "  -h, --help          this help\n"
         "  --version           the version\n"
         "\n"
         "Exit status: 0 ok, 1 the node answered with an error, 2 usage error,\n"
         "3 no answer from the node.\n";
}

int runCommand(const Options& options, AdminClient& client, const AdminTarget& target, std::ostream& out,
               std::ostream& err, const volatile int* interrupted) {
  Runner runner(options, client, target, out, err, interrupted);
  return runner.run();
}

}  // namespace cjdns::admin::ctl
