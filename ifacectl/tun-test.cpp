#include "ifacectl/tun.h"

#include <doctest/doctest.h>
#include <fcntl.h>
#include <unistd.h>

#include <cerrno>
#include <string>

#include "ifacectl/link.h"

using namespace cjdns::ifacectl;

namespace {

bool contains(const std::string& text, const std::string& part) { return text.find(part) != std::string::npos; }

}  // namespace

TEST_CASE("a missing /dev/net/tun is explained with OpenVZ and the preallocated-TUN way") {
  std::string text = tunErrorText("open /dev/net/tun", ENOENT);
  CHECK(text.starts_with("open /dev/net/tun: No such file or directory: "));
  CHECK(contains(text, "OpenVZ"));
  CHECK(contains(text, "containers"));
  CHECK(contains(text, "cjdns-ifacectl prealloc --user"));
  CHECK(contains(text, "router.interface.tunDevice"));
}

TEST_CASE("a refused /dev/net/tun names CAP_NET_ADMIN and the preallocated-TUN way") {
  for (int err : {EPERM, EACCES}) {
    std::string text = tunErrorText("TUNSETIFF cjdroute0", err);
    CHECK(text.starts_with("TUNSETIFF cjdroute0: "));
    CHECK(contains(text, "CAP_NET_ADMIN"));
    CHECK(contains(text, "OpenVZ"));
    CHECK(contains(text, "cjdns-ifacectl prealloc"));
  }
}

TEST_CASE("other TUN errors are only the step and the errno text") {
  CHECK(tunErrorText("TUNSETIFF x", EINVAL) == "TUNSETIFF x: Invalid argument");
}

TEST_CASE("device names the kernel would refuse are refused before any syscall") {
  CHECK(checkDeviceName("cjdroute0").empty());
  CHECK(checkDeviceName("a23456789012345").empty());
  CHECK(contains(checkDeviceName("a234567890123456"), "longer than 15"));
  CHECK(checkDeviceName("") == "empty device name");
  CHECK_FALSE(checkDeviceName(".").empty());
  CHECK_FALSE(checkDeviceName("..").empty());
  CHECK_FALSE(checkDeviceName("a/b").empty());
  CHECK_FALSE(checkDeviceName("a:1").empty());
  CHECK_FALSE(checkDeviceName("a b").empty());
  CHECK_FALSE(checkDeviceName(std::string("a\0b", 3)).empty());
}

TEST_CASE("an operation on a badly named device fails with what was attempted") {
  auto r = setMtu("no/such", 1304);
  REQUIRE_FALSE(r.ok());
  CHECK(r.error().message == "set MTU 1304 on no/such: device name \"no/such\" contains '/', ':', a NUL or whitespace");
  auto tun = openTun("x234567890123456");
  REQUIRE_FALSE(tun.ok());
  CHECK(contains(tun.error().message, "longer than 15"));
}

TEST_CASE("UniqueFd closes what it owns and nothing it released") {
  int fds[2];
  REQUIRE(::pipe(fds) == 0);
  {
    UniqueFd a(fds[0]);
    UniqueFd b(fds[1]);
    UniqueFd moved(std::move(a));
    CHECK(a.get() == -1);
    CHECK(moved.get() == fds[0]);
    CHECK(b.release() == fds[1]);
  }
  CHECK(::fcntl(fds[0], F_GETFD) == -1);
  CHECK(errno == EBADF);
  CHECK(::fcntl(fds[1], F_GETFD) != -1);
  ::close(fds[1]);
}
