// BeaconDriver: ETHInterface and beacons in the running core (wire.md
// 4.2-4.4, upper.md 4.2): the glue between the LAN sockets the angel opened,
// one BeaconPolicy per link, and the engine's peer controller.
//
// start(): each Ethernet port becomes a link interface "ETH/<device>", our
// beacon password (made once per start) is registered as the user "Local
// Peers", every link gets its config's beacon mode, and the ETH connectTo
// peers are dialled. Then a frame from a port is either a peer-link packet
// (to the engine, from its source MAC) or a beacon (to that port's policy);
// a UDP beacon arrives on a UDPInterface's beacon socket and leads to a
// connection over that interface's data socket, to the sender's address at
// its commPort. In mode 2 our beacon goes out on every link at once, then
// every 32768 ms. A peer found by a beacon is forgotten after 256 s of
// silence, as cjdns forgets its "incoming" peers.
//
// Lifetime: borrows the config, engine, loop and mux (all outlive it); owns
// the sockets. Logs through the shell's logger: one line per new beacon peer
// (the policy's flood limit bounds them), none per packet.
#pragma once

#include <array>
#include <cstdint>
#include <memory>
#include <span>
#include <vector>

#include "core/iface/beacon.h"
#include "core/node/eth-link.h"
#include "core/node/event-loop.h"
#include "core/node/link-mux.h"
#include "proto/config.capnp.h"

namespace spdlog {
class logger;
}

namespace cjdns::node {

class NodeEngine;

/// The beacon socket of one UDPInterface, as the angel handed it over:
/// IPv4, bound to its beaconPort, SO_BROADCAST set.
struct UdpBeaconSpec {
  int fd = -1;
  unsigned interface = 0;  ///< index into config.udpInterfaces (= its link interface id)
  std::vector<std::array<std::uint8_t, 4>> broadcast;  ///< where our beacons go
};

/// Everything the angel opened for ETHInterface and UDP beacons.
struct LanSockets {
  std::vector<EthPortSpec> eth;
  std::vector<UdpBeaconSpec> udpBeacons;
  bool empty() const { return eth.empty() && udpBeacons.empty(); }
};

class BeaconDriver {
 public:
  BeaconDriver(proto::CoreConfig::Reader cfg, LanSockets sockets, NodeEngine& engine, EventLoop& loop,
               LinkMux& mux, std::shared_ptr<spdlog::logger> log);
  ~BeaconDriver();
  BeaconDriver(const BeaconDriver&) = delete;
  BeaconDriver& operator=(const BeaconDriver&) = delete;

  /// Call once, after the config's UDP link interfaces exist.
  /// `udpDataPorts[i]` is the port config.udpInterfaces[i] is bound to.
  void start(const std::vector<std::uint16_t>& udpDataPorts, std::uint64_t nowMs);
  /// One SIGUSR1 status line.
  void logStatus() const;

  // The work behind the fd and timer callbacks (public for tests).
  void onEthFrame(unsigned port, const iface::MacAddress& from, EthFrameKind kind, wire::Message& payload,
                  std::uint64_t nowMs);
  void onUdpBeacon(unsigned socket, const iface::LinkAddress& from, std::span<const std::uint8_t> datagram,
                   std::uint64_t nowMs);
  void sendDueBeacons(std::uint64_t nowMs);

  /// The link interface id of Ethernet port `port` (after start()).
  unsigned ethLinkInterface(unsigned port) const { return eth_[port].linkIface; }
  const iface::BeaconPassword& password() const { return password_; }

 private:
  struct EthPort {
    unsigned linkIface = 0;
    iface::BeaconPolicy policy;
  };
  struct UdpBeacon {
    UdpBeaconSpec spec;
    std::uint16_t beaconPort = 0;
    std::uint16_t commPort = 0;
    iface::BeaconPolicy policy;
  };

  iface::BeaconPolicy makePolicy(std::uint8_t mode, std::uint64_t nowMs) const;
  void addEthPorts(std::uint64_t nowMs);
  void addUdpBeacons(const std::vector<std::uint16_t>& udpDataPorts, std::uint64_t nowMs);
  void registerPassword();
  void dialEthPeers(std::uint64_t nowMs);
  void act(unsigned linkIface, const iface::BeaconOutcome& outcome, const std::string& linkName, std::uint64_t nowMs);
  void drainEth(unsigned port);
  void drainUdpBeacon(unsigned socket);
  void sendUdpBeacon(UdpBeacon& b);
  void scheduleBeacons(std::uint64_t nowMs);

  proto::CoreConfig::Reader cfg_;
  NodeEngine& engine_;
  EventLoop& loop_;
  LinkMux& mux_;
  std::shared_ptr<spdlog::logger> log_;
  iface::BeaconPassword password_{};
  EthLinks links_;
  std::vector<UdpBeaconSpec> pendingUdp_;  ///< until start()
  std::vector<EthPort> eth_;
  std::vector<UdpBeacon> udp_;
  EventLoop::WatchId beaconTimer_ = 0;
  std::uint64_t udpSendErrors_ = 0;
  std::uint64_t connects_ = 0;
};

}  // namespace cjdns::node
