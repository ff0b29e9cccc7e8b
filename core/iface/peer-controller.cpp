#include "core/iface/peer-controller.h"

#include <algorithm>
#include <cstring>

#include "core/wire/endian.h"

namespace cjdns::iface {

using crypto::DecryptError;

const char* name(PeerState state) {
  switch (state) {
    case PeerState::kIncompatible: return "INCOMPATIBLE";
    case PeerState::kUnauthenticated: return "UNAUTHENTICATED";
    case PeerState::kUnresponsive: return "UNRESPONSIVE";
    case PeerState::kInit: return "INIT";
    case PeerState::kSentHello: return "SENT_HELLO";
    case PeerState::kReceivedHello: return "RECEIVED_HELLO";
    case PeerState::kSentKey: return "SENT_KEY";
    case PeerState::kReceivedKey: return "RECEIVED_KEY";
    case PeerState::kEstablished: return "ESTABLISHED";
  }
  return "UNKNOWN";
}

/// Everything the controller knows about one peer. Times are signed so that
/// "long ago" (now - pingAfter - 1 at creation) works from time zero in tests.
struct PeerController::Peer {
  unsigned iface = 0;
  LinkAddress addr;
  std::unique_ptr<crypto::CryptoAuthSession> session;
  unsigned slot = 0;
  std::uint64_t label = 0;
  bool incoming = false;
  std::string user;
  std::uint32_t version = 0;
  bool authenticated = false;  // at least one packet decrypted
  bool incompatible = false;
  bool unresponsive = false;
  std::int64_t lastMessageMs = 0;
  std::int64_t lastPingMs = 0;
  bool pinged = false;
  bool pingOutstanding = false;
  std::array<std::uint8_t, 12> pingData{};  // [slot 4 BE][random cookie 8]
  std::uint32_t filteredSincePing = 0;
  bool keyAnswered = false;  // our first packet under the peer's Key went out
  PeerCounters counters;
  mutable RateWindow recvRate;  // advanced by reads too (peers(nowMs))
  mutable RateWindow sendRate;
};

PeerController::PeerController(const crypto::PrivateKey& ourKey, const crypto::CryptoAuthUsers& users,
                               crypto::Random& rng, switching::SwitchCore& sw, SwitchPort& port, LinkSender& link,
                               wire::MessagePool& pool, std::uint32_t ourVersion, PeerTimers timers)
    : ourKey_(ourKey),
      ourPublicKey_(crypto::publicKeyOf(ourKey)),
      users_(users),
      rng_(rng),
      switch_(sw),
      port_(port),
      link_(link),
      pool_(pool),
      ourVersion_(ourVersion),
      timers_(timers) {}

PeerController::~PeerController() = default;

unsigned PeerController::addLinkInterface(std::string name) {
  links_.push_back(LinkIface{std::move(name), 0});
  return static_cast<unsigned>(links_.size() - 1);
}

PeerController::Peer* PeerController::find(unsigned iface, const LinkAddress& addr) {
  auto it = peers_.find(Key{iface, addr});
  return it == peers_.end() ? nullptr : it->second.get();
}

PeerController::Peer* PeerController::createPeer(unsigned iface, const LinkAddress& addr,
                                                 std::unique_ptr<crypto::CryptoAuthSession> session,
                                                 bool incoming, std::uint64_t nowMs) {
  auto slot = switch_.addInterface();
  if (!slot) {
    ++counters_.noFreeSlot;
    return nullptr;
  }
  auto p = std::make_unique<Peer>();
  p->iface = iface;
  p->addr = addr;
  p->session = std::move(session);
  p->slot = *slot;
  p->label = switching::SwitchCore::labelForSlot(*slot);
  p->incoming = incoming;
  // "Lazy" from the start, so the first cycle pings it (as cjdns does).
  p->lastMessageMs = static_cast<std::int64_t>(nowMs) - static_cast<std::int64_t>(timers_.pingAfter) - 1;
  Peer* raw = p.get();
  bySlot_[*slot] = raw;
  peers_[Key{iface, addr}] = std::move(p);
  return raw;
}

void PeerController::removePeer(Peer* p) {
  switch_.removeInterface(p->slot);
  bySlot_[p->slot] = nullptr;
  peers_.erase(Key{p->iface, p->addr});
}

bool PeerController::disconnect(unsigned linkIface, const LinkAddress& address) {
  Peer* p = find(linkIface, address);
  if (p == nullptr) return false;
  removePeer(p);
  return true;
}

PeerController::ConnectResult PeerController::beginConnection(unsigned linkIface, const LinkAddress& address,
                                                              const crypto::PublicKey& key, const Credentials& creds,
                                                              std::uint64_t nowMs) {
  if (linkIface >= links_.size()) return ConnectResult::kNoSuchInterface;
  if (!crypto::isValidAddress(crypto::addressOf(key))) return ConnectResult::kBadKey;
  if (key == ourPublicKey_) return ConnectResult::kOwnKey;
  Peer* p = find(linkIface, address);
  if (p != nullptr && p->session->herPublicKey() == key) {
    p->session->setAuth(creds.password, creds.login);
    p->user = creds.peerName;
    p->version = creds.version;
    return ConnectResult::kUpdated;
  }
  if (p != nullptr) removePeer(p);
  auto session = std::make_unique<crypto::CryptoAuthSession>(ourKey_, key, false, &users_, rng_);
  session->setAuth(creds.password, creds.login);
  p = createPeer(linkIface, address, std::move(session), creds.forgetWhenSilent, nowMs);
  if (p == nullptr) return ConnectResult::kNoFreeSlot;
  p->user = creds.peerName;
  p->version = creds.version;
  sendPing(*p, nowMs);  // crypto starts when there is something to send
  return ConnectResult::kOk;
}

void PeerController::countDecryptError(Peer* p, DecryptError e) {
  auto i = static_cast<std::size_t>(e);
  if (i < counters_.decryptErrors.size()) ++counters_.decryptErrors[i];
  if (p != nullptr) ++p->counters.decryptErrors;
}

PeerController::Peer* PeerController::acceptNewPeer(unsigned iface, const LinkAddress& from, wire::Message& msg,
                                                    std::uint64_t nowMs) {
  // Only a legacy Hello may create state (wire.md 8.2); everything else from
  // an unknown address is dropped without an answer.
  if (msg.length() < 4 || wire::loadBe32(msg.data()) > 1) {
    ++counters_.unknownNotHello;
    return nullptr;
  }
  if (!takeHelloToken(nowMs)) {
    ++counters_.unknownRateLimited;
    return nullptr;
  }
  auto key = crypto::handshakePermanentKey(msg.bytes());
  if (!key || *key == ourPublicKey_ || !crypto::isValidAddress(crypto::addressOf(*key))) {
    ++counters_.unknownBadKey;
    return nullptr;
  }
  auto session = std::make_unique<crypto::CryptoAuthSession>(ourKey_, *key, true, &users_, rng_);
  DecryptError e = session->decrypt(msg, nowMs);
  if (e != DecryptError::kNone) {
    ++counters_.handshakeRefused;
    countDecryptError(nullptr, e);
    return nullptr;
  }
  const auto* user = session->authenticatedUser();
  Peer* p = createPeer(iface, from, std::move(session), true, nowMs);
  if (p == nullptr) return nullptr;
  if (user != nullptr) p->user = user->displayName.empty() ? user->login : user->displayName;
  return p;
}

bool PeerController::takeHelloToken(std::uint64_t nowMs) {
  const double rate = timers_.unknownHellosPerSecond;
  if (!helloBucketStarted_) {
    helloBucketStarted_ = true;
    helloTokens_ = rate;
    helloRefillMs_ = nowMs;
  } else if (nowMs > helloRefillMs_) {
    helloTokens_ = std::min(rate, helloTokens_ + rate * static_cast<double>(nowMs - helloRefillMs_) / 1000.0);
    helloRefillMs_ = nowMs;
  }
  if (helloTokens_ < 1.0) return false;
  helloTokens_ -= 1.0;
  return true;
}

void PeerController::receiveFromLink(unsigned linkIface, const LinkAddress& from, wire::Message& msg,
                                     std::uint64_t nowMs) {
  const std::size_t length = msg.length();
  Peer* p = find(linkIface, from);
  if (p == nullptr) {
    p = acceptNewPeer(linkIface, from, msg, nowMs);
    if (p == nullptr) return;
    p->counters.bytesIn += length;
    ++p->counters.packetsIn;
    p->recvRate.add(nowMs, length);
    afterDecrypt(*p, msg, nowMs);
    if (find(linkIface, from) == p) sendPing(*p, nowMs);  // learn its version
    return;
  }
  p->session->resetIfTimeout(nowMs);
  DecryptError e = p->session->decrypt(msg, nowMs);
  if (e != DecryptError::kNone) {
    countDecryptError(p, e);
    return;
  }
  p->counters.bytesIn += length;
  ++p->counters.packetsIn;
  p->recvRate.add(nowMs, length);
  // We sent the Hello and now hold the peer's Key: the handshake completes
  // with our first packet under it, so send one now rather than at the next
  // keepalive (seconds away). Once per handshake.
  if (p->session->state() != crypto::CryptoAuthState::kReceivedKey) {
    p->keyAnswered = false;
  } else if (!p->keyAnswered) {
    p->keyAnswered = true;
    sendPing(*p, nowMs);
  }
  afterDecrypt(*p, msg, nowMs);
}

void PeerController::afterDecrypt(Peer& p, wire::Message& msg, std::uint64_t nowMs) {
  p.authenticated = true;
  if (p.session->established()) {
    p.lastMessageMs = static_cast<std::int64_t>(nowMs);
    p.unresponsive = false;
  } else if (msg.length() < 12 || msg.data()[7] != 0x01) {
    // Not proven yet: only packets for our own router pass (wire.md 8.4),
    // and the peer gets pinged on most of these so that it proves itself.
    ++p.counters.filteredBeforeEstablished;
    if (++p.filteredSincePing % 7 != 0) sendPing(p, nowMs);
    return;
  }
  port_.fromPeer(p.slot, msg, nowMs);
}

void PeerController::sendToSlot(unsigned slot, wire::Message& msg, std::uint64_t nowMs) {
  Peer* p = slot < bySlot_.size() ? bySlot_[slot] : nullptr;
  if (p == nullptr) {
    ++counters_.noSuchSlot;
    return;
  }
  // Until the link is established, only what is addressed to the peer itself.
  if (!p->session->established() && (msg.length() < 12 || msg.data()[7] != 0x01)) {
    ++p->counters.filteredBeforeEstablished;
    return;
  }
  if (!p->session->encrypt(msg, nowMs) || !link_.sendOnLink(p->iface, p->addr, msg)) {
    ++p->counters.sendFailures;
    return;
  }
  p->counters.bytesOut += msg.length();
  ++p->counters.packetsOut;
  p->sendRate.add(nowMs, msg.length());
}

void PeerController::sendPing(Peer& p, std::uint64_t nowMs) {
  auto m = pool_.acquire();
  wire::storeBe32(p.pingData.data(), p.slot);
  rng_.fill(std::span(p.pingData).subspan(4));
  if (!switching::buildPing(*m, p.label, ourVersion_, p.pingData)) return;
  p.pinged = true;
  p.pingOutstanding = true;
  p.lastPingMs = static_cast<std::int64_t>(nowMs);
  p.filteredSincePing = 0;
  auto r = switch_.switchPacket(switching::SwitchCore::kRouterSlot, *m);
  if (r.action == switching::SwitchAction::kForward && r.slot == p.slot) sendToSlot(r.slot, *m, nowMs);
}

bool PeerController::handlePong(const switching::ControlPacket& pong, std::uint64_t nowMs) {
  const auto* body = std::get_if<switching::PingBody>(&pong.message.body);
  if (body == nullptr || body->data.size() != 12) return false;
  std::uint32_t slot = wire::loadBe32(body->data.data());
  Peer* p = slot < bySlot_.size() ? bySlot_[slot] : nullptr;
  if (p == nullptr || !p->pingOutstanding) return false;
  auto check = switching::checkPong(pong, p->label, p->pingData);
  if (check == switching::PongCheck::kNotAPong || check == switching::PongCheck::kWrongData) return false;
  p->pingOutstanding = false;
  (void)nowMs;
  if (check != switching::PongCheck::kMatch) {
    p->incompatible = true;  // wrong path back, or too old
    return true;
  }
  p->version = pong.message.version();
  return true;
}

bool PeerController::pingCycleVisit(Peer& p, std::uint64_t nowMs) {
  const auto now = static_cast<std::int64_t>(nowMs);
  if (p.incompatible) return false;
  if (p.pingOutstanding && now - p.lastPingMs > static_cast<std::int64_t>(timers_.pingTimeout)) {
    p.pingOutstanding = false;
  }
  const std::int64_t silent = now - p.lastMessageMs;
  if (p.version != 0 && silent < static_cast<std::int64_t>(timers_.pingAfter)) return false;
  if (p.pinged && now - p.lastPingMs < static_cast<std::int64_t>(timers_.pingAfter)) return false;
  if (silent > static_cast<std::int64_t>(timers_.unresponsiveAfter)) {
    p.unresponsive = true;
    if (cycles_ % 8 != 0) return false;  // an unresponsive peer gets 1 ping in 8 cycles
  }
  sendPing(p, nowMs);
  return true;
}

void PeerController::tick(std::uint64_t nowMs) {
  ++cycles_;
  const auto now = static_cast<std::int64_t>(nowMs);
  std::vector<Peer*> forget;
  for (unsigned iface = 0; iface < links_.size(); ++iface) {
    std::vector<Peer*> onLink;
    for (Peer* p : bySlot_) {
      if (p != nullptr && p->iface == iface) onLink.push_back(p);
    }
    for (Peer* p : onLink) {
      if (p->incoming && now - p->lastMessageMs > static_cast<std::int64_t>(timers_.forgetAfter)) forget.push_back(p);
    }
    if (onLink.empty()) continue;
    LinkIface& link = links_[iface];
    for (std::size_t k = 0; k < onLink.size(); ++k) {
      std::size_t i = (link.nextPing + k) % onLink.size();
      if (std::find(forget.begin(), forget.end(), onLink[i]) != forget.end()) continue;
      if (pingCycleVisit(*onLink[i], nowMs)) {  // at most one ping per link per cycle
        link.nextPing = i + 1;
        break;
      }
    }
  }
  for (Peer* p : forget) removePeer(p);
}

PeerInfo PeerController::info(const Peer& p) const {
  PeerInfo i;
  i.linkIface = p.iface;
  i.address = p.addr;
  i.publicKey = p.session->herPublicKey();
  i.label = p.label;
  i.version = p.version;
  i.incoming = p.incoming;
  i.user = p.user;
  i.lastMessageMs = p.lastMessageMs < 0 ? 0 : static_cast<std::uint64_t>(p.lastMessageMs);
  i.counters = p.counters;
  i.replay = p.session->replayStats();
  if (p.incompatible) {
    i.state = PeerState::kIncompatible;
  } else if (p.unresponsive) {
    i.state = PeerState::kUnresponsive;
  } else if (!p.authenticated) {
    i.state = PeerState::kUnauthenticated;
  } else {
    i.state = static_cast<PeerState>(static_cast<int>(p.session->state()));
  }
  return i;
}

std::vector<PeerInfo> PeerController::peers() const {
  std::vector<PeerInfo> out;
  for (const Peer* p : bySlot_) {
    if (p != nullptr) out.push_back(info(*p));
  }
  return out;
}

std::vector<PeerInfo> PeerController::peers(std::uint64_t nowMs) const {
  std::vector<PeerInfo> out;
  for (const Peer* p : bySlot_) {
    if (p == nullptr) continue;
    PeerInfo i = info(*p);
    i.recvKbps = p->recvRate.kbps(nowMs);
    i.sendKbps = p->sendRate.kbps(nowMs);
    out.push_back(std::move(i));
  }
  return out;
}

std::size_t PeerController::disconnectKey(const crypto::PublicKey& key) {
  std::vector<Peer*> gone;
  for (Peer* p : bySlot_) {
    if (p != nullptr && p->session->herPublicKey() == key) gone.push_back(p);
  }
  for (Peer* p : gone) removePeer(p);
  return gone.size();
}

std::size_t PeerController::resetPeering(const crypto::PublicKey* key) {
  std::size_t n = 0;
  for (Peer* p : bySlot_) {
    if (p == nullptr || (key != nullptr && p->session->herPublicKey() != *key)) continue;
    p->session->reset();
    p->keyAnswered = false;
    ++n;
  }
  return n;
}

std::vector<std::string> PeerController::linkNames() const {
  std::vector<std::string> out;
  out.reserve(links_.size());
  for (const auto& l : links_) out.push_back(l.name);
  return out;
}

std::optional<PeerInfo> PeerController::peerBySlot(unsigned slot) const {
  if (slot >= bySlot_.size() || bySlot_[slot] == nullptr) return std::nullopt;
  return info(*bySlot_[slot]);
}

}  // namespace cjdns::iface
