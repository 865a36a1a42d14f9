#pragma once
// Wall-clock instants travel as microseconds since the Unix epoch (UTC): plain
// integers serialize across nodes and compare exactly. Durations use caf::timespan.

#include <caf/timespan.hpp>

#include <cstdint>
#include <string>

namespace ringbid {

using timestamp_us = int64_t;

constexpr int64_t us_per_ms = 1000;
constexpr int64_t us_per_s = 1000 * us_per_ms;

/// "2026-11-21T19:59:11.123Z"
std::string format_iso8601(timestamp_us t);

} // namespace ringbid
