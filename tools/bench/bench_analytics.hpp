#pragma once
// ringbid-bench's analytics benchmarks:
//
// - analytics: simulated call lifecycles per second with the analytics actor
//   counting every call, against the same simulation without it, alternating
//   runs in the same process (the ratio is the cost on the call path).
// - sse: how many event-stream subscribers one node's HTTP server and hub keep
//   up with at 1,000 call events per second: every subscriber must receive
//   every event, none may be dropped, and the last event must reach all of
//   them within a second of being published.

#include "tools/bench/bench_result.hpp"

#include <cstdint>
#include <string>
#include <vector>

namespace ringbid {

/// Rows: lifecycles/s with analytics (baseline: without).
std::vector<result_row> bench_analytics(uint64_t calls, const std::string& work_dir);

struct sse_bench_options {
  double events_per_second = 1000;
  double seconds = 3; ///< per subscriber count tried
  std::vector<int> subscribers = {100, 250, 500, 750, 1000};
};

/// Rows: per subscriber count, events delivered per second (baseline: published
/// x subscribers) and the drain time of the last event; then the largest
/// count that kept up.
std::vector<result_row> bench_sse(const sse_bench_options& options);

} // namespace ringbid
