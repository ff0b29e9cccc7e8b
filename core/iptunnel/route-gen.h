// RouteGen (upper.md 2.4): which routes to put on the TUN for the prefixes
// that IpTunnel gateways make reachable, I/O-free.
//
// Three sets per address family: prefixes (routes wanted), local prefixes
// and exceptions (never routed through the tunnel; cjdns adds the address of
// every UDP peer here so that peering traffic does not loop into the tunnel).
// generate() gives the wanted prefixes minus the exceptions as a list of
// prefixes, and a default route as the two halves /1 so that the system's
// own default route stays in place.
//
// How local prefixes count follows cjdns's tunnel/RouteGen.c (and its test
// vectors) rather than the one-line summary in the spec: a local prefix is
// not cut out of the routes (the LAN's own, longer routes win in the kernel
// anyway); it makes exceptions inside it moot, since traffic to a LAN
// address never takes the tunnel. A local prefix that itself contains a
// wanted prefix is ignored (the gateway hands out part of it).
//
// Defaults of the local prefixes: fe80::/10, fd00::/8, 10/8, 172.16/12,
// 192.168/16, 127/8.
#pragma once

#include <array>
#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

namespace cjdns::iptunnel {

/// An IPv4 or IPv6 prefix. Addresses are kept as given; masked() clears the
/// host bits.
struct IpPrefix {
  bool v6 = false;
  std::array<std::uint8_t, 16> address{};  ///< IPv4 uses the first 4 bytes
  std::uint8_t length = 0;                 ///< 0..32 or 0..128

  static IpPrefix of4(std::span<const std::uint8_t, 4> a, std::uint8_t length);
  static IpPrefix of6(std::span<const std::uint8_t, 16> a, std::uint8_t length);
  /// "192.168.0.0/16", "2001:db8::/32"; a missing "/n" means a host prefix.
  static std::optional<IpPrefix> parse(std::string_view text);

  unsigned maxLength() const { return v6 ? 128 : 32; }
  std::span<const std::uint8_t> bytes() const { return {address.data(), v6 ? 16u : 4u}; }
  IpPrefix masked() const;
  /// Same family, and `other` lies inside this prefix (or equals it).
  bool contains(const IpPrefix& other) const;
  /// inet_ntop form of the address, "/", the length.
  std::string toString() const;

  friend bool operator==(const IpPrefix&, const IpPrefix&) = default;
};

/// True if the first `bits` bits of a and b agree (bits <= 8 * size).
bool samePrefix(std::span<const std::uint8_t> a, std::span<const std::uint8_t> b, unsigned bits);

class RouteGen {
 public:
  /// With the default local prefixes.
  RouteGen();

  // Each add ignores an exact duplicate; each remove says whether it found one.
  void addPrefix(const IpPrefix& p) { add(prefixes_, p); }
  void addLocalPrefix(const IpPrefix& p) { add(local_, p); }
  void addException(const IpPrefix& p) { add(exceptions_, p); }
  bool removePrefix(const IpPrefix& p) { return remove(prefixes_, p); }
  bool removeLocalPrefix(const IpPrefix& p) { return remove(local_, p); }
  bool removeException(const IpPrefix& p) { return remove(exceptions_, p); }

  const std::vector<IpPrefix>& prefixes() const { return prefixes_; }
  const std::vector<IpPrefix>& localPrefixes() const { return local_; }
  const std::vector<IpPrefix>& exceptions() const { return exceptions_; }

  /// The routes of one family: longest first, then by address.
  std::vector<IpPrefix> generate(bool v6) const;
  /// Both families, IPv4 first.
  std::vector<IpPrefix> generate() const;

 private:
  static void add(std::vector<IpPrefix>& set, const IpPrefix& p);
  static bool remove(std::vector<IpPrefix>& set, const IpPrefix& p);

  std::vector<IpPrefix> prefixes_;
  std::vector<IpPrefix> local_;
  std::vector<IpPrefix> exceptions_;
};

}  // namespace cjdns::iptunnel
