// The core's seccomp allow-list, as a table with a reason per row (OpenSSH
// sandbox-seccomp-filter.c style), and the filter built from it.
//
// Anything not in allowList() or softDenyList() kills the whole process with
// SIGSYS. The core must create every fd it will ever need (event base, signal
// socketpair, sockets, TUN) before the filter is installed: after it, no
// socket(), open*(), exec, fork or clone is possible.
#pragma once

#include <cstdint>
#include <optional>
#include <vector>

#include "core/sandbox/sandbox.h"

namespace cjdns::sandbox {

enum class ArgCmp {
  Eq,         ///< arg == value
  MaskedEq,   ///< (arg & mask) == value
  EqSelfPid,  ///< arg == getpid() at the time the filter is built
};

struct ArgConstraint {
  unsigned index;     ///< 0-based syscall argument
  ArgCmp cmp;
  std::uint64_t mask;   ///< only for MaskedEq
  std::uint64_t value;  ///< unused for EqSelfPid
};

/// One allowed syscall (or one allowed form of it: several rows with the
/// same name and different constraints are OR-ed).
struct SyscallRule {
  const char* name;                   ///< kernel name, resolved for the native arch
  std::optional<ArgConstraint> arg;   ///< nullopt: any arguments
  const char* reason;                 ///< who needs it and why
};

/// A syscall that fails with an errno instead of killing the process: for
/// library probes that already cope with failure.
struct DenyRule {
  const char* name;
  int err;
  const char* reason;
};

const std::vector<SyscallRule>& allowList();
const std::vector<DenyRule>& softDenyList();

/// Builds the filter from the two tables and loads it (default action:
/// SECCOMP_RET_KILL_PROCESS). Names the native arch does not have (e.g.
/// `open` on aarch64) are skipped.
util::Result<Ok> installSeccompFilter();

}  // namespace cjdns::sandbox
