// The process shell around NodeEngine: UDP sockets, the TUN fd, timers,
// signals and logging. It receives already-bound socket fds and an open TUN
// (opened by the privileged side) and the typed config, and does no other
// setup: it never opens anything itself.
//
// The core process (core/main) builds a NodeRunner, then applies its sandbox
// (the event base and every fd exist by then), then runs it. With the relay
// path there is no TUN fd: host packets arrive through fromHost() and leave
// through the TunWriter.
#pragma once

#include <cstdint>
#include <functional>
#include <memory>
#include <span>
#include <string>
#include <vector>

#include "proto/config.capnp.h"

namespace spdlog {
class logger;
}

namespace cjdns::iptunnel {
struct TunnelPrefix;
}

namespace cjdns::node {

class EventLoop;
class NodeEngine;
struct LanSockets;

struct RunnerOptions {
  /// How often peer states are compared and changes logged.
  unsigned statusIntervalMs = 1024;
  /// Stop on SIGINT/SIGTERM (a core run by the angel also stops on its word).
  bool handleStopSignals = true;
};

struct RunnerStats {
  std::uint64_t tunPacketsIn = 0;   ///< from the host (TUN fd or relay)
  std::uint64_t tunPacketsOut = 0;  ///< to the host
  std::uint64_t tunDrops = 0;
};

class NodeRunner {
 public:
  /// `udpFds[i]` belongs to config.udpInterfaces[i]; `tunFd` is the node's TUN
  /// (IFF_NO_PI, non-blocking) or -1 (no TUN, or the relay path). Takes
  /// ownership of the fds. The config must outlive the runner.
  NodeRunner(proto::CoreConfig::Reader config, std::vector<int> udpFds, int tunFd,
             std::shared_ptr<spdlog::logger> log, RunnerOptions options = {});
  ~NodeRunner();
  NodeRunner(const NodeRunner&) = delete;
  NodeRunner& operator=(const NodeRunner&) = delete;

  /// The loop the runner's watches live on; the caller may add its own.
  EventLoop& loop();
  /// The node itself (for the admin API's AdminEndpoint).
  NodeEngine& engine();

  /// Relay path: IPv6 packets for the host are handed to `writer` (which
  /// sends them to the angel) instead of being written to a TUN fd.
  using TunWriter = std::function<void(std::span<const std::uint8_t>)>;
  void setTunWriter(TunWriter writer);
  /// Relay path: one packet the host wrote to its TUN.
  void fromHost(std::span<const std::uint8_t> packet);

  /// IpTunnel: an address (route == false) or a route a gateway gave us,
  /// for the angel to put on the TUN. Without one they are only logged.
  /// Set before run().
  using TunnelRequester = std::function<void(const iptunnel::TunnelPrefix&, bool route)>;
  void setTunnelRequester(TunnelRequester requester);

  /// A UDP socket opened at run time (UDPInterface_new): it becomes the
  /// next link interface. Takes the fd.
  struct AddedUdp {
    unsigned interfaceNumber = 0;
    std::string bindAddress;  ///< as the kernel bound it, e.g. "0.0.0.0:41234"
  };
  AddedUdp addUdpSocket(int fd);

  /// ETHInterface and UDP beacon sockets from the angel (beacon-driver.h).
  /// Call before run(); takes the fds.
  void addLanSockets(LanSockets sockets);

  /// Connects to the configured peers and runs until stop(). Returns 0.
  int run();
  void stop(const char* why);

  const RunnerStats& stats() const;

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

/// Builds a NodeRunner and runs it until SIGINT/SIGTERM (no sandbox, no
/// angel: for tools and tests that run a node in one process).
int runNode(proto::CoreConfig::Reader config, std::vector<int> udpFds, int tunFd,
            std::shared_ptr<spdlog::logger> log, RunnerOptions options = {});

}  // namespace cjdns::node
