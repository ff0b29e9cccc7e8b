// One admin call on the way to the core and back: its arguments parsed into
// the typed request of proto/admin.capnp (with cjdns's error strings when
// they do not parse), and the core's typed answer formatted as the reply
// dict cjdns sends (keys, value types, paging). No I/O, no state.
#pragma once

#include <cstdint>
#include <optional>
#include <string>

#include "admin/bridge/core-link.h"
#include "admin/bridge/functions.h"
#include "core/util/value.h"
#include "proto/admin.capnp.h"

namespace cjdns::admin {

/// What the bridge keeps with a request to format its answer.
struct CallContext {
  Handler handler = Handler::kNotImplemented;
  std::int64_t page = 0;   ///< paged functions
  std::string path;        ///< SwitchPinger_ping: the path text as the client wrote it
};

struct PreparedCall {
  /// Set: answer the client with this now (an argument error); nothing goes
  /// to the core. Unset: `request` was filled and must be sent.
  std::optional<util::Value> reply;
  CallContext context;
  /// cjdns answers this one later (a ping or a query to another node): the
  /// asynchronous delivery rules apply to the answer (upper.md 3.4).
  bool async = false;
  /// How long to wait for the core's answer.
  std::uint64_t waitMs = 0;
};

/// Default wait for functions the core answers at once.
inline constexpr std::uint64_t kCoreAnswerMs = 10000;
/// Extra time after a ping's own timeout before the bridge gives up on it.
inline constexpr std::uint64_t kAsyncGraceMs = 5000;
/// SwitchPinger_ping's default timeout (cjdns DEFAULT_TIMEOUT).
inline constexpr std::uint32_t kSwitchPingDefaultMs = 2000;
/// Bounds the bridge puts on a client's timeout argument.
inline constexpr std::int64_t kMaxPingTimeoutMs = 60000;

/// Parses the arguments of a core-served function (handler kNodeInfo ..
/// kCheckPermissions) into `request` (its id is left to the caller).
PreparedCall prepareCall(Handler handler, const util::Dict& args, proto::AdminToCore::Builder request);

/// The reply for the core's answer to a call made with `context`.
util::Value formatAnswer(const CallContext& context, proto::CoreToAdmin::Reader answer, const NodeInfo& self);

/// {"error": text}
util::Value errorReply(std::string text);

/// What a function we list but do not implement answers.
inline constexpr const char* kNotImplementedError = "not implemented in cjdns-cpp yet";

// Page sizes, as cjdns's handlers define them.
inline constexpr std::int64_t kPeersPerPage = 6;
inline constexpr std::int64_t kInterfacesPerPage = 6;
inline constexpr std::int64_t kNodesPerPage = 4;
inline constexpr std::int64_t kHandlesPerPage = 64;
inline constexpr std::int64_t kUsersPerPage = 16;

}  // namespace cjdns::admin
