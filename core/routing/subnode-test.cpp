#include "core/routing/subnode.h"

#include <doctest/doctest.h>

#include <algorithm>
#include <array>
#include <cstdint>
#include <deque>
#include <functional>
#include <map>
#include <span>
#include <string>
#include <utility>
#include <variant>
#include <vector>

#include "core/crypto/keys.h"
#include "core/crypto/random.h"
#include "core/routing/announcement.h"
#include "core/routing/node-list.h"
#include "core/routing/route-server.h"
#include "core/switch/encoding-scheme.h"
#include "core/switch/label.h"
#include "core/wire/endian.h"

using namespace cjdns::routing;
namespace crypto = cjdns::crypto;
namespace sw = cjdns::switching;
namespace util = cjdns::util;

namespace {

/// A private key from a seeded stream whose address is in fc00::/8.
crypto::PrivateKey fcKey(std::uint64_t seed) {
  crypto::DeterministicRandom rng(seed);
  for (;;) {
    std::array<std::uint8_t, 32> raw{};
    rng.fill(raw);
    crypto::PrivateKey key(raw);
    if (crypto::isValidAddress(crypto::addressOf(crypto::publicKeyOf(key)))) return key;
  }
}

struct Identity {
  explicit Identity(std::uint64_t seed) : priv(fcKey(seed)), pub(crypto::publicKeyOf(priv)), ip(crypto::addressOf(pub)) {}
  crypto::PrivateKey priv;
  crypto::PublicKey pub{};
  crypto::Ip6 ip{};
};

/// Found by trial, so made once for the run. 0 is us, 1 and 2 snodes, the rest peers and targets.
const Identity& who(std::size_t i) {
  static std::deque<Identity> pool;
  while (pool.size() <= i) pool.emplace_back(9100 + pool.size() * 17);
  return pool[i];
}

constexpr std::size_t kUs = 0, kSnode = 1, kOtherSnode = 2, kPeer = 3, kPeer2 = 4, kTarget = 5;

std::string bytesOf(const crypto::Ip6& ip) { return std::string(ip.begin(), ip.end()); }

std::span<const std::uint8_t> bytesOf(const std::string& s) {
  return {reinterpret_cast<const std::uint8_t*>(s.data()), s.size()};
}

crypto::Ip6 ipOf(const std::string& s) {
  crypto::Ip6 ip{};
  REQUIRE(s.size() == ip.size());
  std::copy(s.begin(), s.end(), ip.begin());
  return ip;
}

std::string text(const util::Dict& d, const char* key) {
  const util::Value* v = d.find(key);
  return v && v->isString() ? v->asString() : std::string();
}

SubnodePeer peer(std::size_t i, std::uint64_t label, std::uint32_t version = 21) {
  return {who(i).pub, label, version};
}

sw::SwitchPingReply snodeProposal(std::size_t snode, std::uint64_t path) {
  sw::SwitchPingReply r;
  r.result = sw::SwitchPingResult::kPong;
  r.snode = sw::SwitchPingReply::Snode{who(snode).pub, 21, path};
  return r;
}

sw::SwitchPingReply rpathPong(std::uint64_t rpath) {
  sw::SwitchPingReply r;
  r.result = sw::SwitchPingResult::kPong;
  r.rpath = rpath;
  return r;
}

/// A PEER item as the subnode writes it for a peer in a 4-bit slot.
PeerItem peerItem(std::size_t i, std::uint16_t peerNum, std::uint32_t label) {
  return {.peerNum = peerNum, .ip6 = who(i).ip, .label = label};
}

/// A CJDHT reply's "n"/"np" for one node.
void addNode(util::Dict& d, const crypto::PublicKey& key, std::uint64_t label, std::uint32_t version) {
  std::string n(key.begin(), key.end());
  std::array<std::uint8_t, 8> be{};
  cjdns::wire::storeBe64(be.data(), label);
  n.append(be.begin(), be.end());
  d.add("n", util::Value(n));
  const std::uint32_t versions[] = {version};
  d.add("np", util::Value(serializeVersionList(versions)));
}

/// Records every call the subnode makes.
class FakeHost final : public SubnodeHost {
 public:
  struct SwitchQuery {
    sw::SwitchPingKind kind;
    std::uint64_t label;
    std::function<void(const sw::SwitchPingReply&)> done;
  };
  struct Sent {
    DhtNode to;
    util::Dict msg;
  };

  void switchQuery(sw::SwitchPingKind kind, std::uint64_t label, std::function<void(const sw::SwitchPingReply&)> done,
                   std::uint64_t) override {
    queries.push_back({kind, label, std::move(done)});
  }
  void sendToSnode(const DhtNode& snode, const util::Value& msg, std::uint64_t) override {
    REQUIRE(msg.isDict());
    sent.push_back({snode, msg.asDict()});
  }
  void routeFound(const DhtNode& node, std::uint64_t) override { found.push_back(node); }
  void routeFailed(const crypto::Ip6& target, std::uint64_t) override { failed.push_back(target); }

  std::vector<SwitchQuery*> ofKind(sw::SwitchPingKind kind) {
    std::vector<SwitchQuery*> out;
    for (auto& q : queries)
      if (q.kind == kind) out.push_back(&q);
    return out;
  }
  std::vector<const Sent*> withSq(const std::string& sq) const {
    std::vector<const Sent*> out;
    for (const auto& s : sent)
      if (text(s.msg, "sq") == sq) out.push_back(&s);
    return out;
  }
  /// A reply to `s` carrying only its txid.
  static util::Dict replyTo(const Sent& s) {
    util::Dict d;
    d.add("txid", util::Value(text(s.msg, "txid")));
    return d;
  }

  std::deque<SwitchQuery> queries;  // stable: tests hold pointers into it
  std::vector<Sent> sent;
  std::vector<DhtNode> found;
  std::vector<crypto::Ip6> failed;
};

SubnodeConfig testConfig() {
  SubnodeConfig c;
  c.peersAskedPerHunt = 1;
  return c;
}

/// A subnode of our own key and its recording host.
struct World {
  explicit World(SubnodeConfig config = testConfig()) : sub(who(kUs).priv, rng, host, config) {}
  FakeHost host;
  crypto::DeterministicRandom rng{42};
  Subnode sub;

  /// One v20 peer (no RPATH), in slot 0.
  void onePeer() {
    const std::vector<SubnodePeer> peers{peer(kPeer, 0x13, 20)};
    sub.setPeers(peers, 0);
  }

  /// Hunts at `nowMs` through the only peer, takes `snode` as proposed and
  /// answers its ping with `recvTime`.
  void becomeReady(std::uint64_t nowMs, std::size_t snode = kSnode, std::int64_t recvTime = 5'000'000) {
    const std::size_t asked = host.ofKind(sw::SwitchPingKind::kGetSnode).size();
    sub.tick(nowMs);
    auto getSnode = host.ofKind(sw::SwitchPingKind::kGetSnode);
    REQUIRE(getSnode.size() == asked + 1);
    getSnode.back()->done(snodeProposal(snode, 0x15));
    auto pn = host.withSq("pn");
    REQUIRE(!pn.empty());
    util::Dict reply = FakeHost::replyTo(*pn.back());
    reply.add("recvTime", util::Value(recvTime));
    REQUIRE(sub.onReply(who(snode).pub, reply, nowMs));
    REQUIRE(sub.ready());
  }
};

ParsedAnnouncement parseSent(const FakeHost::Sent& s) {
  ParsedAnnouncement p;
  REQUIRE(parseAnnouncement(bytesOf(text(s.msg, "ann")), p) == AnnParseError::kNone);
  return p;
}

/// The snode's answer to an "ann": the hash of the state it now holds.
util::Dict hashReply(const FakeHost::Sent& s, const AnnouncementLog& state) {
  util::Dict d = FakeHost::replyTo(s);
  const StateHash hash = state.stateHash();
  d.add("stateHash", util::Value(std::string(hash.begin(), hash.end())));
  return d;
}

template <typename T>
std::vector<T> itemsOf(const ParsedAnnouncement& p) {
  std::vector<T> out;
  for (const auto& item : p.items)
    if (const auto* t = std::get_if<T>(&item)) out.push_back(*t);
  return out;
}

}  // namespace

TEST_CASE("subnode hunts by asking one v20+ peer per cycle for its snode with GETSNODE") {
  World w;
  const std::vector<SubnodePeer> peers{peer(kPeer, 0x13, 20), peer(kPeer2, 0x15, 20), peer(kTarget, 0x17, 19)};
  w.sub.setPeers(peers, 0);
  w.sub.tick(0);
  w.sub.tick(2999);
  CHECK(w.host.queries.empty());
  std::vector<std::uint64_t> asked;
  for (std::uint64_t t : {3000, 4000, 5999, 6000, 9000, 12000}) {
    const std::size_t before = w.host.queries.size();
    w.sub.tick(t);
    if (w.host.queries.size() > before) asked.push_back(w.host.queries.back().label);
    CHECK(w.host.queries.size() - before <= 1);
  }
  REQUIRE(asked.size() == 4);  // at 3000, 6000, 9000, 12000
  CHECK(asked[0] != asked[1]);
  CHECK(asked[0] == asked[2]);  // round robin over the two
  for (auto label : asked) CHECK(label != 0x17);  // the v19 peer is never asked
  CHECK(w.host.queries.size() == 4);               // no RPATH: nobody is v21
  CHECK(w.sub.counters().getSnodeSent == 4);
  CHECK_FALSE(w.sub.ready());
  CHECK_FALSE(w.sub.snode().has_value());
}

TEST_CASE("subnode pings the proposed snode along the spliced label and is ready once it answers") {
  World w;
  w.sub.setAuthorized({who(kSnode).pub});
  w.onePeer();
  w.sub.tick(3000);
  auto getSnode = w.host.ofKind(sw::SwitchPingKind::kGetSnode);
  REQUIRE(getSnode.size() == 1);
  CHECK(getSnode[0]->label == 0x13);

  // Proposals of nobody, of ourselves and of a snode not configured are ignored.
  auto nobody = snodeProposal(kSnode, 0x15);
  nobody.snode->key = {};
  getSnode[0]->done(nobody);
  getSnode[0]->done(snodeProposal(kUs, 0x15));
  getSnode[0]->done(snodeProposal(kOtherSnode, 0x15));
  CHECK(w.host.sent.empty());

  getSnode[0]->done(snodeProposal(kSnode, 0x15));
  REQUIRE(w.host.sent.size() == 1);
  const auto& pn = w.host.sent[0];
  CHECK(text(pn.msg, "sq") == "pn");
  CHECK(pn.to.key == who(kSnode).pub);
  CHECK(pn.to.label == sw::splice(0x15, 0x13));
  CHECK(pn.to.label == 0x153);
  CHECK(text(pn.msg, "txid").size() == 6);
  CHECK(pn.msg.find("p")->asInt() == 21);
  const auto es = sw::EncodingScheme::v358().serialize();
  CHECK(text(pn.msg, "es") == std::string(es.begin(), es.end()));
  CHECK(pn.msg.find("ei")->asInt() == 0);
  CHECK(w.sub.counters().snodesProposed == 1);
  CHECK_FALSE(w.sub.ready());

  // A reply without recvTime is no answer (see below); with it, we are ready.
  util::Dict reply = FakeHost::replyTo(pn);
  reply.add("recvTime", util::Value(std::int64_t{123456}));
  CHECK(w.sub.onReply(who(kPeer).pub, reply, 3100));  // ours, but not from the snode: ignored
  CHECK_FALSE(w.sub.ready());
  CHECK(w.sub.onReply(who(kSnode).pub, reply, 3100));
  CHECK(w.sub.ready());
  REQUIRE(w.sub.snode().has_value());
  CHECK(w.sub.snode()->label == 0x153);
  CHECK(w.sub.counters().snodesAdopted == 1);

  // It asks the snode for the snode's own preferred path to it.
  auto gr = w.host.withSq("gr");
  REQUIRE(gr.size() == 1);
  CHECK(text(gr[0]->msg, "src") == bytesOf(who(kUs).ip));
  CHECK(text(gr[0]->msg, "tar") == bytesOf(who(kSnode).ip));
  util::Dict path = FakeHost::replyTo(*gr[0]);
  addNode(path, who(kSnode).pub, 0x4a3, 21);
  CHECK(w.sub.onReply(who(kSnode).pub, path, 3200));
  CHECK(w.sub.snode()->label == 0x4a3);
  CHECK(w.sub.counters().repliesUnknown == 1);
}

TEST_CASE("subnode learns its peers' paths to it by RPATH and announces them, signed, with a reset first") {
  World w;
  const std::vector<SubnodePeer> peers{peer(kPeer, 0x13), peer(kPeer2, 0x15)};
  w.sub.setPeers(peers, 1000);
  w.sub.tick(1000);
  auto rpath = w.host.ofKind(sw::SwitchPingKind::kRPath);
  REQUIRE(rpath.size() == 2);
  CHECK(rpath[0]->label != rpath[1]->label);
  auto* toPeer = rpath[0]->label == 0x13 ? rpath[0] : rpath[1];
  auto* toPeer2 = rpath[0]->label == 0x13 ? rpath[1] : rpath[0];
  toPeer->done(rpathPong(0x17));
  CHECK(w.sub.counters().rpathLearned == 1);

  w.becomeReady(3000, kSnode, 1'000'000);
  // Still waiting for the second peer's answer: not asked again yet.
  CHECK(w.host.ofKind(sw::SwitchPingKind::kRPath).size() == 2);
  w.sub.tick(3500);
  auto anns = w.host.withSq("ann");
  REQUIRE(anns.size() == 1);
  const ParsedAnnouncement first = parseSent(*anns[0]);
  CHECK(first.header.reset);
  CHECK(first.header.snodeIp == who(kSnode).ip);
  CHECK(first.nodeKey == who(kUs).pub);
  // The snode's clock: its recvTime was 1'000'000 when ours read 3000.
  CHECK(first.header.timestamp == 1'000'000 + 500);
  CHECK(itemsOf<VersionItem>(first) == std::vector<VersionItem>{{21}});
  CHECK(itemsOf<EncodingSchemeItem>(first) == std::vector<EncodingSchemeItem>{{sw::EncodingScheme::v358().serialize()}});
  // The second peer's path to us is not known yet.
  CHECK(itemsOf<PeerItem>(first) == std::vector<PeerItem>{peerItem(kPeer, 0x13, 0x17)});

  // One message on the wire at a time.
  toPeer2->done(rpathPong(0x1b));
  w.sub.tick(4500);
  CHECK(w.host.withSq("ann").size() == 1);

  AnnouncementLog snodeState;
  snodeState.accept(first);
  CHECK(w.sub.onReply(who(kSnode).pub, hashReply(*anns[0], snodeState), 4600));
  CHECK(w.sub.counters().announcementsAccepted == 1);

  // Only what changed: the second peer, no reset, no version again.
  w.sub.tick(5200);
  anns = w.host.withSq("ann");
  REQUIRE(anns.size() == 2);
  const ParsedAnnouncement second = parseSent(*anns[1]);
  CHECK_FALSE(second.header.reset);
  CHECK(itemsOf<VersionItem>(second).empty());
  CHECK(itemsOf<PeerItem>(second) == std::vector<PeerItem>{peerItem(kPeer2, 0x15, 0x1b)});

  // The snode's state differs from ours: the next message starts over.
  util::Dict wrong = FakeHost::replyTo(*anns[1]);
  wrong.add("stateHash", util::Value(std::string(64, 'x')));
  CHECK(w.sub.onReply(who(kSnode).pub, wrong, 5300));
  CHECK(w.sub.counters().resets == 1);
  CHECK(w.sub.counters().announcementsAccepted == 1);
  w.sub.tick(5800);
  anns = w.host.withSq("ann");
  REQUIRE(anns.size() == 3);
  const ParsedAnnouncement third = parseSent(*anns[2]);
  CHECK(third.header.reset);
  CHECK(itemsOf<VersionItem>(third).size() == 1);
  CHECK(itemsOf<PeerItem>(third).size() == 2);
  AnnouncementLog restarted;
  restarted.accept(third);
  CHECK(w.sub.onReply(who(kSnode).pub, hashReply(*anns[2], restarted), 5900));
  CHECK(w.sub.counters().announcementsAccepted == 2);

  // A peer that leaves is withdrawn with label 0.
  const std::vector<SubnodePeer> one{peer(kPeer2, 0x15)};
  w.sub.setPeers(one, 6500);
  w.sub.tick(6500);
  anns = w.host.withSq("ann");
  REQUIRE(anns.size() == 4);
  CHECK(itemsOf<PeerItem>(parseSent(*anns[3])) == std::vector<PeerItem>{peerItem(kPeer, 0x13, 0)});
}

TEST_CASE("subnode asks the snode for a route once per target and reports what it says") {
  World w;
  const crypto::Ip6 target = who(kTarget).ip;
  CHECK_FALSE(w.sub.search(target, 100));  // no snode: the host searches the DHT
  w.onePeer();
  w.becomeReady(3000);
  const std::size_t before = w.host.withSq("gr").size();  // the snode's own path
  CHECK(w.sub.search(target, 3100));
  CHECK(w.sub.search(target, 3200));
  auto gr = w.host.withSq("gr");
  REQUIRE(gr.size() == before + 1);
  CHECK(text(gr.back()->msg, "src") == bytesOf(who(kUs).ip));
  CHECK(text(gr.back()->msg, "tar") == bytesOf(target));
  CHECK(gr.back()->to.key == who(kSnode).pub);

  util::Dict found = FakeHost::replyTo(*gr.back());
  found.add("recvTime", util::Value(std::int64_t{1}));
  addNode(found, who(kTarget).pub, 0x2a5bc3, 21);
  CHECK(w.sub.onReply(who(kSnode).pub, found, 3300));
  REQUIRE(w.host.found.size() == 1);
  CHECK(w.host.found[0] == DhtNode{who(kTarget).pub, 0x2a5bc3, 21});

  // Answered: a new search asks again. No "n" now: the host is told to search elsewhere.
  CHECK(w.sub.search(target, 3400));
  gr = w.host.withSq("gr");
  REQUIRE(gr.size() == before + 2);
  CHECK(w.sub.onReply(who(kSnode).pub, FakeHost::replyTo(*gr.back()), 3500));
  REQUIRE(w.host.failed.size() == 1);
  CHECK(w.host.failed[0] == target);

  // An entry for someone else, or for a node older than v20, is no route either.
  CHECK(w.sub.search(target, 3600));
  util::Dict other = FakeHost::replyTo(*w.host.withSq("gr").back());
  addNode(other, who(kPeer).pub, 0x15, 21);
  CHECK(w.sub.onReply(who(kSnode).pub, other, 3700));
  CHECK(w.sub.search(target, 3800));
  util::Dict old = FakeHost::replyTo(*w.host.withSq("gr").back());
  addNode(old, who(kTarget).pub, 0x15, 19);
  CHECK(w.sub.onReply(who(kSnode).pub, old, 3900));
  CHECK(w.host.failed.size() == 3);
  CHECK(w.host.found.size() == 1);
  CHECK(w.sub.counters().routesFound == 1);
  CHECK(w.sub.counters().routesUnknown == 3);
  CHECK(w.sub.counters().routeQueries == 5);  // the snode's own path and four searches
}

TEST_CASE("subnode fails unanswered route queries and hunts again") {
  World w;
  w.onePeer();
  w.becomeReady(3000);
  CHECK(w.sub.search(who(kTarget).ip, 3000));
  const std::size_t hunts = w.host.ofKind(sw::SwitchPingKind::kGetSnode).size();
  w.sub.tick(8999);
  CHECK(w.host.failed.empty());
  CHECK(w.sub.ready());
  w.sub.tick(9000);
  CHECK(std::count(w.host.failed.begin(), w.host.failed.end(), who(kTarget).ip) == 1);
  CHECK(w.sub.counters().queryTimeouts >= 1);
  CHECK(w.sub.counters().snodesLost == 1);
  CHECK_FALSE(w.sub.ready());
  CHECK_FALSE(w.sub.search(who(kTarget).ip, 9000));
  CHECK(w.host.ofKind(sw::SwitchPingKind::kGetSnode).size() == hunts + 1);  // at once
}

TEST_CASE("subnode shuns a snode that leaves three pings in a row unanswered") {
  World w;
  w.onePeer();
  // Each unanswered ping costs 6 s, then the hunt starts again at once and
  // the peer proposes the same snode.
  for (std::uint64_t t = 3000; t <= 15000; t += 6000) {
    w.sub.tick(t);
    w.host.ofKind(sw::SwitchPingKind::kGetSnode).back()->done(snodeProposal(kSnode, 0x15));
  }
  CHECK(w.host.withSq("pn").size() == 3);
  w.sub.tick(21000);
  CHECK(w.sub.counters().snodesLost == 3);
  auto q = w.host.ofKind(sw::SwitchPingKind::kGetSnode);
  REQUIRE(q.size() == 4);
  q.back()->done(snodeProposal(kSnode, 0x15));
  CHECK(w.host.withSq("pn").size() == 3);
  q.back()->done(snodeProposal(kOtherSnode, 0x15));
  CHECK(w.host.withSq("pn").size() == 4);
  CHECK(w.host.withSq("pn").back()->to.key == who(kOtherSnode).pub);
}

TEST_CASE("subnode treats a ping reply without recvTime as no answer") {
  World w;
  w.onePeer();
  w.sub.tick(3000);
  w.host.ofKind(sw::SwitchPingKind::kGetSnode).back()->done(snodeProposal(kSnode, 0x15));
  auto pn = w.host.withSq("pn");
  REQUIRE(pn.size() == 1);
  CHECK(w.sub.onReply(who(kSnode).pub, FakeHost::replyTo(*pn[0]), 3100));
  CHECK_FALSE(w.sub.ready());
  // It must not wait for ever: it hunts again, without that snode.
  w.sub.tick(6100);
  w.sub.tick(9100);
  auto q = w.host.ofKind(sw::SwitchPingKind::kGetSnode);
  REQUIRE(q.size() >= 2);
  q.back()->done(snodeProposal(kOtherSnode, 0x15));
  CHECK(w.host.withSq("pn").size() == 2);
}

TEST_CASE("a route query left with a lost snode does not cost the next snode") {
  World w;
  w.onePeer();
  w.becomeReady(3000);
  CHECK(w.sub.search(who(kTarget).ip, 3000));
  w.sub.pathFailed(w.sub.snode()->label, 3100);  // a switch error on the way to it
  CHECK_FALSE(w.sub.ready());
  CHECK(w.sub.counters().snodesLost == 1);

  w.becomeReady(3200, kOtherSnode);
  // Keep the new snode busy with nothing: answer what it was asked.
  for (const auto* gr : w.host.withSq("gr"))
    if (gr->to.key == who(kOtherSnode).pub) w.sub.onReply(who(kOtherSnode).pub, FakeHost::replyTo(*gr), 3300);
  w.sub.tick(9500);  // the old snode's query is long past its 6 s
  CHECK(std::count(w.host.failed.begin(), w.host.failed.end(), who(kTarget).ip) == 1);
  CHECK(w.sub.ready());
  CHECK(w.sub.counters().snodesLost == 1);
  REQUIRE(w.sub.snode().has_value());
  CHECK(w.sub.snode()->key == who(kOtherSnode).pub);
}

TEST_CASE("subnode with a local route server announces and searches without the wire") {
  World w;
  RouteServer server(who(kUs).pub);
  w.sub.setLocalServer(&server);
  CHECK(w.sub.ready());
  REQUIRE(w.sub.snode().has_value());
  CHECK(w.sub.snode()->key == who(kUs).pub);

  const std::vector<SubnodePeer> peers{peer(kTarget, 0x15)};
  w.sub.setPeers(peers, 1000);
  w.sub.tick(1000);  // version and scheme; RPATH asked
  auto rpath = w.host.ofKind(sw::SwitchPingKind::kRPath);
  REQUIRE(rpath.size() == 1);
  rpath[0]->done(rpathPong(0x17));
  w.sub.tick(1500);
  CHECK(w.sub.counters().announcementsAccepted == 2);
  CHECK(w.sub.counters().resets == 0);
  CHECK(w.host.sent.empty());
  CHECK(server.nodeCount() == 1);

  // The target announces us (we reach it by 0x15) to the same server.
  const SigningKey targetKey(who(kTarget).priv);
  AnnouncementBuilder b(who(kUs).ip, 2000, true);
  const PeerItem us{.peerNum = 0x17, .ip6 = who(kUs).ip, .label = 0x15};
  REQUIRE(b.addAll(std::vector<AnnItem>{VersionItem{22}, us}).didNotFit.empty());
  crypto::DeterministicRandom rng(3);
  REQUIRE(server.announce(b.sign(targetKey, rng), 2000).error == "none");

  CHECK(w.sub.search(who(kTarget).ip, 2100));
  REQUIRE(w.host.found.size() == 1);
  CHECK(w.host.found[0] == DhtNode{who(kTarget).pub, 0x15, 22});
  CHECK_FALSE(w.sub.search(who(kPeer).ip, 2200));  // unknown to the server: search the DHT
  CHECK(w.host.sent.empty());
}

namespace {

/// Stands between a subnode and a RouteServer (key kSnode) as the network
/// would: GETSNODE names the server, RPATH answers come from `rpaths`, and
/// the server answers every CJDHT message; pump() delivers the answers.
class Bridge final : public SubnodeHost {
 public:
  Bridge(RouteServer& server, std::map<std::uint64_t, std::uint64_t> rpaths)
      : server_(server), rpaths_(std::move(rpaths)) {}

  void switchQuery(sw::SwitchPingKind kind, std::uint64_t label, std::function<void(const sw::SwitchPingReply&)> done,
                   std::uint64_t) override {
    const bool getSnode = kind == sw::SwitchPingKind::kGetSnode;
    switchReplies_.emplace_back(std::move(done), getSnode ? snodeProposal(kSnode, 0x13) : rpathPong(rpaths_.at(label)));
  }
  void sendToSnode(const DhtNode&, const util::Value& msg, std::uint64_t nowMs) override {
    const util::Dict& q = msg.asDict();
    util::Dict r;
    r.add("txid", util::Value(text(q, "txid")));
    r.add("recvTime", util::Value(static_cast<std::int64_t>(nowMs)));
    if (text(q, "sq") == "ann") {
      const auto a = server_.announce(bytesOf(text(q, "ann")), nowMs);
      r.add("error", util::Value(a.error));
      if (a.stateHash) r.add("stateHash", util::Value(std::string(a.stateHash->begin(), a.stateHash->end())));
    } else if (text(q, "sq") == "gr") {
      if (auto n = server_.route(ipOf(text(q, "src")), ipOf(text(q, "tar")))) addNode(r, n->key, n->label, n->version);
    }
    replies_.push_back(std::move(r));
  }
  void routeFound(const DhtNode& node, std::uint64_t) override { found.push_back(node); }
  void routeFailed(const crypto::Ip6&, std::uint64_t) override {}

  void pump(Subnode& sub, std::uint64_t nowMs) {
    while (!switchReplies_.empty() || !replies_.empty()) {
      auto switched = std::exchange(switchReplies_, {});
      for (auto& [done, reply] : switched) done(reply);
      auto replies = std::exchange(replies_, {});
      for (const auto& reply : replies) CHECK(sub.onReply(who(kSnode).pub, reply, nowMs));
    }
  }

  std::vector<DhtNode> found;

 private:
  RouteServer& server_;
  std::map<std::uint64_t, std::uint64_t> rpaths_;
  std::vector<std::pair<std::function<void(const sw::SwitchPingReply&)>, sw::SwitchPingReply>> switchReplies_;
  std::vector<util::Dict> replies_;
};

}  // namespace

TEST_CASE("two subnodes find a route server through each other, announce to it and get each other's path") {
  // X holds Y in slot 2 (0x15); Y holds X in slot 3 (0x17).
  RouteServer server(who(kSnode).pub);
  crypto::DeterministicRandom rx(1), ry(2);
  Bridge hx(server, {{0x15, 0x17}}), hy(server, {{0x17, 0x15}});
  Subnode x(who(kUs).priv, rx, hx, testConfig()), y(who(kTarget).priv, ry, hy, testConfig());
  const std::vector<SubnodePeer> xPeers{peer(kTarget, 0x15)}, yPeers{peer(kUs, 0x17)};
  x.setPeers(xPeers, 0);
  y.setPeers(yPeers, 0);
  for (std::uint64_t t = 0; t <= 5000; t += 250) {
    x.tick(t);
    hx.pump(x, t);
    y.tick(t);
    hy.pump(y, t);
  }
  CHECK(x.ready());
  CHECK(y.ready());
  CHECK(x.counters().announcementsAccepted >= 1);
  CHECK(x.counters().resets == 0);
  CHECK(y.counters().resets == 0);
  CHECK(server.nodeCount() == 2);
  CHECK(server.linkCount() == 2);

  CHECK(x.search(who(kTarget).ip, 5100));
  hx.pump(x, 5100);
  CHECK(y.search(who(kUs).ip, 5100));
  hy.pump(y, 5100);
  REQUIRE(hx.found.size() == 1);
  CHECK(hx.found[0] == DhtNode{who(kTarget).pub, 0x15, 21});
  REQUIRE(hy.found.size() == 1);
  CHECK(hy.found[0] == DhtNode{who(kUs).pub, 0x17, 21});
}
