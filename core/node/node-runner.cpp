#include "core/node/node-runner.h"

#include <spdlog/spdlog.h>

#include <unistd.h>

#include <csignal>
#include <cstring>
#include <map>
#include <string>

#include "core/node/config-peer.h"
#include "core/crypto/address.h"
#include "core/crypto/random.h"
#include "core/iface/tun-adapter.h"
#include "core/iface/udp-socket.h"
#include "core/node/beacon-driver.h"
#include "core/node/event-loop.h"
#include "core/node/link-mux.h"
#include "core/node/node-engine.h"
#include "core/node/tunnel-glue.h"

namespace cjdns::node {
namespace {

iface::LinkAddress toLinkAddress(proto::SockAddr::Reader a) {
  sockaddr_storage ss{};
  auto ip = a.getIp();
  if (ip.size() == 16) {
    auto* in6 = reinterpret_cast<sockaddr_in6*>(&ss);
    in6->sin6_family = AF_INET6;
    in6->sin6_port = htons(a.getPort());
    std::memcpy(&in6->sin6_addr, ip.begin(), 16);
    return iface::LinkAddress::fromSockaddr(reinterpret_cast<sockaddr*>(&ss), sizeof(sockaddr_in6));
  }
  auto* in = reinterpret_cast<sockaddr_in*>(&ss);
  in->sin_family = AF_INET;
  in->sin_port = htons(a.getPort());
  if (ip.size() == 4) std::memcpy(&in->sin_addr, ip.begin(), 4);
  return iface::LinkAddress::fromSockaddr(reinterpret_cast<sockaddr*>(&ss), sizeof(sockaddr_in));
}

/// Sends on the UDP sockets; the engine names them by link interface id.
/// Inside a Batch, datagrams are queued on their socket (UdpSocket::queue:
/// one GSO send for a train to one peer) and leave when the Batch ends, so
/// a burst read in one wake-up leaves in a few system calls; outside one
/// (timers, IPC) they leave at once.
class UdpLinks final : public iface::LinkSender {
 public:
  std::vector<iface::UdpSocket> sockets;
  std::uint64_t sendErrors = 0;
  bool batching = false;

  bool sendOnLink(unsigned linkIface, const iface::LinkAddress& to, const wire::Message& msg) override {
    if (linkIface >= sockets.size()) {
      ++sendErrors;
      return false;
    }
    if (batching) {
      // Refusals of queued datagrams are counted when they happen, not
      // reported to the caller (the packet at hand was taken).
      sendErrors += sockets[linkIface].queue(msg, to);
      return true;
    }
    if (!sockets[linkIface].send(msg, to)) {
      ++sendErrors;
      return false;
    }
    return true;
  }

  void flush() {
    for (auto& s : sockets) {
      if (s.hasQueued()) sendErrors += s.flush();
    }
  }

  /// Queues sends for its lifetime, then flushes them.
  class Batch {
   public:
    explicit Batch(UdpLinks& links) : links_(links), outer_(links.batching) { links_.batching = true; }
    ~Batch() {
      if (outer_) return;
      links_.batching = false;
      links_.flush();
    }
    Batch(const Batch&) = delete;
    Batch& operator=(const Batch&) = delete;

   private:
    UdpLinks& links_;
    bool outer_;
  };
};

}  // namespace

struct NodeRunner::Impl {
  Impl(proto::CoreConfig::Reader cfg, std::vector<int> fds, int tunFd, std::shared_ptr<spdlog::logger> log,
       RunnerOptions opt)
      : cfg_(cfg), log_(std::move(log)), opt_(opt), key_(privateKey(cfg)), engine_(key_, rng_, mux_),
        tunFd_(tunFd) {
    for (int fd : fds) {
      links_.sockets.emplace_back(fd);
      // Before the sandbox: setsockopt is not in the seccomp allow-list, so
      // sockets added at run time (addUdpSocket) go without trains.
      links_.sockets.back().enableOffloads();
    }
    ourIp_ = crypto::addressOf(crypto::publicKeyOf(key_));
  }
  ~Impl() {
    if (tunFd_ >= 0) ::close(tunFd_);
  }

  /// router.supernodes: only these snodes are adopted; our own key among
  /// them makes this node the route server of its network (upper.md 1.15).
  void applySupernodes() {
    std::vector<crypto::PublicKey> keys;
    for (auto k : cfg_.getRouter().getSupernodes()) {
      if (k.size() != 32) continue;
      keys.push_back(keyOf(k));
    }
    if (std::find(keys.begin(), keys.end(), engine_.publicKey()) != keys.end()) {
      engine_.enableRouteServer();
      log_->info("route server: this node answers its subnodes' announcements and route queries");
    }
    engine_.setAuthorizedSnodes(std::move(keys));
  }

  int run() {
    addUsers();
    addInterfaces();
    applySupernodes();
    auto now = EventLoop::nowMs();
    connectPeers(now);
    if (lan_) lan_->start(udpPorts(), now);
    for (unsigned i = 0; i < links_.sockets.size(); ++i) {
      loop_.onReadable(links_.sockets[i].fd(), [this, i] { drain(i, i); });
    }
    if (tunFd_ >= 0) loop_.onReadable(tunFd_, [this] { drainTun(); });
    if (tunFd_ >= 0 || tunWriter_) {
      engine_.setDataHandler(
          [this](const session::Delivery& d, wire::Message& m, std::uint64_t at) { deliver(d, m, at); });
    }
    tunnel_.configure(cfg_, tunFd_ >= 0 || tunWriter_, now);
    loop_.every(engine_.peers().timers().pingInterval, [this] { tick(EventLoop::nowMs()); });
    loop_.every(opt_.statusIntervalMs, [this] { logPeerChanges(); });
    if (opt_.handleStopSignals) {
      loop_.onSignal(SIGINT, [this] { stop("SIGINT"); });
      loop_.onSignal(SIGTERM, [this] { stop("SIGTERM"); });
    }
    loop_.onSignal(SIGUSR1, [this] { logStatus(); });
    log_->info("node {} running with {} UDP interface(s){}",
               crypto::ip6ToString(crypto::addressOf(engine_.publicKey())), links_.sockets.size(),
               tunFd_ >= 0 ? ", TUN" : (tunWriter_ ? ", TUN through the angel (relay path)" : ", no TUN"));
    loop_.run();
    return 0;
  }

  /// A packet the host wrote to the TUN (read here or relayed by the angel).
  void hostPacket(wire::Message& msg) {
    ++stats_.tunPacketsIn;
    if (iface::forIpTunnel(msg.bytes())) {
      if (!tunnel_.fromHost(msg, EventLoop::nowMs())) ++stats_.tunDrops;
      return;
    }
    iface::TunPacket p;
    auto v = iface::fromTun(msg, ourIp_, p);
    if (v != iface::TunVerdict::kToSession) {
      ++stats_.tunDrops;
      return;
    }
    auto r = engine_.sendToNode(p.destination, p.contentType, msg, EventLoop::nowMs());
    if (r == session::SendResult::kBadDestination || r == session::SendResult::kDropped) ++stats_.tunDrops;
  }

  void fromHost(std::span<const std::uint8_t> packet) {
    auto msg = engine_.pool().acquire();
    if (packet.size() > msg->tailroom()) {
      ++stats_.tunDrops;
      return;
    }
    std::memcpy(msg->tailStart(), packet.data(), packet.size());
    (void)msg->extend(packet.size());
    hostPacket(*msg);
  }

  static crypto::PrivateKey privateKey(proto::CoreConfig::Reader cfg) {
    crypto::PrivateKey k;
    auto d = cfg.getPrivateKey();
    if (d.size() == crypto::PrivateKey::kSize) std::memcpy(k.mutableBytes().data(), d.begin(), d.size());
    return k;
  }

  void addUsers() {
    for (auto p : cfg_.getAuthorizedPasswords()) {
      std::optional<crypto::Ip6> only;
      if (p.getIpv6().size() == 16) {
        crypto::Ip6 ip{};
        std::memcpy(ip.data(), p.getIpv6().begin(), 16);
        only = ip;
      }
      std::string user = p.getUser();
      if (engine_.users().add(std::string(p.getPassword()), user, only, user) ==
          crypto::CryptoAuthUsers::AddResult::kDuplicateLogin) {
        log_->warn("authorizedPasswords: user \"{}\" appears twice; the second entry is ignored", user);
      }
    }
  }

  NodeRunner::AddedUdp addUdpSocket(int fd) {
    links_.sockets.emplace_back(fd);
    const unsigned i = static_cast<unsigned>(links_.sockets.size() - 1);
    NodeRunner::AddedUdp added;
    added.bindAddress = links_.sockets[i].localAddress().toString();
    added.interfaceNumber = engine_.peers().addLinkInterface("UDP/" + added.bindAddress);
    // Once ETH links exist, link ids and socket indices part ways.
    mux_.route(added.interfaceNumber, links_, i);
    loop_.onReadable(links_.sockets[i].fd(), [this, i, id = added.interfaceNumber] { drain(i, id); });
    log_->info("UDPInterface {} added at run time (interface {})", added.bindAddress, added.interfaceNumber);
    return added;
  }

  void addInterfaces() {
    for (auto& s : links_.sockets) engine_.peers().addLinkInterface("UDP/" + s.localAddress().toString());
  }

  /// The ports of the config's UDP sockets: the commPort of their beacons.
  std::vector<std::uint16_t> udpPorts() const {
    std::vector<std::uint16_t> ports;
    for (const auto& s : links_.sockets) {
      const auto a = s.localAddress();
      ports.push_back(a.family() == AF_INET ? ntohs(reinterpret_cast<const sockaddr_in*>(a.sockaddrPtr())->sin_port)
                                            : 0);
    }
    return ports;
  }

  void addLanSockets(LanSockets sockets) {
    if (sockets.empty()) return;
    lan_ = std::make_unique<BeaconDriver>(cfg_, std::move(sockets), engine_, loop_, mux_, log_);
  }

  void connectPeers(std::uint64_t now) {
    auto udp = cfg_.getUdpInterfaces();
    for (unsigned i = 0; i < udp.size() && i < links_.sockets.size(); ++i) {
      for (auto c : udp[i].getConnectTo()) {
        auto peer = c.getPeer();
        iface::PeerController::Credentials cr = credentialsOf(peer);
        auto addr = toLinkAddress(c.getAddress());
        auto r = engine_.peers().beginConnection(i, addr, keyOf(peer.getPublicKey()), cr, now);
        if (r != iface::PeerController::ConnectResult::kOk) {
          log_->error("connectTo {}: not connected (code {})", addr.toString(), static_cast<int>(r));
        } else {
          log_->info("connecting to {}", addr.toString());
        }
      }
    }
  }

  /// Socket `i`, link interface `linkIface` (the same for the config's sockets).
  void drain(unsigned i, unsigned linkIface) {
    UdpLinks::Batch batch(links_);
    const std::uint64_t now = EventLoop::nowMs();
    auto deliver = [this, linkIface, now](std::span<const std::uint8_t> datagram, const iface::LinkAddress& from) {
      auto msg = engine_.pool().acquire();
      if (!msg->append(datagram)) return;  // not reached: datagrams are at most kMaxDatagram
      engine_.receiveFromLink(linkIface, from, *msg, now);
    };
    // Bounded (about 256 datagrams or 16 reads), so that one busy socket
    // cannot starve the timers.
    std::size_t datagrams = 0;
    for (int reads = 0; reads < 16 && datagrams < 256; ++reads) {
      auto r = links_.sockets[i].receiveBatch(deliver);
      truncated_ += r.truncated;
      datagrams += r.datagrams;
      if (r.wouldBlock) return;
    }
  }

  /// Packets from the host: IPv6 to fc00::/8 goes end to end; an
  /// unreachable destination gets an ICMPv6 error back. IPv4 and other IPv6
  /// go to IpTunnel (hostPacket).
  void drainTun() {
    UdpLinks::Batch batch(links_);
    for (int n = 0; n < 256; ++n) {
      auto msg = engine_.pool().acquire();
      ssize_t got = ::read(tunFd_, msg->tailStart(), std::min<std::size_t>(msg->tailroom(), 65535));
      if (got <= 0) return;
      (void)msg->extend(static_cast<std::size_t>(got));
      hostPacket(*msg);
    }
  }

  void tick(std::uint64_t now) {
    engine_.tick(now);
    tunnel_.tick(now);
  }

  /// End-to-end payloads for this host: IpTunnel's (257), or IPv6.
  void deliver(const session::Delivery& d, wire::Message& m, std::uint64_t now) {
    if (d.contentType == session::content_type::kIpTun) {
      tunnel_.fromNode(d, m, now);
    } else {
      toTun(d, m);
    }
  }

  /// One whole IP packet for the host (IpTunnel's), as toTun writes them.
  bool writeHost(std::span<const std::uint8_t> packet) {
    if (tunWriter_) {
      tunWriter_(packet);
    } else if (tunFd_ < 0 || ::write(tunFd_, packet.data(), packet.size()) < 0) {
      ++stats_.tunDrops;
      return false;
    }
    ++stats_.tunPacketsOut;
    return true;
  }

  /// End-to-end IPv6 payloads for this host.
  void toTun(const session::Delivery& d, wire::Message& m) {
    if (d.contentType > 255 || !iface::toTun(m, static_cast<std::uint8_t>(d.contentType), d.ip6, ourIp_)) {
      ++stats_.tunDrops;
      return;
    }
    ++stats_.tunPacketsOut;
    if (tunWriter_) {
      tunWriter_(std::span<const std::uint8_t>(m.data(), m.length()));
    } else if (::write(tunFd_, m.data(), m.length()) < 0) {
      ++stats_.tunDrops;
    }
  }

  void logPeerChanges() {
    for (const auto& p : engine_.peers().peers()) {
      std::string addr = p.address.toString();
      auto& last = lastState_[addr];
      if (last == iface::name(p.state)) continue;
      last = iface::name(p.state);
      crypto::NodeName n{p.version, p.label, p.publicKey};
      log_->info("peer {} {} {} user \"{}\"", addr, crypto::nodeNameToString(n), last, p.user);
    }
  }

  /// SIGUSR1: one line per peer and one of drop counters (until the admin API exists).
  void logStatus() {
    for (const auto& p : engine_.peers().peers()) {
      log_->info("status peer {} state={} version={} label={} in={} out={} dup={} lost={} oor={} filtered={} decryptErrors={} user=\"{}\"",
                 p.address.toString(), iface::name(p.state), p.version, crypto::labelToString(p.label),
                 p.counters.bytesIn, p.counters.bytesOut, p.replay.duplicates, p.replay.lost, p.replay.outOfRange,
                 p.counters.filteredBeforeEstablished, p.counters.decryptErrors, p.user);
    }
    for (auto h : engine_.sessions().handles()) {
      auto st = engine_.sessions().sessionStats(h);
      if (!st) continue;
      log_->info("status session {} state={} version={} path={} handle={} sendHandle={} dup={} lost={} oor={}",
                 crypto::ip6ToString(st->ip6), crypto::name(st->state), st->version,
                 crypto::labelToString(st->path), h, st->sendHandle, st->replay.duplicates, st->replay.lost,
                 st->replay.outOfRange);
    }
    const auto& pf = engine_.pathfinder().counters();
    log_->info("status pathfinder searches={} succeeded={} failed={} throttled={} queries={} timeouts={} "
               "nodesAdded={} nodesFailed={} pathsBroken={} peerLinksLost={} sessionPathsBroken={}",
               pf.searchesStarted, pf.searchesSucceeded, pf.searchesFailed, pf.searchesThrottled, pf.queriesSent,
               pf.queryTimeouts, pf.nodesAdded, pf.nodesFailed, pf.pathsBroken,
               engine_.routerCounters().peerLinksLost, engine_.sessions().counters().pathsBroken);
    const auto& sn = engine_.subnode().counters();
    log_->info("status subnode snode={} adopted={} lost={} announcements={}/{} resets={} routes={}/{} timeouts={}",
               engine_.subnode().snode() ? crypto::ip6ToString(crypto::addressOf(engine_.subnode().snode()->key))
                                         : std::string("none"),
               sn.snodesAdopted, sn.snodesLost, sn.announcementsAccepted, sn.announcementsSent, sn.resets,
               sn.routesFound, sn.routeQueries, sn.queryTimeouts);
    if (auto* rs = engine_.routeServer()) {
      const auto& rc = rs->counters();
      log_->info("status routeserver nodes={} links={} announcementsAccepted={} announcementsRefused={} "
                 "routesAnswered={} routesUnknown={}",
                 rs->nodeCount(), rs->linkCount(), rc.announcementsAccepted, rc.announcementsRefused,
                 rc.routesAnswered, rc.routesUnknown);
    }
    const auto& c = engine_.peers().counters();
    const auto& r = engine_.routerCounters();
    log_->info("status counters handshakeRefused={} unknownNotHello={} unknownBadKey={} replayDrops={} "
               "pongsMatched={} controlAnswered={} truncated={} sendErrors={} tunDrops={}",
               c.handshakeRefused, c.unknownNotHello, c.unknownBadKey,
               c.decryptErrors[static_cast<std::size_t>(crypto::DecryptError::kReplay)], r.pongsMatched,
               r.controlAnswered, truncated_, links_.sendErrors, stats_.tunDrops);
    tunnel_.logStatus();
    if (lan_) lan_->logStatus();
  }

  void stop(const char* why) {
    log_->info("{}: stopping", why);
    loop_.stop();
  }

  proto::CoreConfig::Reader cfg_;
  std::shared_ptr<spdlog::logger> log_;
  RunnerOptions opt_;
  TunWriter tunWriter_;
  RunnerStats stats_;
  crypto::SodiumRandom rng_;
  crypto::PrivateKey key_;
  UdpLinks links_;
  LinkMux mux_{links_};  ///< UDP by default; ETH and run-time UDP ids routed
  NodeEngine engine_;
  /// IpTunnel: configured in run() when the node has a TUN.
  TunnelGlue tunnel_{engine_, [this](std::span<const std::uint8_t> p) { return writeHost(p); }, log_};
  EventLoop loop_;
  std::unique_ptr<BeaconDriver> lan_;  ///< ETH and beacons; after loop_, which it uses until it goes
  std::map<std::string, std::string> lastState_;
  std::uint64_t truncated_ = 0;
  int tunFd_ = -1;
  crypto::Ip6 ourIp_{};
};

NodeRunner::NodeRunner(proto::CoreConfig::Reader config, std::vector<int> udpFds, int tunFd,
                       std::shared_ptr<spdlog::logger> log, RunnerOptions options)
    : impl_(std::make_unique<Impl>(config, std::move(udpFds), tunFd, std::move(log), options)) {}
NodeRunner::~NodeRunner() = default;
EventLoop& NodeRunner::loop() { return impl_->loop_; }
NodeEngine& NodeRunner::engine() { return impl_->engine_; }
void NodeRunner::setTunWriter(TunWriter writer) { impl_->tunWriter_ = std::move(writer); }
void NodeRunner::setTunnelRequester(TunnelRequester r) { impl_->tunnel_.setPrefixRequester(std::move(r)); }
NodeRunner::AddedUdp NodeRunner::addUdpSocket(int fd) { return impl_->addUdpSocket(fd); }
void NodeRunner::addLanSockets(LanSockets sockets) { impl_->addLanSockets(std::move(sockets)); }
void NodeRunner::fromHost(std::span<const std::uint8_t> packet) { impl_->fromHost(packet); }
int NodeRunner::run() { return impl_->run(); }
void NodeRunner::stop(const char* why) { impl_->stop(why); }
const RunnerStats& NodeRunner::stats() const { return impl_->stats_; }

int runNode(proto::CoreConfig::Reader config, std::vector<int> udpFds, int tunFd,
            std::shared_ptr<spdlog::logger> log, RunnerOptions options) {
  NodeRunner r(config, std::move(udpFds), tunFd, std::move(log), options);
  return r.run();
}

}  // namespace cjdns::node
