// AdminService: the core's side of the admin API (proto/admin.capnp), I/O-free.
//
// The admin bridge turns each cjdns admin call into one typed AdminToCore
// request; this class answers it with one CoreToAdmin message carrying the
// request's id, through the sink: at once for most requests, later for the
// asynchronous ones (switchPing, routerPing, routerQuery, udpNew), whose
// answers come from the engine's callbacks, from tick() (timeouts) or from
// udpSocketOpened/udpSocketFailed. It reads and changes the NodeEngine it is
// given and asks its AdminContext for what the engine does not know.
//
// Requests are untrusted input (the bridge is a separate, sandboxed process):
// every field is checked, a message that cannot be read is counted and, when
// its id is readable, answered with an error; nothing throws out of handle().
// Asynchronous requests are bounded (maxPending) and each is answered exactly
// once, unless cancelled; the destructor cancels what is still pending.
#pragma once

#include <capnp/message.h>

#include <cstdint>
#include <functional>
#include <map>
#include <optional>
#include <span>
#include <string>
#include <variant>
#include <vector>

#include "core/node/node-engine.h"
#include "proto/admin.capnp.h"

namespace cjdns::admin {

/// What the core process knows that the engine does not.
struct AdminContext {
  std::string adminPassword = "NONE";  ///< admin.password, for the bridge's auth
  std::uint32_t corePid = 0;           ///< 0: getpid() when asked
  std::uint64_t startedUnixMs = 0;     ///< when the core started (0: when the service was made)
  /// Unix time now in ms; unset: the system clock. peerStats `last` and
  /// sessionStats `timeOfLastUsage` are engine times moved onto this clock.
  std::function<std::uint64_t()> unixNowMs;
  /// The sandbox set RLIMIT_NOFILE to 0 (Security_checkPermissions noOpenFiles).
  bool noOpenFiles = false;
  /// Core_exit: stop the node. Called after the answer went to the sink.
  std::function<void()> stopNode;
  /// UDPInterface_new: ask the angel for a UDP socket bound to ip (4 or 16
  /// bytes) and port. The outcome comes back through udpSocketOpened or
  /// udpSocketFailed with the same token. Returns an error text if the
  /// request could not even be made. Unset: UDPInterface_new is refused.
  std::function<std::optional<std::string>(std::uint64_t token, std::span<const std::uint8_t> ip, std::uint16_t port)>
      requestUdpSocket;
  /// The angel delivered the socket: add it to the running node (takes the
  /// fd). The link interface number and the address it is bound to, or an error.
  struct UdpAdded {
    std::uint32_t interfaceNumber = 0;
    std::string bindAddress;  ///< "0.0.0.0:41234", "[::]:41234"
  };
  std::function<std::variant<UdpAdded, std::string>(int fd)> addUdpSocket;
};

struct AdminLimits {
  std::size_t maxPending = 128;        ///< asynchronous requests waiting for their answer
  std::size_t maxPendingUdp = 8;       ///< udpNew waiting for the angel (its own limit is 8)
  std::uint64_t udpTimeoutMs = 10'000; ///< no socket from the angel by then: an error
  std::size_t maxUsers = 4096;         ///< authorizedPasswords entries
  std::size_t maxPasswordBytes = 1024;
  std::size_t maxUserBytes = 256;
  std::size_t maxPingData = 256;       ///< Control_Ping_MAX_SIZE
};

struct AdminCounters {
  std::uint64_t requests = 0;
  std::uint64_t malformed = 0;      ///< unreadable requests (answered if their id was readable)
  std::uint64_t unknown = 0;        ///< a request type this core does not know
  std::uint64_t asyncStarted = 0;
  std::uint64_t asyncAnswered = 0;
  std::uint64_t asyncRefused = 0;   ///< maxPending reached
  std::uint64_t cancelled = 0;
  std::uint64_t answers = 0;
};

class AdminService {
 public:
  /// Where every answer goes (the endpoint sends it to the bridge).
  using Sink = std::function<void(capnp::MessageBuilder&)>;

  AdminService(node::NodeEngine& engine, AdminContext ctx, AdminLimits limits = {});
  ~AdminService();
  AdminService(const AdminService&) = delete;
  AdminService& operator=(const AdminService&) = delete;

  void setSink(Sink sink) { sink_ = std::move(sink); }

  enum class Outcome { kAnswered, kPending, kMalformed };
  /// Answers one request (now, or later for the asynchronous ones).
  Outcome handle(proto::AdminToCore::Reader request, std::uint64_t nowMs);

  /// Timeouts of pending requests; call every 100 ms or so.
  void tick(std::uint64_t nowMs);

  /// The angel answered an udpNew (token = the request's id).
  void udpSocketOpened(std::uint64_t token, int fd);
  void udpSocketFailed(std::uint64_t token, const std::string& error);

  /// Forgets every pending request without answering (a new bridge).
  void cancelAll();

  std::size_t pending() const { return pending_.size(); }
  const AdminCounters& counters() const { return counters_; }
  const AdminContext& context() const { return ctx_; }

 private:
  enum class PendingKind { kSwitchPing, kRouterQuery, kUdp };
  struct Pending {
    PendingKind kind = PendingKind::kSwitchPing;
    std::uint32_t handle = 0;     ///< the engine's ping handle or query id
    std::uint64_t deadlineMs = 0; ///< kUdp only
  };

  using Fill = std::function<void(proto::CoreToAdmin::Builder)>;
  void answer(std::uint64_t id, const Fill& fill);
  void answerError(std::uint64_t id, const std::string& error);
  void answerDone(std::uint64_t id);
  Outcome dispatch(std::uint64_t id, proto::AdminToCore::Reader req, std::uint64_t nowMs);

  void info(proto::CoreInfo::Builder b) const;
  void peerStats(capnp::List<proto::PeerStat>::Builder list, const std::vector<iface::PeerInfo>& peers,
                 std::uint64_t nowMs) const;
  void dumpTable(proto::NodeTable::Builder b, std::uint64_t nowMs) const;
  bool nodeDetail(proto::NodeDetail::Builder b, const crypto::Ip6& ip6) const;
  void sessionStat(proto::SessionStat::Builder b, const session::SessionStats& s, std::uint64_t nowMs) const;
  std::string lookup(const crypto::Ip6& target) const;

  Outcome switchPing(std::uint64_t id, proto::SwitchPing::Reader req, std::uint64_t nowMs);
  Outcome routerPing(std::uint64_t id, proto::RouterPing::Reader req, std::uint64_t nowMs);
  Outcome routerQuery(std::uint64_t id, proto::RouterQuery::Reader req, std::uint64_t nowMs);
  Outcome udpNew(std::uint64_t id, proto::SockAddr::Reader addr, std::uint64_t nowMs);
  void udpBeginConnection(std::uint64_t id, proto::UdpConnect::Reader req, std::uint64_t nowMs);
  void passwordAdd(std::uint64_t id, proto::PasswordAdd::Reader req);
  bool cancel(std::uint64_t id);
  bool admitAsync(std::uint64_t id);

  std::uint64_t unixNow() const;
  /// An engine time (ms) on the unix clock; 0 stays 0.
  std::uint64_t toUnixMs(std::uint64_t engineMs, std::uint64_t nowMs) const;

  node::NodeEngine& engine_;
  AdminContext ctx_;
  AdminLimits limits_;
  Sink sink_;
  std::map<std::uint64_t, Pending> pending_;
  AdminCounters counters_;
  std::uint64_t lastNowMs_ = 0;
};

/// "UDP/IPv4/0.0.0.0:7937" as cjdns names a UDP interface, from the peer
/// controller's link name ("UDP/0.0.0.0:7937"); other names unchanged.
std::string interfaceName(const std::string& linkName);

/// Bytes the C heap has handed out and not taken back (glibc mallinfo2:
/// uordblks + hblkhd): the figure for Allocator_bytesAllocated.
std::int64_t heapBytesInUse();

/// cjdns NodeStore_bucketForAddr: 63 - log2 of the XOR of bytes 8..15 (the
/// first half of cjdns's rotated address), or 64 + that of bytes 0..7 when
/// those are equal (127 for itself).
std::uint32_t bucketFor(const crypto::Ip6& self, const crypto::Ip6& other);

}  // namespace cjdns::admin
