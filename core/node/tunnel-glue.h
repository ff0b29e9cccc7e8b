// TunnelGlue: the IpTunnel (core/iptunnel, I/O-free) inside a running node.
//
// It is the tunnel's host: tunnel payloads travel over the node's end-to-end
// sessions as content type 257, packets for the host go to the TUN through
// the runner's HostWriter (the TUN fd or the relay path), and the addresses
// and routes a gateway hands us become requests to the angel, which alone
// may change the TUN (the core holds no capability). It also applies the
// config's router.ipTunnel block, and makes every UDP connectTo peer's
// address a RouteGen exception before the first answer can arrive, so that a
// tunnel's default route never swallows the underlay traffic to our peers.
//
// Lifetime: owned by NodeRunner's Impl; borrows the engine, which outlives it.
// Nothing is logged per packet: refusals are the tunnel's counters, written
// by logStatus() (SIGUSR1).
#pragma once

#include <cstdint>
#include <functional>
#include <memory>
#include <span>

#include "core/iptunnel/ip-tunnel.h"
#include "core/session/session-manager.h"
#include "core/wire/message.h"
#include "proto/config.capnp.h"

namespace spdlog {
class logger;
}

namespace cjdns::node {

class NodeEngine;

class TunnelGlue final : public iptunnel::IpTunnelHost {
 public:
  /// Writes one whole IP packet to the host's TUN (no packet-info header:
  /// the kernel reads the version nibble); false if it was not written.
  using HostWriter = std::function<bool(std::span<const std::uint8_t>)>;
  /// Asks the angel to put an address (route == false) or a route on the TUN.
  using PrefixRequester = std::function<void(const iptunnel::TunnelPrefix&, bool route)>;

  struct Counters {
    std::uint64_t sendFailures = 0;      ///< engine refused a payload (no headroom, bad key, full buffer)
    std::uint64_t tunWriteFailures = 0;  ///< HostWriter said no
    std::uint64_t requestsSent = 0;      ///< addresses and routes handed to the PrefixRequester
    std::uint64_t requestsUnsent = 0;    ///< no PrefixRequester (a node without an angel)
  };

  TunnelGlue(NodeEngine& engine, HostWriter writer, std::shared_ptr<spdlog::logger> log,
             iptunnel::IpTunnelConfig config = {});
  TunnelGlue(const TunnelGlue&) = delete;
  TunnelGlue& operator=(const TunnelGlue&) = delete;

  /// Set before configure() so that no answer finds it missing.
  void setPrefixRequester(PrefixRequester requester) { requester_ = std::move(requester); }

  /// router.ipTunnel, and the UDP connectTo peers' addresses as exceptions
  /// (first, as cjdns's Configurator does). Logs a line per refused entry.
  /// Without a TUN (`hasTun` false) there is nothing to tunnel from or to:
  /// a configured block is only warned about.
  void configure(proto::CoreConfig::Reader config, bool hasTun, std::uint64_t nowMs);

  /// A packet the host wrote to its TUN that forIpTunnel() picked (IPv4, or
  /// IPv6 outside fc00::/8). True if the tunnel sent it on.
  bool fromHost(wire::Message& packet, std::uint64_t nowMs);
  /// An end-to-end payload of content type 257.
  void fromNode(const session::Delivery& from, wire::Message& payload, std::uint64_t nowMs);
  /// Address requests to gateways that have not answered; call with the engine's tick.
  void tick(std::uint64_t nowMs) { tunnel_.tick(nowMs); }

  /// True once router.ipTunnel named any connection.
  bool active() const { return !tunnel_.connections().empty(); }
  iptunnel::IpTunnel& tunnel() { return tunnel_; }
  const Counters& counters() const { return counters_; }
  /// One status line of the tunnel's and the glue's counters.
  void logStatus() const;

  // iptunnel::IpTunnelHost
  void sendToNode(const crypto::PublicKey& key, wire::Message& payload, std::uint64_t nowMs) override;
  void writeToTun(wire::Message& packet, std::uint16_t ethertype) override;
  void addTunnelAddress(const iptunnel::TunnelPrefix& address) override;
  void addTunnelRoute(const iptunnel::TunnelPrefix& route) override;

 private:
  void addExceptions(proto::CoreConfig::Reader config);
  void allow(proto::AllowedConnection::Reader entry);
  void connect(capnp::Data::Reader key, std::uint64_t nowMs);
  void request(const iptunnel::TunnelPrefix& p, bool route);

  NodeEngine& engine_;
  HostWriter writer_;
  PrefixRequester requester_;
  std::shared_ptr<spdlog::logger> log_;
  iptunnel::IpTunnel tunnel_;
  Counters counters_;
};

}  // namespace cjdns::node
