// TUN devices: opening one for the node's packets, and the persistent,
// user-owned devices that let cjdroute run without root (upper.md 5.4).
// Packets carry no packet-info header (IFF_NO_PI): each read or write is one
// bare IPv4/IPv6 packet.
#pragma once

#include <sys/types.h>

#include <string>
#include <string_view>

#include "core/util/result.h"
#include "ifacectl/netlink-message.h"

namespace cjdns::ifacectl {

inline constexpr const char* kTunPath = "/dev/net/tun";

/// Owns a file descriptor; closes it on destruction.
class UniqueFd {
 public:
  UniqueFd() = default;
  explicit UniqueFd(int fd) : fd_(fd) {}
  ~UniqueFd() { reset(); }
  UniqueFd(UniqueFd&& o) noexcept : fd_(o.release()) {}
  UniqueFd& operator=(UniqueFd&& o) noexcept;
  UniqueFd(const UniqueFd&) = delete;
  UniqueFd& operator=(const UniqueFd&) = delete;

  int get() const { return fd_; }
  /// Gives up ownership (for handing the fd to another process).
  int release();
  void reset();

 private:
  int fd_ = -1;
};

/// An open TUN queue: non-blocking, close-on-exec.
struct TunDevice {
  UniqueFd fd;
  std::string name;  ///< the kernel's name for it ("tun0" when none was asked for)
};

/// Creates a TUN device (kernel-chosen name when desiredName is "") or
/// attaches to the existing TUN of that name. Creating needs CAP_NET_ADMIN;
/// attaching to a persistent device needs ownership of it or CAP_NET_ADMIN.
util::Result<TunDevice> openTun(std::string_view desiredName);
/// Attaches to an existing TUN device only (the preallocated-TUN way); never
/// creates one. An error if there is no TUN device of that name.
util::Result<TunDevice> attachTun(std::string_view name);

/// Creates a persistent TUN device owned by uid/gid that stays after this
/// call returns; it fails if a device of that name exists.
util::Result<Ok> createPersistentTun(std::string_view name, uid_t uid, gid_t gid);
/// Deletes a persistent TUN device; fails if it is not one, or if a process
/// still has it open.
util::Result<Ok> deletePersistentTun(std::string_view name);

/// The error for a failed open of /dev/net/tun or TUNSETIFF: the errno text
/// and, when the system cannot or may not create TUN devices (OpenVZ, LXC,
/// no root), the preallocated-TUN way around it. `step` says what failed,
/// e.g. "open /dev/net/tun".
std::string tunErrorText(std::string_view step, int err);

}  // namespace cjdns::ifacectl
