// Test-only access to ../shared/vectors (the CJDNS_VECTORS environment
// variable, set by meson test). Tests that need a vector file skip themselves,
// saying why, when it is absent.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include "core/util/value.h"

namespace cjdns::testing {

/// The vectors folder, or "" when CJDNS_VECTORS is unset or missing.
std::string vectorsDir();

/// Reads a whole file; nullopt if it cannot be read.
std::optional<std::string> readFile(const std::string& path);

/// Loads and parses a JSON vector file (relative to vectorsDir()). Fails the
/// current doctest case with a message if the file is present but unparsable;
/// returns nullopt (and emits a doctest MESSAGE) if the folder is absent.
std::optional<util::Value> loadVectorJson(const std::string& relPath);

/// Decodes standard base64 (vector files store raw bytes that way); nullopt if malformed.
std::optional<std::string> base64Decode(std::string_view text);

/// Path lookup helpers for vector files: "a.b" style, returns nullptr if absent.
const util::Value* at(const util::Value& v, const std::string& key);

// Typed access to a vector entry's fields; a missing or mistyped field fails
// the current test case with a message naming it.
const util::Value& field(const util::Value& v, const char* key);
const std::string& text(const util::Value& v, const char* key);
std::int64_t integer(const util::Value& v, const char* key);
/// A non-empty list.
const util::List& list(const util::Value& v, const char* key);

}  // namespace cjdns::testing
