// An IPv4 or IPv6 address as netlink carries it: a family and its raw bytes
// in network order. Used for interface addresses and route prefixes.
#pragma once

#include <array>
#include <cstddef>
#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <string_view>

namespace cjdns::ifacectl {

struct IpAddr {
  int family = 0;                      ///< AF_INET or AF_INET6; 0 = unset
  std::array<std::uint8_t, 16> bytes{};  ///< the first size() bytes are used

  static IpAddr v4(std::span<const std::uint8_t, 4> raw);
  static IpAddr v6(std::span<const std::uint8_t, 16> raw);
  /// 4 raw bytes are IPv4, 16 are IPv6; any other length is nullopt.
  static std::optional<IpAddr> fromBytes(std::span<const std::uint8_t> raw);
  /// Dotted quad or any IPv6 text form inet_pton accepts; no prefix, no zone.
  static std::optional<IpAddr> parse(std::string_view text);

  std::size_t size() const;       ///< 4, 16, or 0 when unset
  unsigned maxPrefix() const;     ///< 32, 128, or 0
  std::string toString() const;   ///< inet_ntop form ("fc00::1", "10.0.0.1")
  /// This address with every bit after the first `prefixLen` cleared.
  IpAddr masked(unsigned prefixLen) const;

  friend bool operator==(const IpAddr&, const IpAddr&) = default;
};

}  // namespace cjdns::ifacectl
