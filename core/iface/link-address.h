// The address of a peer on one link: an IPv4/IPv6 socket address for UDP,
// a MAC for Ethernet. Kept as a small fixed blob so that peer tables can key
// on it without allocating.
#pragma once

#include <netinet/in.h>
#include <sys/socket.h>

#include <array>
#include <cstdint>
#include <cstring>
#include <functional>
#include <string>

namespace cjdns::iface {

class LinkAddress {
 public:
  static constexpr std::size_t kMaxSize = sizeof(sockaddr_in6);

  LinkAddress() = default;
  /// From a sockaddr (AF_INET or AF_INET6); anything else gives an empty address.
  static LinkAddress fromSockaddr(const sockaddr* sa, socklen_t len);
  static LinkAddress fromMac(const std::uint8_t mac[6]);

  bool empty() const { return size_ == 0; }
  int family() const;  ///< AF_INET, AF_INET6, AF_PACKET (MAC) or AF_UNSPEC
  const sockaddr* sockaddrPtr() const { return reinterpret_cast<const sockaddr*>(bytes_.data()); }
  socklen_t sockaddrLen() const { return static_cast<socklen_t>(size_); }
  /// "1.2.3.4:5", "[fc00::1]:5" or "01:02:03:04:05:06".
  std::string toString() const;

  friend bool operator==(const LinkAddress& a, const LinkAddress& b) {
    return a.size_ == b.size_ && std::memcmp(a.bytes_.data(), b.bytes_.data(), a.size_) == 0;
  }
  std::size_t hash() const;

 private:
  // sockaddr_in6 has 8-byte-ish alignment needs for its fields; keep it aligned.
  alignas(8) std::array<std::uint8_t, kMaxSize> bytes_{};
  std::size_t size_ = 0;
  bool isMac_ = false;
};

}  // namespace cjdns::iface

template <>
struct std::hash<cjdns::iface::LinkAddress> {
  std::size_t operator()(const cjdns::iface::LinkAddress& a) const { return a.hash(); }
};
