#include "core/sandbox/seccomp-table.h"

#include <fcntl.h>
#include <seccomp.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <memory>
#include <string>

#if defined(__has_feature)
#if __has_feature(address_sanitizer) || __has_feature(undefined_behavior_sanitizer)
#define CJDNS_HAS_SANITIZER 1
#endif
#endif
#ifndef CJDNS_HAS_SANITIZER
#define CJDNS_HAS_SANITIZER 0
#endif

namespace cjdns::sandbox {
namespace {

constexpr ArgConstraint argEq(unsigned index, std::uint64_t value) { return {index, ArgCmp::Eq, 0, value}; }
/// PROT_EXEC clear in the prot argument: memory may be mapped, never made executable.
constexpr ArgConstraint kNoExec{2, ArgCmp::MaskedEq, PROT_EXEC, 0};

}  // namespace

const std::vector<SyscallRule>& allowList() {
  // clang-format off
  static const std::vector<SyscallRule> kRules = {
    // -- packets and IPC on fds the angel handed us --
    {"read",            {}, "packets from the TUN fd; IPC and libevent's signal socketpair"},
    {"readv",           {}, "libevent evbuffer reads"},
    {"recvfrom",        {}, "UDP packets with the sender's address"},
    {"recvmsg",         {}, "IPC datagrams with SCM_RIGHTS fds from the angel"},
    {"recvmmsg",        {}, "batched UDP receive (UDP_GRO trains arrive as one)"},
    {"write",           {}, "packets to the TUN fd; log lines to stderr"},
    {"writev",          {}, "libevent evbuffer writes; glibc stdio"},
    {"sendto",          {}, "UDP packets to peers"},
    {"sendmsg",         {}, "IPC datagrams to the angel; UDP trains to a peer with UDP_SEGMENT (GSO)"},
    {"sendmmsg",        {}, "batched UDP send where the kernel refuses UDP_SEGMENT"},
    {"close",           {}, "closing fds handed over IPC and libevent's own"},
    {"getsockname",     {}, "the local address of a handed UDP socket (interface names, logs)"},
    {"fcntl",           argEq(1, F_GETFL), "libevent checks O_NONBLOCK on handed fds"},
    {"fcntl",           argEq(1, F_SETFL), "libevent evutil_make_socket_nonblocking"},
    {"fcntl",           argEq(1, F_GETFD), "libevent checks FD_CLOEXEC"},
    {"fcntl",           argEq(1, F_SETFD), "libevent evutil_make_socket_closeonexec"},
    {"ioctl",           argEq(1, FIONREAD), "libevent sizes evbuffer reads"},
    {"ioctl",           argEq(1, TCGETS), "glibc stdio isatty() when buffering stdout/stderr"},
    {"fstat",           {}, "glibc stdio stats stderr on first write (metadata only)"},
    {"newfstatat",      {}, "glibc >= 2.33 implements fstat() with it (metadata only, no open)"},
    {"lseek",           {}, "glibc stdio position queries on stderr"},
    // -- event loop (the event base and its fds exist before the sandbox) --
    {"epoll_wait",      {}, "libevent epoll backend dispatch"},
    {"epoll_pwait",     {}, "libevent epoll backend dispatch (glibc on some arches)"},
    {"epoll_ctl",       {}, "libevent adds and removes fd watchers"},
    {"poll",            {}, "libevent poll backend (EVENT_NOEPOLL)"},
    {"ppoll",           {}, "libevent poll backend; glibc poll() on some arches"},
    // -- time --
    {"clock_gettime",   {}, "engine `now` and libevent timers when the vDSO falls back"},
    {"clock_getres",    {}, "libevent probes the monotonic clock"},
    {"gettimeofday",    {}, "spdlog/libevent wall clock when the vDSO falls back"},
    {"time",            {}, "wall clock when the vDSO falls back"},
    {"clock_nanosleep", {}, "std::this_thread::sleep_for (harmless)"},
    {"nanosleep",       {}, "sleep (harmless)"},
    // -- memory: never executable --
    {"brk",             {}, "glibc malloc"},
    {"mmap",            kNoExec, "glibc malloc large blocks, Cap'n Proto arenas; no PROT_EXEC"},
    {"mprotect",        kNoExec, "glibc malloc grows heap arenas; no PROT_EXEC"},
    {"munmap",          {}, "glibc free of large blocks"},
    {"mremap",          {}, "glibc realloc of large blocks"},
    {"madvise",         {}, "glibc malloc trimming (MADV_DONTNEED)"},
    // -- synchronisation, identity, randomness --
    {"futex",           {}, "std::mutex in spdlog sinks, libstdc++ static init, libevent locks"},
    {"sched_yield",     {}, "spin waits in glibc and libstdc++"},
    {"getpid",          {}, "spdlog %P, glibc raise()"},
    {"gettid",          {}, "spdlog %t, glibc raise()"},
    {"getuid",          {}, "self-report of the sandbox state (read-only)"},
    {"geteuid",         {}, "self-report of the sandbox state (read-only)"},
    {"getgid",          {}, "self-report of the sandbox state (read-only)"},
    {"getegid",         {}, "self-report of the sandbox state (read-only)"},
    {"getrandom",       {}, "libsodium randombytes (nonces, keys); sodium_init picked getrandom"},
    // -- signals and exit --
    {"rt_sigaction",    {}, "libevent evsignal handlers (SIGTERM, SIGUSR1)"},
    {"rt_sigprocmask",  {}, "glibc abort(), libevent signal handling"},
    {"rt_sigreturn",    {}, "return from every signal handler"},
    {"sigaltstack",     {}, "ASan/UBSan runtime sets up and tears down its own signal stack"},
    {"restart_syscall", {}, "kernel restarts a call interrupted by a signal"},
    {"tgkill",          ArgConstraint{0, ArgCmp::EqSelfPid, 0, 0},
                            "abort()/raise() on ourselves only: a crash reads as SIGABRT, not SIGSYS"},
    {"exit_group",      {}, "normal process exit"},
    {"exit",            {}, "thread exit path in glibc"},
#if defined(__SANITIZE_ADDRESS__) || defined(__SANITIZE_UNDEFINED__) || CJDNS_HAS_SANITIZER
    // -- sanitizer builds only (tests); never in a release binary --
    {"pipe2",           {}, "ASan/UBSan runtime probes memory readability through a pipe"},
    {"readlink",        {}, "ASan/UBSan runtime reads /proc/self/exe for its reports (a link, not a file)"},
#endif
  };
  // clang-format on
  return kRules;
}

const std::vector<DenyRule>& softDenyList() {
  // Opening anything is refused either way; EACCES instead of a kill lets
  // glibc probes that cope with a missing file (tzset reading /etc/localtime,
  // malloc tunables, /proc/sys lookups) go on, as OpenSSH does for open.
  static const std::vector<DenyRule> kRules = {
    {"open", EACCES, "glibc probes cope with a missing file; nothing can be opened"},
    {"openat", EACCES, "glibc probes (tzset, /proc/sys) cope with a missing file"},
    {"openat2", EACCES, "same as openat for newer libcs"},
  };
  return kRules;
}

namespace {

util::Error seccompFail(const std::string& what, int rc) {
  return util::Error{what + ": " + std::strerror(-rc) + " (errno " + std::to_string(-rc) + ")", {}, {}};
}

scmp_arg_cmp toCmp(const ArgConstraint& a) {
  switch (a.cmp) {
    case ArgCmp::Eq: return {a.index, SCMP_CMP_EQ, a.value, 0};
    case ArgCmp::MaskedEq: return {a.index, SCMP_CMP_MASKED_EQ, a.mask, a.value};
    case ArgCmp::EqSelfPid: return {a.index, SCMP_CMP_EQ, static_cast<std::uint64_t>(::getpid()), 0};
  }
  return {a.index, SCMP_CMP_EQ, a.value, 0};
}

util::Result<Ok> addAllowRules(scmp_filter_ctx ctx) {
  for (const SyscallRule& rule : allowList()) {
    int nr = seccomp_syscall_resolve_name(rule.name);
    if (nr == __NR_SCMP_ERROR) continue;  // not a syscall on this arch
    scmp_arg_cmp cmp{};
    unsigned nArgs = 0;
    if (rule.arg) {
      cmp = toCmp(*rule.arg);
      nArgs = 1;
    }
    if (int rc = seccomp_rule_add_array(ctx, SCMP_ACT_ALLOW, nr, nArgs, &cmp); rc < 0)
      return seccompFail(std::string("seccomp allow ") + rule.name, rc);
  }
  return Ok{};
}

util::Result<Ok> addSoftDenyRules(scmp_filter_ctx ctx) {
  for (const DenyRule& rule : softDenyList()) {
    int nr = seccomp_syscall_resolve_name(rule.name);
    if (nr == __NR_SCMP_ERROR) continue;
    if (int rc = seccomp_rule_add_array(ctx, SCMP_ACT_ERRNO(static_cast<std::uint32_t>(rule.err)), nr, 0, nullptr);
        rc < 0)
      return seccompFail(std::string("seccomp deny ") + rule.name, rc);
  }
  return Ok{};
}

}  // namespace

util::Result<Ok> installSeccompFilter() {
  // KILL_PROCESS needs kernel 4.14 (API level 3); older: KILL (the core is single-threaded).
  const std::uint32_t kill = seccomp_api_get() >= 3 ? SCMP_ACT_KILL_PROCESS : SCMP_ACT_KILL;
  std::unique_ptr<void, void (*)(scmp_filter_ctx)> ctx(seccomp_init(kill), seccomp_release);
  if (!ctx) return util::Error{"seccomp_init failed", {}, {}};
  // Calls through a foreign ABI (int 0x80, x32) die too.
  if (int rc = seccomp_attr_set(ctx.get(), SCMP_FLTATR_ACT_BADARCH, kill); rc < 0)
    return seccompFail("seccomp bad-arch action", rc);
  if (auto r = addAllowRules(ctx.get()); !r) return r;
  if (auto r = addSoftDenyRules(ctx.get()); !r) return r;
  if (int rc = seccomp_load(ctx.get()); rc < 0) return seccompFail("seccomp_load", rc);
  return Ok{};
}

}  // namespace cjdns::sandbox
