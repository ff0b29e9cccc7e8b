// SimNetwork: many NodeEngines in one process over simulated links, driven
// by a discrete-event clock. Everything the engines do is real (CryptoAuth,
// switch, CJDHT, sessions); only the wire and the clock are simulated.
// Deterministic: the same seed, keys and calls give the same run.
//
// Each node has one link interface and a made-up IPv4 address that encodes
// its index; a datagram to a node it has no simulated link with is refused
// (as if unroutable). Links have a latency and a loss rate; a node that is
// down sends and receives nothing and is not ticked.
#pragma once

#include <cstddef>
#include <cstdint>
#include <functional>
#include <memory>
#include <queue>
#include <random>
#include <span>
#include <string>
#include <vector>

#include "core/crypto/keys.h"
#include "core/node/node-engine.h"

namespace cjdns::sim {

struct LinkParams {
  std::uint32_t latencyMs = 5;
  double loss = 0.0;  ///< probability a datagram is lost, 0..1
};

struct SimCounters {
  std::uint64_t datagramsSent = 0;
  std::uint64_t datagramsDelivered = 0;
  std::uint64_t datagramsLost = 0;    ///< by the link's loss rate
  std::uint64_t datagramsToDown = 0;  ///< an end was down
  std::uint64_t datagramsNoLink = 0;  ///< no simulated link to that address
  std::uint64_t ticks = 0;
  std::uint64_t dataDelivered = 0;    ///< end-to-end payloads handed to the delivery handler
};

/// `count` private keys with fc addresses, derived from `seed`. Finding one
/// takes ~256 tries of X25519, so they are cached in `cachePath` (if not
/// empty) and generated with `threads` threads.
std::vector<crypto::PrivateKey> simKeys(std::uint64_t seed, std::size_t count, const std::string& cachePath,
                                        unsigned threads = 2);

/// Hops in a label of v3x5x8 directors (all our engines use that scheme);
/// -1 if it does not parse.
int labelHops(std::uint64_t label);

class SimNetwork {
 public:
  /// At node `at`, an end-to-end payload arrived from d.ip6.
  using DeliveryHandler =
      std::function<void(std::size_t at, const session::Delivery& d, wire::Message& payload, std::uint64_t nowMs)>;

  explicit SimNetwork(std::uint64_t seed, std::uint64_t tickMs = 1024);
  ~SimNetwork();
  SimNetwork(const SimNetwork&) = delete;
  SimNetwork& operator=(const SimNetwork&) = delete;

  /// A new node with this identity; its first tick comes within tickMs.
  std::size_t addNode(const crypto::PrivateKey& key);
  /// `a` dials `b` (b accepts the shared simulation password).
  bool addLink(std::size_t a, std::size_t b, LinkParams p = {});
  void setDown(std::size_t i, bool down);
  bool isDown(std::size_t i) const;

  void runFor(std::uint64_t ms) { runUntil(now_ + ms); }
  void runUntil(std::uint64_t t);
  std::uint64_t now() const { return now_; }

  std::size_t size() const { return nodes_.size(); }
  node::NodeEngine& engine(std::size_t i);
  const crypto::Ip6& ip6(std::size_t i) const;
  const SimCounters& counters() const { return counters_; }

  void setDeliveryHandler(DeliveryHandler h) { onDelivery_ = std::move(h); }
  /// Sends an end-to-end payload from one node to another (UDP content type).
  session::SendResult sendData(std::size_t from, std::size_t to, std::span<const std::uint8_t> payload);

 private:
  class Node;
  struct Event {
    std::uint64_t at;
    std::uint64_t seq;
    std::uint32_t node;      ///< who receives or ticks
    std::uint32_t from;      ///< sender of a datagram; UINT32_MAX: a tick
    std::uint32_t slot = 0;  ///< datagram bytes in payloads_
    bool operator>(const Event& o) const { return at != o.at ? at > o.at : seq > o.seq; }
  };

  bool transmit(std::uint32_t from, const iface::LinkAddress& to, const wire::Message& msg);
  void handle(const Event& e);
  std::uint32_t storePayload(const wire::Message& msg);

  std::uint64_t tickMs_;
  std::uint64_t now_ = 1'000'000;
  std::uint64_t seq_ = 0;
  std::mt19937_64 rng_;
  std::vector<std::unique_ptr<Node>> nodes_;
  std::priority_queue<Event, std::vector<Event>, std::greater<>> events_;
  std::vector<std::vector<std::uint8_t>> payloads_;
  std::vector<std::uint32_t> freePayloads_;
  DeliveryHandler onDelivery_;
  SimCounters counters_;
};

}  // namespace cjdns::sim
