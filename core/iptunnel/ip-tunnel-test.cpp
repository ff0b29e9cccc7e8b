#include "core/iptunnel/ip-tunnel.h"

#include <doctest/doctest.h>

#include <cstring>
#include <string>
#include <utility>
#include <vector>

#include "core/wire/endian.h"

using namespace cjdns;
using namespace cjdns::iptunnel;

namespace {

using Bytes = std::vector<std::uint8_t>;

crypto::PublicKey keyNumbered(std::uint8_t n) {
  crypto::PublicKey k{};
  k.fill(n);
  return k;
}

const crypto::PublicKey kGatewayKey = keyNumbered(0x61);
const crypto::PublicKey kClientKey = keyNumbered(0x62);
const crypto::PublicKey kStrangerKey = keyNumbered(0x63);

IpPrefix pfx(const char* text) {
  const auto p = IpPrefix::parse(text);
  REQUIRE_MESSAGE(p.has_value(), text);
  return *p;
}

Ip4 ip4(const char* text) {
  Ip4 a{};
  std::memcpy(a.data(), pfx(text).address.data(), 4);
  return a;
}

Ip6 ip6(const char* text) { return pfx(text).address; }

Bytes ip4Packet(const char* src, const char* dst, std::string_view payload = "hello world") {
  Bytes p(kIp4HeaderSize + payload.size());
  p[0] = 0x45;
  wire::storeBe16(&p[2], static_cast<std::uint16_t>(p.size()));
  p[8] = 64;
  p[9] = 17;
  std::memcpy(&p[12], ip4(src).data(), 4);
  std::memcpy(&p[16], ip4(dst).data(), 4);
  std::memcpy(&p[20], payload.data(), payload.size());
  return p;
}

Bytes ip6Packet(const char* src, const char* dst, std::string_view payload = "hello world") {
  Bytes p(kIp6HeaderSize + payload.size());
  p[0] = 0x60;
  wire::storeBe16(&p[4], static_cast<std::uint16_t>(payload.size()));
  p[6] = 17;
  p[7] = 64;
  std::memcpy(&p[8], ip6(src).data(), 16);
  std::memcpy(&p[24], ip6(dst).data(), 16);
  std::memcpy(&p[40], payload.data(), payload.size());
  return p;
}

Bytes bytesOf(const wire::Message& m) { return Bytes(m.data(), m.data() + m.length()); }

/// Records everything a tunnel asks of its host.
class Recorder final : public IpTunnelHost {
 public:
  struct Sent {
    crypto::PublicKey to;
    Bytes bytes;
  };
  void sendToNode(const crypto::PublicKey& key, wire::Message& payload, std::uint64_t) override {
    sent.push_back({key, bytesOf(payload)});
  }
  void writeToTun(wire::Message& packet, std::uint16_t ethertype) override {
    tun.emplace_back(bytesOf(packet), ethertype);
  }
  void addTunnelAddress(const TunnelPrefix& a) override { addresses.push_back(a); }
  void addTunnelRoute(const TunnelPrefix& r) override { routes.push_back(r); }

  std::vector<Sent> sent;
  std::vector<std::pair<Bytes, std::uint16_t>> tun;
  std::vector<TunnelPrefix> addresses;
  std::vector<TunnelPrefix> routes;
};

Verdict fromNode(IpTunnel& t, const crypto::PublicKey& from, const Bytes& b, std::uint64_t now = 0) {
  wire::Message m;
  REQUIRE(m.assign(b));
  return t.fromNode(from, m, now);
}

Verdict fromTun(IpTunnel& t, const Bytes& b, std::uint64_t now = 0) {
  wire::Message m;
  REQUIRE(m.assign(b));
  return t.fromTun(m, now);
}

/// The gateway's usual grant in these tests (upper.md 2.1's example).
Grants exampleGrants() {
  Grants g;
  g.ip4 = Grant4{ip4("192.168.1.24"), 0, 32};
  g.ip6 = Grant6{ip6("2001:123:ab::10"), 0, 64};
  return g;
}

/// A gateway and a client, wired back to back through their recorders.
struct Pair {
  explicit Pair(IpTunnelConfig clientConfig = {}) : client(clientHost, clientConfig) {}

  /// Delivers what each side sent to the other until neither sends more.
  void pump(std::uint64_t now = 0) {
    while (!gatewayHost.sent.empty() || !clientHost.sent.empty()) {
      for (const auto& s : std::exchange(clientHost.sent, {})) {
        REQUIRE(s.to == kGatewayKey);
        fromNode(gateway, kClientKey, s.bytes, now);
      }
      for (const auto& s : std::exchange(gatewayHost.sent, {})) {
        REQUIRE(s.to == kClientKey);
        fromNode(client, kGatewayKey, s.bytes, now);
      }
    }
  }

  /// Allows the client, connects it and lets the request be answered.
  void connect(const Grants& g = exampleGrants()) {
    REQUIRE(gateway.allowConnection(kClientKey, g).ok());
    REQUIRE(client.connectTo(kGatewayKey, 0).ok());
    pump();
  }

  Recorder gatewayHost;
  Recorder clientHost;
  IpTunnel gateway{gatewayHost};
  IpTunnel client;
};

std::vector<std::string> texts(const std::vector<TunnelPrefix>& ps) {
  std::vector<std::string> out;
  for (const TunnelPrefix& p : ps) {
    CHECK(p.gateway == kGatewayKey);
    out.push_back(p.prefix.toString());
  }
  return out;
}

}  // namespace

TEST_CASE("a client and a gateway back to back get an address and exchange IPv4 and IPv6") {
  Pair p;
  p.connect();
  CHECK(p.client.counters().requestsSent == 1);
  CHECK(p.gateway.counters().requestsAnswered == 1);
  CHECK(p.client.counters().responsesTaken == 1);
  CHECK(texts(p.clientHost.addresses) == std::vector<std::string>{"192.168.1.24/32", "2001:123:ab::10/64"});
  // Prefix 0 is a default route, installed as two halves.
  CHECK(texts(p.clientHost.routes) == std::vector<std::string>{"0.0.0.0/1", "128.0.0.0/1", "::/1", "8000::/1"});
  CHECK(p.client.connection(0)->grants == exampleGrants());

  const Bytes out4 = ip4Packet("192.168.1.24", "8.8.8.8");
  CHECK(fromTun(p.client, out4) == Verdict::kForwarded);
  const Bytes out6 = ip6Packet("2001:123:ab::99", "2001:4860::8888");  // anywhere in the /64
  CHECK(fromTun(p.client, out6) == Verdict::kForwarded);
  p.pump();
  REQUIRE(p.gatewayHost.tun.size() == 2);
  CHECK(p.gatewayHost.tun[0] == std::make_pair(out4, kEthertypeIp4));
  CHECK(p.gatewayHost.tun[1] == std::make_pair(out6, kEthertypeIp6));

  const Bytes back4 = ip4Packet("8.8.8.8", "192.168.1.24");
  const Bytes back6 = ip6Packet("2001:4860::8888", "2001:123:ab::99");
  CHECK(fromTun(p.gateway, back4) == Verdict::kForwarded);
  CHECK(fromTun(p.gateway, back6) == Verdict::kForwarded);
  p.pump();
  REQUIRE(p.clientHost.tun.size() == 2);
  CHECK(p.clientHost.tun[0] == std::make_pair(back4, kEthertypeIp4));
  CHECK(p.clientHost.tun[1] == std::make_pair(back6, kEthertypeIp6));
  CHECK(p.gateway.counters().nodeForwarded == 2);
  CHECK(p.client.counters().nodeForwarded == 2);
}

TEST_CASE("the client asks again every 10 s until the gateway answers, then stops") {
  Pair p;
  REQUIRE(p.client.connectTo(kGatewayKey, 0).ok());
  CHECK(p.clientHost.sent.size() == 1);  // at once
  p.client.tick(0);
  p.client.tick(9'999);
  CHECK(p.clientHost.sent.size() == 1);
  p.client.tick(10'000);
  p.client.tick(15'000);
  CHECK(p.clientHost.sent.size() == 2);
  p.client.tick(20'000);
  CHECK(p.clientHost.sent.size() == 3);
  // Every copy is the same request; the gateway allows the client now.
  CHECK(p.clientHost.sent[0].bytes == p.clientHost.sent[2].bytes);
  REQUIRE(p.gateway.allowConnection(kClientKey, exampleGrants()).ok());
  p.pump();
  CHECK(p.client.counters().responsesTaken == 3);
  CHECK(p.client.counters().grantRepeated == 4);  // the last two answers, two families each
  CHECK(p.clientHost.addresses.size() == 2);
  p.client.tick(30'000);
  p.client.tick(40'000);
  CHECK(p.clientHost.sent.empty());
  CHECK(p.client.counters().requestsSent == 3);
}

TEST_CASE("unanswered gateways are asked in turn, one per interval") {
  Recorder host;
  IpTunnel t(host);
  REQUIRE(t.connectTo(keyNumbered(1), 0).ok());
  REQUIRE(t.connectTo(keyNumbered(2), 0).ok());
  t.tick(0);
  t.tick(10'000);
  t.tick(20'000);
  t.tick(30'000);
  REQUIRE(host.sent.size() == 5);
  CHECK(host.sent[2].to != host.sent[3].to);
  CHECK(host.sent[2].to == host.sent[4].to);
}

TEST_CASE("a gateway refuses and counts requests from keys it does not allow") {
  Pair p;
  REQUIRE(p.client.connectTo(kGatewayKey, 0).ok());
  const Bytes request = p.clientHost.sent.at(0).bytes;
  CHECK(fromNode(p.gateway, kClientKey, request) == Verdict::kUnknownKey);
  REQUIRE(p.gateway.allowConnection(kClientKey, exampleGrants()).ok());
  CHECK(fromNode(p.gateway, kStrangerKey, request) == Verdict::kUnknownKey);
  CHECK(p.gateway.counters().nodeUnknownKey == 2);
  CHECK(p.gatewayHost.sent.empty());
  CHECK(fromNode(p.gateway, kClientKey, request) == Verdict::kControl);
  CHECK(p.gatewayHost.sent.size() == 1);
}

TEST_CASE("a spoofed source from a client is dropped and counted") {
  Pair p;
  p.connect();
  CHECK(fromNode(p.gateway, kClientKey, ip4Packet("192.168.1.25", "8.8.8.8")) == Verdict::kSpoofed);
  CHECK(fromNode(p.gateway, kClientKey, ip6Packet("2001:123:ab:1::10", "2001:4860::8888")) == Verdict::kSpoofed);
  // And on the client, traffic from the gateway for an address not ours.
  CHECK(fromNode(p.client, kGatewayKey, ip4Packet("8.8.8.8", "192.168.1.23")) == Verdict::kSpoofed);
  CHECK(p.gateway.counters().nodeSpoofed == 2);
  CHECK(p.client.counters().nodeSpoofed == 1);
  CHECK(p.gatewayHost.tun.empty());
  CHECK(p.clientHost.tun.empty());
  // Before the gateway answers, a client takes nothing from it.
  Pair q;
  REQUIRE(q.client.connectTo(kGatewayKey, 0).ok());
  CHECK(fromNode(q.client, kGatewayKey, ip4Packet("8.8.8.8", "192.168.1.24")) == Verdict::kSpoofed);
}

TEST_CASE("a client with only an IPv4 block may not send IPv6") {
  Pair p;
  Grants g;
  g.ip4 = Grant4{ip4("192.168.1.24"), 32, 32};
  p.connect(g);
  CHECK(texts(p.clientHost.addresses) == std::vector<std::string>{"192.168.1.24/32"});
  CHECK(p.clientHost.routes.empty());  // prefix 32: no network behind the tunnel
  CHECK(fromNode(p.gateway, kClientKey, ip6Packet("2001:123:ab::10", "2001:4860::8888")) == Verdict::kSpoofed);
  CHECK(fromTun(p.client, ip6Packet("2001:123:ab::10", "2001:4860::8888")) == Verdict::kNoConnection);
}

TEST_CASE("fc00::/8 packets never go through the tunnel") {
  Pair p;
  p.connect();
  CHECK(fromTun(p.client, ip6Packet("2001:123:ab::10", "fc00::1")) == Verdict::kCjdnsAddress);
  CHECK(fromNode(p.gateway, kClientKey, ip6Packet("fc12::1", "2001:4860::8888")) == Verdict::kCjdnsAddress);
  CHECK(fromNode(p.client, kGatewayKey, ip6Packet("fcff::1", "2001:123:ab::10")) == Verdict::kCjdnsAddress);
  CHECK(p.client.counters().tunCjdnsAddress == 1);
  CHECK(p.gateway.counters().nodeCjdnsAddress == 1);
  CHECK(p.client.counters().nodeCjdnsAddress == 1);
}

TEST_CASE("runts, non-IP and zero addresses are dropped and counted") {
  Pair p;
  p.connect();
  CHECK(fromTun(p.client, {}) == Verdict::kRunt);
  CHECK(fromTun(p.client, {0x50, 0, 0, 0}) == Verdict::kNotIp);
  Bytes shortIhl = ip4Packet("192.168.1.24", "8.8.8.8");
  shortIhl[0] = 0x44;
  CHECK(fromTun(p.client, shortIhl) == Verdict::kRunt);
  Bytes longTotal = ip4Packet("192.168.1.24", "8.8.8.8");
  longTotal[3] = static_cast<std::uint8_t>(longTotal[3] + 1);
  CHECK(fromTun(p.client, longTotal) == Verdict::kRunt);
  CHECK(fromTun(p.client, ip4Packet("0.0.0.0", "8.8.8.8")) == Verdict::kZeroAddress);
  CHECK(p.client.counters().tunRunt == 3);
  CHECK(p.client.counters().tunNotIp == 1);
  CHECK(p.client.counters().tunZeroAddress == 1);

  Bytes longPayload = ip6Packet("2001:123:ab::10", "2001:4860::8888");
  longPayload[5] = static_cast<std::uint8_t>(longPayload[5] + 1);
  CHECK(fromNode(p.gateway, kClientKey, longPayload) == Verdict::kRunt);
  CHECK(fromNode(p.gateway, kClientKey, Bytes(39, 0x60)) == Verdict::kRunt);
  CHECK(fromNode(p.gateway, kClientKey, {0x12}) == Verdict::kNotIp);
  CHECK(fromNode(p.gateway, kClientKey, ip4Packet("192.168.1.24", "0.0.0.0")) == Verdict::kZeroAddress);
  CHECK(fromNode(p.gateway, kClientKey, ip6Packet("::", "2001:4860::8888")) == Verdict::kZeroAddress);
  CHECK(p.gateway.counters().nodeRunt == 2);
  CHECK(p.gateway.counters().nodeNotIp == 1);
  CHECK(p.gateway.counters().nodeZeroAddress == 2);
  CHECK(p.gatewayHost.tun.empty());
}

TEST_CASE("bytes after the IP packet's length are cut before it is passed on") {
  Pair p;
  p.connect();
  const Bytes packet = ip4Packet("192.168.1.24", "8.8.8.8");
  Bytes padded = packet;
  padded.resize(padded.size() + 5, 0xaa);
  CHECK(fromTun(p.client, padded) == Verdict::kForwarded);
  REQUIRE(p.clientHost.sent.size() == 1);
  CHECK(p.clientHost.sent[0].bytes == packet);
}

TEST_CASE("control messages from the wrong side or with a foreign txid are refused") {
  Pair p;
  p.connect();
  const Bytes offer = controlPacket(encodeResponse(exampleGrants(), txidFor(0)));
  const Bytes ask = controlPacket(encodeRequest(txidFor(0)));
  CHECK(fromNode(p.gateway, kClientKey, offer) == Verdict::kControlRefused);
  CHECK(p.gateway.counters().responseOnIncoming == 1);
  CHECK(fromNode(p.client, kGatewayKey, ask) == Verdict::kControlRefused);
  CHECK(p.client.counters().requestOnOutgoing == 1);
  // A txid naming another connection, or none of ours.
  Recorder host;
  IpTunnel t(host);
  REQUIRE(t.connectTo(keyNumbered(1), 0).ok());
  REQUIRE(t.connectTo(keyNumbered(2), 0).ok());
  CHECK(fromNode(t, keyNumbered(2), offer) == Verdict::kControlRefused);
  const Bytes unknown = controlPacket(encodeResponse(exampleGrants(), txidFor(9)));
  CHECK(fromNode(t, keyNumbered(1), unknown) == Verdict::kControlRefused);
  CHECK(t.counters().responseBadTxid == 2);
  CHECK(fromNode(t, keyNumbered(1), offer) == Verdict::kControl);
  CHECK(host.addresses.size() == 2);
  // A broken one is counted by its reason.
  Bytes broken = ask;
  broken[47] ^= 0xff;
  CHECK(fromNode(t, keyNumbered(1), broken) == Verdict::kBadControl);
  CHECK(t.counters().badControl[static_cast<std::size_t>(ControlError::kBadChecksum)] == 1);
}

TEST_CASE("a second, different grant is ignored: addresses are reported once") {
  Pair p;
  p.connect();
  Grants other = exampleGrants();
  other.ip4->address = ip4("192.168.1.99");
  CHECK(fromNode(p.client, kGatewayKey, controlPacket(encodeResponse(other, txidFor(0)))) == Verdict::kControl);
  CHECK(p.client.counters().grantChanged == 1);
  CHECK(p.client.counters().grantRepeated == 1);  // the same IPv6 block
  CHECK(p.clientHost.addresses.size() == 2);
  CHECK(p.client.connection(0)->grants == exampleGrants());
}

TEST_CASE("routes leave out the exceptions and stop at the reporting budget") {
  IpTunnelConfig wide;
  wide.maxReportedPrefixes = 100;
  Pair p(wide);
  p.client.routeGen().addException(pfx("77.66.55.44/32"));
  Grants g;
  g.ip4 = Grant4{ip4("192.168.1.24"), 0, 32};
  p.connect(g);
  CHECK(p.clientHost.routes.size() == 32);
  for (const TunnelPrefix& r : p.clientHost.routes) CHECK_FALSE(r.prefix.contains(pfx("77.66.55.44/32")));

  Pair q;  // default budget: the angel's limit, 64, holds a default route cut around a peer
  q.client.routeGen().addException(pfx("77.66.55.44/32"));
  q.connect(g);
  CHECK(q.clientHost.addresses.size() + q.clientHost.routes.size() == 33);
  CHECK(q.client.counters().prefixesOverBudget == 0);

  IpTunnelConfig narrow;
  narrow.maxReportedPrefixes = 16;
  Pair r(narrow);
  r.client.routeGen().addException(pfx("77.66.55.44/32"));
  r.connect(g);
  CHECK(r.clientHost.addresses.size() + r.clientHost.routes.size() == 16);
  CHECK(r.clientHost.addresses.size() == 1);
  CHECK(r.client.counters().prefixesOverBudget == 17);
}

TEST_CASE("a prefix shorter than the address routes that network only") {
  Pair p;
  Grants g;
  g.ip4 = Grant4{ip4("10.66.1.1"), 16, 24};
  g.ip6 = Grant6{ip6("2001:db8:1::5"), 48, 128};
  p.connect(g);
  CHECK(texts(p.clientHost.addresses) == std::vector<std::string>{"10.66.1.1/24", "2001:db8:1::5/128"});
  CHECK(texts(p.clientHost.routes) == std::vector<std::string>{"10.66.0.0/16", "2001:db8:1::/48"});
  // The client may use any address of its /24, not beyond.
  CHECK(fromTun(p.client, ip4Packet("10.66.1.200", "10.66.7.7")) == Verdict::kForwarded);
  CHECK(fromTun(p.client, ip4Packet("10.66.2.1", "10.66.7.7")) == Verdict::kNoConnection);
  p.pump();
  CHECK(p.gatewayHost.tun.size() == 1);
}

TEST_CASE("a gateway sends each client's traffic by the destination's block") {
  Recorder host;
  IpTunnel gw(host);
  Grants a;
  a.ip4 = Grant4{ip4("192.168.1.10"), 0, 32};
  Grants b;
  b.ip4 = Grant4{ip4("192.168.2.0"), 0, 24};
  REQUIRE(gw.allowConnection(keyNumbered(1), a).value() == 0);
  REQUIRE(gw.allowConnection(keyNumbered(2), b).value() == 1);
  CHECK(fromTun(gw, ip4Packet("8.8.8.8", "192.168.2.77")) == Verdict::kForwarded);
  CHECK(fromTun(gw, ip4Packet("8.8.8.8", "192.168.1.10")) == Verdict::kForwarded);
  CHECK(fromTun(gw, ip4Packet("8.8.8.8", "192.168.1.11")) == Verdict::kNoConnection);
  REQUIRE(host.sent.size() == 2);
  CHECK(host.sent[0].to == keyNumbered(2));
  CHECK(host.sent[1].to == keyNumbered(1));
  CHECK(gw.counters().tunNoConnection == 1);
}

TEST_CASE("the connection table refuses bad blocks and second connections for a key") {
  Recorder host;
  IpTunnel t(host);
  const auto refuses = [&](Grants g) { return !t.allowConnection(keyNumbered(9), g).ok(); };
  CHECK(refuses(Grants{}));
  CHECK(refuses(Grants{Grant4{{0, 0, 0, 0}, 32, 32}, std::nullopt}));
  CHECK(refuses(Grants{Grant4{ip4("10.0.0.1"), 33, 32}, std::nullopt}));
  CHECK(refuses(Grants{Grant4{ip4("10.0.0.1"), 32, 0}, std::nullopt}));
  CHECK(refuses(Grants{std::nullopt, Grant6{ip6("fc00::1"), 128, 128}}));
  CHECK(refuses(Grants{std::nullopt, Grant6{ip6("2001:db8::1"), 129, 128}}));
  CHECK(refuses(Grants{std::nullopt, Grant6{ip6("2001:db8::1"), 128, 0}}));
  CHECK(t.connections().empty());
  // Numbers are shared by both kinds and never reused.
  CHECK(t.allowConnection(keyNumbered(1), exampleGrants()).value() == 0);
  CHECK(t.connectTo(keyNumbered(2), 0).value() == 1);
  CHECK_FALSE(t.connectTo(keyNumbered(1), 0).ok());
  CHECK_FALSE(t.allowConnection(keyNumbered(2), exampleGrants()).ok());
  CHECK(t.removeConnection(0));
  CHECK_FALSE(t.removeConnection(0));
  CHECK(t.allowConnection(keyNumbered(1), exampleGrants()).value() == 2);
  CHECK(t.connection(1)->outgoing);
  CHECK_FALSE(t.connection(2)->outgoing);
  CHECK(t.connection(0) == nullptr);
}

TEST_CASE("a removed client is a stranger again") {
  Pair p;
  p.connect();
  REQUIRE(p.gateway.removeConnection(0));
  CHECK(fromNode(p.gateway, kClientKey, ip4Packet("192.168.1.24", "8.8.8.8")) == Verdict::kUnknownKey);
  CHECK(fromTun(p.gateway, ip4Packet("8.8.8.8", "192.168.1.24")) == Verdict::kNoConnection);
}

TEST_CASE("the table stops at maxConnections") {
  Recorder host;
  IpTunnelConfig c;
  c.maxConnections = 2;
  IpTunnel t(host, c);
  CHECK(t.connectTo(keyNumbered(1), 0).ok());
  CHECK(t.connectTo(keyNumbered(2), 0).ok());
  CHECK_FALSE(t.connectTo(keyNumbered(3), 0).ok());
}

namespace {

/// A host that delivers at once, from inside the callback, into the other
/// tunnel: the tunnels must cope with being called back.
class DirectHost final : public IpTunnelHost {
 public:
  void sendToNode(const crypto::PublicKey&, wire::Message& payload, std::uint64_t now) override {
    peer->fromNode(ourKey, payload, now);
  }
  void writeToTun(wire::Message&, std::uint16_t) override { ++tunWrites; }
  void addTunnelAddress(const TunnelPrefix&) override { ++addresses; }
  void addTunnelRoute(const TunnelPrefix&) override {
    ++routes;
    if (self != nullptr) self->removeConnection(0);  // pull the table from under it
  }
  IpTunnel* peer = nullptr;
  IpTunnel* self = nullptr;
  crypto::PublicKey ourKey{};
  int tunWrites = 0, addresses = 0, routes = 0;
};

}  // namespace

TEST_CASE("a host may call back into the tunnels from its callbacks") {
  DirectHost gwHost, clHost;
  IpTunnel gateway(gwHost), client(clHost);
  gwHost.peer = &client;
  gwHost.ourKey = kGatewayKey;
  clHost.peer = &gateway;
  clHost.ourKey = kClientKey;
  clHost.self = &client;
  REQUIRE(gateway.allowConnection(kClientKey, exampleGrants()).ok());
  REQUIRE(client.connectTo(kGatewayKey, 0).ok());
  CHECK(clHost.addresses == 2);
  CHECK(clHost.routes == 1);  // reporting it removed the gateway: no gateway for the other three
  CHECK(client.connections().empty());
  CHECK(client.counters().routesWithoutGateway == 3);
}

TEST_CASE("every verdict has a description") {
  for (int v = 0; v <= static_cast<int>(Verdict::kControlRefused); ++v) {
    CHECK(std::string(describe(static_cast<Verdict>(v))) != "unknown");
  }
}
