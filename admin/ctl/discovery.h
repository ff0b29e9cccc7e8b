// Where is the admin port and what is its password? As the cjdns tools find
// out (upper.md §3.3, §6.2-6.4), with explicit settings first:
//   1. --admin ADDR:PORT and --password (each on its own);
//   2. the environment: CJDNS_ADMIN (ADDR:PORT) and CJDNS_ADMIN_PASSWORD;
//   3. one file: --adminfile FILE, else --config FILE, else ~/.cjdnsadmin
//      ({"addr", "port", "password"}, defaults 127.0.0.1, 11234, "NONE", as
//      the Node.js and Rust tools read it), else /etc/cjdroute.conf's `admin`
//      block (bind, password; read with cjdns's lenient grammar);
//   4. 127.0.0.1:11234 with password NONE (genconf's defaults).
// Every field remembers where it came from, for -v and for error hints.
#pragma once

#include <functional>
#include <optional>
#include <string>
#include <vector>

#include "core/util/host-port.h"
#include "core/util/result.h"

namespace cjdns::admin::ctl {

inline constexpr const char* kDefaultAdminFile = "~/.cjdnsadmin";
inline constexpr const char* kDefaultConfigFile = "/etc/cjdroute.conf";
inline constexpr std::uint16_t kDefaultAdminPort = 11234;

struct FileText {
  enum class Status { kOk, kMissing, kError } status = Status::kMissing;
  std::string text;   ///< kOk
  std::string error;  ///< kError: strerror text
};

struct DiscoveryInputs {
  std::optional<std::string> adminFlag;      ///< --admin
  std::optional<std::string> passwordFlag;   ///< --password
  std::optional<std::string> adminFileFlag;  ///< --adminfile
  std::optional<std::string> configFlag;     ///< --config
  std::optional<std::string> envAdmin;       ///< CJDNS_ADMIN
  std::optional<std::string> envPassword;    ///< CJDNS_ADMIN_PASSWORD
  std::string home;                          ///< $HOME ("" = unknown)
  std::function<FileText(const std::string& path)> readFile;
};

struct AdminTarget {
  util::HostPort address;
  std::string password;
  std::string addressSource;   ///< "--admin", "CJDNS_ADMIN", "/root/.cjdnsadmin", "default", ...
  std::string passwordSource;
  std::vector<std::string> notes;  ///< files looked at and skipped, for -v
};

/// Reads the real environment and files into DiscoveryInputs (flags from args).
DiscoveryInputs systemInputs(std::optional<std::string> adminFlag, std::optional<std::string> passwordFlag,
                             std::optional<std::string> adminFileFlag, std::optional<std::string> configFlag);

/// Errors: a malformed --admin / CJDNS_ADMIN / file, or an explicitly named
/// file that cannot be read.
util::Result<AdminTarget> discoverAdmin(const DiscoveryInputs& in);

/// "ADDR:PORT", "[v6]:PORT", "ADDR" (port 11234) or "v6" without brackets.
/// An all-zero address (0.0.0.0, ::) means this host's loopback, as in cjdns.
util::Result<util::HostPort> parseAdminAddress(const std::string& text);

}  // namespace cjdns::admin::ctl
