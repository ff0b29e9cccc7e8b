// NodeEngine: one cjdns node without I/O. It owns the switch, the peer
// controller and the control-message responder, and routes packets between
// them; the process shell feeds it datagrams and time, and a LinkSender
// carries what it sends. A simulation can run many engines in one process.
#pragma once

#include <cstdint>

#include "core/crypto/crypto-auth-users.h"
#include "core/crypto/keys.h"
#include "core/crypto/random.h"
#include "core/iface/peer-controller.h"
#include "core/switch/control-responder.h"
#include "core/switch/switch-core.h"
#include "core/wire/message.h"

namespace cjdns::node {

/// The protocol version we claim. 21 until the v22 Noise link exists (wire.md 18).
inline constexpr std::uint32_t kProtocolVersion = 21;

struct RouterCounters {
  std::uint64_t controlAnswered = 0;
  std::uint64_t pongsMatched = 0;
  std::uint64_t pongsUnmatched = 0;
  std::uint64_t errorsReceived = 0;
  std::uint64_t controlDropped = 0;
  std::uint64_t dataWithoutSessions = 0;  ///< end-to-end traffic: no session manager yet
  std::uint64_t errorsOwnPacket = 0;      ///< the switch refused a packet we originated
};

class NodeEngine final : public iface::SwitchPort {
 public:
  NodeEngine(const crypto::PrivateKey& key, crypto::Random& rng, iface::LinkSender& link,
             iface::PeerTimers timers = {});

  crypto::CryptoAuthUsers& users() { return users_; }
  iface::PeerController& peers() { return peers_; }
  const switching::SwitchCore& switchCore() const { return switch_; }
  const RouterCounters& routerCounters() const { return counters_; }
  wire::MessagePool& pool() { return pool_; }
  const crypto::PublicKey& publicKey() const { return responder_.publicKey; }

  void receiveFromLink(unsigned linkIface, const iface::LinkAddress& from, wire::Message& msg, std::uint64_t nowMs) {
    peers_.receiveFromLink(linkIface, from, msg, nowMs);
  }
  void tick(std::uint64_t nowMs) { peers_.tick(nowMs); }

  // iface::SwitchPort
  void fromPeer(unsigned slot, wire::Message& msg, std::uint64_t nowMs) override;

 private:
  void dispatch(const switching::SwitchResult& r, wire::Message& msg, std::uint64_t nowMs);
  void toRouter(wire::Message& msg, std::uint64_t nowMs);

  wire::MessagePool pool_;
  crypto::CryptoAuthUsers users_;
  switching::SwitchCore switch_;
  switching::ControlResponder responder_;
  iface::PeerController peers_;
  RouterCounters counters_;
};

}  // namespace cjdns::node
