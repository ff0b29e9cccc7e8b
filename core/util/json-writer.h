// Writes a Value as standard JSON in the layout of `cjdroute --cleanconf`:
// two-space indent, `"key" : value`, an empty dict or list as the opener, an
// empty line and the closer, and a final newline. Unlike cjdns, strings are
// always valid JSON: control bytes and bytes that are not UTF-8 become \u00XX.
#pragma once

#include <string>

#include "core/util/value.h"

namespace cjdns::util {

std::string writeCleanJson(const Value& v);

/// One JSON string literal, quoted and escaped.
std::string jsonQuote(std::string_view s);

}  // namespace cjdns::util
