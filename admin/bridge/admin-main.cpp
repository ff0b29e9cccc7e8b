// cjdns-admin: the admin API bridge process (design.md, Processes).
//
// The angel spawns it with two inherited fds: the SOCK_SEQPACKET channel to
// the core (--core-fd, default 3) and the admin UDP socket it already bound
// to admin.bind (--udp-fd, default 4). It never talks to the angel. It says
// hello to the core, waits for `info` (password, key, pid...), enters its
// sandbox, then serves the cjdns admin protocol (admin/bridge/bridge.h)
// until the core's channel closes (exit 0) or breaks the protocol (exit 1).
#include <fcntl.h>
#include <poll.h>
#include <spdlog/sinks/stdout_color_sinks.h>
#include <spdlog/spdlog.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include <array>
#include <cerrno>
#include <charconv>
#include <csignal>
#include <cstdio>
#include <cstring>
#include <optional>
#include <string>
#include <string_view>

#if defined(__SANITIZE_ADDRESS__)
#include <sanitizer/lsan_interface.h>
#define CJDNS_LSAN 1
#endif

#include "admin/bridge/bridge.h"
#include "admin/bridge/core-link.h"
#include "core/crypto/keys.h"
#include "core/ipc/channel.h"
#include "core/node/event-loop.h"
#include "core/sandbox/sandbox.h"

namespace {

using namespace cjdns;

constexpr int kInfoTimeoutMs = 30000;
constexpr int kBurst = 64;  ///< datagrams or messages handled per wake-up

struct Options {
  int coreFd = 3;
  int udpFd = 4;
  std::optional<uid_t> uid;
  std::optional<gid_t> gid;
  std::string chroot;
  bool seccomp = true;
};

std::uint64_t wallClockMs() {
  timespec ts{};
  ::clock_gettime(CLOCK_REALTIME, &ts);
  return static_cast<std::uint64_t>(ts.tv_sec) * 1000 + static_cast<std::uint64_t>(ts.tv_nsec) / 1000000;
}

/// What the core may send: answers (a peer list, a routing table page)
/// comfortably under 1 MiB, never an fd.
ipc::Limits coreLimits() {
  ipc::Limits l;
  l.maxBytes = 1024 * 1024;
  l.maxFds = 0;
  l.traversalWords = 1024 * 1024 / 8 * 2;
  return l;
}

class ChannelLink : public admin::CoreLink {
 public:
  ChannelLink(ipc::Channel& channel, spdlog::logger& log) : channel_(channel), log_(log) {}
  bool send(capnp::MessageBuilder& message) override {
    auto r = channel_.send(message);
    if (!r.ok()) log_.warn("to the core: {}", r.error().message);
    return r.ok();
  }

 private:
  ipc::Channel& channel_;
  spdlog::logger& log_;
};

template <typename T>
bool parseNumber(std::string_view s, T& out) {
  auto [p, ec] = std::from_chars(s.data(), s.data() + s.size(), out);
  return ec == std::errc() && p == s.data() + s.size();
}

int usage() {
  std::fprintf(stderr,
               "cjdns-admin: the cjdns admin API bridge; cjdroute starts it.\n"
               "usage: cjdns-admin [--core-fd N] [--udp-fd N] [--uid N --gid N] [--chroot DIR] [--no-seccomp]\n"
               "  --core-fd N   channel to cjdns-core (default 3)\n"
               "  --udp-fd N    the bound admin UDP socket (default 4)\n"
               "  --uid, --gid  user and group to run as (root only)\n"
               "  --chroot DIR  directory to chroot into (root only)\n"
               "  --no-seccomp  do not install the system call allow-list\n");
  return 2;
}

std::optional<Options> parseArgs(int argc, char** argv) {
  Options o;
  for (int i = 1; i < argc; ++i) {
    std::string_view a = argv[i];
    auto value = [&]() -> std::optional<std::string_view> {
      if (i + 1 >= argc) return std::nullopt;
      return std::string_view(argv[++i]);
    };
    if (a == "--no-seccomp") {
      o.seccomp = false;
    } else if (a == "--core-fd" || a == "--udp-fd" || a == "--uid" || a == "--gid" || a == "--chroot") {
      auto v = value();
      if (!v) return std::nullopt;
      if (a == "--chroot") {
        o.chroot = std::string(*v);
        continue;
      }
      unsigned n = 0;
      if (!parseNumber(*v, n) || n > 0x7fffffffU) return std::nullopt;
      if (a == "--core-fd") o.coreFd = static_cast<int>(n);
      if (a == "--udp-fd") o.udpFd = static_cast<int>(n);
      if (a == "--uid") o.uid = static_cast<uid_t>(n);
      if (a == "--gid") o.gid = static_cast<gid_t>(n);
    } else {
      return std::nullopt;
    }
  }
  if (o.uid.has_value() != o.gid.has_value() || o.coreFd == o.udpFd) return std::nullopt;
  return o;
}

/// Says hello and waits (bounded) for info.
util::Result<admin::NodeInfo> handshake(ipc::Channel& channel) {
  capnp::MallocMessageBuilder hello(16);
  admin::buildHello(hello);
  if (auto r = channel.send(hello); !r.ok()) return util::Error{"sending hello: " + r.error().message, {}, {}};
  pollfd p{channel.fd(), POLLIN, 0};
  int n = ::poll(&p, 1, kInfoTimeoutMs);
  if (n == 0) return util::Error{"no info from the core within 30 s", {}, {}};
  if (n < 0) return util::Error{std::string("poll: ") + std::strerror(errno), {}, {}};
  ipc::Received in;
  auto got = channel.receive(in);
  if (!got.ok()) return got.error();
  if (got.value() != ipc::Channel::Status::kMessage) return util::Error{"the core closed the channel", {}, {}};
  util::Result<admin::NodeInfo> info = util::Error{"unreadable info", {}, {}};
  kj::Maybe<kj::Exception> ex =
      kj::runCatchingExceptions([&] { info = admin::parseInfo(in.reader().getRoot<proto::CoreToAdmin>()); });
  if (ex != nullptr) return util::Error{"unreadable info message", {}, {}};
  return info;
}

util::Result<sandbox::Ok> setNonBlocking(int fd) {
  int flags = ::fcntl(fd, F_GETFL);
  if (flags < 0 || ::fcntl(fd, F_SETFL, flags | O_NONBLOCK) != 0) {
    return util::Error{"fd " + std::to_string(fd) + ": " + std::strerror(errno), {}, {}};
  }
  return sandbox::Ok{};
}

/// Both inherited fds must be what the angel promised; both are made
/// non-blocking (the loop reads each until it would block).
util::Result<sandbox::Ok> checkFds(int coreFd, int udpFd) {
  int type = 0;
  socklen_t len = sizeof type;
  if (::getsockopt(udpFd, SOL_SOCKET, SO_TYPE, &type, &len) != 0 || type != SOCK_DGRAM) {
    return util::Error{"fd " + std::to_string(udpFd) + " is not a datagram socket", {}, {}};
  }
  len = sizeof type;
  if (::getsockopt(coreFd, SOL_SOCKET, SO_TYPE, &type, &len) != 0 || type != SOCK_SEQPACKET) {
    return util::Error{"fd " + std::to_string(coreFd) + " is not a SOCK_SEQPACKET socket", {}, {}};
  }
  if (auto r = setNonBlocking(udpFd); !r.ok()) return r;
  return setNonBlocking(coreFd);
}

int run(const Options& opt) {
  auto log = spdlog::stderr_color_mt("admin");
  crypto::ensureSodium();  // before the sandbox: it may read /dev/urandom once

  ipc::Channel channel{ipc::Fd(opt.coreFd), coreLimits()};
  if (auto r = checkFds(opt.coreFd, opt.udpFd); !r.ok()) {
    log->error("{}", r.error().message);
    return 1;
  }
  auto info = handshake(channel);
  if (!info.ok()) {
    log->error("waiting for info from the core: {}", info.error().message);
    return 1;
  }
  if (info->adminPassword.empty()) log->warn("the admin password is empty: anyone on admin.bind can authenticate");

  node::EventLoop loop;
  ChannelLink link(channel, *log);
  const int udpFd = opt.udpFd;
  admin::Bridge bridge(std::move(info).value(), link, [udpFd](const admin::ClientAddr& to, std::string_view bytes) {
    ::sendto(udpFd, bytes.data(), bytes.size(), MSG_DONTWAIT, reinterpret_cast<const sockaddr*>(to.data()),
             static_cast<socklen_t>(to.size()));
  });

  int status = 0;
  std::array<char, 65536> buf{};
  loop.onReadable(udpFd, [&] {
    for (int i = 0; i < kBurst; ++i) {
      sockaddr_storage from{};
      socklen_t fromLen = sizeof from;
      ssize_t n = ::recvfrom(udpFd, buf.data(), buf.size(), MSG_DONTWAIT | MSG_TRUNC,
                             reinterpret_cast<sockaddr*>(&from), &fromLen);
      if (n < 0) return;  // EAGAIN, or an ICMP error queued on the socket: nothing to read
      const auto got = std::min(static_cast<std::size_t>(n), buf.size());
      bridge.onDatagram(admin::ClientAddr(reinterpret_cast<const char*>(&from), fromLen),
                        std::string_view(buf.data(), got), wallClockMs());
    }
  });
  loop.onReadable(channel.fd(), [&] {
    for (int i = 0; i < kBurst; ++i) {
      ipc::Received in;
      auto r = channel.receive(in);
      if (!r.ok()) {
        log->error("from the core: {}; stopping", r.error().message);
        status = 1;
        loop.stop();
        return;
      }
      if (r.value() == ipc::Channel::Status::kWouldBlock) return;
      if (r.value() == ipc::Channel::Status::kClosed) {
        log->info("the core closed its channel; stopping");
        loop.stop();
        return;
      }
      bool readable = false;
      kj::Maybe<kj::Exception> ex = kj::runCatchingExceptions([&] {
        readable = bridge.onCoreMessage(in.reader().getRoot<proto::CoreToAdmin>(), wallClockMs());
      });
      if (ex != nullptr || !readable) log->warn("an unreadable answer from the core was dropped");
    }
  });
  loop.every(1000, [&] { bridge.tick(wallClockMs()); });
  loop.onSignal(SIGTERM, [&] { loop.stop(); });
  loop.onSignal(SIGINT, [&] { loop.stop(); });
  // The angel passes SIGUSR1 (status) on to us as to the core: log our counters.
  loop.onSignal(SIGUSR1, [&] {
    const auto& c = bridge.counters();
    log->info("status admin requests={} malformed={} authFailed={} coreTimeouts={}", c.requests, c.malformed,
              c.authFailed, c.coreTimeouts);
  });

  // A first kj exception loads what its stack trace needs (the unwinder may
  // dlopen libgcc_s) while files can still be opened; unreadable answers
  // from the core throw later, inside the sandbox.
  (void)kj::runCatchingExceptions([] { KJ_FAIL_REQUIRE("warm-up"); });

  // Everything exists now (event base, watches, sockets): enter the sandbox.
  sandbox::SandboxPlan plan;
  plan.uid = opt.uid;
  plan.gid = opt.gid;
  plan.chroot = opt.chroot;
  plan.seccomp = opt.seccomp;
  plan.noforks = true;
  plan.nofiles = true;  // the bridge never needs another fd; the core may not pass one
#ifdef CJDNS_LSAN
  // Test builds: LeakSanitizer's exit-time check needs ptrace and threads,
  // which the sandbox forbids; check now (and only now) instead.
  __lsan_do_leak_check();
#endif
  if (auto r = sandbox::apply(plan); !r.ok()) {
    log->error("sandbox: {}; not running without it", r.error().message);
    return 1;
  }
  log->info("serving the admin API (core pid {}, uid {}{}{})", bridge.info().corePid, ::getuid(),
            opt.chroot.empty() ? "" : ", chroot " + opt.chroot, opt.seccomp ? ", seccomp allow-list" : "");

  loop.run();
  const auto& c = bridge.counters();
  log->info("stopped: {} requests, {} dropped as malformed, {} auth failures, {} core timeouts", c.requests,
            c.malformed, c.authFailed, c.coreTimeouts);
  return status;
}

}  // namespace

int main(int argc, char** argv) {
  auto opt = parseArgs(argc, argv);
  if (!opt) return usage();
  return run(*opt);
}
