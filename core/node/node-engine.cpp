#include "core/node/node-engine.h"

#include "core/wire/endian.h"

namespace cjdns::node {

using switching::SwitchAction;
using switching::SwitchCore;

NodeEngine::NodeEngine(const crypto::PrivateKey& key, crypto::Random& rng, iface::LinkSender& link,
                       iface::PeerTimers timers)
    : peers_(key, users_, rng, switch_, *this, link, pool_, kProtocolVersion, timers) {
  responder_.version = kProtocolVersion;
  responder_.publicKey = crypto::publicKeyOf(key);
}

void NodeEngine::fromPeer(unsigned slot, wire::Message& msg, std::uint64_t nowMs) {
  dispatch(switch_.switchPacket(slot, msg), msg, nowMs);
}

void NodeEngine::dispatch(const switching::SwitchResult& r, wire::Message& msg, std::uint64_t nowMs) {
  switch (r.action) {
    case SwitchAction::kForward:
      if (r.slot == SwitchCore::kRouterSlot) {
        toRouter(msg, nowMs);
      } else {
        peers_.sendToSlot(r.slot, msg, nowMs);
      }
      break;
    case SwitchAction::kReplyError:
      // An error about a packet we originated has nowhere to go.
      if (r.slot == SwitchCore::kRouterSlot) {
        ++counters_.errorsOwnPacket;
      } else {
        peers_.sendToSlot(r.slot, msg, nowMs);
      }
      break;
    case SwitchAction::kDrop: break;  // counted by the switch
  }
}

void NodeEngine::toRouter(wire::Message& msg, std::uint64_t nowMs) {
  if (msg.length() < 16 || wire::loadBe32(msg.data() + 12) != 0xffffffffu) {
    ++counters_.dataWithoutSessions;
    return;
  }
  auto h = switching::handleControl(msg, responder_);
  switch (h.disposition) {
    case switching::ControlDisposition::kReply:
      ++counters_.controlAnswered;
      dispatch(switch_.switchPacket(SwitchCore::kRouterSlot, msg), msg, nowMs);
      break;
    case switching::ControlDisposition::kForPinger: {
      switching::ControlPacket pkt;
      if (switching::parseControlPacket(msg.bytes(), pkt) == switching::ControlParseStatus::kOk &&
          peers_.handlePong(pkt, nowMs)) {
        ++counters_.pongsMatched;
      } else {
        ++counters_.pongsUnmatched;
      }
      break;
    }
    case switching::ControlDisposition::kForPathfinder: ++counters_.errorsReceived; break;
    case switching::ControlDisposition::kDropped: ++counters_.controlDropped; break;
  }
}

}  // namespace cjdns::node
