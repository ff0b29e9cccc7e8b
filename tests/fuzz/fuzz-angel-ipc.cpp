// libFuzzer target: arbitrary bytes as a CoreToAngel datagram, checked by
// the angel's phase table in every phase, under the IPC reader limits. A
// malformed message may throw kj::Exception (the angel then ends the core);
// nothing may crash, and no verdict may allow a request out of its phase.
#include <capnp/message.h>
#include <capnp/serialize.h>
#include <kj/exception.h>

#include <cstdint>
#include <cstdlib>
#include <cstring>

#include "angel/privsep/phase-table.h"
#include "core/ipc/channel.h"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  using namespace cjdns;
  if (size < 8 || size % 8 != 0 || size > 65536) return 0;
  auto words = kj::heapArray<capnp::word>(size / 8);
  std::memcpy(words.begin(), data, size);
  capnp::MallocMessageBuilder cfgMsg;
  cfgMsg.initRoot<proto::CoreConfig>().initRouter().initIpTunnel().initOutgoingConnections(1);
  auto cfg = cfgMsg.getRoot<proto::CoreConfig>().asReader();
  ipc::Limits lim;
  capnp::ReaderOptions opts;
  opts.traversalLimitInWords = lim.traversalWords;
  opts.nestingLimit = lim.nestingLimit;
  for (auto phase : {angel::Phase::kSpawned, angel::Phase::kConfigured, angel::Phase::kRunning}) {
    kj::runCatchingExceptions([&] {
      capnp::FlatArrayMessageReader reader(kj::ArrayPtr<const capnp::word>(words.begin(), words.size()), opts);
      auto req = reader.getRoot<proto::CoreToAngel>();
      angel::PhaseState st;
      st.phase = phase;
      auto v = angel::checkCoreRequest(st, req, 0, cfg);
      bool hostChange = req.which() == proto::CoreToAngel::ADD_TUNNEL_ADDRESS ||
                        req.which() == proto::CoreToAngel::ADD_TUNNEL_ROUTE ||
                        req.which() == proto::CoreToAngel::OPEN_UDP_INTERFACE;
      if (v.action == angel::Verdict::Action::kPerform && hostChange && phase != angel::Phase::kRunning) {
        std::abort();  // a privileged request allowed before RUNNING
      }
    });
  }
  return 0;
}
