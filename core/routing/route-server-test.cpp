#include "core/routing/route-server.h"

#include <doctest/doctest.h>

#include <array>
#include <cstdint>
#include <deque>
#include <map>
#include <optional>
#include <utility>
#include <vector>

#include "core/crypto/keys.h"
#include "core/crypto/random.h"
#include "core/switch/encoding-scheme.h"
#include "core/switch/label.h"
#include "core/switch/switch-core.h"
#include "core/switch/switch-header.h"
#include "core/wire/endian.h"
#include "core/wire/message.h"

using namespace cjdns::routing;
namespace crypto = cjdns::crypto;
namespace sw = cjdns::switching;
using Bytes = std::vector<std::uint8_t>;

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

/// A node that signs its own announcements.
struct Signer {
  explicit Signer(std::uint64_t seed)
      : priv(fcKey(seed)), key(priv), pub(crypto::publicKeyOf(priv)), ip(crypto::addressOf(pub)) {}
  crypto::PrivateKey priv;
  SigningKey key;
  crypto::PublicKey pub{};
  crypto::Ip6 ip{};
};

/// Keys are found by trial, so each is made once for the whole run. Index 0
/// is the route server's own key.
const Signer& signer(std::size_t i) {
  static std::deque<Signer> pool;
  while (pool.size() <= i) pool.emplace_back(7000 + pool.size() * 13);
  return pool[i];
}

const crypto::Ip6& serverIp() { return signer(0).ip; }

Bytes signMessage(const Signer& s, std::uint64_t ts, bool reset, const std::vector<AnnItem>& items,
                  const crypto::Ip6& snode = serverIp()) {
  AnnouncementBuilder b(snode, ts, reset);
  REQUIRE(b.addAll(items).didNotFit.empty());
  crypto::DeterministicRandom rng(ts * 31 + 7);
  return b.sign(s.key, rng);
}

ParsedAnnouncement parsed(const Bytes& bytes) {
  ParsedAnnouncement p;
  REQUIRE(parseAnnouncement(bytes, p) == AnnParseError::kNone);
  return p;
}

std::uint8_t formOf(std::uint64_t label) {
  return static_cast<std::uint8_t>(sw::EncodingScheme::v358().formNumber(label));
}

/// What a node says about its peer `other`: it holds `other` in slot
/// `ourSlot`, and `other` holds it in `theirSlot`.
PeerItem peerItem(const crypto::Ip6& other, unsigned ourSlot, unsigned theirSlot) {
  const std::uint64_t ours = sw::v358::peerLabel(ourSlot);
  PeerItem p;
  p.encodingFormNum = formOf(ours);
  p.peerNum = static_cast<std::uint16_t>(ours & 0xffff);
  p.mtu8 = 1304 / 8;
  p.ip6 = other;
  p.label = static_cast<std::uint32_t>(sw::v358::peerLabel(theirSlot));
  return p;
}

VersionItem version(std::uint16_t v = 21) { return {v}; }
EncodingSchemeItem scheme358() { return {sw::EncodingScheme::v358().serialize()}; }

struct Walk {
  std::optional<std::size_t> reached;  ///< the node whose router the packet reached
  std::uint64_t returnPath = 0;        ///< what that node would reply along
  sw::SwitchEvent event = sw::SwitchEvent::kForwarded;
};

/// A test network of pool nodes 1..n (net index i is signer(i + 1)), with
/// switches whose slots are the ones the announcements claim, so that a
/// label from the server can be walked through real SwitchCores.
class Net {
 public:
  explicit Net(std::size_t n) : peers_(n), maxSlot_(n, 0) {}

  const Signer& node(std::size_t i) const { return signer(i + 1); }
  const crypto::Ip6& ip(std::size_t i) const { return node(i).ip; }
  std::uint16_t versionOf(std::size_t i) const { return static_cast<std::uint16_t>(20 + i); }

  /// `a` holds `b` in slot `slotA`; `b` holds `a` in slot `slotB`.
  void link(std::size_t a, unsigned slotA, std::size_t b, unsigned slotB) {
    peers_[a][slotA] = peerItem(ip(b), slotA, slotB);
    peers_[b][slotB] = peerItem(ip(a), slotB, slotA);
    wires_[{a, slotA}] = {b, slotB};
    wires_[{b, slotB}] = {a, slotA};
    maxSlot_[a] = std::max(maxSlot_[a], slotA);
    maxSlot_[b] = std::max(maxSlot_[b], slotB);
  }

  /// A fresh (reset) message of node i: version, scheme, every peer.
  Bytes fullMessage(std::size_t i, std::uint64_t ts) const {
    std::vector<AnnItem> items{version(versionOf(i)), scheme358()};
    for (const auto& [slot, item] : peers_[i]) items.emplace_back(item);
    return signMessage(node(i), ts, true, items);
  }

  void announceAll(RouteServer& server, std::uint64_t ts) const {
    for (std::size_t i = 0; i < peers_.size(); ++i) {
      const auto reply = server.announce(fullMessage(i, ts), ts);
      REQUIRE(reply.error == "none");
    }
  }

  /// Node i's message withdrawing the peer it holds in `slot`.
  Bytes withdrawal(std::size_t i, unsigned slot, std::uint64_t ts) const {
    PeerItem gone = peers_[i].at(slot);
    gone.label = 0;
    return signMessage(node(i), ts, false, {gone});
  }

  /// Sends a packet with `label` from node `from`'s router through the switches.
  Walk walk(std::size_t from, std::uint64_t label) const {
    std::vector<sw::SwitchCore> switches(peers_.size());
    for (std::size_t i = 0; i < switches.size(); ++i) {
      while (!switches[i].hasInterface(maxSlot_[i])) REQUIRE(switches[i].addInterface().has_value());
    }
    cjdns::wire::Message msg;
    sw::SwitchHeader h;
    h.label = label;
    REQUIRE(msg.append(h.toBytes()));
    REQUIRE(msg.append(std::array<std::uint8_t, 16>{}));
    std::size_t at = from;
    unsigned fromSlot = sw::SwitchCore::kRouterSlot;
    for (int hops = 0; hops < 16; ++hops) {
      const auto r = switches[at].switchPacket(fromSlot, msg);
      if (r.action != sw::SwitchAction::kForward) return {std::nullopt, 0, r.event};
      if (r.slot == sw::SwitchCore::kRouterSlot) {
        return {at, sw::bitReverse64(cjdns::wire::loadBe64(msg.data())), r.event};
      }
      const auto wire = wires_.find({at, r.slot});
      if (wire == wires_.end()) return {std::nullopt, 0, r.event};
      std::tie(at, fromSlot) = wire->second;
    }
    return {};
  }

 private:
  std::vector<std::map<unsigned, PeerItem>> peers_;
  std::map<std::pair<std::size_t, unsigned>, std::pair<std::size_t, unsigned>> wires_;
  std::vector<unsigned> maxSlot_;
};

/// The route must reach `to` through the switches, and the return path the
/// switches wrote must be the route the server gives the other way.
void checkRoute(RouteServer& server, const Net& net, std::size_t from, std::size_t to, std::uint64_t expected) {
  const auto r = server.route(net.ip(from), net.ip(to));
  REQUIRE(r.has_value());
  CHECK(r->key == net.node(to).pub);
  CHECK(r->version == net.versionOf(to));
  CHECK(r->label == expected);
  const Walk w = net.walk(from, r->label);
  REQUIRE_MESSAGE(w.reached.has_value(), "stopped with " << sw::describe(w.event));
  CHECK(*w.reached == to);
  const auto back = server.route(net.ip(to), net.ip(from));
  REQUIRE(back.has_value());
  CHECK(back->label == w.returnPath);
}

}  // namespace

TEST_CASE("route server refuses bad, misaddressed, unknown and versionless announcements and counts them") {
  RouteServer server(signer(0).pub);
  const Signer& n = signer(1);
  const Bytes good = signMessage(n, 1000, true, {version(), scheme358()});

  Bytes tampered = good;
  tampered.back() ^= 0x01;
  auto r = server.announce(tampered, 1000);
  CHECK(r.error == describe(AnnParseError::kBadSignature));
  CHECK_FALSE(r.stateHash.has_value());

  r = server.announce(Bytes(good.begin(), good.begin() + 100), 1000);
  CHECK(r.error == describe(AnnParseError::kTooShort));

  crypto::Ip6 elsewhere = serverIp();
  elsewhere[15] ^= 0xff;
  r = server.announce(signMessage(n, 1000, true, {version()}, elsewhere), 1000);
  CHECK(r.error == "wrong_snode");

  r = server.announce(signMessage(n, 1000, false, {version()}), 1000);
  CHECK(r.error == "unknown_node");

  r = server.announce(signMessage(n, 1000, true, {scheme358()}), 1000);
  CHECK(r.error == "no_version");
  CHECK_FALSE(r.stateHash.has_value());

  CHECK(server.counters().announcementsRefused == 5);
  CHECK(server.counters().announcementsAccepted == 0);
  // Nothing refused may leave a node behind (it would count against maxNodes).
  CHECK(server.nodeCount() == 0);
  r = server.announce(signMessage(n, 1100, false, {version()}), 1100);
  CHECK(r.error == "unknown_node");

  r = server.announce(good, 2000);
  CHECK(r.error == "none");
  REQUIRE(r.stateHash.has_value());
  CHECK(server.nodeCount() == 1);
  const StateHash accepted = *r.stateHash;

  // A known node may not reset without saying its version either; its state stands.
  r = server.announce(signMessage(n, 3000, true, {scheme358()}), 3000);
  CHECK(r.error == "no_version");
  REQUIRE(r.stateHash.has_value());
  CHECK(*r.stateHash == accepted);
  CHECK(server.counters().announcementsRefused == 7);
}

TEST_CASE("route server answers the state hash the node's own announcement log computes") {
  RouteServer server(signer(0).pub);
  const Signer& n = signer(1);
  AnnouncementLog log;
  const auto send = [&](const Bytes& msg, std::uint64_t ts) {
    log.accept(parsed(msg));
    const auto r = server.announce(msg, ts);
    CHECK(r.error == "none");
    REQUIRE(r.stateHash.has_value());
    CHECK(*r.stateHash == log.stateHash());
  };
  send(signMessage(n, 1000, true, {version(), scheme358(), peerItem(signer(2).ip, 2, 3)}), 1000);
  send(signMessage(n, 2000, false, {peerItem(signer(3).ip, 4, 2)}), 2000);
  send(signMessage(n, 3000, false, {peerItem(signer(2).ip, 2, 5)}), 3000);
  CHECK(log.messages().size() == 3);
  // VERSION and ENCODING_SCHEME again: the first message now says nothing new.
  send(signMessage(n, 4000, false, {version(), scheme358()}), 4000);
  CHECK(log.messages().size() == 3);
  // 21 minutes later the snode forgets everything older than 20 minutes.
  send(signMessage(n, 4000 + 21 * 60 * 1000, false, {version()}), 4000 + 21 * 60 * 1000);
  CHECK(log.messages().size() == 1);
  CHECK(server.counters().announcementsAccepted == 5);
}

TEST_CASE("route server drops a withdrawn link and everything before a reset") {
  RouteServer server(signer(0).pub);
  Net net(2);
  net.link(0, 2, 1, 3);
  net.announceAll(server, 1000);
  CHECK(server.nodeCount() == 2);
  CHECK(server.linkCount() == 2);
  checkRoute(server, net, 0, 1, 0x15);

  // Node 1 withdraws node 0: the link 0->1 (which node 1 vouches for) goes.
  REQUIRE(server.announce(net.withdrawal(1, 3, 2000), 2000).error == "none");
  CHECK(server.linkCount() == 1);
  CHECK_FALSE(server.route(net.ip(0), net.ip(1)).has_value());
  CHECK(server.route(net.ip(1), net.ip(0)).has_value());

  // Node 0 starts over with no peers: its earlier PEER item is gone too.
  REQUIRE(server.announce(signMessage(net.node(0), 3000, true, {version(20)}), 3000).error == "none");
  CHECK(server.linkCount() == 0);
  CHECK_FALSE(server.route(net.ip(1), net.ip(0)).has_value());
  CHECK(server.counters().routesUnknown == 2);
}

TEST_CASE("route server splices a line of one-hop labels into the full path") {
  // 0 holds 1 in slot 2, 1 holds 0 in slot 3 and 2 in slot 4, 2 holds 1 in slot 5.
  RouteServer server(signer(0).pub);
  Net net(3);
  net.link(0, 2, 1, 3);
  net.link(1, 4, 2, 5);
  net.announceAll(server, 1000);
  // 0101 (0's slot 2), 1001 (1's slot 4), then the terminator.
  CHECK(sw::splice(0x19, 0x15) == 0x195);
  checkRoute(server, net, 0, 2, 0x195);
  // 1011 (2's slot 5), 0111 (1's slot 3).
  checkRoute(server, net, 2, 0, 0x17b);
  checkRoute(server, net, 1, 2, 0x19);
  CHECK(server.counters().routesAnswered == 6);
}

TEST_CASE("route server makes no link of a PEER label that is not one hop") {
  // 1 claims 0 reaches it by a self route (0x1) and 2 by a two-hop path:
  // neither becomes a link, so nothing routes into 1 from them.
  RouteServer server(signer(0).pub);
  Net net(3);
  net.link(0, 2, 1, 3);
  net.link(1, 4, 2, 5);
  net.announceAll(server, 1000);
  REQUIRE(server.route(net.ip(0), net.ip(2)));
  PeerItem self = peerItem(net.ip(0), 3, 2);
  self.label = 1;
  PeerItem twoHop = peerItem(net.ip(2), 4, 5);
  twoHop.label = 0x195;
  CHECK(server.announce(signMessage(net.node(1), 2000, false, {self, twoHop}), 1000).error == "none");
  CHECK_FALSE(server.route(net.ip(0), net.ip(1)));
  CHECK_FALSE(server.route(net.ip(2), net.ip(1)));
  CHECK(server.counters().linksRefused == 2);
}

TEST_CASE("route server widens the next director to the form of the way back to the previous node") {
  // Node 1 holds node 0 in slot 40, a 10-bit director (form 2), and node 2
  // in slot 4, a 4-bit one. A packet from 0 reaches 1's switch from slot
  // 40, which it writes back in the width of the director it reads: that
  // director must be 10 bits wide.
  RouteServer server(signer(0).pub);
  Net net(3);
  net.link(0, 2, 1, 40);
  net.link(1, 4, 2, 5);
  net.announceAll(server, 1000);
  REQUIRE(sw::v358::peerLabel(40) == 0x49c);
  CHECK(formOf(0x49c) == 2);
  // Slot 4 in 10 bits: (4 - 1) << 2 = 0x00c, terminator at bit 10.
  const std::uint64_t widened = sw::EncodingScheme::v358().convertLabel(0x19, 2);
  CHECK(widened == 0x40c);
  CHECK(sw::v358::labelFor(0x19, 0x49c) == widened);
  CHECK(sw::splice(widened, 0x15) == 0x40c5);
  checkRoute(server, net, 0, 2, 0x40c5);
  // The other way, 1's director back toward 0 is already 10 bits wide.
  checkRoute(server, net, 2, 0, 0x49cb);

  // Not widening would break at node 1: its switch refuses the packet.
  const Walk narrow = net.walk(0, 0x195);
  CHECK_FALSE(narrow.reached.has_value());
  CHECK(narrow.event == sw::SwitchEvent::kSourceTooWide);
}

TEST_CASE("route server finds both ways round a diamond and the remaining one after a link goes") {
  // 0 holds 1 in slot 2 and 2 in slot 3; 1 holds 0 in 2 and 3 in 3; 2
  // holds 0 in slot 20 (7 bits) and 3 in slot 3; 3 holds 1 in 2 and 2 in 3.
  RouteServer server(signer(0).pub);
  Net net(4);
  net.link(0, 2, 1, 2);
  net.link(0, 3, 2, 20);
  net.link(1, 3, 3, 2);
  net.link(2, 3, 3, 3);
  net.announceAll(server, 1000);
  CHECK(server.linkCount() == 8);

  // Via 1: 0101 then 0111. Via 2: 0111, then 2's slot 3 widened to 7 bits
  // (0b0001010) because 2 writes slot 20 back in 7 bits.
  const auto either = server.route(net.ip(0), net.ip(3));
  REQUIRE(either.has_value());
  CHECK((either->label == 0x175 || either->label == 0x8a7));
  const Walk w = net.walk(0, either->label);
  REQUIRE(w.reached.has_value());
  CHECK(*w.reached == 3);

  // The link 1-3 goes down on both sides: only the way through 2 remains.
  REQUIRE(server.announce(net.withdrawal(3, 2, 2000), 2000).error == "none");
  REQUIRE(server.announce(net.withdrawal(1, 3, 2000), 2000).error == "none");
  CHECK(server.linkCount() == 6);
  checkRoute(server, net, 0, 3, 0x8a7);
  // Back: 0111 (3's slot 3), then 2's slot 20 in 7 bits (0b1001110).
  checkRoute(server, net, 3, 0, 0xce7);
}

TEST_CASE("route server answers nothing for unknown or unconnected ends and counts it") {
  RouteServer server(signer(0).pub);
  Net net(3);
  net.link(0, 2, 1, 2);
  net.announceAll(server, 1000);
  crypto::Ip6 stranger = net.ip(0);
  stranger[15] ^= 0x55;
  CHECK_FALSE(server.route(stranger, net.ip(1)).has_value());
  CHECK_FALSE(server.route(net.ip(0), stranger).has_value());
  CHECK_FALSE(server.route(net.ip(0), net.ip(0)).has_value());
  CHECK_FALSE(server.route(net.ip(0), net.ip(2)).has_value());  // announced, no link
  CHECK(server.counters().routesUnknown == 4);
  CHECK(server.counters().routesAnswered == 0);
  CHECK(server.counters().routesTooLong == 0);
}

TEST_CASE("route server refuses a path whose label would pass 59 bits") {
  // A line of 7 nodes, every link a 10-bit director: 5 hops take 50 bits
  // and a terminator, 6 hops would need 61.
  RouteServer server(signer(0).pub);
  Net net(7);
  for (std::size_t i = 0; i + 1 < 7; ++i) net.link(i, 41, i + 1, 40);
  net.announceAll(server, 1000);
  // Slot 41 in 10 bits is 40 << 2 = 0x0a0, five times, then the terminator.
  checkRoute(server, net, 0, 5, 0x4a0280a0280a0ull);
  const std::uint64_t tooLong = server.counters().routesTooLong;
  CHECK_FALSE(server.route(net.ip(0), net.ip(6)).has_value());
  CHECK_FALSE(server.route(net.ip(6), net.ip(0)).has_value());
  CHECK(server.counters().routesTooLong == tooLong + 2);
  CHECK(server.route(net.ip(1), net.ip(6)).has_value());
}

TEST_CASE("route server refuses new nodes beyond maxNodes but still hears known ones") {
  RouteServer server(signer(0).pub, 2);
  Net net(3);
  REQUIRE(server.announce(net.fullMessage(0, 1000), 1000).error == "none");
  REQUIRE(server.announce(net.fullMessage(1, 1000), 1000).error == "none");
  const auto r = server.announce(net.fullMessage(2, 1000), 1000);
  CHECK(r.error != "none");
  CHECK_FALSE(r.stateHash.has_value());
  CHECK(server.counters().nodesRefused == 1);
  CHECK(server.nodeCount() == 2);
  CHECK(server.announce(signMessage(net.node(0), 2000, false, {version(20)}), 2000).error == "none");
  CHECK(server.counters().announcementsAccepted == 3);
}
