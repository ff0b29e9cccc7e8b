#include "core/sandbox/sandbox.h"

#include <doctest/doctest.h>
#include <event2/event.h>
#include <fcntl.h>
#include <pwd.h>
#include <sodium.h>
#include <spdlog/sinks/stdout_sinks.h>
#include <spdlog/spdlog.h>
#include <sys/socket.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include <array>
#include <cerrno>
#include <csignal>
#include <cstring>
#include <functional>
#include <string>

using namespace cjdns;
using sandbox::SandboxPlan;

#if defined(__SANITIZE_ADDRESS__)
#define CJDNS_ASAN 1
#elif defined(__has_feature)
#if __has_feature(address_sanitizer)
#define CJDNS_ASAN 1
#endif
#endif

namespace {

bool skipUnlessRoot() {
  if (::geteuid() == 0) return false;
  MESSAGE("skipped: dropping to another user and emptying the bounding set need root");
  return true;
}

/// The plan the core will use: nobody, everything on.
SandboxPlan nobodyPlan() {
  SandboxPlan plan;
  const passwd* pw = ::getpwnam("nobody");
  REQUIRE_MESSAGE(pw != nullptr, "no user nobody");
  plan.uid = pw->pw_uid;
  plan.gid = pw->pw_gid;
  return plan;
}

/// A forked child: `body` runs in it with a pipe to the parent (`out`) and
/// one from it (`in`); its return value is the exit code.
struct Child {
  pid_t pid = -1;
  int fromChild = -1;
  int toChild = -1;

  /// One line the child wrote (without the newline); "" at EOF.
  std::string readLine() const {
    std::string line;
    char c;
    while (::read(fromChild, &c, 1) == 1 && c != '\n') line += c;
    return line;
  }
  void release() const { CHECK(::write(toChild, "x", 1) == 1); }
  /// The waitpid status.
  int wait() {
    ::close(fromChild);
    ::close(toChild);
    int status = 0;
    REQUIRE(::waitpid(pid, &status, 0) == pid);
    return status;
  }
};

Child spawn(const std::function<int(int out, int in)>& body) {
  int up[2], down[2];
  REQUIRE(::pipe2(up, O_CLOEXEC) == 0);
  REQUIRE(::pipe2(down, O_CLOEXEC) == 0);
  pid_t pid = ::fork();
  REQUIRE(pid >= 0);
  if (pid == 0) {
    ::close(up[0]);
    ::close(down[1]);
    int code = 99;
    try {
      code = body(up[1], down[0]);
    } catch (...) {
    }
    ::_exit(code);
  }
  ::close(up[1]);
  ::close(down[0]);
  return Child{pid, up[0], down[1]};
}

void say(int fd, const std::string& line) {
  std::string s = line + "\n";
  if (::write(fd, s.data(), s.size()) != static_cast<ssize_t>(s.size())) ::_exit(98);
}

/// Applies the plan in the child and reports "ok" or the error.
bool applyAndSay(const SandboxPlan& plan, int out) {
  auto r = sandbox::apply(plan);
  say(out, r ? "ok" : r.error().message);
  return r.ok();
}

bool exitedWith(int status, int code) { return WIFEXITED(status) && WEXITSTATUS(status) == code; }
bool killedBy(int status, int sig) { return WIFSIGNALED(status) && WTERMSIG(status) == sig; }

}  // namespace

TEST_CASE("parseStatus reads uid, capabilities, no_new_privs and seccomp mode") {
  const char* text =
      "Name:\tcjdns-core\nUmask:\t0022\nState:\tS (sleeping)\n"
      "Uid:\t65534\t65533\t65534\t65534\nGid:\t65534\t65534\t65534\t65534\n"
      "CapInh:\t0000000000000000\nCapPrm:\t0000000000000000\nCapEff:\t000001ffffffffff\n"
      "CapBnd:\t0000000000000000\nCapAmb:\t0000000000000000\n"
      "NoNewPrivs:\t1\nSeccomp:\t2\nSeccomp_filters:\t1\n";
  auto st = sandbox::parseStatus(text);
  REQUIRE(st.ok());
  CHECK(st->uid == 65534);
  CHECK(st->euid == 65533);
  CHECK(st->capEff == 0x1ffffffffffULL);
  CHECK(st->capPrm == 0);
  CHECK(st->capBnd == 0);
  CHECK(st->noNewPrivs == 1);
  CHECK(st->seccompMode == 2);
}

TEST_CASE("parseStatus names the missing or malformed line") {
  auto missing = sandbox::parseStatus("Uid:\t0\t0\t0\t0\nCapEff:\t0\nCapPrm:\t0\nCapBnd:\t0\nNoNewPrivs:\t0\n");
  REQUIRE_FALSE(missing.ok());
  CHECK(missing.error().message.find("Seccomp") != std::string::npos);
  auto bad = sandbox::parseStatus("Uid:\tx\t0\t0\t0\n");
  REQUIRE_FALSE(bad.ok());
  CHECK(bad.error().message.find("Uid") != std::string::npos);
}

TEST_CASE("readStatus reads this process's own /proc status") {
  auto st = sandbox::readStatus(::getpid());
  REQUIRE(st.ok());
  CHECK(st->uid == ::getuid());
  CHECK(st->euid == ::geteuid());
}

TEST_CASE("apply refuses to 'drop' to uid 0") {
  Child child = spawn([](int out, int) {
    SandboxPlan plan;
    plan.uid = 0;
    plan.seccomp = false;
    return applyAndSay(plan, out) ? 1 : 0;
  });
  CHECK(child.readLine().find("uid 0") != std::string::npos);
  CHECK(exitedWith(child.wait(), 0));
}

TEST_CASE("a sandboxed child runs as nobody with no capabilities, no_new_privs and a seccomp filter") {
  if (skipUnlessRoot()) return;
  SandboxPlan plan = nobodyPlan();
  Child child = spawn([&](int out, int in) {
    if (!applyAndSay(plan, out)) return 1;
    char c;
    return ::read(in, &c, 1) == 1 ? 0 : 2;  // stay alive while the parent looks
  });
  REQUIRE(child.readLine() == "ok");
  auto st = sandbox::readStatus(child.pid);
  child.release();
  REQUIRE(st.ok());
  CHECK(st->uid == *plan.uid);
  CHECK(st->euid == *plan.uid);
  CHECK(st->capEff == 0);
  CHECK(st->capPrm == 0);
  CHECK(st->capBnd == 0);
  CHECK(st->noNewPrivs == 1);
  CHECK(st->seccompMode == 2);
  CHECK(exitedWith(child.wait(), 0));
}

TEST_CASE("after the drop setuid(0) and setresuid(0,0,0) fail with EPERM") {
  if (skipUnlessRoot()) return;
  SandboxPlan plan = nobodyPlan();
  plan.seccomp = false;  // with the filter these calls would be fatal, not EPERM
  Child child = spawn([&](int out, int) {
    if (!applyAndSay(plan, out)) return 1;
    int a = ::setuid(0) == -1 ? errno : 0;
    int b = ::setresuid(0, 0, 0) == -1 ? errno : 0;
    say(out, std::to_string(a) + " " + std::to_string(b));
    return 0;
  });
  REQUIRE(child.readLine() == "ok");
  CHECK(child.readLine() == std::to_string(EPERM) + " " + std::to_string(EPERM));
  CHECK(exitedWith(child.wait(), 0));
}

TEST_CASE("a forbidden syscall kills the sandboxed child with SIGSYS") {
  if (skipUnlessRoot()) return;
  SandboxPlan plan = nobodyPlan();
  const std::array<std::pair<const char*, std::function<void()>>, 5> calls = {{
      {"socket", [] { ::syscall(SYS_socket, AF_INET, SOCK_DGRAM, 0); }},
      {"execve", [] { ::execl("/bin/true", "true", static_cast<char*>(nullptr)); }},
      {"fork", [] { ::fork(); }},
      {"setuid", [] { ::syscall(SYS_setuid, 0); }},
      {"kill", [] { ::syscall(SYS_kill, 1, 0); }},
  }};
  for (const auto& nameCall : calls) {
    const char* name = nameCall.first;  // named: INFO cannot take a binding (clang 14)
    const auto& call = nameCall.second;
    INFO(name);
    Child child = spawn([&](int out, int) {
      if (!applyAndSay(plan, out)) return 1;
      call();
      return 0;  // still alive: the filter let it through
    });
    REQUIRE(child.readLine() == "ok");
    CHECK(killedBy(child.wait(), SIGSYS));
  }
}

TEST_CASE("openat fails with EACCES in the sandbox instead of killing") {
  if (skipUnlessRoot()) return;
  SandboxPlan plan = nobodyPlan();
  Child child = spawn([&](int out, int) {
    if (!applyAndSay(plan, out)) return 1;
    int fd = ::open("/etc/hostname", O_RDONLY);
    say(out, fd < 0 ? std::to_string(errno) : "opened");
    return 0;
  });
  REQUIRE(child.readLine() == "ok");
  CHECK(child.readLine() == std::to_string(EACCES));
  CHECK(exitedWith(child.wait(), 0));
}

TEST_CASE("RLIMIT_NOFILE 0 leaves no room for a new fd") {
  if (skipUnlessRoot()) return;
  SandboxPlan plan = nobodyPlan();
  plan.nofiles = true;
  plan.seccomp = false;
  Child child = spawn([&](int out, int) {
    if (!applyAndSay(plan, out)) return 1;
    return ::dup(0) < 0 && errno == EMFILE ? 0 : 2;
  });
  REQUIRE(child.readLine() == "ok");
  CHECK(exitedWith(child.wait(), 0));
}

namespace {

/// In the child: set up libevent, libsodium and spdlog as the core does
/// (every fd before the sandbox), apply it, then use all three.
int runStackInSandbox(const SandboxPlan& plan, int out) {
  if (sodium_init() < 0) return 10;
  event_base* base = event_base_new();
  int p[2];
  if (base == nullptr || ::pipe2(p, O_NONBLOCK | O_CLOEXEC) != 0) return 11;
  auto log = std::make_shared<spdlog::logger>("core", std::make_shared<spdlog::sinks::stderr_sink_st>());
  if (!applyAndSay(plan, out)) return 1;

  int fired = 0;
  auto bump = [](evutil_socket_t, short, void* arg) { ++*static_cast<int*>(arg); };
  event* readable = event_new(base, p[0], EV_READ, bump, &fired);
  event* timer = evtimer_new(base, bump, &fired);
  event* usr1 = evsignal_new(base, SIGUSR1, bump, &fired);
  timeval tenMs{0, 10000};
  if (event_add(readable, nullptr) != 0 || event_add(timer, &tenMs) != 0 || event_add(usr1, nullptr) != 0) return 12;
  if (::write(p[1], "x", 1) != 1 || ::raise(SIGUSR1) != 0) return 13;
  while (fired < 3) {
    if (event_base_loop(base, EVLOOP_ONCE) < 0) return 14;
  }
  unsigned char pk[crypto_box_PUBLICKEYBYTES], sk[crypto_box_SECRETKEYBYTES];
  crypto_box_keypair(pk, sk);
  std::array<unsigned char, 24> nonce{};
  randombytes_buf(nonce.data(), nonce.size());
  log->info("sandboxed core stack works: {} events, nonce byte {}", fired, nonce[0]);
  log->flush();
  event_free(readable);
  event_free(timer);
  event_free(usr1);
  event_base_free(base);
  return 0;
}

}  // namespace

TEST_CASE("libevent, libsodium and spdlog run inside the sandbox") {
  if (skipUnlessRoot()) return;
#ifdef CJDNS_ASAN
  MESSAGE("skipped under ASan: its runtime calls pipe2() (IsAccessibleMemoryRange) while spdlog formats, which the allow-list refuses");
  return;
#endif
  SandboxPlan plan = nobodyPlan();
  Child child = spawn([&](int out, int) { return runStackInSandbox(plan, out); });
  REQUIRE(child.readLine() == "ok");
  int status = child.wait();
  INFO("wait status " << status);
  CHECK(exitedWith(status, 0));
}
