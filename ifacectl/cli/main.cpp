// cjdns-ifacectl: preallocates the persistent, user-owned TUN device that
// lets cjdroute run without root (OpenVZ, `sudo -u cjdns cjdroute`), shows
// TUN devices and removes them. Talks rtnetlink directly; never runs `ip`.
#include <sodium.h>

#include <cstdio>
#include <optional>
#include <string>
#include <string_view>

#include "cjdns-version.h"
#include "ifacectl/cli/commands.h"

namespace {

using namespace cjdns::ifacectl;

constexpr int kExitUsage = 2;

void printUsage(std::FILE* to) {
  std::fprintf(to,
               "Usage: cjdns-ifacectl prealloc --user USER --config FILE [--name NAME] [--mtu MTU]\n"
               "       cjdns-ifacectl show [--name NAME]\n"
               "       cjdns-ifacectl remove --name NAME\n"
               "Manages the TUN device of a cjdns node (needs root or CAP_NET_ADMIN).\n"
               "\n"
               "  prealloc  create a persistent TUN device owned by USER, set its MTU, bring it\n"
               "            up, add the node's fc address from FILE as <address>/8 and the\n"
               "            fc00::/8 route; if the device exists and belongs to USER, fix\n"
               "            whatever differs. Then cjdroute, run as USER with\n"
               "            router.interface.tunDevice set to NAME, needs no root.\n"
               "  show      the device NAME, or every TUN device: owner, MTU, state, addresses\n"
               "  remove    delete the persistent TUN device NAME (not while cjdroute has it open)\n"
               "\n"
               "  --user USER    owner of the device (its primary group becomes the group)\n"
               "  --config FILE  the node's cjdroute.conf\n"
               "  --name NAME    device name (default %s)\n"
               "  --mtu MTU      1280-65535 (default %u, cjdns's value)\n"
               "  -h, --help     print this help\n"
               "  --version      print the version\n"
               "\n"
               "Exit status: 0 success, 1 error, 2 usage error.\n",
               cli::kDefaultName, kCjdnsMtu);
}

enum class Command { kPrealloc, kShow, kRemove };

struct Args {
  Command command = Command::kShow;
  cli::PreallocOptions prealloc;
  std::optional<std::string> name;
};

int usageError(const std::string& message) {
  std::fprintf(stderr, "cjdns-ifacectl: %s (try --help)\n", message.c_str());
  return kExitUsage;
}

std::optional<std::uint32_t> parseMtu(std::string_view text) {
  if (text.empty() || text.size() > 5) return std::nullopt;
  std::uint32_t v = 0;
  for (char c : text) {
    if (c < '0' || c > '9') return std::nullopt;
    v = v * 10 + static_cast<std::uint32_t>(c - '0');
  }
  if (v < kMinIpv6Mtu || v > 65535) return std::nullopt;
  return v;
}

/// Parses the options after the command word; returns 0 or a usage exit code.
int parseOptions(int argc, char** argv, Args& a, bool& mtuGiven, bool& userGiven, bool& configGiven) {
  for (int i = 2; i < argc; ++i) {
    std::string arg = argv[i];
    std::string value;
    std::string key = arg;
    if (auto eq = arg.find('='); arg.starts_with("--") && eq != std::string::npos) {
      key = arg.substr(0, eq);
      value = arg.substr(eq + 1);
    } else if (arg == "--user" || arg == "--config" || arg == "--name" || arg == "--mtu") {
      if (i + 1 >= argc) return usageError(arg + " needs a value");
      value = argv[++i];
    }
    if (key == "--user") {
      a.prealloc.user = value;
      userGiven = true;
    } else if (key == "--config") {
      a.prealloc.configPath = value;
      configGiven = true;
    } else if (key == "--name") {
      a.name = value;
    } else if (key == "--mtu") {
      auto mtu = parseMtu(value);
      if (!mtu) return usageError("--mtu must be a number from 1280 to 65535, not '" + value + "'");
      a.prealloc.mtu = *mtu;
      mtuGiven = true;
    } else {
      return usageError("unrecognized option '" + arg + "'");
    }
  }
  return 0;
}

/// Checks which options go with which command; 0 or a usage exit code.
int checkOptions(Args& a, bool mtuGiven, bool userGiven, bool configGiven) {
  if (a.name) {
    if (auto bad = checkDeviceName(*a.name); !bad.empty()) return usageError(bad);
  }
  if (a.command == Command::kPrealloc) {
    if (!userGiven || a.prealloc.user.empty()) return usageError("prealloc needs --user USER");
    if (!configGiven || a.prealloc.configPath.empty()) return usageError("prealloc needs --config FILE");
    if (a.name) a.prealloc.name = *a.name;
    return 0;
  }
  if (userGiven || configGiven || mtuGiven) return usageError("--user, --config and --mtu go only with prealloc");
  if (a.command == Command::kRemove && !a.name) return usageError("remove needs --name NAME");
  return 0;
}

}  // namespace

int main(int argc, char** argv) {
  for (int i = 1; i < argc; ++i) {
    std::string_view arg = argv[i];
    if (arg == "--help" || arg == "-h") {
      printUsage(stdout);
      return 0;
    }
    if (arg == "--version") {
      std::printf("cjdns-ifacectl %s\n", CJDNS_PACKAGE_VERSION);
      return 0;
    }
  }
  if (argc < 2) {
    printUsage(stderr);
    return kExitUsage;
  }
  Args a;
  std::string_view command = argv[1];
  if (command == "prealloc") a.command = Command::kPrealloc;
  else if (command == "show") a.command = Command::kShow;
  else if (command == "remove") a.command = Command::kRemove;
  else return usageError("unknown command '" + std::string(command) + "'");

  bool mtuGiven = false, userGiven = false, configGiven = false;
  if (int rc = parseOptions(argc, argv, a, mtuGiven, userGiven, configGiven)) return rc;
  if (int rc = checkOptions(a, mtuGiven, userGiven, configGiven)) return rc;

  if (sodium_init() < 0) {  // the config loader derives keys and may make a password
    std::fprintf(stderr, "cjdns-ifacectl: libsodium failed to initialise\n");
    return 1;
  }
  switch (a.command) {
    case Command::kPrealloc: return cli::prealloc(a.prealloc);
    case Command::kShow: return cli::show(a.name.value_or(""));
    case Command::kRemove: return cli::remove(*a.name);
  }
  return 1;
}
