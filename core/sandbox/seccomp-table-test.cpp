#include "core/sandbox/seccomp-table.h"

#include <doctest/doctest.h>
#include <seccomp.h>

#include <set>
#include <string>

using namespace cjdns::sandbox;

namespace {

// What the core must never do after start-up, whatever a library wants.
// `kill` is here on purpose: only tgkill on our own pid is allowed (abort()).
// The open family is not allowed either; it is soft-denied (EACCES).
const std::set<std::string> kForbidden = {
    "socket", "socketpair", "connect", "bind", "listen", "accept", "accept4",
    "execve", "execveat", "fork", "vfork", "clone", "clone3", "ptrace",
    "mount", "umount2", "pivot_root", "chroot", "unshare", "setns",
    "setuid", "setgid", "setreuid", "setregid", "setresuid", "setresgid", "setgroups",
    "capset", "prctl", "seccomp", "bpf", "personality",
    "open", "openat", "openat2", "creat", "unlink", "unlinkat", "rename", "renameat2",
    "mkdir", "mkdirat", "chmod", "fchmod", "chown", "fchown", "truncate", "symlink", "link",
    "kill", "tkill", "process_vm_readv", "process_vm_writev", "pkey_mprotect",
    "memfd_create", "userfaultfd", "perf_event_open", "io_uring_setup", "keyctl",
    "init_module", "finit_module", "delete_module", "kexec_load", "reboot", "swapon",
    "dup", "dup2", "dup3", "epoll_create1", "eventfd2", "pipe2", "prlimit64", "setrlimit",
};

}  // namespace

TEST_CASE("every seccomp allow-list row has a reason") {
  for (const SyscallRule& rule : allowList()) {
    INFO(rule.name);
    CHECK(std::string(rule.reason).size() > 10);
  }
  for (const DenyRule& rule : softDenyList()) {
    INFO(rule.name);
    CHECK(std::string(rule.reason).size() > 10);
    CHECK(rule.err > 0);
  }
}

TEST_CASE("the seccomp allow-list holds no forbidden syscall") {
  for (const SyscallRule& rule : allowList()) {
    INFO(rule.name);
    // Sanitizer builds (tests only) add rows the runtime needs, marked so.
    if (std::string(rule.reason).find("ASan/UBSan runtime") != std::string::npos) continue;
    CHECK(kForbidden.count(rule.name) == 0);
  }
}

TEST_CASE("tgkill is allowed only against our own pid") {
  for (const SyscallRule& rule : allowList()) {
    if (std::string(rule.name) != "tgkill") continue;
    REQUIRE(rule.arg.has_value());
    CHECK(rule.arg->index == 0);
    CHECK(rule.arg->cmp == ArgCmp::EqSelfPid);
  }
}

TEST_CASE("mmap and mprotect are allowed only without PROT_EXEC") {
  for (const SyscallRule& rule : allowList()) {
    std::string name = rule.name;
    if (name != "mmap" && name != "mprotect") continue;
    INFO(name);
    REQUIRE(rule.arg.has_value());
    CHECK(rule.arg->cmp == ArgCmp::MaskedEq);
    CHECK(rule.arg->value == 0);
  }
}

TEST_CASE("soft-denied syscalls are not also allowed") {
  std::set<std::string> allowed;
  for (const SyscallRule& rule : allowList()) allowed.insert(rule.name);
  for (const DenyRule& rule : softDenyList()) CHECK(allowed.count(rule.name) == 0);
}

#if defined(__x86_64__)
TEST_CASE("every table name is a real x86_64 syscall (catches typos)") {
  for (const SyscallRule& rule : allowList()) {
    INFO(rule.name);
    CHECK(seccomp_syscall_resolve_name(rule.name) != __NR_SCMP_ERROR);
  }
  for (const DenyRule& rule : softDenyList()) {
    INFO(rule.name);
    CHECK(seccomp_syscall_resolve_name(rule.name) != __NR_SCMP_ERROR);
  }
}
#endif
