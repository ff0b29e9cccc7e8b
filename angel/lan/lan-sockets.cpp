#include "angel/lan/lan-sockets.h"

#include <arpa/inet.h>
#include <ifaddrs.h>
#include <linux/if_packet.h>
#include <net/if.h>
#include <netinet/in.h>
#include <spdlog/spdlog.h>
#include <sys/socket.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <map>

namespace cjdns::angel {
namespace {

constexpr std::uint16_t kEthertypeCjdns = 0xFC00;
/// Receive buffer of an ETH socket: a few thousand full frames, so that a
/// burst waits for the core instead of being dropped.
constexpr int kEthReceiveBuffer = 4 << 20;
/// ETH sockets handed to the core at most: with the TUN, admin and UDP fds
/// they must fit one Configure message (the channel takes 64 fds).
constexpr std::size_t kMaxEthSockets = 32;

std::string ipString(const Ipv4Bytes& ip) {
  char buf[INET_ADDRSTRLEN] = {};
  ::inet_ntop(AF_INET, ip.data(), buf, sizeof buf);
  return buf;
}

std::optional<Ipv4Bytes> parseIpv4(const std::string& text) {
  Ipv4Bytes ip{};
  if (::inet_pton(AF_INET, text.c_str(), ip.data()) != 1) return std::nullopt;
  return ip;
}

/// (addr & mask) | ~mask, or nothing for a /31 or /32 (no broadcast address).
std::optional<Ipv4Bytes> directedBroadcast(const HostDevice::Ipv4& a) {
  Ipv4Bytes out{};
  unsigned hostBits = 0;
  for (std::size_t i = 0; i < out.size(); ++i) {
    out[i] = static_cast<std::uint8_t>((a.address[i] & a.netmask[i]) | ~a.netmask[i]);
    hostBits += static_cast<unsigned>(__builtin_popcount(static_cast<std::uint8_t>(~a.netmask[i])));
  }
  if (hostBits < 2) return std::nullopt;
  return out;
}

bool usableForBeacons(const HostDevice& d, const std::string& exclude) {
  return d.up && !d.loopback && d.name != exclude;
}

void setBuffer(int fd, int option, int forceOption, int size) {
  // FORCE passes rmem_max as root; otherwise the plain option (capped).
  if (::setsockopt(fd, SOL_SOCKET, forceOption, &size, sizeof size) != 0) {
    ::setsockopt(fd, SOL_SOCKET, option, &size, sizeof size);
  }
}

std::string errnoText(const char* what) { return std::string(what) + ": " + std::strerror(errno); }

}  // namespace

std::vector<HostDevice> listHostDevices(std::string& error) {
  ifaddrs* list = nullptr;
  if (::getifaddrs(&list) != 0) {
    error = errnoText("getifaddrs");
    return {};
  }
  std::map<std::string, HostDevice> byName;
  std::vector<std::string> order;
  for (ifaddrs* a = list; a != nullptr; a = a->ifa_next) {
    auto [it, added] = byName.try_emplace(a->ifa_name);
    HostDevice& d = it->second;
    if (added) {
      order.push_back(a->ifa_name);
      d.name = a->ifa_name;
      d.ifIndex = ::if_nametoindex(a->ifa_name);
    }
    // Not IFF_RUNNING as well: a link that has just come up gets its carrier
    // a moment later, and beacons sent before that are merely lost.
    d.up = (a->ifa_flags & IFF_UP) != 0;
    d.loopback = (a->ifa_flags & IFF_LOOPBACK) != 0;
    if (a->ifa_addr == nullptr) continue;
    if (a->ifa_addr->sa_family == AF_PACKET) {
      const auto* ll = reinterpret_cast<const sockaddr_ll*>(a->ifa_addr);
      MacBytes mac{};
      if (ll->sll_halen == mac.size()) {
        std::memcpy(mac.data(), ll->sll_addr, mac.size());
        if (std::any_of(mac.begin(), mac.end(), [](std::uint8_t b) { return b != 0; })) d.mac = mac;
      }
    } else if (a->ifa_addr->sa_family == AF_INET && a->ifa_netmask != nullptr) {
      HostDevice::Ipv4 v4;
      std::memcpy(v4.address.data(), &reinterpret_cast<const sockaddr_in*>(a->ifa_addr)->sin_addr, 4);
      std::memcpy(v4.netmask.data(), &reinterpret_cast<const sockaddr_in*>(a->ifa_netmask)->sin_addr, 4);
      d.ipv4.push_back(v4);
    }
  }
  ::freeifaddrs(list);
  std::vector<HostDevice> out;
  for (const auto& name : order) out.push_back(std::move(byName[name]));
  return out;
}

std::vector<const HostDevice*> ethDevicesFor(const std::string& bind, const std::vector<HostDevice>& devices,
                                             std::vector<std::string>& notes) {
  std::vector<const HostDevice*> out;
  if (bind == "all") {
    for (const auto& d : devices) {
      if (d.up && !d.loopback && d.mac) out.push_back(&d);
    }
    if (out.empty()) notes.push_back("ETHInterface bind \"all\": no device is up with a MAC address");
    return out;
  }
  auto it = std::find_if(devices.begin(), devices.end(), [&](const HostDevice& d) { return d.name == bind; });
  if (it == devices.end()) {
    notes.push_back("ETHInterface " + bind + ": no such device");
  } else if (!it->mac) {
    notes.push_back("ETHInterface " + bind + ": the device has no MAC address (not Ethernet)");
  } else {
    if (!it->up) notes.push_back("ETHInterface " + bind + ": the device is down; frames flow once it is up");
    out.push_back(&*it);
  }
  return out;
}

std::vector<Ipv4Bytes> beaconBroadcasts(const std::vector<std::string>& beaconDevices,
                                        const std::vector<HostDevice>& devices, const std::string& exclude,
                                        std::vector<std::string>& notes) {
  std::vector<Ipv4Bytes> out;
  auto add = [&out](const Ipv4Bytes& ip) {
    if (std::find(out.begin(), out.end(), ip) == out.end()) out.push_back(ip);
  };
  const bool all = std::find(beaconDevices.begin(), beaconDevices.end(), "all") != beaconDevices.end();
  for (const auto& d : devices) {
    if (!usableForBeacons(d, exclude)) continue;
    const bool named = all || std::find(beaconDevices.begin(), beaconDevices.end(), d.name) != beaconDevices.end();
    for (const auto& a : d.ipv4) {
      const auto b = directedBroadcast(a);
      if (!b) continue;
      const bool byAddress = std::find(beaconDevices.begin(), beaconDevices.end(), ipString(*b)) != beaconDevices.end();
      if (named || byAddress) add(*b);
    }
  }
  // An address no local device has is still honoured: the operator said so.
  for (const auto& name : beaconDevices) {
    if (name == "all") continue;
    if (auto ip = parseIpv4(name)) {
      add(*ip);
    } else if (std::none_of(devices.begin(), devices.end(), [&](const HostDevice& d) { return d.name == name; })) {
      notes.push_back("beaconDevices: no device named " + name);
    }
  }
  if (out.empty()) notes.push_back("beaconDevices names no IPv4 broadcast address; our beacons go nowhere");
  return out;
}

void LanFds::closeAll() {
  for (auto& e : eth) {
    if (e.fd >= 0) ::close(e.fd);
    e.fd = -1;
  }
  for (auto& b : beacon) {
    if (b.fd >= 0) ::close(b.fd);
    b.fd = -1;
  }
}

int openEthSocket(unsigned ifIndex, std::string& error) {
  int fd = ::socket(AF_PACKET, SOCK_DGRAM | SOCK_NONBLOCK | SOCK_CLOEXEC, htons(kEthertypeCjdns));
  if (fd < 0) {
    error = errnoText("socket(AF_PACKET)") + (errno == EPERM ? " (needs CAP_NET_RAW)" : "");
    return -1;
  }
  setBuffer(fd, SO_RCVBUF, SO_RCVBUFFORCE, kEthReceiveBuffer);
  sockaddr_ll sll{};
  sll.sll_family = AF_PACKET;
  sll.sll_protocol = htons(kEthertypeCjdns);
  sll.sll_ifindex = static_cast<int>(ifIndex);
  if (::bind(fd, reinterpret_cast<const sockaddr*>(&sll), sizeof sll) != 0) {
    error = errnoText("bind");
    ::close(fd);
    return -1;
  }
  return fd;
}

int openBeaconSocket(std::uint16_t port, std::string& error) {
  int fd = ::socket(AF_INET, SOCK_DGRAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
  if (fd < 0) {
    error = errnoText("socket");
    return -1;
  }
  const int one = 1;
  sockaddr_in sin{};
  sin.sin_family = AF_INET;
  sin.sin_port = htons(port);
  if (::setsockopt(fd, SOL_SOCKET, SO_BROADCAST, &one, sizeof one) != 0 ||
      ::setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one) != 0) {
    error = errnoText("setsockopt");
    ::close(fd);
    return -1;
  }
  if (::bind(fd, reinterpret_cast<const sockaddr*>(&sin), sizeof sin) != 0) {
    error = errnoText("bind");
    ::close(fd);
    return -1;
  }
  return fd;
}

namespace {

void openEth(proto::CoreConfig::Reader cfg, const std::vector<HostDevice>& devices, spdlog::logger& log,
             LanFds& out) {
  auto eth = cfg.getEthInterfaces();
  for (unsigned i = 0; i < eth.size(); ++i) {
    const std::string bind = eth[i].getBind();
    std::vector<std::string> notes;
    for (const HostDevice* d : ethDevicesFor(bind, devices, notes)) {
      if (out.eth.size() >= kMaxEthSockets) {
        log.warn("ETHInterface {}: more than {} devices; not bound", d->name, kMaxEthSockets);
        continue;
      }
      if (std::any_of(out.eth.begin(), out.eth.end(), [&](const EthSocketFd& e) { return e.device == d->name; })) {
        log.warn("ETHInterface {}: already bound by an earlier entry; skipped", d->name);
        continue;
      }
      std::string err;
      const int fd = openEthSocket(d->ifIndex, err);
      if (fd < 0) {
        log.error("ETHInterface {}: {}; not bound", d->name, err);
        continue;
      }
      out.eth.push_back(EthSocketFd{fd, i, d->name, d->ifIndex, *d->mac});
      log.info("ETHInterface bound to {} (ifindex {})", d->name, d->ifIndex);
    }
    for (const auto& n : notes) log.warn("{}", n);
    if (bind == "all") {
      // As cjdns: the first "all" entry stands for the whole list.
      if (i + 1 < eth.size()) log.warn("ETHInterface: entries after bind \"all\" are ignored");
      return;
    }
  }
}

/// One UDPInterface's beacon socket; false on a fatal error.
bool openBeacon(proto::CoreConfig::Reader cfg, unsigned i, const std::vector<HostDevice>& devices,
                const std::string& tunName, spdlog::logger& log, LanFds& out) {
  auto u = cfg.getUdpInterfaces()[i];
  if (u.getBeacon() == 0 || u.getBeaconPort() == 0 || !u.hasBeaconDevices()) return true;  // off (the parser warned)
  if (u.getBind().getIp().size() != 4) {
    log.warn("UDPInterface {}: beacons are IPv4 only; none for this interface", i);
    return true;
  }
  if (u.getBind().getPort() == u.getBeaconPort()) {
    log.error("UDPInterface {}: beaconPort {} must differ from the interface's own port", i, u.getBeaconPort());
    return false;
  }
  std::vector<std::string> names;
  for (auto n : u.getBeaconDevices()) names.emplace_back(n);
  std::vector<std::string> notes;
  auto broadcast = beaconBroadcasts(names, devices, tunName, notes);
  for (const auto& n : notes) log.warn("UDPInterface {}: {}", i, n);
  std::string err;
  const int fd = openBeaconSocket(u.getBeaconPort(), err);
  if (fd < 0) {
    log.error("UDPInterface {}: beacon socket on port {}: {}", i, u.getBeaconPort(), err);
    return false;
  }
  std::string where;
  for (const auto& b : broadcast) where += (where.empty() ? "" : ", ") + ipString(b);
  log.info("UDP beacons on port {} to {}", u.getBeaconPort(), where.empty() ? "nowhere" : where);
  out.beacon.push_back(BeaconSocketFd{fd, i, std::move(broadcast)});
  return true;
}

}  // namespace

std::optional<LanFds> openLanSockets(proto::CoreConfig::Reader cfg, const std::string& tunName, spdlog::logger& log) {
  LanFds out;
  bool wantBeacons = false;
  for (auto u : cfg.getUdpInterfaces()) wantBeacons = wantBeacons || u.getBeacon() != 0;
  if (cfg.getEthInterfaces().size() == 0 && !wantBeacons) return out;
  std::string err;
  const auto devices = listHostDevices(err);
  if (!err.empty()) log.warn("cannot list network devices: {}", err);
  openEth(cfg, devices, log, out);
  for (unsigned i = 0; i < cfg.getUdpInterfaces().size(); ++i) {
    if (!openBeacon(cfg, i, devices, tunName, log, out)) {
      out.closeAll();
      return std::nullopt;
    }
  }
  return out;
}

}  // namespace cjdns::angel
