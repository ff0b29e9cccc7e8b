#include "core/util/json-writer.h"

#include <cstdio>

namespace cjdns::util {
namespace {

/// Length of the valid UTF-8 sequence starting at s[i], or 0 if invalid.
std::size_t utf8Length(std::string_view s, std::size_t i) {
  auto b = [&](std::size_t k) { return static_cast<unsigned char>(s[k]); };
  unsigned char c = b(i);
  std::size_t n = c >= 0xf0 && c <= 0xf4 ? 4 : c >= 0xe0 ? 3 : c >= 0xc2 && c < 0xe0 ? 2 : 0;
  if (n == 0 || i + n > s.size()) return 0;
  for (std::size_t k = 1; k < n; ++k) {
    if ((b(i + k) & 0xc0) != 0x80) return 0;
  }
  // Overlong 3-byte forms, surrogates and code points above U+10FFFF.
  if (n == 3 && c == 0xe0 && b(i + 1) < 0xa0) return 0;
  if (n == 3 && c == 0xed && b(i + 1) >= 0xa0) return 0;
  if (n == 4 && c == 0xf0 && b(i + 1) < 0x90) return 0;
  if (n == 4 && c == 0xf4 && b(i + 1) >= 0x90) return 0;
  return n;
}

void escapeByte(std::string& out, unsigned char c) {
  char buf[8];
  std::snprintf(buf, sizeof buf, "\\u%04x", c);
  out += buf;
}

void indent(std::string& out, int level) { out.append(static_cast<std::size_t>(level) * 2, ' '); }

void write(std::string& out, const Value& v, int level);

template <typename Items, typename Fn>
void writeContainer(std::string& out, char open, char close, const Items& items, int level, Fn each) {
  out += open;
  out += '\n';
  if (items.empty()) {
    out += '\n';
  } else {
    for (std::size_t k = 0; k < items.size(); ++k) {
      indent(out, level + 1);
      each(items[k]);
      if (k + 1 < items.size()) out += ',';
      out += '\n';
    }
  }
  indent(out, level);
  out += close;
}

void write(std::string& out, const Value& v, int level) {
  switch (v.type()) {
    case Value::Type::kInt: out += std::to_string(v.asInt()); break;
    case Value::Type::kString: out += jsonQuote(v.asString()); break;
    case Value::Type::kList:
      writeContainer(out, '[', ']', v.asList(), level, [&](const Value& item) { write(out, item, level + 1); });
      break;
    case Value::Type::kDict:
      writeContainer(out, '{', '}', v.asDict().entries(), level, [&](const Dict::Entry& e) {
        out += jsonQuote(e.first);
        out += " : ";
        write(out, e.second, level + 1);
      });
      break;
  }
}

}  // namespace

std::string jsonQuote(std::string_view s) {
  std::string out = "\"";
  for (std::size_t i = 0; i < s.size();) {
    auto c = static_cast<unsigned char>(s[i]);
    if (c == '"' || c == '\\') {
      out += '\\';
      out += static_cast<char>(c);
      ++i;
    } else if (c < 0x20 || c == 0x7f) {
      escapeByte(out, c);
      ++i;
    } else if (c < 0x80) {
      out += static_cast<char>(c);
      ++i;
    } else if (std::size_t n = utf8Length(s, i); n != 0) {
      out.append(s.substr(i, n));
      i += n;
    } else {
      escapeByte(out, c);
      ++i;
    }
  }
  out += '"';
  return out;
}

std::string writeCleanJson(const Value& v) {
  std::string out;
  write(out, v, 0);
  out += '\n';
  return out;
}

}  // namespace cjdns::util
