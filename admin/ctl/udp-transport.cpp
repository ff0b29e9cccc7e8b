#include "admin/ctl/udp-transport.h"

#include <netinet/in.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>

namespace cjdns::admin::ctl {
namespace {

// Answers are at most 65536 bytes (upper.md §3.1); one spare byte tells
// whether a datagram was cut.
constexpr std::size_t kMaxDatagram = 65537;

std::string errnoText(int e) { return std::strerror(e); }

}  // namespace

util::Result<std::unique_ptr<UdpTransport>> UdpTransport::open(const util::HostPort& to) {
  sockaddr_storage ss{};
  socklen_t len = 0;
  if (to.isIpv6) {
    auto* sa = reinterpret_cast<sockaddr_in6*>(&ss);
    sa->sin6_family = AF_INET6;
    sa->sin6_port = htons(to.port);
    std::memcpy(&sa->sin6_addr, to.ip.data(), 16);
    len = sizeof(sockaddr_in6);
  } else {
    auto* sa = reinterpret_cast<sockaddr_in*>(&ss);
    sa->sin_family = AF_INET;
    sa->sin_port = htons(to.port);
    std::memcpy(&sa->sin_addr, to.ip.data(), 4);
    len = sizeof(sockaddr_in);
  }
  int fd = ::socket(ss.ss_family, SOCK_DGRAM | SOCK_CLOEXEC, 0);
  if (fd < 0) return util::Error{"cannot create a UDP socket: " + errnoText(errno), {}, ""};
  if (::connect(fd, reinterpret_cast<const sockaddr*>(&ss), len) != 0) {
    int e = errno;
    ::close(fd);
    return util::Error{"cannot reach " + to.toString() + ": " + errnoText(e), {}, ""};
  }
  return std::unique_ptr<UdpTransport>(new UdpTransport(fd, to.toString()));
}

UdpTransport::~UdpTransport() { ::close(fd_); }

std::string UdpTransport::send(std::string_view bytes) {
  for (;;) {
    ssize_t n = ::send(fd_, bytes.data(), bytes.size(), 0);
    if (n >= 0) return "";
    if (errno == EINTR) continue;
    // A refusal left over from an earlier datagram can surface here.
    return errno == ECONNREFUSED ? "connection refused" : errnoText(errno);
  }
}

Transport::Received UdpTransport::receive(int timeoutMs) {
  Received r;
  pollfd p{fd_, POLLIN, 0};
  int ready = ::poll(&p, 1, timeoutMs);
  if (ready < 0) {
    if (errno == EINTR) {
      r.kind = Received::Kind::kInterrupted;
    } else {
      r.kind = Received::Kind::kError;
      r.error = errnoText(errno);
    }
    return r;
  }
  if (ready == 0) {
    r.kind = Received::Kind::kTimeout;
    return r;
  }
  std::string buf(kMaxDatagram, '\0');
  ssize_t n = ::recv(fd_, buf.data(), buf.size(), 0);
  if (n < 0) {
    if (errno == EINTR) {
      r.kind = Received::Kind::kInterrupted;
      return r;
    }
    r.kind = Received::Kind::kError;
    r.error = errno == ECONNREFUSED ? "connection refused" : errnoText(errno);
    return r;
  }
  buf.resize(static_cast<std::size_t>(n));
  r.kind = Received::Kind::kData;
  r.data = std::move(buf);
  return r;
}

}  // namespace cjdns::admin::ctl
