// cjdroute --genconf: a fresh, commented cjdroute.conf.
#pragma once

#include <string>

namespace cjdns::angel {

struct GenconfOptions {
  bool eth = false;  ///< --eth: enable the ETHInterface section
};

/// A complete config with a new identity (fc address), random peering
/// passwords and a random UDP port in 1025-65535. The text is strict JSON
/// plus comments ("version": 2), readable by cjdns v20-v22 as well.
std::string generateConfig(const GenconfOptions& options);

}  // namespace cjdns::angel
