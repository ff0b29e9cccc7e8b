#include "core/ipc/channel.h"

#include <sys/socket.h>
#include <unistd.h>

#include <kj/exception.h>

#include <cerrno>
#include <cstring>

namespace cjdns::ipc {
namespace {

util::Error err(std::string msg) { return util::Error{std::move(msg), {}, ""}; }

std::string sysErr(const char* what) { return std::string(what) + ": " + std::strerror(errno); }

/// Closes every fd in a control message (used when a datagram is refused).
void closeAll(msghdr& mh) {
  for (cmsghdr* c = CMSG_FIRSTHDR(&mh); c != nullptr; c = CMSG_NXTHDR(&mh, c)) {
    if (c->cmsg_level != SOL_SOCKET || c->cmsg_type != SCM_RIGHTS) continue;
    std::size_t n = (c->cmsg_len - CMSG_LEN(0)) / sizeof(int);
    for (std::size_t i = 0; i < n; ++i) {
      int fd = -1;
      std::memcpy(&fd, CMSG_DATA(c) + i * sizeof(int), sizeof fd);
      if (fd >= 0) ::close(fd);
    }
  }
}

}  // namespace

Fd::~Fd() {
  if (fd_ >= 0) ::close(fd_);
}

Fd& Fd::operator=(Fd&& o) noexcept {
  if (this != &o) {
    if (fd_ >= 0) ::close(fd_);
    fd_ = std::exchange(o.fd_, -1);
  }
  return *this;
}

util::Result<std::pair<Channel, Channel>> Channel::pair(Limits limits) {
  int sv[2];
  if (::socketpair(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC | SOCK_NONBLOCK, 0, sv) != 0) {
    return err(sysErr("socketpair"));
  }
  return std::pair<Channel, Channel>{Channel(Fd(sv[0]), limits), Channel(Fd(sv[1]), limits)};
}

util::Result<Channel::Ok> Channel::send(capnp::MessageBuilder& message, std::span<const int> fds) {
  if (fds.size() > limits_.maxFds) return err("too many fds for one message");
  kj::Array<capnp::word> words = capnp::messageToFlatArray(message);
  auto bytes = words.asBytes();
  if (bytes.size() > limits_.maxBytes) {
    return err("message of " + std::to_string(bytes.size()) + " bytes is over the channel limit");
  }
  iovec iov{const_cast<kj::byte*>(bytes.begin()), bytes.size()};
  msghdr mh{};
  mh.msg_iov = &iov;
  mh.msg_iovlen = 1;
  std::vector<char> control;
  if (!fds.empty()) {
    control.resize(CMSG_SPACE(fds.size() * sizeof(int)));
    mh.msg_control = control.data();
    mh.msg_controllen = control.size();
    cmsghdr* c = CMSG_FIRSTHDR(&mh);
    c->cmsg_level = SOL_SOCKET;
    c->cmsg_type = SCM_RIGHTS;
    c->cmsg_len = CMSG_LEN(fds.size() * sizeof(int));
    std::memcpy(CMSG_DATA(c), fds.data(), fds.size() * sizeof(int));
  }
  ssize_t n = ::sendmsg(fd_.get(), &mh, MSG_NOSIGNAL);
  if (n < 0) return err(sysErr("sendmsg"));
  if (static_cast<std::size_t>(n) != bytes.size()) return err("sendmsg: short send");
  return Ok{};
}

util::Result<Channel::Status> Channel::receive(Received& out) {
  out = Received{};
  // One word more than the limit, so an over-long datagram shows as truncated.
  out.words_ = kj::heapArray<capnp::word>(limits_.maxBytes / sizeof(capnp::word) + 1);
  iovec iov{out.words_.begin(), out.words_.size() * sizeof(capnp::word)};
  std::vector<char> control(CMSG_SPACE(limits_.maxFds * sizeof(int)));
  msghdr mh{};
  mh.msg_iov = &iov;
  mh.msg_iovlen = 1;
  mh.msg_control = control.data();
  mh.msg_controllen = control.size();
  ssize_t n = ::recvmsg(fd_.get(), &mh, MSG_CMSG_CLOEXEC);
  if (n < 0) {
    if (errno == EAGAIN || errno == EWOULDBLOCK) return Status::kWouldBlock;
    return err(sysErr("recvmsg"));
  }
  if (n == 0 && mh.msg_controllen == 0) return Status::kClosed;
  if ((mh.msg_flags & MSG_CTRUNC) != 0) {
    closeAll(mh);
    return err("more than " + std::to_string(limits_.maxFds) + " fds in one message");
  }
  for (cmsghdr* c = CMSG_FIRSTHDR(&mh); c != nullptr; c = CMSG_NXTHDR(&mh, c)) {
    if (c->cmsg_level != SOL_SOCKET || c->cmsg_type != SCM_RIGHTS) continue;
    std::size_t count = (c->cmsg_len - CMSG_LEN(0)) / sizeof(int);
    for (std::size_t i = 0; i < count; ++i) {
      int fd = -1;
      std::memcpy(&fd, CMSG_DATA(c) + i * sizeof(int), sizeof fd);
      out.fds_.emplace_back(fd);
    }
  }
  const auto size = static_cast<std::size_t>(n);
  if ((mh.msg_flags & MSG_TRUNC) != 0 || size > limits_.maxBytes) {
    return err("message over " + std::to_string(limits_.maxBytes) + " bytes");
  }
  if (size == 0 || size % sizeof(capnp::word) != 0) {
    return err("message of " + std::to_string(size) + " bytes is not whole Cap'n Proto words");
  }
  out.wordCount_ = size / sizeof(capnp::word);
  capnp::ReaderOptions opts;
  opts.traversalLimitInWords = limits_.traversalWords;
  opts.nestingLimit = limits_.nestingLimit;
  // The segment table is checked here; field access is bounded by opts.
  kj::Maybe<kj::Exception> failure = kj::runCatchingExceptions([&] {
    out.reader_ = std::make_unique<capnp::FlatArrayMessageReader>(
        kj::ArrayPtr<const capnp::word>(out.words_.begin(), out.wordCount_), opts);
  });
  KJ_IF_MAYBE(e, failure) {
    return err(std::string("malformed Cap'n Proto framing: ") + e->getDescription().cStr());
  }
  return Status::kMessage;
}

}  // namespace cjdns::ipc
