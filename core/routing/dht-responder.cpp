#include "core/routing/dht-responder.h"

#include <algorithm>
#include <array>
#include <limits>
#include <string_view>

#include "core/switch/encoding-scheme.h"
#include "core/switch/label.h"
#include "core/wire/bencode.h"
#include "core/wire/endian.h"

namespace cjdns::routing {

using util::Dict;
using util::Value;

namespace {

constexpr std::size_t kGetPeersTargetSize = 8;  // a BE label

DhtResult dropped(DhtDrop why) {
  DhtResult r;
  r.drop = why;
  return r;
}

const std::string* stringAt(const Dict& d, std::string_view key) {
  const Value* v = d.find(key);
  return v != nullptr && v->isString() ? &v->asString() : nullptr;
}

}  // namespace

const char* describe(DhtDrop d) {
  switch (d) {
    case DhtDrop::kNone: return "none";
    case DhtDrop::kTooLong: return "longer than 1536 bytes";
    case DhtDrop::kBadBencode: return "not bencode";
    case DhtDrop::kNotDict: return "not a dictionary";
    case DhtDrop::kNoTxid: return "no txid";
    case DhtDrop::kNoVersion: return "no protocol version";
    case DhtDrop::kOldVersion: return "incompatible protocol version";
    case DhtDrop::kBadScheme: return "bad encoding scheme";
    case DhtDrop::kNoEncodingIndex: return "no encoding index";
    case DhtDrop::kBadEncodingIndex: return "bad encoding index";
  }
  return "unknown";
}

DhtResponder::DhtResponder(const crypto::PublicKey& ourKey, std::uint32_t ourVersion)
    : ourKey_(ourKey), ourVersion_(ourVersion) {
  const auto es = switching::EncodingScheme::v358().serialize();
  scheme_.assign(es.begin(), es.end());
}

DhtResult DhtResponder::handle(std::span<const std::uint8_t> payload, std::uint64_t returnPath,
                               std::span<const DhtNode> peers, std::span<const DhtNode> learned) const {
  if (payload.size() > kMaxDhtMessageSize) return dropped(DhtDrop::kTooLong);
  wire::BencodeLimits limits;
  limits.allowTrailingBytes = true;  // the DHT logs them and reads on
  auto decoded =
      wire::bencodeDecode(std::string_view(reinterpret_cast<const char*>(payload.data()), payload.size()), limits);
  if (!decoded) return dropped(DhtDrop::kBadBencode);
  return handle(std::move(decoded).value(), returnPath, peers, learned);
}

DhtResult DhtResponder::handle(Value message, std::uint64_t returnPath, std::span<const DhtNode> peers,
                               std::span<const DhtNode> learned) const {
  DhtResult r;
  if (!message.isDict()) {
    r.drop = DhtDrop::kNotDict;
    return r;
  }
  r.drop = check(message.asDict(), r.senderVersion);
  if (r.drop != DhtDrop::kNone) return r;
  const Dict& d = message.asDict();
  const std::string* q = stringAt(d, "q");
  if (q == nullptr) {
    // "sq" queries are for route servers; anything else without "q" is a reply.
    r.verdict = d.find("sq") != nullptr ? DhtVerdict::kIgnored : DhtVerdict::kNotQuery;
  } else if (*q == "sq") {
    r.verdict = DhtVerdict::kIgnored;
  } else {
    r.verdict = DhtVerdict::kReply;
    r.reply = replyTo(d, r.senderVersion, returnPath, peers, learned);
  }
  r.message = std::move(message);
  return r;
}

// The checks of the old DHT's incoming modules, in their order.
DhtDrop DhtResponder::check(const Dict& d, std::uint32_t& version) const {
  if (stringAt(d, "txid") == nullptr) return DhtDrop::kNoTxid;
  std::size_t forms = switching::EncodingScheme::v358().forms().size();  // absent "es": v3x5x8
  if (const std::string* es = stringAt(d, "es")) {
    const auto scheme = switching::EncodingScheme::deserialize(
        std::span(reinterpret_cast<const std::uint8_t*>(es->data()), es->size()));
    if (!scheme) return DhtDrop::kBadScheme;
    forms = scheme->forms().size();
  }
  const Value* p = d.find("p");
  if (p == nullptr || !p->isInt()) return DhtDrop::kNoVersion;
  if (p->asInt() < kMinDhtVersion || p->asInt() > std::numeric_limits<std::uint32_t>::max()) {
    return DhtDrop::kOldVersion;
  }
  const Value* ei = d.find("ei");
  if (ei == nullptr || !ei->isInt()) return DhtDrop::kNoEncodingIndex;
  if (ei->asInt() < 0 || static_cast<std::uint64_t>(ei->asInt()) >= forms) return DhtDrop::kBadEncodingIndex;
  version = static_cast<std::uint32_t>(p->asInt());
  return DhtDrop::kNone;
}

Value DhtResponder::replyTo(const Dict& query, std::uint32_t askerVersion, std::uint64_t returnPath,
                           std::span<const DhtNode> peers, std::span<const DhtNode> learned) const {
  Dict reply;
  // Echoed byte for byte: the asker routes the reply by its txid prefix.
  reply.add("txid", Value(*stringAt(query, "txid")));
  addCommon(reply, returnPath);
  const std::string& q = *stringAt(query, "q");
  const std::string* tar = stringAt(query, "tar");
  // nh would need a best-path tree, which we do not keep: like an empty
  // list, that is a bare reply. So is any unknown query.
  if (q == "gp" && tar != nullptr && tar->size() == kGetPeersTargetSize) {
    const auto start = wire::loadBe64(reinterpret_cast<const std::uint8_t*>(tar->data()));
    addNodes(reply, getPeers(start, peers), returnPath);
  } else if (q == "fn" && tar != nullptr && tar->size() == kSearchTargetSize) {
    crypto::Ip6 target{};
    std::copy_n(reinterpret_cast<const std::uint8_t*>(tar->data()), target.size(), target.begin());
    addNodes(reply, findNodes(target, askerVersion, peers, learned), returnPath);
  }
  return Value(std::move(reply));
}

void DhtResponder::addCommon(Dict& d, std::uint64_t label) const {
  d.add("p", Value(std::int64_t{ourVersion_}));
  d.add("es", Value(scheme_));
  // Which form the first director of our path to the recipient is in.
  const int form = switching::EncodingScheme::v358().formNumber(label);
  d.add("ei", Value(std::int64_t{form < 0 ? 0 : form}));
}

void DhtResponder::addNodes(Dict& d, std::span<const DhtNode> nodes, std::uint64_t returnPath) const {
  std::string n;
  std::vector<std::uint32_t> versions;
  for (const DhtNode& node : nodes) {
    // The asker splices this label onto its path to us, whose first hop is
    // our director for the way back: that hop must not be the wider one.
    // Widening shifts the rest up by at most 6 bits; a label that would
    // not fit any more is left out rather than sent truncated.
    const unsigned grow = switching::v358::bitsForLabel(returnPath) > switching::v358::bitsForLabel(node.label)
                              ? switching::v358::bitsForLabel(returnPath) - switching::v358::bitsForLabel(node.label)
                              : 0;
    if (switching::labelLog2(node.label) + static_cast<int>(grow) > switching::kMaxLabelLog2) continue;
    n.append(reinterpret_cast<const char*>(node.key.data()), node.key.size());
    std::array<std::uint8_t, 8> label{};
    wire::storeBe64(label.data(), switching::v358::labelFor(node.label, returnPath));
    n.append(reinterpret_cast<const char*>(label.data()), label.size());
    versions.push_back(node.version);
  }
  if (versions.empty()) return;  // cjdns leaves out an empty list
  d.add("n", Value(std::move(n)));
  d.add("np", Value(serializeVersionList(versions)));
}

std::vector<DhtNode> DhtResponder::findNodes(const crypto::Ip6& target, std::uint32_t askerVersion,
                                             std::span<const DhtNode> peers, std::span<const DhtNode> learned) const {
  // Peers first, so that a node both a peer and learned keeps its peer label.
  std::vector<DhtNode> all;
  all.reserve(peers.size() + learned.size());
  all.insert(all.end(), peers.begin(), peers.end());
  all.insert(all.end(), learned.begin(), learned.end());
  ClosestFilter filter;
  filter.exclude = &ourKey_;
  filter.compatibleWith = askerVersion;
  std::vector<DhtNode> found = closestNodes(target, all, kMaxNodesPerReply, filter);
  // NodeStore_getClosestNodes fills its list from the end: closest last.
  std::reverse(found.begin(), found.end());
  return found;
}

std::vector<DhtNode> DhtResponder::getPeers(std::uint64_t startLabel, std::span<const DhtNode> peers) const {
  // Only the first director of the start label names one of our peers; the
  // bit above it makes it a complete one-hop label.
  if (startLabel > 1) {
    const unsigned bits = switching::v358::bitsForLabel(startLabel);
    startLabel = (startLabel & ((std::uint64_t{1} << bits) - 1)) | (std::uint64_t{1} << bits);
  }
  std::vector<DhtNode> found;
  if (switching::kSelfLabel >= startLabel) found.push_back(DhtNode{ourKey_, switching::kSelfLabel, ourVersion_});
  for (const DhtNode& p : peers) {
    if (p.label >= startLabel && switching::isOneHop(p.label)) found.push_back(p);
  }
  // Nearest first to pick them, then farthest first as cjdns lists them.
  std::stable_sort(found.begin(), found.end(), [](const DhtNode& a, const DhtNode& b) { return a.label < b.label; });
  if (found.size() > kMaxNodesPerReply) found.resize(kMaxNodesPerReply);
  std::reverse(found.begin(), found.end());
  return found;
}

std::string DhtResponder::versionList(std::span<const DhtNode> nodes) {
  std::vector<std::uint32_t> versions;
  versions.reserve(nodes.size());
  for (const DhtNode& n : nodes) versions.push_back(n.version);
  return serializeVersionList(versions);
}

Value DhtResponder::pingQuery(std::string txid, std::uint64_t label) const {
  Dict d;
  d.add("q", Value(std::string("pn")));
  d.add("txid", Value(std::move(txid)));
  addCommon(d, label);
  return Value(std::move(d));
}

Value DhtResponder::findNodeQuery(std::string txid, const crypto::Ip6& target, std::uint64_t label) const {
  Dict d;
  d.add("q", Value(std::string("fn")));
  d.add("tar", Value(std::string(reinterpret_cast<const char*>(target.data()), target.size())));
  d.add("txid", Value(std::move(txid)));
  addCommon(d, label);
  return Value(std::move(d));
}

Value DhtResponder::query(std::string q, std::string txid, std::string tar, std::uint64_t label) const {
  Dict d;
  d.add("q", Value(std::move(q)));
  if (!tar.empty()) d.add("tar", Value(std::move(tar)));
  d.add("txid", Value(std::move(txid)));
  addCommon(d, label);
  return Value(std::move(d));
}

}  // namespace cjdns::routing
