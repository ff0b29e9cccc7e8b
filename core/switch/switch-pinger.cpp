#include "core/switch/switch-pinger.h"

#include <algorithm>
#include <array>
#include <variant>

#include "core/wire/endian.h"
#include "core/wire/message.h"

namespace cjdns::switching {

namespace {

/// Every handle is at least this: above any switch slot number.
constexpr std::uint32_t kHandleFloor = 0x10000;

std::uint64_t random64(crypto::Random& rng) {
  std::array<std::uint8_t, 8> b{};
  rng.fill(b);
  return wire::loadBe64(b.data());
}

}  // namespace

const char* resultName(SwitchPingResult r) {
  switch (r) {
    case SwitchPingResult::kPong: return "pong";
    case SwitchPingResult::kLabelMismatch: return "diff_label";
    case SwitchPingResult::kWrongData: return "diff_data";
    case SwitchPingResult::kErrorResponse: return "err_switch";
    case SwitchPingResult::kTimeout: return "timeout";
    case SwitchPingResult::kLoopRoute: return "err_loop";
  }
  return "err_unknown";
}

std::span<const std::uint8_t> reflectedData(const ControlMessage& m) {
  struct Visitor {
    std::span<const std::uint8_t> operator()(const ErrorBody&) const { return {}; }
    std::span<const std::uint8_t> operator()(const PingBody& b) const { return b.data; }
    std::span<const std::uint8_t> operator()(const KeyPingBody& b) const { return b.cookie; }
    std::span<const std::uint8_t> operator()(const GetSnodeBody& b) const { return b.extra; }
    std::span<const std::uint8_t> operator()(const RPathBody& b) const { return b.extra; }
    std::span<const std::uint8_t> operator()(const LlAddrBody& b) const { return b.data; }
  };
  return std::visit(Visitor{}, m.body);
}

SwitchPinger::SwitchPinger(crypto::Random& rng, const crypto::PublicKey& ourKey, std::uint32_t ourVersion,
                           SwitchPingerConfig config)
    : rng_(rng), ourKey_(ourKey), ourVersion_(ourVersion), config_(config) {
  // A random base (as cjdns's Pinger) in [2^16, 2^31): handles of two
  // pinger instances rarely collide, and never with a slot number.
  baseHandle_ = kHandleFloor + static_cast<std::uint32_t>(random64(rng_) % (0x80000000u - kHandleFloor));
}

SwitchPinger::Started SwitchPinger::start(SwitchPingKind kind, std::uint64_t label,
                                          std::span<const std::uint8_t> data, std::uint32_t timeoutMs,
                                          std::uint64_t nowMs, SwitchPingCallback callback, wire::Message& out) {
  Started r;
  if (pings_.size() >= config_.maxPending) {
    r.error = StartError::kTooMany;
    return r;
  }
  if (data.size() > kMaxData || (kind == SwitchPingKind::kKeyPing && data.size() + kPrefixSize > kKeyPingMaxCookie)) {
    r.error = StartError::kDataTooLong;
    return r;
  }
  // The next handle not in use (wraps inside [base, 2^32) and [floor, base)).
  std::uint32_t handle = 0;
  for (std::size_t tries = 0; tries <= config_.maxPending; ++tries) {
    handle = baseHandle_ + nextHandle_++;
    if (handle < kHandleFloor) continue;
    if (pings_.find(handle) == pings_.end()) break;
  }
  Ping p;
  p.kind = kind;
  p.label = label;
  p.cookie = random64(rng_);
  p.data.assign(data.begin(), data.end());
  p.sentMs = nowMs;
  if (timeoutMs == 0) timeoutMs = config_.defaultTimeoutMs;
  p.deadlineMs = nowMs + std::min(timeoutMs, config_.maxTimeoutMs);
  p.callback = std::move(callback);

  std::vector<std::uint8_t> tail(kPrefixSize + data.size());
  wire::storeBe32(tail.data(), handle);
  wire::storeBe64(tail.data() + 4, p.cookie);
  std::copy(data.begin(), data.end(), tail.begin() + kPrefixSize);

  bool built = false;
  switch (kind) {
    case SwitchPingKind::kPing: built = buildPing(out, label, ourVersion_, tail); break;
    case SwitchPingKind::kKeyPing: built = buildKeyPing(out, label, ourVersion_, ourKey_, tail); break;
    case SwitchPingKind::kGetSnode: {
      // No supernode of ours to offer: key, version, path and kbps all 0 (as cjdns's admin ping).
      ControlMessage m;
      m.type = ControlType::kGetSnodeQuery;
      GetSnodeBody b;
      b.version = ourVersion_;
      b.extra = tail;
      m.body = b;
      built = buildControlPacket(out, label, m);
      break;
    }
    case SwitchPingKind::kRPath: {
      ControlMessage m;
      m.type = ControlType::kRPathQuery;
      m.body = RPathBody{ourVersion_, label, tail};  // the query carries the label asked
      built = buildControlPacket(out, label, m);
      break;
    }
    case SwitchPingKind::kLlAddr: {
      ControlMessage m;
      m.type = ControlType::kLlAddrQuery;
      LlAddr own{};
      own[1] = 2;  // {type 0, len 2}, as cjdns sends its own address
      m.body = LlAddrBody{ourVersion_, own, tail};
      built = buildControlPacket(out, label, m);
      break;
    }
  }
  if (!built) {
    r.error = StartError::kBuildFailed;
    return r;
  }
  pings_.emplace(handle, std::move(p));
  r.handle = handle;
  return r;
}

std::unordered_map<std::uint32_t, SwitchPinger::Ping>::iterator SwitchPinger::match(
    std::span<const std::uint8_t> tail) {
  if (tail.size() < kPrefixSize) return pings_.end();
  auto it = pings_.find(wire::loadBe32(tail.data()));
  if (it == pings_.end() || it->second.cookie != wire::loadBe64(tail.data() + 4)) return pings_.end();
  return it;
}

void SwitchPinger::finish(std::unordered_map<std::uint32_t, Ping>::iterator it, SwitchPingReply& reply,
                          std::uint64_t nowMs) {
  // Taken out first: the callback may start or cancel pings.
  Ping p = std::move(it->second);
  pings_.erase(it);
  reply.label = p.label;
  const std::uint64_t ms = nowMs >= p.sentMs ? nowMs - p.sentMs : 0;
  reply.ms = static_cast<std::uint32_t>(std::min<std::uint64_t>(ms, 0xffffffffu));
  if (p.callback) p.callback(reply);
}

bool SwitchPinger::onReply(const ControlPacket& pkt, std::uint64_t nowMs) {
  const ControlMessage& m = pkt.message;
  const auto tail = reflectedData(m);
  auto it = match(tail);
  if (it == pings_.end()) return false;
  SwitchPingReply r;
  r.version = m.version();
  r.data.assign(tail.begin() + kPrefixSize, tail.end());
  switch (m.type) {
    case ControlType::kKeyPong: r.key = std::get<KeyPingBody>(m.body).key; break;
    case ControlType::kGetSnodeReply: {
      const auto& b = std::get<GetSnodeBody>(m.body);
      // cjdns drops a reply that names no supernode ("Peer doesn't have an snode").
      if (std::all_of(b.snodeKey.begin(), b.snodeKey.end(), [](std::uint8_t x) { return x == 0; })) return true;
      r.snode = SwitchPingReply::Snode{b.snodeKey, b.snodeVersion, b.pathToSnode};
      break;
    }
    case ControlType::kRPathReply: r.rpath = std::get<RPathBody>(m.body).rpath; break;
    case ControlType::kLlAddrReply: r.lladdr = std::get<LlAddrBody>(m.body).addr; break;
    default: break;
  }
  const Ping& p = it->second;
  if (pkt.returnPath() != p.label) {
    r.result = SwitchPingResult::kLabelMismatch;
    r.responsePath = pkt.returnPath();
  } else if (!std::ranges::equal(r.data, p.data)) {
    r.result = SwitchPingResult::kWrongData;
  } else {
    r.result = SwitchPingResult::kPong;
  }
  finish(it, r, nowMs);
  return true;
}

bool SwitchPinger::onError(const ControlPacket& pkt, std::uint64_t nowMs) {
  const auto* err = std::get_if<ErrorBody>(&pkt.message.body);
  if (err == nullptr) return false;
  const auto cause = err->causeControl();
  if (cause.empty()) return false;
  ControlMessage quoted;
  // The quote may be cut short: the checksum does not matter, the tail does.
  if (parseControl(cause, quoted, ChecksumPolicy::kIgnore) != ControlParseStatus::kOk) return false;
  auto it = match(reflectedData(quoted));
  if (it == pings_.end()) return false;
  SwitchPingReply r;
  r.errorCode = err->code;
  r.result = err->code == static_cast<std::uint32_t>(ErrorCode::kLoopRoute) ? SwitchPingResult::kLoopRoute
                                                                            : SwitchPingResult::kErrorResponse;
  finish(it, r, nowMs);
  return true;
}

void SwitchPinger::tick(std::uint64_t nowMs) {
  std::vector<std::uint32_t> late;
  for (const auto& [handle, p] : pings_) {
    if (nowMs >= p.deadlineMs) late.push_back(handle);
  }
  std::sort(late.begin(), late.end());  // deterministic order
  for (const std::uint32_t h : late) {
    auto it = pings_.find(h);
    if (it == pings_.end()) continue;  // a callback cancelled it
    SwitchPingReply r;
    r.result = SwitchPingResult::kTimeout;
    finish(it, r, nowMs);
  }
}

bool SwitchPinger::cancel(std::uint32_t handle) { return pings_.erase(handle) > 0; }

std::optional<std::uint64_t> SwitchPinger::nextDeadline() const {
  std::optional<std::uint64_t> d;
  for (const auto& [h, p] : pings_) {
    if (!d || p.deadlineMs < *d) d = p.deadlineMs;
  }
  return d;
}

}  // namespace cjdns::switching
