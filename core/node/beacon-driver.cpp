#include "core/node/beacon-driver.h"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <spdlog/spdlog.h>
#include <sys/socket.h>
#include <unistd.h>

#include <algorithm>
#include <cstring>
#include <limits>

#include "core/node/config-peer.h"
#include "core/crypto/random.h"
#include "core/node/node-engine.h"

namespace cjdns::node {
namespace {

iface::BeaconPassword freshPassword() {
  crypto::SodiumRandom rng;
  return iface::makeBeaconPassword(rng);
}

/// Frames and beacon datagrams read per wake-up of one socket, so that a
/// busy LAN cannot starve the timers.
constexpr unsigned kFramesPerWake = 64;
constexpr unsigned kBeaconsPerWake = 32;

}  // namespace

BeaconDriver::BeaconDriver(proto::CoreConfig::Reader cfg, LanSockets sockets, NodeEngine& engine, EventLoop& loop,
                           LinkMux& mux, std::shared_ptr<spdlog::logger> log)
    : cfg_(cfg),
      engine_(engine),
      loop_(loop),
      mux_(mux),
      log_(std::move(log)),
      password_(freshPassword()),
      links_(std::move(sockets.eth)),
      pendingUdp_(std::move(sockets.udpBeacons)) {}

BeaconDriver::~BeaconDriver() {
  if (beaconTimer_ != 0) loop_.cancel(beaconTimer_);
  for (const auto& b : udp_) ::close(b.spec.fd);
  for (const auto& s : pendingUdp_) {
    if (s.fd >= 0) ::close(s.fd);
  }
}

iface::BeaconPolicy BeaconDriver::makePolicy(std::uint8_t mode, std::uint64_t nowMs) const {
  iface::BeaconPolicy p(engine_.publicKey(), password_, kProtocolVersion);
  p.setMode(iface::beaconModeFromInt(mode).value_or(iface::BeaconMode::kOff), nowMs);
  return p;
}

void BeaconDriver::start(const std::vector<std::uint16_t>& udpDataPorts, std::uint64_t nowMs) {
  addEthPorts(nowMs);
  addUdpBeacons(udpDataPorts, nowMs);
  registerPassword();
  dialEthPeers(nowMs);
  scheduleBeacons(nowMs);
}

void BeaconDriver::addEthPorts(std::uint64_t nowMs) {
  auto ethCfg = cfg_.getEthInterfaces();
  for (unsigned i = 0; i < links_.size(); ++i) {
    const EthPortSpec& spec = links_.port(i);
    const std::uint8_t mode = spec.interface < ethCfg.size() ? ethCfg[spec.interface].getBeacon() : 0;
    const unsigned id = engine_.peers().addLinkInterface("ETH/" + spec.device);
    mux_.route(id, links_, i);
    eth_.push_back(EthPort{id, makePolicy(mode, nowMs)});
    loop_.onReadable(spec.fd, [this, i] { drainEth(i); });
    log_->info("ETHInterface {} ({}, ifindex {}) is interface {}, beacons {}", spec.device, spec.mac.toString(),
               spec.ifIndex, id, iface::stateName(eth_.back().policy.mode()));
  }
}

void BeaconDriver::addUdpBeacons(const std::vector<std::uint16_t>& udpDataPorts, std::uint64_t nowMs) {
  auto udpCfg = cfg_.getUdpInterfaces();
  for (auto& spec : pendingUdp_) {
    if (spec.interface >= udpCfg.size() || spec.interface >= udpDataPorts.size()) {
      ::close(spec.fd);  // the angel named no interface we have: nothing to beacon for
      continue;
    }
    auto c = udpCfg[spec.interface];
    const std::uint16_t commPort = udpDataPorts[spec.interface];
    udp_.push_back(UdpBeacon{std::move(spec), c.getBeaconPort(), commPort, makePolicy(c.getBeacon(), nowMs)});
    const unsigned s = static_cast<unsigned>(udp_.size() - 1);
    loop_.onReadable(udp_[s].spec.fd, [this, s] { drainUdpBeacon(s); });
    log_->info("UDP beacons for interface {} on port {} (commPort {}, {} broadcast address(es)), beacons {}",
               udp_[s].spec.interface, udp_[s].beaconPort, udp_[s].commPort, udp_[s].spec.broadcast.size(),
               iface::stateName(udp_[s].policy.mode()));
  }
  pendingUdp_.clear();
}

/// Peers that heard our beacon authenticate with its password and the
/// login "Local Peers" (v20/v21 nodes with the password alone, type 1).
void BeaconDriver::registerPassword() {
  bool any = false;
  for (const auto& p : eth_) any = any || p.policy.mode() != iface::BeaconMode::kOff;
  for (const auto& b : udp_) any = any || b.policy.mode() != iface::BeaconMode::kOff;
  if (!any) return;
  const std::string login(iface::kBeaconLogin);
  if (engine_.users().add(iface::beaconPasswordString(password_), login, std::nullopt, login) ==
      crypto::CryptoAuthUsers::AddResult::kDuplicateLogin) {
    log_->warn("authorizedPasswords has a user \"{}\": peers that heard our beacon cannot authenticate", login);
  }
}

void BeaconDriver::dialEthPeers(std::uint64_t nowMs) {
  auto ethCfg = cfg_.getEthInterfaces();
  for (unsigned i = 0; i < links_.size(); ++i) {
    const EthPortSpec& spec = links_.port(i);
    if (spec.interface >= ethCfg.size()) continue;
    for (auto c : ethCfg[spec.interface].getConnectTo()) {
      if (c.getMac().size() != iface::MacAddress::kSize) continue;
      const iface::MacAddress mac(std::span<const std::uint8_t, 6>(c.getMac().begin(), 6));
      auto peer = c.getPeer();
      iface::PeerController::Credentials cr = credentialsOf(peer);
      auto r = engine_.peers().beginConnection(eth_[i].linkIface, mac.toLinkAddress(), keyOf(peer.getPublicKey()), cr,
                                               nowMs);
      if (r != iface::PeerController::ConnectResult::kOk) {
        log_->error("connectTo {} on {}: not connected (code {})", mac.toString(), spec.device, static_cast<int>(r));
      } else {
        log_->info("connecting to {} on {}", mac.toString(), spec.device);
      }
    }
  }
}

void BeaconDriver::act(unsigned linkIface, const iface::BeaconOutcome& outcome, const std::string& linkName,
                       std::uint64_t nowMs) {
  if (outcome.verdict != iface::BeaconVerdict::kConnect || !outcome.connect) return;
  const iface::BeaconConnect& c = *outcome.connect;
  iface::PeerController::Credentials cr;
  cr.password = c.password;
  cr.login = c.login;
  cr.peerName = c.login;
  cr.version = c.version;
  cr.forgetWhenSilent = true;
  auto r = engine_.peers().beginConnection(linkIface, c.address, c.key, cr, nowMs);
  if (r == iface::PeerController::ConnectResult::kOk) {
    ++connects_;
    log_->info("beacon on {}: connecting to {} (version {})", linkName, c.address.toString(), c.version);
  }
}

void BeaconDriver::onEthFrame(unsigned port, const iface::MacAddress& from, EthFrameKind kind, wire::Message& payload,
                              std::uint64_t nowMs) {
  if (port >= eth_.size()) return;
  EthPort& p = eth_[port];
  if (kind == EthFrameKind::kPeer) {
    engine_.receiveFromLink(p.linkIface, from.toLinkAddress(), payload, nowMs);
  } else if (kind == EthFrameKind::kBeacon) {
    act(p.linkIface, p.policy.onBeacon(from.toLinkAddress(), payload.bytes(), nowMs), "ETH/" + links_.port(port).device,
        nowMs);
  }
}

void BeaconDriver::onUdpBeacon(unsigned socket, const iface::LinkAddress& from, std::span<const std::uint8_t> datagram,
                               std::uint64_t nowMs) {
  if (socket >= udp_.size()) return;
  UdpBeacon& b = udp_[socket];
  act(b.spec.interface, b.policy.onUdpBeacon(from, datagram, nowMs), "UDP beacon port " + std::to_string(b.beaconPort),
      nowMs);
}

void BeaconDriver::drainEth(unsigned port) {
  const std::uint64_t now = EventLoop::nowMs();
  links_.receive(port, engine_.pool(),
                 [this, port, now](const iface::MacAddress& from, EthFrameKind kind, wire::Message& payload) {
                   onEthFrame(port, from, kind, payload, now);
                 },
                 kFramesPerWake);
}

void BeaconDriver::drainUdpBeacon(unsigned socket) {
  const std::uint64_t now = EventLoop::nowMs();
  for (unsigned n = 0; n < kBeaconsPerWake; ++n) {
    std::array<std::uint8_t, iface::kUdpBeaconSize + 64> buf{};
    sockaddr_storage ss{};
    socklen_t len = sizeof ss;
    const ssize_t got = ::recvfrom(udp_[socket].spec.fd, buf.data(), buf.size(), MSG_DONTWAIT,
                                   reinterpret_cast<sockaddr*>(&ss), &len);
    if (got < 0) return;
    const auto from = iface::LinkAddress::fromSockaddr(reinterpret_cast<const sockaddr*>(&ss), len);
    onUdpBeacon(socket, from, std::span<const std::uint8_t>(buf.data(), static_cast<std::size_t>(got)), now);
  }
}

void BeaconDriver::sendUdpBeacon(UdpBeacon& b) {
  const auto bytes = b.policy.udpBeacon(b.commPort);
  for (const auto& ip : b.spec.broadcast) {
    sockaddr_in to{};
    to.sin_family = AF_INET;
    to.sin_port = htons(b.beaconPort);
    std::memcpy(&to.sin_addr, ip.data(), ip.size());
    if (::sendto(b.spec.fd, bytes.data(), bytes.size(), MSG_DONTWAIT, reinterpret_cast<const sockaddr*>(&to),
                 sizeof to) != static_cast<ssize_t>(bytes.size())) {
      ++udpSendErrors_;
    }
  }
}

void BeaconDriver::sendDueBeacons(std::uint64_t nowMs) {
  for (unsigned i = 0; i < eth_.size(); ++i) {
    if (eth_[i].policy.sendDue(nowMs)) links_.sendBroadcast(i, eth_[i].policy.ethBeacon());
  }
  for (auto& b : udp_) {
    if (b.policy.sendDue(nowMs)) sendUdpBeacon(b);
  }
  scheduleBeacons(nowMs);
}

/// One timer for all links, set for the earliest beacon due.
void BeaconDriver::scheduleBeacons(std::uint64_t nowMs) {
  std::uint64_t next = std::numeric_limits<std::uint64_t>::max();
  for (const auto& p : eth_) next = std::min(next, p.policy.nextSendMs());
  for (const auto& b : udp_) next = std::min(next, b.policy.nextSendMs());
  if (beaconTimer_ != 0) loop_.cancel(std::exchange(beaconTimer_, 0));
  if (next == std::numeric_limits<std::uint64_t>::max()) return;
  beaconTimer_ = loop_.after(next > nowMs ? next - nowMs : 0, [this] {
    beaconTimer_ = 0;
    sendDueBeacons(EventLoop::nowMs());
  });
}

void BeaconDriver::logStatus() const {
  iface::BeaconCounters sum;
  auto add = [&sum](const iface::BeaconCounters& c) {
    for (std::size_t i = 0; i < sum.verdicts.size(); ++i) sum.verdicts[i] += c.verdicts[i];
    sum.sent += c.sent;
  };
  for (const auto& p : eth_) add(p.policy.counters());
  for (const auto& b : udp_) add(b.policy.counters());
  using V = iface::BeaconVerdict;
  const auto& e = links_.counters();
  log_->info("status lan eth={} framesIn={} framesOut={} beaconsIn={} ignored={} badSource={} malformed={} "
             "sendErrors={} udpBeacons={} udpSendErrors={} beaconsSent={} beaconConnects={} refused: off={} "
             "malformed={} ownKey={} badKey={} incompatible={} alreadyPeered={} tooSoon={} rateLimited={}",
             eth_.size(), e.framesIn, e.framesOut, e.beaconsIn, e.ignored, e.badSource, e.malformed, e.sendErrors,
             udp_.size(), udpSendErrors_, sum.sent, connects_, sum.of(V::kModeOff), sum.of(V::kMalformed),
             sum.of(V::kOwnKey), sum.of(V::kBadKey), sum.of(V::kIncompatible), sum.of(V::kAlreadyPeered),
             sum.of(V::kTooSoon), sum.of(V::kRateLimited));
}

}  // namespace cjdns::node
