#pragma once
// ringbid-bench's end-to-end benchmark: call setups per second through real
// HTTP on loopback, `ringbid carrier-sim` -> `ringbid-node --carrier telnyx`
// (simulated bidders) -> carrier-sim, as separate processes on this machine's
// cores; and the node's webhook handling latency from its /metrics. The
// baseline is the transport's ceiling measured in the same run: HTTP exchanges
// per second between the project's client and server, divided by the exchanges
// one call setup takes.

#include "tools/bench/bench_result.hpp"

#include <cstdint>
#include <string>
#include <vector>

namespace ringbid {

struct e2e_options {
  uint64_t calls = 3'000;
  double calls_per_second = 400;
  std::string work_dir; ///< config, databases, logs
};

std::vector<result_row> bench_e2e(const e2e_options& options);

/// A blocking GET on loopback; the body, or "" when it failed.
std::string bench_http_get(const std::string& url);

/// The benchmarks' node config: one campaign "bench" (source "bench-source"),
/// ten buyers "buyer-00".."buyer-09" who always bid and answer, no caps.
std::string bench_config_json(const std::string& data_dir);

} // namespace ringbid
