#include "angel/conf/conf-walker.h"

#include <algorithm>
#include <cctype>

namespace cjdns::angel {

using util::Value;

namespace {

bool isIdentifier(std::string_view key) {
  if (key.empty()) return false;
  return std::all_of(key.begin(), key.end(), [](char c) {
    return std::isalnum(static_cast<unsigned char>(c)) != 0 || c == '_' || c == '-';
  });
}

}  // namespace

std::string childPath(const std::string& parent, std::string_view key) {
  if (!isIdentifier(key)) return parent + "[\"" + std::string(key) + "\"]";
  if (parent.empty()) return std::string(key);
  return parent + "." + std::string(key);
}

std::string indexPath(const std::string& parent, std::size_t index) {
  return parent + "[" + std::to_string(index) + "]";
}

bool ConfWalker::fail(const Value& at, const std::string& path, std::string message) {
  if (!error_) error_ = util::Error{std::move(message), at.pos(), path};
  return false;
}

void ConfWalker::warn(const Value& at, const std::string& path, std::string message) {
  warnings_.push_back(util::Error{std::move(message), at.pos(), path});
}

bool ConfWalker::expectType(const Value& v, const std::string& path, Value::Type type) {
  if (v.type() == type) return true;
  return fail(v, path, std::string("expected ") + util::typeName(type) + ", found " + util::typeName(v.type()));
}

const Value* ConfWalker::get(const Value& dict, const std::string& path, std::string_view key, Value::Type type) {
  if (failed() || !dict.isDict()) return nullptr;
  const Value* v = dict.asDict().find(key);
  if (v == nullptr) return nullptr;
  if (!expectType(*v, childPath(path, key), type)) return nullptr;
  return v;
}

const Value* ConfWalker::need(const Value& dict, const std::string& path, std::string_view key, Value::Type type) {
  if (failed()) return nullptr;
  const Value* v = get(dict, path, key, type);
  if (v == nullptr && !failed()) {
    fail(dict, childPath(path, key),
         std::string("required key is missing (expected ") + util::typeName(type) + ")");
  }
  return v;
}

std::optional<std::string> ConfWalker::getString(const Value& dict, const std::string& path, std::string_view key) {
  const Value* v = get(dict, path, key, Value::Type::kString);
  if (v == nullptr) return std::nullopt;
  return v->asString();
}

std::optional<std::int64_t> ConfWalker::getInt(const Value& dict, const std::string& path, std::string_view key,
                                               std::int64_t lo, std::int64_t hi) {
  const Value* v = get(dict, path, key, Value::Type::kInt);
  if (v == nullptr) return std::nullopt;
  if (v->asInt() < lo || v->asInt() > hi) {
    fail(*v, childPath(path, key),
         "expected an integer from " + std::to_string(lo) + " to " + std::to_string(hi) + ", found " +
             std::to_string(v->asInt()));
    return std::nullopt;
  }
  return v->asInt();
}

void ConfWalker::checkKeys(const Value& dict, const std::string& path, std::initializer_list<std::string_view> known,
                           std::initializer_list<std::string_view> obsolete) {
  if (!dict.isDict()) return;
  auto in = [](std::initializer_list<std::string_view> list, std::string_view k) {
    return std::find(list.begin(), list.end(), k) != list.end();
  };
  for (const auto& [key, value] : dict.asDict().entries()) {
    if (in(known, key) || (!key.empty() && key[0] == '_')) continue;
    if (in(obsolete, key)) {
      warn(value, childPath(path, key), "obsolete key, ignored");
    } else {
      warn(value, childPath(path, key), "unknown key, ignored");
    }
  }
}

}  // namespace cjdns::angel
