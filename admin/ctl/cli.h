// cjdnsctl's command line: argument parsing (pure, tested) and the commands,
// which talk to the node through an AdminClient.
#pragma once

#include <cstdint>
#include <iosfwd>
#include <optional>
#include <string>
#include <vector>

#include "admin/ctl/admin-client.h"
#include "admin/ctl/discovery.h"
#include "core/util/result.h"
#include "core/util/value.h"

namespace cjdns::admin::ctl {

enum ExitCode : int {
  kExitOk = 0,
  kExitNodeError = 1,   ///< the node answered with an error (or the ping/trace failed)
  kExitUsage = 2,
  kExitUnreachable = 3, ///< no answer from the admin port
};

struct Options {
  std::string command;                ///< "" with --help / --version alone
  std::vector<std::string> args;      ///< positional arguments after the command
  // Global.
  std::optional<std::string> admin, password, adminFile, config;
  int timeoutMs = 3000;
  bool json = false;
  bool verbose = false;
  bool help = false;
  bool version = false;
  // peers, sessions.
  bool ip6 = false;
  // ping, traceroute.
  std::optional<std::int64_t> count;  ///< ping -c (absent: until interrupted)
  int intervalMs = 1000;              ///< ping -i
  int waitMs = 5000;                  ///< -W: how long the node waits for each answer
  bool switchPing = false;            ///< -s
  bool keyPing = false;               ///< -k
  bool routerPing = false;            ///< -r
  int maxHops = 30;                   ///< traceroute -m
  // addpeer, passwords add.
  std::optional<std::string> login, peerName, ipv6;
  std::optional<std::int64_t> iface;
};

/// Errors are usage errors (exit 2); the message says what was wrong.
util::Result<Options> parseArgs(const std::vector<std::string>& argv);

/// The overall help, or one command's (`cjdnsctl COMMAND --help`).
std::string helpText(const std::string& command);

/// `key=value` (an integer when it looks like one, else a string) and
/// `key:=JSON` (a string, number, list or object in JSON) into an args dict.
util::Result<util::Dict> parseCallArgs(const std::vector<std::string>& words);

/// Runs options.command against the node. Text goes to `out`, errors to
/// `err`; returns the exit code. `interrupted` (set by a SIGINT handler) ends
/// ping early with its summary.
int runCommand(const Options& options, AdminClient& client, const AdminTarget& target, std::ostream& out,
               std::ostream& err, const volatile int* interrupted = nullptr);

}  // namespace cjdns::admin::ctl
