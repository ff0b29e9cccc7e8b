#include "core/routing/node-list.h"

#include <algorithm>

#include "core/routing/distance.h"
#include "core/wire/endian.h"

namespace cjdns::routing {

std::string serializeVersionList(std::span<const std::uint32_t> versions) {
  std::size_t width = 1;
  for (const std::uint32_t v : versions) {
    // A width whose all-ones value equals the version is widened too.
    while (width < 4 && v >= (std::uint64_t{1} << (8 * width)) - 1) ++width;
  }
  std::string out(1, static_cast<char>(width));
  out.reserve(1 + width * versions.size());
  for (const std::uint32_t v : versions) {
    for (std::size_t i = width; i-- > 0;) out.push_back(static_cast<char>((v >> (8 * i)) & 0xff));
  }
  return out;
}

std::optional<std::vector<std::uint32_t>> parseVersionList(std::string_view np) {
  if (np.empty()) return std::nullopt;
  const std::size_t width = static_cast<std::uint8_t>(np[0]);
  if (width == 0 || width > 4) return std::nullopt;
  const std::string_view body = np.substr(1);
  if (body.size() % width != 0) return std::nullopt;
  std::vector<std::uint32_t> out;
  out.reserve(body.size() / width);
  for (std::size_t i = 0; i < body.size(); i += width) {
    std::uint32_t v = 0;
    for (std::size_t j = 0; j < width; ++j) v = (v << 8) | static_cast<std::uint8_t>(body[i + j]);
    out.push_back(v);
  }
  return out;
}

std::optional<std::vector<DhtNode>> parseNodeList(const util::Dict& reply) {
  const util::Value* n = reply.find("n");
  const util::Value* np = reply.find("np");
  if (n == nullptr || !n->isString() || np == nullptr || !np->isString()) return std::nullopt;
  const std::string& entries = n->asString();
  if (entries.empty() || entries.size() % kNodeEntrySize != 0) return std::nullopt;
  auto versions = parseVersionList(np->asString());
  if (!versions || versions->size() != entries.size() / kNodeEntrySize) return std::nullopt;
  std::vector<DhtNode> out(versions->size());
  const auto* bytes = reinterpret_cast<const std::uint8_t*>(entries.data());
  for (std::size_t i = 0; i < out.size(); ++i) {
    const std::uint8_t* e = bytes + i * kNodeEntrySize;
    std::copy_n(e, out[i].key.size(), out[i].key.begin());
    out[i].label = wire::loadBe64(e + 32);
    out[i].version = (*versions)[i];
  }
  return out;
}

std::vector<DhtNode> closestNodes(const crypto::Ip6& target, std::span<const DhtNode> nodes, std::size_t count,
                                  const ClosestFilter& filter) {
  struct Ranked {
    Distance d;
    std::size_t index;
  };
  std::vector<Ranked> ranked;
  ranked.reserve(nodes.size());
  for (std::size_t i = 0; i < nodes.size(); ++i) {
    const DhtNode& n = nodes[i];
    if (n.label == 0 || n.label >= (std::uint64_t{1} << 63)) continue;
    if (filter.exclude != nullptr && n.key == *filter.exclude) continue;
    if (filter.compatibleWith != 0 && !versionsCompatible(filter.compatibleWith, n.version)) continue;
    ranked.push_back({distance(target, crypto::addressOf(n.key)), i});
  }
  // Stable: of two entries for one key (equal distance) the first stays first.
  std::stable_sort(ranked.begin(), ranked.end(), [](const Ranked& a, const Ranked& b) { return a.d < b.d; });
  std::vector<DhtNode> out;
  for (const Ranked& r : ranked) {
    if (out.size() >= count) break;
    const DhtNode& n = nodes[r.index];
    if (std::any_of(out.begin(), out.end(), [&](const DhtNode& o) { return o.key == n.key; })) continue;
    out.push_back(n);
  }
  return out;
}

}  // namespace cjdns::routing
