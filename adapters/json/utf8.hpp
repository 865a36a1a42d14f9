#pragma once
// UTF-8 repair for the JSON the adapters write: every string they put on the
// wire (webhooks, commands, pings) must be valid JSON text, whatever bytes a
// carrier or a buyer sent us.

#include <optional>
#include <string>
#include <string_view>

namespace ringbid {

/// Replaces each byte that does not start a valid UTF-8 sequence with U+FFFD.
/// nullopt when `s` is valid already (the common case: no copy).
std::optional<std::string> repair_utf8(std::string_view s);

} // namespace ringbid
