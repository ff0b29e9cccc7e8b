// Client side of the cjdns admin protocol (upper.md §3): one bencoded dict
// per UDP datagram, `cookie` then `auth` with the two-step SHA-256 hash,
// answers matched by txid, paging until `more` is absent. The socket lives
// behind Transport so that everything here runs in tests without a node.
#pragma once

#include <cstdint>
#include <functional>
#include <string>
#include <string_view>

#include "core/util/value.h"

namespace cjdns::admin::ctl {

/// Lowercase hex SHA-256 (libsodium crypto_hash_sha256).
std::string sha256Hex(std::string_view bytes);

/// Step 1 of §3.3: hex SHA-256 of password ‖ cookie. With `truncate63` only
/// the first 63 bytes are hashed, as cjdroute does (snprintf into 64 bytes);
/// that matters only when password and cookie together exceed 63 bytes.
std::string authHash1(std::string_view password, std::string_view cookie, bool truncate63);

/// A plain request: {"q": function, "args": args, "txid": txid}, canonical bencode.
std::string buildRequest(std::string_view function, const util::Dict& args, std::string_view txid);

/// The final bytes of an authenticated request (§3.3 steps 2-3): the request
/// {"aq", "args", "cookie", "hash": H1, "q": "auth", "txid"} is bencoded,
/// H2 = hex SHA-256 of those bytes replaces H1 in place.
std::string buildAuthRequest(std::string_view function, const util::Dict& args, std::string_view cookie,
                             std::string_view password, std::string_view txid, bool truncate63 = true);

/// The `error` of a reply when it reports a failure: absent, "none" (any
/// case) and "" count as success, as in the cjdns-admin crate. Callers that
/// know better (SwitchPinger_ping answers "" for a bad path) check themselves.
std::string nodeError(const util::Dict& reply);

/// The datagram side, in one small class so that tests can script it.
class Transport {
 public:
  virtual ~Transport() = default;
  struct Received {
    enum class Kind { kData, kTimeout, kInterrupted, kError } kind = Kind::kTimeout;
    std::string data;   ///< the datagram (kData)
    std::string error;  ///< what went wrong (kError)
  };
  /// Sends one datagram; returns "" or a description of the failure.
  virtual std::string send(std::string_view bytes) = 0;
  /// Waits up to timeoutMs for one datagram.
  virtual Received receive(int timeoutMs) = 0;
  /// "127.0.0.1:11234", for messages.
  virtual std::string peerName() const = 0;
};

enum class Failure {
  kNone,
  kNode,         ///< the node answered with an error
  kUnreachable,  ///< no answer, or the port refused the datagram
  kInterrupted,  ///< a signal (SIGINT) ended the wait
};

struct CallResult {
  Failure failure = Failure::kNone;
  std::string message;  ///< the node's error text, or why there was no answer
  util::Dict reply;     ///< the answer (also set for kNode), without our txid
  bool ok() const { return failure == Failure::kNone; }
};

enum class Auth { kAuth, kAnonymous };

class AdminClient {
 public:
  struct Options {
    int timeoutMs = 3000;      ///< wait for an answer to a plain request
    std::string txidPrefix;    ///< "" = random
  };
  AdminClient(Transport& transport, std::string password, Options options);
  AdminClient(Transport& transport, std::string password) : AdminClient(transport, std::move(password), Options{}) {}

  /// Calls `function`. With kAuth: asks for a cookie, then sends the auth
  /// request (if the node answers "Auth failed." and the hashed text was
  /// truncated to 63 bytes, retries once hashing the full text, which nodes
  /// written after the Python/JS/Rust clients may expect). `waitMs` overrides
  /// the answer timeout: asynchronous functions (pings) answer late.
  CallResult call(std::string_view function, const util::Dict& args, Auth auth = Auth::kAuth, int waitMs = -1);

  /// Calls function with args + {"page": 0, 1, ...} until a reply has no
  /// `more` key (or a page is empty with no `more`); onPage sees every reply.
  /// Stops at the first failure and returns it; otherwise the last reply.
  CallResult callPaged(std::string_view function, const util::Dict& args, Auth auth,
                       const std::function<void(const util::Dict&)>& onPage);

  const std::string& peerName() const { return peer_; }

 private:
  std::string nextTxid();
  CallResult exchange(const std::string& bytes, const std::string& txid, int waitMs);

  Transport& transport_;
  std::string password_;
  Options options_;
  std::string peer_;
  std::uint64_t counter_ = 0;
};

/// "3 s", "2.5 s".
std::string secondsText(int ms);

}  // namespace cjdns::admin::ctl
