#include "core/util/json-writer.h"

#include <doctest/doctest.h>

#include <dirent.h>

#include <string>
#include <vector>

#include "core/util/json-reader.h"
#include "core/util/vectors.h"

using namespace cjdns::util;

TEST_CASE("json writer lays out dicts and lists like cjdroute --cleanconf") {
  auto v = parseJson(R"({"a": 1, "b": [], "c": {"d": "x"}, "e": [2, {}]})");
  REQUIRE(v.ok());
  CHECK(writeCleanJson(v.value()) ==
        "{\n"
        "  \"a\" : 1,\n"
        "  \"b\" : [\n\n  ],\n"
        "  \"c\" : {\n    \"d\" : \"x\"\n  },\n"
        "  \"e\" : [\n    2,\n    {\n\n    }\n  ]\n"
        "}\n");
}

TEST_CASE("json writer escapes control bytes and invalid UTF-8 so the output is always JSON") {
  CHECK(jsonQuote(std::string("a\"\\\n\x01", 5)) == "\"a\\\"\\\\\\u000a\\u0001\"");
  CHECK(jsonQuote("\xc3\xa9") == "\"\xc3\xa9\"");
  CHECK(jsonQuote("\xff\xc3") == "\"\\u00ff\\u00c3\"");
  CHECK(jsonQuote("\xed\xa0\x80") == "\"\\u00ed\\u00a0\\u0080\"");  // a surrogate is not UTF-8
}

TEST_CASE("json writer output reads back to the same value") {
  auto v = parseJson(R"({"k": ["\x00\x7f\x80", -3, {"\u00e9": "\n"}]})");
  REQUIRE(v.ok());
  auto back = parseJson(writeCleanJson(v.value()));
  REQUIRE(back.ok());
  // \x80 alone is not UTF-8: it is written as \u0080 and read back as U+0080.
  const auto& l = back->asDict().find("k")->asList();
  CHECK(l[0].asString() == std::string("\x00\x7f\xc2\x80", 4));
  CHECK(l[1].asInt() == -3);
  CHECK(l[2] == v->asDict().find("k")->asList()[2]);
}

TEST_CASE("json writer reproduces real cjdns --cleanconf output byte for byte") {
  std::string dir = cjdns::testing::vectorsDir();
  if (dir.empty()) {
    MESSAGE("skipped: vectors not found");
    return;
  }
  std::vector<std::string> confs;
  if (DIR* d = opendir((dir + "/configs").c_str())) {
    while (dirent* e = readdir(d)) {
      std::string name = e->d_name;
      if (name.size() > 5 && name.ends_with(".conf")) confs.push_back(name);
    }
    closedir(d);
  }
  REQUIRE(confs.size() >= 4);
  int compared = 0;
  for (const auto& conf : confs) {
    std::string base = dir + "/configs/" + conf.substr(0, conf.size() - 5);
    auto clean = cjdns::testing::readFile(base + ".clean.json");
    if (!clean) continue;
    auto text = cjdns::testing::readFile(dir + "/configs/" + conf);
    REQUIRE(text.has_value());
    auto v = readConfigText(*text);
    INFO(conf);
    REQUIRE_MESSAGE(v.ok(), v.error().toString());
    CHECK(writeCleanJson(v.value()) == *clean);
    ++compared;
  }
  CHECK(compared >= 4);
  MESSAGE("compared " << compared << " configs with their real --cleanconf output");
}
