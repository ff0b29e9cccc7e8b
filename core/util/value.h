// A configuration / bencode-model value: integer, byte string, list or dict.
//
// This is the data model cjdns uses for cjdroute.conf and for bencode: no
// booleans, null or floats. Dicts keep the order their entries were written in
// (cjdroute --cleanconf prints them back in that order). Every value remembers
// where it started in its source text so that errors can name a line and column.
#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <string_view>
#include <utility>
#include <variant>
#include <vector>

namespace cjdns::util {

/// 1-based line and column of the first character of a value in its source.
struct SourcePos {
  std::uint32_t line = 0;
  std::uint32_t column = 0;
};

class Value;
using List = std::vector<Value>;

/// An ordered dict. Duplicate keys are kept as written; find() returns the
/// last one (a later entry overrides an earlier one, as in v22.2+ cjdns).
class Dict {
 public:
  using Entry = std::pair<std::string, Value>;

  const Value* find(std::string_view key) const;
  Value* find(std::string_view key);
  void add(std::string key, Value value);
  // Defined below, once Value is complete (clang insists).
  const std::vector<Entry>& entries() const;
  std::vector<Entry>& entries();
  std::size_t size() const;
  bool empty() const;

 private:
  std::vector<Entry> entries_;
};

class Value {
 public:
  enum class Type { kInt, kString, kList, kDict };

  Value() : v_(std::int64_t{0}) {}
  Value(std::int64_t i, SourcePos pos = {}) : v_(i), pos_(pos) {}
  Value(std::string s, SourcePos pos = {}) : v_(std::move(s)), pos_(pos) {}
  Value(List l, SourcePos pos = {}) : v_(std::move(l)), pos_(pos) {}
  Value(Dict d, SourcePos pos = {}) : v_(std::move(d)), pos_(pos) {}

  Type type() const { return static_cast<Type>(v_.index()); }
  bool isInt() const { return type() == Type::kInt; }
  bool isString() const { return type() == Type::kString; }
  bool isList() const { return type() == Type::kList; }
  bool isDict() const { return type() == Type::kDict; }

  // Accessors assert the type; check with isX() first when the input is untrusted.
  std::int64_t asInt() const { return std::get<std::int64_t>(v_); }
  const std::string& asString() const { return std::get<std::string>(v_); }
  const List& asList() const { return std::get<List>(v_); }
  List& asList() { return std::get<List>(v_); }
  const Dict& asDict() const { return std::get<Dict>(v_); }
  Dict& asDict() { return std::get<Dict>(v_); }

  SourcePos pos() const { return pos_; }

  /// Structural equality (positions are ignored).
  friend bool operator==(const Value& a, const Value& b);

 private:
  std::variant<std::int64_t, std::string, List, Dict> v_;
  SourcePos pos_;
};

inline const std::vector<Dict::Entry>& Dict::entries() const { return entries_; }
inline std::vector<Dict::Entry>& Dict::entries() { return entries_; }
inline std::size_t Dict::size() const { return entries_.size(); }
inline bool Dict::empty() const { return entries_.empty(); }

/// The name of a type as used in error messages ("an integer", "a string", ...).
const char* typeName(Value::Type t);

}  // namespace cjdns::util
