// Fuzz target: arbitrary bytes as IpTunnel input (upper.md 2), four ways:
//   1. as a control packet (IPv6/UDP/bencode) and, wrapped in valid
//      headers, as a control body: whatever parses must survive a round
//      trip through the encoders unchanged;
//   2. as an IPTUN payload to a gateway from the client it allows and from
//      a stranger: the stranger gets nothing, and a packet that reaches the
//      TUN must come from the client's block;
//   3. as an IPTUN payload (raw, and as a wrapped body) to a client from
//      its gateway: what it reports for the angel must be sane (no fc00::/8,
//      lengths in range, within the budget, naming the gateway);
//   4. as a packet from the TUN to both: sent only to the other side.
// Everything is deterministic, so a crash replays from its input.
//
// The seeds in corpus/iptunnel/ are a request, a response with both
// families, a bare response body, a padded request body and IPv4 and IPv6
// data packets from the client's block.
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <span>
#include <string_view>
#include <vector>

#include "core/iptunnel/ip-tunnel-messages.h"
#include "core/iptunnel/ip-tunnel.h"
#include "core/wire/message.h"

namespace {

using namespace cjdns;
using namespace cjdns::iptunnel;

void require(bool ok) {
  if (!ok) std::abort();
}

constexpr std::uint64_t kNowMs = 1'000'000;

crypto::PublicKey keyNumbered(std::uint8_t n) {
  crypto::PublicKey k{};
  k.fill(n);
  return k;
}

const crypto::PublicKey kGateway = keyNumbered(0x61);
const crypto::PublicKey kClient = keyNumbered(0x62);
const crypto::PublicKey kStranger = keyNumbered(0x63);

/// The client's blocks: 192.168.1.24/32 and 2001:123:ab::/64, default routes.
Grants clientGrants() {
  Grants g;
  g.ip4 = Grant4{{192, 168, 1, 24}, 0, 32};
  g.ip6 = Grant6{{0x20, 0x01, 0x01, 0x23, 0x00, 0xab, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0x10}, 0, 64};
  return g;
}

class Host final : public IpTunnelHost {
 public:
  explicit Host(const crypto::PublicKey& peer) : peer_(peer) {}

  void sendToNode(const crypto::PublicKey& key, wire::Message& payload, std::uint64_t) override {
    require(key == peer_ && payload.length() > 0);
  }
  void writeToTun(wire::Message& packet, std::uint16_t ethertype) override {
    require(ethertype == kEthertypeIp4 || ethertype == kEthertypeIp6);
    const bool v6 = ethertype == kEthertypeIp6;
    require(packet.length() >= (v6 ? kIp6HeaderSize : kIp4HeaderSize));
    require((packet.data()[0] >> 4) == (v6 ? 6 : 4));
    lastTun.assign(packet.data(), packet.data() + packet.length());
    ++tunWrites;
  }
  void addTunnelAddress(const TunnelPrefix& p) override { reported(p); }
  void addTunnelRoute(const TunnelPrefix& p) override { reported(p); }

  std::vector<std::uint8_t> lastTun;
  std::size_t tunWrites = 0;
  std::size_t prefixes = 0;

 private:
  void reported(const TunnelPrefix& p) {
    require(p.gateway == peer_);
    require(p.prefix.length <= p.prefix.maxLength());
    require(!p.prefix.v6 || p.prefix.address[0] != 0xfc);
    require(++prefixes <= IpTunnelConfig{}.maxReportedPrefixes);
  }
  crypto::PublicKey peer_;
};

void roundTrip(const ControlParse& r) {
  if (r.error != ControlError::kNone) return;
  const ControlMessage& m = r.message;
  if (m.kind == ControlKind::kRequest) {
    if (!m.txid) return;
    const ControlParse again = parseControl(controlPacket(encodeRequest(*m.txid)));
    require(again.error == ControlError::kNone && again.message.txid == m.txid);
    return;
  }
  require(m.txid && m.txid->size() == kTxidSize && !m.grants.empty());
  const ControlParse again = parseControl(controlPacket(encodeResponse(m.grants, m.txid)));
  require(again.error == ControlError::kNone && again.message.kind == ControlKind::kResponse);
  require(again.message.grants == m.grants && again.message.txid == m.txid);
}

void parsers(std::span<const std::uint8_t> in) {
  roundTrip(parseControl(in));
  const ControlParse body = parseBody(in);
  roundTrip(body);
  const auto wrapped = controlPacket(std::string_view(reinterpret_cast<const char*>(in.data()), in.size()));
  if (wrapped.empty()) return;  // over kMaxControlBody
  const ControlParse viaPacket = parseControl(wrapped);
  require(viaPacket.error == body.error);
}

Verdict feed(IpTunnel& t, const crypto::PublicKey& from, std::span<const std::uint8_t> bytes) {
  wire::Message m;
  if (!m.assign(bytes)) return Verdict::kRunt;  // larger than a message holds
  return t.fromNode(from, m, kNowMs);
}

Verdict feedTun(IpTunnel& t, std::span<const std::uint8_t> bytes) {
  wire::Message m;
  if (!m.assign(bytes)) return Verdict::kRunt;
  return t.fromTun(m, kNowMs);
}

/// A packet the gateway wrote to its TUN came from the client's block.
void fromClientsBlock(const std::vector<std::uint8_t>& p) {
  const Grants g = clientGrants();
  if ((p[0] >> 4) == 4) {
    require(samePrefix({p.data() + 12, 4}, g.ip4->address, g.ip4->alloc));
  } else {
    require(samePrefix({p.data() + 8, 16}, g.ip6->address, g.ip6->alloc));
  }
}

void gateway(std::span<const std::uint8_t> in) {
  Host host(kClient);
  IpTunnel gw(host);
  require(gw.allowConnection(kClient, clientGrants()).ok());
  require(feed(gw, kStranger, in) == Verdict::kUnknownKey);
  const std::size_t before = host.tunWrites;
  if (feed(gw, kClient, in) == Verdict::kForwarded) {
    require(host.tunWrites == before + 1);
    fromClientsBlock(host.lastTun);
  }
  feedTun(gw, in);
  require(host.prefixes == 0);
}

void client(std::span<const std::uint8_t> in) {
  Host host(kGateway);
  IpTunnel cl(host);
  require(cl.connectTo(kGateway, kNowMs).ok());
  feed(cl, kGateway, in);
  const auto wrapped = controlPacket(std::string_view(reinterpret_cast<const char*>(in.data()), in.size()));
  if (!wrapped.empty()) feed(cl, kGateway, wrapped);
  feedTun(cl, in);
  feed(cl, kGateway, in);  // again, with whatever it was given
  cl.tick(kNowMs + 10'000);
  require(cl.counters().requestsSent <= 2);
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const std::span<const std::uint8_t> in(data, size);
  parsers(in);
  gateway(in);
  client(in);
  return 0;
}
