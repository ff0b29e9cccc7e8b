// cjdns-core: the unprivileged half of the node (design.md, Processes).
//
// Spawned by the angel (cjdroute) with exactly one inherited fd, the IPC
// channel (fd 3 unless --ipc-fd says otherwise). It waits for `configure`
// (the typed config, the TUN and UDP fds, the sandbox to enter), builds the
// node, enters the sandbox and verifies it, says `configured`, then
// `running`, and runs until the angel says `shutdown`, the channel closes
// (the angel is gone) or a stop signal arrives; it says `stopping` on the
// way out. It never opens a file or socket itself.
#include <poll.h>
#include <spdlog/sinks/stdout_color_sinks.h>
#include <spdlog/spdlog.h>
#include <unistd.h>

#include <cerrno>
#include <charconv>
#include <cstdio>
#include <cstring>
#include <ctime>
#include <map>
#include <memory>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#if defined(__SANITIZE_ADDRESS__)
#include <sanitizer/lsan_interface.h>
#define CJDNS_LSAN 1
#endif

#include "core/admin/admin-endpoint.h"
#include "core/ipc/channel.h"
#include "core/iptunnel/ip-tunnel.h"
#include "core/node/beacon-driver.h"
#include "core/node/event-loop.h"
#include "core/node/node-runner.h"
#include "core/sandbox/sandbox.h"
#include "proto/angel.capnp.h"

namespace {

using namespace cjdns;

/// What the angel may send: a Configure with a config of any sane size and
/// up to 64 fds (TUN + UDP + ETH sockets).
ipc::Limits angelLimits() {
  ipc::Limits l;
  l.maxBytes = 1024 * 1024;
  l.maxFds = 64;
  l.traversalWords = 1024 * 1024 / 8 * 4;
  return l;
}

constexpr int kConfigureTimeoutMs = 30000;

struct CoreIo {
  ipc::Channel channel;
  std::shared_ptr<spdlog::logger> log;
  std::uint64_t relayDrops = 0;
  std::uint64_t nextRequestId = 1;
  std::map<std::uint64_t, std::uint64_t> udpRequests;  ///< our request id -> the admin service's token

  bool send(const std::function<void(proto::CoreToAngel::Builder)>& fill) {
    capnp::MallocMessageBuilder mb(256);
    auto m = mb.initRoot<proto::CoreToAngel>();
    fill(m);
    auto r = channel.send(mb);
    if (!r.ok()) {
      log->warn("to the angel: {}", r.error().message);
      return false;
    }
    return true;
  }
  void stopping(const std::string& why) {
    send([&](proto::CoreToAngel::Builder m) { m.setStopping(why); });
  }
};

/// IpTunnel's addresses and routes become addTunnelAddress/addTunnelRoute
/// requests: only the angel may change the TUN. The angel ends a core that
/// asks before it said `running`, so anything earlier waits until then. The
/// angel's reply is logged by the reply handler if it is an error.
class TunnelRequests {
 public:
  explicit TunnelRequests(CoreIo& io) : io_(io) {}

  void request(const iptunnel::TunnelPrefix& p, bool route) {
    if (running_) {
      send(p, route);
    } else {
      waiting_.push_back({p, route});
    }
  }
  /// Call once `running` is sent.
  void running() {
    running_ = true;
    for (const auto& [p, route] : std::exchange(waiting_, {})) send(p, route);
  }

 private:
  void send(const iptunnel::TunnelPrefix& p, bool route) {
    io_.send([&](proto::CoreToAngel::Builder m) {
      m.setRequestId(io_.nextRequestId++);
      auto t = route ? m.initAddTunnelRoute() : m.initAddTunnelAddress();
      t.setAddress(kj::arrayPtr(p.prefix.address.data(), p.prefix.v6 ? 16u : 4u));
      t.setPrefixLength(p.prefix.length);
      t.setGateway(kj::arrayPtr(p.gateway.data(), p.gateway.size()));
    });
  }

  CoreIo& io_;
  bool running_ = false;
  std::vector<std::pair<iptunnel::TunnelPrefix, bool>> waiting_;
};

/// Blocks (bounded) until one message arrives.
util::Result<ipc::Channel::Status> receiveBlocking(ipc::Channel& ch, ipc::Received& out, int timeoutMs) {
  pollfd p{ch.fd(), POLLIN, 0};
  int n = ::poll(&p, 1, timeoutMs);
  if (n == 0) return util::Error{"no configure message from the angel within " + std::to_string(timeoutMs) + " ms", {}, {}};
  if (n < 0) return util::Error{std::string("poll: ") + std::strerror(errno), {}, {}};
  return ch.receive(out);
}

/// An ETHInterface or UDP beacon socket and what the angel says about it.
void addLanSocket(proto::FdRole::Reader r, ipc::Fd& fd, proto::CoreConfig::Reader cfg, node::LanSockets& lan) {
  if (r.isEth()) {
    auto link = r.getEthLink();
    KJ_REQUIRE(link.getInterface() < cfg.getEthInterfaces().size(), "bad ETH interface index", link.getInterface());
    KJ_REQUIRE(link.getMac().size() == 6 && link.getIfIndex() != 0, "ETH socket without device index or MAC");
    node::EthPortSpec spec;
    spec.interface = link.getInterface();
    spec.device = r.getEth();
    spec.ifIndex = link.getIfIndex();
    spec.mac = iface::MacAddress(std::span<const std::uint8_t, 6>(link.getMac().begin(), 6));
    spec.fd = fd.release();
    lan.eth.push_back(std::move(spec));
    return;
  }
  auto b = r.getUdpBeacon();
  KJ_REQUIRE(b.getInterface() < cfg.getUdpInterfaces().size(), "bad UDP beacon interface index", b.getInterface());
  node::UdpBeaconSpec spec;
  spec.interface = b.getInterface();
  for (auto a : b.getBroadcast()) {
    KJ_REQUIRE(a.size() == 4, "a UDP beacon broadcast address is not IPv4");
    std::array<std::uint8_t, 4> ip{};
    std::memcpy(ip.data(), a.begin(), 4);
    spec.broadcast.push_back(ip);
  }
  spec.fd = fd.release();
  lan.udpBeacons.push_back(std::move(spec));
}

sandbox::SandboxPlan planOf(proto::CoreSandbox::Reader s) {
  sandbox::SandboxPlan p;
  if (s.getChangeUser()) {
    p.uid = s.getUid();
    p.gid = s.getGid();
  }
  p.chroot = s.getChroot();
  p.noforks = s.getNoforks();
  p.nofiles = s.getNofiles();
  p.seccomp = s.getSeccomp();
  return p;
}

int runCore(int ipcFd) {
  auto log = spdlog::stderr_color_mt("core");
  CoreIo io{ipc::Channel(ipc::Fd(ipcFd), angelLimits()), log, 0, 1, {}};

  ipc::Received first;
  auto got = receiveBlocking(io.channel, first, kConfigureTimeoutMs);
  if (!got.ok() || got.value() != ipc::Channel::Status::kMessage) {
    log->error("waiting for configure: {}", got.ok() ? "the angel closed the channel" : got.error().message);
    return 1;
  }
  proto::AngelToCore::Reader msg;
  proto::Configure::Reader conf;
  proto::CoreConfig::Reader cfg;
  std::vector<int> udpFds;
  node::LanSockets lan;  // ETHInterface and UDP beacon sockets
  int tunFd = -1;
  ipc::Fd adminFd;  // the core's end of the channel to the admin bridge
  // Read the message inside a catch: a malformed one is an exception.
  kj::Maybe<kj::Exception> bad = kj::runCatchingExceptions([&] {
    msg = first.reader().getRoot<proto::AngelToCore>();
    KJ_REQUIRE(msg.isConfigure(), "the first message is not configure");
    conf = msg.getConfigure();
    cfg = conf.getConfig();
    auto roles = conf.getFds();
    auto& fds = first.fds();
    KJ_REQUIRE(roles.size() == fds.size(), "fd roles do not match the fds attached", roles.size(), fds.size());
    udpFds.assign(cfg.getUdpInterfaces().size(), -1);
    for (unsigned i = 0; i < roles.size(); ++i) {
      auto r = roles[i];
      if (r.isTun()) {
        KJ_REQUIRE(tunFd < 0, "two TUN fds");
        tunFd = fds[i].release();
      } else if (r.isAdmin()) {
        KJ_REQUIRE(!adminFd, "two admin channels");
        adminFd = std::move(fds[i]);
      } else if (r.isUdp()) {
        KJ_REQUIRE(r.getUdp() < udpFds.size() && udpFds[r.getUdp()] < 0, "bad UDP fd index", r.getUdp());
        udpFds[r.getUdp()] = fds[i].release();
      } else if (r.isEth() || r.isUdpBeacon()) {
        addLanSocket(r, fds[i], cfg, lan);
      }
    }
    for (int fd : udpFds) KJ_REQUIRE(fd >= 0, "a UDP interface has no socket");
  });
  KJ_IF_MAYBE(e, bad) {
    log->error("configure message refused: {}", e->getDescription().cStr());
    io.stopping("bad configure message");
    return 1;
  }

  node::RunnerOptions opt;
  node::NodeRunner runner(cfg, std::move(udpFds), tunFd, log, opt);
  runner.addLanSockets(std::move(lan));
  TunnelRequests tunnelRequests(io);
  runner.setTunnelRequester(
      [&tunnelRequests](const iptunnel::TunnelPrefix& p, bool route) { tunnelRequests.request(p, route); });
  const bool relay = conf.getRelayTun();
  if (relay) {
    runner.setTunWriter([&io](std::span<const std::uint8_t> p) {
      capnp::MallocMessageBuilder mb(static_cast<unsigned>(p.size() / 8 + 32));
      auto m = mb.initRoot<proto::CoreToAngel>();
      m.initRelayPacket().setData(kj::arrayPtr(p.data(), p.size()));
      if (!io.channel.send(mb).ok()) ++io.relayDrops;
    });
  }

  // The admin API: the service answers the bridge's typed requests.
  auto sb = conf.getSandbox();
  std::string stopReason = "stopped";
  std::unique_ptr<admin::AdminEndpoint> adminEp;
  auto makeAdmin = [&](ipc::Fd channelFd) {
    ipc::Channel ch(std::move(channelFd), admin::bridgeLimits());
    if (adminEp) {
      adminEp->replaceChannel(std::move(ch));
      return;
    }
    admin::AdminContext ctx;
    ctx.adminPassword = cfg.getAdmin().getPassword();
    ctx.corePid = static_cast<std::uint32_t>(::getpid());
    ctx.startedUnixMs = static_cast<std::uint64_t>(std::time(nullptr)) * 1000u;
    ctx.noOpenFiles = sb.getNofiles();
    ctx.stopNode = [&] {
      stopReason = "Core_exit";
      runner.stop("Core_exit from the admin API");
    };
    ctx.requestUdpSocket = [&io](std::uint64_t token, std::span<const std::uint8_t> ip,
                                 std::uint16_t port) -> std::optional<std::string> {
      const std::uint64_t id = io.nextRequestId++;
      bool sent = io.send([&](proto::CoreToAngel::Builder m) {
        m.setRequestId(id);
        auto a = m.initOpenUdpInterface();
        a.setIp(kj::arrayPtr(ip.data(), ip.size()));
        a.setPort(port);
      });
      if (!sent) return std::string("cannot reach the angel");
      io.udpRequests[id] = token;
      return std::nullopt;
    };
    ctx.addUdpSocket = [&runner](int udpFd) -> std::variant<admin::AdminContext::UdpAdded, std::string> {
      auto added = runner.addUdpSocket(udpFd);
      return admin::AdminContext::UdpAdded{added.interfaceNumber, added.bindAddress};
    };
    adminEp = std::make_unique<admin::AdminEndpoint>(runner.loop(), runner.engine(), std::move(ctx), std::move(ch),
                                                     log);
  };
  if (adminFd) makeAdmin(std::move(adminFd));

  // Everything the node needs exists now (event base, fds): enter the sandbox.
#ifdef CJDNS_LSAN
  // Test builds: LeakSanitizer's exit-time check needs ptrace and threads,
  // which the sandbox forbids; check now (and only now) instead.
  __lsan_do_leak_check();
#endif
  if (auto r = sandbox::apply(planOf(sb)); !r.ok()) {
    log->error("sandbox: {}; not running without it", r.error().message);
    io.stopping("sandbox failed: " + r.error().message);
    return 1;
  }
  log->info("sandboxed: uid {} gid {}{}, no capabilities, no_new_privs{}{}{}", ::getuid(), ::getgid(),
            sb.getChangeUser() ? " (" + std::string(sb.getUserName()) + ")" : std::string(" (unchanged: not root)"),
            sb.getChroot().size() > 0 ? ", chroot " + std::string(sb.getChroot()) : std::string(),
            sb.getNoforks() ? ", no forks" : "", sb.getSeccomp() ? ", seccomp allow-list" : "");
  if (!io.send([](proto::CoreToAngel::Builder m) { m.setConfigured(); })) return 1;

  int status = 0;
  auto& loop = runner.loop();
  loop.onReadable(io.channel.fd(), [&] {
    for (int n = 0; n < 256; ++n) {
      ipc::Received in;
      auto r = io.channel.receive(in);
      if (!r.ok()) {
        log->error("from the angel: {}", r.error().message);
        stopReason = "bad message from the angel";
        status = 1;
        runner.stop("IPC error");
        return;
      }
      if (r.value() == ipc::Channel::Status::kWouldBlock) return;
      if (r.value() == ipc::Channel::Status::kClosed) {
        stopReason = "the angel is gone";
        status = 1;
        runner.stop("IPC closed");
        return;
      }
      kj::Maybe<kj::Exception> ex = kj::runCatchingExceptions([&] {
        auto m = in.reader().getRoot<proto::AngelToCore>();
        switch (m.which()) {
          case proto::AngelToCore::SHUTDOWN:
            stopReason = "the angel asked";
            runner.stop("shutdown from the angel");
            break;
          case proto::AngelToCore::RELAY_PACKET: {
            auto d = m.getRelayPacket().getData();
            if (relay) runner.fromHost(std::span<const std::uint8_t>(d.begin(), d.size()));
            break;
          }
          case proto::AngelToCore::ATTACH_ADMIN:
            if (in.fds().size() == 1) {
              makeAdmin(std::move(in.fds()[0]));
              log->info("admin bridge restarted: new channel attached");
            }
            break;
          case proto::AngelToCore::REPLY: {
            auto reply = m.getReply();
            auto it = io.udpRequests.find(reply.getRequestId());
            if (it == io.udpRequests.end()) {
              if (reply.isError()) log->warn("angel: {}", reply.getError().cStr());
              break;
            }
            const std::uint64_t token = it->second;
            io.udpRequests.erase(it);
            if (!adminEp) break;
            if (reply.isUdpSocket() && in.fds().size() == 1) {
              adminEp->service().udpSocketOpened(token, in.fds()[0].release());
            } else {
              adminEp->service().udpSocketFailed(
                  token, reply.isError() ? std::string(reply.getError().cStr()) : "the angel sent no socket");
            }
            break;
          }
          default: log->warn("unexpected message from the angel ignored"); break;
        }
      });
      KJ_IF_MAYBE(e, ex) { log->warn("malformed message from the angel ignored: {}", e->getDescription().cStr()); }
    }
  });
  loop.after(0, [&] {
    if (io.send([](proto::CoreToAngel::Builder m) { m.setRunning(); })) tunnelRequests.running();
  });
  runner.run();
  if (io.relayDrops > 0) log->info("relay path: {} packets not sent to the angel (channel full)", io.relayDrops);
  io.stopping(stopReason);
  return status;
}

}  // namespace

int main(int argc, char** argv) {
  int ipcFd = 3;
  for (int i = 1; i < argc; ++i) {
    std::string_view a = argv[i];
    if (a == "--ipc-fd" && i + 1 < argc) {
      std::string_view v = argv[++i];
      auto [p, ec] = std::from_chars(v.data(), v.data() + v.size(), ipcFd);
      if (ec != std::errc() || p != v.data() + v.size() || ipcFd < 0) {
        std::fprintf(stderr, "cjdns-core: bad --ipc-fd\n");
        return 2;
      }
    } else {
      std::fprintf(stderr,
                   "cjdns-core: the unprivileged half of a cjdns node; cjdroute starts it.\n"
                   "usage: cjdns-core [--ipc-fd N]   (default 3)\n");
      return 2;
    }
  }
  return runCore(ipcFd);
}
