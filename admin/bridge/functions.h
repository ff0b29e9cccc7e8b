// The admin function table: every function real cjdns (v21.1, v22) lists in
// Admin_availableFunctions, with its auth flag and argument specs exactly as
// registered there, in the same order (so that the 8-entry pages hold the
// same names), and which of our handlers serves it.
//
// Sources: the Admin_availableFunctions pages captured from v21.1 and v22
// (vectors/admin/functions-v21.1-vs-v22.json) and the auth probe of the
// transcripts; for functions the probe did not call, the needsAuth flag of
// their registration in cjdns.
#pragma once

#include <cstdint>
#include <string_view>
#include <vector>

#include "core/util/value.h"

namespace cjdns::admin {

enum class ArgType { kString, kInt, kDict, kList };

/// "String", "Int", "Dict", "List": as availableFunctions and the
/// "Entry [x] is required and must be of type [T]" error spell them.
std::string_view argTypeName(ArgType t);

struct ArgSpec {
  std::string_view name;
  ArgType type;
  bool required;
};

/// What serves a function. kNotImplemented answers an honest error.
enum class Handler {
  kNotImplemented,
  // answered by the bridge itself
  kPing,
  kAsyncEnabled,
  kAvailableFunctions,
  kCorePid,
  kImportFd,
  kAdminLogSubscriptions,
  kSnodeStatus,
  // answered by the core (proto/admin.capnp)
  kNodeInfo,
  kExit,
  kPeerStats,
  kInterfaces,
  kDisconnectPeer,
  kResetPeering,
  kDumpTable,
  kNodeForAddr,
  kGetHandles,
  kSessionStats,
  kSessionStatsByIp,
  kResetSession,
  kPasswordAdd,
  kPasswordRemove,
  kPasswordList,
  kSwitchPing,
  kRouterPing,
  kRouterGetPeers,
  kRouterFindNode,
  kRouterNextHop,
  kRouterLookup,
  kUdpNew,
  kUdpBeginConnection,
  kMemory,
  kCheckPermissions,
};

struct FunctionSpec {
  std::string_view name;
  bool needsAuth;
  std::vector<ArgSpec> args;  ///< sorted by name (cjdns keeps them in a sorted dict)
  Handler handler;
};

/// Every listed function, in registration order.
const std::vector<FunctionSpec>& functionTable();

/// The entry with this exact name, or nullptr.
const FunctionSpec* findFunction(std::string_view name);

/// Functions per Admin_availableFunctions page.
inline constexpr std::int64_t kFunctionsPerPage = 8;

/// The Admin_availableFunctions reply for a page: {availableFunctions: {...}}
/// plus more: 1 when the page is full (the next one may be empty). A page
/// out of range (or negative) gives an empty dict, never an error.
util::Value availableFunctionsPage(std::int64_t page);

}  // namespace cjdns::admin
