#include "ifacectl/ip-addr.h"

#include <arpa/inet.h>
#include <sys/socket.h>

#include <algorithm>

namespace cjdns::ifacectl {

IpAddr IpAddr::v4(std::span<const std::uint8_t, 4> raw) {
  IpAddr a;
  a.family = AF_INET;
  std::copy(raw.begin(), raw.end(), a.bytes.begin());
  return a;
}

IpAddr IpAddr::v6(std::span<const std::uint8_t, 16> raw) {
  IpAddr a;
  a.family = AF_INET6;
  std::copy(raw.begin(), raw.end(), a.bytes.begin());
  return a;
}

std::optional<IpAddr> IpAddr::fromBytes(std::span<const std::uint8_t> raw) {
  if (raw.size() == 4) return v4(raw.first<4>());
  if (raw.size() == 16) return v6(raw.first<16>());
  return std::nullopt;
}

std::optional<IpAddr> IpAddr::parse(std::string_view text) {
  if (text.empty() || text.size() > INET6_ADDRSTRLEN) return std::nullopt;
  std::string s(text);  // inet_pton needs a terminated string
  IpAddr a;
  if (inet_pton(AF_INET, s.c_str(), a.bytes.data()) == 1) {
    a.family = AF_INET;
    return a;
  }
  if (inet_pton(AF_INET6, s.c_str(), a.bytes.data()) == 1) {
    a.family = AF_INET6;
    return a;
  }
  return std::nullopt;
}

std::size_t IpAddr::size() const {
  if (family == AF_INET) return 4;
  if (family == AF_INET6) return 16;
  return 0;
}

unsigned IpAddr::maxPrefix() const { return static_cast<unsigned>(size() * 8); }

std::string IpAddr::toString() const {
  if (size() == 0) return "(no address)";
  char buf[INET6_ADDRSTRLEN] = {};
  inet_ntop(family, bytes.data(), buf, sizeof buf);
  return buf;
}

IpAddr IpAddr::masked(unsigned prefixLen) const {
  IpAddr out = *this;
  for (std::size_t i = 0; i < out.bytes.size(); ++i) {
    unsigned bitsBefore = static_cast<unsigned>(i * 8);
    if (prefixLen >= bitsBefore + 8) continue;
    unsigned keep = prefixLen > bitsBefore ? prefixLen - bitsBefore : 0;
    out.bytes[i] = static_cast<std::uint8_t>(out.bytes[i] & (0xff00u >> keep));
  }
  return out;
}

}  // namespace cjdns::ifacectl
