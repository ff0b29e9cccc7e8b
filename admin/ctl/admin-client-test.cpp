#include "admin/ctl/admin-client.h"

#include <doctest/doctest.h>

#include "admin/ctl/test-fake-node.h"
#include "core/util/vectors.h"
#include "core/wire/bencode.h"

namespace cjdns::admin::ctl {
namespace {

using testing::FakeNode;
using util::Dict;
using util::Value;

Value str(std::string s) { return Value(std::move(s)); }

const char* const kTranscripts[] = {
    "admin/v21.1-nodeA-transcript.json",
    "admin/v21.1-nodeB-transcript.json",
    "admin/v22-nodeA-transcript.json",
    "admin/v22-nodeB-transcript.json",
};

TEST_CASE("sha256Hex of a known string") {
  CHECK(sha256Hex("abc") == "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
}

TEST_CASE("authHash1 truncates password and cookie to 63 bytes only when asked") {
  std::string pw(60, 'p');
  CHECK(authHash1(pw, "1753274348", true) == sha256Hex(pw + "175"));
  CHECK(authHash1(pw, "1753274348", false) == sha256Hex(pw + "1753274348"));
  // Short passwords are not affected.
  CHECK(authHash1("NONE", "1753274601", true) == authHash1("NONE", "1753274601", false));
}

// Every authenticated exchange recorded against real cjdns v21.1 and v22:
// from the password and the cookie, the exact request bytes that were sent.
TEST_CASE("auth requests from the transcripts are reproduced byte for byte") {
  int checked = 0;
  for (const char* file : kTranscripts) {
    auto doc = cjdns::testing::loadVectorJson(file);
    if (!doc) return;
    for (const Value& ex : cjdns::testing::list(*doc, "exchanges")) {
      const Value* auth = cjdns::testing::at(ex, "auth");
      if (auth == nullptr) continue;
      const std::string& name = cjdns::testing::text(ex, "name");
      CAPTURE(file);
      CAPTURE(name);
      const std::string& password = cjdns::testing::text(*auth, "password");
      const std::string& cookie = cjdns::testing::text(*auth, "cookie");
      const bool truncated = cjdns::testing::at(*auth, "truncatedTo63Bytes") != nullptr;
      CHECK(authHash1(password, cookie, truncated) == cjdns::testing::text(*auth, "step1_hash1"));

      const Value& request = cjdns::testing::field(cjdns::testing::field(ex, "request"), "decoded");
      const Dict& req = cjdns::testing::field(request, "value").asDict();
      const Value* args = req.find("args");
      auto expected = cjdns::testing::base64Decode(
          cjdns::testing::text(cjdns::testing::field(ex, "request"), "base64"));
      REQUIRE(expected.has_value());
      std::string bytes = buildAuthRequest(req.find("aq")->asString(), args != nullptr ? args->asDict() : Dict{},
                                           cookie, password, req.find("txid")->asString(), truncated);
      CHECK(bytes == *expected);
      // The hash that went out is H2, the hash of the request carrying H1.
      CHECK(bytes.find(cjdns::testing::text(*auth, "step3_hash2")) != std::string::npos);
      CHECK(sha256Hex(cjdns::testing::text(*auth, "step2_requestWithHash1_text")) ==
            cjdns::testing::text(*auth, "step3_hash2"));
      ++checked;
    }
  }
  CHECK(checked >= 30);
}

TEST_CASE("buildRequest is canonical bencode") {
  Dict args;
  args.add("page", Value(std::int64_t{0}));
  CHECK(buildRequest("InterfaceController_peerStats", args, "pa2") ==
        "d4:argsd4:pagei0ee1:q29:InterfaceController_peerStats4:txid3:pa2e");
}

TEST_CASE("nodeError: none, empty and absent are success") {
  Dict d;
  CHECK(nodeError(d) == "");
  d.add("error", str("none"));
  CHECK(nodeError(d) == "");
  Dict e;
  e.add("error", str("NONE"));
  CHECK(nodeError(e) == "");
  Dict f;
  f.add("error", str("not_found"));
  CHECK(nodeError(f) == "not_found");
}

TEST_CASE("call authenticates and returns the reply without our txid") {
  FakeNode node;
  node.password = "s3cret";
  node.handlers["Core_nodeInfo"] = [](const Dict&) {
    Dict r;
    r.add("error", str("none"));
    r.add("version", Value(std::int64_t{21}));
    return r;
  };
  AdminClient c(node, "s3cret", {3000, "t"});
  CallResult r = c.call("Core_nodeInfo", {});
  REQUIRE(r.ok());
  CHECK(r.reply.find("version")->asInt() == 21);
  CHECK(r.reply.find("txid") == nullptr);
  REQUIRE(node.requests.size() == 2);
  CHECK(node.requests[0] == "d1:q6:cookie4:txid2:t0e");
  CHECK(node.requests[1].starts_with("d2:aq13:Core_nodeInfo4:argsde6:cookie10:17532742944:hash64:"));
}

TEST_CASE("a wrong password is the node's error Auth failed.") {
  FakeNode node;
  node.password = "right";
  node.handlers["Core_nodeInfo"] = [](const Dict&) { return Dict{}; };
  AdminClient c(node, "wrong", {3000, "t"});
  CallResult r = c.call("Core_nodeInfo", {});
  CHECK(r.failure == Failure::kNode);
  CHECK(r.message == "Auth failed.");
  CHECK(node.called.empty());
}

TEST_CASE("long passwords: truncated hash first, then the full text for nodes that want it") {
  const std::string pw = "pubA-long-es9rix5S4o8WEtuCezwg10sRdIC76cy8ao7TZxDc7MDzYlsCPk";
  for (bool full : {false, true}) {
    CAPTURE(full);
    FakeNode node;
    node.password = pw;
    node.hashesFullText = full;
    node.handlers["AuthorizedPasswords_list"] = [](const Dict&) { return Dict{}; };
    AdminClient c(node, pw, {3000, "t"});
    CHECK(c.call("AuthorizedPasswords_list", {}).ok());
    CHECK(node.requests.size() == (full ? 4u : 2u));
  }
}

TEST_CASE("answers with another txid are skipped; cjdns's padded lengths are read") {
  FakeNode node;
  node.handlers["ping"] = [](const Dict&) {
    Dict r;
    r.add("q", str("pong"));
    return r;
  };
  // A late answer to an earlier request, then junk, then ours.
  node.before.push_back("d0001:q4:pong4:txid3:oldee");
  node.before.push_back("not bencode");
  AdminClient c(node, "NONE", {3000, "t"});
  CallResult r = c.call("ping", {}, Auth::kAnonymous);
  REQUIRE(r.ok());
  CHECK(r.reply.find("q")->asString() == "pong");
}

TEST_CASE("no answer and a refused port are kUnreachable with a clear message") {
  FakeNode node;
  node.silent = true;
  AdminClient c(node, "NONE", {3000, "t"});
  CallResult r = c.call("ping", {}, Auth::kAnonymous, 0);
  CHECK(r.failure == Failure::kUnreachable);
  CHECK(r.message == "no answer from 127.0.0.1:11234 within 0 s: is cjdroute running? is admin.bind right?");
  CHECK(secondsText(3000) == "3 s");
  CHECK(secondsText(2500) == "2.5 s");

  FakeNode closed;
  closed.refused = true;
  AdminClient c2(closed, "NONE", {3000, "t"});
  CallResult r2 = c2.call("Core_nodeInfo", {});
  CHECK(r2.failure == Failure::kUnreachable);
  CHECK(r2.message ==
        "nothing listens on 127.0.0.1:11234 (connection refused): is cjdroute running? is admin.bind right?");
}

TEST_CASE("callPaged follows `more` and passes page numbers") {
  FakeNode node;
  std::vector<std::int64_t> pages;
  node.handlers["SessionManager_getHandles"] = [&](const Dict& args) {
    std::int64_t page = args.find("page")->asInt();
    pages.push_back(page);
    Dict r;
    util::List handles;
    handles.push_back(Value(page * 10));
    r.add("handles", Value(std::move(handles)));
    if (page < 2) r.add("more", Value(std::int64_t{1}));
    return r;
  };
  AdminClient c(node, "NONE", {3000, "t"});
  std::vector<std::int64_t> seen;
  CallResult r = c.callPaged("SessionManager_getHandles", {}, Auth::kAuth, [&](const Dict& page) {
    seen.push_back(page.find("handles")->asList()[0].asInt());
  });
  CHECK(r.ok());
  CHECK(pages == std::vector<std::int64_t>{0, 1, 2});
  CHECK(seen == std::vector<std::int64_t>{0, 10, 20});
}

TEST_CASE("callPaged stops at the first failure") {
  FakeNode node;
  node.handlers["NodeStore_dumpTable"] = [](const Dict& args) {
    Dict r;
    if (args.find("page")->asInt() == 1) {
      r.add("error", str("boom"));
    } else {
      r.add("more", Value(std::int64_t{1}));
    }
    return r;
  };
  AdminClient c(node, "NONE", {3000, "t"});
  int pages = 0;
  CallResult r = c.callPaged("NodeStore_dumpTable", {}, Auth::kAuth, [&](const Dict&) { ++pages; });
  CHECK(r.failure == Failure::kNode);
  CHECK(r.message == "boom");
  CHECK(pages == 1);
}

}  // namespace
}  // namespace cjdns::admin::ctl
