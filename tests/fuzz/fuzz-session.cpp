// Fuzz target: arbitrary bytes after a SwitchHeader into the session
// manager's receive path (wire.md 11.1).
//
// Each input goes to (1) a manager with no sessions, as a stranger's first
// packet, and (2) both ends of an established end-to-end session, once with
// the S bit clear and once with it set. Nothing may crash; every packet the
// manager sends back must be a well-formed AUTHENTICATION error on the
// return path (none at all when S was set); handles and sessions stay in
// step. Everything is deterministic, so a crash replays from its input.
//
// The seeds in corpus/session/ were made with the keys and seeds below: the
// Hello and Key of the handshake, a data packet each way, a Hello from a
// third node, and a control frame.
#include <algorithm>
#include <array>
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <span>
#include <string>
#include <vector>

#include "core/crypto/keys.h"
#include "core/crypto/random.h"
#include "core/session/data-header.h"
#include "core/session/session-manager.h"
#include "core/switch/control-message.h"
#include "core/switch/label.h"
#include "core/switch/switch-header.h"
#include "core/wire/endian.h"
#include "core/wire/message.h"

namespace {

using namespace cjdns;
using session::SendResult;

constexpr std::uint64_t kNowMs = 1'000'000;
constexpr std::uint64_t kAtoB = 0x13;  // A's label for B
constexpr std::uint64_t kBtoA = 0x15;  // B's label for A

void require(bool ok) {
  if (!ok) std::abort();
}

/// A real fc identity from a seed (searched once per seed and kept).
const crypto::PrivateKey& keyFor(std::uint64_t seed) {
  static std::vector<std::pair<std::uint64_t, crypto::PrivateKey>> cache;
  for (const auto& [s, k] : cache) {
    if (s == seed) return k;
  }
  crypto::DeterministicRandom r(seed);
  while (true) {
    std::array<std::uint8_t, 32> b{};
    r.fill(b);
    crypto::PrivateKey k(b);
    if (crypto::isValidAddress(crypto::addressOf(crypto::publicKeyOf(k)))) {
      cache.emplace_back(seed, std::move(k));
      return cache.back().second;
    }
  }
}

struct End final : session::Outbound, session::Upper {
  explicit End(std::uint64_t seed)
      : rng(seed),
        pub(crypto::publicKeyOf(keyFor(seed))),
        ip6(crypto::addressOf(pub)),
        sm(keyFor(seed), rng, *this, *this) {}
  void sendFromRouter(wire::Message& msg, std::uint64_t) override {
    out.emplace_back(msg.data(), msg.data() + msg.length());
  }
  void deliver(const session::Delivery&, wire::Message&, std::uint64_t) override { ++delivered; }

  crypto::DeterministicRandom rng;
  crypto::PublicKey pub{};
  crypto::Ip6 ip6{};
  session::SessionManager sm;
  std::vector<std::vector<std::uint8_t>> out;
  std::size_t delivered = 0;
};

/// Hands `from`'s last packet to `to` as `to`'s router would receive it.
void carry(End& from, End& to, std::uint64_t backLabel) {
  std::vector<std::uint8_t> p = from.out.back();
  wire::storeBe64(p.data(), switching::bitReverse64(backLabel));
  wire::Message m;
  require(m.append(p));
  to.sm.fromSwitch(m, kNowMs);
}

SendResult sendText(End& from, End& to, bool withKey, std::uint64_t label, std::uint16_t type) {
  wire::Message m;
  static constexpr std::uint8_t kText[] = {'f', 'u', 'z', 'z'};
  require(m.append(kText));
  return from.sm.send(to.ip6, withKey ? &to.pub : nullptr, withKey ? 21 : 0, label, type, m, kNowMs);
}

/// A pings B over CJDHT, B answers, then one data packet each way.
struct Pair {
  End a{101}, b{202};
  Pair() {
    require(sendText(a, b, true, kAtoB, session::content_type::kCjdht) == SendResult::kSent);
    carry(a, b, kBtoA);
    require(sendText(b, a, true, kBtoA, session::content_type::kCjdht) == SendResult::kSent);
    carry(b, a, kAtoB);
    require(sendText(a, b, false, 0, session::content_type::kTcp) == SendResult::kSent);
    carry(a, b, kBtoA);
    require(sendText(b, a, false, 0, session::content_type::kUdp) == SendResult::kSent);
    carry(b, a, kAtoB);
    require(a.delivered == 2 && b.delivered == 2);
  }
};

/// Every packet a manager sends in answer to junk is an AUTHENTICATION
/// error to the return path.
void checkReplies(const End& e, std::size_t from, std::uint64_t returnPath) {
  for (std::size_t i = from; i < e.out.size(); ++i) {
    switching::ControlPacket pkt;
    require(switching::parseControlPacket(e.out[i], pkt) == switching::ControlParseStatus::kOk);
    require(e.out[i].size() == 60);
    require(pkt.header.label == returnPath && pkt.header.suppressErrors);
    require(pkt.message.type == switching::ControlType::kError);
    require(std::get<switching::ErrorBody>(pkt.message.body).code ==
            static_cast<std::uint32_t>(switching::ErrorCode::kAuthentication));
  }
}

void feed(End& e, std::span<const std::uint8_t> input, std::uint64_t returnPath, bool suppress) {
  wire::Message m;
  switching::SwitchHeader h;
  h.label = switching::bitReverse64(returnPath);
  h.suppressErrors = suppress;
  const std::size_t room = wire::Message::kCapacity - wire::Message::kDefaultHeadroom - switching::SwitchHeader::kSize;
  if (!m.assign(input.first(std::min(input.size(), room))) || !h.push(m)) require(false);
  const std::size_t before = e.out.size();
  e.sm.fromSwitch(m, kNowMs);
  if (suppress) require(e.out.size() == before);
  checkReplies(e, before, returnPath);
  require(e.sm.handles().size() == e.sm.sessionCount());
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const std::span<const std::uint8_t> input(data, size);
  {
    End stranger(303);
    feed(stranger, input, kBtoA, false);
    require(stranger.sm.sessionCount() <= 1);
  }
  for (const bool suppress : {false, true}) {
    Pair pair;
    feed(pair.b, input, kBtoA, suppress);
    feed(pair.a, input, kAtoB, suppress);
    require(pair.a.sm.sessionCount() <= 2 && pair.b.sm.sessionCount() <= 2);
  }
  return 0;
}
