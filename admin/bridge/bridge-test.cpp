// Unit tests of the admin bridge against the fake core: the protocol rules
// of upper.md 3 (auth, dispatch, txid, async delivery, paging, limits) and
// each function's argument checks and reply shape.
#include <doctest/doctest.h>

#include <set>

#include "admin/bridge/test-harness.h"
#include "core/crypto/address.h"
#include "core/switch/encoding-scheme.h"

using namespace cjdns;
using namespace cjdns::admin;
using namespace cjdns::admin::testing;
using util::Dict;
using util::Value;

namespace {

FakeState withPassword(std::string pw) {
  FakeState s = defaultState();
  s.password = std::move(pw);
  return s;
}

Dict args(std::initializer_list<std::pair<const char*, Value>> kv) {
  Dict d;
  for (const auto& [k, v] : kv) d.add(k, v);
  return d;
}

std::set<std::string> keysOf(const Value& v) {
  std::set<std::string> out;
  if (v.isDict()) {
    for (const auto& [k, _] : v.asDict().entries()) out.insert(k);
  }
  return out;
}

const std::string kPw = "secret-pw";

}  // namespace

TEST_CASE("ping, cookie and the Python library's literal probes") {
  Harness h(withPassword(kPw));
  auto raw = h.call("d1:q4:pinge");
  REQUIRE(h.sent.size() == 1);
  CHECK(h.sent[0].second == "d1:q4:ponge");  // the Python lib wants it to END WITH 1:q4:ponge
  CHECK(std::string(h.sent[0].second).ends_with("1:q4:ponge"));

  Value c = h.one(request("cookie", {}, "c1", false));
  REQUIRE(get(c, "cookie") != nullptr);
  CHECK(get(c, "cookie")->isString());  // the Rust client requires a string
  CHECK(get(c, "cookie")->asString() == std::to_string(h.now / 1024));
  CHECK(get(c, "txid")->asString() == "c1");

  // The keepalive literal: txid "keepaliv", then the dict ends.
  Value k = h.one("d1:q18:Admin_asyncEnabled4:txid8:keepalive");
  CHECK(get(k, "txid")->asString() == "keepaliv");
  CHECK(get(k, "asyncEnabled")->asInt() == 0);
}

TEST_CASE("authentication: cookie window, wrong password, hash rules") {
  Harness h(withPassword(kPw));
  const auto c = h.cookie();
  CHECK(get(h.one(authed(kPw, c, "Allocator_bytesAllocated")), "bytes") != nullptr);
  CHECK(get(h.one(authed(kPw, c - 20, "Allocator_bytesAllocated")), "bytes") != nullptr);
  CHECK(errorOf(h.one(authed(kPw, c - 21, "Allocator_bytesAllocated"))) == "Auth failed.");
  CHECK(errorOf(h.one(authed(kPw, c + 1, "Allocator_bytesAllocated"))) == "Auth failed.");
  CHECK(errorOf(h.one(authed("wrong", c, "Allocator_bytesAllocated", {}, "t9"))) == "Auth failed.");
  CHECK(get(h.one(authed("wrong", c, "Allocator_bytesAllocated", {}, "t9")), "txid")->asString() == "t9");
  // No hash: auth fails even for a function that needs none.
  CHECK(errorOf(h.one("d2:aq4:ping6:cookie10:" + std::to_string(c) + "1:q4:authe")) == "Auth failed.");

  SUBCASE("an integer cookie is read as cjdns reads it") {
    // Build by hand: cookie as an integer, correct hash.
    const std::string hash1 = sha256Hex(kPw + std::to_string(c));
    std::string raw = "d2:aq4:ping6:cookiei" + std::to_string(c) + "e4:hash64:" + hash1 + "1:q4:authe";
    raw.replace(raw.find(hash1), 64, sha256Hex(raw));
    CHECK(get(h.one(raw), "q")->asString() == "pong");
  }
  SUBCASE("auth with no aq matches nothing") {
    const std::string hash1 = sha256Hex(kPw + std::to_string(c));
    std::string raw = "d6:cookie10:" + std::to_string(c) + "4:hash64:" + hash1 + "1:q4:authe";
    raw.replace(raw.find(hash1), 64, sha256Hex(raw));
    CHECK(errorOf(h.one(raw)) == kNoFunctionsMatched);
  }
}

TEST_CASE("long passwords: the 63-byte form and the full form both work") {
  const std::string longPw(60, 'x');
  Harness h(withPassword(longPw));
  const auto c = h.cookie();
  CHECK(get(h.one(authed(longPw, c, "AuthorizedPasswords_list", {}, "", true)), "users") != nullptr);
  CHECK(get(h.one(authed(longPw, c, "AuthorizedPasswords_list", {}, "", false)), "users") != nullptr);
  CHECK(errorOf(h.one(authed(longPw + "y", c, "AuthorizedPasswords_list", {}, "", false))) == "Auth failed.");
}

TEST_CASE("password NONE: everything counts as authenticated, explicit auth is still checked") {
  Harness h(withPassword("NONE"));
  CHECK(get(h.one(request("AuthorizedPasswords_list")), "users") != nullptr);
  CHECK(get(h.one(authed("NONE", h.cookie(), "AuthorizedPasswords_list")), "users") != nullptr);
  CHECK(errorOf(h.one(authed("none", h.cookie(), "AuthorizedPasswords_list"))) == "Auth failed.");
  CHECK(get(h.one(request("Admin_asyncEnabled", {}, "", false), "fresh"), "asyncEnabled")->asInt() == 1);
}

TEST_CASE("without the password only ping, cookie and the open functions answer") {
  Harness h(withPassword(kPw));
  std::set<std::string> open;
  for (const FunctionSpec& f : functionTable()) {
    Value r = h.one(request(std::string(f.name), {}, "x", false));
    const bool refused = errorOf(r) == kNoFunctionsMatched;
    CHECK_MESSAGE(refused == f.needsAuth, f.name);
    if (!refused) open.insert(std::string(f.name));
  }
  CHECK(open == std::set<std::string>{"Admin_asyncEnabled", "Admin_availableFunctions", "Core_nodeInfo", "Core_pid",
                                      "InterfaceController_peerStats", "NodeStore_dumpTable",
                                      "NodeStore_getFullVerify", "NodeStore_getLink", "NodeStore_nodeForAddr",
                                      "Sign_checkSig", "SupernodeHunter_listSnodes", "SupernodeHunter_status",
                                      "ping"});
  CHECK(errorOf(h.one(request("memory"))) == kNoFunctionsMatched);
}

TEST_CASE("Admin_availableFunctions pages") {
  Harness h(withPassword(kPw));
  std::set<std::string> names;
  int pages = 0;
  for (std::int64_t p = 0;; ++p) {
    Value r = h.one(request("Admin_availableFunctions", args({{"page", num(p)}})));
    const auto& fns = get(r, "availableFunctions")->asDict();
    if (fns.empty()) {
      CHECK(get(r, "more") == nullptr);
      break;
    }
    ++pages;
    CHECK((get(r, "more") != nullptr) == (fns.size() == 8));
    for (const auto& [name, spec] : fns.entries()) names.insert(name);
  }
  CHECK(pages == 12);
  CHECK(names.size() == 91);
  CHECK(names.count("ping") == 1);
  CHECK(get(h.one(request("Admin_availableFunctions", args({{"page", num(-1)}}))), "availableFunctions")
            ->asDict()
            .empty());
  CHECK(get(h.one(request("Admin_availableFunctions", args({{"page", num(1LL << 60)}}))), "availableFunctions")
            ->asDict()
            .empty());
  // No args at all: page 0.
  Value p0 = h.one(request("Admin_availableFunctions", {}, "", false));
  const auto* ping = get(p0, "availableFunctions")->asDict().find("Admin_availableFunctions");
  REQUIRE(ping != nullptr);
  CHECK(get(*get(*ping, "page"), "type")->asString() == "Int");
  CHECK(get(*get(*ping, "page"), "required")->asInt() == 0);
}

TEST_CASE("required arguments: presence and type, first missing in name order") {
  Harness h(withPassword("NONE"));
  CHECK(errorOf(h.one(request("NodeStore_dumpTable"))) == "Entry [page] is required and must be of type [Int]");
  CHECK(errorOf(h.one(request("NodeStore_dumpTable", args({{"page", str("0")}})))) ==
        "Entry [page] is required and must be of type [Int]");
  CHECK(errorOf(h.one(request("NodeStore_dumpTable", {}, "", false))) ==
        "Entry [page] is required and must be of type [Int]");
  CHECK(errorOf(h.one(request("UDPInterface_beginConnection"))) ==
        "Entry [address] is required and must be of type [String]");
  CHECK(errorOf(h.one(request("UDPInterface_setBroadcastDevices"))) ==
        "Entry [devices] is required and must be of type [List]");
  // Extra arguments are ignored.
  CHECK(get(h.one(request("NodeStore_dumpTable", args({{"page", num(0)}, {"extra", str("x")}}))), "routingTable"));
}

TEST_CASE("malformed datagrams get no reply; over-long ones the literal error") {
  Harness h(withPassword(kPw));
  for (std::string bad : {std::string(""), std::string("d1:q4:ping"), std::string("d1:q4:pingexx"),
                          std::string("l4:pinge"), std::string("d4:argsdee"), std::string("{\"q\":\"ping\"}"),
                          std::string("d1:qi5ee"), std::string("i3e")}) {
    CHECK_MESSAGE(h.call(bad).empty(), bad);
  }
  CHECK(h.bridge.counters().malformed == 8);
  std::string big = request("ping", {}, std::string(2100, 'A'));
  h.call(big);
  REQUIRE(h.sent.size() == 1);
  CHECK(h.sent[0].second == "d5:error16:Request too big.e");
  // Exactly 2048 bytes is fine.
  std::string edge = request("ping", {}, "T", false);
  edge = request("ping", {}, std::string(2048 - edge.size() - 7, 'B'), false);
  CHECK(edge.size() <= 2048);
  CHECK(h.call(edge).size() == 1);
  // cjdns's quirks are accepted: padded lengths, unsorted keys.
  CHECK(get(h.one("d0001:q4:ping4:txid3:abce"), "txid")->asString() == "abc");
  CHECK(get(h.one("d4:txid2:u11:q4:pinge"), "q")->asString() == "pong");
}

TEST_CASE("txid: echoed when it is a non-empty string, never invented") {
  Harness h(withPassword(kPw));
  CHECK(get(h.one("d1:q4:ping4:txid0:e"), "txid") == nullptr);
  CHECK(get(h.one("d1:q4:ping4:txidi7ee"), "txid") == nullptr);
  Value r = h.one(std::string("d1:q4:ping4:txid3:a\0be", 22));
  CHECK(get(r, "txid")->asString() == std::string("a\0b", 3));
  CHECK(errorOf(h.one(request("nope", {}, "zz"))) == kNoFunctionsMatched);
  CHECK(get(h.one(request("nope", {}, "zz")), "txid")->asString() == "zz");
}

TEST_CASE("asynchronous answers: txid kept, delivered only to recent authenticated clients") {
  Harness h(withPassword(kPw));
  const std::string label = crypto::labelToString(h.core.state().peers[0].label);
  CHECK(get(h.one(request("Admin_asyncEnabled")), "asyncEnabled")->asInt() == 0);

  // An authenticated ping: the answer comes later, with the txid.
  h.sent.clear();
  h.bridge.onDatagram("client", authed(kPw, h.cookie(), "SwitchPinger_ping", args({{"path", str(label)}}), "late1"),
                      h.now);
  CHECK(h.sent.empty());
  CHECK(h.bridge.pendingCount() == 1);
  h.now += 500;
  h.core.pump(h.bridge, h.now);
  auto late = h.replies("client");
  REQUIRE(late.size() == 1);
  CHECK(get(late[0], "txid")->asString() == "late1");
  CHECK(get(late[0], "result")->asString() == "pong");
  CHECK(get(late[0], "path")->asString() == label);
  CHECK(get(h.one(request("Admin_asyncEnabled")), "asyncEnabled")->asInt() == 1);

  SUBCASE("a client idle for more than 30 s gets nothing") {
    h.sent.clear();
    h.bridge.onDatagram("client", authed(kPw, h.cookie(), "SwitchPinger_ping", args({{"path", str(label)}}), "l2"),
                        h.now);
    h.now += 31000;
    h.core.pump(h.bridge, h.now);
    CHECK(h.replies("client").empty());
    CHECK(h.bridge.counters().asyncUndeliverable == 1);
    CHECK(get(h.one(request("Admin_asyncEnabled")), "asyncEnabled")->asInt() == 0);
  }
  SUBCASE("a synchronous answer is always delivered") {
    h.sent.clear();
    h.bridge.onDatagram("other", request("InterfaceController_peerStats"), h.now);
    h.now += 31000;
    h.core.pump(h.bridge, h.now);
    CHECK(h.replies("other").size() == 1);
  }
}

TEST_CASE("requests waiting for the core are bounded and time out") {
  BridgeLimits lim;
  lim.maxPending = 3;
  Harness h(withPassword("NONE"), lim);
  h.core.answer = false;
  for (int i = 0; i < 3; ++i) CHECK(h.call(request("InterfaceController_peerStats")).empty());
  CHECK(h.bridge.pendingCount() == 3);
  CHECK(errorOf(h.one(request("InterfaceController_peerStats"))) ==
        "cjdns-admin: too many requests waiting for the core, try later");
  // An async ping that is never answered is dropped silently.
  h.call(request("SwitchPinger_ping", args({{"path", str("0000.0000.0000.0013")}, {"timeout", num(100)}})));
  CHECK(h.bridge.pendingCount() == 3);  // refused too

  h.sent.clear();
  h.now += kCoreAnswerMs + 1;
  h.bridge.tick(h.now);
  CHECK(h.bridge.pendingCount() == 0);
  CHECK(h.replies("client").size() == 3);
  CHECK(errorOf(h.replies("client")[0]) == "cjdns-admin: no answer from the core");
  CHECK(h.bridge.counters().coreTimeouts == 3);
  // The core was told to forget them.
  unsigned cancels = 0;
  for (unsigned w : h.core.seen()) cancels += w == proto::AdminToCore::CANCEL ? 1 : 0;
  CHECK(cancels == 3);

  SUBCASE("late answers for unknown ids are dropped") {
    capnp::MallocMessageBuilder mb;
    auto m = mb.initRoot<proto::CoreToAdmin>();
    m.setId(2);
    m.setDone();
    h.sent.clear();
    CHECK(h.bridge.onCoreMessage(m.asReader(), h.now));
    CHECK(h.sent.empty());
    CHECK(h.bridge.counters().unknownAnswers == 1);
  }
  SUBCASE("an async request past its deadline is dropped without a reply") {
    h.core.answer = false;
    h.call(request("SwitchPinger_ping", args({{"path", str("0000.0000.0000.0013")}, {"timeout", num(100)}})));
    CHECK(h.bridge.pendingCount() == 1);
    h.sent.clear();
    h.now += 100 + kAsyncGraceMs;
    h.bridge.tick(h.now);
    CHECK(h.bridge.pendingCount() == 0);
    CHECK(h.sent.empty());
  }
}

TEST_CASE("the core unreachable: an immediate error") {
  Harness h(withPassword("NONE"));
  h.core.linkUp = false;
  CHECK(errorOf(h.one(request("InterfaceController_peerStats"))) == "cjdns-admin: the core cannot be reached");
  CHECK(h.bridge.pendingCount() == 0);
}

TEST_CASE("paging of peers (6), table (4), handles (64), users (16)") {
  FakeState s = withPassword("NONE");
  for (int i = 1; i < 14; ++i) {
    FakePeer p;
    p.key = crypto::generateIdentity().publicKey;
    p.label = static_cast<std::uint64_t>(0x13 + 2 * i);
    p.user = i % 2 ? "" : "u";
    s.peers.push_back(p);
  }
  s.handles.clear();
  for (std::uint32_t i = 0; i < 130; ++i) s.handles.push_back(1000 + i);
  s.users.clear();
  for (int i = 0; i < 20; ++i) s.users.push_back("user" + std::to_string(i));
  Harness h(std::move(s));

  auto page = [&](const char* fn, std::int64_t p) { return h.one(request(fn, args({{"page", num(p)}}))); };
  Value p0 = page("InterfaceController_peerStats", 0);
  CHECK(get(p0, "peers")->asList().size() == 6);
  CHECK(get(p0, "more")->asInt() == 1);
  CHECK(get(p0, "total")->asInt() == 14);
  Value p2 = page("InterfaceController_peerStats", 2);
  CHECK(get(p2, "peers")->asList().size() == 2);
  CHECK(get(p2, "more") == nullptr);
  CHECK(get(page("InterfaceController_peerStats", 3), "peers")->asList().empty());
  CHECK(get(page("InterfaceController_peerStats", -1), "peers")->asList().empty());
  // user only when known
  std::size_t withUser = 0;
  for (const Value& p : get(p0, "peers")->asList()) withUser += get(p, "user") != nullptr;
  CHECK(withUser == 3);

  Value t0 = page("NodeStore_dumpTable", 0);
  CHECK(get(t0, "routingTable")->asList().size() == 4);
  CHECK(get(t0, "more")->asInt() == 1);
  CHECK(get(t0, "count")->asInt() == 15);
  CHECK(get(t0, "peers")->asInt() == 14);
  Value t3 = page("NodeStore_dumpTable", 3);
  CHECK(get(t3, "routingTable")->asList().size() == 3);
  CHECK(get(t3, "more") == nullptr);

  Value h0 = page("SessionManager_getHandles", 0);
  CHECK(get(h0, "handles")->asList().size() == 64);
  CHECK(get(h0, "more")->asInt() == 1);
  CHECK(get(h0, "total")->asInt() == 130);
  CHECK(get(page("SessionManager_getHandles", 2), "handles")->asList().size() == 2);

  Value u0 = page("AuthorizedPasswords_list", 0);
  CHECK(get(u0, "users")->asList().size() == 16);
  CHECK(get(u0, "more") == nullptr);  // cjdns never says more here
  CHECK(get(u0, "total")->asInt() == 20);
  CHECK(get(page("AuthorizedPasswords_list", 1), "users")->asList().size() == 4);
}

TEST_CASE("replies over 64 KiB are not sent") {
  FakeState s = withPassword("NONE");
  s.users.clear();
  for (int i = 0; i < 16; ++i) s.users.push_back(std::string(5000, static_cast<char>('a' + i)));
  Harness h(std::move(s));
  CHECK(h.call(request("AuthorizedPasswords_list")).empty());
  CHECK(h.bridge.counters().responseTooBig == 1);
}

TEST_CASE("argument errors use cjdns's strings") {
  Harness h(withPassword("NONE"));
  auto err = [&](const char* fn, Dict a) { return h.one(request(fn, std::move(a))); };
  CHECK(errorOf(err("SwitchPinger_ping", args({{"path", str("not-a-label")}}))) == "");
  CHECK(errorOf(err("SwitchPinger_ping", args({{"path", str("0000.0000.0000.0013")}, {"keyPing", num(1)},
                                               {"lladdr", num(1)}}))) == "");
  Value dp = err("InterfaceController_disconnectPeer", args({{"pubkey", str("abc")}}));
  CHECK(errorOf(dp) == "bad key");
  CHECK(get(dp, "success")->asInt() == 0);
  CHECK(errorOf(err("InterfaceController_resetPeering", args({{"pubkey", str("abc")}}))) == "bad key");
  CHECK(get(err("InterfaceController_resetPeering", {}), "success")->asInt() == 1);
  CHECK(errorOf(err("NodeStore_nodeForAddr", args({{"ip", str("fc00::zz")}}))) == "parse_ip");
  CHECK(errorOf(err("SessionManager_sessionStatsByIP", args({{"ip6", str("x")}}))) == "malformed_ip");
  CHECK(errorOf(err("SessionManager_resetCA", args({{"ip6", str("x")}}))) == "malformed_ip");
  CHECK(errorOf(err("SessionManager_sessionStats", args({{"handle", num(1)}}))) == "no such session");
  CHECK(errorOf(err("RouterModule_pingNode", args({{"path", str("nowhere")}}))) == "parse_path");
  CHECK(errorOf(err("RouterModule_pingNode", args({{"path", str("fc00::1")}}))) == "not_found");
  CHECK(errorOf(err("RouterModule_getPeers", args({{"path", str("0000.0000.0000.0013")},
                                                   {"nearbyPath", str("13")}}))) == "parse_nearbyLabel");
  CHECK(errorOf(err("RouterModule_findNode", args({{"nodeToQuery", str("0000.0000.0000.0013")},
                                                   {"target", str("fc00::1")}}))) == "parse_target");
  CHECK(errorOf(err("RouterModule_lookup", args({{"address", str("fc00::1")}}))) == "address wrong length");
  CHECK(errorOf(err("RouterModule_lookup", args({{"address", str(std::string(39, 'z'))}}))) ==
        "failed to parse address");
  CHECK(errorOf(err("AuthorizedPasswords_add", args({{"password", str("p")}, {"ipv6", str("nope")}}))) ==
        "Invalid IPv6 Address");
  CHECK(errorOf(err("AuthorizedPasswords_add", args({{"password", str("p")}, {"user", str("Local Peers")}}))) ==
        "Password already added.");
  CHECK(errorOf(err("AuthorizedPasswords_add", args({{"password", str("p")}, {"user", str("bob")}}))) == "none");
  CHECK(errorOf(err("AuthorizedPasswords_remove", args({{"user", str("bob")}}))) == "none");
  CHECK(errorOf(err("AuthorizedPasswords_remove", args({{"user", str("bob")}}))) == "Unknown error.");
  CHECK(errorOf(err("UDPInterface_new", args({{"bindAddress", str("host.example:1")}}))) ==
        "Failed to parse address");

  const std::string key = crypto::publicKeyToString(h.core.state().peers[0].key);
  auto begin = [&](std::string k, std::string addr, std::int64_t ifn = 0) {
    return errorOf(err("UDPInterface_beginConnection",
                       args({{"publicKey", str(std::move(k))}, {"address", str(std::move(addr))},
                             {"interfaceNumber", num(ifn)}, {"password", str("pw")}})));
  };
  CHECK(begin("short", "1.2.3.4:5") == "key must be 52 characters long");
  CHECK(begin(key.substr(0, 52) + "xx", "1.2.3.4:5") == "key must end in .k");
  CHECK(begin(std::string(52, '!') + ".k", "1.2.3.4:5") == "failed to base-32 decode key");
  CHECK(begin(key, "example.com:5") == "unable to parse ip address and port.");
  CHECK(begin(key, "1.2.3.4") == "unable to parse ip address and port.");
  CHECK(begin(key, "1.2.3.4:5", 3) == "no such interface for interfaceNumber");
  CHECK(begin(key, "1.2.3.4:5") == "none");
  CHECK(begin(key + "trailing", "1.2.3.4:5") == "none");  // Key_parse never looks past the .k
}

TEST_CASE("typed requests: what reaches the core") {
  Harness h(withPassword("NONE"));
  std::string seenAddr;
  std::uint32_t seenVersion = 0;
  std::uint64_t seenPath = 0;
  std::uint32_t seenTimeout = 0;
  proto::SwitchPingKind seenKind = proto::SwitchPingKind::PING;
  h.core.override_ = [&](proto::AdminToCore::Reader r, proto::CoreToAdmin::Builder out) {
    if (r.isUdpBeginConnection()) {
      auto c = r.getUdpBeginConnection();
      auto ip = c.getAddress().getIp();
      seenAddr = std::to_string(ip[0]) + "." + std::to_string(ip[3]) + ":" + std::to_string(c.getAddress().getPort());
      seenVersion = c.getPeer().getVersion();
      out.setDone();
      return true;
    }
    if (r.isSwitchPing()) {
      seenPath = r.getSwitchPing().getPath();
      seenTimeout = r.getSwitchPing().getTimeoutMs();
      seenKind = r.getSwitchPing().getKind();
      out.initSwitchPong().setResult("timeout");
      return true;
    }
    return false;
  };
  const std::string key = crypto::publicKeyToString(h.core.state().peers[0].key);
  h.one(request("UDPInterface_beginConnection", args({{"publicKey", str(key)}, {"address", str("0.0.0.0:4000")}})));
  CHECK(seenAddr == "127.1:4000");  // unspecified means loopback, as in cjdns
  CHECK(seenVersion == 20);          // cjdns's default assumption
  h.one(request("SwitchPinger_ping", args({{"path", str("0000.0000.0000.0015")}, {"rpath", num(1)}})));
  CHECK(seenPath == 0x15);
  CHECK(seenTimeout == 2000);
  CHECK(seenKind == proto::SwitchPingKind::RPATH);
  h.one(request("SwitchPinger_ping", args({{"path", str("0000.0000.0000.0015")}, {"timeout", num(1LL << 40)},
                                           {"keyPing", num(1)}})));
  CHECK(seenTimeout == kMaxPingTimeoutMs);
  CHECK(seenKind == proto::SwitchPingKind::KEY_PING);
}

TEST_CASE("reply shapes of the core-served functions") {
  Harness h(withPassword("NONE"));
  const FakePeer& peer = h.core.state().peers[0];
  const std::string ip = crypto::ip6ToString(crypto::addressOf(peer.key));

  Value ni = h.one(request("Core_nodeInfo"));
  CHECK(keysOf(ni) == std::set<std::string>{"compressedSchemeHex", "encodingScheme", "error", "myAddr", "myIp6",
                                            "version"});
  CHECK(get(ni, "compressedSchemeHex")->asString() == "6114458100");
  CHECK(get(ni, "myAddr")->asString().starts_with("v21.0000.0000.0000.0001."));
  CHECK(get(ni, "encodingScheme")->asList().size() == 3);

  CHECK(get(h.one(request("Core_pid")), "pid")->asInt() == 4242);
  CHECK(errorOf(h.one(request("Core_exit"))) == "none");
  CHECK(get(h.one(request("Allocator_bytesAllocated")), "bytes")->asInt() == 331544);
  CHECK(keysOf(h.one(request("Security_checkPermissions"))) ==
        std::set<std::string>{"error", "noOpenFiles", "userId"});
  CHECK(errorOf(h.one(request("IpTunnel_listConnections"))) == kNotImplementedError);
  CHECK(errorOf(h.one(request("Admin_importFd"))) == "file descriptor was not attached to message");

  Value ifs = h.one(request("InterfaceController_interfaces"));
  CHECK(get(get(ifs, "ifaces")->asList()[0], "beaconState")->asString() == "DISABLED");

  Value nf = h.one(request("NodeStore_nodeForAddr", args({{"ip", str(ip)}})));
  CHECK(keysOf(*get(nf, "result")) == std::set<std::string>{"bestParent", "cost", "encodingScheme", "key",
                                                            "linkCount", "protocolVersion", "routeLabel"});
  Value unknown = h.one(request("NodeStore_nodeForAddr", args({{"ip", str("fc00::1")}})));
  CHECK(errorOf(unknown) == "none");
  CHECK(get(unknown, "result")->asDict().empty());

  Value rp = h.one(request("RouterModule_pingNode", args({{"path", str(ip)}})));
  CHECK(keysOf(rp) == std::set<std::string>{"addr", "deprecation", "from", "ms", "protocol", "result", "version"});
  CHECK(get(rp, "from")->asString() == ip + "@0000.0000.0000.0013");
  Value byName = h.one(request("RouterModule_pingNode",
                               args({{"path", str(crypto::nodeNameToString({21, peer.label, peer.key}))}})));
  CHECK(get(byName, "result")->asString() == "pong");

  Value gp = h.one(request("RouterModule_getPeers", args({{"path", str("0000.0000.0000.0013")}})));
  CHECK(keysOf(gp) == std::set<std::string>{"encodingScheme", "error", "ms", "peers", "result"});
  Value fn = h.one(request("RouterModule_nextHop", args({{"nodeToQuery", str(ip)}, {"target", str("fc00::1")}})));
  CHECK(get(fn, "result")->asString() == "nodes");
  CHECK(get(fn, "nodes")->asList().size() == 1);

  Value lk = h.one(request("RouterModule_lookup", args({{"address", str(ip)}})));
  CHECK(get(lk, "result")->asString() == "0000.0000.0000.0013");

  Value un = h.one(request("UDPInterface_new"));
  CHECK(keysOf(un) == std::set<std::string>{"bindAddress", "error", "interfaceNumber"});

  Value ss = h.one(request("SessionManager_sessionStatsByIP", args({{"ip6", str(ip)}})));
  CHECK(get(ss, "ip6")->asString() == ip);
  CHECK(get(ss, "state")->asString() == "ESTABLISHED");
}

TEST_CASE("answers the core gets wrong do not crash the bridge") {
  Harness h(withPassword("NONE"));
  h.core.override_ = [](proto::AdminToCore::Reader r, proto::CoreToAdmin::Builder out) {
    if (r.isPeerStats()) {
      out.setDone();  // wrong kind
      return true;
    }
    if (r.isSessionStats()) {
      out.initSession().setPublicKey(capnp::Data::Reader());  // no key
      return true;
    }
    return false;
  };
  CHECK(errorOf(h.one(request("InterfaceController_peerStats"))) == "cjdns-admin: unexpected answer from the core");
  CHECK(errorOf(h.one(request("SessionManager_sessionStats", args({{"handle", num(34117)}})))) ==
        "cjdns-admin: malformed answer from the core");
}

TEST_CASE("parseInfo checks the first answer") {
  capnp::MallocMessageBuilder mb;
  auto m = mb.initRoot<proto::CoreToAdmin>();
  m.setId(0);
  auto i = m.initInfo();
  const auto id = crypto::generateIdentity();
  i.setPublicKey(capnp::Data::Reader(id.publicKey.data(), 32));
  i.setIp6(capnp::Data::Reader(id.address.data(), 16));
  auto es = switching::EncodingScheme::v358().serialize();
  i.setEncodingScheme(capnp::Data::Reader(es.data(), es.size()));
  i.setAdminPassword("pw");
  i.setCorePid(7);
  auto ok = parseInfo(m.asReader());
  REQUIRE(ok.ok());
  CHECK(ok->corePid == 7);
  CHECK(ok->adminPassword == "pw");
  auto other = crypto::generateIdentity();
  i.setIp6(capnp::Data::Reader(other.address.data(), 16));
  CHECK(!parseInfo(m.asReader()).ok());
  m.setId(5);
  CHECK(!parseInfo(m.asReader()).ok());
  m.setDone();
  CHECK(!parseInfo(m.asReader()).ok());
}
