// Result<T>: a value or an error with a message and a source position.
// Used for input that crosses a trust boundary (config text, IPC, packets):
// such input gets a checked error, never an exception or an assert.
#pragma once

#include <optional>
#include <string>
#include <utility>

#include "core/util/value.h"

namespace cjdns::util {

struct Error {
  std::string message;  ///< what was expected and what was found
  SourcePos pos;        ///< line/column, or {0,0} when not tied to text
  std::string path;     ///< key path such as interfaces.UDPInterface[0].bind, or ""

  /// "line 7, column 5: <path>: <message>" with the empty parts left out.
  std::string toString() const;
};

template <typename T>
class [[nodiscard]] Result {
 public:
  Result(T value) : value_(std::move(value)) {}
  Result(Error error) : error_(std::move(error)) {}

  bool ok() const { return value_.has_value(); }
  explicit operator bool() const { return ok(); }
  const T& value() const& { return *value_; }
  T& value() & { return *value_; }
  T&& value() && { return std::move(*value_); }
  const T* operator->() const { return &*value_; }
  T* operator->() { return &*value_; }
  const Error& error() const { return error_; }

 private:
  std::optional<T> value_;
  Error error_;
};

}  // namespace cjdns::util
