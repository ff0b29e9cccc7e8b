#include "core/session/session-manager.h"

#include <algorithm>

#include "core/session/data-header.h"
#include "core/switch/control-message.h"
#include "core/switch/label.h"
#include "core/switch/switch-header.h"
#include "core/wire/endian.h"

namespace cjdns::session {

using crypto::CryptoAuthState;
using crypto::DecryptError;
using switching::SwitchHeader;

namespace {

// Handles 0..3 are CryptoAuth handshake nonces and 0xffffffff marks control
// frames, so no session may use them (wire.md 11.2).
constexpr std::uint32_t kMinHandle = 4;
constexpr std::uint32_t kMaxFirstHandle = 100000;
constexpr std::size_t kHandleSize = 4;
constexpr std::size_t kKeyOffset = 40;   // the sender's permanent key in a CryptoHeader
constexpr std::size_t kCauseQuote = 16;  // bytes of the failed packet an AUTHENTICATION error quotes
// The most a packet grows on its way out: DataHeader, our handle inside a
// handshake, the handshake header, her handle in clear, SwitchHeader.
constexpr std::size_t kSendOverhead =
    DataHeader::kSize + kHandleSize + crypto::kHandshakeHeaderSize + kHandleSize + SwitchHeader::kSize;
constexpr std::uint64_t kAuthErrorWindowMs = 1000;
// A burst of user packets waiting for one handshake asks for one ping.
constexpr std::uint64_t kSetupAskIntervalMs = 1000;

bool setUp(CryptoAuthState s) { return s >= CryptoAuthState::kReceivedKey; }

}  // namespace

const char* describe(SendResult r) {
  switch (r) {
    case SendResult::kSent: return "sent";
    case SendResult::kBuffered: return "buffered";
    case SendResult::kDropped: return "dropped";
    case SendResult::kBadDestination: return "bad destination";
    case SendResult::kTooManySessions: return "too many sessions";
    case SendResult::kFailed: return "failed";
  }
  return "unknown";
}

struct SessionManager::Session {
  Session(const crypto::PrivateKey& ourKey, const crypto::PublicKey& her, crypto::Random& rng)
      : ca(ourKey, her, false, nullptr, rng), key(her) {}

  crypto::CryptoAuthSession ca;  // inner sessions never use passwords
  crypto::PublicKey key{};
  crypto::Ip6 ip6{};
  std::uint32_t receiveHandle = 0;
  std::uint32_t sendHandle = 0;
  std::uint32_t version = 0;
  std::array<Path, kPathCount> paths{};  // best first
  std::uint64_t bytesIn = 0;
  std::uint64_t bytesOut = 0;
  std::uint64_t lastUsageMs = 0;  // last user send; 0 when only the pathfinder uses it
  std::uint64_t lastSearchMs = 0;
  std::optional<std::uint64_t> setupAskedMs;
};

std::size_t SessionManager::Ip6Hash::operator()(const crypto::Ip6& ip) const {
  // Addresses are hash outputs already; any 8 bytes spread well.
  return static_cast<std::size_t>(wire::loadBe64(ip.data() + 8));
}

SessionManager::SessionManager(const crypto::PrivateKey& ourKey, crypto::Random& rng, Outbound& out, Upper& upper,
                               SessionManagerConfig config)
    : ourKey_(ourKey),
      ourPublicKey_(crypto::publicKeyOf(ourKey)),
      ourIp6_(crypto::addressOf(ourPublicKey_)),
      rng_(rng),
      out_(out),
      upper_(upper),
      config_(config) {
  std::array<std::uint8_t, 4> r{};
  rng_.fill(r);
  firstHandle_ = kMinHandle + wire::loadBe32(r.data()) % (kMaxFirstHandle - kMinHandle);
}

SessionManager::~SessionManager() = default;

// ---------------------------------------------------------------- receive

void SessionManager::fromSwitch(wire::Message& msg, std::uint64_t nowMs) {
  lastNowMs_ = nowMs;
  if (msg.length() < SwitchHeader::kSize + kHandleSize) {
    ++counters_.runts;
    return;
  }
  std::array<std::uint8_t, SwitchHeader::kSize> received{};
  std::copy_n(msg.data(), received.size(), received.begin());
  // The switch leaves the label as another switch would need it; reversed,
  // it is the path back to the sender (wire.md 9.2).
  const std::uint64_t returnPath = switching::bitReverse64(wire::loadBe64(received.data()));
  const bool suppressErrors = (received[8] & 1) != 0;
  const std::uint32_t handle = wire::loadBe32(msg.data() + SwitchHeader::kSize);
  if (handle == switching::kControlHandle) {
    ++counters_.controlFrames;
    return;
  }
  if (msg.length() < SwitchHeader::kSize + kHandleSize + crypto::kDataHeaderSize || !msg.pop(SwitchHeader::kSize)) {
    ++counters_.runts;
    return;
  }

  bool created = false;
  Session* s =
      handle >= kMinHandle ? sessionForHandle(msg, handle) : sessionForHandshake(msg, returnPath, nowMs, created);
  if (s == nullptr) return;

  std::array<std::uint8_t, kCauseQuote> first{};
  std::copy_n(msg.data(), first.size(), first.begin());
  const DecryptError err = s->ca.decrypt(msg, nowMs);
  if (err != DecryptError::kNone) {
    ++counters_.decryptErrors[std::min<std::size_t>(static_cast<std::size_t>(err), 15)];
    const CryptoAuthState state = s->ca.state();
    // A session made for a handshake that did not open is forgotten at once,
    // so forged handshakes cost no memory.
    if (created) removeSession(s->ip6);
    if (suppressErrors) {
      ++counters_.authErrorsSuppressed;
    } else {
      sendAuthError(received, first.data(), err, state, nowMs);
    }
    return;
  }
  // Her receive handle travels inside each handshake, authenticated.
  if (handle < kMinHandle && !msg.popBe32(s->sendHandle)) {
    ++counters_.runts;
    return;
  }
  deliverUp(*s, msg, returnPath, nowMs);
}

SessionManager::Session* SessionManager::sessionForHandle(wire::Message& msg, std::uint32_t handle) {
  auto it = byHandle_.find(handle);
  if (it == byHandle_.end()) {
    ++counters_.unknownHandle;
    return nullptr;
  }
  if (!msg.pop(kHandleSize)) return nullptr;  // not reached: the length was checked
  // Handshakes never travel behind a handle.
  if (wire::loadBe32(msg.data()) < kMinHandle) {
    ++counters_.setupWithHandle;
    return nullptr;
  }
  return it->second;
}

SessionManager::Session* SessionManager::sessionForHandshake(wire::Message& msg, std::uint64_t returnPath,
                                                             std::uint64_t nowMs, bool& created) {
  if (msg.length() < crypto::kHandshakeHeaderSize + kHandleSize) {
    ++counters_.runts;
    return nullptr;
  }
  crypto::PublicKey key{};
  std::copy_n(msg.data() + kKeyOffset, key.size(), key.begin());
  const crypto::Ip6 ip6 = crypto::addressOf(key);
  if (!crypto::isValidAddress(ip6)) {
    ++counters_.badKey;
    return nullptr;
  }
  if (key == ourPublicKey_) {
    ++counters_.ownKey;
    return nullptr;
  }
  created = find(ip6) == nullptr;
  if (created && byIp6_.size() >= config_.maxSessions) {
    ++counters_.tooManySessions;
    return nullptr;
  }
  Session& s = getSession(key, ip6, 0, returnPath, metric::kSmIncoming, nowMs);
  s.ca.resetIfTimeout(nowMs);
  return &s;
}

void SessionManager::deliverUp(Session& s, wire::Message& msg, std::uint64_t returnPath, std::uint64_t nowMs) {
  const auto dh = DataHeader::pop(msg);
  if (!dh) {
    ++counters_.runts;
    return;
  }
  s.bytesIn += msg.length() + DataHeader::kSize;
  // The packet proves that the path back to its sender works.
  discoverPath(s, returnPath, metric::kSmIncoming, nowMs);
  const Delivery d{s.ip6, s.key, dh->contentType, returnPath, s.version};
  ++counters_.delivered;
  upper_.deliver(d, msg, nowMs);
  // This packet may have finished the handshake: send what waited for it.
  // (Looked up again: the upper layer may have changed the sessions.)
  if (Session* again = find(d.ip6); again != nullptr && setUp(again->ca.state())) flushBuffered(*again, nowMs);
}

void SessionManager::sendAuthError(const std::array<std::uint8_t, 12>& received, const std::uint8_t* first16,
                                   DecryptError err, CryptoAuthState state, std::uint64_t nowMs) {
  if (!authErrorAllowed(nowMs)) {
    ++counters_.authErrorsSuppressed;
    return;
  }
  // wire.md 11.4: the cause is the header as received, the start of the
  // CryptoAuth message, the error and our state.
  std::array<std::uint8_t, SwitchHeader::kSize + kCauseQuote + 8> cause{};
  std::copy(received.begin(), received.end(), cause.begin());
  std::copy_n(first16, kCauseQuote, cause.begin() + SwitchHeader::kSize);
  wire::storeBe32(cause.data() + SwitchHeader::kSize + kCauseQuote, static_cast<std::uint32_t>(err));
  wire::storeBe32(cause.data() + SwitchHeader::kSize + kCauseQuote + 4, static_cast<std::uint32_t>(state));

  SwitchHeader header;
  header.label = switching::bitReverse64(wire::loadBe64(received.data()));
  header.suppressErrors = true;  // nobody answers an error with an error
  wire::Message errMsg;
  if (!errMsg.append(cause) || !switching::wrapAsError(errMsg, header, switching::ErrorCode::kAuthentication)) return;
  ++counters_.authErrorsSent;
  out_.sendFromRouter(errMsg, nowMs);
}

bool SessionManager::authErrorAllowed(std::uint64_t nowMs) {
  if (nowMs < authWindowStartMs_ || nowMs - authWindowStartMs_ >= kAuthErrorWindowMs) {
    authWindowStartMs_ = nowMs;
    authErrorsInWindow_ = 0;
  }
  if (authErrorsInWindow_ >= config_.authErrorsPerSecond) return false;
  ++authErrorsInWindow_;
  return true;
}

// ---------------------------------------------------------------- send

SendResult SessionManager::send(const crypto::Ip6& dest, const crypto::PublicKey* keyOrNull, std::uint32_t version,
                                std::uint64_t label, std::uint16_t contentType, wire::Message& payload,
                                std::uint64_t nowMs) {
  lastNowMs_ = nowMs;
  if (!crypto::isValidAddress(dest) || dest == ourIp6_) return SendResult::kBadDestination;
  if (keyOrNull != nullptr && crypto::addressOf(*keyOrNull) != dest) return SendResult::kBadDestination;

  Session* s = find(dest);
  if (s == nullptr) {
    if (keyOrNull == nullptr || version == 0) return waitFor(dest, nullptr, version, contentType, payload, nowMs);
    if (byIp6_.size() >= config_.maxSessions) {
      ++counters_.tooManySessions;
      return SendResult::kTooManySessions;
    }
    s = &getSession(*keyOrNull, dest, version, label, label != 0 ? metric::kSmSend : metric::kDeadLink, nowMs);
  }
  if (contentType != content_type::kCjdht) s->lastUsageMs = nowMs;
  if (version != 0) s->version = version;
  // No traffic to a node whose version we do not know (wire.md 11.3).
  if (s->version == 0) return waitFor(dest, s, version, contentType, payload, nowMs);
  if (label == 0) label = bestLabel(*s);
  if (label == 0) return waitFor(dest, s, version, contentType, payload, nowMs);

  // Forward secrecy: handshake payloads are sealed with long-term keys, so
  // only CJDHT may ride on them; anything else waits for the Key packet.
  s->ca.resetIfTimeout(nowMs);
  if (!setUp(s->ca.state()) && contentType != content_type::kCjdht) {
    const bool kept = bufferPacket(dest, contentType, payload, nowMs);
    askForSetup(*s, label, nowMs);
    return kept ? SendResult::kBuffered : SendResult::kDropped;
  }
  return sendOnSession(*s, label, contentType, payload, nowMs);
}

SendResult SessionManager::sendOnSession(Session& s, std::uint64_t label, std::uint16_t contentType,
                                         wire::Message& payload, std::uint64_t nowMs) {
  // Checked first: a failed encrypt would still have moved the handshake on.
  if (payload.headroom() < kSendOverhead) return SendResult::kFailed;
  s.ca.resetIfTimeout(nowMs);
  const bool handshake = !setUp(s.ca.state());
  if (!DataHeader::of(contentType).push(payload)) return SendResult::kFailed;
  // Until she has our handle she cannot address us: it goes inside the
  // handshake, where it is authenticated.
  if (handshake && !payload.pushBe32(s.receiveHandle)) return SendResult::kFailed;
  const std::size_t plainLength = payload.length();
  if (!s.ca.encrypt(payload, nowMs)) return SendResult::kFailed;
  if (setUp(s.ca.state()) && !payload.pushBe32(s.sendHandle)) return SendResult::kFailed;
  SwitchHeader header;
  header.label = label;
  if (!header.push(payload)) return SendResult::kFailed;
  s.bytesOut += plainLength;
  ++counters_.sent;
  out_.sendFromRouter(payload, nowMs);
  return SendResult::kSent;
}

SendResult SessionManager::waitFor(const crypto::Ip6& dest, Session* s, std::uint32_t version,
                                   std::uint16_t contentType, wire::Message& payload, std::uint64_t nowMs) {
  // CJDHT comes from the pathfinder, which only talks to nodes it knows.
  if (contentType == content_type::kCjdht) return SendResult::kDropped;
  const bool kept = bufferPacket(dest, contentType, payload, nowMs);
  if (s != nullptr) {
    if (version == 0) version = s->version;
    s->lastSearchMs = nowMs;
  }
  upper_.needsSearch(dest, version, nowMs);
  return kept ? SendResult::kBuffered : SendResult::kDropped;
}

bool SessionManager::bufferPacket(const crypto::Ip6& dest, std::uint16_t contentType, const wire::Message& payload,
                                  std::uint64_t nowMs) {
  if (buffer_.erase(dest) != 0) ++counters_.bufferReplaced;  // only the newest waits
  if (buffer_.size() >= config_.maxBuffered) expireBuffers(nowMs);
  if (buffer_.size() >= config_.maxBuffered) {
    ++counters_.bufferFull;
    return false;
  }
  Buffered b;
  b.payload.assign(payload.bytes().begin(), payload.bytes().end());
  b.contentType = contentType;
  b.sinceMs = nowMs;
  buffer_.emplace(dest, std::move(b));
  ++counters_.buffered;
  return true;
}

void SessionManager::flushBuffered(Session& s, std::uint64_t nowMs) {
  auto it = buffer_.find(s.ip6);
  if (it == buffer_.end()) return;
  const std::uint64_t label = bestLabel(s);
  if (s.version == 0 || label == 0 || !setUp(s.ca.state())) return;
  const Buffered b = std::move(it->second);
  buffer_.erase(it);
  if (nowMs - b.sinceMs >= config_.bufferExpiryMs) {
    ++counters_.bufferExpired;
    return;
  }
  wire::Message m;
  if (!m.append(b.payload)) return;
  ++counters_.bufferFlushed;
  (void)sendOnSession(s, label, b.contentType, m, nowMs);
}

void SessionManager::askForSetup(Session& s, std::uint64_t label, std::uint64_t nowMs) {
  // Without a version the pathfinder could not send a valid message.
  if (s.version == 0 || label == 0) return;
  if (s.setupAskedMs && nowMs >= *s.setupAskedMs && nowMs - *s.setupAskedMs < kSetupAskIntervalMs) return;
  s.setupAskedMs = nowMs;
  NodeRef n = refOf(s);
  n.label = label;
  upper_.needsSetup(n, nowMs);
}

// ---------------------------------------------------------------- knowledge

void SessionManager::learnNode(const crypto::PublicKey& key, std::uint64_t label, std::uint32_t version,
                               std::uint64_t nowMs, std::uint32_t pathMetric) {
  lastNowMs_ = nowMs;
  const crypto::Ip6 ip6 = crypto::addressOf(key);
  if (!crypto::isValidAddress(ip6) || key == ourPublicKey_) return;
  const bool waiting = buffer_.contains(ip6);
  Session* existing = find(ip6);
  // Nodes we neither talk to nor have traffic for are the pathfinder's business.
  if (existing == nullptr && (!waiting || label == 0 || pathMetric == metric::kDeadLink)) return;
  if (existing == nullptr && byIp6_.size() >= config_.maxSessions) return;
  Session& s = getSession(key, ip6, version, label, pathMetric, nowMs);
  if (!waiting) return;
  s.ca.resetIfTimeout(nowMs);
  if (setUp(s.ca.state())) {
    flushBuffered(s, nowMs);
  } else {
    askForSetup(s, bestLabel(s), nowMs);
  }
}

SessionManager::Session* SessionManager::find(const crypto::Ip6& ip6) const {
  auto it = byIp6_.find(ip6);
  return it == byIp6_.end() ? nullptr : it->second.get();
}

SessionManager::Session& SessionManager::getSession(const crypto::PublicKey& key, const crypto::Ip6& ip6,
                                                    std::uint32_t version, std::uint64_t label,
                                                    std::uint32_t pathMetric, std::uint64_t nowMs) {
  if (label == 0) pathMetric = metric::kDeadLink;
  if (Session* s = find(ip6)) {
    // A version we already know changes only with a better path (as cjdns).
    if (s->version == 0) s->version = version;
    if (discoverPath(*s, label, pathMetric, nowMs) && version != 0) s->version = version;
    return *s;
  }
  Session& s = createSession(key, ip6, nowMs);
  s.version = version;
  s.paths[0] = Path{label, pathMetric, nowMs};
  return s;
}

SessionManager::Session& SessionManager::createSession(const crypto::PublicKey& key, const crypto::Ip6& ip6,
                                                       std::uint64_t nowMs) {
  auto s = std::make_unique<Session>(ourKey_, key, rng_);
  s->ip6 = ip6;
  s->receiveHandle = newHandle();
  s->paths[0].validatedMs = nowMs;
  Session& ref = *s;
  byHandle_.emplace(ref.receiveHandle, &ref);
  byIp6_.emplace(ip6, std::move(s));
  return ref;
}

void SessionManager::removeSession(const crypto::Ip6& ip6) {
  auto it = byIp6_.find(ip6);
  if (it == byIp6_.end()) return;
  byHandle_.erase(it->second->receiveHandle);
  byIp6_.erase(it);
}

std::uint32_t SessionManager::newHandle() {
  // A handle is never reused while the manager lives, so a late packet for
  // an ended session cannot reach a new one.
  while (true) {
    const std::uint32_t h = firstHandle_ + nextIndex_++;
    if (h >= kMinHandle && h != switching::kControlHandle && !byHandle_.contains(h)) return h;
  }
}

std::uint64_t SessionManager::bestLabel(const Session& s) {
  const Path& p = s.paths[0];
  return p.metric == metric::kDeadLink ? 0 : p.label;
}

std::uint32_t SessionManager::effectiveMetric(const Path& p, std::uint64_t nowMs) {
  if (p.label == 0 || p.metric == metric::kDeadLink) return metric::kDeadLink;
  const std::uint64_t age = nowMs > p.validatedMs ? nowMs - p.validatedMs : 0;
  return static_cast<std::uint32_t>(std::min<std::uint64_t>(std::uint64_t{p.metric} + age, metric::kNoInfo));
}

void SessionManager::rerank(Session& s, std::uint64_t nowMs) {
  const auto best = std::min_element(s.paths.begin(), s.paths.end(), [nowMs](const Path& a, const Path& b) {
    return effectiveMetric(a, nowMs) < effectiveMetric(b, nowMs);
  });
  std::iter_swap(s.paths.begin(), best);
}

bool SessionManager::discoverPath(Session& s, std::uint64_t label, std::uint32_t pathMetric, std::uint64_t nowMs) {
  if (label == 0) return false;
  auto known = std::find_if(s.paths.begin(), s.paths.end(), [label](const Path& p) { return p.label == label; });
  if (known != s.paths.end()) {
    // A worse report about a path we know better is old news; a dead link is not.
    if (pathMetric != metric::kDeadLink && effectiveMetric(*known, nowMs) <= pathMetric) return false;
    known->metric = pathMetric;
    if (pathMetric != metric::kDeadLink) known->validatedMs = nowMs;
  } else {
    auto worst = std::max_element(s.paths.begin(), s.paths.end(), [nowMs](const Path& a, const Path& b) {
      return effectiveMetric(a, nowMs) < effectiveMetric(b, nowMs);
    });
    if (effectiveMetric(*worst, nowMs) <= pathMetric) return false;
    *worst = Path{label, pathMetric, nowMs};
  }
  rerank(s, nowMs);
  return s.paths[0].label == label;
}

NodeRef SessionManager::refOf(const Session& s) { return NodeRef{s.ip6, s.key, bestLabel(s), s.version}; }

void SessionManager::linkBroken(std::uint64_t label, std::uint64_t nowMs) {
  lastNowMs_ = nowMs;
  std::vector<crypto::Ip6> research;
  for (auto& [ip6, s] : byIp6_) {
    bool changed = false;
    for (Path& p : s->paths) {
      if (p.label == 0 || p.metric == metric::kDeadLink || !switching::routesThrough(p.label, label)) continue;
      p.metric = metric::kDeadLink;
      ++counters_.pathsBroken;
      changed = true;
    }
    if (!changed) continue;
    rerank(*s, nowMs);
    if (s->lastUsageMs != 0 && bestLabel(*s) == 0) research.push_back(ip6);
  }
  // The hook may create sessions: search after the walk.
  for (const crypto::Ip6& ip6 : research) {
    Session* s = find(ip6);
    if (s == nullptr) continue;
    s->lastSearchMs = nowMs;
    upper_.needsSearch(ip6, s->version, nowMs);
  }
}

// ---------------------------------------------------------------- periodic

void SessionManager::tick(std::uint64_t nowMs) {
  lastNowMs_ = nowMs;
  expireBuffers(nowMs);
  // The Upper's hooks may send and so create sessions: walk a snapshot.
  std::vector<crypto::Ip6> all;
  all.reserve(byIp6_.size());
  for (const auto& entry : byIp6_) all.push_back(entry.first);
  for (const crypto::Ip6& ip6 : all) {
    Session* s = find(ip6);
    if (s == nullptr) continue;
    if (!expired(*s, nowMs)) {
      checkSession(*s, nowMs);
      continue;
    }
    const NodeRef ref = refOf(*s);
    removeSession(ip6);
    ++counters_.sessionsEnded;
    upper_.sessionEnded(ref, nowMs);
  }
}

bool SessionManager::expired(const Session& s, std::uint64_t nowMs) const {
  std::uint64_t lastValidated = 0;
  for (const Path& p : s.paths) lastValidated = std::max(lastValidated, p.validatedMs);
  return nowMs > lastValidated && nowMs - lastValidated > config_.sessionTimeoutMs;
}

void SessionManager::checkSession(Session& s, std::uint64_t nowMs) {
  // Wipes the keys of idle sessions now rather than at the next send.
  s.ca.resetIfTimeout(nowMs);
  if (s.lastUsageMs == 0) return;  // only the pathfinder uses it: its business
  if (nowMs - s.lastUsageMs > config_.sessionTimeoutMs) {
    s.lastUsageMs = 0;
  } else if (nowMs - s.lastSearchMs >= config_.searchAfterMs) {
    s.lastSearchMs = nowMs;
    upper_.needsSearch(s.ip6, s.version, nowMs);
  } else if (s.ca.state() != CryptoAuthState::kEstablished) {
    askForSetup(s, bestLabel(s), nowMs);
  }
}

void SessionManager::expireBuffers(std::uint64_t nowMs) {
  std::erase_if(buffer_, [&](const auto& entry) {
    const bool old = nowMs - entry.second.sinceMs >= config_.bufferExpiryMs;
    if (old) ++counters_.bufferExpired;
    return old;
  });
}

// ---------------------------------------------------------------- stats

std::vector<std::uint32_t> SessionManager::handles() const {
  std::vector<std::uint32_t> out;
  out.reserve(byHandle_.size());
  for (const auto& [h, s] : byHandle_) out.push_back(h);
  std::sort(out.begin(), out.end());
  return out;
}

std::optional<SessionStats> SessionManager::sessionStats(std::uint32_t receiveHandle) const {
  auto it = byHandle_.find(receiveHandle);
  if (it == byHandle_.end()) return std::nullopt;
  return statsOf(*it->second);
}

std::optional<SessionStats> SessionManager::sessionFor(const crypto::Ip6& ip6) const {
  const Session* s = find(ip6);
  if (s == nullptr) return std::nullopt;
  return statsOf(*s);
}

bool SessionManager::resetSession(const crypto::Ip6& ip6) {
  Session* s = find(ip6);
  if (s == nullptr) return false;
  s->ca.reset();
  return true;
}

SessionStats SessionManager::statsOf(const Session& s) const {
  SessionStats st;
  st.ip6 = s.ip6;
  st.key = s.key;
  st.state = s.ca.state();
  st.receiveHandle = s.receiveHandle;
  st.sendHandle = s.sendHandle;
  st.version = s.version;
  st.path = s.paths[0].label;
  st.metric = effectiveMetric(s.paths[0], lastNowMs_);
  st.bytesIn = s.bytesIn;
  st.bytesOut = s.bytesOut;
  st.replay = s.ca.replayStats();
  st.timeOfLastUsageMs = s.lastUsageMs;
  return st;
}

}  // namespace cjdns::session
