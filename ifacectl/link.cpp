#include "ifacectl/link.h"

#include <linux/rtnetlink.h>
#include <net/if.h>
#include <sys/socket.h>

#include <cctype>

#include "ifacectl/netlink-socket.h"

namespace cjdns::ifacectl {
namespace {

util::Error error(std::string text) { return util::Error{std::move(text), {}, {}}; }

std::string prefixText(const IpAddr& ip, unsigned prefixLen) {
  return ip.toString() + "/" + std::to_string(prefixLen);
}

/// Looks a device up by name; the error says only why ("No such device").
util::Result<LinkInfo> lookup(std::string_view name) {
  if (auto bad = checkDeviceName(name); !bad.empty()) return error(bad);
  auto sock = NetlinkSocket::open();
  if (!sock.ok()) return sock.error();
  NlMessage msg = buildGetLink(name);
  auto reply = sock->query(msg, "");  // the caller names the device
  if (!reply.ok()) return reply.error();
  return parseLink(reply->view());
}

/// Resolves a device for an operation: "<what>: <why>" when it cannot.
util::Result<int> indexFor(std::string_view name, const std::string& what) {
  auto link = lookup(name);
  if (!link.ok()) return error(what + ": " + link.error().message);
  return link->index;
}

util::Result<Ok> checkPrefix(const IpAddr& ip, unsigned prefixLen, const std::string& what) {
  if (ip.size() == 0) return error(what + ": no address given");
  if (prefixLen > ip.maxPrefix()) {
    return error(what + ": prefix length " + std::to_string(prefixLen) + " is longer than " +
                 std::to_string(ip.maxPrefix()));
  }
  return Ok{};
}

util::Result<Ok> send(NlMessage msg, const std::string& what) {
  auto sock = NetlinkSocket::open();
  if (!sock.ok()) return error(what + ": " + sock.error().message);
  return sock->request(msg, what);
}

util::Result<std::vector<OwnedReply>> dump(NlMessage msg, const std::string& what) {
  auto sock = NetlinkSocket::open();
  if (!sock.ok()) return error(what + ": " + sock.error().message);
  return sock->dump(msg, what);
}

}  // namespace

std::string checkDeviceName(std::string_view name) {
  if (name.empty()) return "empty device name";
  if (name.size() >= IFNAMSIZ) {
    return "device name \"" + std::string(name) + "\" is longer than " + std::to_string(IFNAMSIZ - 1) + " bytes";
  }
  if (name == "." || name == "..") return "\"" + std::string(name) + "\" is not a valid device name";
  for (char c : name) {
    if (c == '/' || c == ':' || std::isspace(static_cast<unsigned char>(c)) || c == '\0') {
      return "device name \"" + std::string(name) + "\" contains '/', ':', a NUL or whitespace";
    }
  }
  return "";
}

util::Result<LinkInfo> linkInfo(std::string_view name) {
  auto link = lookup(name);
  if (!link.ok()) return error("look up device " + std::string(name) + ": " + link.error().message);
  return link;
}

util::Result<int> ifIndex(std::string_view name) {
  auto link = linkInfo(name);
  if (!link.ok()) return link.error();
  return link->index;
}

util::Result<std::vector<LinkInfo>> listLinks() {
  const std::string what = "list devices";
  auto replies = dump(buildGetLinkDump(), what);
  if (!replies.ok()) return replies.error();
  std::vector<LinkInfo> out;
  for (const OwnedReply& r : replies.value()) {
    if (r.type != RTM_NEWLINK) continue;
    auto link = parseLink(r.view());
    if (!link.ok()) return error(what + ": " + link.error().message);
    out.push_back(std::move(link).value());
  }
  return out;
}

util::Result<Ok> setLinkUp(std::string_view name) {
  std::string what = "bring " + std::string(name) + " up";
  auto index = indexFor(name, what);
  if (!index.ok()) return index.error();
  return send(buildSetLink(index.value(), true, std::nullopt), what);
}

util::Result<Ok> setMtu(std::string_view name, std::uint32_t mtu) {
  std::string what = "set MTU " + std::to_string(mtu) + " on " + std::string(name);
  auto index = indexFor(name, what);
  if (!index.ok()) return index.error();
  return send(buildSetLink(index.value(), false, mtu), what);
}

util::Result<Ok> addAddress(std::string_view name, const IpAddr& ip, unsigned prefixLen) {
  std::string what = "add address " + prefixText(ip, prefixLen) + " to " + std::string(name);
  if (auto ok = checkPrefix(ip, prefixLen, what); !ok.ok()) return ok;
  auto index = indexFor(name, what);
  if (!index.ok()) return index.error();
  return send(buildAddress(RTM_NEWADDR, index.value(), ip, prefixLen), what);
}

util::Result<Ok> removeAddress(std::string_view name, const IpAddr& ip, unsigned prefixLen) {
  std::string what = "remove address " + prefixText(ip, prefixLen) + " from " + std::string(name);
  if (auto ok = checkPrefix(ip, prefixLen, what); !ok.ok()) return ok;
  auto index = indexFor(name, what);
  if (!index.ok()) return index.error();
  return send(buildAddress(RTM_DELADDR, index.value(), ip, prefixLen), what);
}

util::Result<std::vector<AddressInfo>> listAddresses(std::string_view name) {
  std::string what = "list addresses of " + std::string(name);
  auto index = indexFor(name, what);
  if (!index.ok()) return index.error();
  auto replies = dump(buildGetAddrDump(AF_UNSPEC), what);
  if (!replies.ok()) return replies.error();
  std::vector<AddressInfo> out;
  for (const OwnedReply& r : replies.value()) {
    if (r.type != RTM_NEWADDR) continue;
    auto addr = parseAddress(r.view());
    if (!addr.ok()) return error(what + ": " + addr.error().message);
    if (addr->index == index.value()) out.push_back(addr.value());
  }
  return out;
}

util::Result<Ok> addRoute(std::string_view name, const IpAddr& prefix, unsigned prefixLen) {
  std::string what = "add route " + prefixText(prefix.masked(prefixLen), prefixLen) + " via " + std::string(name);
  if (auto ok = checkPrefix(prefix, prefixLen, what); !ok.ok()) return ok;
  auto index = indexFor(name, what);
  if (!index.ok()) return index.error();
  return send(buildNewRoute(index.value(), prefix, prefixLen), what);
}

util::Result<std::vector<RouteInfo>> listRoutes(std::string_view name) {
  std::string what = "list routes via " + std::string(name);
  auto index = indexFor(name, what);
  if (!index.ok()) return index.error();
  std::vector<RouteInfo> out;
  for (int family : {AF_INET, AF_INET6}) {
    auto replies = dump(buildGetRouteDump(family), what);
    if (!replies.ok()) return replies.error();
    for (const OwnedReply& r : replies.value()) {
      if (r.type != RTM_NEWROUTE) continue;
      auto route = parseRoute(r.view());
      if (!route.ok()) return error(what + ": " + route.error().message);
      if (route->outIndex == index.value() && route->table == RT_TABLE_MAIN && route->type == RTN_UNICAST) {
        out.push_back(route.value());
      }
    }
  }
  return out;
}

}  // namespace cjdns::ifacectl
