#include "ifacectl/tun.h"

#include <fcntl.h>
#include <linux/if.h>
#include <linux/if_tun.h>
#include <sys/ioctl.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>

#include "ifacectl/link.h"

namespace cjdns::ifacectl {
namespace {

util::Error error(std::string text) { return util::Error{std::move(text), {}, {}}; }

constexpr const char* kPreallocHint =
    "have root preallocate a TUN device owned by the user cjdroute runs as "
    "(cjdns-ifacectl prealloc --user USER --config FILE) and name it in "
    "router.interface.tunDevice";

util::Result<UniqueFd> openTunFile() {
  int fd = ::open(kTunPath, O_RDWR | O_CLOEXEC | O_NONBLOCK);
  if (fd < 0) return error(tunErrorText(std::string("open ") + kTunPath, errno));
  return UniqueFd(fd);
}

/// TUNSETIFF on a fresh /dev/net/tun fd: creates or attaches. On failure
/// `err` holds the ioctl's errno (0 if the failure came before it).
util::Result<TunDevice> setIff(std::string_view name, int extraFlags, int& err) {
  err = 0;
  if (!name.empty()) {
    if (auto bad = checkDeviceName(name); !bad.empty()) return error(bad);
  }
  auto fd = openTunFile();
  if (!fd.ok()) return fd.error();
  ifreq ifr{};
  ifr.ifr_flags = static_cast<short>(IFF_TUN | IFF_NO_PI | extraFlags);
  std::memcpy(ifr.ifr_name, name.data(), name.size());  // checked: < IFNAMSIZ
  if (::ioctl(fd->get(), TUNSETIFF, &ifr) != 0) {
    err = errno;
    std::string step = name.empty() ? std::string("create a TUN device") : "TUNSETIFF " + std::string(name);
    return error(tunErrorText(step, err));
  }
  ifr.ifr_name[IFNAMSIZ - 1] = '\0';
  return TunDevice{std::move(fd).value(), ifr.ifr_name};
}

util::Result<Ok> tunIoctl(const TunDevice& dev, unsigned long request, unsigned long arg, const char* what) {
  if (::ioctl(dev.fd.get(), request, arg) != 0) {
    return error(std::string(what) + " on " + dev.name + ": " + std::strerror(errno));
  }
  return Ok{};
}

/// The device must exist and be a TUN (not TAP, not another kind).
util::Result<LinkInfo> existingTun(std::string_view name) {
  auto link = linkInfo(name);
  if (!link.ok()) return link.error();
  if (link->tun && link->tun->tap) return error(std::string(name) + " is a TAP device, not a TUN device");
  if (!link->tun && !link->kind.empty()) {
    return error(std::string(name) + " is a " + link->kind + " device, not a TUN device");
  }
  if (!link->tun) return error(std::string(name) + " is not a TUN device");
  return link;
}

}  // namespace

UniqueFd& UniqueFd::operator=(UniqueFd&& o) noexcept {
  if (this != &o) {
    reset();
    fd_ = o.release();
  }
  return *this;
}

int UniqueFd::release() {
  int fd = fd_;
  fd_ = -1;
  return fd;
}

void UniqueFd::reset() {
  if (fd_ >= 0) ::close(fd_);
  fd_ = -1;
}

std::string tunErrorText(std::string_view step, int err) {
  std::string out = std::string(step) + ": " + std::strerror(err);
  switch (err) {
    case ENOENT:
    case ENODEV:
    case ENXIO:
      return out + ": this system has no TUN driver or no " + kTunPath +
             " (common in OpenVZ and other containers); ask the host to enable TUN/TAP "
             "(or create it: mknod /dev/net/tun c 10 200), or " + kPreallocHint;
    case EPERM:
    case EACCES:
      return out + ": creating a TUN device needs root or CAP_NET_ADMIN, and containers "
             "such as OpenVZ may forbid it; " + kPreallocHint;
    default:
      return out;
  }
}

util::Result<TunDevice> openTun(std::string_view desiredName) {
  int err = 0;
  return setIff(desiredName, 0, err);
}

util::Result<TunDevice> attachTun(std::string_view name) {
  auto link = existingTun(name);
  if (!link.ok()) return error("attach to TUN " + std::string(name) + ": " + link.error().message);
  int err = 0;
  return setIff(name, 0, err);
}

util::Result<Ok> createPersistentTun(std::string_view name, uid_t uid, gid_t gid) {
  std::string what = "create persistent TUN " + std::string(name);
  if (auto bad = checkDeviceName(name); !bad.empty()) return error(what + ": " + bad);
  int err = 0;
  auto dev = setIff(name, IFF_TUN_EXCL, err);  // EBUSY if it exists: never take over a device
  if (!dev.ok()) return error(err == EBUSY ? what + ": a device of that name exists" : dev.error().message);
  // Persistence last: if a step fails, closing the fd removes the device.
  if (auto r = tunIoctl(dev.value(), TUNSETOWNER, uid, "TUNSETOWNER"); !r.ok()) return r;
  if (auto r = tunIoctl(dev.value(), TUNSETGROUP, gid, "TUNSETGROUP"); !r.ok()) return r;
  return tunIoctl(dev.value(), TUNSETPERSIST, 1, "TUNSETPERSIST");
}

util::Result<Ok> deletePersistentTun(std::string_view name) {
  std::string what = "delete TUN " + std::string(name);
  auto link = existingTun(name);
  if (!link.ok()) return error(what + ": " + link.error().message);
  if (!link->tun->persist) return error(what + ": it is not persistent (it goes when its process closes it)");
  int err = 0;
  auto dev = setIff(name, 0, err);
  if (!dev.ok()) {
    return error(err == EBUSY ? what + ": it is in use (a running cjdroute has it open); stop that first"
                              : what + ": " + dev.error().message);
  }
  // Dropping persistence on the last open fd removes the device at close.
  return tunIoctl(dev.value(), TUNSETPERSIST, 0, "TUNSETPERSIST");
}

}  // namespace cjdns::ifacectl
