// Sandbox for the core process: chroot, drop to an unprivileged user, drop
// every capability, no_new_privs, rlimits, seccomp allow-list.
//
// Call apply() once, single-threaded, after every fd the core needs exists
// (see seccomp-table.h). Each step is verified; any failure is an error with
// errno text, and the caller must then exit: a half-applied sandbox is not a
// state to run in.
#pragma once

#include <sys/types.h>

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include "core/util/result.h"

namespace cjdns::sandbox {

struct Ok {};

struct SandboxPlan {
  std::optional<uid_t> uid;  ///< target uid (setresuid); must not be 0
  std::optional<gid_t> gid;  ///< target gid (setresgid); supplementary groups are cleared
  bool noNewPrivs = true;    ///< PR_SET_NO_NEW_PRIVS
  bool dropAllCaps = true;   ///< permitted/effective/inheritable, ambient, and bounding set
  bool noforks = true;       ///< RLIMIT_NPROC 0 (cjdns Security_noforks)
  /// RLIMIT_NOFILE 0 (cjdns Security_nofiles): afterwards no new fd can exist,
  /// so fds passed over IPC (SCM_RIGHTS) are dropped by the kernel. Off by default.
  bool nofiles = false;
  bool seccomp = true;       ///< install the allow-list (seccomp-table.h)
  std::string chroot;        ///< "" = none; skipped quietly when not root (as cjdns)
};

/// Applies the plan in this order:
/// chroot → drop bounding set (needs CAP_SETPCAP, so before the uid change)
/// → dropGroups/setIds → verifyIds → dropCaps → no_new_privs → rlimits → seccomp.
util::Result<Ok> apply(const SandboxPlan& plan);

/// What /proc/PID/status says about a process's privileges.
struct SandboxStatus {
  uid_t uid = 0;
  uid_t euid = 0;
  std::uint64_t capEff = 0;
  std::uint64_t capPrm = 0;
  std::uint64_t capBnd = 0;
  int noNewPrivs = 0;
  int seccompMode = 0;  ///< 0 off, 1 strict, 2 filter
};

/// Parses the text of a /proc/PID/status file.
util::Result<SandboxStatus> parseStatus(std::string_view text);
/// Reads and parses /proc/PID/status.
util::Result<SandboxStatus> readStatus(pid_t pid);

}  // namespace cjdns::sandbox
