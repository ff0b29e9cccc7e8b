#include "core/routing/node-list.h"

#include <doctest/doctest.h>

#include <string>
#include <vector>

#include "core/routing/distance.h"
#include "core/switch/encoding-scheme.h"
#include "core/switch/label.h"
#include "core/wire/endian.h"

using namespace cjdns;
using routing::DhtNode;

namespace {

util::Dict replyWith(const std::string& n, const std::string& np) {
  util::Dict d;
  d.add("n", util::Value(n));
  d.add("np", util::Value(np));
  d.add("txid", util::Value(std::string("00s0000")));
  return d;
}

std::string entry(std::uint8_t keyByte, std::uint64_t label) {
  std::string e(32, static_cast<char>(keyByte));
  for (int shift = 56; shift >= 0; shift -= 8) e.push_back(static_cast<char>((label >> shift) & 0xff));
  return e;
}

crypto::Ip6 ip(std::initializer_list<std::uint8_t> bytes) {
  crypto::Ip6 a{};
  std::size_t i = 0;
  for (auto b : bytes) a[i++] = b;
  return a;
}

}  // namespace

TEST_CASE("version lists round-trip, one byte wide until a version reaches 255") {
  const std::vector<std::uint32_t> v{20, 21, 22};
  CHECK(routing::serializeVersionList(v) == std::string("\x01\x14\x15\x16", 4));
  CHECK(routing::parseVersionList(routing::serializeVersionList(v)) == v);
  const std::vector<std::uint32_t> wide{21, 0x10000};
  CHECK(routing::serializeVersionList(wide) == std::string("\x03\x00\x00\x15\x01\x00\x00", 7));
  CHECK(routing::parseVersionList(routing::serializeVersionList(wide)) == wide);
  CHECK(routing::parseVersionList(std::string("\x04\x00\x00\x00\x15", 5)) == std::vector<std::uint32_t>{21});
  CHECK(routing::parseVersionList(std::string("\x01", 1)) == std::vector<std::uint32_t>{});
}

TEST_CASE("malformed version lists are refused as VersionList_parse refuses them") {
  CHECK_FALSE(routing::parseVersionList(""));
  CHECK_FALSE(routing::parseVersionList(std::string("\x00\x15", 2)));      // width 0
  CHECK_FALSE(routing::parseVersionList(std::string("\x05\x00\x00\x00\x00\x15", 6)));  // width 5
  CHECK_FALSE(routing::parseVersionList(std::string("\x02\x00\x15\x00", 4)));  // half a version
}

TEST_CASE("a node list is read entry by entry with the versions in the same order") {
  const auto d = replyWith(entry(0xaa, 0x13) + entry(0xbb, 0x153), std::string("\x01\x14\x16", 3));
  const auto nodes = routing::parseNodeList(d);
  REQUIRE(nodes);
  REQUIRE(nodes->size() == 2);
  CHECK((*nodes)[0].key == crypto::PublicKey{[] {
          crypto::PublicKey k{};
          k.fill(0xaa);
          return k;
        }()});
  CHECK((*nodes)[0].label == 0x13);
  CHECK((*nodes)[0].version == 20);
  CHECK((*nodes)[1].label == 0x153);
  CHECK((*nodes)[1].version == 22);
}

TEST_CASE("a node list is dropped whole when n or np is missing, empty, ragged or counts differently") {
  const std::string two = entry(1, 0x13) + entry(2, 0x15);
  CHECK_FALSE(routing::parseNodeList(replyWith(two, std::string("\x01\x14", 2))));          // one version for two
  CHECK_FALSE(routing::parseNodeList(replyWith(two, std::string("\x01\x14\x14\x14", 4))));  // three
  CHECK_FALSE(routing::parseNodeList(replyWith(two + "x", std::string("\x01\x14\x14", 3))));
  CHECK_FALSE(routing::parseNodeList(replyWith("", std::string("\x01", 1))));
  CHECK_FALSE(routing::parseNodeList(replyWith(two, "")));
  util::Dict noNp;
  noNp.add("n", util::Value(two));
  CHECK_FALSE(routing::parseNodeList(noNp));
  util::Dict intN;
  intN.add("n", util::Value(std::int64_t{5}));
  intN.add("np", util::Value(std::string("\x01", 1)));
  CHECK_FALSE(routing::parseNodeList(intN));
}

TEST_CASE("the DHT distance compares the address rotated by 64 bits: bytes 8..15 before 0..7") {
  const crypto::Ip6 target = ip({0xfc, 0, 0, 0, 0, 0, 0, 0, 0x10, 0, 0, 0, 0, 0, 0, 0});
  // Differs from the target only in byte 0: far in plain order, near here.
  const crypto::Ip6 nearRotated = ip({0xfd, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0x10, 0, 0, 0, 0, 0, 0, 0});
  // Differs only in the last bit of byte 15.
  const crypto::Ip6 lowBit = ip({0xfc, 0, 0, 0, 0, 0, 0, 0, 0x10, 0, 0, 0, 0, 0, 0, 1});
  // Differs in byte 8.
  const crypto::Ip6 farRotated = ip({0xfc, 0, 0, 0, 0, 0, 0, 0, 0x11, 0, 0, 0, 0, 0, 0, 0});
  CHECK(routing::closer(target, nearRotated, lowBit));
  CHECK(routing::closer(target, lowBit, farRotated));
  CHECK(routing::closer(target, nearRotated, farRotated));
  CHECK_FALSE(routing::closer(target, target, target));
  CHECK(routing::distance(target, target) == routing::Distance{});
  // Word order inside the rotated halves: W2 (bytes 8..11) above W3 (12..15).
  const crypto::Ip6 w3 = ip({0xfc, 0, 0, 0, 0, 0, 0, 0, 0x10, 0, 0, 0, 0xff, 0, 0, 0});
  const crypto::Ip6 w2 = ip({0xfc, 0, 0, 0, 0, 0, 0, 0, 0x10, 0, 0, 1, 0, 0, 0, 0});
  CHECK(routing::closer(target, w3, w2));
}

TEST_CASE("version compatibility follows cjdns Version_isCompatible") {
  CHECK(routing::versionsCompatible(21, 20));
  CHECK(routing::versionsCompatible(22, 20));
  CHECK(routing::versionsCompatible(22, 21));
  CHECK(routing::versionsCompatible(30, 22));  // clamped to 22
  CHECK(routing::versionsCompatible(20, 16));
  CHECK_FALSE(routing::versionsCompatible(21, 19));
  CHECK_FALSE(routing::versionsCompatible(21, 0));
  CHECK(routing::versionsCompatible(21, 21));
}

TEST_CASE("splicing a replier's label onto our path to it, as LabelSplicer does") {
  // We reach B by 0x13 (our slot 0); B reaches C by 0x15 (its slot 2).
  CHECK(switching::splice(0x15, 0x13) == 0x153);
  // A self route spliced onto any path is that path.
  CHECK(switching::splice(1, 0x153) == 0x153);
  // Seven-bit directors: B's slot 9 as 0x1a2 (0b1_1010_0010), after 0x13.
  CHECK(switching::splice(switching::v358::peerLabel(9), 0x13) == ((switching::v358::peerLabel(9) ^ 1) << 4 ^ 0x13));
  // Too long for 59 bits: refused.
  CHECK(switching::splice(std::uint64_t{1} << 40, std::uint64_t{1} << 20) == switching::kInvalidLabel);
  CHECK(switching::splice(std::uint64_t{1} << 39, std::uint64_t{1} << 20) == std::uint64_t{1} << 59);
  // The spliced path runs through the replier and unsplices back to the entry.
  CHECK(switching::routesThrough(0x153, 0x13));
  CHECK(switching::unsplice(0x153, 0x13) == 0x15);
  // The replier widens a 4-bit first director to the width of its path back
  // to the asker (NumberCompress_getLabelFor) before we splice it.
  const std::uint64_t widened = switching::v358::labelFor(0x15, 0x96);
  CHECK(switching::v358::bitsForLabel(widened) == 7);
  CHECK(switching::v358::decodeSlot(widened, 7) == 2);
}

TEST_CASE("closestNodes ranks by DHT distance, drops unusable labels, excluded keys and duplicate keys") {
  // Keys with fc addresses are not needed for the ranking itself.
  std::vector<DhtNode> nodes;
  for (std::uint8_t b = 1; b <= 12; ++b) {
    crypto::PublicKey k{};
    k.fill(b);
    nodes.push_back({k, 0x13 + 2u * b, 21});
  }
  const crypto::Ip6 target = crypto::addressOf(nodes[4].key);
  const auto best = routing::closestNodes(target, nodes, 5);
  REQUIRE(best.size() == 5);
  CHECK(best[0] == nodes[4]);
  for (std::size_t i = 1; i < best.size(); ++i) {
    CHECK_FALSE(routing::closer(target, crypto::addressOf(best[i].key), crypto::addressOf(best[i - 1].key)));
  }
  // A second entry for the nearest key (a longer path) does not count twice.
  auto withDup = nodes;
  withDup.push_back({nodes[4].key, 0x1553, 21});
  const auto dedup = routing::closestNodes(target, withDup, 3);
  CHECK(dedup[0].label == nodes[4].label);
  CHECK(dedup[1].key != nodes[4].key);
  // Excluded key, no path, unreachable path, incompatible version.
  auto bad = nodes;
  bad[4].label = 0;
  bad[5].label = std::uint64_t{1} << 63;
  bad[6].version = 19;
  routing::ClosestFilter f;
  f.exclude = &nodes[7].key;
  f.compatibleWith = 21;
  for (const DhtNode& n : routing::closestNodes(target, bad, 12, f)) {
    CHECK(n.key != nodes[4].key);
    CHECK(n.key != nodes[5].key);
    CHECK(n.key != nodes[6].key);
    CHECK(n.key != nodes[7].key);
  }
  CHECK(routing::closestNodes(target, bad, 12, f).size() == 8);
}
