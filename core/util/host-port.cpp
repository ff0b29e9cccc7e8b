#include "core/util/host-port.h"

#include <arpa/inet.h>

#include <cctype>
#include <cstring>

namespace cjdns::util {
namespace {

Error bad(std::string message) { return Error{std::move(message), {}, ""}; }

bool parsePort(std::string_view text, std::uint16_t& port) {
  if (text.empty() || text.size() > 5) return false;
  unsigned long v = 0;
  for (char c : text) {
    if (c < '0' || c > '9') return false;
    v = v * 10 + static_cast<unsigned long>(c - '0');
  }
  if (v > 65535) return false;
  port = static_cast<std::uint16_t>(v);
  return true;
}

bool looksLikeHostname(std::string_view host) {
  for (char c : host) {
    if (std::isalpha(static_cast<unsigned char>(c)) != 0 || c == '-') return true;
  }
  return false;
}

}  // namespace

std::string HostPort::toString() const {
  char buf[INET6_ADDRSTRLEN] = {};
  inet_ntop(isIpv6 ? AF_INET6 : AF_INET, ip.data(), buf, sizeof buf);
  std::string host = isIpv6 ? "[" + std::string(buf) + "]" : std::string(buf);
  return host + ":" + std::to_string(port);
}

Result<HostPort> parseHostPort(std::string_view text, PortRule rule) {
  HostPort hp;
  std::string_view host = text;
  std::string_view port;
  bool hasPort = false;
  if (!text.empty() && text[0] == '[') {
    auto close = text.find(']');
    if (close == std::string_view::npos) return bad("'[' without ']' in \"" + std::string(text) + "\"");
    host = text.substr(1, close - 1);
    std::string_view rest = text.substr(close + 1);
    if (!rest.empty()) {
      if (rest[0] != ':') return bad("expected ':port' after ']' in \"" + std::string(text) + "\"");
      port = rest.substr(1);
      hasPort = true;
    }
    hp.isIpv6 = true;
  } else {
    auto colon = text.rfind(':');
    if (colon != std::string_view::npos && text.find(':') != colon) {
      return bad("an IPv6 address with a port must be written [address]:port, got \"" + std::string(text) + "\"");
    }
    if (colon != std::string_view::npos) {
      host = text.substr(0, colon);
      port = text.substr(colon + 1);
      hasPort = true;
    }
  }
  if (!hasPort && rule == PortRule::kRequired) {
    return bad("missing port: expected ip:port or [ipv6]:port, got \"" + std::string(text) + "\"");
  }
  if (hasPort && !parsePort(port, hp.port)) {
    return bad("port must be a number from 0 to 65535, got \"" + std::string(port) + "\"");
  }
  std::string hostStr(host);
  if (inet_pton(hp.isIpv6 ? AF_INET6 : AF_INET, hostStr.c_str(), hp.ip.data()) != 1) {
    if (!hp.isIpv6 && looksLikeHostname(host)) {
      return bad("hostnames aren't supported, use an IP address: \"" + hostStr + "\"");
    }
    return bad(std::string("not a valid ") + (hp.isIpv6 ? "IPv6" : "IPv4") + " address: \"" + hostStr + "\"");
  }
  return hp;
}

bool parseMac(std::string_view text, std::array<std::uint8_t, 6>& out) {
  if (text.size() != 17) return false;
  for (std::size_t i = 0; i < 6; ++i) {
    if (i > 0 && text[i * 3 - 1] != ':') return false;
    unsigned v = 0;
    for (std::size_t k = 0; k < 2; ++k) {
      char c = static_cast<char>(std::tolower(static_cast<unsigned char>(text[i * 3 + k])));
      if (c >= '0' && c <= '9') {
        v = v * 16 + static_cast<unsigned>(c - '0');
      } else if (c >= 'a' && c <= 'f') {
        v = v * 16 + static_cast<unsigned>(c - 'a' + 10);
      } else {
        return false;
      }
    }
    out[i] = static_cast<std::uint8_t>(v);
  }
  return true;
}

}  // namespace cjdns::util
