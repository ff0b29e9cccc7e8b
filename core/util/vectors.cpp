#include "core/util/vectors.h"

#include <doctest/doctest.h>

#include <cstdlib>
#include <fstream>
#include <sstream>
#include <sys/stat.h>

#include "core/util/json-reader.h"

namespace cjdns::testing {

std::string vectorsDir() {
  const char* dir = std::getenv("CJDNS_VECTORS");
  if (dir == nullptr || *dir == '\0') return "";
  struct stat st {};
  if (::stat(dir, &st) != 0 || !S_ISDIR(st.st_mode)) return "";
  return dir;
}

std::optional<std::string> readFile(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) return std::nullopt;
  std::ostringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

std::optional<util::Value> loadVectorJson(const std::string& relPath) {
  std::string dir = vectorsDir();
  if (dir.empty()) {
    MESSAGE("skipped: test vectors not found (set CJDNS_VECTORS or put ../shared beside the tree)");
    return std::nullopt;
  }
  auto text = readFile(dir + "/" + relPath);
  REQUIRE_MESSAGE(text.has_value(), "cannot read vector file " << relPath);
  util::JsonOptions opt;
  opt.jsonLiterals = true;
  opt.fractionsAsText = true;  // capture timestamps such as 0.0123
  opt.comments = false;
  auto parsed = util::parseJson(*text, opt);
  REQUIRE_MESSAGE(parsed.ok(), relPath << ": " << parsed.error().toString());
  return std::move(parsed).value();
}

std::optional<std::string> base64Decode(std::string_view text) {
  auto sextet = [](char c) -> int {
    if (c >= 'A' && c <= 'Z') return c - 'A';
    if (c >= 'a' && c <= 'z') return c - 'a' + 26;
    if (c >= '0' && c <= '9') return c - '0' + 52;
    if (c == '+') return 62;
    if (c == '/') return 63;
    return -1;
  };
  std::string out;
  std::uint32_t acc = 0;
  int bits = 0;
  for (char c : text) {
    if (c == '=') break;
    int v = sextet(c);
    if (v < 0) return std::nullopt;
    acc = (acc << 6) | static_cast<std::uint32_t>(v);
    bits += 6;
    if (bits >= 8) {
      bits -= 8;
      out.push_back(static_cast<char>((acc >> bits) & 0xff));
    }
  }
  return out;
}

const util::Value& field(const util::Value& v, const char* key) {
  const util::Value* f = at(v, key);
  REQUIRE_MESSAGE(f != nullptr, "vector entry lacks \"" << key << "\"");
  return *f;
}

const std::string& text(const util::Value& v, const char* key) {
  const util::Value& f = field(v, key);
  REQUIRE_MESSAGE(f.isString(), "\"" << key << "\" is not a string");
  return f.asString();
}

std::int64_t integer(const util::Value& v, const char* key) {
  const util::Value& f = field(v, key);
  REQUIRE_MESSAGE(f.isInt(), "\"" << key << "\" is not an integer");
  return f.asInt();
}

const util::List& list(const util::Value& v, const char* key) {
  const util::Value& f = field(v, key);
  REQUIRE_MESSAGE(f.isList(), "\"" << key << "\" is not a list");
  REQUIRE_MESSAGE(!f.asList().empty(), "\"" << key << "\" is empty");
  return f.asList();
}

const util::Value* at(const util::Value& v, const std::string& key) {
  if (!v.isDict()) return nullptr;
  return v.asDict().find(key);
}

}  // namespace cjdns::testing
