#include "admin/bridge/functions.h"

#include <string>
#include <unordered_map>

namespace cjdns::admin {
namespace {

constexpr ArgType S = ArgType::kString;
constexpr ArgType I = ArgType::kInt;
[[maybe_unused]] constexpr ArgType D = ArgType::kDict;
constexpr ArgType L = ArgType::kList;
constexpr bool kReq = true;
constexpr bool kOpt = false;
constexpr bool kAuth = true;
constexpr bool kOpen = false;

}  // namespace

std::string_view argTypeName(ArgType t) {
  switch (t) {
    case ArgType::kString: return "String";
    case ArgType::kInt: return "Int";
    case ArgType::kDict: return "Dict";
    case ArgType::kList: return "List";
  }
  return "String";
}

const std::vector<FunctionSpec>& functionTable() {
  // The order is v21.1's registration order, read off its availableFunctions
  // pages (each page is printed as a sorted dict, so the order inside a page
  // is lost and does not matter). v22 registers a few in another order and
  // lacks InterfaceController_timestampPackets; the arguments are v22's,
  // which only add the optional `version` of the two beginConnection calls.
  // clang-format off
  static const std::vector<FunctionSpec> kTable = {
      // page 0
      {"AdminLog_logMany", kAuth, {{"count", I, kReq}}, Handler::kNotImplemented},
      {"AdminLog_subscribe", kAuth, {
          {"file", S, kOpt}, {"level", S, kOpt}, {"line", I, kOpt}},
       Handler::kNotImplemented},
      {"AdminLog_subscriptions", kAuth, {}, Handler::kAdminLogSubscriptions},
      {"AdminLog_unsubscribe", kAuth, {{"streamId", S, kReq}}, Handler::kNotImplemented},
      {"Admin_asyncEnabled", kOpen, {}, Handler::kAsyncEnabled},
      {"Admin_availableFunctions", kOpen, {{"page", I, kOpt}}, Handler::kAvailableFunctions},
      {"Admin_exportFd", kAuth, {{"fd", I, kReq}}, Handler::kNotImplemented},
      {"Admin_importFd", kAuth, {}, Handler::kImportFd},
      // page 1
      {"RouteGen_addException", kAuth, {{"route", S, kReq}}, Handler::kNotImplemented},
      {"RouteGen_getExceptions", kAuth, {{"ip6", I, kOpt}, {"page", I, kOpt}}, Handler::kNotImplemented},
      {"RouteGen_getGeneratedRoutes", kAuth, {{"ip6", I, kOpt}, {"page", I, kOpt}}, Handler::kNotImplemented},
      {"RouteGen_getLocalPrefixes", kAuth, {{"ip6", I, kOpt}, {"page", I, kOpt}}, Handler::kNotImplemented},
      {"RouteGen_getPrefixes", kAuth, {{"ip6", I, kOpt}, {"page", I, kOpt}}, Handler::kNotImplemented},
      {"UpperDistributor_listHandlers", kAuth, {{"page", I, kOpt}}, Handler::kNotImplemented},
      {"UpperDistributor_registerHandler", kAuth, {
          {"contentType", I, kReq}, {"udpPort", I, kReq}},
       Handler::kNotImplemented},
      {"UpperDistributor_unregisterHandler", kAuth, {{"udpPort", I, kReq}}, Handler::kNotImplemented},
      // page 2
      {"InterfaceController_interfaces", kAuth, {{"page", I, kOpt}}, Handler::kInterfaces},
      {"InterfaceController_peerStats", kOpen, {{"page", I, kOpt}}, Handler::kPeerStats},
      {"RouteGen_addLocalPrefix", kAuth, {{"route", S, kReq}}, Handler::kNotImplemented},
      {"RouteGen_addPrefix", kAuth, {{"route", S, kReq}}, Handler::kNotImplemented},
      {"RouteGen_commit", kAuth, {{"tunName", S, kReq}}, Handler::kNotImplemented},
      {"RouteGen_removeException", kAuth, {{"route", S, kReq}}, Handler::kNotImplemented},
      {"RouteGen_removeLocalPrefix", kAuth, {{"route", S, kReq}}, Handler::kNotImplemented},
      {"RouteGen_removePrefix", kAuth, {{"route", S, kReq}}, Handler::kNotImplemented},
      // page 3
      {"InterfaceController_disconnectPeer", kAuth, {{"pubkey", S, kReq}}, Handler::kDisconnectPeer},
      {"InterfaceController_resetPeering", kAuth, {{"pubkey", S, kOpt}}, Handler::kResetPeering},
      {"InterfaceController_timestampPackets", kAuth, {{"enable", I, kOpt}}, Handler::kNotImplemented},
      {"SwitchPinger_ping", kAuth, {
          {"data", S, kOpt}, {"keyPing", I, kOpt}, {"path", S, kReq}, {"timeout", I, kOpt}},
       Handler::kSwitchPing},
      {"UDPInterface_beginConnection", kAuth, {
          {"address", S, kReq}, {"interfaceNumber", I, kOpt}, {"login", S, kOpt}, {"password", S, kOpt},
          {"peerName", S, kOpt}, {"publicKey", S, kReq}, {"version", I, kOpt}},
       Handler::kUdpBeginConnection},
      {"UDPInterface_listDevices", kAuth, {}, Handler::kNotImplemented},
      {"UDPInterface_new", kAuth, {
          {"beaconPort", I, kOpt}, {"bindAddress", S, kOpt}, {"dscp", I, kOpt}},
       Handler::kUdpNew},
      {"UDPInterface_setBroadcastDevices", kAuth, {
          {"devices", L, kReq}, {"interfaceNumber", I, kOpt}},
       Handler::kNotImplemented},
      // page 4
      {"ETHInterface_beacon", kAuth, {{"interfaceNumber", I, kOpt}, {"state", I, kOpt}}, Handler::kNotImplemented},
      {"ETHInterface_beginConnection", kAuth, {
          {"interfaceNumber", I, kOpt}, {"login", S, kOpt}, {"macAddress", S, kReq}, {"password", S, kOpt},
          {"peerName", S, kOpt}, {"publicKey", S, kReq}, {"version", I, kOpt}},
       Handler::kNotImplemented},
      {"ETHInterface_listDevices", kAuth, {}, Handler::kNotImplemented},
      {"ETHInterface_new", kAuth, {{"bindDevice", S, kReq}}, Handler::kNotImplemented},
      {"UDPInterface_beacon", kAuth, {{"interfaceNumber", I, kOpt}, {"state", I, kOpt}}, Handler::kNotImplemented},
      {"UDPInterface_getBroadcastAddrs", kAuth, {{"interfaceNumber", I, kOpt}}, Handler::kNotImplemented},
      {"UDPInterface_getBroadcastDevices", kAuth, {{"interfaceNumber", I, kOpt}}, Handler::kNotImplemented},
      {"UDPInterface_getFd", kAuth, {{"interfaceNumber", I, kOpt}}, Handler::kNotImplemented},
      // page 5
      {"AuthorizedPasswords_add", kAuth, {
          {"ipv6", S, kOpt}, {"password", S, kReq}, {"user", S, kOpt}},
       Handler::kPasswordAdd},
      {"AuthorizedPasswords_list", kAuth, {{"page", I, kOpt}}, Handler::kPasswordList},
      {"AuthorizedPasswords_remove", kAuth, {{"user", S, kReq}}, Handler::kPasswordRemove},
      {"ReachabilityCollector_getPeerInfo", kAuth, {{"page", I, kReq}}, Handler::kNotImplemented},
      {"SupernodeHunter_addSnode", kAuth, {{"key", S, kReq}}, Handler::kNotImplemented},
      {"SupernodeHunter_listSnodes", kOpen, {{"page", I, kOpt}}, Handler::kNotImplemented},
      {"SupernodeHunter_removeSnode", kAuth, {{"key", S, kReq}}, Handler::kNotImplemented},
      {"SupernodeHunter_status", kOpen, {}, Handler::kSnodeStatus},
      // page 6
      {"Security_chroot", kAuth, {{"root", S, kReq}}, Handler::kNotImplemented},
      {"Security_getUser", kAuth, {{"user", S, kOpt}}, Handler::kNotImplemented},
      {"Security_nofiles", kAuth, {}, Handler::kNotImplemented},
      {"Security_noforks", kAuth, {}, Handler::kNotImplemented},
      {"Security_seccomp", kAuth, {}, Handler::kNotImplemented},
      {"Security_setUser", kAuth, {
          {"gid", I, kOpt}, {"keepNetAdmin", I, kReq}, {"uid", I, kReq}},
       Handler::kNotImplemented},
      {"Security_setupComplete", kAuth, {}, Handler::kNotImplemented},
      {"ping", kOpen, {}, Handler::kPing},
      // page 7
      {"IpTunnel_allowConnection", kAuth, {
          {"ip4Address", S, kOpt}, {"ip4Alloc", I, kOpt}, {"ip4Prefix", I, kOpt}, {"ip6Address", S, kOpt},
          {"ip6Alloc", I, kOpt}, {"ip6Prefix", I, kOpt}, {"publicKeyOfAuthorizedNode", S, kReq}},
       Handler::kNotImplemented},
      {"IpTunnel_connectTo", kAuth, {{"publicKeyOfNodeToConnectTo", S, kReq}}, Handler::kNotImplemented},
      {"IpTunnel_listConnections", kAuth, {}, Handler::kNotImplemented},
      {"IpTunnel_removeConnection", kAuth, {{"connection", I, kReq}}, Handler::kNotImplemented},
      {"IpTunnel_showConnection", kAuth, {{"connection", I, kReq}}, Handler::kNotImplemented},
      {"Security_checkPermissions", kAuth, {}, Handler::kCheckPermissions},
      {"SessionManager_getHandles", kAuth, {{"page", I, kOpt}}, Handler::kGetHandles},
      {"SessionManager_sessionStats", kAuth, {{"handle", I, kReq}}, Handler::kSessionStats},
      // page 8
      {"Allocator_bytesAllocated", kAuth, {}, Handler::kMemory},
      {"Allocator_snapshot", kAuth, {{"includeAllocations", I, kOpt}}, Handler::kNotImplemented},
      {"Core_exit", kAuth, {}, Handler::kExit},
      {"Core_pid", kOpen, {}, Handler::kCorePid},
      {"SessionManager_resetCA", kAuth, {{"ip6", S, kReq}}, Handler::kResetSession},
      {"SessionManager_sessionStatsByIP", kAuth, {{"ip6", S, kReq}}, Handler::kSessionStatsByIp},
      {"Sign_checkSig", kOpen, {{"msgHash", S, kReq}, {"signature", S, kReq}}, Handler::kNotImplemented},
      {"Sign_sign", kAuth, {{"msgHash", S, kReq}}, Handler::kNotImplemented},
      // page 9
      {"Core_initSocket", kAuth, {
          {"socketAttemptToCreate", I, kOpt}, {"socketFullPath", S, kReq}},
       Handler::kNotImplemented},
      {"Core_initTunfd", kAuth, {{"tunfd", I, kReq}, {"type", I, kOpt}}, Handler::kNotImplemented},
      {"Core_initTunnel", kAuth, {{"desiredTunName", S, kOpt}}, Handler::kNotImplemented},
      {"Core_nodeInfo", kOpen, {}, Handler::kNodeInfo},
      {"Core_stopTun", kAuth, {}, Handler::kNotImplemented},
      {"NodeStore_dumpTable", kOpen, {{"page", I, kReq}}, Handler::kDumpTable},
      {"NodeStore_getLink", kOpen, {{"linkNum", I, kReq}, {"parent", S, kOpt}}, Handler::kNotImplemented},
      {"NodeStore_nodeForAddr", kOpen, {{"ip", S, kOpt}}, Handler::kNodeForAddr},
      // page 10
      {"NodeStore_getFullVerify", kOpen, {}, Handler::kNotImplemented},
      {"NodeStore_getRouteLabel", kAuth, {
          {"pathParentToChild", S, kReq}, {"pathToParent", S, kReq}},
       Handler::kNotImplemented},
      {"NodeStore_setFullVerify", kAuth, {{"fullVerify", I, kReq}}, Handler::kNotImplemented},
      {"RouterModule_findNode", kAuth, {
          {"nodeToQuery", S, kReq}, {"target", S, kReq}, {"timeout", I, kOpt}},
       Handler::kRouterFindNode},
      {"RouterModule_getPeers", kAuth, {
          {"nearbyPath", S, kOpt}, {"path", S, kReq}, {"timeout", I, kOpt}},
       Handler::kRouterGetPeers},
      {"RouterModule_lookup", kAuth, {{"address", S, kReq}}, Handler::kRouterLookup},
      {"RouterModule_nextHop", kAuth, {
          {"nodeToQuery", S, kReq}, {"target", S, kReq}, {"timeout", I, kOpt}},
       Handler::kRouterNextHop},
      {"RouterModule_pingNode", kAuth, {{"path", S, kReq}, {"timeout", I, kOpt}}, Handler::kRouterPing},
      // page 11
      {"Janitor_dumpRumorMill", kAuth, {{"mill", S, kReq}, {"page", I, kReq}}, Handler::kNotImplemented},
      {"SearchRunner_search", kAuth, {{"ipv6", S, kReq}, {"maxRequests", I, kOpt}}, Handler::kNotImplemented},
      {"SearchRunner_showActiveSearch", kAuth, {{"number", I, kReq}}, Handler::kNotImplemented},
  };
  // clang-format on
  return kTable;
}

const FunctionSpec* findFunction(std::string_view name) {
  static const std::unordered_map<std::string_view, const FunctionSpec*> kByName = [] {
    std::unordered_map<std::string_view, const FunctionSpec*> m;
    for (const FunctionSpec& f : functionTable()) m.emplace(f.name, &f);
    return m;
  }();
  auto it = kByName.find(name);
  return it == kByName.end() ? nullptr : it->second;
}

util::Value availableFunctionsPage(std::int64_t page) {
  const auto& table = functionTable();
  const auto total = static_cast<std::int64_t>(table.size());
  util::Dict functions;
  std::int64_t count = 0;
  if (page >= 0 && page <= total / kFunctionsPerPage) {
    for (std::int64_t i = page * kFunctionsPerPage; i < total && count < kFunctionsPerPage; ++i, ++count) {
      const FunctionSpec& f = table[static_cast<std::size_t>(i)];
      util::Dict args;
      for (const ArgSpec& a : f.args) {
        util::Dict spec;
        spec.add("required", util::Value(std::int64_t{a.required ? 1 : 0}));
        spec.add("type", util::Value(std::string(argTypeName(a.type))));
        args.add(std::string(a.name), util::Value(std::move(spec)));
      }
      functions.add(std::string(f.name), util::Value(std::move(args)));
    }
  }
  util::Dict out;
  out.add("availableFunctions", util::Value(std::move(functions)));
  if (count >= kFunctionsPerPage) out.add("more", util::Value(std::int64_t{1}));
  return util::Value(std::move(out));
}

}  // namespace cjdns::admin
