#pragma once
// ringbid-bench's storage-side benchmarks:
//
// - leads: durable lead writes per second through sqlite_lead_store (group
//   commit, synchronous=FULL, several producer threads), against a bare
//   single-threaded batched INSERT loop on the same schema with the same leads,
//   in the same run; and the store's submit -> committed latency at a paced rate.
// - dids: DID lookup latency through the node's directory, in-process and with
//   the Redis cache in front (a redis-server started for the run), against a
//   bare hiredis GET round trip to the same server.

#include "tools/bench/bench_result.hpp"

#include <cstdint>
#include <string>
#include <vector>

namespace ringbid {

struct leads_bench_options {
  uint64_t leads = 100'000;      ///< leads written by the engine and by the baseline
  int producers = 4;             ///< threads submitting to the store, like call actors
  uint64_t paced_leads = 10'000; ///< the latency run...
  double paced_rate = 5'000;     ///< ...at this many leads per second, well below saturation
  std::string work_dir;
};

/// Rows: leads/s (engine against the bare loop); submit -> committed p50 and p99.
std::vector<result_row> bench_leads(const leads_bench_options& options);

struct dids_bench_options {
  int dids = 10'000;          ///< numbers in the directory
  uint64_t lookups = 100'000; ///< timed lookups per variant, random numbers
  std::string work_dir;
};

/// Rows: p50 and p99 in-process; p50 and p99 of Redis hits against bare
/// hiredis GETs (skipped, with a message, when redis-server is not installed).
std::vector<result_row> bench_dids(const dids_bench_options& options);

} // namespace ringbid
