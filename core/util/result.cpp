#include "core/util/result.h"

namespace cjdns::util {

std::string Error::toString() const {
  std::string out;
  if (pos.line != 0) {
    out = "line " + std::to_string(pos.line) + ", column " + std::to_string(pos.column) + ": ";
  }
  if (!path.empty()) out += path + ": ";
  out += message;
  return out;
}

}  // namespace cjdns::util
