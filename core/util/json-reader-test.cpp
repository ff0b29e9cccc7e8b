#include "core/util/json-reader.h"

#include <doctest/doctest.h>

#include <string>

#include "core/util/vectors.h"

using namespace cjdns::util;

namespace {

Value mustParse(std::string_view text, JsonOptions opt = {}) {
  auto r = parseJson(text, opt);
  REQUIRE_MESSAGE(r.ok(), r.error().toString());
  return std::move(r).value();
}

Error mustFail(std::string_view text, JsonOptions opt = {}) {
  auto r = parseJson(text, opt);
  REQUIRE_FALSE(r.ok());
  return r.error();
}

}  // namespace

TEST_CASE("json reader reads integers, strings, lists and dicts in order") {
  Value v = mustParse(R"({"b": 1, "a": [-5, "x"], "c": {}})");
  REQUIRE(v.isDict());
  const auto& e = v.asDict().entries();
  REQUIRE(e.size() == 3);
  CHECK(e[0].first == "b");
  CHECK(e[0].second.asInt() == 1);
  CHECK(e[1].first == "a");
  CHECK(e[1].second.asList()[0].asInt() == -5);
  CHECK(e[1].second.asList()[1].asString() == "x");
  CHECK(e[2].second.asDict().empty());
}

TEST_CASE("json reader skips line and block comments and accepts CRLF") {
  Value v = mustParse("{\r\n // c1\r\n \"a\" /* c2 */ : 1 /* c3\r\n */\r\n}\r\n");
  CHECK(v.asDict().find("a")->asInt() == 1);
}

TEST_CASE("json reader decodes the cjdns \\xHH escape and the standard JSON escapes") {
  Value v = mustParse(R"(["\x41\x00z", "q\"\\\/\n\t", "\u00e9\ud83d\ude00"])");
  const auto& l = v.asList();
  CHECK(l[0].asString() == std::string("A\0z", 3));
  CHECK(l[1].asString() == "q\"\\/\n\t");
  CHECK(l[2].asString() == "\xc3\xa9\xf0\x9f\x98\x80");
}

TEST_CASE("json reader records the line and column of each value") {
  Value v = mustParse("{\n  \"a\": 12,\n  \"b\": [\"x\"]\n}");
  CHECK(v.asDict().find("a")->pos().line == 2);
  CHECK(v.asDict().find("a")->pos().column == 8);
  CHECK(v.asDict().find("b")->asList()[0].pos().line == 3);
  CHECK(v.asDict().find("b")->asList()[0].pos().column == 9);
}

TEST_CASE("json reader keeps int64 limits and refuses overflow and fractions") {
  Value v = mustParse("[9223372036854775807, -9223372036854775808]");
  CHECK(v.asList()[0].asInt() == INT64_MAX);
  CHECK(v.asList()[1].asInt() == INT64_MIN);
  CHECK(mustFail("[9223372036854775808]").message.find("64 bits") != std::string::npos);
  CHECK(mustFail("[-9223372036854775809]").message.find("64 bits") != std::string::npos);
  CHECK(mustFail("[1.5]").message.find("only integers") != std::string::npos);
  CHECK(mustFail("[-]").message.find("digit") != std::string::npos);
}

TEST_CASE("json reader strict mode names line, column and key path of a missing comma") {
  Error e = mustFail("{\n  \"a\": {\"b\": [1 2]}\n}");
  CHECK(e.pos.line == 2);
  CHECK(e.pos.column == 17);
  CHECK(e.path == "a.b");
  CHECK(e.message.find("expected ',' or ']'") != std::string::npos);
}

TEST_CASE("json reader strict mode refuses trailing commas and a missing colon") {
  CHECK(mustFail(R"({"a": 1,})").message.find("trailing comma") != std::string::npos);
  CHECK(mustFail(R"([1,])").message.find("trailing comma") != std::string::npos);
  CHECK(mustFail(R"({"a" 1})").message.find("expected ':'") != std::string::npos);
}

TEST_CASE("json reader lenient mode tolerates missing, doubled and trailing commas and colons") {
  JsonOptions opt;
  opt.lenient = true;
  Value v = mustParse(R"({"a" 1 "b": [1,,2 3,], , "c": "x",})", opt);
  CHECK(v.asDict().find("a")->asInt() == 1);
  CHECK(v.asDict().find("b")->asList().size() == 3);
  CHECK(v.asDict().find("c")->asString() == "x");
}

TEST_CASE("json reader refuses unterminated strings, comments and containers") {
  Error s = mustFail("{\n \"a\": \"NONE\n}");
  CHECK(s.pos.line == 2);
  CHECK(s.pos.column == 7);
  CHECK(s.message.find("unterminated string") != std::string::npos);
  CHECK(mustFail("[1 /* x").message.find("unterminated /*") != std::string::npos);
  CHECK(mustFail("{\"a\": [1, 2").message.find("unterminated list") != std::string::npos);
  CHECK(mustFail("{\"a\": 1").message.find("unterminated dict") != std::string::npos);
  CHECK(mustFail("[1] x").message.find("end of input") != std::string::npos);
  CHECK(mustFail("").message.find("empty") != std::string::npos);
  CHECK(mustFail("[/x]").message.find("comment") != std::string::npos);
  CHECK(mustFail("[\"\\q\"]").message.find("escape") != std::string::npos);
  CHECK(mustFail("[\"\\xZ1\"]").message.find("hex digit") != std::string::npos);
  CHECK(mustFail(std::string_view("[\"a\0\"]", 6)).message.find("NUL") != std::string::npos);
}

TEST_CASE("json reader limits nesting depth instead of overflowing the stack") {
  std::string deep(100000, '[');
  Error e = mustFail(deep);
  CHECK(e.message.find("nesting") != std::string::npos);
  JsonOptions opt;
  opt.maxDepth = 3;
  CHECK_NOTHROW(mustParse("[[[]]]", opt));
  CHECK(mustFail("[[[[]]]]", opt).message.find("nesting") != std::string::npos);
}

TEST_CASE("json reader reads true and false only when asked to") {
  JsonOptions opt;
  opt.jsonLiterals = true;
  Value v = mustParse("[true, false]", opt);
  CHECK(v.asList()[0].asInt() == 1);
  CHECK(v.asList()[1].asInt() == 0);
  CHECK_FALSE(parseJson("[true]").ok());
}

TEST_CASE("config reader falls back to the lenient grammar only without version 2") {
  auto legacy = readConfigText("{\"a\": 1 \"b\": 2,}");
  REQUIRE(legacy.ok());
  CHECK(legacy->asDict().find("b")->asInt() == 2);
  auto v2 = readConfigText("{\n\"a\": 1\n\"version\": 2\n}");
  REQUIRE_FALSE(v2.ok());
  CHECK(v2.error().pos.line == 3);
  CHECK(v2.error().message.find("version") != std::string::npos);
  auto arr = readConfigText("[1, 2, 3]");
  REQUIRE_FALSE(arr.ok());
  CHECK(arr.error().message.find("must be a dict") != std::string::npos);
}

TEST_CASE("config reader refuses every syntactically broken file of the bad-config vectors at the spot cjdns names") {
  std::string dir = cjdns::testing::vectorsDir();
  if (dir.empty()) {
    MESSAGE("skipped: vectors not found");
    return;
  }
  struct Case {
    const char* file;
    std::uint32_t line;  // 0: any position
    const char* needle;
  };
  // Lines are where cjdns v21.1 reports the problem too (bad/expected.json).
  const Case cases[] = {
      {"unterminated-string.conf", 62, "unterminated string"},
      {"missing-comma.conf", 7, "expected ','"},
      {"trailing-comma.conf", 304, "trailing comma"},
      {"nested-comment.conf", 53, "expected a \"key\""},
      {"empty.conf", 0, "empty"},
      {"junk-1mb.conf", 1, "expected a value"},
      {"json-array.conf", 1, "must be a dict"},
  };
  for (const auto& c : cases) {
    auto text = cjdns::testing::readFile(dir + "/configs/bad/" + c.file);
    REQUIRE(text.has_value());
    auto r = readConfigText(*text);
    INFO(c.file);
    REQUIRE_FALSE(r.ok());
    INFO(r.error().toString());
    if (c.line != 0) CHECK(r.error().pos.line == c.line);
    CHECK(r.error().message.find(c.needle) != std::string::npos);
  }
}

TEST_CASE("json reader explains that block comments do not nest") {
  auto r = parseJson("{\n /* a /* b */ c */\n \"k\": 1}");
  REQUIRE_FALSE(r.ok());
  CHECK(r.error().message.find("do not nest") != std::string::npos);
  CHECK(r.error().pos.line == 2);
  auto fine = parseJson("{ /* a /* b */ \"k\": 1}");
  CHECK(fine.ok());
}

TEST_CASE("json reader reports a broken dict key instead of crashing") {
  auto r = parseJson("{\"a\\q\": 1}");
  REQUIRE_FALSE(r.ok());
  CHECK(r.error().message.find("escape") != std::string::npos);
  auto u = parseJson("{\"abc");
  REQUIRE_FALSE(u.ok());
  CHECK(u.error().message.find("unterminated string") != std::string::npos);
}

TEST_CASE("json reader keeps fractions as text only when asked to") {
  JsonOptions opt;
  opt.fractionsAsText = true;
  Value v = mustParse("[0.0123, -2e+3, 7]", opt);
  CHECK(v.asList()[0].asString() == "0.0123");
  CHECK(v.asList()[1].asString() == "-2e+3");
  CHECK(v.asList()[2].asInt() == 7);
  CHECK(mustFail("[0.5]").message.find("only integers") != std::string::npos);
}
