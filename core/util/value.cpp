#include "core/util/value.h"

namespace cjdns::util {

const Value* Dict::find(std::string_view key) const {
  for (auto it = entries_.rbegin(); it != entries_.rend(); ++it) {
    if (it->first == key) return &it->second;
  }
  return nullptr;
}

Value* Dict::find(std::string_view key) {
  return const_cast<Value*>(static_cast<const Dict*>(this)->find(key));
}

void Dict::add(std::string key, Value value) {
  entries_.emplace_back(std::move(key), std::move(value));
}

bool operator==(const Value& a, const Value& b) {
  if (a.type() != b.type()) return false;
  switch (a.type()) {
    case Value::Type::kInt: return a.asInt() == b.asInt();
    case Value::Type::kString: return a.asString() == b.asString();
    case Value::Type::kList: return a.asList() == b.asList();
    case Value::Type::kDict: {
      const auto& x = a.asDict().entries();
      const auto& y = b.asDict().entries();
      if (x.size() != y.size()) return false;
      for (std::size_t i = 0; i < x.size(); ++i) {
        if (x[i].first != y[i].first || !(x[i].second == y[i].second)) return false;
      }
      return true;
    }
  }
  return false;
}

const char* typeName(Value::Type t) {
  switch (t) {
    case Value::Type::kInt: return "an integer";
    case Value::Type::kString: return "a string";
    case Value::Type::kList: return "a list";
    case Value::Type::kDict: return "a dict";
  }
  return "?";
}

}  // namespace cjdns::util
