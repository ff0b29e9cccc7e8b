#include "admin/ctl/admin-client.h"

#include <sodium.h>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <span>

#include "core/crypto/keys.h"
#include "core/util/hex.h"
#include "core/wire/bencode.h"

namespace cjdns::admin::ctl {
namespace {

using util::Dict;
using util::Value;

constexpr std::size_t kCjdrouteHashInput = 63;  // snprintf into char[64]
constexpr int kMaxPages = 100000;

std::string lowerAscii(std::string_view s) {
  std::string out(s);
  for (char& c : out) {
    if (c >= 'A' && c <= 'Z') c = static_cast<char>(c - 'A' + 'a');
  }
  return out;
}

Dict withoutTxid(const Dict& d) {
  Dict out;
  for (const auto& [k, v] : d.entries()) {
    if (k != "txid") out.add(k, v);
  }
  return out;
}

}  // namespace

std::string sha256Hex(std::string_view bytes) {
  crypto::ensureSodium();
  std::uint8_t digest[crypto_hash_sha256_BYTES];
  crypto_hash_sha256(digest, reinterpret_cast<const unsigned char*>(bytes.data()), bytes.size());
  return util::toHex(std::span<const std::uint8_t>(digest, sizeof digest));
}

std::string authHash1(std::string_view password, std::string_view cookie, bool truncate63) {
  std::string text;
  text.reserve(password.size() + cookie.size());
  text.append(password);
  text.append(cookie);
  if (truncate63 && text.size() > kCjdrouteHashInput) text.resize(kCjdrouteHashInput);
  std::string hash = sha256Hex(text);
  sodium_memzero(text.data(), text.size());
  return hash;
}

std::string buildRequest(std::string_view function, const Dict& args, std::string_view txid) {
  Dict req;
  req.add("q", Value(std::string(function)));
  req.add("args", Value(args));
  req.add("txid", Value(std::string(txid)));
  return wire::bencodeEncode(Value(std::move(req)));
}

std::string buildAuthRequest(std::string_view function, const Dict& args, std::string_view cookie,
                             std::string_view password, std::string_view txid, bool truncate63) {
  std::string hash1 = authHash1(password, cookie, truncate63);
  Dict req;
  req.add("q", Value(std::string("auth")));
  req.add("aq", Value(std::string(function)));
  req.add("args", Value(args));
  req.add("cookie", Value(std::string(cookie)));
  req.add("hash", Value(hash1));
  req.add("txid", Value(std::string(txid)));
  std::string bytes = wire::bencodeEncode(Value(std::move(req)));
  std::string hash2 = sha256Hex(bytes);
  // In place: the first occurrence of H1 is the `hash` value (the server
  // looks for the first occurrence too), and H2 has the same length.
  auto at = bytes.find(hash1);
  if (at != std::string::npos) bytes.replace(at, hash1.size(), hash2);
  return bytes;
}

std::string nodeError(const Dict& reply) {
  const Value* e = reply.find("error");
  if (e == nullptr) return "";
  if (!e->isString()) return "error of type " + std::string(util::typeName(e->type()));
  const std::string& text = e->asString();
  if (text.empty() || lowerAscii(text) == "none") return "";
  return text;
}

std::string secondsText(int ms) {
  char buf[32];
  if (ms % 1000 == 0) {
    std::snprintf(buf, sizeof buf, "%d s", ms / 1000);
  } else {
    std::snprintf(buf, sizeof buf, "%.1f s", ms / 1000.0);
  }
  return buf;
}

AdminClient::AdminClient(Transport& transport, std::string password, Options options)
    : transport_(transport), password_(std::move(password)), options_(std::move(options)),
      peer_(transport.peerName()) {
  if (options_.txidPrefix.empty()) {
    crypto::ensureSodium();
    char buf[16];
    std::snprintf(buf, sizeof buf, "%08x", randombytes_random());
    options_.txidPrefix = std::string("ctl") + buf + "-";
  }
}

std::string AdminClient::nextTxid() { return options_.txidPrefix + std::to_string(counter_++); }

CallResult AdminClient::exchange(const std::string& bytes, const std::string& txid, int waitMs) {
  CallResult r;
  if (std::string err = transport_.send(bytes); !err.empty()) {
    r.failure = Failure::kUnreachable;
    r.message = err == "connection refused"
                    ? "nothing listens on " + peer_ + " (connection refused): is cjdroute running? is admin.bind right?"
                    : "cannot send to " + peer_ + ": " + err;
    return r;
  }
  using Clock = std::chrono::steady_clock;
  const auto deadline = Clock::now() + std::chrono::milliseconds(waitMs);
  for (;;) {
    auto left = std::chrono::duration_cast<std::chrono::milliseconds>(deadline - Clock::now()).count();
    if (left < 0) left = 0;
    Transport::Received got = transport_.receive(static_cast<int>(left));
    switch (got.kind) {
      case Transport::Received::Kind::kData: break;
      case Transport::Received::Kind::kInterrupted:
        r.failure = Failure::kInterrupted;
        r.message = "interrupted";
        return r;
      case Transport::Received::Kind::kError:
        r.failure = Failure::kUnreachable;
        r.message = got.error == "connection refused"
                        ? "nothing listens on " + peer_ + " (connection refused): is cjdroute running? is admin.bind right?"
                        : peer_ + ": " + got.error;
        return r;
      case Transport::Received::Kind::kTimeout:
        r.failure = Failure::kUnreachable;
        r.message = "no answer from " + peer_ + " within " + secondsText(waitMs) +
                    ": is cjdroute running? is admin.bind right?";
        return r;
    }
    // Anything that is not a dict carrying our txid is someone else's
    // (a late answer to an earlier request, a log line): skip it.
    auto decoded = wire::bencodeDecode(got.data);
    if (!decoded.ok() || !decoded->isDict()) continue;
    const Value* t = decoded->asDict().find("txid");
    if (t == nullptr || !t->isString() || t->asString() != txid) continue;
    r.reply = withoutTxid(decoded->asDict());
    if (std::string e = nodeError(r.reply); !e.empty()) {
      r.failure = Failure::kNode;
      r.message = e;
    }
    return r;
  }
}

CallResult AdminClient::call(std::string_view function, const Dict& args, Auth auth, int waitMs) {
  const int wait = waitMs >= 0 ? waitMs : options_.timeoutMs;
  if (auth == Auth::kAnonymous) {
    std::string txid = nextTxid();
    return exchange(buildRequest(function, args, txid), txid, wait);
  }
  bool truncate = true;
  for (int attempt = 0; attempt < 2; ++attempt) {
    std::string cookieTxid = nextTxid();
    Dict cookieReq;
    cookieReq.add("q", Value(std::string("cookie")));
    cookieReq.add("txid", Value(cookieTxid));
    CallResult c = exchange(wire::bencodeEncode(Value(std::move(cookieReq))), cookieTxid, options_.timeoutMs);
    if (!c.ok()) return c;
    const Value* cookie = c.reply.find("cookie");
    if (cookie == nullptr || !cookie->isString() || cookie->asString().empty()) {
      c.failure = Failure::kNode;
      c.message = "the node's cookie answer has no cookie string";
      return c;
    }
    std::string txid = nextTxid();
    std::string bytes = buildAuthRequest(function, args, cookie->asString(), password_, txid, truncate);
    CallResult r = exchange(bytes, txid, wait);
    const bool wasTruncated = password_.size() + cookie->asString().size() > kCjdrouteHashInput;
    if (r.failure == Failure::kNode && r.message == "Auth failed." && truncate && wasTruncated) {
      truncate = false;
      continue;
    }
    return r;
  }
  return {};  // not reached
}

CallResult AdminClient::callPaged(std::string_view function, const Dict& args, Auth auth,
                                  const std::function<void(const Dict&)>& onPage) {
  CallResult r;
  for (int page = 0; page < kMaxPages; ++page) {
    Dict a;
    for (const auto& [k, v] : args.entries()) {
      if (k != "page") a.add(k, v);
    }
    a.add("page", Value(std::int64_t{page}));
    r = call(function, a, auth);
    if (!r.ok()) return r;
    onPage(r.reply);
    if (r.reply.find("more") == nullptr) return r;
  }
  r.failure = Failure::kNode;
  r.message = std::string(function) + " still says `more` after " + std::to_string(kMaxPages) + " pages";
  return r;
}

}  // namespace cjdns::admin::ctl
