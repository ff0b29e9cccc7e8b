#include "core/node/beacon-driver.h"

#include <doctest/doctest.h>

#include <arpa/inet.h>
#include <capnp/message.h>
#include <linux/if_packet.h>
#include <spdlog/spdlog.h>
#include <sys/socket.h>

#include <algorithm>
#include <memory>
#include <string>

#include "core/node/node-engine.h"

using namespace cjdns;

namespace {

crypto::PrivateKey makeKey(std::uint64_t seed) {
  crypto::DeterministicRandom r(seed * 7919);
  return crypto::drawFcKey(r);
}

/// Swallows what the engine sends on UDP (link 0 here).
class NullLink final : public iface::LinkSender {
 public:
  bool sendOnLink(unsigned, const iface::LinkAddress&, const wire::Message&) override { return true; }
};

iface::LinkAddress udpAddr(const char* ip, std::uint16_t port) {
  sockaddr_in a{};
  a.sin_family = AF_INET;
  a.sin_port = htons(port);
  inet_pton(AF_INET, ip, &a.sin_addr);
  return iface::LinkAddress::fromSockaddr(reinterpret_cast<sockaddr*>(&a), sizeof a);
}

const std::array<std::uint8_t, 6> kPeerMac{0x02, 0xaa, 0xbb, 0xcc, 0xdd, 0x01};

/// One node with an ETHInterface (beacon mode `ethMode`) and a UDPInterface
/// (beacon mode `udpMode` on port 64512); the sockets are placeholders that
/// the tests never make the driver read.
struct Fixture {
  capnp::MallocMessageBuilder cfgMsg;
  crypto::DeterministicRandom rng{1};
  crypto::PrivateKey key = makeKey(1);
  NullLink udp;
  node::LinkMux mux{udp};
  node::NodeEngine engine{key, rng, mux};
  node::EventLoop loop;
  std::unique_ptr<node::BeaconDriver> driver;
  const std::uint64_t t0 = 1000000;

  Fixture(std::uint8_t ethMode, std::uint8_t udpMode, bool withConnectTo = false) {
    auto c = cfgMsg.initRoot<proto::CoreConfig>();
    auto eth = c.initEthInterfaces(1)[0];
    eth.setBind("veth0");
    eth.setBeacon(ethMode);
    if (withConnectTo) {
      auto peer = eth.initConnectTo(1)[0];
      peer.setMac(kj::arrayPtr(kPeerMac.data(), 6));
      const auto k = crypto::publicKeyOf(makeKey(3));
      peer.initPeer().setPublicKey(kj::arrayPtr(k.data(), k.size()));
      peer.getPeer().setPassword("configured");
    }
    auto u = c.initUdpInterfaces(1)[0];
    u.setBeacon(udpMode);
    u.setBeaconPort(64512);
    engine.peers().addLinkInterface("UDP/0.0.0.0:7937");  // as NodeRunner adds the config's UDP first

    node::LanSockets lan;
    node::EthPortSpec port;
    port.fd = ::socket(AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC, 0);
    port.device = "veth0";
    port.ifIndex = 5;
    lan.eth.push_back(port);
    node::UdpBeaconSpec beacon;
    beacon.fd = ::socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);
    beacon.broadcast.push_back({10, 0, 0, 255});
    lan.udpBeacons.push_back(beacon);
    driver = std::make_unique<node::BeaconDriver>(c.asReader(), std::move(lan), engine, loop, mux,
                                                  std::make_shared<spdlog::logger>("test"));
    driver->start({7937}, t0);
  }

  /// Someone else's beacon, made as that node's BeaconPolicy makes it.
  static iface::Beacon theirBeacon() {
    crypto::DeterministicRandom r(9);
    iface::BeaconPolicy theirs(crypto::publicKeyOf(makeKey(2)), iface::makeBeaconPassword(r), 21);
    return theirs.ourBeacon();
  }

  void hearEthBeacon(std::uint64_t now) {
    auto msg = engine.pool().acquire();
    const auto bytes = iface::encodeBeacon(theirBeacon());
    REQUIRE(msg->append(bytes));
    driver->onEthFrame(0, iface::MacAddress(std::span<const std::uint8_t, 6>(kPeerMac)), node::EthFrameKind::kBeacon,
                       *msg, now);
  }

  std::optional<iface::PeerInfo> peerAt(const iface::LinkAddress& a) {
    for (const auto& p : engine.peers().peers()) {
      if (p.address == a) return p;
    }
    return std::nullopt;
  }

  bool hasLocalPeersUser() {
    const auto l = engine.users().logins();
    return std::find(l.begin(), l.end(), std::string(iface::kBeaconLogin)) != l.end();
  }
};

}  // namespace

TEST_CASE("an Ethernet beacon makes the node dial its sender, with the beacon's password and login Local Peers") {
  Fixture f(2, 0);
  CHECK(f.engine.peers().linkNames() == std::vector<std::string>{"UDP/0.0.0.0:7937", "ETH/veth0"});
  CHECK(f.driver->ethLinkInterface(0) == 1);
  CHECK(f.hasLocalPeersUser());
  f.hearEthBeacon(f.t0 + 10);
  const auto mac = iface::MacAddress(std::span<const std::uint8_t, 6>(kPeerMac)).toLinkAddress();
  auto p = f.peerAt(mac);
  REQUIRE(p);
  CHECK(p->linkIface == 1);
  CHECK(p->publicKey == Fixture::theirBeacon().key);
  CHECK(p->user == "Local Peers");
  CHECK(p->incoming);  // forgotten when silent, as cjdns's beacon peers
  CHECK(p->version == 21);
}

TEST_CASE("with beacons off, a beacon is ignored and no beacon password is registered") {
  Fixture f(0, 0);
  CHECK_FALSE(f.hasLocalPeersUser());
  f.hearEthBeacon(f.t0 + 10);
  CHECK(f.engine.peers().peers().empty());
}

TEST_CASE("mode 1 accepts beacons without sending any") {
  Fixture f(1, 0);
  f.driver->sendDueBeacons(f.t0 + 100000);
  f.hearEthBeacon(f.t0 + 10);
  CHECK(f.engine.peers().peers().size() == 1);
  CHECK(f.hasLocalPeersUser());
}

TEST_CASE("a peer found by beacon is forgotten after 256 s of silence; a connectTo peer is kept") {
  Fixture f(2, 0, true);
  const auto mac = iface::MacAddress(std::span<const std::uint8_t, 6>(kPeerMac)).toLinkAddress();
  // The configured peer has the MAC the beacon would come from; use another
  // sender for the beacon so that both exist side by side.
  auto configured = f.peerAt(mac);
  REQUIRE(configured);
  CHECK_FALSE(configured->incoming);
  CHECK(configured->user.empty());
  auto msg = f.engine.pool().acquire();
  REQUIRE(msg->append(iface::encodeBeacon(Fixture::theirBeacon())));
  const std::array<std::uint8_t, 6> other{0x02, 0, 0, 0, 0, 0x77};
  f.driver->onEthFrame(0, iface::MacAddress(std::span<const std::uint8_t, 6>(other)), node::EthFrameKind::kBeacon, *msg,
                       f.t0 + 10);
  REQUIRE(f.engine.peers().peers().size() == 2);
  for (std::uint64_t t = f.t0; t < f.t0 + 262144 + 8192; t += 1024) f.engine.tick(t);
  const auto left = f.engine.peers().peers();
  REQUIRE(left.size() == 1);
  CHECK(left[0].address == mac);
}

TEST_CASE("a UDP beacon makes the node dial the sender's address at the beacon's commPort, over UDP") {
  Fixture f(0, 2);
  CHECK(f.hasLocalPeersUser());
  crypto::DeterministicRandom r(9);
  iface::BeaconPolicy theirs(crypto::publicKeyOf(makeKey(2)), iface::makeBeaconPassword(r), 21);
  const auto datagram = theirs.udpBeacon(41000);
  f.driver->onUdpBeacon(0, udpAddr("10.0.0.2", 64512), datagram, f.t0 + 10);
  auto p = f.peerAt(udpAddr("10.0.0.2", 41000));
  REQUIRE(p);
  CHECK(p->linkIface == 0);
  CHECK(p->incoming);
}

TEST_CASE("an Ethernet peer-link packet reaches the peer controller from its source MAC") {
  Fixture f(2, 0);
  auto msg = f.engine.pool().acquire();
  const std::array<std::uint8_t, 8> junk{0, 0, 0, 0, 1, 2, 3, 4};  // a "Hello" that cannot authenticate
  REQUIRE(msg->append(junk));
  f.driver->onEthFrame(0, iface::MacAddress(std::span<const std::uint8_t, 6>(kPeerMac)), node::EthFrameKind::kPeer,
                       *msg, f.t0);
  CHECK(f.engine.peers().peers().empty());
  CHECK(f.engine.peers().counters().unknownBadKey + f.engine.peers().counters().handshakeRefused == 1);
}

TEST_CASE("only broadcast frames are beacons and only frames to us are peer packets") {
  CHECK(node::ethFrameKind(PACKET_HOST) == node::EthFrameKind::kPeer);
  CHECK(node::ethFrameKind(PACKET_BROADCAST) == node::EthFrameKind::kBeacon);
  CHECK(node::ethFrameKind(PACKET_MULTICAST) == node::EthFrameKind::kIgnored);
  CHECK(node::ethFrameKind(PACKET_OTHERHOST) == node::EthFrameKind::kIgnored);
  CHECK(node::ethFrameKind(PACKET_OUTGOING) == node::EthFrameKind::kIgnored);
}
