// A NETLINK_ROUTE socket that sends one request at a time and waits for its
// answer: an ack (NLMSG_ERROR), one reply, or a dump ending in NLMSG_DONE.
// Owns its fd. Replies are matched by sequence number and must come from
// the kernel (port id 0); anything else is skipped.
#pragma once

#include <cstdint>
#include <string_view>
#include <vector>

#include "core/util/result.h"
#include "ifacectl/netlink-message.h"

namespace cjdns::ifacectl {

/// A reply message with its own copy of the bytes.
struct OwnedReply {
  std::uint16_t type = 0;
  std::uint16_t flags = 0;
  std::vector<std::uint8_t> payload;

  NlReply view() const { return NlReply{type, flags, 0, 0, payload}; }
};

class NetlinkSocket {
 public:
  /// Opens, binds and turns on extended acks; errors name what failed.
  static util::Result<NetlinkSocket> open();

  ~NetlinkSocket();
  NetlinkSocket(NetlinkSocket&& o) noexcept : fd_(o.fd_), seq_(o.seq_) { o.fd_ = -1; }
  NetlinkSocket& operator=(NetlinkSocket&&) = delete;
  NetlinkSocket(const NetlinkSocket&) = delete;
  NetlinkSocket& operator=(const NetlinkSocket&) = delete;

  /// Sends an acked request; a kernel error becomes "<what>: <errno text>"
  /// (just the errno text when what is empty).
  util::Result<Ok> request(NlMessage& msg, std::string_view what);
  /// Sends a request expecting exactly one reply (RTM_GETLINK by name).
  util::Result<OwnedReply> query(NlMessage& msg, std::string_view what);
  /// Sends a dump request and collects every message up to NLMSG_DONE.
  util::Result<std::vector<OwnedReply>> dump(NlMessage& msg, std::string_view what);

 private:
  explicit NetlinkSocket(int fd) : fd_(fd) {}
  util::Result<Ok> send(NlMessage& msg, std::string_view what);
  /// Reads datagrams until one answering seq_ arrives; returns its messages.
  util::Result<std::vector<OwnedReply>> receive(std::string_view what);
  util::Result<std::vector<OwnedReply>> dumpOnce(NlMessage& msg, std::string_view what, bool& interrupted);

  int fd_ = -1;
  std::uint32_t seq_ = 0;
};

}  // namespace cjdns::ifacectl
