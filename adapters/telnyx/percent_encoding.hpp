#pragma once
// Percent-encoding of a path segment (a call_control_id, a connection id), as
// the Telnyx codec writes and reads request paths.

#include <optional>
#include <string>
#include <string_view>

namespace ringbid {

/// Keeps A-Z a-z 0-9 - . _ ~ and ':' (a call_control_id's "v3:" stays
/// readable); every other byte becomes %XX.
std::string percent_encode(std::string_view s);

/// Undoes %XX escapes; nullopt on a truncated or non-hex escape.
std::optional<std::string> percent_decode(std::string_view s);

} // namespace ringbid
