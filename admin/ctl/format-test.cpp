#include "admin/ctl/format.h"

#include <doctest/doctest.h>

#include <sstream>

#include "core/util/json-reader.h"
#include "core/util/vectors.h"

namespace cjdns::admin::ctl {
namespace {

using util::Dict;
using util::Value;

/// The decoded first answer of a named exchange in a transcript.
std::optional<Dict> answer(const std::string& file, const std::string& exchange) {
  auto doc = cjdns::testing::loadVectorJson(file);
  if (!doc) return std::nullopt;
  for (const Value& ex : cjdns::testing::list(*doc, "exchanges")) {
    if (cjdns::testing::text(ex, "name") != exchange) continue;
    const Value& first = cjdns::testing::list(ex, "responses")[0];
    return cjdns::testing::field(cjdns::testing::field(first, "decoded"), "value").asDict();
  }
  FAIL("no exchange " << exchange << " in " << file);
  return std::nullopt;
}

/// The tools files have JSON `null`s (cwd), which the config reader has no
/// use for: read them with each bare null turned into 0.
std::optional<Value> loadToolsJson(const std::string& file) {
  std::string dir = cjdns::testing::vectorsDir();
  if (dir.empty()) {
    MESSAGE("skipped: test vectors not found");
    return std::nullopt;
  }
  auto text = cjdns::testing::readFile(dir + "/" + file);
  REQUIRE_MESSAGE(text.has_value(), "cannot read " << file);
  std::string t = *text;
  bool inString = false;
  for (std::size_t i = 0; i < t.size(); ++i) {
    if (inString) {
      if (t[i] == '\\') {
        ++i;
      } else if (t[i] == '"') {
        inString = false;
      }
    } else if (t[i] == '"') {
      inString = true;
    } else if (t.compare(i, 4, "null") == 0) {
      t.replace(i, 4, "0");
    }
  }
  util::JsonOptions opt;
  opt.jsonLiterals = true;
  opt.comments = false;
  auto parsed = util::parseJson(t, opt);
  REQUIRE_MESSAGE(parsed.ok(), file << ": " << parsed.error().toString());
  return std::move(parsed).value();
}

/// The stdout of a tool run recorded in v21.1-tools.json / v22-tools.json.
std::optional<std::string> toolStdout(const std::string& file, const std::string& run) {
  auto doc = loadToolsJson(file);
  if (!doc) return std::nullopt;
  for (const Value& r : cjdns::testing::list(*doc, "runs")) {
    if (cjdns::testing::text(r, "name") == run) return cjdns::testing::text(r, "stdout");
  }
  FAIL("no run " << run << " in " << file);
  return std::nullopt;
}

void set(Dict& d, const std::string& key, Value v) {
  if (Value* old = d.find(key)) {
    *old = std::move(v);
  } else {
    d.add(key, std::move(v));
  }
}

Value i64(std::int64_t v) { return Value(v); }

std::string peerLines(const Dict& reply, bool ip6) {
  std::string out;
  for (const Value& p : reply.find("peers")->asList()) out += formatPeerLine(p.asDict(), ip6) + "\n";
  return out;
}

// The transcript and the tool ran a moment apart; where the counters agree
// the line must be identical.
TEST_CASE("peers: v21.1 node B's peerStats answer prints as tools/peerStats printed it") {
  auto reply = answer("admin/v21.1-nodeB-transcript.json", "InterfaceController_peerStats-page0");
  auto expected = toolStdout("admin/v21.1-tools.json", "node tools/peerStats (B)");
  if (!reply || !expected) return;
  CHECK(peerLines(*reply, false) == *expected);
}

TEST_CASE("peers: v22 node A (LOS, no user) prints as tools/peerStats printed it") {
  auto reply = answer("admin/v22-nodeA-transcript.json", "InterfaceController_peerStats-page0-unauthenticated");
  auto expected = toolStdout("admin/v22-tools.json", "node tools/peerStats (A)");
  if (!reply || !expected) return;
  CHECK(peerLines(*reply, false) == *expected);
}

TEST_CASE("peers: v21.1 node A (LOS and a user), rates as the tool saw them") {
  auto reply = answer("admin/v21.1-nodeA-transcript.json", "InterfaceController_peerStats-page0-unauthenticated");
  auto expected = toolStdout("admin/v21.1-tools.json", "node tools/peerStats (A)");
  if (!reply || !expected) return;
  Dict peer = reply->find("peers")->asList()[0].asDict();
  set(peer, "recvKbps", i64(4));
  set(peer, "sendKbps", i64(4));
  CHECK(formatPeerLine(peer, false) + "\n" == *expected);
  CHECK(*expected ==
        "10.99.0.2:7937 v21.0000.0000.0000.0013.1wrp8ktkt1s4cwj5k4c7qtp22n369kwtlf63jpkl5tbs61ufh6t0.k "
        "ESTABLISHED in 4kb/s out 4kb/s  LOS 3 \"outer\"\n");
}

TEST_CASE("peers: DUP, LOS, OOR with two spaces, string counters as the JS tool reads them, -6") {
  Dict p;
  p.add("addr", Value(std::string("v21.0000.0000.0000.0013.yczrzq21c19g9w11snrdchk8hrltr0818kgt56hns8c1lbcugfl0.k")));
  p.add("duplicates", i64(2));
  p.add("lladdr", Value(std::string("[2001:db8::1]:5678")));
  p.add("lostPackets", Value(std::string("0")));
  p.add("receivedOutOfRange", i64(7));
  p.add("recvKbps", i64(10));
  p.add("sendKbps", i64(11));
  p.add("state", Value(std::string("UNRESPONSIVE")));
  CHECK(formatPeerLine(p, false) ==
        "[2001:db8::1]:5678 v21.0000.0000.0000.0013.yczrzq21c19g9w11snrdchk8hrltr0818kgt56hns8c1lbcugfl0.k "
        "UNRESPONSIVE in 10kb/s out 11kb/s  DUP 2  OOR 7");
  // The address python peerStats printed for this peer (v21.1-tools.json).
  CHECK(formatPeerLine(p, true) ==
        "[2001:db8::1]:5678 v21.0000.0000.0000.0013.fc9d:8f6f:3df1:aa12:1c66:81ce:5f72:3599 "
        "UNRESPONSIVE in 10kb/s out 11kb/s  DUP 2  OOR 7");
}

/// tools/dumptable prints `time` as of its own run: take those from its stdout.
void timesFromTool(std::vector<Dict>& nodes, const std::string& stdoutText) {
  std::istringstream in(stdoutText);
  std::string line;
  while (std::getline(in, line)) {
    std::istringstream words(line);
    std::string addr, dist, link, time;
    if (!(words >> addr >> dist >> link >> time) || !addr.starts_with("v")) continue;
    for (Dict& n : nodes) {
      if (n.find("addr")->asString() == addr) set(n, "time", i64(std::stoll(time)));
    }
  }
}

void checkDumpTable(const std::string& transcript, const std::string& tools) {
  auto reply = answer(transcript, "NodeStore_dumpTable-page0");
  auto expected = toolStdout(tools, "node tools/dumptable (B)");
  if (!reply || !expected) return;
  std::vector<Dict> nodes;
  for (const Value& v : reply->find("routingTable")->asList()) nodes.push_back(v.asDict());
  timesFromTool(nodes, *expected);
  CHECK(formatDumpTable(nodes, reply->find("count"), reply->find("peers")) == *expected);
}

TEST_CASE("dumptable: v21.1 node B's table prints as tools/dumptable printed it (bucket 3 computed)") {
  checkDumpTable("admin/v21.1-nodeB-transcript.json", "admin/v21.1-tools.json");
}

TEST_CASE("dumptable: v22 node B's table prints as tools/dumptable printed it (bucket 2 computed)") {
  checkDumpTable("admin/v22-nodeB-transcript.json", "admin/v22-tools.json");
}

TEST_CASE("dumptable: empty table still has header and totals") {
  Value zero(std::int64_t{0});
  CHECK(formatDumpTable({}, &zero, &zero) ==
        "ver       path                               addr                            bucket metric lastPinged\n"
        "0 nodes 0 peers\n");
}

TEST_CASE("sessions: v21.1 and v22 node B's sessions print as tools/sessionStats printed them") {
  struct Case {
    const char* transcript;
    const char* tools;
    std::int64_t metricSeenByTool;
  };
  for (const Case& c : {Case{"admin/v21.1-nodeB-transcript.json", "admin/v21.1-tools.json", 0xff20029c},
                        Case{"admin/v22-nodeB-transcript.json", "admin/v22-tools.json", 0xff200147}}) {
    CAPTURE(c.transcript);
    auto reply = answer(c.transcript, "SessionManager_sessionStats");
    auto expected = toolStdout(c.tools, "node tools/sessionStats (B)");
    if (!reply || !expected) return;
    Dict s = *reply;
    set(s, "metric", i64(c.metricSeenByTool));
    CHECK(formatSessions({s}, false) == *expected);
  }
}

TEST_CASE("sessions: LOS as the tool joins it, sorting, CryptoAuth_ prefix, -6, none") {
  auto reply = answer("admin/v22-nodeB-transcript.json", "SessionManager_sessionStats");
  auto expected = toolStdout("admin/v22-tools.json", "node tools/sessionStats (A)");
  if (!reply || !expected) return;
  // Node A's view of the same session (the tool's line), from B's answer.
  Dict a = *reply;
  set(a, "addr", Value(std::string("v22.0000.0000.0000.0013.514h0hztv85vkk9fhlnz5dcw1dx4cgcyjv7fwuvuju9z8ykgksm0.k")));
  set(a, "handle", i64(42713));
  set(a, "sendHandle", i64(96884));
  set(a, "metric", i64(0xff20000e));
  set(a, "lostPackets", i64(3));
  CHECK(formatSessions({a}, false) == *expected);

  Dict b = a;
  set(b, "addr", Value(std::string("v20.0000.0000.0000.0015.1wrp8ktkt1s4cwj5k4c7qtp22n369kwtlf63jpkl5tbs61ufh6t0.k")));
  set(b, "state", Value(std::string("CryptoAuth_HANDSHAKE1")));
  set(b, "lostPackets", i64(0));
  set(b, "timeOfLastUsage", i64(0));
  set(b, "duplicates", i64(1));
  set(b, "metric", i64(0xfff00000));
  std::string both = formatSessions({a, b}, false);
  // Sorted by the address after its version: 0000.0000.0000.0013 < 0000.0000.0000.0015.
  CHECK(both == *expected +
                    "v20.0000.0000.0000.0015.1wrp8ktkt1s4cwj5k4c7qtp22n369kwtlf63jpkl5tbs61ufh6t0.k HANDSHAKE1  "
                    "42713 96884 fff00000  DUP  1\n");
  CHECK(formatSessions({b}, true) ==
        "v20.0000.0000.0000.0015.fc81:698d:0505:55d6:06e9:e709:ebfc:141c HANDSHAKE1  42713 96884 fff00000  DUP  1\n");
  CHECK(formatSessions({}, false) == "No active sessions\n");
}

TEST_CASE("ping lines from real answers, in tools/ping's format") {
  auto pong = answer("admin/v21.1-nodeB-transcript.json", "RouterModule_pingNode-ip6");
  auto notFound = answer("admin/v21.1-nodeB-transcript.json", "RouterModule_pingNode-unknown");
  auto keyPong = answer("admin/v21.1-nodeB-transcript.json", "SwitchPinger_ping-peer-keyPing");
  auto plainPong = answer("admin/v22-nodeB-transcript.json", "SwitchPinger_ping-peer");
  auto timeout = answer("admin/v21.1-nodeB-transcript.json", "SwitchPinger_ping-unknown-slot");
  auto bad = answer("admin/v21.1-nodeB-transcript.json", "SwitchPinger_ping-unparsable-path");
  if (!pong || !notFound || !keyPong || !plainPong || !timeout || !bad) return;
  CHECK(formatRouterPing(*pong, 1795352890) ==
        "1795352890 v21.0000.0000.0000.0013.yczrzq21c19g9w11snrdchk8hrltr0818kgt56hns8c1lbcugfl0.k 4ms");
  CHECK(formatRouterPing(*notFound, 1795352890) == "1795352890 No route to host");
  CHECK(formatSwitchPing(*keyPong, 7) ==
        "7 switchPing 0000.0000.0000.0013  p21 0ms yczrzq21c19g9w11snrdchk8hrltr0818kgt56hns8c1lbcugfl0.k");
  CHECK(formatSwitchPing(*plainPong, 7) == "7 switchPing 0000.0000.0000.0013  p22 0ms");
  CHECK(formatSwitchPing(*timeout, 7) == "7 switchPing timeout 1000ms");
  CHECK(formatSwitchPing(*bad, 7) == "7 switchPing {\"error\":\"\",\"txid\":\"p62\"}");
  Dict routerTimeout;
  routerTimeout.add("ms", i64(5000));
  routerTimeout.add("result", Value(std::string("timeout")));
  routerTimeout.add("version", Value(std::string("unknown")));
  CHECK(formatRouterPing(routerTimeout, 1) == "1 timeout  punknown 5000ms");
}

TEST_CASE("toJson: pretty and compact, numbers stay numbers, bytes are escaped") {
  Dict inner;
  inner.add("n", i64(-3));
  inner.add("s", Value(std::string("a\"b")));
  util::List l;
  l.push_back(Value(std::move(inner)));
  l.push_back(Value(util::List{}));
  Dict top;
  top.add("list", Value(std::move(l)));
  top.add("empty", Value(Dict{}));
  top.add("bin", Value(std::string("\xff\x01", 2)));
  CHECK(toJson(Value(top), false) == "{\"list\":[{\"n\":-3,\"s\":\"a\\\"b\"},[]],\"empty\":{},\"bin\":\"\\u00ff\\u0001\"}");
  CHECK(toJson(Value(top), true) ==
        "{\n  \"list\": [\n    {\n      \"n\": -3,\n      \"s\": \"a\\\"b\"\n    },\n    []\n  ],\n"
        "  \"empty\": {},\n  \"bin\": \"\\u00ff\\u0001\"\n}");
}

TEST_CASE("ip6OfNode and withIp6") {
  CHECK(ip6OfNode("yczrzq21c19g9w11snrdchk8hrltr0818kgt56hns8c1lbcugfl0.k") ==
        "fc9d:8f6f:3df1:aa12:1c66:81ce:5f72:3599");
  CHECK(ip6OfNode("v21.0000.0000.0000.0001.1wrp8ktkt1s4cwj5k4c7qtp22n369kwtlf63jpkl5tbs61ufh6t0.k") ==
        "fc81:698d:0505:55d6:06e9:e709:ebfc:141c");
  CHECK(ip6OfNode("nonsense") == "");
  CHECK(withIp6("not a node") == "not a node");
}

}  // namespace
}  // namespace cjdns::admin::ctl
