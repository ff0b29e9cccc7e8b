// The angel's rules for what the core may ask, and when (OpenSSH monitor
// style): a fixed table of requests, each allowed only in certain phases and
// within bounds taken from the config the angel parsed itself. Anything else
// is a protocol violation, and the angel ends the core.
//
// Pure: takes the phase, the request and the config; returns a verdict. The
// caller acts on it (performs the request, replies, or kills the core).
#pragma once

#include <cstdint>
#include <string>

#include "proto/angel.capnp.h"
#include "proto/config.capnp.h"

namespace cjdns::angel {

enum class Phase { kSpawned, kConfigured, kRunning, kStopping };
const char* name(Phase p);

/// Per-core-lifetime budgets for requests that change the host.
struct PhaseLimits {
  unsigned maxTunnelPrefixes = proto::MAX_TUNNEL_PREFIXES;  ///< addTunnelAddress + addTunnelRoute together
  unsigned maxRuntimeUdp = 8;
  std::size_t maxRelayPacket = 65535;
};

struct PhaseState {
  Phase phase = Phase::kSpawned;
  bool relayTun = false;  ///< the relay path is on (no TUN fd in the core)
  unsigned tunnelPrefixes = 0;
  unsigned runtimeUdp = 0;
};

struct Verdict {
  enum class Action { kPerform, kKillCore } action = Action::kKillCore;
  std::string reason;  ///< for kKillCore: what rule was broken (logged once)
};

/// Checks one request; on kPerform the state has moved on (phase, budgets).
/// `fdCount`: fds that came with the message (the core never sends any).
/// Reading a malformed message may throw kj::Exception; callers catch it and
/// treat it as kKillCore.
Verdict checkCoreRequest(PhaseState& state, proto::CoreToAngel::Reader req, std::size_t fdCount,
                         proto::CoreConfig::Reader config, const PhaseLimits& limits = {});

}  // namespace cjdns::angel
