#include "core/sandbox/sandbox.h"

#include <fcntl.h>
#include <grp.h>
#include <linux/capability.h>
#include <sys/prctl.h>
#include <sys/resource.h>
#include <sys/syscall.h>
#include <unistd.h>

#include <cerrno>
#include <charconv>
#include <cstring>

#include "core/sandbox/seccomp-table.h"

namespace cjdns::sandbox {
namespace {

util::Error fail(std::string what) { return util::Error{std::move(what), {}, {}}; }

/// "what: strerror (errno N)" from the current errno.
util::Error sysFail(const std::string& what) {
  int e = errno;
  return fail(what + ": " + std::strerror(e) + " (errno " + std::to_string(e) + ")");
}

// ---- capabilities (raw capget/capset: no libcap dependency) ----

struct CapSets {
  std::uint64_t effective = 0, permitted = 0, inheritable = 0;
};

util::Result<CapSets> getCaps() {
  __user_cap_header_struct hdr{_LINUX_CAPABILITY_VERSION_3, 0};
  __user_cap_data_struct data[2]{};
  if (::syscall(SYS_capget, &hdr, data) != 0) return sysFail("capget");
  auto join = [](std::uint32_t lo, std::uint32_t hi) { return (std::uint64_t{hi} << 32) | lo; };
  return CapSets{join(data[0].effective, data[1].effective), join(data[0].permitted, data[1].permitted),
                 join(data[0].inheritable, data[1].inheritable)};
}

/// The highest capability this kernel knows, found by probing the bounding
/// set (works after chroot, unlike /proc/sys/kernel/cap_last_cap).
int lastCap() {
  int cap = 0;
  while (::prctl(PR_CAPBSET_READ, cap + 1, 0, 0, 0) >= 0) ++cap;
  return cap;
}

// ---- the steps, in apply() order ----

util::Result<Ok> enterChroot(const std::string& dir) {
  if (dir.empty() || ::geteuid() != 0) return Ok{};  // cjdns: quiet no-op without root
  if (::chdir(dir.c_str()) != 0) return sysFail("chdir(" + dir + ")");
  if (::chroot(dir.c_str()) != 0) return sysFail("chroot(" + dir + ")");
  if (::chdir("/") != 0) return sysFail("chdir(/) in chroot");
  return Ok{};
}

/// Empties the bounding set so no execve could ever regain a capability.
/// Needs CAP_SETPCAP, hence before setIds(). Without it (started unprivileged)
/// the set is left as is: no_new_privs and seccomp already forbid execve.
util::Result<Ok> dropBoundingSet() {
  auto caps = getCaps();
  if (!caps) return caps.error();
  if ((caps->effective & (std::uint64_t{1} << CAP_SETPCAP)) == 0) return Ok{};
  for (int cap = 0, last = lastCap(); cap <= last; ++cap) {
    if (::prctl(PR_CAPBSET_READ, cap, 0, 0, 0) == 1 && ::prctl(PR_CAPBSET_DROP, cap, 0, 0, 0) != 0)
      return sysFail("prctl(PR_CAPBSET_DROP, " + std::to_string(cap) + ")");
  }
  return Ok{};
}

util::Result<Ok> dropGroups(const SandboxPlan& plan) {
  if (::geteuid() != 0 || (!plan.uid && !plan.gid)) return Ok{};
  if (::setgroups(0, nullptr) != 0) return sysFail("setgroups({})");
  return Ok{};
}

util::Result<Ok> setIds(const SandboxPlan& plan) {
  if (plan.uid && *plan.uid == 0) return fail("refusing to sandbox as uid 0");
  if (plan.gid && ::setresgid(*plan.gid, *plan.gid, *plan.gid) != 0)
    return sysFail("setresgid(" + std::to_string(*plan.gid) + ")");
  if (plan.uid && ::setresuid(*plan.uid, *plan.uid, *plan.uid) != 0)
    return sysFail("setresuid(" + std::to_string(*plan.uid) + ")");
  return Ok{};
}

/// Checks the drop took: all three ids are the target and root is out of reach.
util::Result<Ok> verifyIds(const SandboxPlan& plan) {
  if (plan.gid) {
    gid_t r, e, s;
    if (::getresgid(&r, &e, &s) != 0) return sysFail("getresgid");
    if (r != *plan.gid || e != *plan.gid || s != *plan.gid) return fail("gid did not change to the target");
  }
  if (!plan.uid) return Ok{};
  uid_t r, e, s;
  if (::getresuid(&r, &e, &s) != 0) return sysFail("getresuid");
  if (r != *plan.uid || e != *plan.uid || s != *plan.uid || ::getuid() != *plan.uid || ::geteuid() != *plan.uid)
    return fail("uid did not change to the target");
  if (::setuid(0) != -1 || ::setresuid(0, 0, 0) != -1 || ::seteuid(0) != -1)
    return fail("privilege drop did not hold: uid 0 is still reachable");
  if (plan.gid && ::setgid(0) != -1) return fail("privilege drop did not hold: gid 0 is still reachable");
  return Ok{};
}

/// Clears effective, permitted, inheritable and ambient sets, then checks.
util::Result<Ok> dropCaps() {
  __user_cap_header_struct hdr{_LINUX_CAPABILITY_VERSION_3, 0};
  __user_cap_data_struct data[2]{};
  if (::syscall(SYS_capset, &hdr, data) != 0) return sysFail("capset(all empty)");
  if (::prctl(PR_CAP_AMBIENT, PR_CAP_AMBIENT_CLEAR_ALL, 0, 0, 0) != 0 && errno != EINVAL)
    return sysFail("prctl(PR_CAP_AMBIENT_CLEAR_ALL)");  // EINVAL: kernel < 4.3 has no ambient set
  auto caps = getCaps();
  if (!caps) return caps.error();
  if (caps->effective != 0 || caps->permitted != 0 || caps->inheritable != 0)
    return fail("capabilities still present after capset");
  return Ok{};
}

util::Result<Ok> setNoNewPrivs() {
  if (::prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) != 0) return sysFail("prctl(PR_SET_NO_NEW_PRIVS)");
  if (::prctl(PR_GET_NO_NEW_PRIVS, 0, 0, 0, 0) != 1) return fail("no_new_privs did not stick");
  return Ok{};
}

util::Result<Ok> setZeroLimit(int resource, const char* name) {
  rlimit zero{0, 0};
  if (::setrlimit(resource, &zero) != 0) return sysFail(std::string("setrlimit(") + name + ", 0)");
  return Ok{};
}

util::Result<Ok> setLimits(const SandboxPlan& plan) {
  if (plan.noforks) {
    if (auto r = setZeroLimit(RLIMIT_NPROC, "RLIMIT_NPROC"); !r) return r;
  }
  if (plan.nofiles) {
    if (auto r = setZeroLimit(RLIMIT_NOFILE, "RLIMIT_NOFILE"); !r) return r;
    int fd = ::fcntl(STDERR_FILENO, F_DUPFD_CLOEXEC, 0);  // as cjdns: prove no new fd can exist
    if (fd >= 0) {
      ::close(fd);
      return fail("RLIMIT_NOFILE 0 did not stop dup()");
    }
  }
  return Ok{};
}

// ---- /proc/PID/status ----

std::string_view trim(std::string_view s) {
  while (!s.empty() && (s.front() == ' ' || s.front() == '\t')) s.remove_prefix(1);
  while (!s.empty() && (s.back() == ' ' || s.back() == '\t' || s.back() == '\r')) s.remove_suffix(1);
  return s;
}

template <typename T>
bool parseNumber(std::string_view s, T& out, int base = 10) {
  auto [p, ec] = std::from_chars(s.data(), s.data() + s.size(), out, base);
  return ec == std::errc{} && p == s.data() + s.size();
}

/// "Uid:\treal\teffective\tsaved\tfs".
bool parseUids(std::string_view v, SandboxStatus& st) {
  auto tab = v.find_first_of(" \t");
  if (tab == std::string_view::npos) return false;
  auto rest = trim(v.substr(tab));
  return parseNumber(v.substr(0, tab), st.uid) && parseNumber(rest.substr(0, rest.find_first_of(" \t")), st.euid);
}

}  // namespace

util::Result<Ok> apply(const SandboxPlan& plan) {
  using Step = util::Result<Ok>;
  if (Step r = enterChroot(plan.chroot); !r) return r;
  if (plan.dropAllCaps) {
    if (Step r = dropBoundingSet(); !r) return r;
  }
  if (Step r = dropGroups(plan); !r) return r;
  if (Step r = setIds(plan); !r) return r;
  if (Step r = verifyIds(plan); !r) return r;
  if (plan.dropAllCaps) {
    if (Step r = dropCaps(); !r) return r;
  }
  if (plan.noNewPrivs) {
    if (Step r = setNoNewPrivs(); !r) return r;
  }
  if (Step r = setLimits(plan); !r) return r;
  if (plan.seccomp) {
    if (Step r = installSeccompFilter(); !r) return r;
  }
  return Ok{};
}

util::Result<SandboxStatus> parseStatus(std::string_view text) {
  SandboxStatus st;
  unsigned seen = 0;  // one bit per required key
  while (!text.empty()) {
    auto eol = text.find('\n');
    std::string_view line = text.substr(0, eol);
    text = eol == std::string_view::npos ? std::string_view{} : text.substr(eol + 1);
    auto colon = line.find(':');
    if (colon == std::string_view::npos) continue;
    std::string_view key = line.substr(0, colon), v = trim(line.substr(colon + 1));
    bool ok = true;
    if (key == "Uid") {
      ok = parseUids(v, st);
      seen |= 1;
    } else if (key == "CapEff") {
      ok = parseNumber(v, st.capEff, 16);
      seen |= 2;
    } else if (key == "CapPrm") {
      ok = parseNumber(v, st.capPrm, 16);
      seen |= 4;
    } else if (key == "CapBnd") {
      ok = parseNumber(v, st.capBnd, 16);
      seen |= 8;
    } else if (key == "NoNewPrivs") {
      ok = parseNumber(v, st.noNewPrivs);
      seen |= 16;
    } else if (key == "Seccomp") {
      ok = parseNumber(v, st.seccompMode);
      seen |= 32;
    }
    if (!ok) return fail("bad /proc status line: " + std::string(line));
  }
  static constexpr const char* kKeys[] = {"Uid", "CapEff", "CapPrm", "CapBnd", "NoNewPrivs", "Seccomp"};
  for (unsigned i = 0; i < 6; ++i) {
    if ((seen & (1u << i)) == 0) return fail(std::string("/proc status has no ") + kKeys[i] + " line");
  }
  return st;
}

util::Result<SandboxStatus> readStatus(pid_t pid) {
  std::string path = "/proc/" + std::to_string(pid) + "/status";
  int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0) return sysFail("open(" + path + ")");
  std::string text;
  char buf[4096];
  ssize_t n;
  while ((n = ::read(fd, buf, sizeof buf)) > 0) text.append(buf, static_cast<std::size_t>(n));
  int readErrno = errno;
  ::close(fd);
  if (n < 0) {
    errno = readErrno;
    return sysFail("read(" + path + ")");
  }
  return parseStatus(text);
}

}  // namespace cjdns::sandbox
