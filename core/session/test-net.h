// Helpers shared by the session and routing unit tests (not part of the
// library): nodes with real fc identities and a fake switch between two
// session managers.
#pragma once

#include <doctest/doctest.h>

#include <array>
#include <cstdint>
#include <deque>
#include <memory>
#include <span>
#include <string>
#include <vector>

#include "core/crypto/keys.h"
#include "core/crypto/random.h"
#include "core/session/data-header.h"
#include "core/session/session-manager.h"
#include "core/switch/label.h"
#include "core/wire/endian.h"
#include "core/wire/message.h"

namespace cjdns::session::test {

/// Deterministic, but a real fc identity: draw until the address fits.
inline crypto::PrivateKey makeKey(std::uint64_t seed) {
  crypto::DeterministicRandom r(seed * 7919 + 1);
  return crypto::drawFcKey(r);
}

inline std::span<const std::uint8_t> bytesOf(const std::string& s) {
  return {reinterpret_cast<const std::uint8_t*>(s.data()), s.size()};
}

inline std::string textOf(const wire::Message& m) { return {reinterpret_cast<const char*>(m.data()), m.length()}; }

inline void fill(wire::Message& m, const std::string& s) {
  m.reset();
  REQUIRE(m.append(bytesOf(s)));
}

class FakeSwitch;

/// One node: a session manager whose Upper records everything and can play
/// a tiny pathfinder (ping on needsSetup, answer "ping" with "pong").
class Node final : public Outbound, public Upper {
 public:
  struct Got {
    Delivery d;
    std::string payload;
  };

  Node(FakeSwitch& net, std::size_t index, std::uint64_t seed)
      : net_(net),
        index_(index),
        rng(seed),
        key(makeKey(seed)),
        pub(crypto::publicKeyOf(key)),
        ip6(crypto::addressOf(pub)),
        sm(key, rng, *this, *this) {}

  void sendFromRouter(wire::Message& msg, std::uint64_t nowMs) override;
  void deliver(const Delivery& d, wire::Message& payload, std::uint64_t nowMs) override {
    got.push_back({d, textOf(payload)});
    if (autoReply && d.contentType == content_type::kCjdht && textOf(payload) == "ping") {
      fill(payload, "pong");
      replies.push_back(sm.send(d.ip6, &d.key, 21, d.returnPath, content_type::kCjdht, payload, nowMs));
    }
  }
  void needsSetup(const NodeRef& n, std::uint64_t nowMs) override {
    setups.push_back(n);
    if (!autoPing) return;
    wire::Message m;
    fill(m, "ping");
    pings.push_back(sm.send(n.ip6, &n.key, n.version, n.label, content_type::kCjdht, m, nowMs));
  }
  void needsSearch(const crypto::Ip6& ip, std::uint32_t version, std::uint64_t) override {
    searches.push_back({ip, version});
  }
  void sessionEnded(const NodeRef& n, std::uint64_t) override { ended.push_back(n); }

  FakeSwitch& net_;
  std::size_t index_;
  crypto::DeterministicRandom rng;
  crypto::PrivateKey key;
  crypto::PublicKey pub{};
  crypto::Ip6 ip6{};
  SessionManager sm;

  bool autoPing = true;
  bool autoReply = true;
  std::vector<Got> got;
  std::vector<NodeRef> setups;
  std::vector<std::pair<crypto::Ip6, std::uint32_t>> searches;
  std::vector<NodeRef> ended;
  std::vector<SendResult> pings;
  std::vector<SendResult> replies;
  std::vector<std::vector<std::uint8_t>> sent;  ///< every packet as handed to the switch
};

/// Two nodes, each the other's direct peer: A reaches B by 0x13 and B
/// reaches A by 0x15. A packet's label is checked against the sender's label
/// for the other node and rewritten to what the receiving router would see:
/// a label that bit-reverses to the receiver's label for the sender.
class FakeSwitch {
 public:
  struct Packet {
    std::size_t to;
    std::vector<std::uint8_t> bytes;
  };
  static constexpr std::uint64_t kAtoB = 0x13;
  static constexpr std::uint64_t kBtoA = 0x15;

  FakeSwitch() {
    nodes.push_back(std::make_unique<Node>(*this, 0, 1));
    nodes.push_back(std::make_unique<Node>(*this, 1, 2));
  }
  Node& a() { return *nodes[0]; }
  Node& b() { return *nodes[1]; }

  void carry(std::size_t from, const wire::Message& msg) {
    std::vector<std::uint8_t> bytes(msg.data(), msg.data() + msg.length());
    nodes[from]->sent.push_back(bytes);
    const std::uint64_t expect = from == 0 ? kAtoB : kBtoA;
    if (bytes.size() < 12 || wire::loadBe64(bytes.data()) != expect) {
      ++misrouted;
      return;
    }
    const std::uint64_t back = from == 0 ? kBtoA : kAtoB;
    wire::storeBe64(bytes.data(), switching::bitReverse64(back));
    if (!dropAll) queue.push_back({1 - from, std::move(bytes)});
  }

  /// Delivers queued packets (and whatever they cause) until none are left.
  void pump() {
    for (int guard = 0; guard < 1000 && !queue.empty(); ++guard) {
      Packet p = std::move(queue.front());
      queue.pop_front();
      wire::Message m;
      REQUIRE(m.append(p.bytes));
      nodes[p.to]->sm.fromSwitch(m, now);
    }
  }

  std::vector<std::unique_ptr<Node>> nodes;
  std::deque<Packet> queue;
  std::uint64_t now = 5'000'000;
  std::size_t misrouted = 0;
  bool dropAll = false;
};

inline void Node::sendFromRouter(wire::Message& msg, std::uint64_t) { net_.carry(index_, msg); }

}  // namespace cjdns::session::test
