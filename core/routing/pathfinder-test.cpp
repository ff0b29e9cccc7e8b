#include "core/routing/pathfinder.h"

#include <doctest/doctest.h>

#include <algorithm>
#include <string>
#include <vector>

#include "core/routing/distance.h"
#include "core/session/test-net.h"
#include "core/switch/encoding-scheme.h"
#include "core/switch/label.h"
#include "core/wire/bencode.h"

using namespace cjdns;
using routing::DhtNode;
using routing::DhtResponder;
using routing::Pathfinder;
using routing::SearchStart;
using util::Value;

namespace {

/// Real fc identities, made once: the pathfinder checks listed addresses.
const std::vector<crypto::PublicKey>& keys() {
  static const std::vector<crypto::PublicKey> all = [] {
    std::vector<crypto::PublicKey> out;
    for (std::uint64_t seed = 100; seed < 124; ++seed) out.push_back(crypto::publicKeyOf(session::test::makeKey(seed)));
    return out;
  }();
  return all;
}

crypto::Ip6 ipOf(const crypto::PublicKey& k) { return crypto::addressOf(k); }

struct Sent {
  DhtNode to;
  Value query;
};

class FakeHost final : public routing::PathfinderHost {
 public:
  void sendQuery(const DhtNode& to, const Value& query, std::uint64_t) override { sent.push_back({to, query}); }
  void nodeFound(const DhtNode& node, std::uint64_t) override { found.push_back(node); }
  void pathBroken(const DhtNode& node, std::uint64_t) override { broken.push_back(node); }
  std::vector<Sent> sent;
  std::vector<DhtNode> found;
  std::vector<DhtNode> broken;
};

const Value& at(const Value& dict, const char* key) {
  REQUIRE(dict.isDict());
  const Value* v = dict.asDict().find(key);
  REQUIRE_MESSAGE(v != nullptr, "no \"" << key << "\"");
  return *v;
}

/// One pathfinder (key 0) and the responders of the other nodes.
struct World {
  explicit World(routing::PathfinderConfig cfg = {})
      : us(keys()[0]), dht(us, 21), pf(us, dht, host, cfg) {}

  /// Node `i` answers the query `q` (which reached it from us along a path
  /// whose return path, at it, is `back`), knowing `itsPeers`.
  Value answer(std::size_t i, const Sent& q, std::uint64_t back, const std::vector<DhtNode>& itsPeers) {
    DhtResponder r(keys()[i], 21);
    auto res = r.handle(q.query, back, itsPeers);
    REQUIRE(res.verdict == routing::DhtVerdict::kReply);
    return res.reply;
  }

  crypto::PublicKey us;
  FakeHost host;
  DhtResponder dht;
  Pathfinder pf;
  std::uint64_t now = 1'000'000;
};

DhtNode node(std::size_t i, std::uint64_t label, std::uint32_t version = 21) { return {keys()[i], label, version}; }

}  // namespace

TEST_CASE("a search with nobody to ask fails at once and is counted") {
  World w;
  CHECK(w.pf.search(ipOf(keys()[5]), {}, w.now) == SearchStart::kNoNodes);
  CHECK(w.pf.counters().searchesStarted == 1);
  CHECK(w.pf.counters().searchesFailed == 1);
  CHECK(w.host.sent.empty());
  CHECK(w.pf.activeSearches() == 0);
  // Our own address and non-fc addresses are not searched for.
  CHECK(w.pf.search(ipOf(keys()[0]), {}, w.now) == SearchStart::kRefused);
  CHECK(w.pf.search(crypto::Ip6{}, {}, w.now) == SearchStart::kRefused);
}

TEST_CASE("a search asks the peers nearest the target with fn queries of the old DHT's form") {
  World w;
  const crypto::Ip6 target = ipOf(keys()[10]);
  std::vector<DhtNode> peers;
  for (std::size_t i = 1; i <= 5; ++i) peers.push_back(node(i, switching::v358::peerLabel(static_cast<unsigned>(i) + 1)));
  REQUIRE(w.pf.search(target, peers, w.now) == SearchStart::kStarted);
  CHECK(w.pf.searching(target));
  REQUIRE(w.host.sent.size() == 3);  // `parallel` in flight
  CHECK(w.pf.pendingQueries() == 3);
  // The three nearest peers, nearest first.
  auto ranked = routing::closestNodes(target, peers, 3);
  for (std::size_t i = 0; i < 3; ++i) CHECK(w.host.sent[i].to == ranked[i]);
  const Value& q = w.host.sent[0].query;
  CHECK(at(q, "q").asString() == "fn");
  CHECK(at(q, "tar").asString() == std::string(target.begin(), target.end()));
  CHECK(Pathfinder::isOurTxid(at(q, "txid").asString()));
  CHECK(at(q, "txid").asString().substr(0, 2) == "00");
  CHECK(at(q, "p").asInt() == 21);
  CHECK(at(q, "es").asString() == std::string("\x61\x14\x45\x81\x00", 5));
  CHECK(at(q, "ei").asInt() == switching::EncodingScheme::v358().formNumber(w.host.sent[0].to.label));
  // Asking again while it runs joins the running search.
  CHECK(w.pf.search(target, peers, w.now) == SearchStart::kJoined);
  CHECK(w.host.sent.size() == 3);
}

TEST_CASE("a reply naming the target hands it over with the label spliced onto our path to the replier") {
  World w;
  // A(us) - B(1) - C(2): we reach B by 0x13, B reaches C by 0x15 and us by 0x13.
  const std::vector<DhtNode> peers{node(1, 0x13)};
  REQUIRE(w.pf.search(ipOf(keys()[2]), peers, w.now) == SearchStart::kStarted);
  REQUIRE(w.host.sent.size() == 1);
  const Value reply = w.answer(1, w.host.sent[0], 0x13, {node(0, 0x13), node(2, 0x15)});
  REQUIRE(w.pf.onReply(keys()[1], 0x13, reply.asDict(), w.now));
  REQUIRE(w.host.found.size() == 1);
  CHECK(w.host.found[0] == node(2, 0x153));
  CHECK(w.pf.counters().searchesSucceeded == 1);
  CHECK(w.pf.counters().repliesMatched == 1);
  CHECK(w.pf.activeSearches() == 0);
  // C is in the table now (we are not: our own key is skipped).
  CHECK(w.pf.lookup(ipOf(keys()[2])) == node(2, 0x153));
  CHECK(w.pf.nodes().size() == 1);
  // A second search for C right away is throttled; after a second it runs,
  // hands C over at once from the table and asks C itself first.
  CHECK(w.pf.search(ipOf(keys()[2]), peers, w.now + 10) == SearchStart::kThrottled);
  w.host.found.clear();
  w.host.sent.clear();
  REQUIRE(w.pf.search(ipOf(keys()[2]), peers, w.now + 2000) == SearchStart::kStarted);
  REQUIRE(w.host.found.size() == 1);
  CHECK(w.host.found[0] == node(2, 0x153));
  REQUIRE_FALSE(w.host.sent.empty());
  CHECK(w.host.sent[0].to == node(2, 0x153));
  // C answers: that alone is success.
  const Value fromC = w.answer(2, w.host.sent[0], 0x153, {});
  CHECK(w.pf.onReply(keys()[2], 0x153, fromC.asDict(), w.now + 2010));
  CHECK(w.pf.counters().searchesSucceeded == 2);
}

TEST_CASE("the search walks toward the target through nodes nearer to it, and ignores the rest") {
  World w;
  const std::size_t t = 20;  // the target
  const crypto::Ip6 target = ipOf(keys()[t]);
  // Rank the other keys by distance to the target: far..near.
  std::vector<std::size_t> others;
  for (std::size_t i = 1; i < keys().size(); ++i) {
    if (i != t) others.push_back(i);
  }
  std::sort(others.begin(), others.end(), [&](std::size_t a, std::size_t b) {
    return routing::closer(target, ipOf(keys()[b]), ipOf(keys()[a]));
  });
  const std::size_t far = others[0], mid = others[others.size() / 2], nearest = others.back();
  w.pf.search(target, std::vector<DhtNode>{node(far, 0x13)}, w.now);
  REQUIRE(w.host.sent.size() == 1);
  // The far peer knows a nearer node (and us, which we skip).
  const Value r1 = w.answer(far, w.host.sent[0], 0x13, {node(mid, 0x15), node(0, 0x13)});
  w.pf.onReply(keys()[far], 0x13, r1.asDict(), w.now);
  REQUIRE(w.host.sent.size() == 2);
  CHECK(w.host.sent[1].to == node(mid, 0x153));
  // The nearer node names the nearest, which names the target.
  const Value r2 = w.answer(mid, w.host.sent[1], 0x153, {node(nearest, 0x17)});
  w.pf.onReply(keys()[mid], 0x153, r2.asDict(), w.now);
  REQUIRE(w.host.sent.size() == 3);
  CHECK(w.host.sent[2].to.key == keys()[nearest]);
  CHECK(w.host.sent[2].to.label == switching::splice(0x17, 0x153));
  const Value r3 = w.answer(nearest, w.host.sent[2], w.host.sent[2].to.label, {node(t, 0x19)});
  w.pf.onReply(keys()[nearest], w.host.sent[2].to.label, r3.asDict(), w.now);
  REQUIRE(w.host.found.size() == 1);
  CHECK(w.host.found[0].key == keys()[t]);
  CHECK(w.host.found[0].label == switching::splice(0x19, switching::splice(0x17, 0x153)));
  CHECK(w.pf.counters().searchesSucceeded == 1);
  CHECK(w.pf.counters().queriesSent == 3);
}

TEST_CASE("a node farther from the target than its replier is learned and asked only after nearer ones") {
  // Unlike cjdns's greedy rule: in a sparse mesh the way round is often
  // "farther", so such nodes are kept behind the nearer candidates.
  World w;
  const std::size_t t = 3;
  const crypto::Ip6 target = ipOf(keys()[t]);
  // Two nodes: the replier and one farther than it.
  std::size_t a = 4, b = 5;
  if (routing::closer(target, ipOf(keys()[b]), ipOf(keys()[a]))) std::swap(a, b);  // a nearer than b
  w.pf.search(target, std::vector<DhtNode>{node(a, 0x13)}, w.now);
  const Value r = w.answer(a, w.host.sent[0], 0x13, {node(b, 0x15)});
  w.pf.onReply(keys()[a], 0x13, r.asDict(), w.now);
  CHECK(w.pf.lookup(ipOf(keys()[b])).has_value());
  REQUIRE(w.host.sent.size() == 2);  // nobody nearer was left: b is asked
  CHECK(w.host.sent[1].to.key == keys()[b]);
  CHECK(w.pf.counters().searchesFailed == 0);
}

TEST_CASE("unanswered queries time out; the search moves on, gives up within its budget and drops silent nodes") {
  routing::PathfinderConfig cfg;
  cfg.parallel = 2;
  cfg.maxRounds = 2;
  cfg.queryTimeoutMs = 1000;
  cfg.maxFailures = 1;
  World w(cfg);
  const crypto::Ip6 target = ipOf(keys()[15]);
  std::vector<DhtNode> peers;
  for (std::size_t i = 1; i <= 6; ++i) peers.push_back(node(i, switching::v358::peerLabel(static_cast<unsigned>(i) + 1)));
  w.pf.search(target, peers, w.now);
  CHECK(w.host.sent.size() == 2);
  w.pf.tick(w.now + 999);
  CHECK(w.host.sent.size() == 2);
  w.pf.tick(w.now + 1000);
  CHECK(w.pf.counters().queryTimeouts == 2);
  CHECK(w.host.sent.size() == 4);  // the next two
  CHECK(w.pf.activeSearches() == 1);
  w.pf.tick(w.now + 2000);
  CHECK(w.pf.counters().queryTimeouts == 4);
  CHECK(w.host.sent.size() == 4);  // budget of 2 rounds x 2 spent
  CHECK(w.pf.activeSearches() == 0);
  CHECK(w.pf.counters().searchesFailed == 1);
  CHECK(w.pf.pendingQueries() == 0);
  // Peers are not in the table, so nothing was dropped from it.
  CHECK(w.host.broken.empty());
}

TEST_CASE("a learned node that stops answering is forgotten and its path reported broken") {
  routing::PathfinderConfig cfg;
  cfg.maxFailures = 2;
  cfg.queryTimeoutMs = 1000;
  cfg.retryAfterMs = 0;
  World w(cfg);
  w.pf.heard(node(7, 0x153), w.now);
  REQUIRE(w.pf.nodes().size() == 1);
  for (int round = 0; round < 2; ++round) {
    w.now += 5000;
    REQUIRE(w.pf.search(ipOf(keys()[7]), {}, w.now) == SearchStart::kStarted);
    w.pf.tick(w.now + 1000);
  }
  CHECK(w.pf.nodes().empty());
  REQUIRE(w.host.broken.size() == 1);
  CHECK(w.host.broken[0] == node(7, 0x153));
  CHECK(w.pf.counters().nodesFailed == 1);
}

TEST_CASE("concurrent searches are bounded, and the table is bounded with the stalest node evicted") {
  routing::PathfinderConfig cfg;
  cfg.maxSearches = 2;
  cfg.maxNodes = 4;
  World w(cfg);
  const std::vector<DhtNode> peers{node(1, 0x13)};
  CHECK(w.pf.search(ipOf(keys()[2]), peers, w.now) == SearchStart::kStarted);
  CHECK(w.pf.search(ipOf(keys()[3]), peers, w.now) == SearchStart::kStarted);
  CHECK(w.pf.search(ipOf(keys()[4]), peers, w.now) == SearchStart::kRefused);
  CHECK(w.pf.counters().searchesRefused == 1);
  CHECK(w.pf.activeSearches() == 2);

  for (std::size_t i = 5; i < 9; ++i) w.pf.heard(node(i, 0x100 + i), w.now + i);
  CHECK(w.pf.nodes().size() == 4);
  w.pf.heard(node(5, 0x105), w.now + 100);  // 5 is fresh again; 6 is now the stalest
  w.pf.heard(node(9, 0x109), w.now + 101);
  CHECK(w.pf.nodes().size() == 4);
  CHECK(w.pf.counters().nodesEvicted == 1);
  CHECK_FALSE(w.pf.lookup(ipOf(keys()[6])).has_value());
  CHECK(w.pf.lookup(ipOf(keys()[5])).has_value());
  // Nodes not heard of for 30 minutes expire.
  w.pf.tick(w.now + 101 + 1'800'001);
  CHECK(w.pf.nodes().empty());
  CHECK(w.pf.counters().nodesExpired == 4);
}

TEST_CASE("a switch error forgets the nodes reached by or through the failed path and fails its queries") {
  World w;
  w.pf.heard(node(2, 0x153), w.now);    // behind B (0x13) then B's slot 2
  w.pf.heard(node(3, 0x1553), w.now);   // one more hop behind node 2
  w.pf.heard(node(4, 0x173), w.now);    // behind B, another slot
  w.pf.heard(node(5, 0x15), w.now);     // another first hop
  REQUIRE(w.pf.nodes().size() == 4);
  CHECK(w.pf.pathFailed(0x153, w.now) == 2);
  CHECK(w.pf.nodes().size() == 2);
  CHECK(w.host.broken.size() == 2);
  CHECK(w.pf.lookup(ipOf(keys()[4])).has_value());
  CHECK(w.pf.lookup(ipOf(keys()[5])).has_value());
  // A query sent along a failed path is lost at once, and the search moves on.
  w.pf.search(ipOf(keys()[4]), std::vector<DhtNode>{node(6, 0x17)}, w.now);
  const std::size_t sent = w.host.sent.size();
  REQUIRE(sent >= 1);
  CHECK(w.host.sent[0].to == node(4, 0x173));
  w.pf.pathFailed(0x173, w.now);
  CHECK(w.pf.counters().queryTimeouts >= 1);
  CHECK_FALSE(w.pf.lookup(ipOf(keys()[4])).has_value());
}

TEST_CASE("replies from the wrong node, with unknown txids, or with a broken node list are counted, not trusted") {
  World w;
  w.pf.search(ipOf(keys()[2]), std::vector<DhtNode>{node(1, 0x13)}, w.now);
  REQUIRE(w.host.sent.size() == 1);
  const Value reply = w.answer(1, w.host.sent[0], 0x13, {node(2, 0x15)});
  // Node 3 answers on B's behalf: ignored as an answer.
  CHECK(w.pf.onReply(keys()[3], 0x13, reply.asDict(), w.now));
  CHECK(w.pf.counters().repliesWrongSender == 1);
  CHECK(w.host.found.empty());
  // The real answer now comes too late: its query is gone.
  CHECK(w.pf.onReply(keys()[1], 0x13, reply.asDict(), w.now));
  CHECK(w.pf.counters().repliesUnknown == 1);
  CHECK(w.host.found.empty());
  // Not our txid form: not ours at all (a setup ping's reply).
  util::Dict other;
  other.add("txid", Value(std::string("00\0\0\0\1", 6)));
  CHECK_FALSE(w.pf.onReply(keys()[1], 0x13, other, w.now));

  World w2;
  w2.pf.search(ipOf(keys()[2]), std::vector<DhtNode>{node(1, 0x13)}, w2.now);
  util::Dict bad;
  bad.add("txid", at(w2.host.sent[0].query, "txid"));
  bad.add("n", Value(std::string(40, '\x01')));
  bad.add("np", Value(std::string("\x01\x15\x15", 3)));
  CHECK(w2.pf.onReply(keys()[1], 0x13, bad, w2.now));
  CHECK(w2.pf.counters().repliesBadList == 1);
  CHECK(w2.pf.counters().searchesFailed == 1);
}

TEST_CASE("entries with unspliceable labels, non-fc keys or old versions are rejected") {
  World w;
  w.pf.search(ipOf(keys()[2]), std::vector<DhtNode>{node(1, 0x13)}, w.now);
  crypto::PublicKey junk{};
  junk.fill(0x42);
  REQUIRE_FALSE(crypto::isValidAddress(crypto::addressOf(junk)));
  util::Dict d;
  d.add("txid", at(w.host.sent[0].query, "txid"));
  std::string n;
  auto add = [&](const crypto::PublicKey& k, std::uint64_t label) {
    n.append(reinterpret_cast<const char*>(k.data()), k.size());
    for (int s = 56; s >= 0; s -= 8) n.push_back(static_cast<char>((label >> s) & 0xff));
  };
  add(junk, 0x15);
  add(keys()[2], std::uint64_t{1} << 58);  // too long to splice after 0x13
  add(keys()[3], 0x15);                    // version 19
  add(keys()[2], 0x15);                    // fine
  d.add("n", Value(n));
  d.add("np", Value(std::string("\x01\x15\x15\x13\x15", 5)));
  w.pf.onReply(keys()[1], 0x13, d, w.now);
  CHECK(w.pf.counters().entriesRejected == 3);
  REQUIRE(w.host.found.size() == 1);
  CHECK(w.host.found[0] == node(2, 0x153));
}
