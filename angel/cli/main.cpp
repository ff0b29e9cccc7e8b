// cjdroute: the command line of the angel process.
//
// Running a config validates it completely, opens the TUN and the UDP
// sockets it names (the privileged steps), then spawns and supervises the
// sandboxed cjdns-core that runs the node (angel/supervisor).
#include <fcntl.h>
#include <linux/if.h>
#include <linux/if_tun.h>
#include <sodium.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <spdlog/sinks/stdout_color_sinks.h>
#include <spdlog/spdlog.h>
#include <unistd.h>

#include <cerrno>
#include <cstdio>
#include <cstring>
#include <fstream>
#include <iostream>
#include <optional>
#include <sstream>
#include <string>
#include <vector>

#include "angel/conf/core-config.h"
#include "angel/conf/genconf.h"
#include "angel/supervisor/supervisor.h"
#include "cjdns-version.h"
#include "core/crypto/address.h"
#include "core/crypto/keys.h"
#include "core/iface/udp-socket.h"
#include "core/node/node-engine.h"
#include "ifacectl/ip-addr.h"
#include "ifacectl/link.h"
#include "ifacectl/tun.h"
#include "core/util/json-reader.h"
#include "core/util/json-writer.h"

namespace {

using namespace cjdns;

constexpr std::size_t kMaxConfigBytes = 4 * 1024 * 1024;

enum class Command { kRun, kCheck, kGenconf, kCleanconf, kVersion, kHelp };

struct Options {
  Command command = Command::kRun;
  bool eth = false;
  bool nobg = false;
  bool tunRelay = false;
  std::string configPath;  // "" = stdin
  std::string corePath;    // "" = find it
  std::vector<std::string> coreArgs;
};

void printUsage(std::FILE* to) {
  std::fprintf(to,
               "Usage: cjdroute [OPTION]... < cjdroute.conf\n"
               "       cjdroute --config PATH [OPTION]...\n"
               "A cjdns mesh node: encrypted IPv6 in fc00::/8, addressed by public key.\n"
               "\n"
               "  --genconf [--eth]  print a new commented configuration (fresh keys,\n"
               "                     passwords and UDP port); --eth enables Ethernet peering\n"
               "  --cleanconf        print the configuration as plain JSON (comments removed)\n"
               "  --check            validate the configuration, print the node's identity, exit\n"
               "  --config PATH      read the configuration from PATH instead of stdin\n"
               "  --nobg             stay in the foreground (as \"noBackground\": 1)\n"
               "  --tun-relay        keep the TUN in the privileged angel and relay packets\n"
               "                     to the core over IPC (for when the core cannot hold it)\n"
               "  --core PATH        the cjdns-core executable (default: beside cjdroute,\n"
               "                     then " CJDNS_CORE_INSTALLED_PATH ")\n"
               "  --core-arg ARG     pass ARG to the core (tests and debugging)\n"
               "  -v, --version      print the version and protocol version\n"
               "  -h, --help         print this help\n"
               "\n"
               "Typical first run:\n"
               "  cjdroute --genconf > /etc/cjdroute.conf && chmod 600 /etc/cjdroute.conf\n"
               "  cjdroute --nobg < /etc/cjdroute.conf\n"
               "\n"
               "Exit status: 0 success, 1 configuration or runtime error, 2 usage error.\n"
               "See cjdroute(8) and cjdroute.conf(5).\n");
}

std::optional<Options> parseArgs(int argc, char** argv) {
  Options o;
  bool commandSet = false;
  auto setCommand = [&](Command c, const char* arg) {
    if (commandSet && o.command != c) {
      std::fprintf(stderr, "cjdroute: %s cannot be combined with another command\n", arg);
      return false;
    }
    o.command = c;
    commandSet = true;
    return true;
  };
  for (int i = 1; i < argc; ++i) {
    std::string a = argv[i];
    bool ok = true;
    if (a == "--genconf") ok = setCommand(Command::kGenconf, argv[i]);
    else if (a == "--cleanconf") ok = setCommand(Command::kCleanconf, argv[i]);
    else if (a == "--check") ok = setCommand(Command::kCheck, argv[i]);
    else if (a == "--version" || a == "-v") ok = setCommand(Command::kVersion, argv[i]);
    else if (a == "--help" || a == "-h") ok = setCommand(Command::kHelp, argv[i]);
    else if (a == "--eth") o.eth = true;
    else if (a == "--nobg") o.nobg = true;
    else if (a == "--tun-relay") o.tunRelay = true;
    else if (a == "--core" && i + 1 < argc) o.corePath = argv[++i];
    else if (a == "--core-arg" && i + 1 < argc) o.coreArgs.push_back(argv[++i]);
    else if (a == "--config" && i + 1 < argc) o.configPath = argv[++i];
    else if (a.starts_with("--config=")) o.configPath = a.substr(9);
    else if (a == "--genconf-seed") {
      std::fprintf(stderr, "cjdroute: --genconf-seed is not supported: its output depends on cjdns's own "
                           "random generator; use --genconf\n");
      return std::nullopt;
    } else if (a == "--pidfile") {
      std::fprintf(stderr, "cjdroute: --pidfile is deprecated and no longer supported; use systemd or --nobg\n");
      return std::nullopt;
    } else {
      std::fprintf(stderr, "cjdroute: unrecognized option '%s' (try --help)\n", argv[i]);
      return std::nullopt;
    }
    if (!ok) return std::nullopt;
  }
  if (o.eth && o.command != Command::kGenconf) {
    std::fprintf(stderr, "cjdroute: --eth only goes with --genconf\n");
    return std::nullopt;
  }
  return o;
}

/// Reads the whole config from stdin or a file, bounded in size.
std::optional<std::string> readConfig(const Options& o, std::string& sourceName) {
  std::istream* in = &std::cin;
  std::ifstream file;
  sourceName = "<stdin>";
  if (!o.configPath.empty()) {
    sourceName = o.configPath;
    file.open(o.configPath, std::ios::binary);
    if (!file) {
      std::fprintf(stderr, "cjdroute: cannot open %s: %s\n", o.configPath.c_str(), std::strerror(errno));
      return std::nullopt;
    }
    in = &file;
  }
  std::string text;
  char buf[65536];
  while (in->read(buf, sizeof buf) || in->gcount() > 0) {
    text.append(buf, static_cast<std::size_t>(in->gcount()));
    if (text.size() > kMaxConfigBytes) {
      std::fprintf(stderr, "cjdroute: %s: configuration larger than %zu bytes, refused\n", sourceName.c_str(),
                   kMaxConfigBytes);
      return std::nullopt;
    }
  }
  return text;
}

void printDiagnostic(const std::string& source, const char* kind, const util::Error& e) {
  std::string where = source;
  if (e.pos.line != 0) where += ":" + std::to_string(e.pos.line) + ":" + std::to_string(e.pos.column);
  std::string path = e.path.empty() ? "" : e.path + ": ";
  std::fprintf(stderr, "%s: %s: %s%s\n", where.c_str(), kind, path.c_str(), e.message.c_str());
}

std::optional<util::Value> loadText(const Options& o, std::string& source) {
  auto text = readConfig(o, source);
  if (!text) return std::nullopt;
  auto parsed = util::readConfigText(*text);
  sodium_memzero(text->data(), text->size());  // the text holds the private key
  if (!parsed.ok()) {
    printDiagnostic(source, "error", parsed.error());
    std::fprintf(stderr, "cjdroute: invalid configuration, nothing started\n");
    return std::nullopt;
  }
  return std::move(parsed).value();
}

int cleanconf(const Options& o) {
  std::string source;
  auto v = loadText(o, source);
  if (!v) return 1;
  // As cjdns v20/v21 do: the cleaned file is strict, so say so.
  if (v->asDict().find("version") == nullptr) v->asDict().add("version", util::Value(std::int64_t{2}));
  std::fputs(util::writeCleanJson(*v).c_str(), stdout);
  return 0;
}

std::unique_ptr<angel::LoadedConfig> loadConfig(const Options& o) {
  std::string source;
  auto v = loadText(o, source);
  if (!v) return nullptr;
  auto loaded = angel::buildCoreConfig(*v);
  if (!loaded.ok()) {
    printDiagnostic(source, "error", loaded.error());
    std::fprintf(stderr, "cjdroute: invalid configuration, nothing started\n");
    return nullptr;
  }
  for (const auto& w : loaded.value()->warnings) printDiagnostic(source, "warning", w);
  return std::move(loaded).value();
}

int check(const Options& o) {
  auto loaded = loadConfig(o);
  if (!loaded) return 1;
  auto cfg = loaded->config();
  crypto::PublicKey pub{};
  crypto::Ip6 ip{};
  std::memcpy(pub.data(), cfg.getPublicKey().begin(), pub.size());
  std::memcpy(ip.data(), cfg.getIpv6().begin(), ip.size());
  std::printf("Configuration OK.\n");
  std::printf("Public key: %s\n", crypto::publicKeyToString(pub).c_str());
  std::printf("Address:    %s\n", crypto::ip6ToString(ip).c_str());
  return 0;
}

/// Binds every UDPInterface of the config, in order (the angel's job).
std::optional<std::vector<int>> openUdpSockets(proto::CoreConfig::Reader cfg, spdlog::logger& log) {
  std::vector<int> fds;
  for (auto u : cfg.getUdpInterfaces()) {
    util::HostPort hp;
    auto ip = u.getBind().getIp();
    hp.isIpv6 = ip.size() == 16;
    std::memcpy(hp.ip.data(), ip.begin(), std::min<std::size_t>(ip.size(), hp.ip.size()));
    hp.port = u.getBind().getPort();
    std::string err;
    int fd = iface::UdpSocket::openBound(hp, err);
    if (fd < 0) {
      log.error("UDPInterface {}: {}", hp.toString(), err);
      for (int f : fds) ::close(f);
      return std::nullopt;
    }
    log.info("UDPInterface bound to {}", iface::UdpSocket(::dup(fd)).localAddress().toString());
    fds.push_back(fd);
  }
  return fds;
}

/// Opens the node's TUN (or attaches to the preallocated one) and gives it
/// the node's address, MTU 1304 and link up. Failing to configure a device
/// we may not change (preallocated, no root) is only a warning, as in cjdns;
/// failing to open one is an error that names the way out.
int openTun(proto::CoreConfig::Reader cfg, spdlog::logger& log) {
  auto r = cfg.getRouter().getInterface();
  if (!r.isTun()) return -1;
  std::string want = r.getTun().getTunDevice();
  auto tun = ifacectl::openTun(want);
  if (!tun.ok()) {
    log.error("{}", tun.error().message);
    return -2;
  }
  const std::string name = tun->name;
  auto ip = ifacectl::IpAddr::fromBytes(std::span(cfg.getIpv6().begin(), cfg.getIpv6().size()));
  for (auto step : {ifacectl::setMtu(name, 1304), ifacectl::setLinkUp(name)}) {
    if (!step.ok()) log.warn("{}", step.error().message);
  }
  if (ip) {
    auto added = ifacectl::addAddress(name, *ip, 8);
    if (!added.ok() && added.error().message.find("exists") == std::string::npos) {
      log.warn("{}", added.error().message);
    }
  }
  log.info("TUN device {} carries {}", name, ip ? ip->toString() : "?");
  return tun->fd.release();
}

/// Where cjdns-core is: --core, else beside this executable (build tree,
/// or a package that puts both in one directory), else the installed path.
std::string findHelper(const char* name, const std::string& installedPath) {
  char self[4096];
  ssize_t n = ::readlink("/proc/self/exe", self, sizeof self - 1);
  if (n > 0) {
    std::string dir(self, static_cast<std::size_t>(n));
    dir.resize(dir.rfind('/') + 1);
    if (::access((dir + name).c_str(), X_OK) == 0) return dir + name;
  }
  return installedPath;
}

std::string findCore(const Options& o) {
  if (!o.corePath.empty()) return o.corePath;
  return findHelper("cjdns-core", CJDNS_CORE_INSTALLED_PATH);
}

/// The admin bridge lives beside the core.
std::string findAdmin(const std::string& corePath) {
  std::string installed = corePath.substr(0, corePath.rfind('/') + 1) + "cjdns-admin";
  if (::access(installed.c_str(), X_OK) == 0) return installed;
  return findHelper("cjdns-admin", installed);
}

/// Binds admin.bind for the bridge (as cjdns, a taken port means another
/// node runs: a clear error, nothing started).
int openAdminSocket(proto::CoreConfig::Reader cfg, spdlog::logger& log) {
  util::HostPort hp;
  auto b = cfg.getAdmin().getBind();
  hp.isIpv6 = b.getIp().size() == 16;
  std::memcpy(hp.ip.data(), b.getIp().begin(), std::min<std::size_t>(b.getIp().size(), hp.ip.size()));
  hp.port = b.getPort();
  std::string err;
  int fd = iface::UdpSocket::openBound(hp, err);
  if (fd < 0) {
    log.error("admin.bind {}: {}{}", hp.toString(), err,
              err.find("in use") != std::string::npos ? " (is another cjdroute running?)" : "");
    return -1;
  }
  log.info("admin API on {}", iface::UdpSocket(::dup(fd)).localAddress().toString());
  return fd;
}

/// systemd's readiness protocol (sd_notify), without libsystemd: one
/// datagram to $NOTIFY_SOCKET. A no-op when not run by systemd.
void sdNotify(const std::string& state) {
  const char* path = std::getenv("NOTIFY_SOCKET");
  if (path == nullptr || (path[0] != '/' && path[0] != '@')) return;
  sockaddr_un sa{};
  sa.sun_family = AF_UNIX;
  std::size_t len = std::strlen(path);
  if (len >= sizeof sa.sun_path) return;
  std::memcpy(sa.sun_path, path, len);
  if (sa.sun_path[0] == '@') sa.sun_path[0] = '\0';  // abstract namespace
  int fd = ::socket(AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC, 0);
  if (fd < 0) return;
  (void)::sendto(fd, state.data(), state.size(), MSG_NOSIGNAL, reinterpret_cast<sockaddr*>(&sa),
                 static_cast<socklen_t>(offsetof(sockaddr_un, sun_path) + len));
  ::close(fd);
}

/// Background mode (as cjdns without --nobg): the parent waits until the
/// node runs (or fails) and exits with that result; the child carries on in
/// its own session. Returns the write end of the readiness pipe in the child.
int daemonize() {
  int p[2];
  if (::pipe2(p, O_CLOEXEC) != 0) return -1;
  pid_t pid = ::fork();
  if (pid < 0) return -1;
  if (pid > 0) {
    ::close(p[1]);
    char c = 0;
    ssize_t got;
    do got = ::read(p[0], &c, 1);
    while (got < 0 && errno == EINTR);
    if (got == 1 && c == 'R') std::_Exit(0);
    std::fprintf(stderr, "cjdroute: the node did not start; see the messages above\n");
    std::_Exit(1);
  }
  ::close(p[0]);
  ::setsid();
  int devnull = ::open("/dev/null", O_RDONLY | O_CLOEXEC);
  if (devnull >= 0) {
    ::dup2(devnull, STDIN_FILENO);
    ::close(devnull);
  }
  return p[1];
}

bool tunIsPersistent(int fd) {
  ifreq ifr{};
  return ::ioctl(fd, TUNGETIFF, &ifr) == 0 && (ifr.ifr_flags & IFF_PERSIST) != 0;
}

int run(const Options& o) {
  if (o.configPath.empty() && isatty(STDIN_FILENO) != 0) {
    printUsage(stderr);
    return 2;
  }
  auto loaded = loadConfig(o);
  if (!loaded) return 1;
  auto log = spdlog::stderr_color_mt("angel");
  auto cfg = loaded->config();
  if (cfg.getRouter().getInterface().isSocket()) log->warn("SocketInterface is not implemented yet; no local traffic");
  const std::string corePath = findCore(o);
  if (::access(corePath.c_str(), X_OK) != 0) {
    log->error("cannot run the core {}: {} (install cjdns-core there, or name it with --core)", corePath,
               std::strerror(errno));
    return 1;
  }
  const bool wantTun = cfg.getRouter().getInterface().isTun();
  struct stat st {};
  if (wantTun && ::stat(ifacectl::kTunPath, &st) != 0) {
    log->error("{} does not exist: this system cannot create TUN devices (OpenVZ or a container?). "
               "Ask for TUN/TAP to be enabled, or preallocate one as root with `cjdns-ifacectl prealloc "
               "--user USER --config FILE` and set router.interface.tunDevice to its name",
               ifacectl::kTunPath);
    return 1;
  }
  const std::string adminPath = findAdmin(corePath);
  const bool haveAdmin = ::access(adminPath.c_str(), X_OK) == 0;
  if (!haveAdmin) log->warn("no admin API: cannot run the admin bridge {}", adminPath);
  auto fds = openUdpSockets(cfg, *log);
  if (!fds) return 1;
  angel::HostFds host;
  host.udpFds = std::move(*fds);
  if (haveAdmin) {
    host.adminUdpFd = openAdminSocket(cfg, *log);
    if (host.adminUdpFd < 0) return 1;
  }
  if (wantTun) {
    int tunFd = openTun(cfg, *log);
    if (tunFd < 0) return 1;
    host.tunFd = tunFd;
    char name[IFNAMSIZ + 1]{};
    ifreq ifr{};
    if (::ioctl(tunFd, TUNGETIFF, &ifr) == 0) std::memcpy(name, ifr.ifr_name, IFNAMSIZ);
    host.tunName = name;
  }
  auto lan = angel::openLanSockets(cfg, host.tunName, *log);
  if (!lan) return 1;
  host.lan = std::move(*lan);
  const bool persistent = host.tunFd >= 0 && tunIsPersistent(host.tunFd);
  const std::string tunName = host.tunName;
  const int tunFdCopy = host.tunFd;

  int readyFd = -1;
  if (!o.nobg && !cfg.getNoBackground()) {
    readyFd = daemonize();
    if (readyFd < 0) {
      log->error("cannot go to the background: {}", std::strerror(errno));
      return 1;
    }
  }
  angel::SupervisorOptions opt;
  opt.corePath = corePath;
  opt.adminPath = haveAdmin ? adminPath : "";
  opt.relayTun = o.tunRelay;
  opt.coreArgs = o.coreArgs;
  opt.onReady = [&readyFd] {
    sdNotify("READY=1\nSTATUS=core running\n");
    if (readyFd >= 0) {
      (void)!::write(readyFd, "R", 1);
      ::close(readyFd);
      readyFd = -1;
    }
  };
  int rc;
  {
    angel::Supervisor sup(cfg, std::move(host), log, opt);
    rc = sup.run();
  }
  sdNotify("STOPPING=1\n");
  if (tunFdCopy >= 0) {
    ::close(tunFdCopy);
    if (persistent) {
      log->info("TUN device {} is preallocated: left in place", tunName);
    } else {
      log->info("TUN device {} removed", tunName);
    }
  }
  for (int f : {readyFd}) if (f >= 0) ::close(f);
  log->info("stopped (exit status {})", rc);
  return rc;
}

}  // namespace

int main(int argc, char** argv) {
  auto opts = parseArgs(argc, argv);
  if (!opts) return 2;
  switch (opts->command) {
    case Command::kHelp: printUsage(stdout); return 0;
    case Command::kVersion:
      std::printf("Cjdns version: cjdns-cpp-%s\nCjdns protocol version: %u\n", CJDNS_PACKAGE_VERSION,
                  node::kProtocolVersion);
      return 0;
    case Command::kGenconf: {
      angel::GenconfOptions g;
      g.eth = opts->eth;
      std::fputs(angel::generateConfig(g).c_str(), stdout);
      return 0;
    }
    case Command::kCleanconf: return cleanconf(*opts);
    case Command::kCheck: return check(*opts);
    case Command::kRun: return run(*opts);
  }
  return 2;
}
