// A non-blocking UDP socket carrying peer-link packets (wire.md 4.1): one
// datagram is one packet, with nothing around it. Owns its fd.
#pragma once

#include <cstdint>
#include <functional>
#include <memory>
#include <span>
#include <string>
#include <vector>

#include "core/iface/link-address.h"
#include "core/util/host-port.h"
#include "core/wire/message.h"

namespace cjdns::iface {

class UdpSocket {
 public:
  /// cjdns's receive size; longer datagrams are cut and counted.
  static constexpr std::size_t kMaxDatagram = 3496;
  /// SO_RCVBUF and SO_SNDBUF asked for by openBound (the kernel doubles it
  /// for its bookkeeping).
  static constexpr std::size_t kSocketBuffer = 4u << 20;

  enum class Recv { kOk, kWouldBlock, kTruncated, kError };

  UdpSocket();
  explicit UdpSocket(int fd);
  ~UdpSocket();
  UdpSocket(UdpSocket&& o) noexcept;
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
  /// Not for the packet path (receiveBatch), nor after enableOffloads.
  Recv receive(wire::Message& msg, LinkAddress& from);
  /// Sends msg's bytes to `to`; false if the kernel refused (counted by caller).
  bool send(const wire::Message& msg, const LinkAddress& to);

  // ---- batched I/O (the packet path) ----

  /// Called once per datagram received by receiveBatch.
  using DatagramHandler = std::function<void(std::span<const std::uint8_t> datagram, const LinkAddress& from)>;
  struct BatchResult {
    std::size_t datagrams = 0;  ///< handed to the handler
    std::size_t truncated = 0;  ///< longer than kMaxDatagram: dropped
    bool wouldBlock = false;    ///< the socket is empty (or failed): stop reading
  };
  /// Datagrams per recvmmsg, and the room of each (a UDP_GRO train of
  /// same-size datagrams arrives as one, up to 64 KiB).
  static constexpr std::size_t kRecvSlots = 16;
  static constexpr std::size_t kRecvSlotSize = 65536;
  /// Turns trains on both ways. Receiving (UDP_GRO, Linux >= 5.0):
  /// consecutive same-size datagrams from one sender may arrive as one read,
  /// which receiveBatch splits; receive() must not be used after. Sending
  /// (UDP_SEGMENT, 4.18): only once this succeeded, because an older kernel
  /// ignores the option and would send a train as one oversized datagram.
  /// False if refused (nothing changes: single datagrams, sent in batches).
  /// A setsockopt: the core calls it before its seccomp filter is in place
  /// (NodeRunner's constructor), never after. Not done by openBound, whose
  /// sockets also serve the admin API.
  bool enableOffloads();

  /// Reads what one recvmmsg brings (at most kRecvSlots slots) and hands each
  /// datagram to `handler`; a GRO train (enableOffloads) is split at its segment
  /// size, so the handler never sees one.
  BatchResult receiveBatch(const DatagramHandler& handler);

  /// Most datagrams in one UDP_SEGMENT send (the kernel allows 64 or more).
  static constexpr std::size_t kGsoMaxSegments = 64;
  /// Most bytes in one UDP_SEGMENT send (under the 64 KiB of an IP packet).
  static constexpr std::size_t kGsoMaxBytes = 60000;
  /// Queues a copy of msg for `to`; it goes out at the latest on flush().
  /// Consecutive datagrams to one address of one size (the last may be
  /// shorter) leave in one sendmsg with UDP_SEGMENT (GSO) after
  /// enableOffloads: the kernel walks its stack once for all of them.
  /// Otherwise they leave in one sendmmsg. Returns the number of datagrams
  /// the kernel refused while making room (a flush of earlier ones), 0
  /// normally.
  std::size_t queue(const wire::Message& msg, const LinkAddress& to);
  /// Sends everything queued; returns the number of datagrams refused.
  std::size_t flush();
  bool hasQueued() const { return queued_ != 0; }
  /// True after enableOffloads, until a UDP_SEGMENT send fails for want of
  /// support (then batches go out with sendmmsg).
  bool gsoEnabled() const { return gso_; }

 private:
  struct RecvBuffers;
  std::size_t sendSegmented();
  std::size_t sendEach();

  int fd_ = -1;
  std::unique_ptr<RecvBuffers> recv_;
  // The send queue: queued_ datagrams of segment_ bytes (the last may be
  // shorter) back to back in sendBuf_, all for sendTo_.
  std::vector<std::uint8_t> sendBuf_;
  std::size_t sendBytes_ = 0;
  std::size_t queued_ = 0;
  std::size_t segment_ = 0;
  LinkAddress sendTo_;
  bool gso_ = false;
};

}  // namespace cjdns::iface
