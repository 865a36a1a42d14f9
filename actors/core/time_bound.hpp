#pragma once
// The bounds of a time range as operators write them, for `ringbid leads
// --from/--to` and the dashboard API's from/to alike.

#include "protocol/time.hpp"

#include <optional>
#include <string_view>

namespace ringbid {

/// A bound of --from / --to: `YYYY-MM-DD` is that UTC day: its first instant, or with
/// `upper` the first instant of the day after (so --to is inclusive of its day).
/// An instant `YYYY-MM-DDTHH:MM[:SS[.fraction]]` followed by `Z` or `±HH:MM` is
/// itself. nullopt if the text is neither (or not a real date or time).
std::optional<timestamp_us> parse_time_bound(std::string_view text, bool upper);

} // namespace ringbid
