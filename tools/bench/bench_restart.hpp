#pragma once
// ringbid-bench's restart benchmarks (calls outlive the process):
//
// - durable start: what noting a call's start durably adds between the
//   carrier's call.initiated and the engine hearing of the call (so before its
//   answer), p50/p99 at a steady rate through the SQLite store's group commit;
//   against the same store's lead submit -> committed latency at that rate.
// - adoption: live calls adopted per second when ringbid-node starts on a
//   database holding 10,000 bridged calls (a fake Telnyx API says all are
//   alive); and the time from SIGTERM (which hands them over) to the next
//   process answering /readyz 200.

#include "tools/bench/bench_result.hpp"

#include <cstdint>
#include <string>
#include <vector>

namespace ringbid {

struct restart_bench_options {
  uint64_t starts = 5'000;   ///< call starts noted in the latency run...
  double start_rate = 1'000; ///< ...at this many per second
  int live_calls = 10'000;   ///< calls left live for the adoption run
  std::string work_dir;
  std::string tools_dir; ///< where ringbid-node is
  std::string config_path;
};

std::vector<result_row> bench_restart(const restart_bench_options& options);

} // namespace ringbid
