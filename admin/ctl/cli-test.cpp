#include "admin/ctl/cli.h"

#include <doctest/doctest.h>

#include <sstream>

#include "admin/ctl/test-fake-node.h"
#include "core/util/vectors.h"

namespace cjdns::admin::ctl {
namespace {

using testing::FakeNode;
using util::Dict;
using util::Value;

Value str(std::string s) { return Value(std::move(s)); }
Value i64(std::int64_t v) { return Value(v); }

util::Result<Options> parse(std::initializer_list<const char*> words) {
  std::vector<std::string> v;
  for (const char* w : words) v.emplace_back(w);
  return parseArgs(v);
}

TEST_CASE("parseArgs: global options before or after the command, --opt=value") {
  auto o = parse({"--admin", "127.0.0.1:11235", "peers", "-6", "--json", "--password=pw", "-v"});
  REQUIRE(o.ok());
  CHECK(o->command == "peers");
  CHECK(*o->admin == "127.0.0.1:11235");
  CHECK(*o->password == "pw");
  CHECK(o->ip6);
  CHECK(o->json);
  CHECK(o->verbose);
  CHECK(o->args.empty());
}

TEST_CASE("parseArgs: ping options") {
  auto o = parse({"ping", "-c", "3", "-i", "0.2", "-W", "2", "-k", "0000.0000.0000.0013"});
  REQUIRE(o.ok());
  CHECK(*o->count == 3);
  CHECK(o->intervalMs == 200);
  CHECK(o->waitMs == 2000);
  CHECK(o->keyPing);
  CHECK(o->args == std::vector<std::string>{"0000.0000.0000.0013"});
  CHECK(parse({"--timeout", "0.5", "info"})->timeoutMs == 500);
}

TEST_CASE("parseArgs: usage errors") {
  CHECK(parse({}).error().message == "no command given");
  CHECK(parse({"frobnicate"}).error().message == "unknown command \"frobnicate\"");
  CHECK(parse({"--bogus", "peers"}).error().message == "unknown option --bogus");
  CHECK(parse({"ping", "-6", "fc00::1"}).error().message == "ping: unknown option -6");
  CHECK(parse({"peers", "-c", "3"}).error().message == "peers: unknown option -c");
  CHECK(parse({"ping", "fc00::1", "-c"}).error().message == "-c needs a value");
  CHECK(parse({"ping", "-c", "0", "fc00::1"}).error().message == "-c wants a count of at least 1, got \"0\"");
  CHECK(parse({"ping", "-i", "x", "fc00::1"}).error().message == "-i wants seconds (such as 1 or 0.2), got \"x\"");
  CHECK(parse({"--json=1", "peers"}).error().message == "--json takes no value");
  CHECK(parse({"addpeer", "--iface", "x"}).error().message == "--iface wants an interface number, got \"x\"");
}

TEST_CASE("parseArgs: help forms, --version, -- before arguments that start with -") {
  auto h = parse({"help", "ping"});
  REQUIRE(h.ok());
  CHECK(h->help);
  CHECK(h->command == "ping");
  auto h2 = parse({"sessions", "--help"});
  CHECK(h2->help);
  CHECK(h2->command == "sessions");
  CHECK(parse({"--help"})->help);
  CHECK(parse({"--version"})->version);
  auto c = parse({"call", "Fn", "--", "-x=1"});
  REQUIRE(c.ok());
  CHECK(c->args == std::vector<std::string>{"Fn", "-x=1"});
  CHECK(helpText("ping").starts_with("Usage: cjdnsctl ping"));
  CHECK(helpText("").find("Exit status: 0 ok, 1") != std::string::npos);
}

TEST_CASE("parseCallArgs: integers detected, key:=JSON for the rest") {
  auto d = parseCallArgs({"page=0", "n=-5", "pw=007", "path=0000.0000.0000.0013", "s:=\"42\"", "devices:=[\"eth0\"]",
                          "obj:={\"q\":\"pn\"}", "empty="});
  REQUIRE(d.ok());
  CHECK(d->find("page")->asInt() == 0);
  CHECK(d->find("n")->asInt() == -5);
  CHECK(d->find("pw")->asString() == "007");
  CHECK(d->find("path")->asString() == "0000.0000.0000.0013");
  CHECK(d->find("s")->asString() == "42");
  CHECK(d->find("devices")->asList()[0].asString() == "eth0");
  CHECK(d->find("obj")->asDict().find("q")->asString() == "pn");
  CHECK(d->find("empty")->asString() == "");
  CHECK_FALSE(parseCallArgs({"novalue"}).ok());
  CHECK_FALSE(parseCallArgs({"=x"}).ok());
  CHECK_FALSE(parseCallArgs({"x:=[1"}).ok());
}

// ------------------------------------------------------------ commands

struct Run {
  int code;
  std::string out;
  std::string err;
};

Run run(FakeNode& node, std::initializer_list<const char*> words, const std::string& password = "NONE") {
  auto o = parse(words);
  REQUIRE(o.ok());
  AdminTarget t;
  t.password = password;
  t.passwordSource = "--password";
  AdminClient client(node, password, {3000, "t"});
  std::ostringstream out, err;
  int code = runCommand(o.value(), client, t, out, err);
  return {code, out.str(), err.str()};
}

/// A node with the v21.1 node B answers from the transcript.
std::optional<FakeNode> transcriptNode() {
  auto doc = cjdns::testing::loadVectorJson("admin/v21.1-nodeB-transcript.json");
  if (!doc) return std::nullopt;
  std::map<std::string, Dict> answers;
  for (const Value& ex : cjdns::testing::list(*doc, "exchanges")) {
    const Value* rs = cjdns::testing::at(ex, "responses");  // the auth-probe summary has none
    if (rs == nullptr || !rs->isList() || rs->asList().empty()) continue;
    const auto& responses = rs->asList();
    Dict a = cjdns::testing::field(cjdns::testing::field(responses[0], "decoded"), "value").asDict();
    answers[cjdns::testing::text(ex, "name")] = a;
  }
  FakeNode node;
  node.password = cjdns::testing::text(*doc, "adminPassword");
  node.openFunctions = {"InterfaceController_peerStats", "Core_nodeInfo"};
  auto fixed = [](Dict d) {
    Dict out;
    for (auto& [k, v] : d.entries()) {
      if (k != "txid") out.add(k, v);
    }
    return out;
  };
  node.handlers["InterfaceController_peerStats"] = [=](const Dict&) {
    return fixed(answers.at("InterfaceController_peerStats-page0"));
  };
  node.handlers["NodeStore_dumpTable"] = [=](const Dict& args) {
    return fixed(answers.at(args.find("page")->asInt() == 0 ? "NodeStore_dumpTable-page0" : "NodeStore_dumpTable-page1"));
  };
  node.handlers["SessionManager_getHandles"] = [=](const Dict&) { return fixed(answers.at("SessionManager_getHandles")); };
  node.handlers["SessionManager_sessionStats"] = [=](const Dict& args) {
    if (args.find("handle")->asInt() != 34117) {
      Dict e;
      e.add("error", str("no such session"));
      return e;
    }
    return fixed(answers.at("SessionManager_sessionStats"));
  };
  node.handlers["Core_nodeInfo"] = [=](const Dict&) { return fixed(answers.at("Core_nodeInfo")); };
  node.handlers["RouterModule_pingNode"] = [=](const Dict& args) {
    const std::string& path = args.find("path")->asString();
    return fixed(answers.at(path == "fc00:0000:0000:0000:0000:0000:0000:0001" ? "RouterModule_pingNode-unknown"
                                                                              : "RouterModule_pingNode-ip6"));
  };
  node.handlers["SwitchPinger_ping"] = [=](const Dict& args) {
    return fixed(answers.at(args.find("keyPing") ? "SwitchPinger_ping-peer-keyPing" : "SwitchPinger_ping-peer"));
  };
  return node;
}

TEST_CASE("peers with the real answer, anonymously as the tools do") {
  auto node = transcriptNode();
  if (!node) return;
  Run r = run(*node, {"peers"}, "a wrong password");
  CHECK(r.code == kExitOk);
  CHECK(r.out ==
        "10.99.0.1:7937 v21.0000.0000.0000.0013.yczrzq21c19g9w11snrdchk8hrltr0818kgt56hns8c1lbcugfl0.k ESTABLISHED "
        "in 3kb/s out 3kb/s \"node-a\"\n");
  CHECK(node->requests[0].starts_with("d4:argsd4:pagei0ee1:q29:InterfaceController_peerStats"));
  Run j = run(*node, {"peers", "--json"});
  CHECK(j.out.find("\"total\": 1") != std::string::npos);
  CHECK(j.out.find("\"recvKbps\": 3") != std::string::npos);
}

TEST_CASE("dumptable, sessions and info from the real answers") {
  auto node = transcriptNode();
  if (!node) return;
  const std::string pw = node->password;
  Run d = run(*node, {"dumptable"}, pw);
  CHECK(d.code == kExitOk);
  CHECK(d.out ==
        "ver       path                               addr                            bucket metric lastPinged\n"
        "v21.0000.0000.0000.0001.1wrp8ktkt1s4cwj5k4c7qtp22n369kwtlf63jpkl5tbs61ufh6t0.k 127 0 11150\n"
        "v21.0000.0000.0000.0013.yczrzq21c19g9w11snrdchk8hrltr0818kgt56hns8c1lbcugfl0.k 3 1024 611\n"
        "2 nodes 1 peers\n");
  Run s = run(*node, {"sessions"}, pw);
  CHECK(s.code == kExitOk);
  CHECK(s.out ==
        "v21.0000.0000.0000.0013.yczrzq21c19g9w11snrdchk8hrltr0818kgt56hns8c1lbcugfl0.k ESTABLISHED 34117 44112 "
        "ff200362 USE\n");
  Run i = run(*node, {"info"}, pw);
  CHECK(i.code == kExitOk);
  CHECK(i.out.find("ipv6         fc81:698d:0505:55d6:06e9:e709:ebfc:141c\n") != std::string::npos);
  CHECK(i.out.find("peers        1 (1 ESTABLISHED)\n") != std::string::npos);
  CHECK(i.out.find("sessions     1\n") != std::string::npos);
  Run ij = run(*node, {"info", "--json"}, pw);
  CHECK(ij.out.find("\"sessionCount\": 1") != std::string::npos);
}

TEST_CASE("a wrong password: exit 1 and a hint") {
  auto node = transcriptNode();
  if (!node) return;
  Run r = run(*node, {"sessions"}, "wrong");
  CHECK(r.code == kExitNodeError);
  CHECK(r.err.starts_with("cjdnsctl: SessionManager_getHandles: Auth failed. (the node refused the admin password "
                          "from --password"));
}

TEST_CASE("ping: router and switch pings, summary, exit codes") {
  auto node = transcriptNode();
  if (!node) return;
  const std::string pw = node->password;
  Run r = run(*node, {"ping", "-c", "2", "-i", "0", "fc9d:8f6f:3df1:aa12:1c66:81ce:5f72:3599"}, pw);
  CHECK(r.code == kExitOk);
  CHECK(r.out.find(" v21.0000.0000.0000.0013.yczrzq21c19g9w11snrdchk8hrltr0818kgt56hns8c1lbcugfl0.k 4ms\n") !=
        std::string::npos);
  CHECK(r.out.ends_with("--- fc9d:8f6f:3df1:aa12:1c66:81ce:5f72:3599 ping statistics ---\n"
                        "2 sent, 2 received, 0% loss, time min/avg/max = 4/4.0/4 ms\n"));

  Run k = run(*node, {"ping", "-c", "1", "-k", "0000.0000.0000.0013"}, pw);
  CHECK(k.code == kExitOk);
  CHECK(k.out.find(" switchPing 0000.0000.0000.0013  p21 0ms yczrzq21c19g9w11snrdchk8hrltr0818kgt56hns8c1lbcugfl0.k\n") !=
        std::string::npos);
  CHECK(node->called.back() == "SwitchPinger_ping");

  Run u = run(*node, {"ping", "-c", "3", "-i", "0", "fc00::1"}, pw);
  CHECK(u.code == kExitNodeError);
  CHECK(u.out.find(" No route to host\n") != std::string::npos);
  CHECK(u.out.find("1 sent, 0 received, 100% loss\n") != std::string::npos);

  Run j = run(*node, {"ping", "-c", "1", "--json", "0000.0000.0000.0013"}, pw);
  CHECK(j.out.find("\"function\": \"SwitchPinger_ping\"") != std::string::npos);
  CHECK(j.out.find("\"received\": 1") != std::string::npos);

  Run denied = run(*node, {"ping", "-c", "3", "fc9d:8f6f:3df1:aa12:1c66:81ce:5f72:3599"}, "wrong");
  CHECK(denied.code == kExitNodeError);
  CHECK(denied.err.starts_with("cjdnsctl: RouterModule_pingNode: Auth failed."));
  CHECK(denied.out.find("1 sent, 0 received") != std::string::npos);

  Run bad = run(*node, {"ping", "example.com"}, pw);
  CHECK(bad.code == kExitUsage);
  Run notLabel = run(*node, {"ping", "-s", "fc00::1"}, pw);
  CHECK(notLabel.code == kExitUsage);
}

TEST_CASE("call prints the answer as JSON; node errors exit 1; no node exits 3") {
  FakeNode node;
  node.handlers["NodeStore_dumpTable"] = [](const Dict& args) {
    Dict r;
    if (!args.find("page")) {
      r.add("error", str("Entry [page] is required and must be of type [Int]"));
    } else {
      r.add("count", i64(args.find("page")->asInt()));
    }
    return r;
  };
  Run ok = run(node, {"call", "NodeStore_dumpTable", "page=5"});
  CHECK(ok.code == kExitOk);
  CHECK(ok.out == "{\n  \"count\": 5\n}\n");
  Run err = run(node, {"call", "NodeStore_dumpTable"});
  CHECK(err.code == kExitNodeError);
  CHECK(err.out == "{\n  \"error\": \"Entry [page] is required and must be of type [Int]\"\n}\n");
  Run none = run(node, {"call", "Nope_nope"});
  CHECK(none.code == kExitNodeError);
  CHECK(none.err.find("No functions matched") != std::string::npos);
  Run usage = run(node, {"call", "bad name!"});
  CHECK(usage.code == kExitUsage);

  FakeNode silent;
  silent.refused = true;
  Run gone = run(silent, {"call", "Core_nodeInfo"});
  CHECK(gone.code == kExitUnreachable);
  CHECK(gone.out.empty());
  CHECK(gone.err.find("nothing listens on 127.0.0.1:11234") != std::string::npos);
}

TEST_CASE("addpeer and passwords send the right arguments") {
  FakeNode node;
  Dict seen;
  node.handlers["UDPInterface_beginConnection"] = [&](const Dict& args) {
    seen = args;
    Dict r;
    r.add("error", str("none"));
    return r;
  };
  Run r = run(node, {"addpeer", "10.0.0.2:7937", "yczrzq21c19g9w11snrdchk8hrltr0818kgt56hns8c1lbcugfl0.k", "pw",
                     "--login", "me", "--name", "friend", "--iface", "1"});
  CHECK(r.code == kExitOk);
  CHECK(seen.find("address")->asString() == "10.0.0.2:7937");
  CHECK(seen.find("publicKey")->asString() == "yczrzq21c19g9w11snrdchk8hrltr0818kgt56hns8c1lbcugfl0.k");
  CHECK(seen.find("password")->asString() == "pw");
  CHECK(seen.find("login")->asString() == "me");
  CHECK(seen.find("peerName")->asString() == "friend");
  CHECK(seen.find("interfaceNumber")->asInt() == 1);
  CHECK(run(node, {"addpeer", "10.0.0.2:7937", "notakey.k", "pw"}).code == kExitUsage);
  CHECK(run(node, {"addpeer", "host:7937", "yczrzq21c19g9w11snrdchk8hrltr0818kgt56hns8c1lbcugfl0.k", "pw"}).code ==
        kExitUsage);

  std::vector<std::int64_t> pages;
  node.handlers["AuthorizedPasswords_list"] = [&](const Dict& args) {
    std::int64_t page = args.find("page")->asInt();
    pages.push_back(page);
    Dict d;
    util::List users;
    if (page == 0) {
      for (int i = 0; i < 16; ++i) users.push_back(str("u" + std::to_string(i)));
    } else if (page == 1) {
      users.push_back(str("last"));
    }
    d.add("total", i64(17));
    d.add("users", Value(std::move(users)));
    return d;
  };
  Run l = run(node, {"passwords", "list"});
  CHECK(l.code == kExitOk);
  CHECK(pages == std::vector<std::int64_t>{0, 1});
  CHECK(l.out.starts_with("u0\nu1\n"));
  CHECK(l.out.ends_with("u15\nlast\n"));

  node.handlers["AuthorizedPasswords_add"] = [&](const Dict& args) {
    seen = args;
    Dict d;
    d.add("error", str("none"));
    return d;
  };
  Run a = run(node, {"passwords", "add", "bob", "s3cret", "--ipv6", "fc00::1"});
  CHECK(a.code == kExitOk);
  CHECK(seen.find("user")->asString() == "bob");
  CHECK(seen.find("password")->asString() == "s3cret");
  CHECK(seen.find("ipv6")->asString() == "fc00:0000:0000:0000:0000:0000:0000:0001");
  CHECK(run(node, {"passwords", "frob"}).code == kExitUsage);
}

TEST_CASE("traceroute walks nextHop from ourselves to the target") {
  FakeNode node;
  const std::string self = "v21.0000.0000.0000.0001.1wrp8ktkt1s4cwj5k4c7qtp22n369kwtlf63jpkl5tbs61ufh6t0.k";
  const std::string peer = "v21.0000.0000.0000.0013.yczrzq21c19g9w11snrdchk8hrltr0818kgt56hns8c1lbcugfl0.k";
  node.handlers["Core_nodeInfo"] = [&](const Dict&) {
    Dict d;
    d.add("myAddr", str(self));
    return d;
  };
  std::vector<std::string> asked;
  node.handlers["RouterModule_nextHop"] = [&](const Dict& args) {
    asked.push_back(args.find("nodeToQuery")->asString());
    Dict d;
    util::List nodes;
    nodes.push_back(str(peer));
    d.add("error", str("none"));
    d.add("ms", i64(asked.size() == 1 ? 1 : 5));
    d.add("nodes", Value(std::move(nodes)));
    d.add("result", str("nodes"));
    return d;
  };
  Run r = run(node, {"traceroute", "fc9d:8f6f:3df1:aa12:1c66:81ce:5f72:3599"});
  CHECK(r.code == kExitOk);
  CHECK(asked == std::vector<std::string>{self, peer});
  CHECK(r.out == "traceroute to fc9d:8f6f:3df1:aa12:1c66:81ce:5f72:3599, at most 30 hops\n"
                 " 0  " + self + "  1ms\n"
                 " 1  " + peer + "  5ms\n"
                 "reached fc9d:8f6f:3df1:aa12:1c66:81ce:5f72:3599\n");

  Run c = run(node, {"traceroute", "fc00::1"});
  CHECK(c.code == kExitNodeError);
  CHECK(c.out.find("cornered: " + peer + " says it is itself the closest node") != std::string::npos);
}

}  // namespace
}  // namespace cjdns::admin::ctl
