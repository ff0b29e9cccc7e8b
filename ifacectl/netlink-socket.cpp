#include "ifacectl/netlink-socket.h"

#include <linux/netlink.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <string>

namespace cjdns::ifacectl {
namespace {

// Big enough for any single rtnetlink datagram the kernel sends to a socket
// with the default receive size (it splits dumps into ~32 KiB chunks).
constexpr std::size_t kRecvBuffer = 64 * 1024;
// A request that the kernel never answers is a bug somewhere; do not hang.
constexpr int kTimeoutSeconds = 5;
// A dump the kernel marks as interrupted (the table changed meanwhile) is retried.
constexpr int kDumpAttempts = 3;

/// "<what>: <text>", or the text alone when what is empty.
util::Error plainError(std::string_view what, const std::string& text) {
  if (what.empty()) return util::Error{text, {}, {}};
  return util::Error{std::string(what) + ": " + text, {}, {}};
}

util::Error errnoError(std::string_view what, const char* call, int err) {
  return plainError(what, std::string(call) + ": " + std::strerror(err));
}

}  // namespace

util::Result<NetlinkSocket> NetlinkSocket::open() {
  int fd = ::socket(AF_NETLINK, SOCK_RAW | SOCK_CLOEXEC, NETLINK_ROUTE);
  if (fd < 0) return errnoError("open rtnetlink socket", "socket", errno);
  NetlinkSocket sock(fd);
  sockaddr_nl local{};
  local.nl_family = AF_NETLINK;
  if (::bind(fd, reinterpret_cast<sockaddr*>(&local), sizeof local) != 0) {
    return errnoError("open rtnetlink socket", "bind", errno);
  }
  timeval tv{kTimeoutSeconds, 0};
  if (::setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv) != 0) {
    return errnoError("open rtnetlink socket", "SO_RCVTIMEO", errno);
  }
  // Best effort: the kernel's own explanation of an error, and errors
  // without a copy of our request. Old kernels lack both; that is fine.
  int one = 1;
  (void)::setsockopt(fd, SOL_NETLINK, NETLINK_EXT_ACK, &one, sizeof one);
  (void)::setsockopt(fd, SOL_NETLINK, NETLINK_CAP_ACK, &one, sizeof one);
  return sock;
}

NetlinkSocket::~NetlinkSocket() {
  if (fd_ >= 0) ::close(fd_);
}

util::Result<Ok> NetlinkSocket::send(NlMessage& msg, std::string_view what) {
  msg.setSeq(++seq_);
  sockaddr_nl kernel{};
  kernel.nl_family = AF_NETLINK;
  Bytes bytes = msg.bytes();
  ssize_t n;
  do {
    n = ::sendto(fd_, bytes.data(), bytes.size(), 0, reinterpret_cast<sockaddr*>(&kernel), sizeof kernel);
  } while (n < 0 && errno == EINTR);
  if (n < 0) return errnoError(what, "netlink send", errno);
  if (static_cast<std::size_t>(n) != bytes.size()) return plainError(what, "netlink send was cut short");
  return Ok{};
}

util::Result<std::vector<OwnedReply>> NetlinkSocket::receive(std::string_view what) {
  std::vector<std::uint8_t> buf(kRecvBuffer);
  for (;;) {
    sockaddr_nl from{};
    iovec iov{buf.data(), buf.size()};
    msghdr mh{};
    mh.msg_name = &from;
    mh.msg_namelen = sizeof from;
    mh.msg_iov = &iov;
    mh.msg_iovlen = 1;
    ssize_t n = ::recvmsg(fd_, &mh, 0);
    if (n < 0 && errno == EINTR) continue;
    if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK)) return plainError(what, "no answer from the kernel");
    if (n < 0) return errnoError(what, "netlink receive", errno);
    if (mh.msg_flags & MSG_TRUNC) return plainError(what, "netlink reply larger than the receive buffer");
    if (from.nl_pid != 0) continue;  // not from the kernel
    auto split = splitMessages(Bytes(buf.data(), static_cast<std::size_t>(n)));
    if (!split.ok()) return plainError(what, split.error().message);
    std::vector<OwnedReply> out;
    for (const NlReply& r : split.value()) {
      if (r.seq != seq_) continue;  // a late answer to an earlier request
      out.push_back(OwnedReply{r.type, r.flags, {r.payload.begin(), r.payload.end()}});
    }
    if (!out.empty()) return out;
  }
}

util::Result<Ok> NetlinkSocket::request(NlMessage& msg, std::string_view what) {
  auto sent = send(msg, what);
  if (!sent.ok()) return sent.error();
  auto replies = receive(what);
  if (!replies.ok()) return replies.error();
  auto ack = parseAck(replies.value().front().view());
  if (!ack.ok()) return plainError(what, ack.error().message);
  if (ack->error != 0) return plainError(what, describeAck(ack.value()));
  return Ok{};
}

util::Result<OwnedReply> NetlinkSocket::query(NlMessage& msg, std::string_view what) {
  auto sent = send(msg, what);
  if (!sent.ok()) return sent.error();
  auto replies = receive(what);
  if (!replies.ok()) return replies.error();
  OwnedReply& first = replies.value().front();
  if (first.type == NLMSG_ERROR) {
    auto ack = parseAck(first.view());
    if (!ack.ok()) return plainError(what, ack.error().message);
    return plainError(what, ack->error != 0 ? describeAck(ack.value()) : "no reply from the kernel");
  }
  return std::move(first);
}

util::Result<std::vector<OwnedReply>> NetlinkSocket::dumpOnce(NlMessage& msg, std::string_view what,
                                                              bool& interrupted) {
  auto sent = send(msg, what);
  if (!sent.ok()) return sent.error();
  std::vector<OwnedReply> all;
  for (;;) {
    auto replies = receive(what);
    if (!replies.ok()) return replies.error();
    for (OwnedReply& r : replies.value()) {
      if (r.flags & NLM_F_DUMP_INTR) interrupted = true;
      if (r.type == NLMSG_DONE) return all;
      if (r.type == NLMSG_ERROR) {
        auto ack = parseAck(r.view());
        if (!ack.ok()) return plainError(what, ack.error().message);
        if (ack->error == 0) return all;
        return plainError(what, describeAck(ack.value()));
      }
      all.push_back(std::move(r));
    }
  }
}

util::Result<std::vector<OwnedReply>> NetlinkSocket::dump(NlMessage& msg, std::string_view what) {
  for (int attempt = 1;; ++attempt) {
    bool interrupted = false;
    auto all = dumpOnce(msg, what, interrupted);
    if (!all.ok() || !interrupted) return all;
    if (attempt == kDumpAttempts) return plainError(what, "the kernel's table kept changing during the dump");
  }
}

}  // namespace cjdns::ifacectl
