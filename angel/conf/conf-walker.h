// Typed, path-aware access to a parsed config tree. Collects warnings and
// stops at the first error, which names the key path and source position.
#pragma once

#include <cstdint>
#include <initializer_list>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "core/util/result.h"
#include "core/util/value.h"

namespace cjdns::angel {

/// "a.b", a["odd key"], a[3]: the key paths used in every message.
std::string childPath(const std::string& parent, std::string_view key);
std::string indexPath(const std::string& parent, std::size_t index);

class ConfWalker {
 public:
  explicit ConfWalker(std::vector<util::Error>& warnings) : warnings_(warnings) {}

  bool failed() const { return error_.has_value(); }
  const util::Error& error() const { return *error_; }

  /// Records the first error; always returns false so callers can `return fail(...)`.
  bool fail(const util::Value& at, const std::string& path, std::string message);
  void warn(const util::Value& at, const std::string& path, std::string message);

  /// A typed child of a dict; nullptr when absent. A present child of the
  /// wrong type is an error (and nullptr is returned).
  const util::Value* get(const util::Value& dict, const std::string& path, std::string_view key,
                         util::Value::Type type);
  /// As get(), but absence is an error too.
  const util::Value* need(const util::Value& dict, const std::string& path, std::string_view key,
                          util::Value::Type type);

  std::optional<std::string> getString(const util::Value& dict, const std::string& path, std::string_view key);
  /// An integer child within [lo, hi]; nullopt if absent or on error.
  std::optional<std::int64_t> getInt(const util::Value& dict, const std::string& path, std::string_view key,
                                     std::int64_t lo, std::int64_t hi);

  bool expectType(const util::Value& v, const std::string& path, util::Value::Type type);

  /// Warns about every key that is neither known nor obsolete; keys starting
  /// with "_" are how cjdns configs disable a section and are skipped quietly.
  void checkKeys(const util::Value& dict, const std::string& path, std::initializer_list<std::string_view> known,
                 std::initializer_list<std::string_view> obsolete = {});

 private:
  std::vector<util::Error>& warnings_;
  std::optional<util::Error> error_;
};

}  // namespace cjdns::angel
