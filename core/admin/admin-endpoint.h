// AdminEndpoint: the core process's glue between its channel to the admin
// bridge and the AdminService (design.md, IPC).
//
// It watches the channel's fd on the node's event loop, reads requests
// under the admin limits (small messages, no fds), hands each to the
// service and sends the service's answers back. A datagram that breaks the
// limits or cannot be read is counted, logged (rate-limited) and dropped:
// the bridge is less trusted than the core, but one bad message must not
// stop the node. When the bridge goes away the endpoint waits, with every
// pending answer cancelled, until replaceChannel() gives it the channel to
// a new bridge. A 100 ms timer drives the service's timeouts.
//
// Lifetime: borrows the loop and the engine, which must outlive it; the
// destructor removes its watches.
#pragma once

#include <cstdint>
#include <memory>
#include <string>

#include "core/admin/admin-service.h"
#include "core/ipc/channel.h"

namespace spdlog {
class logger;
}

namespace cjdns::node {
class EventLoop;
}

namespace cjdns::admin {

/// Limits for what the bridge may send: requests are small and typed.
ipc::Limits bridgeLimits();

struct EndpointCounters {
  std::uint64_t received = 0;
  std::uint64_t dropped = 0;     ///< broke the channel limits or could not be read
  std::uint64_t sent = 0;
  std::uint64_t sendFailed = 0;  ///< channel full or gone
  std::uint64_t channels = 0;    ///< channels attached so far
};

class AdminEndpoint {
 public:
  struct Options {
    std::uint64_t tickMs = 100;
    unsigned maxPerWakeup = 64;  ///< requests read per readable event, so the node is not starved
  };

  /// Starts serving `channel` (the core's end of its socketpair with the bridge).
  AdminEndpoint(node::EventLoop& loop, node::NodeEngine& engine, AdminContext ctx, ipc::Channel channel,
                std::shared_ptr<spdlog::logger> log);
  AdminEndpoint(node::EventLoop& loop, node::NodeEngine& engine, AdminContext ctx, ipc::Channel channel,
                std::shared_ptr<spdlog::logger> log, Options options);
  ~AdminEndpoint();
  AdminEndpoint(const AdminEndpoint&) = delete;
  AdminEndpoint& operator=(const AdminEndpoint&) = delete;

  /// A restarted bridge: serve this channel instead. Pending answers meant
  /// for the old bridge are dropped.
  void replaceChannel(ipc::Channel channel);

  /// For the angel's answers to udpNew (udpSocketOpened/udpSocketFailed).
  AdminService& service() { return service_; }
  const EndpointCounters& counters() const { return counters_; }
  bool connected() const { return channel_.fd() >= 0 && watch_ != 0; }

 private:
  void attach();
  void detach();
  void onReadable();
  void send(capnp::MessageBuilder& message);
  void noteDrop(const std::string& why);

  node::EventLoop& loop_;
  std::shared_ptr<spdlog::logger> log_;
  Options options_;
  AdminService service_;
  ipc::Channel channel_;
  std::uint64_t watch_ = 0;
  std::uint64_t timer_ = 0;
  EndpointCounters counters_;
  std::uint64_t lastDropLogMs_ = 0;
  std::uint64_t dropsSinceLog_ = 0;
};

}  // namespace cjdns::admin
