#include "core/wire/bencode.h"

#include <doctest/doctest.h>

#include <dirent.h>

#include <string>

#include "core/util/vectors.h"

using namespace cjdns;
using util::Value;

namespace {

Value decodeOk(std::string_view s, wire::BencodeLimits lim = {}) {
  auto r = wire::bencodeDecode(s, lim);
  REQUIRE_MESSAGE(r.ok(), r.error().toString());
  return std::move(r).value();
}

std::string decodeErr(std::string_view s) {
  auto r = wire::bencodeDecode(s);
  REQUIRE_FALSE(r.ok());
  return r.error().message;
}

/// cjdns pads the first key length of a top-level dict with zeros.
std::string stripPadding(const std::string& s) {
  if (s.size() < 2 || s[0] != 'd' || s[1] != '0') return s;
  std::size_t i = 1;
  while (i < s.size() && s[i] == '0' && i + 1 < s.size() && s[i + 1] != ':') ++i;
  return "d" + s.substr(i);
}

}  // namespace

TEST_CASE("bencode decodes a CJDHT ping query with its binary encoding scheme") {
  std::string q = std::string("d2:eii0e2:es5:\x61\x14\x45\x81\x00", 19) + "1:pi20e1:q2:pn4:txid13:0123456789abce";
  Value v = decodeOk(q);
  CHECK(v.asDict().find("ei")->asInt() == 0);
  CHECK(v.asDict().find("es")->asString() == std::string("\x61\x14\x45\x81\x00", 5));
  CHECK(v.asDict().find("p")->asInt() == 20);
  CHECK(v.asDict().find("txid")->asString() == "0123456789abc");
  CHECK(wire::bencodeEncode(v) == q);
}

TEST_CASE("bencode accepts cjdns's zero-padded first key and unsorted keys, and writes canonically") {
  Value v = decodeOk("d000001:q4:ponge");
  CHECK(v.asDict().find("q")->asString() == "pong");
  CHECK(wire::bencodeEncode(v) == "d1:q4:ponge");
  Value u = decodeOk("d1:zi1e1:ai2ee");
  CHECK(wire::bencodeEncode(u) == "d1:ai2e1:zi1ee");
  Value dup = decodeOk("d1:ai1e1:ai2ee");
  CHECK(dup.asDict().find("a")->asInt() == 2);
  CHECK(wire::bencodeEncode(dup) == "d1:ai2ee");
}

TEST_CASE("bencode keeps 64-bit integers and refuses non-canonical or oversized ones") {
  CHECK(decodeOk("i-9223372036854775808e").asInt() == INT64_MIN);
  CHECK(decodeOk("i9223372036854775807e").asInt() == INT64_MAX);
  CHECK(decodeErr("i9223372036854775808e").find("range") != std::string::npos);
  CHECK(decodeErr("i-0e").find("non-canonical") != std::string::npos);
  CHECK(decodeErr("i03e").find("non-canonical") != std::string::npos);
  CHECK(decodeErr("ie").find("empty") != std::string::npos);
  CHECK(decodeErr("i5").find("'e'") != std::string::npos);
}

TEST_CASE("bencode refuses truncated, trailing, oversized and too deeply nested input") {
  CHECK(decodeErr("d1:q4:pin").find("past the end") != std::string::npos);
  CHECK(decodeErr("d1:q4:ping").find("unterminated") != std::string::npos);
  CHECK(decodeErr("d1:q4:pingee").find("trailing") != std::string::npos);
  CHECK(decodeErr("99999999999999999999:x").find("beyond") != std::string::npos);
  CHECK(decodeErr("").find("end of input") != std::string::npos);
  CHECK(decodeErr("di1ei2ee").find("key must be a string") != std::string::npos);
  CHECK(decodeErr(std::string(40, 'l') + std::string(40, 'e')).find("deep") != std::string::npos);
  wire::BencodeLimits lim;
  lim.allowTrailingBytes = true;
  CHECK(decodeOk("d1:q4:pingeXX", lim).isDict());
}

TEST_CASE("bencode reads every datagram of the real admin transcripts exactly as cjdns did") {
  std::string dir = testing::vectorsDir();
  if (dir.empty()) {
    MESSAGE("skipped: vectors not found");
    return;
  }
  int decoded = 0;
  int canonical = 0;
  for (const char* file : {"admin/v21.1-nodeA-transcript.json", "admin/v21.1-nodeB-transcript.json",
                           "admin/v22-nodeA-transcript.json", "admin/v22-nodeB-transcript.json"}) {
    auto t = testing::loadVectorJson(file);
    REQUIRE(t.has_value());
    for (const auto& ex : t->asDict().find("exchanges")->asList()) {
      std::vector<std::pair<const Value*, bool>> packets;
      if (const Value* req = ex.asDict().find("request")) packets.emplace_back(req, false);
      if (const Value* resps = ex.asDict().find("responses")) {
        for (const auto& r : resps->asList()) packets.emplace_back(&r, true);
      }
      for (auto [p, isReply] : packets) {
        const Value* b64 = p->asDict().find("base64");
        const Value* dec = p->asDict().find("decoded");
        if (b64 == nullptr || dec == nullptr || !dec->isDict() || dec->asDict().find("ok") == nullptr) continue;
        auto bytes = testing::base64Decode(b64->asString());
        REQUIRE(bytes.has_value());
        if (bytes->size() > 4096) continue;
        bool ok = dec->asDict().find("ok")->asInt() != 0;
        auto r = wire::bencodeDecode(*bytes);
        INFO(file << ": " << ex.asDict().find("name")->asString() << " " << *bytes);
        CHECK(r.ok() == ok);
        ++decoded;
        if (r.ok() && isReply) {
          CHECK(wire::bencodeEncode(r.value()) == stripPadding(*bytes));
          ++canonical;
        }
      }
    }
  }
  CHECK(decoded > 100);
  CHECK(canonical > 50);
  MESSAGE("decoded " << decoded << " real admin datagrams; " << canonical << " replies re-encode byte for byte");
}
