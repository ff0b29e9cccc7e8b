// Channel: one end of an IPC link between our processes (angel <-> core,
// admin <-> core). One AF_UNIX/SOCK_SEQPACKET datagram carries exactly one
// Cap'n Proto message; file descriptors travel beside it as SCM_RIGHTS.
//
// The receiving side does not trust the sender: every datagram is checked
// against explicit limits (size, fd count, segment table, traversal words,
// nesting) before anything reads it, and a datagram that breaks them is an
// error for the caller to act on (for the angel: end the core). Received fds
// are owned by the Received object and closed if unused.
#pragma once

#include <capnp/message.h>
#include <capnp/serialize.h>

#include <cstddef>
#include <cstdint>
#include <memory>
#include <optional>
#include <span>
#include <string>
#include <utility>
#include <vector>

#include "core/util/result.h"

namespace cjdns::ipc {

/// An owned file descriptor.
class Fd {
 public:
  Fd() = default;
  explicit Fd(int fd) : fd_(fd) {}
  ~Fd();
  Fd(Fd&& o) noexcept : fd_(std::exchange(o.fd_, -1)) {}
  Fd& operator=(Fd&& o) noexcept;
  Fd(const Fd&) = delete;
  Fd& operator=(const Fd&) = delete;
  int get() const { return fd_; }
  int release() { return std::exchange(fd_, -1); }
  explicit operator bool() const { return fd_ >= 0; }

 private:
  int fd_ = -1;
};

struct Limits {
  std::size_t maxBytes = 64 * 1024;        ///< one datagram
  std::size_t maxFds = 4;                  ///< per datagram
  std::uint64_t traversalWords = 8 * 1024; ///< Cap'n Proto read budget
  int nestingLimit = 16;
};

/// A message as received: its words, its reader and its fds.
class Received {
 public:
  capnp::MessageReader& reader() { return *reader_; }
  std::vector<Fd>& fds() { return fds_; }
  std::size_t bytes() const { return wordCount_ * sizeof(capnp::word); }

 private:
  friend class Channel;
  kj::Array<capnp::word> words_;  // capnp::word is not copyable: no std::vector
  std::size_t wordCount_ = 0;
  std::unique_ptr<capnp::FlatArrayMessageReader> reader_;
  std::vector<Fd> fds_;
};

class Channel {
 public:
  struct Ok {};
  enum class Status { kMessage, kWouldBlock, kClosed };

  Channel() = default;
  explicit Channel(Fd fd, Limits limits = {}) : fd_(std::move(fd)), limits_(limits) {}

  /// A connected pair (close-on-exec, non-blocking).
  static util::Result<std::pair<Channel, Channel>> pair(Limits limits = {});

  int fd() const { return fd_.get(); }
  const Limits& limits() const { return limits_; }

  /// Sends one message with optional fds (the caller keeps its fds).
  util::Result<Ok> send(capnp::MessageBuilder& message, std::span<const int> fds = {});

  /// Reads one datagram. kMessage fills `out`; an error means the peer broke
  /// the protocol (over-long, truncated, too many fds, bad framing).
  util::Result<Status> receive(Received& out);

 private:
  Fd fd_;
  Limits limits_;
};

}  // namespace cjdns::ipc
