#include "core/routing/dht-responder.h"

#include <doctest/doctest.h>

#include <algorithm>
#include <array>
#include <string>
#include <vector>

#include "core/crypto/random.h"
#include "core/routing/distance.h"
#include "core/session/data-header.h"
#include "core/switch/encoding-scheme.h"
#include "core/switch/label.h"
#include "core/util/hex.h"
#include "core/util/vectors.h"
#include "core/wire/bencode.h"
#include "core/wire/endian.h"

using namespace cjdns;
using routing::DhtDrop;
using routing::DhtNode;
using routing::DhtResponder;
using routing::DhtVerdict;
using util::Value;

namespace {

const std::string kScheme("\x61\x14\x45\x81\x00", 5);

crypto::PublicKey keyNumbered(std::uint8_t n) {
  crypto::PublicKey k{};
  k.fill(n);
  return k;
}

DhtResponder responder() { return DhtResponder(keyNumbered(0xee), 21); }

std::span<const std::uint8_t> bytesOf(const std::string& s) {
  return {reinterpret_cast<const std::uint8_t*>(s.data()), s.size()};
}

const Value& at(const Value& dict, const char* key) {
  REQUIRE(dict.isDict());
  const Value* v = dict.asDict().find(key);
  REQUIRE_MESSAGE(v != nullptr, "no \"" << key << "\"");
  return *v;
}

bool has(const Value& dict, const char* key) { return dict.asDict().find(key) != nullptr; }

/// The peers of cjdns's NodeStore_test, each with its own key and version.
std::vector<DhtNode> nodeStorePeers() {
  const std::uint64_t labels[] = {0x1f, 0x1b, 0x19, 0x17, 0x15, 0x13, 0xb6, 0xb2,
                                  0xae, 0xaa, 0xa2, 0x9e, 0xba, 0x1d, 0xa6};
  std::vector<DhtNode> out;
  for (std::uint64_t l : labels) out.push_back({keyNumbered(static_cast<std::uint8_t>(l)), l, 20});
  return out;
}

/// The labels in a reply's "n", in order.
std::vector<std::uint64_t> labelsIn(const Value& reply) {
  const std::string& n = at(reply, "n").asString();
  REQUIRE(n.size() % 40 == 0);
  std::vector<std::uint64_t> out;
  for (std::size_t i = 0; i < n.size(); i += 40) {
    out.push_back(wire::loadBe64(reinterpret_cast<const std::uint8_t*>(n.data() + i + 32)));
  }
  return out;
}

std::string query(const std::string& body) { return "d" + body + "e"; }

}  // namespace

TEST_CASE("a ping query is answered with its txid echoed, our version, our scheme and the encoding index") {
  // upper.md 1.9, ping, from a v20 node (txid starts with '1').
  const std::string txid = "1" + std::string("\xc0\xcd\x38\xed\xb9\x5f\x88\x0b\xdf\x6b\x2e\x97", 12);
  const std::string msg = query("2:eii0e2:es5:" + kScheme + "1:pi20e1:q2:pn4:txid13:" + txid);
  const auto r = responder().handle(bytesOf(msg), 0x13, {});
  REQUIRE(r.verdict == DhtVerdict::kReply);
  CHECK(r.senderVersion == 20);
  CHECK(at(r.reply, "txid").asString() == txid);
  CHECK(at(r.reply, "p").asInt() == 21);
  CHECK(at(r.reply, "es").asString() == kScheme);
  CHECK(at(r.reply, "ei").asInt() == 0);
  CHECK_FALSE(has(r.reply, "q"));
  CHECK_FALSE(has(r.reply, "n"));
  CHECK(wire::bencodeEncode(r.reply) == query("2:eii0e2:es5:" + kScheme + "1:pi21e4:txid13:" + txid));
}

TEST_CASE("ei names the form of the first director of the path back to the asker") {
  const std::string msg = query("2:eii0e1:pi21e1:q2:pn4:txid2:00");
  CHECK(at(responder().handle(bytesOf(msg), 0x96, {}).reply, "ei").asInt() == 1);
  CHECK(at(responder().handle(bytesOf(msg), 0x400, {}).reply, "ei").asInt() == 2);
  CHECK(at(responder().handle(bytesOf(msg), 0x153, {}).reply, "ei").asInt() == 0);
}

TEST_CASE("a find-node query from a version 16 node is dropped, and from version 20 gets the nearest nodes") {
  // upper.md 1.9, find node, with the padded first key length d000002:.
  const std::string tail = "1:q2:fn3:tar16:" + std::string(16, '\xfc') + "4:txid12:" + std::string(12, 'x');
  const std::string old = "d000002:eii0e2:es5:" + kScheme + "1:pi16e" + tail + "e";
  const auto dropped = responder().handle(bytesOf(old), 0x13, {});
  CHECK(dropped.verdict == DhtVerdict::kDropped);
  CHECK(dropped.drop == DhtDrop::kOldVersion);

  const std::string current = "d000002:eii0e2:es5:" + kScheme + "1:pi20e" + tail + "e";
  const auto r = responder().handle(bytesOf(current), 0x13, nodeStorePeers());
  REQUIRE(r.verdict == DhtVerdict::kReply);
  CHECK(at(r.reply, "txid").asString() == std::string(12, 'x'));
  CHECK(labelsIn(r.reply).size() == 8);
  CHECK(at(r.reply, "np").asString() == std::string("\x01") + std::string(8, '\x14'));
  // Nobody known: an empty list is left out.
  const auto bare = responder().handle(bytesOf(current), 0x13, {});
  CHECK_FALSE(has(bare.reply, "n"));
  CHECK_FALSE(has(bare.reply, "np"));
}

TEST_CASE("a get-peers query returns this node and its one-hop peers nearest the start label, farthest first") {
  // upper.md 1.9, get peers: tar 00000000 9b64dc53 keeps only its first
  // director, 0x3, and becomes 0x13.
  const std::string tar("\x00\x00\x00\x00\x9b\x64\xdc\x53", 8);
  const std::string txid = "0" + std::string(12, '\xa9');
  const std::string msg = query("2:eii0e2:es5:" + kScheme + "1:pi20e1:q2:gp3:tar8:" + tar + "4:txid13:" + txid);
  auto peers = nodeStorePeers();
  peers.push_back({keyNumbered(1), 0x153, 20});  // two hops away: never a peer
  const auto r = responder().handle(bytesOf(msg), 0x13, peers);
  REQUIRE(r.verdict == DhtVerdict::kReply);
  CHECK(at(r.reply, "txid").asString() == txid);
  CHECK(labelsIn(r.reply) == std::vector<std::uint64_t>{0x9e, 0x1f, 0x1d, 0x1b, 0x19, 0x17, 0x15, 0x13});
  const std::string& n = at(r.reply, "n").asString();
  CHECK(n.substr(0, 32) == std::string(32, '\x9e'));  // each entry keeps its node's key
  CHECK(at(r.reply, "np").asString() == std::string("\x01") + std::string(8, '\x14'));
}

TEST_CASE("get peers selects as cjdns's NodeStore test expects, with this node at label 1") {
  auto doc = testing::loadVectorJson("spec-vectors.json");
  if (!doc) return;
  const Value* cases = testing::at(*doc, "nodeStoreGetPeers");
  REQUIRE(cases != nullptr);
  const Value* list = testing::at(*cases, "cases");
  REQUIRE(list != nullptr);
  REQUIRE(list->asList().size() == 3);
  for (const Value& c : list->asList()) {
    const std::uint64_t start = std::stoull(at(c, "startLabel").asString(), nullptr, 16);
    std::vector<std::uint64_t> expect;
    for (const Value& l : at(c, "expect").asList()) expect.push_back(std::stoull(l.asString(), nullptr, 16));
    std::vector<std::uint64_t> got;
    // The test lists them nearest first; the reply holds them farthest first.
    for (const DhtNode& node : responder().getPeers(start, nodeStorePeers())) got.insert(got.begin(), node.label);
    CHECK_MESSAGE(got == expect, "start label " << at(c, "startLabel").asString());
  }
}

TEST_CASE("get-peers labels are widened to the width of the asker's first director") {
  const std::string msg = query("2:eii1e1:pi21e1:q2:gp3:tar8:" + std::string(8, '\0') + "4:txid2:00");
  const std::vector<DhtNode> peers{{keyNumbered(7), 0x13, 21}};
  // We reach the asker through slot 6 in the 7-bit form: director 0x16.
  const auto r = responder().handle(bytesOf(msg), 0x96, peers);
  REQUIRE(r.verdict == DhtVerdict::kReply);
  CHECK(labelsIn(r.reply) == std::vector<std::uint64_t>{switching::v358::labelFor(0x13, 0x96), 1});
  CHECK(labelsIn(r.reply)[0] == 0x82);  // slot 0 as a 7-bit director
  CHECK(at(r.reply, "ei").asInt() == 1);
}

TEST_CASE("gp without an 8-byte target, nh and unknown queries get a bare reply") {
  const auto peers = nodeStorePeers();
  for (const std::string& body : {"1:q2:gp3:tar16:" + std::string(16, 'a'), std::string("1:q2:gp"),
                                  "1:q2:nh3:tar16:" + std::string(16, 'a'), std::string("1:q2:zz")}) {
    const auto r = responder().handle(bytesOf(query("2:eii0e1:pi20e" + body + "4:txid1:t")), 0x13, peers);
    REQUIRE(r.verdict == DhtVerdict::kReply);
    CHECK(r.reply.asDict().size() == 4);  // ei, es, p, txid
    CHECK(at(r.reply, "txid").asString() == "t");
  }
}

TEST_CASE("replies come back as not queries with the sender's version, and supernode queries are ignored") {
  const auto reply = responder().handle(bytesOf(query("2:eii0e1:n0:1:pi22e4:txid4:00ab")), 0x13, {});
  CHECK(reply.verdict == DhtVerdict::kNotQuery);
  CHECK(reply.senderVersion == 22);
  CHECK(at(reply.message, "txid").asString() == "00ab");

  const auto snode = responder().handle(bytesOf(query("2:eii0e1:pi21e2:sq2:gr4:txid2:01")), 0x13, {});
  CHECK(snode.verdict == DhtVerdict::kIgnored);
  CHECK(snode.senderVersion == 21);
  const auto qsq = responder().handle(bytesOf(query("2:eii0e1:pi21e1:q2:sq4:txid2:01")), 0x13, {});
  CHECK(qsq.verdict == DhtVerdict::kIgnored);
}

TEST_CASE("malformed or incompatible CJDHT messages are dropped with a reason") {
  struct Case {
    std::string msg;
    DhtDrop drop;
  };
  const std::vector<Case> cases{
      {"d2:eii0e1:pi20e1:q2:pn", DhtDrop::kBadBencode},
      {"li1ee", DhtDrop::kNotDict},
      {query("2:eii0e1:pi20e1:q2:pn"), DhtDrop::kNoTxid},
      {query("2:eii0e1:pi20e1:q2:pn4:txidi5e"), DhtDrop::kNoTxid},
      {query("2:eii0e1:q2:pn4:txid1:t"), DhtDrop::kNoVersion},
      {query("2:eii0e1:p2:201:q2:pn4:txid1:t"), DhtDrop::kNoVersion},
      {query("2:eii0e1:pi19e1:q2:pn4:txid1:t"), DhtDrop::kOldVersion},
      {query("2:eii0e1:pi-21e1:q2:pn4:txid1:t"), DhtDrop::kOldVersion},
      {query("2:eii0e1:pi4294967296e1:q2:pn4:txid1:t"), DhtDrop::kOldVersion},
      {query("2:eii0e2:es1:\xff"
             "1:pi20e1:q2:pn4:txid1:t"),
       DhtDrop::kBadScheme},
      {query("1:pi20e1:q2:pn4:txid1:t"), DhtDrop::kNoEncodingIndex},
      {query("2:eii3e1:pi20e1:q2:pn4:txid1:t"), DhtDrop::kBadEncodingIndex},
      {query("2:eii-1e1:pi20e1:q2:pn4:txid1:t"), DhtDrop::kBadEncodingIndex},
      {query("2:eii0e1:pi20e1:q2:pn4:txid1:t1:x" + std::string(1536, 'y')), DhtDrop::kTooLong},
  };
  for (const Case& c : cases) {
    const auto r = responder().handle(bytesOf(c.msg), 0x13, {});
    CHECK_MESSAGE(r.verdict == DhtVerdict::kDropped, c.msg);
    CHECK_MESSAGE(r.drop == c.drop, c.msg << ": " << routing::describe(r.drop));
  }
  // A fixed-width scheme of one form allows only ei 0.
  const std::string f8("\x00\x01", 2);  // prefixLen 0, bitCount 8
  const auto f8scheme = responder().handle(bytesOf(query("2:eii0e2:es2:" + f8 + "1:pi20e1:q2:pn4:txid1:t")), 1, {});
  CHECK(f8scheme.verdict == DhtVerdict::kReply);
}

TEST_CASE("trailing bytes after the dictionary are tolerated, as the DHT does") {
  const auto r = responder().handle(bytesOf(query("2:eii0e1:pi20e1:q2:pn4:txid1:t") + "junk"), 0x13, {});
  CHECK(r.verdict == DhtVerdict::kReply);
}

TEST_CASE("the version list widens to two bytes once a version reaches 255") {
  const std::vector<DhtNode> small{{{}, 1, 21}, {{}, 0x13, 254}};
  CHECK(DhtResponder::versionList(small) == std::string("\x01\x15\xfe", 3));
  const std::vector<DhtNode> big{{{}, 1, 21}, {{}, 0x13, 255}};
  CHECK(DhtResponder::versionList(big) == std::string("\x02\x00\x15\x00\xff", 5));
}

TEST_CASE("a ping query carries q, the txid, our version, our scheme and the form of the label it travels") {
  const Value q = responder().pingQuery("00abc", 0x400);
  CHECK(wire::bencodeEncode(q) == query("2:eii2e2:es5:" + kScheme + "1:pi21e1:q2:pn4:txid5:00abc"));
  // And our own responder accepts it.
  CHECK(responder().handle(q, 0x13, {}).verdict == DhtVerdict::kReply);
}

TEST_CASE("the CJDHT packets of cjdns's fuzz corpus parse and are answered or dropped as cjdns would") {
  auto doc = testing::loadVectorJson("spec-vectors.json");
  if (!doc) return;
  const Value* fuzz = testing::at(*doc, "fuzzCases");
  REQUIRE(fuzz != nullptr);
  int seen = 0;
  for (const Value& c : at(*fuzz, "cases").asList()) {
    const std::string& name = at(c, "name").asString();
    if (!name.starts_with("Dht")) continue;
    ++seen;
    const auto packet = util::fromHex(at(c, "hex").asString());
    REQUIRE(packet.has_value());
    REQUIRE(packet->size() > 72);
    // [RouteHeader 68][DataHeader 4][bencode]
    const auto dh = session::DataHeader::parse(std::span(*packet).subspan(68));
    REQUIRE(dh.has_value());
    CHECK(dh->version == 1);
    CHECK(dh->contentType == session::content_type::kCjdht);
    CHECK(util::toHex(dh->toBytes()) == at(c, "dataHeaderHex").asString());
    const std::string body(packet->begin() + 72, packet->end());
    CHECK(testing::base64Decode(at(c, "bencodeRawBase64").asString()) == body);

    const std::int64_t p = at(at(c, "bencodeDecoded"), "p").asInt();
    const auto r = responder().handle(std::span(*packet).subspan(72), 0x13, nodeStorePeers());
    if (p < 20) {
      CHECK_MESSAGE(r.drop == DhtDrop::kOldVersion, name);
      continue;
    }
    REQUIRE_MESSAGE(r.verdict == DhtVerdict::kReply, name);
    CHECK(r.senderVersion == p);
    CHECK(util::toHex(bytesOf(at(r.reply, "txid").asString())) ==
          at(at(at(c, "bencodeDecoded"), "txid"), "$hex").asString());
    CHECK(at(r.reply, "es").asString() == kScheme);
    CHECK(has(r.reply, "n") == (name == "DhtGetPeersQuery"));
  }
  CHECK(seen == 3);
}

namespace {

/// Real fc identities for the fn tests (the ranking is by address).
std::vector<crypto::PublicKey> fcKeys(std::size_t count) {
  std::vector<crypto::PublicKey> out;
  crypto::DeterministicRandom r(4242);
  while (out.size() < count) {
    std::array<std::uint8_t, 32> b{};
    r.fill(b);
    const auto pub = crypto::publicKeyOf(crypto::PrivateKey(b));
    if (crypto::isValidAddress(crypto::addressOf(pub))) out.push_back(pub);
  }
  return out;
}

std::string fnQuery(const crypto::Ip6& target, int version = 21) {
  return query("2:eii0e2:es5:" + kScheme + "1:pi" + std::to_string(version) + "e1:q2:fn3:tar16:" +
               std::string(target.begin(), target.end()) + "4:txid4:00ab");
}

std::vector<crypto::PublicKey> keysIn(const Value& reply) {
  const std::string& n = at(reply, "n").asString();
  std::vector<crypto::PublicKey> out;
  for (std::size_t i = 0; i < n.size(); i += 40) {
    crypto::PublicKey k{};
    std::copy_n(reinterpret_cast<const std::uint8_t*>(n.data() + i), 32, k.begin());
    out.push_back(k);
  }
  return out;
}

}  // namespace

TEST_CASE("fn answers the 8 known nodes nearest the target by the rotated XOR distance, nearest last") {
  const auto keys = fcKeys(14);
  const DhtResponder us(keys[0], 21);
  std::vector<DhtNode> peers, learned;
  for (std::size_t i = 1; i < 5; ++i) peers.push_back({keys[i], switching::v358::peerLabel(static_cast<unsigned>(i) + 1), 21});
  for (std::size_t i = 5; i < 14; ++i) learned.push_back({keys[i], 0x1003 + (i << 8), 20});
  const crypto::Ip6 target = crypto::addressOf(keys[9]);
  const auto r = us.handle(bytesOf(fnQuery(target)), 0x13, peers, learned);
  REQUIRE(r.verdict == DhtVerdict::kReply);
  const auto got = keysIn(r.reply);
  REQUIRE(got.size() == 8);
  CHECK(got.back() == keys[9]);  // the target itself, nearest of all, comes last
  for (std::size_t i = 1; i < got.size(); ++i) {
    CHECK(routing::closer(target, crypto::addressOf(got[i]), crypto::addressOf(got[i - 1])));
  }
  // Exactly the 8 nearest of the 13 known nodes: none left out is nearer.
  std::vector<crypto::PublicKey> all(keys.begin() + 1, keys.end());
  for (const auto& k : all) {
    if (std::find(got.begin(), got.end(), k) != got.end()) continue;
    CHECK(routing::closer(target, crypto::addressOf(got.front()), crypto::addressOf(k)));
  }
  // Each entry with our label for it (one byte of version each).
  const std::string& np = at(r.reply, "np").asString();
  const auto labels = labelsIn(r.reply);
  for (std::size_t i = 0; i < got.size(); ++i) {
    const auto isPeer = std::find_if(peers.begin(), peers.end(), [&](const DhtNode& p) { return p.key == got[i]; });
    const auto isLearned =
        std::find_if(learned.begin(), learned.end(), [&](const DhtNode& p) { return p.key == got[i]; });
    const DhtNode& src = isPeer != peers.end() ? *isPeer : *isLearned;
    CHECK(labels[i] == src.label);
    CHECK(static_cast<std::uint8_t>(np[1 + i]) == src.version);
  }
  // fn on our own responder agrees with findNodes.
  const auto direct = us.findNodes(target, 21, peers, learned);
  REQUIRE(direct.size() == 8);
  for (std::size_t i = 0; i < 8; ++i) CHECK(direct[i].key == got[i]);
}

TEST_CASE("fn never lists the answering node, nodes the asker cannot talk to, or nodes without a path") {
  const auto keys = fcKeys(6);
  const DhtResponder us(keys[0], 21);
  const std::vector<DhtNode> peers{{keys[0], 0x13, 21},   // ourselves, somehow
                                   {keys[1], 0x15, 19},   // too old for a v21 asker
                                   {keys[2], 0x17, 0},    // version unknown
                                   {keys[3], 0, 21},      // no path
                                   {keys[4], 0x19, 22}};
  const std::vector<DhtNode> learned{{keys[4], 0x1553, 22}, {keys[5], 0x153, 20}};
  const auto r = us.handle(bytesOf(fnQuery(crypto::addressOf(keys[0]))), 0x13, peers, learned);
  const auto got = keysIn(r.reply);
  REQUIRE(got.size() == 2);
  CHECK(std::find(got.begin(), got.end(), keys[4]) != got.end());
  CHECK(std::find(got.begin(), got.end(), keys[5]) != got.end());
  // keys[4] is both a peer and learned: its peer label is the one given.
  const auto labels = labelsIn(r.reply);
  for (std::size_t i = 0; i < got.size(); ++i) {
    if (got[i] == keys[4]) CHECK(labels[i] == 0x19);
  }
  // A target that is not 16 bytes gets the bare reply.
  const std::string shortTar = query("2:eii0e1:pi21e1:q2:fn3:tar8:" + std::string(8, 'a') + "4:txid1:t");
  CHECK_FALSE(has(us.handle(bytesOf(shortTar), 0x13, peers, learned).reply, "n"));
}

TEST_CASE("fn labels are widened to the width of the asker's first director, and unfit labels left out") {
  const auto keys = fcKeys(4);
  const DhtResponder us(keys[0], 21);
  // We reach the asker through a 7-bit director (0x96): every 4-bit first
  // director is re-encoded as 7 bits (NumberCompress_getLabelFor).
  const std::vector<DhtNode> peers{{keys[1], 0x13, 21}, {keys[2], 0x15, 21}};
  const std::vector<DhtNode> learned{{keys[3], std::uint64_t{1} << 57 | 0x5, 21}};  // 57 bits: no room to widen
  const auto r = us.handle(bytesOf(fnQuery(crypto::addressOf(keys[1]))), 0x96, peers, learned);
  const auto got = keysIn(r.reply);
  const auto labels = labelsIn(r.reply);
  REQUIRE(got.size() == 2);
  for (std::size_t i = 0; i < got.size(); ++i) {
    const std::uint64_t original = got[i] == keys[1] ? 0x13 : 0x15;
    CHECK(labels[i] == switching::v358::labelFor(original, 0x96));
    CHECK(switching::v358::bitsForLabel(labels[i]) == 7);
  }
  CHECK(at(r.reply, "np").asString().size() == 3);
}

TEST_CASE("a find-node query carries q, tar, the txid, our version, our scheme and the label's form") {
  crypto::Ip6 t{};
  t.fill(0xfc);
  const Value q = responder().findNodeQuery("00s1234", t, 0x96);
  CHECK(wire::bencodeEncode(q) == query("2:eii1e2:es5:" + kScheme + "1:pi21e1:q2:fn3:tar16:" +
                                        std::string(16, '\xfc') + "4:txid7:00s1234"));
  CHECK(responder().handle(q, 0x13, {}).verdict == DhtVerdict::kReply);
}
