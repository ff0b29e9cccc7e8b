// Fuzz target: arbitrary bytes as a CJDHT message (upper.md 1.5-1.8, 1.12),
// three ways:
//   1. as an "np" version list: whatever parses must survive a round trip;
//   2. as a message to our responder, which knows a few peers and learned
//      nodes: a reply it makes must decode, must not read as a query, and
//      its node list must parse and hold at most 8 nodes;
//   3. as the reply to the pathfinder's pending fn query (its txid forced
//      to the query's): the pathfinder must stay within its bounds, and
//      every node it learns or hands over must have an fc address and a
//      label that is not the invalid one.
// Everything is deterministic, so a crash replays from its input.
//
// The seeds in corpus/dht/ are an fn reply naming a node, an fn query, a gp
// query, a ping and a reply with a broken node list.
#include <array>
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "core/crypto/keys.h"
#include "core/crypto/random.h"
#include "core/routing/dht-responder.h"
#include "core/routing/node-list.h"
#include "core/routing/pathfinder.h"
#include "core/switch/label.h"
#include "core/wire/bencode.h"

namespace {

using namespace cjdns;
using routing::DhtNode;

void require(bool ok) {
  if (!ok) std::abort();
}

constexpr std::uint64_t kNowMs = 1'000'000;

crypto::PublicKey fcKey(std::uint64_t seed) {
  crypto::DeterministicRandom r(seed);
  while (true) {
    std::array<std::uint8_t, 32> b{};
    r.fill(b);
    const auto pub = crypto::publicKeyOf(crypto::PrivateKey(b));
    if (crypto::isValidAddress(crypto::addressOf(pub))) return pub;
  }
}

struct Keys {
  std::vector<crypto::PublicKey> k;
  Keys() {
    for (std::uint64_t s = 1; s <= 5; ++s) k.push_back(fcKey(s * 1009));
  }
};

const Keys& keys() {
  static const Keys all;
  return all;
}

class Host final : public routing::PathfinderHost {
 public:
  void sendQuery(const DhtNode& to, const util::Value& query, std::uint64_t) override {
    require(to.label != 0 && to.label != switching::kInvalidLabel);
    last = query;
    ++queries;
  }
  void nodeFound(const DhtNode& node, std::uint64_t) override {
    require(crypto::isValidAddress(crypto::addressOf(node.key)));
    require(node.label != 0 && node.label != switching::kInvalidLabel);
  }
  void pathBroken(const DhtNode&, std::uint64_t) override {}
  util::Value last;
  std::size_t queries = 0;
};

void versionLists(std::string_view in) {
  const auto v = routing::parseVersionList(in);
  if (!v) return;
  require(v->size() <= in.size());
  require(routing::parseVersionList(routing::serializeVersionList(*v)) == v);
}

void responder(std::span<const std::uint8_t> in) {
  const auto& k = keys().k;
  const routing::DhtResponder us(k[0], 21);
  const std::vector<DhtNode> peers{{k[1], 0x13, 21}, {k[2], 0x15, 22}};
  const std::vector<DhtNode> learned{{k[3], 0x153, 20}, {k[4], std::uint64_t{1} << 58 | 0x3, 21}};
  for (const std::uint64_t back : {std::uint64_t{0x13}, std::uint64_t{0x96}, std::uint64_t{0x400}}) {
    const auto r = us.handle(in, back, peers, learned);
    if (r.verdict != routing::DhtVerdict::kReply) continue;
    const std::string bytes = wire::bencodeEncode(r.reply);
    // A long txid is echoed whole: such a reply may be too long to be read.
    if (bytes.size() > routing::kMaxDhtMessageSize) continue;
    const routing::DhtResponder other(k[1], 21);
    const auto again =
        other.handle(std::span(reinterpret_cast<const std::uint8_t*>(bytes.data()), bytes.size()), 0x13, {});
    require(again.verdict == routing::DhtVerdict::kNotQuery);
    if (r.reply.asDict().find("n") != nullptr) {
      const auto nodes = routing::parseNodeList(r.reply.asDict());
      require(nodes.has_value() && !nodes->empty() && nodes->size() <= routing::kMaxNodesPerReply);
      for (const DhtNode& n : *nodes) require(n.key != k[0]);
    }
  }
}

void pathfinder(std::span<const std::uint8_t> in) {
  wire::BencodeLimits limits;
  limits.allowTrailingBytes = true;
  auto decoded = wire::bencodeDecode(std::string_view(reinterpret_cast<const char*>(in.data()), in.size()), limits);
  if (!decoded || !decoded->isDict()) return;
  const auto& k = keys().k;
  const routing::DhtResponder dht(k[0], 21);
  Host host;
  routing::PathfinderConfig cfg;
  cfg.maxNodes = 4;
  routing::Pathfinder pf(k[0], dht, host, cfg);
  const std::vector<DhtNode> peers{{k[1], 0x13, 21}};
  if (pf.search(crypto::addressOf(k[2]), peers, kNowMs) != routing::SearchStart::kStarted) std::abort();
  require(host.queries == 1);
  // The input as the peer's answer to that query.
  util::Dict reply = decoded->asDict();
  reply.add("txid", *host.last.asDict().find("txid"));
  require(pf.onReply(k[1], 0x13, reply, kNowMs));
  // And as an answer from a node that was not asked, and a second time.
  pf.onReply(k[3], 0x13, reply, kNowMs);
  pf.onReply(k[1], 0x13, reply, kNowMs);
  require(pf.nodes().size() <= cfg.maxNodes);
  require(pf.activeSearches() <= 1);
  require(pf.pendingQueries() <= cfg.parallel);
  require(host.queries <= cfg.maxRounds * cfg.parallel);
  for (const DhtNode& n : pf.nodes()) {
    require(n.key != k[0]);
    require(n.label != 0 && n.label != switching::kInvalidLabel);
    require(crypto::isValidAddress(crypto::addressOf(n.key)));
  }
  pf.tick(kNowMs + cfg.queryTimeoutMs);
  pf.tick(kNowMs + 3 * cfg.queryTimeoutMs);
  pf.tick(kNowMs + 5 * cfg.queryTimeoutMs);
  require(pf.activeSearches() == 0);
  require(pf.pendingQueries() == 0);
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const std::span<const std::uint8_t> in(data, size);
  versionLists(std::string_view(reinterpret_cast<const char*>(data), size));
  responder(in);
  pathfinder(in);
  return 0;
}
