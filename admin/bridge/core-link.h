// The bridge's side of proto/admin.capnp: the seam to the core (CoreLink),
// the first exchange (hello -> info), and what the bridge keeps of `info`.
#pragma once

#include <capnp/message.h>

#include <cstdint>
#include <string>
#include <vector>

#include "core/crypto/keys.h"
#include "core/util/result.h"
#include "proto/admin.capnp.h"

namespace cjdns::admin {

/// Where the bridge sends its requests. The process shell sends them over
/// the SOCK_SEQPACKET channel; tests answer them with a fake core.
class CoreLink {
 public:
  virtual ~CoreLink() = default;
  /// Sends one AdminToCore message; false if it could not be sent (the
  /// bridge then answers the client with an error at once).
  virtual bool send(capnp::MessageBuilder& message) = 0;
};

/// The node as `info` describes it.
struct NodeInfo {
  crypto::PublicKey publicKey{};
  crypto::Ip6 ip6{};
  std::uint32_t protocolVersion = 0;
  std::vector<std::uint8_t> encodingScheme;  ///< compressed form
  std::uint32_t corePid = 0;
  std::string adminPassword;
  std::uint64_t startedMs = 0;
};

/// The request id of `hello` (and so of its `info` answer).
inline constexpr std::uint64_t kHelloId = 0;

/// Fills `message` with the first request.
void buildHello(capnp::MessageBuilder& message);

/// Checks and copies the answer to hello: it must be `info` for id 0 with a
/// 32-byte key, a 16-byte address that belongs to that key, a readable
/// encoding scheme. Never throws.
util::Result<NodeInfo> parseInfo(proto::CoreToAdmin::Reader message);

}  // namespace cjdns::admin
