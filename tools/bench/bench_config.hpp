#pragma once
// The benchmarks' node: one campaign, its buyers ("buyer-00", "buyer-01"...)
// without caps, four DIDs, every transfer answered.

#include "actors/core/config.hpp"

#include <cstdint>

namespace ringbid {

/// `latency_ms` is the simulated buyers' mean answer time.
engine_config bench_config(int buyers, int32_t deadline_ms, int32_t latency_ms);

} // namespace ringbid
