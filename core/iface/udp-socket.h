// A non-blocking UDP socket carrying peer-link packets (wire.md 4.1): one
// datagram is one packet, with nothing around it. Owns its fd.
#pragma once

#include <cstdint>
#include <string>

#include "core/iface/link-address.h"
#include "core/util/host-port.h"
#include "core/wire/message.h"

namespace cjdns::iface {

class UdpSocket {
 public:
  /// cjdns's receive size; longer datagrams are cut and counted.
  static constexpr std::size_t kMaxDatagram = 3496;

  enum class Recv { kOk, kWouldBlock, kTruncated, kError };

  UdpSocket() = default;
  explicit UdpSocket(int fd) : fd_(fd) {}
  ~UdpSocket();
  UdpSocket(UdpSocket&& o) noexcept : fd_(o.fd_) { o.fd_ = -1; }
  UdpSocket& operator=(UdpSocket&& o) noexcept;
  UdpSocket(const UdpSocket&) = delete;
  UdpSocket& operator=(const UdpSocket&) = delete;

  /// Creates, configures (non-blocking, close-on-exec, dual-stack off for
  /// IPv6) and binds a socket. Used by the privileged side; the core only
  /// receives ready fds. On failure returns -1 and sets `error`.
  static int openBound(const util::HostPort& bind, std::string& error);

  int fd() const { return fd_; }
  /// The address the socket is bound to (port filled in when it was 0).
  LinkAddress localAddress() const;

  /// Reads one datagram into msg (which is reset first) and its sender.
  Recv receive(wire::Message& msg, LinkAddress& from);
  /// Sends msg's bytes to `to`; false if the kernel refused (counted by caller).
  bool send(const wire::Message& msg, const LinkAddress& to);

 private:
  int fd_ = -1;
};

}  // namespace cjdns::iface
