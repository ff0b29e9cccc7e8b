// Node lists in CJDHT replies (upper.md 1.6): "n" is 40-byte entries (a
// 32-byte key and the replier's 8-byte big-endian label for the node), "np"
// a width byte then one version per entry. Reading them is the one parser
// the pathfinder adds; it never trusts a count it has not checked.
#pragma once

#include <cstddef>
#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "core/crypto/keys.h"
#include "core/util/value.h"

namespace cjdns::routing {

/// A node as a DHT reply lists it: key, a label for it, its version.
struct DhtNode {
  crypto::PublicKey key{};
  std::uint64_t label = 0;
  std::uint32_t version = 0;
  friend bool operator==(const DhtNode&, const DhtNode&) = default;
};

inline constexpr std::size_t kNodeEntrySize = 40;  ///< key 32 + label 8

/// "np" for these versions: a width byte, then each version big-endian in
/// that width (1 unless a version is >= 255, as cjdns VersionList_stringify).
std::string serializeVersionList(std::span<const std::uint32_t> versions);

/// cjdns VersionList_parse: width 1..4 and a length that is a whole number
/// of versions; nullopt otherwise.
std::optional<std::vector<std::uint32_t>> parseVersionList(std::string_view np);

/// The "n" and "np" of a reply, as ReplySerializer_parse reads them before
/// splicing: nullopt when "n" is missing, empty or not a multiple of 40
/// bytes, or "np" is missing, malformed or counts differently. Labels are as
/// the replier wrote them (relative to it).
std::optional<std::vector<DhtNode>> parseNodeList(const util::Dict& reply);

/// Which nodes closestNodes may pick.
struct ClosestFilter {
  const crypto::PublicKey* exclude = nullptr;  ///< this key never (our own)
  std::uint32_t compatibleWith = 0;            ///< 0: any version; else versionsCompatible with it
};

/// Up to `count` of `nodes` nearest to `target` by the DHT distance, nearest
/// first; a key listed twice counts once (its first entry). Nodes without a
/// usable path (label 0 or 2^63 and above, as cjdns never hands out) are left out.
std::vector<DhtNode> closestNodes(const crypto::Ip6& target, std::span<const DhtNode> nodes, std::size_t count,
                                  const ClosestFilter& filter = {});

}  // namespace cjdns::routing
