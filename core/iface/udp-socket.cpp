#include "core/iface/udp-socket.h"

#include <fcntl.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>

namespace cjdns::iface {

UdpSocket::~UdpSocket() {
  if (fd_ >= 0) ::close(fd_);
}

UdpSocket& UdpSocket::operator=(UdpSocket&& o) noexcept {
  if (this != &o) {
    if (fd_ >= 0) ::close(fd_);
    fd_ = o.fd_;
    o.fd_ = -1;
  }
  return *this;
}

int UdpSocket::openBound(const util::HostPort& bind, std::string& error) {
  const int family = bind.isIpv6 ? AF_INET6 : AF_INET;
  int fd = ::socket(family, SOCK_DGRAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
  if (fd < 0) {
    error = std::string("socket(): ") + std::strerror(errno);
    return -1;
  }
  sockaddr_storage ss{};
  socklen_t len = 0;
  if (bind.isIpv6) {
    int only = 1;  // "[::]:p" and "0.0.0.0:p" are separate sockets, as in cjdns
    ::setsockopt(fd, IPPROTO_IPV6, IPV6_V6ONLY, &only, sizeof only);
    auto* in6 = reinterpret_cast<sockaddr_in6*>(&ss);
    in6->sin6_family = AF_INET6;
    in6->sin6_port = htons(bind.port);
    std::memcpy(&in6->sin6_addr, bind.ip.data(), 16);
    len = sizeof(sockaddr_in6);
  } else {
    auto* in = reinterpret_cast<sockaddr_in*>(&ss);
    in->sin_family = AF_INET;
    in->sin_port = htons(bind.port);
    std::memcpy(&in->sin_addr, bind.ip.data(), 4);
    len = sizeof(sockaddr_in);
  }
  if (::bind(fd, reinterpret_cast<sockaddr*>(&ss), len) != 0) {
    error = "bind(" + bind.toString() + "): " + std::strerror(errno);
    ::close(fd);
    return -1;
  }
  return fd;
}

LinkAddress UdpSocket::localAddress() const {
  sockaddr_storage ss{};
  socklen_t len = sizeof ss;
  if (::getsockname(fd_, reinterpret_cast<sockaddr*>(&ss), &len) != 0) return {};
  return LinkAddress::fromSockaddr(reinterpret_cast<sockaddr*>(&ss), len);
}

UdpSocket::Recv UdpSocket::receive(wire::Message& msg, LinkAddress& from) {
  msg.reset();
  const std::size_t room = std::min(msg.tailroom(), kMaxDatagram);
  sockaddr_storage ss{};
  socklen_t len = sizeof ss;
  ssize_t n = ::recvfrom(fd_, msg.tailStart(), room, MSG_TRUNC, reinterpret_cast<sockaddr*>(&ss), &len);
  if (n < 0) return (errno == EAGAIN || errno == EWOULDBLOCK) ? Recv::kWouldBlock : Recv::kError;
  from = LinkAddress::fromSockaddr(reinterpret_cast<sockaddr*>(&ss), len);
  const bool truncated = static_cast<std::size_t>(n) > room;
  (void)msg.extend(truncated ? room : static_cast<std::size_t>(n));
  return truncated ? Recv::kTruncated : Recv::kOk;
}

bool UdpSocket::send(const wire::Message& msg, const LinkAddress& to) {
  ssize_t n = ::sendto(fd_, msg.data(), msg.length(), MSG_DONTWAIT, to.sockaddrPtr(), to.sockaddrLen());
  return n == static_cast<ssize_t>(msg.length());
}

}  // namespace cjdns::iface
