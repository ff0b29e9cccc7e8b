// Replays every exchange captured from real cjdns nodes (v21.1 and v22,
// vectors/admin/*-transcript.json) against the bridge and a fake core, and
// checks each reply has the same keys and value types as cjdns's, the same
// error strings, the same txid, and the same silence. Where we differ on
// purpose the exchange is listed below with the reason and what we answer.
#include <doctest/doctest.h>

#include <algorithm>
#include <map>
#include <set>
#include <sstream>

#include "admin/bridge/test-harness.h"
#include "core/crypto/address.h"
#include "core/util/vectors.h"

using namespace cjdns;
using namespace cjdns::admin;
using namespace cjdns::admin::testing;
using util::Value;

namespace {

/// Exchanges where our answer differs from cjdns's on purpose.
enum class Deviation {
  kNotImplemented,  ///< we list the function but answer "not implemented in cjdns-cpp yet"
  kCrashFixed,      ///< cjdns died (seccomp) and sent nothing; we answer
  kFullHashAccepted ///< cjdns refuses the full-string hash of a long password; we accept both forms
};

const std::map<std::string, std::pair<Deviation, const char*>>& deviations() {
  static const std::map<std::string, std::pair<Deviation, const char*>> k = {
      {"UDPInterface_getBroadcastDevices", {Deviation::kNotImplemented, "no UDP beacon broadcast control yet"}},
      {"UDPInterface_getBroadcastAddrs", {Deviation::kNotImplemented, "no UDP beacon broadcast control yet"}},
      {"UDPInterface_getFd", {Deviation::kNotImplemented, "the bridge has no access to the core's fds"}},
      {"NodeStore_getLink-0", {Deviation::kNotImplemented, "no link table in admin.capnp"}},
      {"risky-UDPInterface_listDevices-auth", {Deviation::kNotImplemented, "no device listing in admin.capnp"}},
      {"risky-ETHInterface_listDevices-auth", {Deviation::kNotImplemented, "no ETHInterface yet"}},
      {"risky-Security_getUser-auth",
       {Deviation::kNotImplemented, "cjdns died of SIGSYS; we answer, but have no user lookup"}},
      {"risky-Core_pid-noauth", {Deviation::kCrashFixed, "cjdns dies of SIGSYS on getpid; we answer from info"}},
      {"auth-long-password-full-string",
       {Deviation::kFullHashAccepted, "so that Python/JS/Rust tools work with long passwords"}},
  };
  return k;
}

/// Functions of the auth probe that answer real data in cjdns and "not
/// implemented" here (called without auth: open functions only).
const std::set<std::string> kProbeNotImplemented = {"NodeStore_getFullVerify", "SupernodeHunter_listSnodes"};

/// Keys cjdns sends that we leave out on purpose.
/// noiseProto: v22 only; our core speaks protocol 21 without Noise, as v21.1.
/// seccompExists/seccompEnforcing: not in admin.capnp's Permissions (yet).
const std::set<std::string> kIgnoredKeys = {"noiseProto", "seccompExists", "seccompEnforcing"};

/// String values that must be equal, not just strings.
const std::set<std::string> kExactStrings = {"error", "q", "txid", "result", "deprecation", "state", "beaconState"};

struct Shape {
  std::vector<std::string> problems;
  void compare(const Value& want, const Value& got, const std::string& path, const std::string& key) {
    if (want.type() != got.type()) {
      problems.push_back(path + ": type " + util::typeName(got.type()) + ", cjdns " + util::typeName(want.type()));
      return;
    }
    if (want.isString() && kExactStrings.count(key) != 0 && want.asString() != got.asString()) {
      problems.push_back(path + ": \"" + got.asString() + "\", cjdns \"" + want.asString() + "\"");
    }
    if (want.isInt() && key == "asyncEnabled" && want.asInt() != got.asInt()) {
      problems.push_back(path + ": " + std::to_string(got.asInt()) + ", cjdns " + std::to_string(want.asInt()));
    }
    if (want.isList()) {
      const auto& w = want.asList();
      const auto& g = got.asList();
      if (!w.empty() && g.empty()) problems.push_back(path + ": empty list, cjdns has entries");
      if (!w.empty()) {
        for (std::size_t i = 0; i < g.size(); ++i) compare(w.front(), g[i], path + "[" + std::to_string(i) + "]", "");
      }
    }
    if (want.isDict()) {
      const auto& w = want.asDict();
      const auto& g = got.asDict();
      for (const auto& [k, v] : w.entries()) {
        if (kIgnoredKeys.count(k) != 0) continue;
        const Value* mine = g.find(k);
        if (mine == nullptr) {
          problems.push_back(path + "." + k + ": missing");
        } else {
          compare(v, *mine, path + "." + k, k);
        }
      }
      for (const auto& [k, v] : g.entries()) {
        if (w.find(k) == nullptr) problems.push_back(path + "." + k + ": not in cjdns's reply");
      }
    }
  }
};

std::optional<Value> decodeB64(const std::string& b64) {
  auto raw = cjdns::testing::base64Decode(b64);
  if (!raw) return std::nullopt;
  auto v = wire::bencodeDecode(*raw);
  if (!v.ok()) return std::nullopt;
  return std::move(v).value();
}

/// The fake core's state for a transcript: the node's key (from
/// Core_nodeInfo when it was asked), its peer (from peerStats), its password.
FakeState stateFor(const Value& doc) {
  FakeState s = defaultState();
  s.password = cjdns::testing::text(doc, "adminPassword");
  s.protocolVersion = 21;
  for (const Value& e : cjdns::testing::list(doc, "exchanges")) {
    const Value* responses = get(e, "responses");
    if (responses == nullptr || !responses->isList() || responses->asList().empty()) continue;
    auto reply = decodeB64(cjdns::testing::text(responses->asList().front(), "base64"));
    if (!reply) continue;
    if (const Value* addr = get(*reply, "myAddr")) {
      auto name = crypto::parseNodeName(addr->asString());
      REQUIRE(name.has_value());
      s.self.publicKey = name->key;
      s.self.address = crypto::addressOf(name->key);
      s.protocolVersion = name->version;
    }
    if (const Value* handles = get(*reply, "handles"); handles != nullptr && !handles->asList().empty()) {
      s.handles.clear();
      for (const Value& hv : handles->asList()) s.handles.push_back(static_cast<std::uint32_t>(hv.asInt()));
    }
    const Value* peers = get(*reply, "peers");
    if (peers != nullptr && peers->isList() && !peers->asList().empty() && get(peers->asList()[0], "lladdr")) {
      const Value& p = peers->asList()[0];
      auto name = crypto::parseNodeName(get(p, "addr")->asString());
      REQUIRE(name.has_value());
      s.peers.clear();
      FakePeer fp;
      fp.key = name->key;
      fp.label = name->label;
      fp.version = name->version;
      fp.user = get(p, "user") != nullptr ? get(p, "user")->asString() : "";
      fp.lladdr = get(p, "lladdr")->asString();
      s.peers.push_back(fp);
    }
  }
  return s;
}

/// The server's cookie just before an authenticated exchange.
std::optional<std::uint64_t> serverCookie(const Value& exchange) {
  const Value* auth = get(exchange, "auth");
  if (auth == nullptr) return std::nullopt;
  const Value* ce = get(*auth, "cookieExchange");
  if (ce == nullptr) return std::nullopt;
  auto reply = decodeB64(cjdns::testing::text(*ce, "response"));
  if (!reply || get(*reply, "cookie") == nullptr) return std::nullopt;
  return std::stoull(get(*reply, "cookie")->asString());
}

void forgiveV22Args(Value& page);

struct Tally {
  int replayed = 0;
  int matched = 0;
  int deviations = 0;
  int probed = 0;
};

/// One exchange: our replies against cjdns's. Returns "" or what differs.
std::string check(Harness& h, const std::string& name, const std::string& request,
                  const std::vector<Value>& expected, const ClientAddr& client, Tally& tally, bool pagesByName) {
  auto got = h.call(request, client);
  ++tally.replayed;
  auto dev = deviations().find(name);
  if (dev != deviations().end()) {
    ++tally.deviations;
    switch (dev->second.first) {
      case Deviation::kNotImplemented:
        if (got.size() == 1 && errorOf(got[0]) == kNotImplementedError) return "";
        return "expected our not-implemented error";
      case Deviation::kCrashFixed:
        if (got.size() == 1 && get(got[0], "pid") != nullptr) return "";
        return "expected a pid";
      case Deviation::kFullHashAccepted:
        if (got.size() == 1 && get(got[0], "users") != nullptr) return "";
        return "expected the full-string hash to be accepted";
    }
  }
  if (got.size() != expected.size()) {
    return "we sent " + std::to_string(got.size()) + " replies, cjdns " + std::to_string(expected.size());
  }
  Shape shape;
  for (std::size_t i = 0; i < got.size(); ++i) {
    const Value* fns = get(expected[i], "availableFunctions");
    if (fns != nullptr && !pagesByName) {
      // v22 registers its functions in another order: only the page's shape
      // is compared here (the union of names is checked separately).
      Value w = expected[i];
      Value g = got[i];
      w.asDict().find("availableFunctions")->asDict() = util::Dict{};
      g.asDict().find("availableFunctions")->asDict() = util::Dict{};
      shape.compare(w, g, "reply", "");
      continue;
    }
    if (fns != nullptr) forgiveV22Args(got[i]);
    shape.compare(expected[i], got[i], "reply", "");
  }
  if (shape.problems.empty()) {
    ++tally.matched;
    return "";
  }
  std::ostringstream os;
  for (const auto& p : shape.problems) os << p << "; ";
  return os.str();
}

/// v21.1's beginConnection lacks the `version` argument v22 added (which we
/// list, since the core takes it): left out of our page before comparing.
void forgiveV22Args(Value& page) {
  Value* fns = page.asDict().find("availableFunctions");
  if (fns == nullptr) return;
  for (const char* f : {"UDPInterface_beginConnection", "ETHInterface_beginConnection"}) {
    if (Value* spec = fns->asDict().find(f)) {
      auto& e = spec->asDict().entries();
      e.erase(std::remove_if(e.begin(), e.end(), [](const auto& kv) { return kv.first == "version"; }), e.end());
    }
  }
}

void replay(const std::string& file, bool pagesByName, Tally& total) {
  auto doc = cjdns::testing::loadVectorJson("admin/" + file);
  if (!doc) return;
  Harness h(stateFor(*doc));
  Tally tally;
  std::set<std::string> listed;
  for (const Value& e : cjdns::testing::list(*doc, "exchanges")) {
    const std::string name = cjdns::testing::text(e, "name");
    if (name == "auth-probe") {
      // Every function called without auth and without arguments.
      for (const auto& [fn, probe] : get(e, "functions")->asDict().entries()) {
        const Value* first = get(probe, "firstReply");
        if (first == nullptr) continue;
        ++tally.probed;
        auto got = h.call(request(fn, {}, "probe-" + fn, false), "client-main");
        REQUIRE_MESSAGE(got.size() == 1, file << " probe " << fn);
        if (kProbeNotImplemented.count(fn) != 0) {
          CHECK_MESSAGE(errorOf(got[0]) == kNotImplementedError, file << " probe " << fn);
          continue;
        }
        Shape shape;
        Value want = *first;
        if (get(want, "availableFunctions") != nullptr) {
          want.asDict().find("availableFunctions")->asDict() = util::Dict{};
          got[0].asDict().find("availableFunctions")->asDict() = util::Dict{};
        }
        shape.compare(want, got[0], "reply", "");
        CHECK_MESSAGE(shape.problems.empty(), file << " probe " << fn << ": "
                                                   << (shape.problems.empty() ? "" : shape.problems.front()));
      }
      continue;
    }
    if (auto c = serverCookie(e)) h.now = *c * 1024 + 512;
    auto raw = cjdns::testing::base64Decode(cjdns::testing::text(cjdns::testing::field(e, "request"), "base64"));
    REQUIRE(raw.has_value());
    std::vector<Value> expected;
    for (const Value& r : cjdns::testing::field(e, "responses").asList()) {
      auto v = decodeB64(cjdns::testing::text(r, "base64"));
      REQUIRE_MESSAGE(v.has_value(), file << " " << name << ": unreadable captured reply");
      expected.push_back(std::move(*v));
    }
    // The risky calls were made from a separate socket, after the rest.
    const ClientAddr client = name.starts_with("risky-") ? "client-risky" : "client-main";
    std::string why = check(h, name, *raw, expected, client, tally, pagesByName);
    CHECK_MESSAGE(why.empty(), file << " " << name << ": " << why);
    for (const Value& r : expected) {
      if (const Value* fns = get(r, "availableFunctions")) {
        for (const auto& [fn, _] : fns->asDict().entries()) listed.insert(fn);
      }
    }
  }
  if (!listed.empty()) {
    // Every function cjdns lists, we list (we also keep v21.1's timestampPackets).
    for (const std::string& fn : listed) CHECK_MESSAGE(findFunction(fn) != nullptr, file << " lists " << fn);
  }
  MESSAGE(file << ": " << tally.replayed << " exchanges replayed, " << tally.matched << " match cjdns's shape, "
               << tally.deviations << " differ on purpose; " << tally.probed << " auth probes");
  total.replayed += tally.replayed;
  total.matched += tally.matched;
  total.deviations += tally.deviations;
  total.probed += tally.probed;
}

}  // namespace

TEST_CASE("replay: real cjdns admin transcripts") {
  Tally total;
  replay("v21.1-nodeB-transcript.json", true, total);
  replay("v22-nodeB-transcript.json", false, total);
  replay("v21.1-nodeA-transcript.json", true, total);
  replay("v22-nodeA-transcript.json", false, total);
  MESSAGE("all transcripts: " << total.replayed << " exchanges, " << total.matched << " matched, "
                              << total.deviations << " deliberate differences, " << total.probed << " auth probes");
  if (!cjdns::testing::vectorsDir().empty()) CHECK(total.replayed == total.matched + total.deviations);
}
