#include "core/iface/beacon.h"

#include <arpa/inet.h>

#include <algorithm>
#include <cstring>
#include <limits>

#include "core/crypto/base32.h"
#include "core/wire/endian.h"

namespace cjdns::iface {

namespace {

constexpr std::size_t kPasswordOffset = 4;
constexpr std::size_t kKeyOffset = kPasswordOffset + kBeaconPasswordSize;

/// Time since `then`; 0 if the clock went back.
std::uint64_t since(std::uint64_t nowMs, std::uint64_t thenMs) { return nowMs > thenMs ? nowMs - thenMs : 0; }

void writeBeacon(std::uint8_t* p, const Beacon& beacon) {
  wire::storeBe32(p, beacon.version);
  std::copy(beacon.password.begin(), beacon.password.end(), p + kPasswordOffset);
  std::copy(beacon.key.begin(), beacon.key.end(), p + kKeyOffset);
}

Beacon readBeacon(const std::uint8_t* p) {
  Beacon b;
  b.version = wire::loadBe32(p);
  std::copy_n(p + kPasswordOffset, kBeaconPasswordSize, b.password.begin());
  std::copy_n(p + kKeyOffset, b.key.size(), b.key.begin());
  return b;
}

}  // namespace

const char* describe(BeaconParseError error) {
  switch (error) {
    case BeaconParseError::kNone: return "ok";
    case BeaconParseError::kTooShort: return "beacon too short";
    case BeaconParseError::kBadMagic: return "UDP beacon magic is not FF FF FF FC";
    case BeaconParseError::kBadVersion: return "UDP beacon header version is not 0";
    case BeaconParseError::kBadPadding: return "UDP beacon zero byte is not zero";
    case BeaconParseError::kZeroPort: return "UDP beacon names data port 0";
  }
  return "unknown";
}

std::array<std::uint8_t, kBeaconSize> encodeBeacon(const Beacon& beacon) {
  std::array<std::uint8_t, kBeaconSize> out{};
  writeBeacon(out.data(), beacon);
  return out;
}

ParsedBeacon parseBeacon(std::span<const std::uint8_t> bytes) {
  ParsedBeacon out;
  if (bytes.size() < kBeaconSize) {
    out.error = BeaconParseError::kTooShort;
  } else {
    out.beacon = readBeacon(bytes.data());
  }
  return out;
}

std::array<std::uint8_t, kUdpBeaconSize> encodeUdpBeacon(std::uint16_t commPort, const Beacon& beacon) {
  std::array<std::uint8_t, kUdpBeaconSize> out{};
  wire::storeBe32(out.data(), kUdpBeaconMagic);
  out[4] = kUdpBeaconVersion;
  out[5] = 0;
  wire::storeBe16(out.data() + 6, commPort);
  writeBeacon(out.data() + kUdpBeaconHeaderSize, beacon);
  return out;
}

ParsedUdpBeacon parseUdpBeacon(std::span<const std::uint8_t> datagram) {
  ParsedUdpBeacon out;
  if (datagram.size() < kUdpBeaconSize) {
    out.error = BeaconParseError::kTooShort;
  } else if (wire::loadBe32(datagram.data()) != kUdpBeaconMagic) {
    out.error = BeaconParseError::kBadMagic;
  } else if (datagram[4] != kUdpBeaconVersion) {
    out.error = BeaconParseError::kBadVersion;
  } else if (datagram[5] != 0) {
    out.error = BeaconParseError::kBadPadding;
  } else if (wire::loadBe16(datagram.data() + 6) == 0) {
    out.error = BeaconParseError::kZeroPort;
  } else {
    out.commPort = wire::loadBe16(datagram.data() + 6);
    out.beacon = readBeacon(datagram.data() + kUdpBeaconHeaderSize);
  }
  return out;
}

LinkAddress udpBeaconPeerAddress(const LinkAddress& from, std::uint16_t commPort) {
  if (from.family() != AF_INET) return {};
  sockaddr_in sin{};
  std::memcpy(&sin, from.sockaddrPtr(), sizeof sin);
  sin.sin_port = htons(commPort);
  return LinkAddress::fromSockaddr(reinterpret_cast<const sockaddr*>(&sin), sizeof sin);
}

BeaconPassword makeBeaconPassword(crypto::Random& rng) {
  // 12 random bytes give 20 base32 characters; the first 19 carry 5 random
  // bits each.
  std::array<std::uint8_t, 12> raw{};
  rng.fill(raw);
  const std::string text = crypto::base32Encode(raw);
  BeaconPassword out{};
  std::copy_n(text.begin(), kBeaconPasswordSize - 1, out.begin());
  out[kBeaconPasswordSize - 1] = 0;
  return out;
}

std::string beaconPasswordString(const BeaconPassword& password) {
  return std::string(reinterpret_cast<const char*>(password.data()), password.size());
}

std::optional<BeaconMode> beaconModeFromInt(std::int64_t value) {
  switch (value) {
    case 0: return BeaconMode::kOff;
    case 1: return BeaconMode::kAccept;
    case 2: return BeaconMode::kSendAndAccept;
    default: return std::nullopt;
  }
}

const char* stateName(BeaconMode mode) {
  switch (mode) {
    case BeaconMode::kOff: return "disabled";
    case BeaconMode::kAccept: return "accepting";
    case BeaconMode::kSendAndAccept: return "sending and accepting";
  }
  return "unknown";
}

const char* name(BeaconVerdict verdict) {
  switch (verdict) {
    case BeaconVerdict::kConnect: return "connect";
    case BeaconVerdict::kModeOff: return "mode off";
    case BeaconVerdict::kMalformed: return "malformed";
    case BeaconVerdict::kBadAddress: return "sender not IPv4";
    case BeaconVerdict::kBadKey: return "key without fc address";
    case BeaconVerdict::kOwnKey: return "our own beacon";
    case BeaconVerdict::kIncompatible: return "incompatible version";
    case BeaconVerdict::kAlreadyPeered: return "already peered";
    case BeaconVerdict::kTooSoon: return "address changed too soon";
    case BeaconVerdict::kRateLimited: return "rate limited";
  }
  return "unknown";
}

// ---- BeaconPolicy ----

BeaconPolicy::BeaconPolicy(const crypto::PublicKey& ourKey, const BeaconPassword& password, std::uint32_t ourVersion,
                           BeaconOptions options)
    : ourKey_(ourKey), options_(options), tokens_(options.connectBurst) {
  ours_.version = ourVersion;
  ours_.password = password;
  ours_.key = ourKey;
}

void BeaconPolicy::setMode(BeaconMode mode, std::uint64_t nowMs) {
  mode_ = mode;
  if (mode == BeaconMode::kSendAndAccept) nextSendMs_ = nowMs;
}

bool BeaconPolicy::sendDue(std::uint64_t nowMs) {
  if (mode_ != BeaconMode::kSendAndAccept || nowMs < nextSendMs_) return false;
  nextSendMs_ = nowMs + options_.intervalMs;
  ++counters_.sent;
  return true;
}

std::uint64_t BeaconPolicy::nextSendMs() const {
  return mode_ == BeaconMode::kSendAndAccept ? nextSendMs_ : std::numeric_limits<std::uint64_t>::max();
}

BeaconOutcome BeaconPolicy::refuse(BeaconVerdict verdict, BeaconParseError error) {
  ++counters_.verdicts[static_cast<std::size_t>(verdict)];
  if (error != BeaconParseError::kNone) ++counters_.parseErrors[static_cast<std::size_t>(error)];
  BeaconOutcome out;
  out.verdict = verdict;
  out.parseError = error;
  return out;
}

BeaconOutcome BeaconPolicy::onBeacon(const LinkAddress& from, std::span<const std::uint8_t> payload,
                                     std::uint64_t nowMs) {
  if (mode_ == BeaconMode::kOff) return refuse(BeaconVerdict::kModeOff);
  const ParsedBeacon parsed = parseBeacon(payload);
  if (!parsed.ok()) return refuse(BeaconVerdict::kMalformed, parsed.error);
  return consider(from, parsed.beacon, nowMs);
}

BeaconOutcome BeaconPolicy::onUdpBeacon(const LinkAddress& from, std::span<const std::uint8_t> datagram,
                                        std::uint64_t nowMs) {
  if (mode_ == BeaconMode::kOff) return refuse(BeaconVerdict::kModeOff);
  const ParsedUdpBeacon parsed = parseUdpBeacon(datagram);
  if (!parsed.ok()) return refuse(BeaconVerdict::kMalformed, parsed.error);
  const LinkAddress peer = udpBeaconPeerAddress(from, parsed.commPort);
  if (peer.empty()) return refuse(BeaconVerdict::kBadAddress);
  return consider(peer, parsed.beacon, nowMs);
}

BeaconOutcome BeaconPolicy::consider(const LinkAddress& peer, const Beacon& beacon, std::uint64_t nowMs) {
  if (mode_ == BeaconMode::kOff) return refuse(BeaconVerdict::kModeOff);
  if (auto bad = checkBeacon(beacon)) return refuse(*bad);
  if (auto repeat = checkRepeat(peer, beacon, nowMs)) return refuse(*repeat);
  if (!takeToken(nowMs)) return refuse(BeaconVerdict::kRateLimited);
  remember(peer, beacon, nowMs);
  ++counters_.verdicts[static_cast<std::size_t>(BeaconVerdict::kConnect)];
  BeaconOutcome out;
  out.verdict = BeaconVerdict::kConnect;
  out.connect = connectTo(peer, beacon);
  return out;
}

/// The checks cjdns makes (wire.md 4.4), in its order.
std::optional<BeaconVerdict> BeaconPolicy::checkBeacon(const Beacon& beacon) const {
  if (!crypto::isValidAddress(crypto::addressOf(beacon.key))) return BeaconVerdict::kBadKey;
  if (beacon.key == ourKey_) return BeaconVerdict::kOwnKey;
  if (beacon.version < kBeaconMinVersion) return BeaconVerdict::kIncompatible;
  return std::nullopt;
}

/// Our flood limit for one address.
std::optional<BeaconVerdict> BeaconPolicy::checkRepeat(const LinkAddress& peer, const Beacon& beacon,
                                                       std::uint64_t nowMs) const {
  const auto it = tracked_.find(peer);
  if (it == tracked_.end()) return std::nullopt;
  const std::uint64_t elapsed = since(nowMs, it->second.lastActionMs);
  if (it->second.beacon == beacon && elapsed < options_.refreshMs) return BeaconVerdict::kAlreadyPeered;
  if (elapsed < options_.perAddressMs) return BeaconVerdict::kTooSoon;
  return std::nullopt;
}

bool BeaconPolicy::takeToken(std::uint64_t nowMs) {
  if (!refillStarted_) {
    refillStarted_ = true;
    refillMs_ = nowMs;
  }
  const std::uint64_t step = std::max<std::uint64_t>(options_.connectRefillMs, 1);
  const std::uint64_t earned = since(nowMs, refillMs_) / step;
  if (earned > 0) {
    const std::uint64_t total = std::min<std::uint64_t>(tokens_ + earned, options_.connectBurst);
    tokens_ = static_cast<std::uint32_t>(total);
    refillMs_ += earned * step;
  }
  if (tokens_ == 0) return false;
  --tokens_;
  return true;
}

void BeaconPolicy::remember(const LinkAddress& peer, const Beacon& beacon, std::uint64_t nowMs) {
  if (options_.maxTracked == 0) return;
  if (!tracked_.contains(peer) && tracked_.size() >= options_.maxTracked) {
    // Evict the entry acted on longest ago. Rare (see BeaconOptions) and
    // bounded by the token bucket, so a scan is fine.
    auto stalest = tracked_.begin();
    for (auto it = tracked_.begin(); it != tracked_.end(); ++it) {
      if (it->second.lastActionMs < stalest->second.lastActionMs) stalest = it;
    }
    tracked_.erase(stalest);
  }
  tracked_[peer] = Seen{beacon, nowMs};
}

BeaconConnect BeaconPolicy::connectTo(const LinkAddress& peer, const Beacon& beacon) const {
  BeaconConnect c;
  c.address = peer;
  c.key = beacon.key;
  c.password = beaconPasswordString(beacon.password);
  c.login = std::string(kBeaconLogin);
  c.version = beacon.version;
  c.noise = options_.noiseEnabled && beacon.version >= kBeaconNoiseVersion;
  return c;
}

}  // namespace cjdns::iface
