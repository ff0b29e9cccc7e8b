// Test double for the admin port: answers `cookie`, checks `auth` requests
// the way cjdns's Admin.c does (upper.md §3.3 step 4) and dispatches to
// handlers. Test-only; header-only.
#pragma once

#include <deque>
#include <functional>
#include <map>
#include <set>
#include <string>
#include <vector>

#include "admin/ctl/admin-client.h"
#include "core/wire/bencode.h"

namespace cjdns::admin::ctl::testing {

class FakeNode : public Transport {
 public:
  using Handler = std::function<util::Dict(const util::Dict& args)>;

  std::string password = "NONE";
  bool hashesFullText = false;       ///< true: a server that does not truncate to 63 bytes
  std::string cookie = "1753274294";
  std::map<std::string, Handler> handlers;
  std::set<std::string> openFunctions;  ///< callable without auth (when password != NONE)
  std::vector<std::string> requests;    ///< raw datagrams received
  std::vector<std::string> called;      ///< function names run
  std::deque<std::string> before;       ///< datagrams delivered ahead of each answer
  bool silent = false;                  ///< never answer
  bool refused = false;                 ///< behave like a closed port

  std::string send(std::string_view bytes) override {
    requests.emplace_back(bytes);
    if (silent || refused) return "";
    auto req = wire::bencodeDecode(bytes);
    if (!req.ok() || !req->isDict()) return "";
    const util::Dict& d = req->asDict();
    util::Dict reply;
    const util::Value* q = d.find("q");
    std::string fn = q != nullptr && q->isString() ? q->asString() : "";
    bool authed = password == "NONE";
    if (fn == "cookie") {
      reply.add("cookie", util::Value(cookie));
      queueWithTxid(d, std::move(reply));
      return "";
    }
    if (fn == "auth") {
      const util::Value* aq = d.find("aq");
      fn = aq != nullptr && aq->isString() ? aq->asString() : "";
      if (!verify(std::string(bytes), d)) {
        reply.add("error", util::Value(std::string("Auth failed.")));
        queueWithTxid(d, std::move(reply));
        return "";
      }
      authed = true;
    }
    auto h = handlers.find(fn);
    if (h == handlers.end() || (!authed && !openFunctions.contains(fn))) {
      reply.add("error", util::Value(std::string("No functions matched your request, try Admin_availableFunctions()")));
      queueWithTxid(d, std::move(reply));
      return "";
    }
    called.push_back(fn);
    util::Dict args;
    if (const util::Value* a = d.find("args"); a != nullptr && a->isDict()) args = a->asDict();
    queueWithTxid(d, h->second(args));
    return "";
  }

  Received receive(int) override {
    Received r;
    if (refused) {
      r.kind = Received::Kind::kError;
      r.error = "connection refused";
      return r;
    }
    if (out_.empty()) return r;  // kTimeout
    r.kind = Received::Kind::kData;
    r.data = out_.front();
    out_.pop_front();
    return r;
  }

  std::string peerName() const override { return "127.0.0.1:11234"; }

 private:
  bool verify(std::string raw, const util::Dict& d) {
    const util::Value* c = d.find("cookie");
    const util::Value* h = d.find("hash");
    if (c == nullptr || !c->isString() || c->asString() != cookie) return false;
    if (h == nullptr || !h->isString() || h->asString().size() != 64) return false;
    auto at = raw.find(h->asString());
    if (at == std::string::npos) return false;
    raw.replace(at, 64, authHash1(password, cookie, !hashesFullText));
    return sha256Hex(raw) == h->asString();
  }

  void queueWithTxid(const util::Dict& req, util::Dict reply) {
    for (const std::string& b : before) out_.push_back(b);
    before.clear();
    if (const util::Value* t = req.find("txid")) reply.add("txid", *t);
    out_.push_back(wire::bencodeEncode(util::Value(std::move(reply))));
  }

  std::deque<std::string> out_;
};

}  // namespace cjdns::admin::ctl::testing
