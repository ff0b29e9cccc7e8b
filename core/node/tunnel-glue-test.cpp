#include "core/node/tunnel-glue.h"

#include <doctest/doctest.h>

#include <arpa/inet.h>
#include <capnp/message.h>
#include <spdlog/spdlog.h>

#include <array>
#include <cstring>
#include <deque>
#include <string>
#include <vector>

#include "core/iface/tun-adapter.h"
#include "core/node/node-engine.h"
#include "core/wire/endian.h"

using namespace cjdns;

namespace {

using Bytes = std::vector<std::uint8_t>;

iface::LinkAddress udpAddr(const char* ip) {
  sockaddr_in a{};
  a.sin_family = AF_INET;
  a.sin_port = htons(7937);
  inet_pton(AF_INET, ip, &a.sin_addr);
  return iface::LinkAddress::fromSockaddr(reinterpret_cast<sockaddr*>(&a), sizeof a);
}

crypto::PrivateKey fcKey(std::uint64_t seed) {
  crypto::DeterministicRandom r(seed * 104729);
  return crypto::drawFcKey(r);
}

Bytes ip4Packet(const char* src, const char* dst, std::size_t payload = 12) {
  Bytes p(20 + payload, 0x5a);
  p[0] = 0x45;
  wire::storeBe16(&p[2], static_cast<std::uint16_t>(p.size()));
  p[8] = 64;
  p[9] = 17;
  inet_pton(AF_INET, src, &p[12]);
  inet_pton(AF_INET, dst, &p[16]);
  return p;
}

Bytes ip6Packet(const char* src, const char* dst) {
  Bytes p(48, 0x5a);
  p[0] = 0x60;
  wire::storeBe16(&p[4], 8);
  p[6] = 17;
  p[7] = 64;
  inet_pton(AF_INET6, src, &p[8]);
  inet_pton(AF_INET6, dst, &p[24]);
  return p;
}

class Net;

/// One node: an engine with a TunnelGlue, a TUN that records what it is
/// given, and a requester that records what would go to the angel.
class Node final : public iface::LinkSender {
 public:
  Node(Net& net, std::uint64_t seed, const char* ip)
      : net_(net), rng_(seed), key_(fcKey(seed)), addr_(udpAddr(ip)), engine_(key_, rng_, *this),
        glue_(engine_, [this](std::span<const std::uint8_t> p) { return write(p); },
              std::make_shared<spdlog::logger>("test")) {
    engine_.peers().addLinkInterface("sim");
    glue_.setPrefixRequester([this](const iptunnel::TunnelPrefix& p, bool route) {
      (route ? routes : addresses).push_back(p.prefix.toString());
    });
    engine_.setDataHandler([this](const session::Delivery& d, wire::Message& m, std::uint64_t now) {
      if (d.contentType == session::content_type::kIpTun) glue_.fromNode(d, m, now);
    });
  }

  bool sendOnLink(unsigned, const iface::LinkAddress& to, const wire::Message& msg) override;
  bool write(std::span<const std::uint8_t> p) {
    tun.emplace_back(p.begin(), p.end());
    return true;
  }
  /// The host wrote `packet` to its TUN.
  bool fromHost(const Bytes& packet, std::uint64_t now) {
    wire::Message m;
    REQUIRE(m.append(packet));
    REQUIRE(iface::forIpTunnel(m.bytes()));
    return glue_.fromHost(m, now);
  }

  crypto::PublicKey publicKey() const { return crypto::publicKeyOf(key_); }
  node::NodeEngine& engine() { return engine_; }
  node::TunnelGlue& glue() { return glue_; }
  const iface::LinkAddress& addr() const { return addr_; }

  std::vector<Bytes> tun;
  std::vector<std::string> addresses;
  std::vector<std::string> routes;

 private:
  Net& net_;
  crypto::DeterministicRandom rng_;
  crypto::PrivateKey key_;
  iface::LinkAddress addr_;
  node::NodeEngine engine_;
  node::TunnelGlue glue_;
};

/// Two nodes on a lossless wire; time moves in keepalive steps.
class Net {
 public:
  struct Datagram {
    Node* to;
    iface::LinkAddress from;
    Bytes bytes;
  };
  Node client{*this, 1, "198.18.0.2"};
  Node gateway{*this, 2, "198.18.0.1"};
  std::deque<Datagram> queue;
  std::uint64_t now = 5'000'000;

  void pump() {
    for (int guard = 0; guard < 10000 && !queue.empty(); ++guard) {
      Datagram d = std::move(queue.front());
      queue.pop_front();
      wire::Message m;
      REQUIRE(m.append(d.bytes));
      d.to->engine().receiveFromLink(0, d.from, m, now);
    }
  }
  void run(std::uint64_t ms) {
    for (std::uint64_t t = 0; t < ms; t += 1024) {
      now += 1024;
      for (Node* n : {&client, &gateway}) {
        n->engine().tick(now);
        n->glue().tick(now);
      }
      pump();
    }
  }
};

bool Node::sendOnLink(unsigned, const iface::LinkAddress& to, const wire::Message& msg) {
  Node* peer = to == net_.client.addr() ? &net_.client : to == net_.gateway.addr() ? &net_.gateway : nullptr;
  if (peer == nullptr) return false;
  net_.queue.push_back({peer, addr_, Bytes(msg.data(), msg.data() + msg.length())});
  return true;
}

capnp::Data::Reader data(const void* p, std::size_t n) { return {static_cast<const capnp::byte*>(p), n}; }

/// The client's config: one UDP peer (the gateway, at 198.18.0.1) and the
/// gateway as its outgoingConnections.
void clientConfig(proto::CoreConfig::Builder c, const crypto::PublicKey& gateway) {
  auto peer = c.initUdpInterfaces(1)[0].initConnectTo(1)[0];
  const std::uint8_t ip[4] = {198, 18, 0, 1};
  peer.initAddress().setIp(data(ip, 4));
  peer.getAddress().setPort(7937);
  c.initRouter().initIpTunnel().initOutgoingConnections(1).set(0, data(gateway.data(), 32));
}

/// The gateway's: the client may have 10.77.0.2 (the whole IPv4 Internet
/// behind it) and 2001:db8:77::2/128 (prefix 0 too).
void gatewayConfig(proto::CoreConfig::Builder c, const crypto::PublicKey& client) {
  auto e = c.initRouter().initIpTunnel().initAllowedConnections(1)[0];
  e.setPublicKey(data(client.data(), 32));
  const std::uint8_t ip4[4] = {10, 77, 0, 2};
  e.setIp4Address(data(ip4, 4));
  e.setIp4Prefix(0);
  e.setIp4Alloc(32);
  std::array<std::uint8_t, 16> ip6{};
  inet_pton(AF_INET6, "2001:db8:77::2", ip6.data());
  e.setIp6Address(data(ip6.data(), 16));
  e.setIp6Prefix(0);
  e.setIp6Alloc(128);
}

}  // namespace

TEST_CASE("tunnel glue: the client gets its addresses and routes, and IPv4 and IPv6 cross as content type 257") {
  Net net;
  REQUIRE(net.gateway.engine().users().add("pw", "login") == crypto::CryptoAuthUsers::AddResult::kAdded);
  iface::PeerController::Credentials cr;
  cr.password = "pw";
  cr.login = "login";
  REQUIRE(net.client.engine().peers().beginConnection(0, net.gateway.addr(), net.gateway.publicKey(), cr, net.now) ==
          iface::PeerController::ConnectResult::kOk);

  capnp::MallocMessageBuilder cm, gm;
  clientConfig(cm.initRoot<proto::CoreConfig>(), net.gateway.publicKey());
  gatewayConfig(gm.initRoot<proto::CoreConfig>(), net.client.publicKey());
  net.gateway.glue().configure(gm.getRoot<proto::CoreConfig>().asReader(), true, net.now);
  net.client.glue().configure(cm.getRoot<proto::CoreConfig>().asReader(), true, net.now);
  CHECK(net.client.glue().active());
  CHECK(net.gateway.glue().active());
  // The underlay peer is an exception before any answer can come.
  REQUIRE(net.client.glue().tunnel().routeGen().exceptions().size() == 1);
  CHECK(net.client.glue().tunnel().routeGen().exceptions()[0].toString() == "198.18.0.1/32");

  // The first request finds no session yet; the 10-s poll asks again.
  net.pump();
  net.run(25'000);
  CHECK(net.client.addresses == std::vector<std::string>{"10.77.0.2/32", "2001:db8:77::2/128"});
  // 0.0.0.0/0 cut around 198.18.0.1: 32 routes, none holding the peer; ::/0 as two halves.
  REQUIRE(net.client.routes.size() == 34);
  const auto peer = *iptunnel::IpPrefix::parse("198.18.0.1/32");
  for (const auto& r : net.client.routes) CHECK_FALSE(iptunnel::IpPrefix::parse(r)->contains(peer));
  CHECK(net.client.routes[32] == "::/1");
  CHECK(net.client.routes[33] == "8000::/1");
  CHECK(net.gateway.addresses.empty());

  // Client -> gateway: the packet reaches the gateway's TUN unchanged.
  const Bytes out4 = ip4Packet("10.77.0.2", "192.0.2.2", 1200);
  REQUIRE(net.client.fromHost(out4, net.now));
  net.pump();
  REQUIRE(net.gateway.tun.size() == 1);
  CHECK(net.gateway.tun[0] == out4);
  // And back, chosen by the destination's block.
  const Bytes back4 = ip4Packet("192.0.2.2", "10.77.0.2");
  REQUIRE(net.gateway.fromHost(back4, net.now));
  const Bytes back6 = ip6Packet("2001:db8:2::2", "2001:db8:77::2");
  REQUIRE(net.gateway.fromHost(back6, net.now));
  net.pump();
  REQUIRE(net.client.tun.size() == 2);
  CHECK(net.client.tun[0] == back4);
  CHECK(net.client.tun[1] == back6);

  // Not ours to send: a source outside our block, a destination nobody has.
  CHECK_FALSE(net.client.fromHost(ip4Packet("10.77.0.3", "192.0.2.2"), net.now));
  CHECK_FALSE(net.gateway.fromHost(ip4Packet("192.0.2.2", "10.77.0.9"), net.now));
  CHECK(net.client.glue().tunnel().counters().tunNoConnection == 1);
  CHECK(net.gateway.glue().tunnel().counters().tunNoConnection == 1);
  CHECK(net.client.glue().counters().sendFailures == 0);
  CHECK(net.client.glue().counters().requestsSent == 36);
}

TEST_CASE("tunnel glue stays inactive without ipTunnel config or without a TUN, and counts what has no angel") {
  Net net;
  capnp::MallocMessageBuilder m;
  auto c = m.initRoot<proto::CoreConfig>();
  c.initRouter();
  net.client.glue().configure(c.asReader(), true, net.now);
  CHECK_FALSE(net.client.glue().active());
  CHECK(net.client.glue().tunnel().routeGen().exceptions().empty());
  // A node without a TUN does not apply it at all.
  capnp::MallocMessageBuilder cm;
  clientConfig(cm.initRoot<proto::CoreConfig>(), net.gateway.publicKey());
  net.client.glue().configure(cm.getRoot<proto::CoreConfig>().asReader(), false, net.now);
  CHECK_FALSE(net.client.glue().active());
  CHECK(net.client.glue().tunnel().routeGen().exceptions().empty());
  // Without a requester, an address is counted, not sent.
  node::TunnelGlue lone(net.client.engine(), {}, std::make_shared<spdlog::logger>("test"));
  lone.addTunnelAddress(iptunnel::TunnelPrefix{*iptunnel::IpPrefix::parse("10.1.2.3/32"), {}});
  CHECK(lone.counters().requestsUnsent == 1);
  wire::Message packet;
  REQUIRE(packet.append(ip4Packet("10.1.2.3", "10.1.2.4")));
  lone.writeToTun(packet, iptunnel::kEthertypeIp4);
  CHECK(lone.counters().tunWriteFailures == 1);
}
