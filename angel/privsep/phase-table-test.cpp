#include "angel/privsep/phase-table.h"

#include <doctest/doctest.h>

#include <capnp/message.h>

#include <array>
#include <functional>

using namespace cjdns;
using Action = angel::Verdict::Action;

namespace {

const std::array<capnp::byte, 32> kGateway{1, 2, 3};

struct Fixture {
  capnp::MallocMessageBuilder cfgMsg;
  proto::CoreConfig::Reader cfg;
  angel::PhaseState state;

  Fixture() {
    auto c = cfgMsg.initRoot<proto::CoreConfig>();
    c.initRouter().initIpTunnel().initOutgoingConnections(1).set(0, capnp::Data::Reader(kGateway.data(), 32));
    cfg = c.asReader();
  }

  angel::Verdict send(const std::function<void(proto::CoreToAngel::Builder)>& fill, std::size_t fds = 0) {
    capnp::MallocMessageBuilder mb;
    auto req = mb.initRoot<proto::CoreToAngel>();
    fill(req);
    return angel::checkCoreRequest(state, req.asReader(), fds, cfg);
  }
  angel::Verdict configured() { return send([](auto r) { r.setConfigured(); }); }
  angel::Verdict running() { return send([](auto r) { r.setRunning(); }); }
  angel::Verdict tunnelAddress(std::initializer_list<capnp::byte> ip, std::uint8_t len, bool knownGateway = true) {
    return tunnelPrefix(false, ip, len, knownGateway);
  }
  angel::Verdict tunnelRoute(std::initializer_list<capnp::byte> ip, std::uint8_t len) {
    return tunnelPrefix(true, ip, len, true);
  }
  angel::Verdict tunnelPrefix(bool route, std::initializer_list<capnp::byte> ip, std::uint8_t len, bool knownGateway) {
    return send([&](auto r) {
      auto p = route ? r.initAddTunnelRoute() : r.initAddTunnelAddress();
      std::vector<capnp::byte> bytes(ip);
      p.setAddress(capnp::Data::Reader(bytes.data(), bytes.size()));
      p.setPrefixLength(len);
      std::array<capnp::byte, 32> gw = kGateway;
      if (!knownGateway) gw[0] = 9;
      p.setGateway(capnp::Data::Reader(gw.data(), gw.size()));
    });
  }
  void toRunning() {
    REQUIRE(configured().action == Action::kPerform);
    REQUIRE(running().action == Action::kPerform);
  }
};

}  // namespace

TEST_CASE("phase table walks SPAWNED, CONFIGURED, RUNNING, STOPPING in order") {
  Fixture f;
  CHECK(f.configured().action == Action::kPerform);
  CHECK(f.state.phase == angel::Phase::kConfigured);
  CHECK(f.running().action == Action::kPerform);
  CHECK(f.state.phase == angel::Phase::kRunning);
  CHECK(f.send([](auto r) { r.setStopping("bye"); }).action == Action::kPerform);
  CHECK(f.state.phase == angel::Phase::kStopping);
  auto after = f.running();
  CHECK(after.action == Action::kKillCore);
  CHECK(after.reason.find("stopping") != std::string::npos);
}

TEST_CASE("phase table ends the core for a request out of phase or repeated") {
  Fixture f;
  auto early = f.running();
  CHECK(early.action == Action::kKillCore);
  CHECK(early.reason.find("SPAWNED") != std::string::npos);
  Fixture g;
  REQUIRE(g.configured().action == Action::kPerform);
  CHECK(g.configured().action == Action::kKillCore);
  Fixture h;
  REQUIRE(h.configured().action == Action::kPerform);
  CHECK(h.tunnelAddress({10, 0, 0, 1}, 32).action == Action::kKillCore);
}

TEST_CASE("phase table ends the core when it sends file descriptors") {
  Fixture f;
  auto v = f.send([](auto r) { r.setConfigured(); }, 1);
  CHECK(v.action == Action::kKillCore);
  CHECK(v.reason.find("file descriptors") != std::string::npos);
}

TEST_CASE("phase table allows tunnel prefixes only from configured gateways and within bounds") {
  Fixture f;
  f.toRunning();
  CHECK(f.tunnelAddress({10, 0, 0, 1}, 32).action == Action::kPerform);
  auto unknown = f.tunnelAddress({10, 0, 0, 2}, 32, false);
  CHECK(unknown.action == Action::kKillCore);
  CHECK(unknown.reason.find("outgoingConnections") != std::string::npos);
  Fixture g;
  g.toRunning();
  CHECK(g.tunnelAddress({10, 0, 0, 1}, 33).action == Action::kKillCore);
  Fixture h;
  h.toRunning();
  CHECK(h.tunnelAddress({10, 0, 1}, 24).action == Action::kKillCore);
  Fixture i;
  i.toRunning();
  CHECK(i.tunnelAddress({0xfc, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1}, 128).action == Action::kKillCore);
  Fixture j;
  j.toRunning();
  for (unsigned k = 0; k < proto::MAX_TUNNEL_PREFIXES; ++k) {
    REQUIRE(j.tunnelAddress({10, 0, 0, 1}, 32).action == Action::kPerform);
  }
  auto over = j.tunnelAddress({10, 0, 0, 1}, 32);
  CHECK(over.action == Action::kKillCore);
  CHECK(over.reason.find("too many") != std::string::npos);
}

TEST_CASE("phase table lets a default-route gateway through: an address and 32 routes per family fit") {
  // cjdns's RouteGen cuts 0.0.0.0/0 around one peer's IPv4 address into 32
  // routes; with the IPv4 and IPv6 addresses and ::/1, 8000::/1 that is 36.
  CHECK(proto::MAX_TUNNEL_PREFIXES == 64);
  CHECK(angel::PhaseLimits{}.maxTunnelPrefixes == proto::MAX_TUNNEL_PREFIXES);
  Fixture f;
  f.toRunning();
  CHECK(f.tunnelAddress({10, 77, 0, 2}, 32).action == Action::kPerform);
  for (std::uint8_t len = 1; len <= 32; ++len) REQUIRE(f.tunnelRoute({128, 0, 0, 0}, len).action == Action::kPerform);
  CHECK(f.tunnelAddress({0x20, 0x01, 0x0d, 0xb8, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 2}, 128).action ==
        Action::kPerform);
  CHECK(f.tunnelRoute({0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0}, 1).action == Action::kPerform);
  CHECK(f.tunnelRoute({0x80, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0}, 1).action == Action::kPerform);
  CHECK(f.state.tunnelPrefixes == 36);
}

TEST_CASE("phase table allows relayed packets only on the relay path and within size") {
  Fixture f;
  f.toRunning();
  auto packet = [&](std::size_t n) {
    return f.send([n](auto r) {
      std::vector<capnp::byte> d(n, 0x60);
      r.initRelayPacket().setData(capnp::Data::Reader(d.data(), d.size()));
    });
  };
  CHECK(packet(100).action == Action::kKillCore);  // core holds the TUN itself
  Fixture g;
  g.state.relayTun = true;
  g.toRunning();
  auto relay = [&](std::size_t n) {
    return g.send([n](auto r) {
      std::vector<capnp::byte> d(n, 0x60);
      r.initRelayPacket().setData(capnp::Data::Reader(d.data(), d.size()));
    });
  };
  CHECK(relay(1280).action == Action::kPerform);
  CHECK(relay(0).action == Action::kKillCore);
}

TEST_CASE("phase table bounds runtime UDP sockets") {
  Fixture f;
  f.toRunning();
  auto open = [&](std::size_t ipLen) {
    return f.send([ipLen](auto r) {
      std::vector<capnp::byte> ip(ipLen, 0);
      auto a = r.initOpenUdpInterface();
      a.setIp(capnp::Data::Reader(ip.data(), ip.size()));
      a.setPort(7000);
    });
  };
  CHECK(open(5).action == Action::kKillCore);
  Fixture g;
  g.toRunning();
  auto openG = [&]() {
    return g.send([](auto r) {
      std::array<capnp::byte, 4> ip{};
      r.initOpenUdpInterface().setIp(capnp::Data::Reader(ip.data(), 4));
    });
  };
  for (int k = 0; k < 8; ++k) REQUIRE(openG().action == Action::kPerform);
  CHECK(openG().action == Action::kKillCore);
}

TEST_CASE("phase table refuses a privileged UDP port the config does not bind") {
  Fixture f;
  f.toRunning();
  auto open = [&](std::uint16_t port) {
    return f.send([port](auto r) {
      std::array<capnp::byte, 4> ip{};
      auto a = r.initOpenUdpInterface();
      a.setIp(capnp::Data::Reader(ip.data(), 4));
      a.setPort(port);
    });
  };
  CHECK(open(40000).action == Action::kPerform);
  CHECK(open(0).action == Action::kPerform);
  const auto v = open(53);
  CHECK(v.action == Action::kKillCore);
  CHECK(v.reason.find("privileged port 53") != std::string::npos);
}
