#include "core/util/json-reader.h"

#include <cstdio>
#include <limits>
#include <string>
#include <vector>

namespace cjdns::util {
namespace {

/// Recursive-descent reader over the whole text. Keeps the key path of the
/// value being read so that errors can say where in the document they are.
class Reader {
 public:
  Reader(std::string_view text, const JsonOptions& opt) : s_(text), opt_(opt) {}

  Result<Value> document() {
    skipSpace();
    if (failed_) return error_;
    if (atEnd()) return fail("the text is empty: expected a value");
    Value v = value(0);
    if (failed_) return error_;
    skipSpace();
    if (failed_) return error_;
    if (!atEnd()) return fail("expected end of input after the value, found " + describeHere());
    return v;
  }

 private:
  std::string_view s_;
  const JsonOptions& opt_;
  std::size_t i_ = 0;
  std::uint32_t line_ = 1;
  std::uint32_t col_ = 1;
  bool failed_ = false;
  Error error_;
  std::vector<std::string> path_;
  std::size_t nestedCommentEnd_ = 0;  // offset after a /* */ that contained "/*"
  std::uint32_t nestedCommentLine_ = 0;

  bool atEnd() const { return i_ >= s_.size(); }
  char peek() const { return atEnd() ? '\0' : s_[i_]; }
  SourcePos here() const { return {line_, col_}; }

  void advance() {
    if (s_[i_] == '\n') {
      ++line_;
      col_ = 1;
    } else {
      ++col_;
    }
    ++i_;
  }

  std::string pathString() const {
    std::string out;
    for (const auto& p : path_) {
      if (!out.empty() && p[0] != '[') out += '.';
      out += p;
    }
    return out;
  }

  Error fail(std::string message) { return fail(std::move(message), here()); }

  Error fail(std::string message, SourcePos pos) {
    if (!failed_ && nestedCommentLine_ != 0 && i_ >= nestedCommentEnd_ && i_ - nestedCommentEnd_ < 64) {
      message += " (block comments do not nest: the /* on line " + std::to_string(nestedCommentLine_) +
                 " ended at the first */)";
    }
    if (!failed_) {
      failed_ = true;
      error_ = Error{std::move(message), pos, pathString()};
    }
    return error_;
  }

  std::string describeHere() const {
    if (atEnd()) return "end of input";
    auto c = static_cast<unsigned char>(s_[i_]);
    char buf[32];
    if (c >= 0x20 && c < 0x7f) {
      std::snprintf(buf, sizeof buf, "'%c'", c);
    } else {
      std::snprintf(buf, sizeof buf, "byte 0x%02x", c);
    }
    return buf;
  }

  /// Whitespace (space, tab, CR, LF) and comments.
  void skipSpace() {
    while (!atEnd() && !failed_) {
      char c = peek();
      if (c == ' ' || c == '\t' || c == '\r' || c == '\n') {
        advance();
      } else if (c == '/' && opt_.comments) {
        comment();
      } else {
        return;
      }
    }
  }

  void comment() {
    SourcePos start = here();
    advance();  // '/'
    if (peek() == '/') {
      while (!atEnd() && peek() != '\n') advance();
    } else if (peek() == '*') {
      advance();
      const std::size_t bodyStart = i_;
      while (true) {
        if (atEnd()) {
          fail("unterminated /* comment", start);
          return;
        }
        if (peek() == '*' && i_ + 1 < s_.size() && s_[i_ + 1] == '/') {
          if (s_.substr(bodyStart, i_ - bodyStart).find("/*") != std::string_view::npos) {
            nestedCommentLine_ = start.line;
            nestedCommentEnd_ = i_ + 2;
          }
          advance();
          advance();
          return;
        }
        advance();
      }
    } else {
      fail("expected a comment ('//' or '/*') after '/', found " + describeHere(), start);
    }
  }

  Value value(std::size_t depth) {
    if (depth >= opt_.maxDepth) {
      fail("nesting deeper than " + std::to_string(opt_.maxDepth) + " levels");
      return {};
    }
    char c = peek();
    if (c == '{') return dict(depth);
    if (c == '[') return list(depth);
    if (c == '"') return string();
    if (c == '-' || (c >= '0' && c <= '9')) return integer();
    if (opt_.jsonLiterals && (c == 't' || c == 'f')) return literal();
    fail("expected a value (a \"string\", an integer, { or [), found " + describeHere());
    return {};
  }

  Value literal() {
    SourcePos pos = here();
    for (auto [word, v] : {std::pair{std::string_view("true"), 1}, {std::string_view("false"), 0}}) {
      if (s_.substr(i_, word.size()) == word) {
        for (std::size_t k = 0; k < word.size(); ++k) advance();
        return Value(std::int64_t{v}, pos);
      }
    }
    fail("expected a value, found " + describeHere());
    return {};
  }

  /// The rest of a JSON number with a fraction or exponent, kept as text.
  Value fractionText(std::size_t start, SourcePos pos) {
    auto digits = [this] {
      while (peek() >= '0' && peek() <= '9') advance();
    };
    if (peek() == '.') {
      advance();
      digits();
    }
    if (peek() == 'e' || peek() == 'E') {
      advance();
      if (peek() == '+' || peek() == '-') advance();
      digits();
    }
    return Value(std::string(s_.substr(start, i_ - start)), pos);
  }

  Value integer() {
    SourcePos pos = here();
    const std::size_t start = i_;
    bool negative = false;
    if (peek() == '-') {
      negative = true;
      advance();
    }
    if (!(peek() >= '0' && peek() <= '9')) {
      fail("expected a digit after '-', found " + describeHere());
      return {};
    }
    // Accumulate as a negative number so that INT64_MIN fits.
    std::int64_t acc = 0;
    constexpr std::int64_t kMin = std::numeric_limits<std::int64_t>::min();
    while (peek() >= '0' && peek() <= '9') {
      int d = peek() - '0';
      if (acc < (kMin + d) / 10) {
        fail("integer does not fit in 64 bits", pos);
        return {};
      }
      acc = acc * 10 - d;
      advance();
    }
    if (!negative) {
      if (acc == kMin) {
        fail("integer does not fit in 64 bits", pos);
        return {};
      }
      acc = -acc;
    }
    if (peek() == '.' || peek() == 'e' || peek() == 'E') {
      if (opt_.fractionsAsText) return fractionText(start, pos);
      fail("only integers are allowed here, not fractions or exponents", pos);
      return {};
    }
    return Value(acc, pos);
  }

  static int hexDigit(char c) {
    if (c >= '0' && c <= '9') return c - '0';
    if (c >= 'a' && c <= 'f') return c - 'a' + 10;
    if (c >= 'A' && c <= 'F') return c - 'A' + 10;
    return -1;
  }

  /// Reads n hex digits; -1 (and an error) if they are not there.
  long hexRun(int n) {
    long v = 0;
    for (int k = 0; k < n; ++k) {
      int d = atEnd() ? -1 : hexDigit(peek());
      if (d < 0) {
        fail("expected a hex digit in escape sequence, found " + describeHere());
        return -1;
      }
      v = v * 16 + d;
      advance();
    }
    return v;
  }

  static void appendUtf8(std::string& out, unsigned long cp) {
    auto put = [&out](unsigned long b) { out.push_back(static_cast<char>(b)); };
    if (cp < 0x80) {
      put(cp);
    } else if (cp < 0x800) {
      put(0xc0 | (cp >> 6));
      put(0x80 | (cp & 0x3f));
    } else if (cp < 0x10000) {
      put(0xe0 | (cp >> 12));
      put(0x80 | ((cp >> 6) & 0x3f));
      put(0x80 | (cp & 0x3f));
    } else {
      put(0xf0 | (cp >> 18));
      put(0x80 | ((cp >> 12) & 0x3f));
      put(0x80 | ((cp >> 6) & 0x3f));
      put(0x80 | (cp & 0x3f));
    }
  }

  bool escape(std::string& out) {
    advance();  // backslash
    if (atEnd()) return false;
    char e = peek();
    advance();
    switch (e) {
      case 'x': {
        long v = hexRun(2);
        if (v < 0) return false;
        out.push_back(static_cast<char>(v));
        return true;
      }
      case 'u': return unicodeEscape(out);
      case '"': out.push_back('"'); return true;
      case '\\': out.push_back('\\'); return true;
      case '/': out.push_back('/'); return true;
      case 'b': out.push_back('\b'); return true;
      case 'f': out.push_back('\f'); return true;
      case 'n': out.push_back('\n'); return true;
      case 'r': out.push_back('\r'); return true;
      case 't': out.push_back('\t'); return true;
      default:
        fail(std::string("unknown escape sequence '\\") + e + "' (use \\xHH)");
        return false;
    }
  }

  bool unicodeEscape(std::string& out) {
    long cp = hexRun(4);
    if (cp < 0) return false;
    if (cp >= 0xd800 && cp <= 0xdbff) {  // surrogate pair
      if (peek() != '\\' || i_ + 1 >= s_.size() || s_[i_ + 1] != 'u') {
        fail("unpaired UTF-16 surrogate in \\u escape");
        return false;
      }
      advance();
      advance();
      long lo = hexRun(4);
      if (lo < 0xdc00 || lo > 0xdfff) {
        if (lo >= 0) fail("unpaired UTF-16 surrogate in \\u escape");
        return false;
      }
      cp = 0x10000 + ((cp - 0xd800) << 10) + (lo - 0xdc00);
    } else if (cp >= 0xdc00 && cp <= 0xdfff) {
      fail("unpaired UTF-16 surrogate in \\u escape");
      return false;
    }
    appendUtf8(out, static_cast<unsigned long>(cp));
    return true;
  }

  Value string() {
    SourcePos pos = here();
    advance();  // opening quote
    std::string out;
    while (true) {
      if (atEnd() || peek() == '\n' || peek() == '\r') {
        fail("unterminated string (a string must close on the line it starts)", pos);
        return {};
      }
      char c = peek();
      if (c == '"') {
        advance();
        return Value(std::move(out), pos);
      }
      if (c == '\0') {
        fail("NUL byte inside a string (write \\x00)");
        return {};
      }
      if (c == '\\') {
        if (!escape(out)) {
          if (!failed_) fail("unterminated string", pos);
          return {};
        }
        continue;
      }
      out.push_back(c);
      advance();
    }
  }

  /// Lenient grammar: any number of commas may stand between items.
  void skipSeparators() {
    skipSpace();
    while (opt_.lenient && peek() == ',' && !failed_) {
      advance();
      skipSpace();
    }
  }

  Value dict(std::size_t depth) {
    SourcePos pos = here();
    advance();  // '{'
    Dict d;
    skipSeparators();
    while (!failed_) {
      if (peek() == '}') {
        advance();
        return Value(std::move(d), pos);
      }
      if (peek() != '"') {
        if (atEnd()) {
          fail("unterminated dict (opened here): end of input before '}'", pos);
        } else {
          fail("expected a \"key\" or '}', found " + describeHere());
        }
        return {};
      }
      Value keyValue = string();
      if (failed_) return {};
      std::string key = keyValue.asString();
      skipSpace();
      if (peek() == ':') {
        advance();
      } else if (!opt_.lenient) {
        fail("expected ':' after the key \"" + key + "\", found " + describeHere());
        return {};
      }
      skipSpace();
      path_.push_back(key);
      Value v = value(depth + 1);
      path_.pop_back();
      if (failed_) return {};
      d.add(std::move(key), std::move(v));
      if (!afterItem('}', "dict entry \"" + d.entries().back().first + "\"", pos)) return {};
    }
    return {};
  }

  Value list(std::size_t depth) {
    SourcePos pos = here();
    advance();  // '['
    List l;
    skipSeparators();
    while (!failed_) {
      if (peek() == ']') {
        advance();
        return Value(std::move(l), pos);
      }
      if (atEnd()) {
        fail("unterminated list (opened here): end of input before ']'", pos);
        return {};
      }
      path_.push_back("[" + std::to_string(l.size()) + "]");
      Value v = value(depth + 1);
      path_.pop_back();
      if (failed_) return {};
      l.push_back(std::move(v));
      if (!afterItem(']', "list item", pos)) return {};
    }
    return {};
  }

  /// After an item: strict wants ',' then another item, or the closer.
  bool afterItem(char closer, const std::string& what, SourcePos opened) {
    skipSpace();
    if (failed_) return false;
    if (atEnd()) {
      fail(std::string(closer == '}' ? "unterminated dict" : "unterminated list") +
               " (opened here): end of input before '" + closer + "'",
           opened);
      return false;
    }
    if (opt_.lenient) {
      skipSeparators();
      return !failed_;
    }
    if (peek() == closer) return true;
    if (peek() == ',') {
      advance();
      skipSpace();
      if (failed_) return false;
      if (peek() == closer) {
        fail(std::string("trailing comma before '") + closer + "'");
        return false;
      }
      return true;
    }
    fail(std::string("expected ',' or '") + closer + "' after the " + what + ", found " + describeHere());
    return false;
  }
};

}  // namespace

Result<Value> parseJson(std::string_view text, const JsonOptions& options) {
  return Reader(text, options).document();
}

Result<Value> readConfigText(std::string_view text) {
  JsonOptions strict;
  auto first = parseJson(text, strict);
  if (first.ok()) {
    if (!first->isDict()) {
      return Error{std::string("the configuration must be a dict ({ ... }), not ") +
                       typeName(first->type()),
                   first->pos(), ""};
    }
    return first;
  }
  JsonOptions lenient;
  lenient.lenient = true;
  auto second = parseJson(text, lenient);
  if (!second.ok()) return first.error();
  if (!second->isDict()) {
    return Error{std::string("the configuration must be a dict ({ ... }), not ") +
                     typeName(second->type()),
                 second->pos(), ""};
  }
  const Value* version = second->asDict().find("version");
  if (version != nullptr && version->isInt() && version->asInt() >= 2) {
    Error e = first.error();
    e.message += " (this file says \"version\": 2, so it must be strict JSON: "
                 "commas between entries, none after the last)";
    return e;
  }
  return second;
}

}  // namespace cjdns::util
