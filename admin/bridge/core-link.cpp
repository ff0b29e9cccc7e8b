#include "admin/bridge/core-link.h"

#include <kj/exception.h>

#include <cstring>
#include <span>

#include "core/switch/encoding-scheme.h"

namespace cjdns::admin {

void buildHello(capnp::MessageBuilder& message) {
  auto m = message.initRoot<proto::AdminToCore>();
  m.setId(kHelloId);
  m.setHello();
}

util::Result<NodeInfo> parseInfo(proto::CoreToAdmin::Reader message) {
  NodeInfo info;
  std::string problem;
  kj::Maybe<kj::Exception> ex = kj::runCatchingExceptions([&] {
    if (message.getId() != kHelloId || message.which() != proto::CoreToAdmin::INFO) {
      problem = "the first message from the core is not info";
      return;
    }
    auto i = message.getInfo();
    auto key = i.getPublicKey();
    auto ip = i.getIp6();
    if (key.size() != 32 || ip.size() != 16) {
      problem = "info: the key must be 32 bytes and the address 16";
      return;
    }
    std::memcpy(info.publicKey.data(), key.begin(), 32);
    std::memcpy(info.ip6.data(), ip.begin(), 16);
    if (crypto::addressOf(info.publicKey) != info.ip6) {
      problem = "info: the address does not belong to the key";
      return;
    }
    auto es = i.getEncodingScheme();
    info.encodingScheme.assign(es.begin(), es.end());
    if (!switching::EncodingScheme::deserialize(std::span<const std::uint8_t>(info.encodingScheme))) {
      problem = "info: unreadable encoding scheme";
      return;
    }
    info.protocolVersion = i.getProtocolVersion();
    info.corePid = i.getCorePid();
    info.adminPassword = i.getAdminPassword();
    info.startedMs = i.getStartedMs();
  });
  KJ_IF_MAYBE(e, ex) { problem = std::string("info: unreadable message: ") + e->getDescription().cStr(); }
  if (!problem.empty()) return util::Error{problem, {}, {}};
  return info;
}

}  // namespace cjdns::admin
