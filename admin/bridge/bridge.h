// The cjdns admin protocol, as an I/O-free state machine (upper.md 3).
//
// Datagrams from local tools go in with their source address and the wall
// clock; replies come out through a sink; the typed requests the core must
// answer go out through a CoreLink, and the core's answers come back in
// through onCoreMessage. Everything the bridge keeps is bounded: requests
// waiting for the core (with a deadline each), and the clients allowed to
// receive asynchronous messages (30 s after their last datagram).
#pragma once

#include <cstddef>
#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <string_view>
#include <unordered_map>

#include "admin/bridge/calls.h"
#include "admin/bridge/core-link.h"
#include "core/util/value.h"
#include "proto/admin.capnp.h"

namespace cjdns::admin {

/// A client's address, opaque to the bridge (the shell uses the raw sockaddr
/// bytes). Equal addresses are the same client.
using ClientAddr = std::string;

/// Sends one reply datagram to a client.
using DatagramSink = std::function<void(const ClientAddr& to, std::string_view bytes)>;

struct BridgeLimits {
  std::size_t maxRequestBytes = 2048;     ///< cjdns Admin_MAX_REQUEST_SIZE
  std::size_t maxResponseBytes = 65536;   ///< cjdns Admin_MAX_RESPONSE_SIZE
  std::size_t maxPending = 256;           ///< requests waiting for the core
  std::size_t maxClients = 1024;          ///< clients tracked for asynchronous messages
  std::uint64_t asyncIdleMs = 30000;      ///< cjdns TIMEOUT_MILLISECONDS
  std::uint64_t sweepMs = 90000;          ///< how often idle clients are swept
};

struct BridgeCounters {
  std::uint64_t requests = 0;            ///< datagrams that decoded to a request
  std::uint64_t malformed = 0;           ///< dropped silently (bad bencode, not a dict, no q)
  std::uint64_t tooBig = 0;              ///< answered "Request too big."
  std::uint64_t authFailed = 0;
  std::uint64_t noMatch = 0;             ///< "No functions matched ..."
  std::uint64_t toCore = 0;              ///< requests sent to the core
  std::uint64_t coreSendFailed = 0;
  std::uint64_t pendingFull = 0;         ///< refused: too many requests waiting
  std::uint64_t coreTimeouts = 0;        ///< no answer before the deadline
  std::uint64_t unknownAnswers = 0;      ///< answers for ids not waiting (late or bogus): dropped
  std::uint64_t badAnswers = 0;          ///< answers that could not be read
  std::uint64_t asyncUndeliverable = 0;  ///< late answers for clients not (or no longer) allowed them
  std::uint64_t responseTooBig = 0;      ///< replies over maxResponseBytes: not sent
};

/// The literal reply to an over-long request (no txid, as cjdns).
inline constexpr std::string_view kRequestTooBig = "d5:error16:Request too big.e";
inline constexpr const char* kNoFunctionsMatched =
    "No functions matched your request, try Admin_availableFunctions()";

class Bridge {
 public:
  Bridge(NodeInfo info, CoreLink& core, DatagramSink sink, BridgeLimits limits = {});

  /// One datagram from a client, exactly as received.
  void onDatagram(const ClientAddr& from, std::string_view bytes, std::uint64_t nowUnixMs);

  /// One message from the core. Returns false if it could not be read
  /// (counted; the caller may log it). Never throws.
  bool onCoreMessage(proto::CoreToAdmin::Reader message, std::uint64_t nowUnixMs);

  /// Expires requests the core did not answer in time and idle clients.
  /// Call about once a second.
  void tick(std::uint64_t nowUnixMs);

  std::size_t pendingCount() const { return pending_.size(); }
  std::size_t clientCount() const { return clients_.size(); }
  const BridgeCounters& counters() const { return counters_; }
  const NodeInfo& info() const { return info_; }

 private:
  struct Pending {
    ClientAddr client;
    std::optional<std::string> txid;
    CallContext context;
    bool async = false;
    std::uint64_t deadlineMs = 0;
  };

  void reply(const ClientAddr& to, util::Value message, const std::optional<std::string>& txid);
  /// Records the client's datagram; returns whether it may get asynchronous
  /// messages (cjdns's asyncEnabled for this request).
  bool touchClient(const ClientAddr& from, bool authed, std::uint64_t now);
  bool asyncAllowed(const ClientAddr& client, std::uint64_t now);
  void callCore(const FunctionSpec& f, const util::Dict& args, const ClientAddr& from,
                const std::optional<std::string>& txid, std::uint64_t now);
  void cancelInCore(std::uint64_t id);

  NodeInfo info_;
  CoreLink& core_;
  DatagramSink sink_;
  BridgeLimits limits_;
  BridgeCounters counters_;
  std::unordered_map<std::uint64_t, Pending> pending_;
  std::unordered_map<ClientAddr, std::uint64_t> clients_;  ///< last datagram, unix ms
  std::uint64_t nextId_ = kHelloId + 1;
  std::uint64_t lastSweepMs_ = 0;
};

/// "Entry [name] is required and must be of type [Type]" for the first
/// required argument (in name order) that is missing or of another type;
/// nullopt when all are there. `args` may be null (no args dict).
std::optional<std::string> checkArgs(const FunctionSpec& f, const util::Dict* args);

}  // namespace cjdns::admin
