#pragma once
// Private to adapters/config: JSON read into a RapidJSON DOM with every number
// kept as its source text, so that what is written back is exactly what came
// (money never passes through a double). Numbers live in strings that start
// with a mark byte; a real string starting with the mark gets a second one.
// config_document and entity_json share it.

#include <rapidjson/document.h>

#include <cstddef>
#include <string>
#include <string_view>

namespace ringbid::marked_json {

using value = rapidjson::Value;
using document = rapidjson::Document;

/// Parses `text` into `out`. False when it is not JSON; then `*offset` and
/// `*message` (when given) say where and why.
bool read(std::string_view text, document& out, size_t* offset = nullptr, std::string* message = nullptr);

/// Whether `v` is a number (kept as text).
bool is_number(const value& v);

/// The text of a string value as the document had it (the mark undone); ""
/// for a number or any other kind of value.
std::string plain_string(const value& v);

/// `v` as compact JSON text, numbers as they came.
std::string compact(const value& v);
/// `v` as JSON with two-space indentation and a final newline.
std::string pretty(const value& v);

} // namespace ringbid::marked_json
