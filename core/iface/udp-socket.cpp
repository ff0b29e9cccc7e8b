#include "core/iface/udp-socket.h"

#include <fcntl.h>
#include <netinet/udp.h>
#include <unistd.h>

#include <algorithm>
#include <array>
#include <cerrno>
#include <cstring>

namespace cjdns::iface {

UdpSocket::~UdpSocket() {
  if (fd_ >= 0) ::close(fd_);
}

/// recvmmsg's slots: headers, buffers and room for the UDP_GRO cmsg.
struct UdpSocket::RecvBuffers {
  std::vector<std::uint8_t> data = std::vector<std::uint8_t>(kRecvSlots * kRecvSlotSize);
  std::array<mmsghdr, kRecvSlots> headers{};
  std::array<iovec, kRecvSlots> iov{};
  std::array<sockaddr_storage, kRecvSlots> names{};
  alignas(cmsghdr) std::array<std::array<std::uint8_t, CMSG_SPACE(sizeof(int))>, kRecvSlots> control{};
};

UdpSocket::UdpSocket() = default;
UdpSocket::UdpSocket(int fd) : fd_(fd) {}

UdpSocket::UdpSocket(UdpSocket&& o) noexcept
    : fd_(o.fd_),
      recv_(std::move(o.recv_)),
      sendBuf_(std::move(o.sendBuf_)),
      sendBytes_(o.sendBytes_),
      queued_(o.queued_),
      segment_(o.segment_),
      sendTo_(o.sendTo_),
      gso_(o.gso_) {
  o.fd_ = -1;
  o.sendBytes_ = o.queued_ = o.segment_ = 0;
}

UdpSocket& UdpSocket::operator=(UdpSocket&& o) noexcept {
  if (this != &o) {
    if (fd_ >= 0) ::close(fd_);
    fd_ = o.fd_;
    o.fd_ = -1;
    recv_ = std::move(o.recv_);
    sendBuf_ = std::move(o.sendBuf_);
    sendBytes_ = o.sendBytes_;
    queued_ = o.queued_;
    segment_ = o.segment_;
    sendTo_ = o.sendTo_;
    gso_ = o.gso_;
    o.sendBytes_ = o.queued_ = o.segment_ = 0;
  }
  return *this;
}

namespace {

/// Socket buffers of kSocketBuffer bytes each way. The default (about
/// 200 KiB, some 90 datagrams of 1.4 KB) overflows while the core is busy
/// decrypting a burst: on a TCP stream through the tunnel a fifth of the
/// packets were dropped at the receiver's socket (docs/benchmarks.md). The
/// FORCE variants pass net.core.[rw]mem_max when the caller has
/// CAP_NET_ADMIN (the angel as root); otherwise the kernel caps the request
/// at that limit. Failures only leave the default.
void setBufferSizes(int fd) {
  const int size = static_cast<int>(UdpSocket::kSocketBuffer);
  if (::setsockopt(fd, SOL_SOCKET, SO_RCVBUFFORCE, &size, sizeof size) != 0) {
    ::setsockopt(fd, SOL_SOCKET, SO_RCVBUF, &size, sizeof size);
  }
  if (::setsockopt(fd, SOL_SOCKET, SO_SNDBUFFORCE, &size, sizeof size) != 0) {
    ::setsockopt(fd, SOL_SOCKET, SO_SNDBUF, &size, sizeof size);
  }
}

}  // namespace

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
  setBufferSizes(fd);
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

bool UdpSocket::enableOffloads() {
  const int on = 1;
  if (::setsockopt(fd_, IPPROTO_UDP, UDP_GRO, &on, sizeof on) != 0) return false;
  gso_ = true;
  return true;
}

UdpSocket::BatchResult UdpSocket::receiveBatch(const DatagramHandler& handler) {
  BatchResult result;
  if (!recv_) {
    recv_ = std::make_unique<RecvBuffers>();
    for (std::size_t i = 0; i < kRecvSlots; ++i) {
      recv_->iov[i] = iovec{recv_->data.data() + i * kRecvSlotSize, kRecvSlotSize};
    }
  }
  RecvBuffers& b = *recv_;
  for (std::size_t i = 0; i < kRecvSlots; ++i) {
    msghdr& h = b.headers[i].msg_hdr;
    h.msg_name = &b.names[i];
    h.msg_namelen = sizeof(sockaddr_storage);
    h.msg_iov = &b.iov[i];
    h.msg_iovlen = 1;
    h.msg_control = b.control[i].data();
    h.msg_controllen = b.control[i].size();
    h.msg_flags = 0;
  }
  const int n = ::recvmmsg(fd_, b.headers.data(), kRecvSlots, MSG_DONTWAIT, nullptr);
  if (n <= 0) {
    result.wouldBlock = true;
    return result;
  }
  for (int i = 0; i < n; ++i) {
    const msghdr& h = b.headers[static_cast<std::size_t>(i)].msg_hdr;
    const std::size_t length = b.headers[static_cast<std::size_t>(i)].msg_len;
    const LinkAddress from = LinkAddress::fromSockaddr(reinterpret_cast<const sockaddr*>(h.msg_name), h.msg_namelen);
    std::size_t segment = length;
    for (cmsghdr* c = CMSG_FIRSTHDR(&h); c != nullptr; c = CMSG_NXTHDR(const_cast<msghdr*>(&h), c)) {
      if (c->cmsg_level == IPPROTO_UDP && c->cmsg_type == UDP_GRO && c->cmsg_len >= CMSG_LEN(sizeof(int))) {
        int gso = 0;
        std::memcpy(&gso, CMSG_DATA(c), sizeof gso);
        if (gso > 0) segment = static_cast<std::size_t>(gso);
      }
    }
    if ((h.msg_flags & MSG_TRUNC) != 0 || segment == 0) {  // over 64 KiB: not reached with UDP
      ++result.truncated;
      continue;
    }
    const std::uint8_t* p = recv_->data.data() + static_cast<std::size_t>(i) * kRecvSlotSize;
    for (std::size_t off = 0; off < length; off += segment) {
      const std::size_t len = std::min(segment, length - off);
      if (len > kMaxDatagram) {
        ++result.truncated;
        continue;
      }
      ++result.datagrams;
      handler(std::span<const std::uint8_t>(p + off, len), from);
    }
  }
  return result;
}

std::size_t UdpSocket::queue(const wire::Message& msg, const LinkAddress& to) {
  const std::size_t len = msg.length();
  std::size_t refused = 0;
  // A train holds one address and one size; a shorter datagram may end it.
  const bool fits = queued_ != 0 && to == sendTo_ && len <= segment_ && sendBytes_ % segment_ == 0 &&
                    queued_ < kGsoMaxSegments && sendBytes_ + len <= kGsoMaxBytes;
  if (queued_ != 0 && !fits) refused = flush();
  if (sendBuf_.empty()) sendBuf_.resize(kGsoMaxBytes);
  if (len == 0 || len > kGsoMaxBytes) return refused + (send(msg, to) ? 0 : 1);
  if (queued_ == 0) {
    sendTo_ = to;
    segment_ = len;
  }
  std::memcpy(sendBuf_.data() + sendBytes_, msg.data(), len);
  sendBytes_ += len;
  ++queued_;
  return refused;
}

std::size_t UdpSocket::flush() {
  if (queued_ == 0) return 0;
  std::size_t refused = 0;
  if (queued_ == 1) {
    const ssize_t n = ::sendto(fd_, sendBuf_.data(), sendBytes_, MSG_DONTWAIT, sendTo_.sockaddrPtr(),
                               sendTo_.sockaddrLen());
    refused = n == static_cast<ssize_t>(sendBytes_) ? 0 : 1;
  } else {
    refused = gso_ ? sendSegmented() : sendEach();
  }
  sendBytes_ = queued_ = segment_ = 0;
  return refused;
}

std::size_t UdpSocket::sendSegmented() {
  iovec iov{sendBuf_.data(), sendBytes_};
  alignas(cmsghdr) std::array<std::uint8_t, CMSG_SPACE(sizeof(std::uint16_t))> control{};
  msghdr h{};
  h.msg_name = const_cast<sockaddr*>(sendTo_.sockaddrPtr());
  h.msg_namelen = sendTo_.sockaddrLen();
  h.msg_iov = &iov;
  h.msg_iovlen = 1;
  h.msg_control = control.data();
  h.msg_controllen = control.size();
  cmsghdr* c = CMSG_FIRSTHDR(&h);
  c->cmsg_level = IPPROTO_UDP;
  c->cmsg_type = UDP_SEGMENT;
  c->cmsg_len = CMSG_LEN(sizeof(std::uint16_t));
  const auto segment = static_cast<std::uint16_t>(segment_);
  std::memcpy(CMSG_DATA(c), &segment, sizeof segment);
  const ssize_t n = ::sendmsg(fd_, &h, MSG_DONTWAIT);
  if (n == static_cast<ssize_t>(sendBytes_)) return 0;
  if (n < 0 && (errno == EIO || errno == ENOPROTOOPT || errno == EOPNOTSUPP)) {
    // No GSO here (a kernel without it, or a device that cannot take it):
    // one datagram per message from now on.
    gso_ = false;
    return sendEach();
  }
  // EINVAL: this train is not one the kernel segments (a datagram over the
  // path MTU, which only IP fragmentation can carry): send it one by one.
  if (n < 0 && errno == EINVAL) return sendEach();
  return queued_;
}

std::size_t UdpSocket::sendEach() {
  std::array<mmsghdr, kGsoMaxSegments> headers{};
  std::array<iovec, kGsoMaxSegments> iov{};
  std::size_t count = 0;
  for (std::size_t off = 0; off < sendBytes_ && count < kGsoMaxSegments; off += segment_, ++count) {
    iov[count] = iovec{sendBuf_.data() + off, std::min(segment_, sendBytes_ - off)};
    msghdr& h = headers[count].msg_hdr;
    h.msg_name = const_cast<sockaddr*>(sendTo_.sockaddrPtr());
    h.msg_namelen = sendTo_.sockaddrLen();
    h.msg_iov = &iov[count];
    h.msg_iovlen = 1;
  }
  std::size_t done = 0;
  std::size_t refused = 0;
  while (done < count) {
    const int n = ::sendmmsg(fd_, headers.data() + done, static_cast<unsigned>(count - done), MSG_DONTWAIT);
    if (n <= 0) {  // the next one was refused: count it and go on with the rest
      ++refused;
      ++done;
    } else {
      done += static_cast<std::size_t>(n);
    }
  }
  return refused;
}

}  // namespace cjdns::iface
