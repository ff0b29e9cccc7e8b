// A core for tests and fuzzing: answers the bridge's typed requests from a
// small, plausible, fixed node state (one peer, one session, a two-entry
// table). Answers are queued and delivered by pump(), so tests control when
// "late" answers arrive.
#pragma once

#include <capnp/message.h>

#include <cstdint>
#include <deque>
#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "admin/bridge/bridge.h"
#include "admin/bridge/core-link.h"
#include "core/crypto/keys.h"

namespace cjdns::admin::testing {

struct FakePeer {
  crypto::PublicKey key{};
  std::uint32_t version = 21;
  std::uint64_t label = 0x13;
  std::string user = "node-a";   ///< "" = no user
  std::string lladdr = "10.99.0.1:7937";
};

struct FakeState {
  crypto::Identity self;
  std::uint32_t protocolVersion = 21;
  std::vector<FakePeer> peers;
  std::vector<std::uint32_t> handles{34117};
  std::vector<std::string> users{"default-login", "Local Peers"};
  std::uint32_t pid = 4242;
  std::string password = "NONE";
};

/// A state with a fresh identity and one peer with a fresh key.
FakeState defaultState();

class FakeCore : public CoreLink {
 public:
  explicit FakeCore(FakeState state) : state_(std::move(state)) {}

  bool send(capnp::MessageBuilder& message) override;

  /// Delivers every queued answer to `bridge`; returns how many.
  std::size_t pump(Bridge& bridge, std::uint64_t nowUnixMs);

  /// The `info` answer to hello, as a NodeInfo.
  NodeInfo info() const;

  FakeState& state() { return state_; }
  /// Requests seen, by union tag (proto::AdminToCore::Which).
  const std::vector<unsigned>& seen() const { return seen_; }
  std::size_t queued() const { return queue_.size(); }
  /// When false, requests are recorded but never answered.
  bool answer = true;
  /// When false, send() fails.
  bool linkUp = true;
  /// Hook to answer differently: return true if it filled the answer.
  std::function<bool(proto::AdminToCore::Reader, proto::CoreToAdmin::Builder)> override_;

 private:
  void fill(proto::AdminToCore::Reader req, proto::CoreToAdmin::Builder out);

  FakeState state_;
  std::deque<std::unique_ptr<capnp::MallocMessageBuilder>> queue_;
  std::vector<unsigned> seen_;
};

}  // namespace cjdns::admin::testing
