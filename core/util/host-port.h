// "ip:port" and "[ipv6]:port" text, as cjdroute.conf writes bind addresses
// and connectTo keys. Hostnames are refused: cjdns never resolves names here.
#pragma once

#include <array>
#include <cstdint>
#include <string>
#include <string_view>

#include "core/util/result.h"

namespace cjdns::util {

struct HostPort {
  std::array<std::uint8_t, 16> ip{};  ///< first 4 bytes used when !isIpv6
  bool isIpv6 = false;
  std::uint16_t port = 0;

  std::size_t ipLength() const { return isIpv6 ? 16 : 4; }
  /// "1.2.3.4:5" or "[::1]:5" (canonical inet_ntop form).
  std::string toString() const;
  friend bool operator==(const HostPort&, const HostPort&) = default;
};

enum class PortRule { kRequired, kOptional };

/// Parses the text; the error message says what was wrong (hostname, missing
/// or out-of-range port, bad address). With kOptional a missing port is 0.
Result<HostPort> parseHostPort(std::string_view text, PortRule rule = PortRule::kRequired);

/// A 6-byte MAC address in the form 01:02:03:04:05:06 (either case).
bool parseMac(std::string_view text, std::array<std::uint8_t, 6>& out);

}  // namespace cjdns::util
