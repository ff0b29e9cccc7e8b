#include "core/iface/link-address.h"

#include <arpa/inet.h>

#include <cstdio>

namespace cjdns::iface {

LinkAddress LinkAddress::fromSockaddr(const sockaddr* sa, socklen_t len) {
  LinkAddress a;
  std::size_t want = 0;
  if (sa != nullptr && sa->sa_family == AF_INET) want = sizeof(sockaddr_in);
  if (sa != nullptr && sa->sa_family == AF_INET6) want = sizeof(sockaddr_in6);
  if (want == 0 || static_cast<std::size_t>(len) < want) return a;
  std::memcpy(a.bytes_.data(), sa, want);
  if (sa->sa_family == AF_INET6) {
    // Flow info is not part of a peer's identity.
    reinterpret_cast<sockaddr_in6*>(a.bytes_.data())->sin6_flowinfo = 0;
  } else {
    std::memset(reinterpret_cast<sockaddr_in*>(a.bytes_.data())->sin_zero, 0, sizeof(sockaddr_in::sin_zero));
  }
  a.size_ = want;
  return a;
}

LinkAddress LinkAddress::fromMac(const std::uint8_t mac[6]) {
  LinkAddress a;
  std::memcpy(a.bytes_.data(), mac, 6);
  a.size_ = 6;
  a.isMac_ = true;
  return a;
}

int LinkAddress::family() const {
  if (size_ == 0) return AF_UNSPEC;
  if (isMac_) return AF_PACKET;
  return sockaddrPtr()->sa_family;
}

std::string LinkAddress::toString() const {
  char buf[INET6_ADDRSTRLEN + 16] = {};
  switch (family()) {
    case AF_INET: {
      const auto* in = reinterpret_cast<const sockaddr_in*>(bytes_.data());
      char ip[INET_ADDRSTRLEN] = {};
      inet_ntop(AF_INET, &in->sin_addr, ip, sizeof ip);
      std::snprintf(buf, sizeof buf, "%s:%u", ip, ntohs(in->sin_port));
      break;
    }
    case AF_INET6: {
      const auto* in6 = reinterpret_cast<const sockaddr_in6*>(bytes_.data());
      char ip[INET6_ADDRSTRLEN] = {};
      inet_ntop(AF_INET6, &in6->sin6_addr, ip, sizeof ip);
      std::snprintf(buf, sizeof buf, "[%s]:%u", ip, ntohs(in6->sin6_port));
      break;
    }
    case AF_PACKET:
      std::snprintf(buf, sizeof buf, "%02x:%02x:%02x:%02x:%02x:%02x", bytes_[0], bytes_[1], bytes_[2], bytes_[3],
                    bytes_[4], bytes_[5]);
      break;
    default: return "(none)";
  }
  return buf;
}

std::size_t LinkAddress::hash() const {
  // FNV-1a: link addresses are not attacker-chosen at scale (one per peer).
  std::uint64_t h = 1469598103934665603ULL;
  for (std::size_t i = 0; i < size_; ++i) h = (h ^ bytes_[i]) * 1099511628211ULL;
  return static_cast<std::size_t>(h ^ (isMac_ ? 1 : 0));
}

}  // namespace cjdns::iface
