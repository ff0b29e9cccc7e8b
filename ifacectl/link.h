// Network device configuration over rtnetlink: what the angel does to the
// TUN after opening it (MTU, up, address, route) and what cjdns-ifacectl
// shows. No shelling out to `ip`. Each call opens its own NETLINK_ROUTE
// socket; changes need CAP_NET_ADMIN in the device's network namespace.
//
// Every error is one line naming what was attempted and why it failed:
//   "add address fc00::1/8 to cjdroute0: File exists"
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "core/util/result.h"
#include "ifacectl/ip-addr.h"
#include "ifacectl/netlink-message.h"

namespace cjdns::ifacectl {

/// cjdns's TUN MTU: 1492 minus its worst-case overhead (upper.md 5.2).
inline constexpr std::uint32_t kCjdnsMtu = 1304;
/// IPv6 turns itself off on a device with a smaller MTU.
inline constexpr std::uint32_t kMinIpv6Mtu = 1280;

/// Empty, longer than 15 bytes, "." / "..", or containing '/', ':' or
/// whitespace: the names the kernel refuses. Returns "" when valid.
std::string checkDeviceName(std::string_view name);

util::Result<int> ifIndex(std::string_view name);
util::Result<LinkInfo> linkInfo(std::string_view name);
util::Result<std::vector<LinkInfo>> listLinks();

util::Result<Ok> setLinkUp(std::string_view name);
util::Result<Ok> setMtu(std::string_view name, std::uint32_t mtu);

/// Adds ip/prefixLen (IPv4 or IPv6); fails with EEXIST if already there.
/// For IPv6 the kernel also adds the on-link prefix route (metric 256).
util::Result<Ok> addAddress(std::string_view name, const IpAddr& ip, unsigned prefixLen);
util::Result<Ok> removeAddress(std::string_view name, const IpAddr& ip, unsigned prefixLen);
/// Every address on the device, IPv4 and IPv6.
util::Result<std::vector<AddressInfo>> listAddresses(std::string_view name);

/// An on-link route prefix/prefixLen via the device in the main table (host
/// bits of prefix are ignored); fails with EEXIST if the same route exists.
util::Result<Ok> addRoute(std::string_view name, const IpAddr& prefix, unsigned prefixLen);
/// Unicast routes in the main table that leave through the device.
util::Result<std::vector<RouteInfo>> listRoutes(std::string_view name);

}  // namespace cjdns::ifacectl
