// IpTunnel (upper.md 2): IPv4 and non-cjdns IPv6 over cjdns sessions,
// I/O-free and driven by `now`.
//
// A gateway allows client keys and hands each an IPv4 and/or IPv6 block; a
// client connects out to gateways and asks them for addresses. Both kinds of
// connection live in one table, numbered from 0 in the order they were made
// (the admin API names them by number).
//
// Control (2.3): a client asks every gateway at once, then asks one gateway
// that has not answered every requestIntervalMs (10 s in cjdns), in turn,
// until it has an address. A gateway answers a request from a key it allows
// with that key's blocks; a client takes the first answer per address family
// from a gateway it asked, tells its host to put address/alloc on the TUN,
// and adds address/prefix to its RouteGen when the prefix is shorter than
// the address; the routes RouteGen then generates go to the host too.
// Nothing is ever taken off the TUN again (cjdns never does).
//
// Data (2.2): a packet from the TUN goes to the connection whose block holds
// our side's address (a client's source, a gateway's destination); a packet
// from a node is taken only from a key with a connection and only if the
// far side's address is in that connection's block (a client checks the
// destination, a gateway the source), and goes to the TUN. IPv6 with an
// fc00::/8 address at either end is never tunnelled. Every refusal is a
// verdict and a counter; nothing is logged.
//
// Lifetime: borrows the host, which must outlive the tunnel. The host may
// call back into the tunnel from its callbacks: control messages are built
// in a message of their own, keys are copied before a callback, and each
// change of state is made before the callback that reports it.
#pragma once

#include <array>
#include <cstddef>
#include <cstdint>
#include <span>
#include <string>
#include <vector>

#include "core/crypto/keys.h"
#include "core/iptunnel/ip-tunnel-messages.h"
#include "core/iptunnel/route-gen.h"
#include "core/util/result.h"
#include "core/wire/message.h"

namespace cjdns::iptunnel {

/// Ethertypes for the TUN packet-info header.
inline constexpr std::uint16_t kEthertypeIp4 = 0x0800;
inline constexpr std::uint16_t kEthertypeIp6 = 0x86dd;

/// An address or a route for the TUN, as the angel's TunnelPrefix carries it.
struct TunnelPrefix {
  IpPrefix prefix;
  crypto::PublicKey gateway{};  ///< the gateway that handed it out
  friend bool operator==(const TunnelPrefix&, const TunnelPrefix&) = default;
};

/// What the tunnel needs from the node around it.
class IpTunnelHost {
 public:
  virtual ~IpTunnelHost() = default;
  /// An IPTUN payload for the node with `key`: to be sent over its session
  /// behind a DataHeader of content type 257. The host may use the message up.
  virtual void sendToNode(const crypto::PublicKey& key, wire::Message& payload, std::uint64_t nowMs) = 0;
  /// A whole IPv4 or IPv6 packet for the TUN, with its ethertype.
  virtual void writeToTun(wire::Message& packet, std::uint16_t ethertype) = 0;
  /// Put prefix.address/prefix.length on the TUN (angel: addTunnelAddress).
  virtual void addTunnelAddress(const TunnelPrefix& address) = 0;
  /// Route the prefix to the TUN (angel: addTunnelRoute).
  virtual void addTunnelRoute(const TunnelPrefix& route) = 0;
};

struct IpTunnelConfig {
  std::uint64_t requestIntervalMs = 10'000;  ///< IpTunnel.c's polling timer
  /// Addresses and routes reported to the host, together. The angel kills a
  /// core that asks for more than its limit (proto maxTunnelPrefixes, 64: a
  /// default route cut around a peer's IPv4 address is 32 routes alone).
  std::size_t maxReportedPrefixes = 64;
  std::size_t maxConnections = 256;
};

struct Connection {
  std::uint32_t number = 0;
  crypto::PublicKey key{};
  bool outgoing = false;  ///< we are its client
  /// Incoming: the blocks we hand out. Outgoing: what the gateway gave us
  /// (empty until it answers).
  Grants grants;
};

/// What became of a packet.
enum class Verdict {
  kForwarded,       ///< handed to the host (to a node, or to the TUN)
  kControl,         ///< a control message, answered or taken
  kRunt,            ///< shorter than its IP header or than its length field says
  kNotIp,           ///< IP version neither 4 nor 6
  kCjdnsAddress,    ///< IPv6 with an fc00::/8 source or destination
  kNoConnection,    ///< from the TUN: no connection's block holds the address
  kUnknownKey,      ///< from a node: no connection with that key
  kZeroAddress,     ///< a zero address (from a node, both zero is control)
  kSpoofed,         ///< from a node: address not in the block of that key
  kBadControl,      ///< control message that does not parse (see badControl)
  kControlRefused,  ///< parses, but not acceptable from that connection
};
const char* describe(Verdict v);

struct IpTunnelCounters {
  // From the TUN.
  std::uint64_t tunForwarded = 0;
  std::uint64_t tunRunt = 0;
  std::uint64_t tunNotIp = 0;
  std::uint64_t tunCjdnsAddress = 0;
  std::uint64_t tunZeroAddress = 0;  ///< would read as a control message over there
  std::uint64_t tunNoConnection = 0;
  // From nodes.
  std::uint64_t nodeForwarded = 0;
  std::uint64_t nodeUnknownKey = 0;
  std::uint64_t nodeRunt = 0;
  std::uint64_t nodeNotIp = 0;
  std::uint64_t nodeZeroAddress = 0;
  std::uint64_t nodeCjdnsAddress = 0;
  std::uint64_t nodeSpoofed = 0;
  // Control messages.
  std::array<std::uint64_t, kControlErrorCount> badControl{};  ///< by ControlError
  std::uint64_t requestsSent = 0;
  std::uint64_t requestsAnswered = 0;
  std::uint64_t requestOnOutgoing = 0;   ///< a gateway of ours asked us for addresses
  std::uint64_t responsesTaken = 0;     ///< answers to one of our requests (repeats too)
  std::uint64_t responseOnIncoming = 0;  ///< a client of ours offered us addresses
  std::uint64_t responseBadTxid = 0;     ///< txid names no connection of ours to that key
  std::uint64_t grantRepeated = 0;       ///< the same block again: nothing to do
  std::uint64_t grantChanged = 0;        ///< a different block for a family already granted: ignored
  // Reports to the host.
  std::uint64_t addressesReported = 0;
  std::uint64_t routesReported = 0;
  std::uint64_t prefixesOverBudget = 0;    ///< not reported: maxReportedPrefixes reached
  std::uint64_t routesWithoutGateway = 0;  ///< a generated route no gateway's prefix holds (per commit)
};

class IpTunnel {
 public:
  explicit IpTunnel(IpTunnelHost& host, IpTunnelConfig config = {});
  IpTunnel(const IpTunnel&) = delete;
  IpTunnel& operator=(const IpTunnel&) = delete;

  /// IpTunnel_allowConnection: `key` may connect and gets `grants`. Refused
  /// without an address, for a zero or fc00::/8 address, a prefix or alloc
  /// out of range (0..max, 1..max), a key that has a connection already, or
  /// with maxConnections made.
  util::Result<std::uint32_t> allowConnection(const crypto::PublicKey& key, const Grants& grants);
  /// IpTunnel_connectTo: asks `key` for addresses now, and again until it answers.
  util::Result<std::uint32_t> connectTo(const crypto::PublicKey& key, std::uint64_t nowMs);
  /// IpTunnel_removeConnection. Addresses already on the TUN stay there.
  bool removeConnection(std::uint32_t number);

  const Connection* connection(std::uint32_t number) const;
  const std::vector<Connection>& connections() const { return connections_; }

  /// Periodic work (address requests); call about once a second.
  void tick(std::uint64_t nowMs);
  /// An IPv4 or IPv6 packet read from the TUN (packet-info header removed).
  Verdict fromTun(wire::Message& packet, std::uint64_t nowMs);
  /// An IPTUN payload (what followed the DataHeader) from the node `key`.
  Verdict fromNode(const crypto::PublicKey& key, wire::Message& payload, std::uint64_t nowMs);

  /// The routes wanted, local prefixes and exceptions (RouteGen_* admin).
  RouteGen& routeGen() { return routeGen_; }
  const RouteGen& routeGen() const { return routeGen_; }
  /// Reports the routes RouteGen generates that were not reported before.
  /// Called after every address response; call it after changing routeGen().
  void commitRoutes();

  const IpTunnelCounters& counters() const { return counters_; }

 private:
  Connection* byKey(const crypto::PublicKey& key);
  Connection* byNumber(std::uint32_t number);
  util::Result<std::uint32_t> add(const crypto::PublicKey& key, bool outgoing, const Grants& grants);
  const Connection* ownerOf(std::span<const std::uint8_t> source, std::span<const std::uint8_t> destination,
                            bool v6) const;
  Verdict checkFromNode(const Connection& c, bool v6, std::span<const std::uint8_t> source,
                        std::span<const std::uint8_t> destination);
  Verdict control(const Connection& c, std::span<const std::uint8_t> packet, std::uint64_t nowMs);
  Verdict onRequest(const Connection& c, const ControlMessage& m, std::uint64_t nowMs);
  Verdict onResponse(const Connection& c, const ControlMessage& m);
  void take(Connection& c, const Grants& g);
  void pollOne(std::uint64_t nowMs);
  void sendRequest(const Connection& c, std::uint64_t nowMs);
  void sendControl(const crypto::PublicKey& to, const std::string& body, std::uint64_t nowMs);
  void reportAddress(const IpPrefix& p, const crypto::PublicKey& gateway);
  const Connection* gatewayFor(const IpPrefix& route) const;
  bool budgetLeft();

  IpTunnelHost& host_;
  IpTunnelConfig config_;
  std::vector<Connection> connections_;
  std::uint32_t nextNumber_ = 0;
  bool pollStarted_ = false;
  std::uint64_t nextPollMs_ = 0;
  std::size_t pollCursor_ = 0;
  RouteGen routeGen_;
  std::vector<IpPrefix> reportedRoutes_;
  std::size_t reported_ = 0;  // addresses and routes
  IpTunnelCounters counters_;
};

}  // namespace cjdns::iptunnel
