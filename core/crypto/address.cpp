#include "core/crypto/address.h"

#include <arpa/inet.h>

#include <cstdio>
#include <limits>
#include <utility>

namespace cjdns::crypto {
namespace {

constexpr std::size_t kLabelChars = 19;

int hexValue(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}

unsigned group(const Ip6& address, std::size_t i) {
  return static_cast<unsigned>((address[2 * i] << 8) | address[2 * i + 1]);
}

/// Joins the 8 groups with ':', each as 4 hex digits, or with its leading
/// zeros dropped when pad is false (a zero group still prints as "0").
std::string joinGroups(const Ip6& address, bool pad) {
  static constexpr char kDigits[] = "0123456789abcdef";
  std::string out;
  out.reserve(39);
  for (std::size_t i = 0; i < 8; ++i) {
    if (i > 0) out.push_back(':');
    unsigned g = group(address, i);
    bool started = pad;
    for (int shift = 12; shift >= 0; shift -= 4) {
      unsigned nibble = (g >> shift) & 0xf;
      started = started || nibble != 0 || shift == 0;
      if (started) out.push_back(kDigits[nibble]);
    }
  }
  return out;
}

/// Parses "v<digits>" up to the first '.', returning the version and the
/// offset just past the dot.
std::optional<std::pair<std::uint32_t, std::size_t>> parseVersion(std::string_view text) {
  if (text.empty() || text[0] != 'v') return std::nullopt;
  std::uint64_t version = 0;
  std::size_t i = 1;
  for (; i < text.size() && text[i] != '.'; ++i) {
    if (text[i] < '0' || text[i] > '9') return std::nullopt;
    version = version * 10 + static_cast<std::uint64_t>(text[i] - '0');
    if (version > std::numeric_limits<std::uint32_t>::max()) return std::nullopt;
  }
  if (i == 1 || i == text.size()) return std::nullopt;  // no digits, or no '.'
  return std::pair{static_cast<std::uint32_t>(version), i + 1};
}

}  // namespace

std::string ip6ToString(const Ip6& address) { return joinGroups(address, true); }

std::string ip6ToShortString(const Ip6& address) { return joinGroups(address, false); }

std::optional<Ip6> parseIp6(std::string_view text) {
  // inet_pton needs a NUL-terminated string; an embedded NUL would silently
  // cut the input short, so refuse it. 45 chars is the longest valid form.
  if (text.size() > 45 || text.find('\0') != std::string_view::npos) return std::nullopt;
  std::string copy(text);
  Ip6 out{};
  if (::inet_pton(AF_INET6, copy.c_str(), out.data()) != 1) return std::nullopt;
  return out;
}

std::string labelToString(std::uint64_t label) {
  char buf[kLabelChars + 1];
  std::snprintf(buf, sizeof buf, "%04x.%04x.%04x.%04x",
                static_cast<unsigned>((label >> 48) & 0xffff),
                static_cast<unsigned>((label >> 32) & 0xffff),
                static_cast<unsigned>((label >> 16) & 0xffff),
                static_cast<unsigned>(label & 0xffff));
  return buf;
}

std::optional<std::uint64_t> parseLabel(std::string_view text) {
  if (text.size() != kLabelChars) return std::nullopt;
  std::uint64_t label = 0;
  for (std::size_t i = 0; i < kLabelChars; ++i) {
    if (i % 5 == 4) {
      if (text[i] != '.') return std::nullopt;
      continue;
    }
    int v = hexValue(text[i]);
    if (v < 0) return std::nullopt;
    label = (label << 4) | static_cast<std::uint64_t>(v);
  }
  return label;
}

std::string nodeNameToString(const NodeName& node) {
  return "v" + std::to_string(node.version) + "." + labelToString(node.label) + "." +
         publicKeyToString(node.key);
}

std::string nodeNameToIpString(const NodeName& node) {
  return "v" + std::to_string(node.version) + "." + labelToString(node.label) + "." +
         ip6ToString(addressOf(node.key));
}

std::optional<NodeName> parseNodeName(std::string_view text) {
  auto version = parseVersion(text);
  if (!version) return std::nullopt;
  std::string_view rest = text.substr(version->second);
  // "<19-char label>.<54-char key>", nothing more.
  if (rest.size() != kLabelChars + 1 + 54 || rest[kLabelChars] != '.') return std::nullopt;
  auto label = parseLabel(rest.substr(0, kLabelChars));
  if (!label) return std::nullopt;
  ParsedKey key = parsePublicKey(rest.substr(kLabelChars + 1));
  if (!key.ok()) return std::nullopt;
  return NodeName{version->first, *label, key.key};
}

}  // namespace cjdns::crypto
