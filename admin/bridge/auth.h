// The cjdns admin cookie and password check (upper.md 3.3, and the errata
// from live captures: the cookie counts units of 1024 ms, not seconds).
//
// A client asks for a cookie C, sends hash1 = hex(SHA-256(password ‖ C)) in
// the request's `hash`, hashes the whole bencoded request with hash1 in
// place, and puts that hash2 in the same place. The server finds the
// submitted text in the raw bytes, puts its own hash1 there, hashes the
// datagram and compares.
//
// cjdns builds (password ‖ C) with snprintf into 64 bytes, so it hashes only
// the first 63 bytes; its own C client does the same, while the Python,
// node.js and Rust clients hash the whole string. We accept both forms, so
// passwords longer than 53 characters work with every tool.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

#include "core/util/value.h"

namespace cjdns::admin {

/// cjdns's "seconds": unix milliseconds / 1024.
inline std::uint64_t cookieClock(std::uint64_t nowUnixMs) { return nowUnixMs / 1024; }

/// The cookie a client gets now, as its decimal text.
std::string cookieText(std::uint64_t nowUnixMs);

/// Seconds (cookie units) a cookie stays valid: now-20 <= cookie <= now.
inline constexpr std::uint64_t kCookieWindow = 20;

/// True if `raw` (the datagram exactly as received, which decoded to
/// `request`) carries a valid cookie and hash for `password`. Comparisons of
/// the hash are constant time.
bool authValid(std::string_view raw, const util::Dict& request, std::string_view password,
               std::uint64_t nowUnixMs);

/// hex(SHA-256(bytes)), lowercase: what clients put in `hash`.
std::string sha256Hex(std::string_view bytes);

}  // namespace cjdns::admin
