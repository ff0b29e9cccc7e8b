#include "ifacectl/cli/commands.h"

#include <grp.h>
#include <linux/if.h>
#include <linux/rtnetlink.h>
#include <pwd.h>
#include <sodium.h>
#include <sys/socket.h>

#include <cerrno>
#include <cstdio>
#include <cstring>
#include <fstream>
#include <optional>
#include <vector>

#include "angel/conf/core-config.h"
#include "core/util/json-reader.h"
#include "ifacectl/tun.h"

namespace cjdns::ifacectl::cli {
namespace {

constexpr std::size_t kMaxConfigBytes = 4 * 1024 * 1024;
constexpr unsigned kFcPrefixLen = 8;

void fail(const std::string& message) { std::fprintf(stderr, "cjdns-ifacectl: %s\n", message.c_str()); }

template <typename T>
bool failed(const util::Result<T>& r) {
  if (r.ok()) return false;
  fail(r.error().message);
  return true;
}

struct User {
  std::string name;
  uid_t uid = 0;
  gid_t gid = 0;
};

std::optional<User> lookupUser(const std::string& name) {
  errno = 0;
  const passwd* pw = ::getpwnam(name.c_str());
  if (pw == nullptr) {
    fail(errno != 0 ? "cannot look up user '" + name + "': " + std::strerror(errno) : "unknown user '" + name + "'");
    return std::nullopt;
  }
  return User{name, pw->pw_uid, pw->pw_gid};
}

std::string userName(std::uint32_t uid) {
  const passwd* pw = ::getpwuid(uid);
  return pw != nullptr ? pw->pw_name : "?";
}

std::string groupName(std::uint32_t gid) {
  const group* gr = ::getgrgid(gid);
  return gr != nullptr ? gr->gr_name : "?";
}

/// The config file's text, bounded in size; nullopt after printing why not.
std::optional<std::string> readFile(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) {
    fail("cannot open " + path + ": " + std::strerror(errno));
    return std::nullopt;
  }
  std::string text;
  char buf[65536];
  while (in.read(buf, sizeof buf) || in.gcount() > 0) {
    text.append(buf, static_cast<std::size_t>(in.gcount()));
    if (text.size() > kMaxConfigBytes) {
      fail(path + ": configuration larger than " + std::to_string(kMaxConfigBytes) + " bytes, refused");
      return std::nullopt;
    }
  }
  return text;
}

void configError(const std::string& path, const util::Error& e) {
  std::string where = path;
  if (e.pos.line != 0) where += ":" + std::to_string(e.pos.line) + ":" + std::to_string(e.pos.column);
  std::string key = e.path.empty() ? "" : e.path + ": ";
  std::fprintf(stderr, "%s: error: %s%s\n", where.c_str(), key.c_str(), e.message.c_str());
}

/// What prealloc needs from cjdroute.conf.
struct NodeConfig {
  IpAddr ip6;
  std::optional<std::string> tunDevice;  ///< set when router.interface is a TUN
};

/// Loads the config exactly as cjdroute does and keeps only the address.
std::optional<NodeConfig> loadNodeConfig(const std::string& path) {
  auto text = readFile(path);
  if (!text) return std::nullopt;
  auto parsed = util::readConfigText(*text);
  sodium_memzero(text->data(), text->size());  // it holds the private key
  if (!parsed.ok()) {
    configError(path, parsed.error());
    return std::nullopt;
  }
  auto loaded = angel::buildCoreConfig(parsed.value());
  if (!loaded.ok()) {
    configError(path, loaded.error());
    return std::nullopt;
  }
  auto cfg = loaded.value()->config();
  auto ip = cfg.getIpv6();
  NodeConfig out;
  out.ip6 = IpAddr::v6(std::span<const std::uint8_t, 16>(ip.begin(), 16));
  auto iface = cfg.getRouter().getInterface();
  if (iface.isTun()) out.tunDevice = std::string(iface.getTun().getTunDevice().cStr());
  return out;
}

std::optional<LinkInfo> findLink(const std::vector<LinkInfo>& links, const std::string& name) {
  for (const LinkInfo& l : links) {
    if (l.name == name) return l;
  }
  return std::nullopt;
}

/// Creates the device, or checks that the existing one is ours to repair.
bool ensureDevice(const std::string& name, const User& user) {
  auto links = listLinks();
  if (failed(links)) return false;
  auto link = findLink(links.value(), name);
  if (!link) {
    if (failed(createPersistentTun(name, user.uid, user.gid))) return false;
    std::printf("%s: created a persistent TUN device owned by %s (uid %u, gid %u)\n", name.c_str(),
                user.name.c_str(), user.uid, user.gid);
    return true;
  }
  if (!link->tun || link->tun->tap) {
    fail(name + " exists and is not a TUN device; choose another --name");
    return false;
  }
  if (!link->tun->owner || *link->tun->owner != user.uid) {
    std::string owner = link->tun->owner ? "uid " + std::to_string(*link->tun->owner) : "no user";
    fail(name + " exists, owned by " + owner + ", not by " + user.name + " (uid " + std::to_string(user.uid) +
         "); remove it first: cjdns-ifacectl remove --name " + name);
    return false;
  }
  if (!link->tun->persist) {
    fail(name + " exists but is not persistent (a running process created it); stop that process first");
    return false;
  }
  std::printf("%s: exists, a persistent TUN owned by %s (uid %u): checking MTU, state, address and route\n",
              name.c_str(), user.name.c_str(), user.uid);
  return true;
}

bool ensureMtuAndUp(const std::string& name, std::uint32_t mtu) {
  auto link = linkInfo(name);
  if (failed(link)) return false;
  if (link->mtu != mtu) {
    if (failed(setMtu(name, mtu))) return false;
    std::printf("%s: MTU set to %u (was %u)\n", name.c_str(), mtu, link->mtu);
  } else {
    std::printf("%s: MTU already %u\n", name.c_str(), mtu);
  }
  if (!(link->flags & IFF_UP)) {
    if (failed(setLinkUp(name))) return false;
    std::printf("%s: brought up\n", name.c_str());
  } else {
    std::printf("%s: already up\n", name.c_str());
  }
  return true;
}

bool ensureAddress(const std::string& name, const IpAddr& ip6) {
  auto addrs = listAddresses(name);
  if (failed(addrs)) return false;
  for (const AddressInfo& a : addrs.value()) {
    if (a.address == ip6 && a.prefixLen == kFcPrefixLen) {
      std::printf("%s: already has address %s/%u\n", name.c_str(), ip6.toString().c_str(), kFcPrefixLen);
      return true;
    }
  }
  if (failed(addAddress(name, ip6, kFcPrefixLen))) return false;
  std::printf("%s: address %s/%u added\n", name.c_str(), ip6.toString().c_str(), kFcPrefixLen);
  return true;
}

bool ensureRoute(const std::string& name, const IpAddr& ip6) {
  IpAddr prefix = ip6.masked(kFcPrefixLen);
  std::string text = prefix.toString() + "/" + std::to_string(kFcPrefixLen);
  auto routes = listRoutes(name);
  if (failed(routes)) return false;
  for (const RouteInfo& r : routes.value()) {
    if (r.destination == prefix && r.prefixLen == kFcPrefixLen) {
      const char* by = r.protocol == RTPROT_KERNEL ? " (the kernel's, from the address)" : "";
      std::printf("%s: route %s present%s\n", name.c_str(), text.c_str(), by);
      return true;
    }
  }
  if (failed(addRoute(name, prefix, kFcPrefixLen))) return false;
  std::printf("%s: route %s added\n", name.c_str(), text.c_str());
  return true;
}

void printNextStep(const PreallocOptions& o, const NodeConfig& node) {
  if (node.tunDevice && *node.tunDevice == o.name) {
    std::printf("Ready: %s names it in router.interface.tunDevice; start cjdroute as %s.\n",
                o.configPath.c_str(), o.user.c_str());
    return;
  }
  std::printf("Ready. Now set \"tunDevice\": \"%s\" in router.interface of %s and start cjdroute as %s:\n"
              "  sudo -u %s cjdroute --config %s\n",
              o.name.c_str(), o.configPath.c_str(), o.user.c_str(), o.user.c_str(), o.configPath.c_str());
}

std::string kindText(const LinkInfo& l) {
  if (l.tun) {
    std::string kind = l.tun->tap ? "TAP" : "TUN";
    return kind + (l.tun->persist ? ", persistent" : ", not persistent");
  }
  return l.kind.empty() ? "device" : l.kind;
}

std::string stateText(std::uint32_t flags) {
  if (!(flags & IFF_UP)) return "DOWN";
  if (!(flags & IFF_RUNNING)) return "UP, NO-CARRIER (no process has it open)";
  return "UP, RUNNING";
}

std::string ownerText(const LinkInfo& l) {
  if (!l.tun) return "";
  std::string out;
  if (l.tun->owner) out += ", owner " + userName(*l.tun->owner) + " (" + std::to_string(*l.tun->owner) + ")";
  if (l.tun->group) out += ", group " + groupName(*l.tun->group) + " (" + std::to_string(*l.tun->group) + ")";
  if (out.empty()) out = ", no owner (root only)";
  return out;
}

bool printLink(const LinkInfo& l) {
  std::printf("%s: %s%s, MTU %u, %s\n", l.name.c_str(), kindText(l).c_str(), ownerText(l).c_str(), l.mtu,
              stateText(l.flags).c_str());
  auto addrs = listAddresses(l.name);
  if (failed(addrs)) return false;
  for (const AddressInfo& a : addrs.value()) {
    std::printf("    %s %s/%u\n", a.address.family == AF_INET6 ? "inet6" : "inet", a.address.toString().c_str(),
                a.prefixLen);
  }
  auto routes = listRoutes(l.name);
  if (failed(routes)) return false;
  for (const RouteInfo& r : routes.value()) {
    std::printf("    route %s/%u%s\n", r.destination.toString().c_str(), r.prefixLen,
                r.protocol == RTPROT_KERNEL ? " (kernel)" : "");
  }
  return true;
}

}  // namespace

int prealloc(const PreallocOptions& o) {
  auto user = lookupUser(o.user);
  if (!user) return 1;
  auto node = loadNodeConfig(o.configPath);
  if (!node) return 1;
  std::printf("%s: node address %s (from %s)\n", o.name.c_str(), node->ip6.toString().c_str(), o.configPath.c_str());
  // MTU before up, and both before the address: IPv6 needs an MTU of 1280+.
  bool done = ensureDevice(o.name, *user) && ensureMtuAndUp(o.name, o.mtu) && ensureAddress(o.name, node->ip6) &&
              ensureRoute(o.name, node->ip6);
  if (!done) return 1;
  printNextStep(o, *node);
  return 0;
}

int show(const std::string& name) {
  auto links = listLinks();
  if (failed(links)) return 1;
  if (!name.empty()) {
    auto link = findLink(links.value(), name);
    if (!link) {
      fail("no device named " + name);
      return 1;
    }
    return printLink(*link) ? 0 : 1;
  }
  bool any = false;
  for (const LinkInfo& l : links.value()) {
    if (!l.tun) continue;
    any = true;
    if (!printLink(l)) return 1;
  }
  if (!any) std::printf("no TUN devices\n");
  return 0;
}

int remove(const std::string& name) {
  if (failed(deletePersistentTun(name))) return 1;
  std::printf("%s: persistent TUN device removed\n", name.c_str());
  return 0;
}

}  // namespace cjdns::ifacectl::cli
