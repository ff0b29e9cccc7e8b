// The angel's supervisor: spawns cjdns-core with exactly one inherited fd
// (the IPC channel), hands it the typed config and the host's fds, serves the
// core's requests through the phase table, and restarts a dead core with
// backoff, handing it the same fds so that the TUN and its address stay up.
//
// The angel never parses network data: it reads only Cap'n Proto messages
// from the core (with the channel's limits) and, on the relay path, copies
// bytes between the core and the TUN without looking at them.
#pragma once

#include <sys/types.h>

#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "angel/lan/lan-sockets.h"
#include "angel/privsep/phase-table.h"
#include "proto/angel.capnp.h"
#include "proto/config.capnp.h"

namespace spdlog {
class logger;
}

namespace cjdns::angel {

/// What the angel opened for the node; it keeps these for the node's life.
struct HostFds {
  int tunFd = -1;           ///< -1: no TUN
  std::string tunName;
  std::vector<int> udpFds;  ///< one per config.udpInterfaces, in order
  int adminUdpFd = -1;      ///< bound to admin.bind; -1: no admin API
  LanFds lan;               ///< ETHInterface and UDP beacon sockets
};

struct SupervisorOptions {
  std::string corePath;     ///< the cjdns-core executable
  std::string adminPath;    ///< the cjdns-admin executable; "" = no admin bridge
  bool relayTun = false;    ///< keep the TUN fd here; packets cross the IPC
  unsigned maxCrashes = 5;  ///< more crashes than this within crashWindowMs: give up
  std::uint64_t crashWindowMs = 300000;
  std::uint64_t firstBackoffMs = 500;
  std::uint64_t maxBackoffMs = 30000;
  std::uint64_t startTimeoutMs = 30000;  ///< spawn to RUNNING
  std::uint64_t stopTimeoutMs = 3000;    ///< shutdown to exit, then SIGKILL
  std::vector<std::string> coreArgs;     ///< extra arguments (tests)
  /// Called once, the first time a core reports RUNNING.
  std::function<void()> onReady;
};

struct SupervisorStats {
  unsigned coresStarted = 0;
  unsigned crashes = 0;
  unsigned violations = 0;
  unsigned adminStarted = 0;
  unsigned adminCrashes = 0;
  std::uint64_t relayToCore = 0;
  std::uint64_t relayToHost = 0;
  std::uint64_t relayDrops = 0;
};

/// The sandbox the core must enter, decided from the `security` block and
/// whether we are root. Returns an error text for a setuser that names no
/// user (fatal, as in cjdns).
struct SandboxDecision {
  bool ok = true;
  std::string error;
  std::vector<std::string> notes;  ///< what was adjusted and why (logged)
};
SandboxDecision decideSandbox(proto::CoreConfig::Reader cfg, proto::CoreSandbox::Builder out);

class Supervisor {
 public:
  Supervisor(proto::CoreConfig::Reader config, HostFds fds, std::shared_ptr<spdlog::logger> log,
             SupervisorOptions options);
  ~Supervisor();
  Supervisor(const Supervisor&) = delete;
  Supervisor& operator=(const Supervisor&) = delete;

  /// Runs until SIGINT/SIGTERM, a clean stop of the core, or too many crashes.
  /// Returns the process exit status (0 clean, 1 gave up or failed).
  int run();

  const SupervisorStats& stats() const;

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

}  // namespace cjdns::angel
