#include "core/node/tunnel-glue.h"

#include <spdlog/spdlog.h>

#include <algorithm>
#include <cstring>
#include <string>

#include "core/crypto/address.h"
#include "core/node/node-engine.h"
#include "core/session/data-header.h"
#include "proto/angel.capnp.h"

namespace cjdns::node {

// The core asks for no more than the angel allows (it kills a core that does).
static_assert(iptunnel::IpTunnelConfig{}.maxReportedPrefixes == proto::MAX_TUNNEL_PREFIXES);

namespace {

bool allZero(capnp::Data::Reader d) {
  return std::all_of(d.begin(), d.end(), [](capnp::byte b) { return b == 0; });
}

/// The gateway side of one allowedConnections entry. The angel validated
/// the config; sizes are still checked rather than trusted.
iptunnel::Grants grantsOf(proto::AllowedConnection::Reader e) {
  iptunnel::Grants g;
  if (e.getIp4Address().size() == 4) {
    iptunnel::Grant4 four;
    std::memcpy(four.address.data(), e.getIp4Address().begin(), 4);
    four.prefix = e.getIp4Prefix();
    four.alloc = e.getIp4Alloc();
    g.ip4 = four;
  }
  if (e.getIp6Address().size() == 16) {
    iptunnel::Grant6 six;
    std::memcpy(six.address.data(), e.getIp6Address().begin(), 16);
    six.prefix = e.getIp6Prefix();
    six.alloc = e.getIp6Alloc();
    g.ip6 = six;
  }
  return g;
}

std::string describeGrants(const iptunnel::Grants& g) {
  std::string out;
  if (g.ip4) {
    out += iptunnel::IpPrefix::of4(g.ip4->address, g.ip4->alloc).toString() + " (prefix " +
           std::to_string(g.ip4->prefix) + ")";
  }
  if (g.ip6) {
    out += std::string(out.empty() ? "" : ", ") + iptunnel::IpPrefix::of6(g.ip6->address, g.ip6->alloc).toString() +
           " (prefix " + std::to_string(g.ip6->prefix) + ")";
  }
  return out;
}

crypto::PublicKey keyOf(capnp::Data::Reader d) {
  crypto::PublicKey k{};
  std::memcpy(k.data(), d.begin(), k.size());
  return k;
}

}  // namespace

TunnelGlue::TunnelGlue(NodeEngine& engine, HostWriter writer, std::shared_ptr<spdlog::logger> log,
                       iptunnel::IpTunnelConfig config)
    : engine_(engine), writer_(std::move(writer)), log_(std::move(log)), tunnel_(*this, config) {}

void TunnelGlue::configure(proto::CoreConfig::Reader config, bool hasTun, std::uint64_t nowMs) {
  auto ipTunnel = config.getRouter().getIpTunnel();
  if (ipTunnel.getAllowedConnections().size() == 0 && ipTunnel.getOutgoingConnections().size() == 0) return;
  if (!hasTun) {
    log_->warn("router.ipTunnel is not applied: the node has no TUN (router.interface)");
    return;
  }
  // Before connectTo: its request goes out at once, and the routes of the
  // answer must already leave the peers' addresses alone.
  addExceptions(config);
  for (auto e : ipTunnel.getAllowedConnections()) allow(e);
  for (auto k : ipTunnel.getOutgoingConnections()) connect(k, nowMs);
}

void TunnelGlue::addExceptions(proto::CoreConfig::Reader config) {
  unsigned added = 0;
  for (auto udp : config.getUdpInterfaces()) {
    for (auto peer : udp.getConnectTo()) {
      auto ip = peer.getAddress().getIp();
      if (allZero(ip)) continue;
      if (ip.size() == 4) {
        tunnel_.routeGen().addException(iptunnel::IpPrefix::of4(std::span<const std::uint8_t, 4>(ip.begin(), 4), 32));
      } else if (ip.size() == 16) {
        tunnel_.routeGen().addException(
            iptunnel::IpPrefix::of6(std::span<const std::uint8_t, 16>(ip.begin(), 16), 128));
      } else {
        continue;
      }
      ++added;
    }
  }
  if (added > 0) log_->info("IpTunnel: {} UDP peer address(es) never routed through the tunnel", added);
}

void TunnelGlue::allow(proto::AllowedConnection::Reader entry) {
  if (entry.getPublicKey().size() != crypto::PublicKey{}.size()) {
    log_->error("IpTunnel: an allowedConnections entry without a 32-byte key is ignored");
    return;
  }
  const crypto::PublicKey key = keyOf(entry.getPublicKey());
  const iptunnel::Grants grants = grantsOf(entry);
  auto r = tunnel_.allowConnection(key, grants);
  if (!r.ok()) {
    log_->error("IpTunnel: not allowing {}: {}", crypto::publicKeyToString(key), r.error().message);
    return;
  }
  log_->info("IpTunnel: connection {}: {} may tunnel with {}", r.value(), crypto::publicKeyToString(key),
             describeGrants(grants));
}

void TunnelGlue::connect(capnp::Data::Reader keyData, std::uint64_t nowMs) {
  if (keyData.size() != crypto::PublicKey{}.size()) {
    log_->error("IpTunnel: an outgoingConnections entry that is not a 32-byte key is ignored");
    return;
  }
  const crypto::PublicKey key = keyOf(keyData);
  if (key == engine_.publicKey()) {
    log_->error("IpTunnel: outgoingConnections names our own key; ignored");
    return;
  }
  auto r = tunnel_.connectTo(key, nowMs);
  if (!r.ok()) {
    log_->error("IpTunnel: not connecting to {}: {}", crypto::publicKeyToString(key), r.error().message);
    return;
  }
  log_->info("IpTunnel: connection {}: asking gateway {} for addresses", r.value(), crypto::publicKeyToString(key));
}

bool TunnelGlue::fromHost(wire::Message& packet, std::uint64_t nowMs) {
  const std::uint64_t failures = counters_.sendFailures;
  return tunnel_.fromTun(packet, nowMs) == iptunnel::Verdict::kForwarded && counters_.sendFailures == failures;
}

void TunnelGlue::fromNode(const session::Delivery& from, wire::Message& payload, std::uint64_t nowMs) {
  (void)tunnel_.fromNode(from.key, payload, nowMs);
}

void TunnelGlue::sendToNode(const crypto::PublicKey& key, wire::Message& payload, std::uint64_t nowMs) {
  const auto r = engine_.sendToNode(crypto::addressOf(key), session::content_type::kIpTun, payload, nowMs);
  if (r != session::SendResult::kSent && r != session::SendResult::kBuffered) ++counters_.sendFailures;
}

void TunnelGlue::writeToTun(wire::Message& packet, std::uint16_t) {
  // The TUN has no packet-info header: the ethertype is not written.
  if (!writer_ || !writer_(packet.bytes())) ++counters_.tunWriteFailures;
}

void TunnelGlue::addTunnelAddress(const iptunnel::TunnelPrefix& address) {
  log_->info("IpTunnel: gateway {} gave us {}", crypto::publicKeyToString(address.gateway),
             address.prefix.toString());
  request(address, false);
}

void TunnelGlue::addTunnelRoute(const iptunnel::TunnelPrefix& route) {
  log_->debug("IpTunnel: route {} through gateway {}", route.prefix.toString(),
              crypto::publicKeyToString(route.gateway));
  request(route, true);
}

void TunnelGlue::request(const iptunnel::TunnelPrefix& p, bool route) {
  if (!requester_) {
    ++counters_.requestsUnsent;
    log_->warn("IpTunnel: no angel to put {} {} on the TUN; add it by hand", route ? "route" : "address",
               p.prefix.toString());
    return;
  }
  ++counters_.requestsSent;
  requester_(p, route);
}

void TunnelGlue::logStatus() const {
  if (!active()) return;
  const auto& c = tunnel_.counters();
  log_->info("status iptunnel connections={} tunForwarded={} tunNoConnection={} tunRefused={} nodeForwarded={} "
             "nodeUnknownKey={} nodeSpoofed={} nodeRefused={} requestsSent={} requestsAnswered={} "
             "responsesTaken={} addresses={} routes={} overBudget={} sendFailures={} tunWriteFailures={}",
             tunnel_.connections().size(), c.tunForwarded, c.tunNoConnection,
             c.tunRunt + c.tunNotIp + c.tunCjdnsAddress + c.tunZeroAddress, c.nodeForwarded, c.nodeUnknownKey,
             c.nodeSpoofed, c.nodeRunt + c.nodeNotIp + c.nodeZeroAddress + c.nodeCjdnsAddress, c.requestsSent,
             c.requestsAnswered, c.responsesTaken, c.addressesReported, c.routesReported, c.prefixesOverBudget,
             counters_.sendFailures, counters_.tunWriteFailures);
}

}  // namespace cjdns::node
