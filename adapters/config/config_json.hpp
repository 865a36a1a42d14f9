#pragma once
// Loads the node configuration from JSON: parse, validate against the schema
// embedded from schemas/config.schema.json, then check cross references.
// Every problem found is reported, each with the JSON pointer of the bad value.

#include "actors/core/config.hpp"

#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace ringbid {

struct config_error {
  std::string pointer; ///< JSON pointer, e.g. "/buyers/2/daily_cap"; "" = the whole document
  std::string message;
  /// Set when the value is fine on its own but conflicts with another part of
  /// the document (a duplicate, a reference to a missing or archived entity):
  /// the pointer of that other side, or of the list the missing entity would be in.
  std::string other = {};
};

struct config_result {
  std::optional<engine_config> config; ///< set only when there are no errors
  std::vector<config_error> errors;
  std::string revision; ///< load_config_file: the file's config_revision (also when invalid)

  bool ok() const { return config.has_value() && errors.empty(); }
};

/// Parses, schema-validates and cross-checks a configuration document.
config_result parse_config(std::string_view json_text);

/// Reads `path` and parses it; an unreadable file is one error with pointer "".
config_result load_config_file(const std::string& path);

/// One line per error, "<pointer>: <message>" (just "<message>" when the pointer is "").
std::string format_config_errors(const std::vector<config_error>& errors);

} // namespace ringbid
