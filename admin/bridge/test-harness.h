// Test helpers: a bridge wired to a fake core, with a settable clock and
// the replies it sent, and a client that authenticates the way cjdns
// clients do.
#pragma once

#include <doctest/doctest.h>

#include <string>
#include <utility>
#include <vector>

#include "admin/bridge/auth.h"
#include "admin/bridge/bridge.h"
#include "admin/bridge/fake-core.h"
#include "core/wire/bencode.h"

namespace cjdns::admin::testing {

struct Harness {
  FakeCore core;
  std::vector<std::pair<ClientAddr, std::string>> sent;
  Bridge bridge;
  std::uint64_t now = 1753274285ull * 1024 + 100;  ///< unix ms

  explicit Harness(FakeState s = defaultState(), BridgeLimits limits = {})
      : core(std::move(s)),
        bridge(core.info(), core,
               [this](const ClientAddr& to, std::string_view b) { sent.emplace_back(to, std::string(b)); },
               limits) {}

  /// Sends one datagram, lets the core answer, returns the replies to `from`.
  std::vector<util::Value> call(std::string_view raw, const ClientAddr& from = "client") {
    sent.clear();
    bridge.onDatagram(from, raw, now);
    core.pump(bridge, now);
    return replies(from);
  }

  std::vector<util::Value> replies(const ClientAddr& to) {
    std::vector<util::Value> out;
    for (const auto& [addr, bytes] : sent) {
      if (addr != to) continue;
      auto v = wire::bencodeDecode(bytes);
      REQUIRE_MESSAGE(v.ok(), "reply is not bencode: " << bytes);
      out.push_back(std::move(v).value());
    }
    return out;
  }

  /// The single reply to `raw` (fails the test if there is not exactly one).
  util::Value one(std::string_view raw, const ClientAddr& from = "client") {
    auto r = call(raw, from);
    REQUIRE_MESSAGE(r.size() == 1, "expected one reply to " << raw << ", got " << r.size());
    return r.front();
  }

  std::uint64_t cookie() const { return cookieClock(now); }
};

inline util::Value str(std::string s) { return util::Value(std::move(s)); }
inline util::Value num(std::int64_t n) { return util::Value(n); }

/// A plain request {q, args?, txid?}.
inline std::string request(const std::string& q, util::Dict args = {}, const std::string& txid = "",
                           bool withArgs = true) {
  util::Dict d;
  d.add("q", str(q));
  if (withArgs) d.add("args", util::Value(std::move(args)));
  if (!txid.empty()) d.add("txid", str(txid));
  return wire::bencodeEncode(util::Value(std::move(d)));
}

/// An authenticated request as the Python/JS/Rust clients build it (hash of
/// the whole password ‖ cookie), or as cjdroute's C client does (first 63 bytes).
inline std::string authed(const std::string& password, std::uint64_t cookie, const std::string& aq,
                          util::Dict args = {}, const std::string& txid = "", bool truncate63 = false) {
  std::string pc = password + std::to_string(cookie);
  if (truncate63 && pc.size() > 63) pc.resize(63);
  const std::string hash1 = sha256Hex(pc);
  util::Dict d;
  d.add("aq", str(aq));
  d.add("args", util::Value(std::move(args)));
  d.add("cookie", str(std::to_string(cookie)));
  d.add("hash", str(hash1));
  d.add("q", str("auth"));
  if (!txid.empty()) d.add("txid", str(txid));
  std::string bytes = wire::bencodeEncode(util::Value(std::move(d)));
  const std::string hash2 = sha256Hex(bytes);
  bytes.replace(bytes.find(hash1), 64, hash2);
  return bytes;
}

inline const util::Value* get(const util::Value& v, std::string_view key) {
  return v.isDict() ? v.asDict().find(key) : nullptr;
}

inline std::string errorOf(const util::Value& v) {
  const util::Value* e = get(v, "error");
  return e != nullptr && e->isString() ? e->asString() : std::string("<no error key>");
}

}  // namespace cjdns::admin::testing
