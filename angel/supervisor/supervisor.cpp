#include "angel/supervisor/supervisor.h"

#include <fcntl.h>
#include <pwd.h>
#include <signal.h>
#include <spdlog/spdlog.h>
#include <sys/prctl.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <deque>
#include <optional>

#include "core/iface/udp-socket.h"
#include "core/ipc/channel.h"
#include "core/node/event-loop.h"
#include "ifacectl/ip-addr.h"
#include "ifacectl/link.h"

namespace cjdns::angel {
namespace {

/// Both directions: a Configure (config + fds) one way, requests and relayed
/// packets the other. The phase table refuses any fd from the core.
ipc::Limits channelLimits() {
  ipc::Limits l;
  l.maxBytes = 128 * 1024;  // a relayed packet is at most 64 KiB; a config rarely 10
  l.maxFds = 64;
  l.traversalWords = 128 * 1024 / 8 * 4;
  return l;
}

std::string describeExit(int status) {
  if (WIFEXITED(status)) return "exited with status " + std::to_string(WEXITSTATUS(status));
  if (WIFSIGNALED(status)) {
    int sig = WTERMSIG(status);
    std::string s = "was killed by signal " + std::to_string(sig) + " (" + ::strsignal(sig) + ")";
    if (sig == SIGSYS) s += ": a system call outside the seccomp allow-list";
    return s;
  }
  return "ended (status " + std::to_string(status) + ")";
}

/// A restarted core asks again for the IpTunnel addresses and routes its
/// predecessor had put on the TUN: one that is there already counts as done.
bool onTunAlready(const std::string& tun, bool route, const ifacectl::IpAddr& ip, unsigned prefixLen) {
  if (route) {
    auto routes = ifacectl::listRoutes(tun);
    return routes.ok() && std::any_of(routes->begin(), routes->end(), [&](const ifacectl::RouteInfo& r) {
             return r.prefixLen == prefixLen && r.destination == ip.masked(prefixLen);
           });
  }
  auto addresses = ifacectl::listAddresses(tun);
  return addresses.ok() && std::any_of(addresses->begin(), addresses->end(), [&](const ifacectl::AddressInfo& a) {
           return a.prefixLen == prefixLen && a.address == ip;
         });
}

}  // namespace

SandboxDecision decideSandbox(proto::CoreConfig::Reader cfg, proto::CoreSandbox::Builder out) {
  SandboxDecision d;
  auto sec = cfg.getSecurity();
  out.setNoforks(sec.getNoforks());
  out.setNofiles(sec.getNofiles());
  out.setSeccomp(sec.getSeccomp());
  if (sec.getKeepNetAdmin()) {
    d.notes.push_back("security.keepNetAdmin is not needed: the angel keeps CAP_NET_ADMIN, the core holds none");
  }
  if (sec.getNofiles()) {
    d.notes.push_back("security.nofiles: the core cannot receive new sockets (runtime UDPInterface_new fails)");
  }
  if (!sec.getSeccomp()) d.notes.push_back("security.seccomp is off: the core runs without a syscall allow-list");
  const std::string user = sec.getSetuser();
  if (::geteuid() != 0) {
    out.setChangeUser(false);
    d.notes.push_back("not root: the core runs as uid " + std::to_string(::geteuid()) +
                      " (setuser and chroot need root), still without capabilities and under seccomp");
    return d;
  }
  if (user.empty()) {
    out.setChangeUser(false);
    d.notes.push_back("security.setuser is off: the core keeps uid 0 (capabilities are still dropped); "
                      "name an unprivileged user instead");
  } else {
    errno = 0;
    const passwd* pw = ::getpwnam(user.c_str());
    if (pw == nullptr) {
      d.ok = false;
      d.error = "security.setuser: there is no user named \"" + user +
                "\" (create it, e.g. `useradd -r -s /sbin/nologin " + user + "`, or name another one)";
      return d;
    }
    if (pw->pw_uid == 0) {
      out.setChangeUser(false);
      d.notes.push_back("security.setuser names uid 0: the core keeps uid 0 (capabilities are still dropped)");
    } else {
      out.setChangeUser(true);
      out.setUid(pw->pw_uid);
      out.setGid(pw->pw_gid);
      out.setUserName(user);
    }
  }
  const std::string root = sec.getChroot();
  struct stat st {};
  if (!root.empty()) {
    if (::stat(root.c_str(), &st) == 0 && S_ISDIR(st.st_mode)) {
      out.setChroot(root);
    } else {
      d.notes.push_back("security.chroot: " + root + " is not a directory; the core does not chroot");
    }
  }
  return d;
}

struct Supervisor::Impl {
  Impl(proto::CoreConfig::Reader cfg, HostFds fds, std::shared_ptr<spdlog::logger> log, SupervisorOptions opt)
      : cfg_(cfg), fds_(std::move(fds)), log_(std::move(log)), opt_(std::move(opt)), backoffMs_(opt_.firstBackoffMs) {}

  ~Impl() {
    std::vector<pid_t> children = adminReplaced_;
    for (pid_t p : {pid_, adminPid_}) {
      if (p > 0) children.push_back(p);
    }
    for (pid_t p : children) ::kill(p, SIGKILL);
    for (pid_t p : children) ::waitpid(p, nullptr, 0);
  }

  int run() {
    auto decision = decideSandbox(cfg_, sandboxMsg_.initRoot<proto::CoreSandbox>());
    for (const auto& n : decision.notes) log_->info("{}", n);
    if (!decision.ok) {
      log_->error("{}", decision.error);
      return 1;
    }
    loop_.onSignal(SIGCHLD, [this] { reap(); });
    loop_.onSignal(SIGTERM, [this] { stop("SIGTERM"); });
    loop_.onSignal(SIGINT, [this] { stop("SIGINT"); });
    loop_.onSignal(SIGHUP, [this] { log_->info("SIGHUP ignored (the config is read once, at start)"); });
    loop_.onSignal(SIGUSR1, [this] {
      if (pid_ > 0) ::kill(pid_, SIGUSR1);
      if (adminPid_ > 0) ::kill(adminPid_, SIGUSR1);
      log_->info("status angel cores={} crashes={} violations={} adminBridges={} adminCrashes={} relayToCore={} "
                 "relayToHost={} relayDrops={}",
                 stats_.coresStarted, stats_.crashes, stats_.violations, stats_.adminStarted, stats_.adminCrashes,
                 stats_.relayToCore, stats_.relayToHost, stats_.relayDrops);
    });
    if (opt_.relayTun && fds_.tunFd >= 0) loop_.onReadable(fds_.tunFd, [this] { relayFromHost(); });
    spawn();
    if (!stopping_) loop_.run();
    return exitStatus_;
  }

  // ---- spawning ----

  /// Forks and execs `path` with `fds` placed at 3, 4, ... and nothing else
  /// inherited beyond stdio (stdin is /dev/null). Returns the pid or -1.
  pid_t spawnProcess(const std::string& path, std::vector<std::string> args, const std::vector<int>& fds) {
    int devnull = ::open("/dev/null", O_RDWR | O_CLOEXEC);
    std::vector<char*> argv;
    for (auto& a : args) argv.push_back(a.data());
    argv.push_back(nullptr);
    const pid_t self = ::getpid();
    const int nfds = static_cast<int>(fds.size());
    // No signal handler may run in the child before exec: it would write to
    // libevent's signal pipe, which the parent shares.
    sigset_t all, old;
    sigfillset(&all);
    ::sigprocmask(SIG_SETMASK, &all, &old);
    pid_t pid = ::fork();
    if (pid == 0) {
      // Only async-signal-safe calls until exec.
      ::prctl(PR_SET_PDEATHSIG, SIGKILL);
      if (::getppid() != self) ::_exit(1);
      int high[8];
      for (int i = 0; i < nfds && i < 8; ++i) {
        high[i] = ::fcntl(fds[static_cast<std::size_t>(i)], F_DUPFD_CLOEXEC, 64);  // out of the way first
        if (high[i] < 0) ::_exit(126);
      }
      for (int i = 0; i < nfds && i < 8; ++i) {
        if (::dup2(high[i], 3 + i) != 3 + i) ::_exit(126);  // dup2 clears close-on-exec
      }
      if (devnull >= 0) ::dup2(devnull, 0);
      ::syscall(SYS_close_range, static_cast<unsigned>(3 + nfds), ~0u, 0u);  // nothing else inherited
      for (int sig = 1; sig < NSIG; ++sig) ::signal(sig, SIG_DFL);
      ::sigprocmask(SIG_SETMASK, &old, nullptr);
      ::execv(path.c_str(), argv.data());
      ::_exit(127);
    }
    int forkErr = errno;
    ::sigprocmask(SIG_SETMASK, &old, nullptr);
    if (devnull >= 0) ::close(devnull);
    if (pid < 0) log_->error("fork: {}", std::strerror(forkErr));
    return pid;
  }

  void spawn() {
    if (stopping_) return;
    auto pair = ipc::Channel::pair(channelLimits());
    if (!pair.ok()) return giveUp("cannot create the IPC channel: " + pair.error().message);
    std::optional<std::pair<ipc::Channel, ipc::Channel>> adminPair;
    if (adminEnabled()) {
      auto ap = ipc::Channel::pair(adminLimits());
      if (ap.ok()) adminPair.emplace(std::move(ap.value()));
    }
    std::vector<std::string> args{"cjdns-core", "--ipc-fd", "3"};
    args.insert(args.end(), opt_.coreArgs.begin(), opt_.coreArgs.end());
    pid_t pid = spawnProcess(opt_.corePath, std::move(args), {pair->second.fd()});
    if (pid < 0) return giveUp("cannot start the core");

    pid_ = pid;
    ++stats_.coresStarted;
    phase_ = PhaseState{};
    phase_.relayTun = opt_.relayTun;
    violated_ = false;
    spawnedAt_ = node::EventLoop::nowMs();
    runningSince_ = 0;
    channel_.emplace(std::move(pair->first));
    // pair->second (the child's end) closes here, in the parent.
    log_->info("core started, pid {} ({})", pid_, opt_.corePath);
    channelWatch_ = loop_.onReadable(channel_->fd(), [this] { fromCore(); });
    startTimer_ = loop_.after(opt_.startTimeoutMs, [this] {
      startTimer_ = 0;
      if (phase_.phase != Phase::kRunning) violation("did not reach RUNNING within " +
                                                     std::to_string(opt_.startTimeoutMs) + " ms");
    });
    sendConfigure(adminPair ? adminPair->second.fd() : -1);
    // A new core means a new bridge: the old one's channel ended with the old core.
    if (adminPair) startAdmin(std::move(adminPair->first));
  }

  void sendConfigure(int adminFd) {
    capnp::MallocMessageBuilder mb;
    auto c = mb.initRoot<proto::AngelToCore>().initConfigure();
    c.setConfig(cfg_);
    c.setRelayTun(opt_.relayTun);
    c.setSandbox(sandboxMsg_.getRoot<proto::CoreSandbox>().asReader());
    std::vector<int> fds;
    const bool giveTun = fds_.tunFd >= 0 && !opt_.relayTun;
    auto roles = c.initFds(static_cast<unsigned>(fds_.udpFds.size() + (giveTun ? 1 : 0) + (adminFd >= 0 ? 1 : 0) +
                                                 fds_.lan.eth.size() + fds_.lan.beacon.size()));
    unsigned i = 0;
    if (giveTun) {
      roles[i++].setTun();
      fds.push_back(fds_.tunFd);
    }
    if (adminFd >= 0) {
      roles[i++].setAdmin();
      fds.push_back(adminFd);
    }
    for (unsigned u = 0; u < fds_.udpFds.size(); ++u) {
      roles[i++].setUdp(u);
      fds.push_back(fds_.udpFds[u]);
    }
    i = addLanRoles(roles, i, fds);
    auto r = channel_->send(mb, fds);
    if (!r.ok()) giveUp("cannot hand the config to the core: " + r.error().message);
  }

  /// The ETHInterface and UDP beacon sockets, from role `i` on; returns the next role.
  unsigned addLanRoles(capnp::List<proto::FdRole>::Builder roles, unsigned i, std::vector<int>& fds) {
    for (const auto& e : fds_.lan.eth) {
      auto r = roles[i++];
      r.setEth(e.device);
      auto link = r.initEthLink();
      link.setInterface(e.interface);
      link.setIfIndex(e.ifIndex);
      link.setMac(kj::arrayPtr(e.mac.data(), e.mac.size()));
      fds.push_back(e.fd);
    }
    for (const auto& b : fds_.lan.beacon) {
      auto r = roles[i++].initUdpBeacon();
      r.setInterface(b.interface);
      auto list = r.initBroadcast(static_cast<unsigned>(b.broadcast.size()));
      for (unsigned k = 0; k < b.broadcast.size(); ++k) list.set(k, kj::arrayPtr(b.broadcast[k].data(), 4));
      fds.push_back(b.fd);
    }
    return i;
  }

  // ---- the admin bridge ----

  bool adminEnabled() const { return !opt_.adminPath.empty() && fds_.adminUdpFd >= 0; }

  static ipc::Limits adminLimits() {
    ipc::Limits l;
    l.maxBytes = 256 * 1024;  // a peerStats or dumpTable answer for a big node
    l.maxFds = 1;
    l.traversalWords = 256 * 1024 / 8 * 4;
    return l;
  }

  /// Starts a bridge on `end` (its side of a channel whose other side the
  /// core has or is being given). An old bridge is ended first.
  void startAdmin(ipc::Channel end) {
    if (adminPid_ > 0) {
      adminReplaced_.push_back(adminPid_);
      ::kill(adminPid_, SIGTERM);
      adminPid_ = -1;
    }
    auto sb = sandboxMsg_.getRoot<proto::CoreSandbox>().asReader();
    std::vector<std::string> args{"cjdns-admin", "--core-fd", "3", "--udp-fd", "4"};
    if (sb.getChangeUser()) {
      args.insert(args.end(), {"--uid", std::to_string(sb.getUid()), "--gid", std::to_string(sb.getGid())});
    }
    if (sb.getChroot().size() > 0) args.insert(args.end(), {"--chroot", std::string(sb.getChroot())});
    if (!sb.getSeccomp()) args.emplace_back("--no-seccomp");
    pid_t pid = spawnProcess(opt_.adminPath, std::move(args), {end.fd(), fds_.adminUdpFd});
    if (pid < 0) return;
    adminPid_ = pid;
    ++stats_.adminStarted;
    log_->info("admin bridge started, pid {} ({})", pid, opt_.adminPath);
  }

  /// The bridge died on its own: a new one, with a new channel handed to the
  /// running core (attachAdmin), after a backoff. The node keeps routing.
  void adminExited(int status) {
    adminPid_ = -1;
    if (stopping_) return;
    ++stats_.adminCrashes;
    const auto delay = adminBackoffMs_;
    adminBackoffMs_ = std::min(adminBackoffMs_ * 2, opt_.maxBackoffMs);
    log_->warn("admin bridge {}; restarting it in {} ms", describeExit(status), delay);
    loop_.after(delay, [this] {
      if (stopping_ || adminPid_ > 0 || pid_ <= 0 || !channel_ || phase_.phase != Phase::kRunning) return;
      auto ap = ipc::Channel::pair(adminLimits());
      if (!ap.ok()) return;
      capnp::MallocMessageBuilder mb(32);
      mb.initRoot<proto::AngelToCore>().setAttachAdmin();
      const int fd[] = {ap->second.fd()};
      if (!channel_->send(mb, fd).ok()) return;
      startAdmin(std::move(ap->first));
    });
  }

  // ---- requests from the core ----

  void fromCore() {
    for (int n = 0; n < 64 && channel_; ++n) {
      ipc::Received in;
      auto r = channel_->receive(in);
      if (!r.ok()) return violation(r.error().message);
      if (r.value() == ipc::Channel::Status::kWouldBlock) return;
      if (r.value() == ipc::Channel::Status::kClosed) {
        closeChannel();  // the core is exiting; SIGCHLD follows
        return;
      }
      Verdict v;
      kj::Maybe<kj::Exception> ex = kj::runCatchingExceptions([&] {
        auto req = in.reader().getRoot<proto::CoreToAngel>();
        v = checkCoreRequest(phase_, req, in.fds().size(), cfg_);
        if (v.action == Verdict::Action::kPerform) perform(req);
      });
      KJ_IF_MAYBE(e, ex) { return violation(std::string("malformed message: ") + e->getDescription().cStr()); }
      if (v.action == Verdict::Action::kKillCore) return violation(v.reason);
    }
  }

  void perform(proto::CoreToAngel::Reader req) {
    switch (req.which()) {
      case proto::CoreToAngel::CONFIGURED: log_->info("core {} configured and sandboxed", pid_); break;
      case proto::CoreToAngel::RUNNING:
        runningSince_ = node::EventLoop::nowMs();
        if (startTimer_ != 0) loop_.cancel(std::exchange(startTimer_, 0));
        log_->info("core {} running ({} ms after start)", pid_, runningSince_ - spawnedAt_);
        if (!ready_) {
          ready_ = true;
          if (opt_.onReady) opt_.onReady();
        }
        break;
      case proto::CoreToAngel::RELAY_PACKET: {
        auto d = req.getRelayPacket().getData();
        if (fds_.tunFd < 0 || ::write(fds_.tunFd, d.begin(), d.size()) < 0) {
          ++stats_.relayDrops;
        } else {
          ++stats_.relayToHost;
        }
        break;
      }
      case proto::CoreToAngel::OPEN_UDP_INTERFACE: openUdp(req.getRequestId(), req.getOpenUdpInterface()); break;
      case proto::CoreToAngel::ADD_TUNNEL_ADDRESS:
      case proto::CoreToAngel::ADD_TUNNEL_ROUTE: tunnelPrefix(req); break;
      case proto::CoreToAngel::STOPPING:
        log_->info("core {} stopping: {}", pid_, req.getStopping().cStr());
        break;
    }
  }

  void reply(std::uint64_t id, const std::function<void(proto::Reply::Builder)>& fill, std::span<const int> fds = {}) {
    capnp::MallocMessageBuilder mb(128);
    auto r = mb.initRoot<proto::AngelToCore>().initReply();
    r.setRequestId(id);
    fill(r);
    if (channel_) {
      auto s = channel_->send(mb, fds);
      if (!s.ok()) log_->warn("reply to the core: {}", s.error().message);
    }
  }

  void openUdp(std::uint64_t id, proto::SockAddr::Reader a) {
    util::HostPort hp;
    hp.isIpv6 = a.getIp().size() == 16;
    std::memcpy(hp.ip.data(), a.getIp().begin(), std::min<std::size_t>(a.getIp().size(), hp.ip.size()));
    hp.port = a.getPort();
    std::string err;
    int fd = iface::UdpSocket::openBound(hp, err);
    if (fd < 0) {
      log_->warn("UDPInterface {} for the core: {}", hp.toString(), err);
      reply(id, [&](proto::Reply::Builder r) { r.setError(err); });
      return;
    }
    log_->info("UDPInterface {} opened for the core", hp.toString());
    const int one[] = {fd};
    reply(id, [](proto::Reply::Builder r) { r.setUdpSocket(); }, one);
    ::close(fd);
  }

  void tunnelPrefix(proto::CoreToAngel::Reader req) {
    const bool isRoute = req.isAddTunnelRoute();
    auto p = isRoute ? req.getAddTunnelRoute() : req.getAddTunnelAddress();
    auto ip = ifacectl::IpAddr::fromBytes(std::span(p.getAddress().begin(), p.getAddress().size()));
    util::Result<ifacectl::Ok> r = util::Error{"no TUN device", {}, {}};
    if (ip && !fds_.tunName.empty()) {
      r = isRoute ? ifacectl::addRoute(fds_.tunName, *ip, p.getPrefixLength())
                  : ifacectl::addAddress(fds_.tunName, *ip, p.getPrefixLength());
    }
    std::string what = std::string(isRoute ? "route " : "address ") + (ip ? ip->toString() : "?") + "/" +
                       std::to_string(p.getPrefixLength()) + " on " + fds_.tunName;
    const bool there = !r.ok() && ip && onTunAlready(fds_.tunName, isRoute, *ip, p.getPrefixLength());
    if (r.ok() || there) {
      log_->info("IpTunnel: {} {}", what, there ? "is there already" : "added");
      reply(req.getRequestId(), [](proto::Reply::Builder b) { b.setOk(); });
    } else {
      log_->warn("IpTunnel: {}: {}", what, r.error().message);
      reply(req.getRequestId(), [&](proto::Reply::Builder b) { b.setError(r.error().message); });
    }
  }

  // ---- the relay path ----

  void relayFromHost() {
    std::uint8_t buf[65536];
    for (int n = 0; n < 64; ++n) {
      ssize_t got = ::read(fds_.tunFd, buf, sizeof buf);
      if (got <= 0) return;
      if (!channel_ || phase_.phase != Phase::kRunning) {
        ++stats_.relayDrops;
        continue;
      }
      capnp::MallocMessageBuilder mb(static_cast<unsigned>(got) / 8 + 32);
      mb.initRoot<proto::AngelToCore>().initRelayPacket().setData(
          kj::arrayPtr(buf, static_cast<std::size_t>(got)));
      if (channel_->send(mb).ok()) {
        ++stats_.relayToCore;
      } else {
        ++stats_.relayDrops;
      }
    }
  }

  // ---- ending cores ----

  void violation(const std::string& why) {
    if (pid_ <= 0 || violated_) return;
    violated_ = true;
    ++stats_.violations;
    log_->error("core {} broke the angel's rules: {}; ending it", pid_, why);
    ::kill(pid_, SIGKILL);
    closeChannel();
  }

  void closeChannel() {
    if (channelWatch_ != 0) loop_.cancel(std::exchange(channelWatch_, 0));
    channel_.reset();
  }

  void reap() {
    for (;;) {
      int status = 0;
      pid_t p = ::waitpid(-1, &status, WNOHANG);
      if (p <= 0) return;
      if (p == pid_) {
        coreExited(status);
      } else if (p == adminPid_) {
        adminExited(status);
      } else {
        std::erase(adminReplaced_, p);
      }
    }
  }

  void coreExited(int status) {
    const pid_t was = std::exchange(pid_, -1);
    closeChannel();
    // The bridge's channel ended with this core: it goes too, and the next
    // core brings a new one.
    if (adminPid_ > 0) {
      adminReplaced_.push_back(std::exchange(adminPid_, -1));
      ::kill(adminReplaced_.back(), SIGTERM);
    }
    for (auto* t : {&startTimer_, &stopTimer_}) {
      if (*t != 0) loop_.cancel(std::exchange(*t, 0));
    }
    const std::string how = describeExit(status);
    if (stopping_) {
      log_->info("core {} {}", was, how);
      loop_.stop();
      return;
    }
    const bool clean = WIFEXITED(status) && WEXITSTATUS(status) == 0 && phase_.phase == Phase::kStopping && !violated_;
    if (clean) {
      log_->info("core {} {} after saying it was stopping; the node stops", was, how);
      stopping_ = true;
      loop_.stop();
      return;
    }
    ++stats_.crashes;
    const auto now = node::EventLoop::nowMs();
    crashTimes_.push_back(now);
    while (!crashTimes_.empty() && now - crashTimes_.front() > opt_.crashWindowMs) crashTimes_.pop_front();
    if (crashTimes_.size() > opt_.maxCrashes) {
      return giveUp("the core " + how + "; that is " + std::to_string(crashTimes_.size()) + " crashes within " +
                    std::to_string(opt_.crashWindowMs / 1000) + " s, giving up");
    }
    if (runningSince_ != 0 && now - runningSince_ > 60000) backoffMs_ = opt_.firstBackoffMs;
    const auto delay = backoffMs_;
    backoffMs_ = std::min(backoffMs_ * 2, opt_.maxBackoffMs);
    log_->warn("core {} {}; restarting it in {} ms (TUN and sockets kept)", was, how, delay);
    loop_.after(delay, [this] { spawn(); });
  }

  void stop(const char* why) {
    if (stopping_) return;
    stopping_ = true;
    log_->info("{}: stopping the node", why);
    if (adminPid_ > 0) ::kill(adminPid_, SIGTERM);
    if (pid_ <= 0) {
      loop_.stop();
      return;
    }
    if (channel_) {
      capnp::MallocMessageBuilder mb(32);
      mb.initRoot<proto::AngelToCore>().setShutdown();
      (void)channel_->send(mb);
    }
    stopTimer_ = loop_.after(opt_.stopTimeoutMs, [this] {
      stopTimer_ = 0;
      if (pid_ > 0) {
        log_->warn("core {} did not stop within {} ms; killing it", pid_, opt_.stopTimeoutMs);
        ::kill(pid_, SIGKILL);
      }
    });
  }

  void giveUp(const std::string& why) {
    log_->error("{}", why);
    exitStatus_ = 1;
    stopping_ = true;
    if (pid_ > 0) {
      ::kill(pid_, SIGKILL);
    } else {
      loop_.stop();
    }
  }

  proto::CoreConfig::Reader cfg_;
  HostFds fds_;
  std::shared_ptr<spdlog::logger> log_;
  SupervisorOptions opt_;
  SupervisorStats stats_;
  node::EventLoop loop_;
  capnp::MallocMessageBuilder sandboxMsg_{64};
  pid_t pid_ = -1;
  pid_t adminPid_ = -1;
  std::vector<pid_t> adminReplaced_;  ///< old bridges being ended
  std::uint64_t adminBackoffMs_ = 1000;
  std::optional<ipc::Channel> channel_;
  node::EventLoop::WatchId channelWatch_ = 0, startTimer_ = 0, stopTimer_ = 0;
  PhaseState phase_;
  bool violated_ = false;
  bool stopping_ = false;
  bool ready_ = false;
  int exitStatus_ = 0;
  std::uint64_t spawnedAt_ = 0, runningSince_ = 0, backoffMs_;
  std::deque<std::uint64_t> crashTimes_;
};

Supervisor::Supervisor(proto::CoreConfig::Reader config, HostFds fds, std::shared_ptr<spdlog::logger> log,
                       SupervisorOptions options)
    : impl_(std::make_unique<Impl>(config, std::move(fds), std::move(log), std::move(options))) {}
Supervisor::~Supervisor() = default;
int Supervisor::run() { return impl_->run(); }
const SupervisorStats& Supervisor::stats() const { return impl_->stats_; }

}  // namespace cjdns::angel
