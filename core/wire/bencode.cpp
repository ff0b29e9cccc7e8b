#include "core/wire/bencode.h"

#include <algorithm>
#include <limits>
#include <vector>

namespace cjdns::wire {
namespace {

using util::Value;

class Decoder {
 public:
  Decoder(std::string_view s, const BencodeLimits& lim) : s_(s), lim_(lim) {}

  util::Result<Value> run() {
    Value v = value(0);
    if (failed_) return err_;
    if (i_ != s_.size() && !lim_.allowTrailingBytes) return fail("trailing bytes after the value"), err_;
    return v;
  }

 private:
  std::string_view s_;
  const BencodeLimits& lim_;
  std::size_t i_ = 0;
  bool failed_ = false;
  util::Error err_;

  Value fail(std::string msg) {
    if (!failed_) {
      failed_ = true;
      err_ = util::Error{std::move(msg) + " at byte " + std::to_string(i_),
                         {0, static_cast<std::uint32_t>(std::min<std::size_t>(i_, UINT32_MAX))},
                         ""};
    }
    return {};
  }

  bool atEnd() const { return i_ >= s_.size(); }
  char peek() const { return atEnd() ? '\0' : s_[i_]; }

  Value value(std::size_t depth) {
    if (depth > lim_.maxDepth) return fail("nesting too deep");
    char c = peek();
    if (c == 'd') return dict(depth);
    if (c == 'l') return list(depth);
    if (c == 'i') return integer();
    if (c >= '0' && c <= '9') return string();
    return atEnd() ? fail("unexpected end of input") : fail("expected d, l, i or a digit");
  }

  Value integer() {
    ++i_;  // 'i'
    std::size_t start = i_;
    bool neg = peek() == '-';
    if (neg) ++i_;
    std::size_t digits = i_;
    std::uint64_t mag = 0;
    const std::uint64_t limit = neg ? std::uint64_t{1} << 63 : (std::uint64_t{1} << 63) - 1;
    while (!atEnd() && peek() >= '0' && peek() <= '9') {
      auto d = static_cast<std::uint64_t>(peek() - '0');
      if (mag > (limit - d) / 10) return fail("integer out of 64-bit range");
      mag = mag * 10 + d;
      ++i_;
    }
    if (i_ == digits) return fail("empty integer");
    if (peek() != 'e') return fail("expected 'e' after integer");
    if ((s_[digits] == '0' && i_ - digits > 1) || (neg && mag == 0)) return fail("non-canonical integer");
    (void)start;
    ++i_;
    std::int64_t v = neg ? static_cast<std::int64_t>(0 - mag) : static_cast<std::int64_t>(mag);
    return Value(v);
  }

  Value string() {
    std::uint64_t len = 0;
    std::size_t digits = 0;
    while (!atEnd() && peek() >= '0' && peek() <= '9') {
      len = len * 10 + static_cast<std::uint64_t>(peek() - '0');
      if (len > s_.size()) return fail("string length beyond the input");
      ++i_;
      ++digits;
    }
    if (digits == 0 || peek() != ':') return fail("expected ':' after string length");
    ++i_;
    if (len > s_.size() - i_) return fail("string runs past the end of input");
    std::string out(s_.substr(i_, static_cast<std::size_t>(len)));
    i_ += static_cast<std::size_t>(len);
    return Value(std::move(out));
  }

  Value list(std::size_t depth) {
    ++i_;
    util::List l;
    while (!failed_ && peek() != 'e') {
      if (atEnd()) return fail("unterminated list");
      l.push_back(value(depth + 1));
    }
    if (failed_) return {};
    ++i_;
    return Value(std::move(l));
  }

  Value dict(std::size_t depth) {
    ++i_;
    util::Dict d;
    while (!failed_ && peek() != 'e') {
      if (atEnd()) return fail("unterminated dict");
      if (!(peek() >= '0' && peek() <= '9')) return fail("dict key must be a string");
      Value k = string();
      if (failed_) return {};
      Value v = value(depth + 1);
      if (failed_) return {};
      d.add(k.asString(), std::move(v));
    }
    if (failed_) return {};
    ++i_;
    return Value(std::move(d));
  }
};

void encodeString(std::string_view s, std::string& out) {
  out += std::to_string(s.size());
  out += ':';
  out += s;
}

}  // namespace

util::Result<Value> bencodeDecode(std::string_view bytes, const BencodeLimits& limits) {
  return Decoder(bytes, limits).run();
}

void bencodeEncode(const Value& v, std::string& out) {
  switch (v.type()) {
    case Value::Type::kInt:
      out += 'i';
      out += std::to_string(v.asInt());
      out += 'e';
      break;
    case Value::Type::kString: encodeString(v.asString(), out); break;
    case Value::Type::kList:
      out += 'l';
      for (const auto& item : v.asList()) bencodeEncode(item, out);
      out += 'e';
      break;
    case Value::Type::kDict: {
      // Sorted by raw bytes; for duplicate keys only the effective (last) one.
      std::vector<const util::Dict::Entry*> entries;
      for (const auto& e : v.asDict().entries()) {
        if (v.asDict().find(e.first) == &e.second) entries.push_back(&e);
      }
      std::sort(entries.begin(), entries.end(), [](auto* a, auto* b) { return a->first < b->first; });
      out += 'd';
      for (const auto* e : entries) {
        encodeString(e->first, out);
        bencodeEncode(e->second, out);
      }
      out += 'e';
      break;
    }
  }
}

std::string bencodeEncode(const Value& v) {
  std::string out;
  bencodeEncode(v, out);
  return out;
}

}  // namespace cjdns::wire
