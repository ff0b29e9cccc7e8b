// The three commands of cjdns-ifacectl. Each prints what it did on stdout
// and one-line errors on stderr, and returns the process exit status
// (0 done, 1 failed).
#pragma once

#include <cstdint>
#include <string>

#include "ifacectl/link.h"

namespace cjdns::ifacectl::cli {

inline constexpr const char* kDefaultName = "cjdroute0";

struct PreallocOptions {
  std::string user;
  std::string configPath;
  std::string name = kDefaultName;
  std::uint32_t mtu = kCjdnsMtu;
};

/// Creates (or repairs) a persistent TUN owned by the user, with the node's
/// fc address from the config as <ip6>/8, the fc00::/8 route, the MTU, up.
int prealloc(const PreallocOptions& options);
/// Shows the named device, or every TUN device when name is "".
int show(const std::string& name);
/// Deletes a persistent TUN device.
int remove(const std::string& name);

}  // namespace cjdns::ifacectl::cli
