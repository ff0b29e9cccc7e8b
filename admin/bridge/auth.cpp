#include "admin/bridge/auth.h"

#include <sodium.h>

#include <array>
#include <cctype>
#include <climits>
#include <cstring>

#include "core/util/hex.h"

namespace cjdns::admin {
namespace {

/// The cookie as cjdns reads it: strtoll-style text (leading blanks, a sign,
/// digits up to the first non-digit) truncated to 32 bits; if that gives 0,
/// an integer cookie, also truncated. 0 means "no cookie".
std::uint32_t readCookie(const util::Dict& request) {
  const util::Value* v = request.find("cookie");
  if (v == nullptr) return 0;
  std::int64_t n = 0;
  if (v->isString()) {
    const std::string& s = v->asString();
    std::size_t i = 0;
    while (i < s.size() && (s[i] == ' ' || (s[i] >= '\t' && s[i] <= '\r'))) ++i;
    bool negative = false;
    if (i < s.size() && (s[i] == '+' || s[i] == '-')) negative = s[i++] == '-';
    std::uint64_t acc = 0;
    bool overflow = false;
    for (; i < s.size() && s[i] >= '0' && s[i] <= '9'; ++i) {
      if (acc > (static_cast<std::uint64_t>(LLONG_MAX) - static_cast<unsigned>(s[i] - '0')) / 10) {
        overflow = true;
      } else {
        acc = acc * 10 + static_cast<unsigned>(s[i] - '0');
      }
    }
    if (overflow) {
      n = negative ? LLONG_MIN : LLONG_MAX;
    } else {
      n = negative ? -static_cast<std::int64_t>(acc) : static_cast<std::int64_t>(acc);
    }
    if (static_cast<std::uint32_t>(n) != 0) return static_cast<std::uint32_t>(n);
    return 0;  // a string cookie that reads as 0 is not retried as an integer (there is none)
  }
  if (v->isInt()) return static_cast<std::uint32_t>(v->asInt());
  return 0;
}

std::array<std::uint8_t, 32> sha256(std::string_view bytes) {
  std::array<std::uint8_t, 32> out{};
  crypto_hash_sha256(out.data(), reinterpret_cast<const unsigned char*>(bytes.data()), bytes.size());
  return out;
}

/// hex(SHA-256(raw with `hash1hex` written over the 64 bytes at `at`)).
std::string requestHash(std::string raw, std::size_t at, const std::string& hash1hex) {
  raw.replace(at, 64, hash1hex);
  return sha256Hex(raw);
}

bool sameHash(const std::string& a, const std::string& b) {
  return a.size() == 64 && b.size() == 64 && sodium_memcmp(a.data(), b.data(), 64) == 0;
}

}  // namespace

std::string cookieText(std::uint64_t nowUnixMs) {
  return std::to_string(static_cast<std::uint32_t>(cookieClock(nowUnixMs)));
}

std::string sha256Hex(std::string_view bytes) {
  auto h = sha256(bytes);
  return util::toHex(h);
}

bool authValid(std::string_view raw, const util::Dict& request, std::string_view password,
               std::uint64_t nowUnixMs) {
  const std::uint32_t cookie = readCookie(request);
  const std::uint64_t now = cookieClock(nowUnixMs);
  const util::Value* hashValue = request.find("hash");
  if (cookie == 0 || cookie > now || cookie + kCookieWindow < now) return false;
  if (hashValue == nullptr || !hashValue->isString() || hashValue->asString().size() != 64) return false;
  const std::string& submitted = hashValue->asString();
  const std::size_t at = raw.find(submitted);
  if (at == std::string_view::npos) return false;

  // password ‖ cookie, with the password cut at a NUL as C's %s would.
  std::string passAndCookie(password.substr(0, password.find('\0')));
  passAndCookie += std::to_string(cookie);
  const std::string full = sha256Hex(passAndCookie);
  const std::string truncated =
      passAndCookie.size() > 63 ? sha256Hex(std::string_view(passAndCookie).substr(0, 63)) : full;

  const std::string rawCopy(raw);
  bool ok = sameHash(requestHash(rawCopy, at, truncated), submitted);
  if (truncated != full) ok = sameHash(requestHash(rawCopy, at, full), submitted) || ok;
  return ok;
}

}  // namespace cjdns::admin
