#include "angel/privsep/phase-table.h"

namespace cjdns::angel {
namespace {

using Req = proto::CoreToAngel;

Verdict kill(std::string why) { return Verdict{Verdict::Action::kKillCore, std::move(why)}; }
Verdict perform() { return Verdict{Verdict::Action::kPerform, {}}; }

Verdict onlyIn(const PhaseState& s, Phase want, const char* what) {
  if (s.phase == want) return perform();
  return kill(std::string(what) + " in phase " + name(s.phase) + " (allowed only in " + name(want) + ")");
}

/// An IpTunnel prefix: sane address and length, from a gateway the config names.
Verdict tunnelPrefix(PhaseState& s, proto::TunnelPrefix::Reader p, proto::CoreConfig::Reader cfg,
                     const PhaseLimits& lim, const char* what) {
  Verdict v = onlyIn(s, Phase::kRunning, what);
  if (v.action != Verdict::Action::kPerform) return v;
  const auto addr = p.getAddress();
  if (addr.size() != 4 && addr.size() != 16) return kill(std::string(what) + ": address is not 4 or 16 bytes");
  if (p.getPrefixLength() > addr.size() * 8) return kill(std::string(what) + ": prefix length out of range");
  if (addr.size() == 16 && addr[0] == 0xfc) return kill(std::string(what) + ": fc00::/8 is the node's own network");
  const auto gw = p.getGateway();
  auto gateways = cfg.getRouter().getIpTunnel().getOutgoingConnections();
  bool known = false;
  for (auto k : gateways) known = known || k == gw;
  if (!known) return kill(std::string(what) + ": gateway is not in router.ipTunnel.outgoingConnections");
  if (++s.tunnelPrefixes > lim.maxTunnelPrefixes) return kill(std::string(what) + ": too many tunnel prefixes");
  return perform();
}

Verdict openUdp(PhaseState& s, proto::SockAddr::Reader a, proto::CoreConfig::Reader cfg, const PhaseLimits& lim) {
  Verdict v = onlyIn(s, Phase::kRunning, "openUdpInterface");
  if (v.action != Verdict::Action::kPerform) return v;
  if (a.getIp().size() != 4 && a.getIp().size() != 16) return kill("openUdpInterface: address is not 4 or 16 bytes");
  // The angel may be root: a port below 1024 only if the config binds one.
  if (a.getPort() != 0 && a.getPort() < 1024) {
    bool configured = false;
    for (auto u : cfg.getUdpInterfaces()) configured = configured || u.getBind().getPort() == a.getPort();
    if (!configured) return kill("openUdpInterface: privileged port " + std::to_string(a.getPort()) + " not in the config");
  }
  if (++s.runtimeUdp > lim.maxRuntimeUdp) return kill("openUdpInterface: too many runtime sockets");
  return perform();
}

Verdict relay(PhaseState& s, proto::PacketFrame::Reader f, const PhaseLimits& lim) {
  Verdict v = onlyIn(s, Phase::kRunning, "relayPacket");
  if (v.action != Verdict::Action::kPerform) return v;
  if (!s.relayTun) return kill("relayPacket while the core holds the TUN itself");
  if (f.getData().size() == 0 || f.getData().size() > lim.maxRelayPacket) return kill("relayPacket: bad size");
  return perform();
}

Verdict advance(PhaseState& s, Phase from, Phase to, const char* what) {
  Verdict v = onlyIn(s, from, what);
  if (v.action == Verdict::Action::kPerform) s.phase = to;
  return v;
}

}  // namespace

const char* name(Phase p) {
  switch (p) {
    case Phase::kSpawned: return "SPAWNED";
    case Phase::kConfigured: return "CONFIGURED";
    case Phase::kRunning: return "RUNNING";
    case Phase::kStopping: return "STOPPING";
  }
  return "?";
}

Verdict checkCoreRequest(PhaseState& s, Req::Reader req, std::size_t fdCount, proto::CoreConfig::Reader cfg,
                         const PhaseLimits& lim) {
  if (fdCount != 0) return kill("the core sent file descriptors");
  if (s.phase == Phase::kStopping) return kill("request after the core said it was stopping");
  switch (req.which()) {
    case Req::CONFIGURED: return advance(s, Phase::kSpawned, Phase::kConfigured, "configured");
    case Req::RUNNING: return advance(s, Phase::kConfigured, Phase::kRunning, "running");
    case Req::ADD_TUNNEL_ADDRESS: return tunnelPrefix(s, req.getAddTunnelAddress(), cfg, lim, "addTunnelAddress");
    case Req::ADD_TUNNEL_ROUTE: return tunnelPrefix(s, req.getAddTunnelRoute(), cfg, lim, "addTunnelRoute");
    case Req::OPEN_UDP_INTERFACE: return openUdp(s, req.getOpenUdpInterface(), cfg, lim);
    case Req::RELAY_PACKET: return relay(s, req.getRelayPacket(), lim);
    case Req::STOPPING:
      s.phase = Phase::kStopping;
      return perform();
  }
  return kill("unknown request type " + std::to_string(static_cast<unsigned>(req.which())));
}

}  // namespace cjdns::angel
