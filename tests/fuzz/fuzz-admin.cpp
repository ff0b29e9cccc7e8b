// libFuzzer target: the admin bridge (admin/bridge). The first byte picks
// what the rest is:
//  - even: one datagram from a local tool, given to a bridge whose password
//    is NONE (so every function's argument parsing is reached) and to one
//    with a password (auth and dispatch); the fake core answers;
//  - odd: the core's answer. A batch of requests is left waiting, then the
//    bytes are read as a CoreToAdmin message (ids are small integers, so
//    the fuzzer finds them) and given to the bridge.
// Nothing may crash, every reply must be one bencoded dict of at most
// 64 KiB, and the bridge's waiting list must stay within its bound.
#include <capnp/message.h>
#include <capnp/serialize.h>
#include <kj/exception.h>

#include <cstdint>
#include <cstdlib>
#include <cstring>
#include <string>

#include "admin/bridge/bridge.h"
#include "admin/bridge/fake-core.h"
#include "core/wire/bencode.h"

namespace {

using namespace cjdns;
using namespace cjdns::admin;

const testing::FakeState& baseState() {
  static const testing::FakeState s = testing::defaultState();
  return s;
}

struct Rig {
  testing::FakeCore core;
  Bridge bridge;
  std::uint64_t now = 1753274285ull * 1024;

  explicit Rig(std::string password)
      : core(withPassword(std::move(password))),
        bridge(core.info(), core, [](const ClientAddr&, std::string_view bytes) { checkReply(bytes); }) {}

  static testing::FakeState withPassword(std::string pw) {
    testing::FakeState s = baseState();
    s.password = std::move(pw);
    return s;
  }

  static void checkReply(std::string_view bytes) {
    if (bytes.size() > 65536) std::abort();
    auto v = wire::bencodeDecode(bytes);
    if (!v.ok() || !v.value().isDict()) std::abort();
  }
};

std::string req(const char* q, const std::string& args) {
  return std::string("d1:q") + std::to_string(std::strlen(q)) + ":" + q + "4:argsd" + args + "ee";
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  if (size == 0 || size > 8192) return 0;
  const std::string_view rest(reinterpret_cast<const char*>(data) + 1, size - 1);
  if ((data[0] & 1) == 0) {
    for (const char* pw : {"NONE", "pw"}) {
      Rig rig(pw);
      rig.bridge.onDatagram("fuzz", rest, rig.now);
      rig.core.pump(rig.bridge, rig.now);
      rig.bridge.tick(rig.now + 120000);
      if (rig.bridge.pendingCount() != 0) std::abort();
    }
    return 0;
  }
  Rig rig("NONE");
  rig.core.answer = false;
  const std::string label = "4:path19:0000.0000.0000.0013";
  for (const std::string& r :
       {req("InterfaceController_peerStats", ""), req("InterfaceController_interfaces", ""),
        req("NodeStore_dumpTable", "4:pagei0e"), req("NodeStore_nodeForAddr", ""),
        req("SessionManager_getHandles", ""), req("SessionManager_sessionStats", "6:handlei1e"),
        req("AuthorizedPasswords_list", ""), req("SwitchPinger_ping", label),
        req("RouterModule_pingNode", label), req("RouterModule_getPeers", label),
        req("RouterModule_lookup", "7:address39:fc00:0000:0000:0000:0000:0000:0000:0001"), req("UDPInterface_new", ""),
        req("Allocator_bytesAllocated", ""), req("Security_checkPermissions", ""), req("Core_nodeInfo", ""),
        req("InterfaceController_disconnectPeer", ""), req("Core_exit", "")}) {
    rig.bridge.onDatagram("fuzz", r, rig.now);
  }
  if (rest.size() < 8) return 0;
  auto words = kj::heapArray<capnp::word>(rest.size() / 8);
  std::memcpy(words.begin(), rest.data(), words.size() * 8);
  capnp::ReaderOptions opts;
  opts.traversalLimitInWords = 8 * 1024;
  opts.nestingLimit = 16;
  kj::runCatchingExceptions([&] {
    capnp::FlatArrayMessageReader reader(kj::ArrayPtr<const capnp::word>(words.begin(), words.size()), opts);
    rig.bridge.onCoreMessage(reader.getRoot<proto::CoreToAdmin>(), rig.now);
  });
  rig.bridge.tick(rig.now + 120000);
  if (rig.bridge.pendingCount() != 0) std::abort();
  return 0;
}
