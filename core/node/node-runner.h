// The process shell around NodeEngine: UDP sockets, timers, signals and
// logging. It receives already-bound socket fds (opened by the privileged
// side) and the typed config, and does no other setup.
#pragma once

#include <memory>
#include <vector>

#include "proto/config.capnp.h"

namespace spdlog {
class logger;
}

namespace cjdns::node {

struct RunnerOptions {
  /// How often peer states are compared and changes logged.
  unsigned statusIntervalMs = 1024;
};

/// Runs until SIGINT/SIGTERM. `udpFds[i]` belongs to config.udpInterfaces[i];
/// `tunFd` is the node's TUN device (IFF_NO_PI, non-blocking), or -1 for a
/// node without one. Returns the process exit status.
int runNode(proto::CoreConfig::Reader config, std::vector<int> udpFds, int tunFd,
            std::shared_ptr<spdlog::logger> log, RunnerOptions options = {});

}  // namespace cjdns::node
