#pragma once
// ringbid-bench's auction benchmark over real HTTP: `buyer-sim` in this
// process answers 10 buyers at once; the engine (`simulate --bidders http`, the
// whole call path) runs auctions against it, and a bare Boost.Beast client
// loop fires the same 10 requests per round as the baseline, in the same run.
// Also the engine's overhead per auction: the round's duration minus the
// slowest buyer's own response time, as the transport measured it.

#include "tools/bench/bench_result.hpp"

#include <cstdint>
#include <string>
#include <vector>

namespace ringbid {

struct auction_bench_options {
  uint64_t calls = 3'000;          ///< the saturated run
  double calls_per_second = 2'000; ///< offered: more than the engine takes
  uint64_t paced_calls = 1'000;    ///< the overhead run, well below saturation
  double paced_rate = 100;
  std::string work_dir;
};

std::vector<result_row> bench_auction(const auction_bench_options& options);

} // namespace ringbid
