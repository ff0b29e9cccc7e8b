// Reader for cjdroute.conf text: JSON with comments, in the bencode data model.
//
// Accepts what real cjdns accepts (upper.md §4.1): `//` and `/* */` comments
// (not nested), integers (optionally negative), double-quoted byte strings with
// the `\xHH` escape, dicts and lists. CR is whitespace (cjdns v22.2 rejects CRLF
// files; we deliberately do not). Standard JSON escapes (\" \\ \/ \b \f \n \r \t
// \uXXXX) are also accepted so that our own --cleanconf output reads back.
//
// Two grammars:
//  - strict: commas between items, no trailing comma, colon required;
//  - lenient (cjdns legacy, for files without "version": 2): missing, doubled
//    and trailing commas are tolerated, and the colon is optional.
// readConfigText() picks between them as cjdns does.
#pragma once

#include <cstddef>
#include <string_view>

#include "core/util/result.h"
#include "core/util/value.h"

namespace cjdns::util {

struct JsonOptions {
  bool comments = true;       ///< allow `//` and `/* */`
  bool lenient = false;       ///< cjdns legacy comma/colon leniency
  bool jsonLiterals = false;  ///< true/false read as 1/0 (for reading test vectors only)
  bool fractionsAsText = false;  ///< 1.5, 2e3 read as the string "1.5" (test vectors only)
  std::size_t maxDepth = 64;  ///< nesting limit; deeper input is an error, not a stack overflow
};

/// Parses exactly one value, which must be followed only by whitespace/comments.
Result<Value> parseJson(std::string_view text, const JsonOptions& options = {});

/// Parses a cjdroute.conf: the top level must be a dict. Tries the strict
/// grammar first; if that fails and the file does not declare "version" >= 2,
/// retries leniently. Errors carry line and column of the strict attempt.
Result<Value> readConfigText(std::string_view text);

}  // namespace cjdns::util
