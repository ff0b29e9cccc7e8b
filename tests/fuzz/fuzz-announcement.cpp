// Fuzz target: supernode announcements (upper.md 1.15), two ways:
//   1. the bytes as an announcement: parseAnnouncement must not crash, and
//      what parses (practically only a seed or a mutation past the
//      signature, the signature covers everything but itself) goes to a
//      RouteServer, whose answer must not be a parse error;
//   2. the bytes as choices: up to three messages of items the input picks,
//      built and signed with a fixed key. Each must parse back to exactly
//      the items the builder took, then goes to a RouteServer that also
//      knows two fixed nodes linked to the signer; route() between every
//      pair must not crash, and a route it gives must name its target with
//      a label that is neither 0 nor the invalid one.
// Everything is deterministic (fixed keys, seeded nonces), so a crash replays
// from its input.
//
// The seeds in corpus/announcement/ are a valid signed announcement from the
// signer (version, scheme, two peers, a link state), a choice stream that
// links the signer to both fixed nodes, and a bare header.
#include <array>
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <span>
#include <string>
#include <vector>

#include "core/crypto/keys.h"
#include "core/crypto/random.h"
#include "core/routing/announcement.h"
#include "core/routing/route-server.h"
#include "core/switch/encoding-scheme.h"
#include "core/switch/label.h"

namespace {

using namespace cjdns;
using namespace cjdns::routing;
using Bytes = std::vector<std::uint8_t>;

void require(bool ok) {
  if (!ok) std::abort();
}

crypto::PrivateKey fcKey(std::uint64_t seed) {
  crypto::DeterministicRandom r(seed);
  for (;;) {
    std::array<std::uint8_t, 32> b{};
    r.fill(b);
    crypto::PrivateKey key(b);
    if (crypto::isValidAddress(crypto::addressOf(crypto::publicKeyOf(key)))) return key;
  }
}

struct Node {
  explicit Node(std::uint64_t seed)
      : priv(fcKey(seed)), signing(priv), pub(crypto::publicKeyOf(priv)), ip(crypto::addressOf(pub)) {}
  crypto::PrivateKey priv;
  SigningKey signing;
  crypto::PublicKey pub{};
  crypto::Ip6 ip{};
};

PeerItem link(const crypto::Ip6& peer, std::uint64_t ours, std::uint32_t theirs) {
  PeerItem p;
  p.encodingFormNum = static_cast<std::uint8_t>(switching::EncodingScheme::v358().formNumber(ours));
  p.peerNum = static_cast<std::uint16_t>(ours);
  p.ip6 = peer;
  p.label = theirs;
  return p;
}

/// The server, the signer F and two nodes A and B that announce links to
/// each other and to F (A holds F in slot 2 and B in slot 40; B holds A in
/// 2 and F in 3), signed once.
struct World {
  Node server{31337}, f{1}, a{2}, b{3};
  Bytes aMsg, bMsg;
  World() {
    crypto::DeterministicRandom rng(5);
    AnnouncementBuilder ab(server.ip, 1000, true);
    ab.addAll(std::vector<AnnItem>{VersionItem{21}, link(f.ip, 0x15, 0x13), link(b.ip, 0x49c, 0x15)});
    aMsg = ab.sign(a.signing, rng);
    AnnouncementBuilder bb(server.ip, 1000, true);
    bb.addAll(std::vector<AnnItem>{VersionItem{22}, link(a.ip, 0x15, 0x49c), link(f.ip, 0x17, 0x15)});
    bMsg = bb.sign(b.signing, rng);
  }
};

const World& world() {
  static const World w;
  return w;
}

/// The input read as a stream of choices; zeros once it runs out.
class Choices {
 public:
  explicit Choices(std::span<const std::uint8_t> d) : d_(d) {}
  bool empty() const { return d_.empty(); }
  std::uint8_t u8() {
    if (d_.empty()) return 0;
    const std::uint8_t v = d_[0];
    d_ = d_.subspan(1);
    return v;
  }
  std::uint64_t bytes(unsigned n) {
    std::uint64_t v = 0;
    for (unsigned i = 0; i < n; ++i) v = (v << 8) | u8();
    return v;
  }
  /// 1, 2, 4 or 8 bytes, so that every varint size comes up.
  std::uint64_t sized() { return bytes(1u << (u8() % 4)); }

 private:
  std::span<const std::uint8_t> d_;
};

crypto::Ip6 pickIp(Choices& in) {
  const World& w = world();
  switch (in.u8() % 4) {
    case 0: return w.a.ip;
    case 1: return w.b.ip;
    case 2: return w.f.ip;
    default: {
      crypto::Ip6 ip{};
      for (auto& x : ip) x = in.u8();
      return ip;
    }
  }
}

AnnItem pickItem(Choices& in) {
  switch (in.u8() % 4) {
    case 0: return VersionItem{static_cast<std::uint16_t>(in.bytes(2))};
    case 1: {
      if (in.u8() & 1) return EncodingSchemeItem{switching::EncodingScheme::v358().serialize()};
      std::vector<std::uint8_t> raw(in.u8() % 9);
      for (auto& x : raw) x = in.u8();
      return EncodingSchemeItem{raw};
    }
    case 2: {
      PeerItem p;
      p.encodingFormNum = in.u8();
      p.flags = in.u8();
      p.mtu8 = static_cast<std::uint16_t>(in.bytes(2));
      p.peerNum = static_cast<std::uint16_t>(in.bytes(2));
      p.unused = static_cast<std::uint32_t>(in.bytes(4));
      p.ip6 = pickIp(in);
      p.label = static_cast<std::uint32_t>(in.bytes(4));
      return p;
    }
    default: {
      LinkStateItem ls;
      ls.padCount = in.u8() % 8;
      ls.nodeId = static_cast<std::uint16_t>(in.bytes(2));
      ls.startSlot = in.u8() % 20;  // 18 and 19 are refused
      ls.samples.resize(in.u8() % 12);
      for (auto& s : ls.samples) s = {in.sized(), in.sized(), in.sized()};
      return ls;
    }
  }
}

/// One message of items the input picks, signed by F; the items the builder
/// took must come back from the parser as they were.
Bytes buildMessage(Choices& in, std::uint64_t ts, crypto::Random& rng) {
  const World& w = world();
  const std::uint8_t flags = in.u8();
  const crypto::Ip6 snode = (flags & 1) ? w.a.ip : w.server.ip;
  AnnouncementBuilder builder(snode, ts, (flags & 2) != 0);
  std::vector<AnnItem> took;
  const unsigned count = in.u8() % 48;
  for (unsigned i = 0; i < count && !in.empty(); ++i) {
    const AnnItem item = pickItem(in);
    const auto r = builder.add(item);
    if (r == AnnouncementBuilder::AddResult::kAdded) took.push_back(item);
    if (r == AnnouncementBuilder::AddResult::kFull) break;
  }
  require(builder.itemCount() == took.size());
  require(builder.bodySize() <= kAnnMaxBody);
  Bytes bytes = builder.sign(w.f.signing, rng);
  ParsedAnnouncement p;
  require(parseAnnouncement(bytes, p) == AnnParseError::kNone);
  require(p.items == took && p.unknownItems == 0 && p.bytes == bytes);
  require(p.nodeKey == w.f.pub && p.nodeIp == w.f.ip);
  require(p.header.snodeIp == snode && p.header.timestamp == ts && p.header.reset == ((flags & 2) != 0));
  return bytes;
}

bool isServerAnswer(const std::string& error) {
  return error == "none" || error == "no_version" || error == "unknown_node" || error == "wrong_snode" ||
         error == "full";
}

void asAnnouncement(std::span<const std::uint8_t> data) {
  ParsedAnnouncement p;
  if (parseAnnouncement(data, p) != AnnParseError::kNone) return;
  require(p.bytes.size() == data.size());
  RouteServer server(world().server.pub);
  const auto r = server.announce(data, 1000);
  require(isServerAnswer(r.error));
  require((r.error == "none") == r.stateHash.has_value());
}

void asChoices(std::span<const std::uint8_t> data) {
  const World& w = world();
  Choices in(data);
  crypto::DeterministicRandom rng(data.size());
  // Bit 7 of the first message's flags makes room for A and B only: F is refused.
  RouteServer server(w.server.pub, !data.empty() && (data[0] & 0x80) ? 2 : 3);
  require(server.announce(w.aMsg, 1000).error == "none");
  require(server.announce(w.bMsg, 1000).error == "none");
  for (std::uint64_t ts = 2000; ts < 5000 && !in.empty(); ts += 1000 + in.u8()) {
    const auto r = server.announce(buildMessage(in, ts, rng), ts);
    require(isServerAnswer(r.error));
  }
  const std::array<const Node*, 3> nodes{&w.a, &w.b, &w.f};
  for (const Node* from : nodes) {
    for (const Node* to : nodes) {
      const auto route = server.route(from->ip, to->ip);
      if (!route) continue;
      require(from != to && route->key == to->pub);
      require(route->label != 0 && route->label != switching::kInvalidLabel);
      require(switching::labelLog2(route->label) <= switching::kMaxLabelLog2);
    }
  }
  const auto& c = server.counters();
  require(c.routesAnswered + c.routesUnknown + c.routesTooLong == nodes.size() * nodes.size());
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const std::span<const std::uint8_t> input(data, size);
  asAnnouncement(input);
  asChoices(input);
  return 0;
}
