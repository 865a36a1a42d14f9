#pragma once
// ringbid-bench's control-plane benchmark:
// - how long after a change is committed the first call is routed under it:
//   a running ringbid-node (simulated carrier at `rate` calls/s) while this
//   process commits changes to its database as another writer would (the
//   CLI, another node), reading the node's /metrics for the newest revision
//   a call was routed under. Baseline: the mean gap between two calls at that
//   rate, the least any change can wait for its first call.
// - call lifecycles/s while 10 configuration changes/s are installed, against
//   the same run without changes (the simulation on virtual time, at full speed).

#include "tools/bench/bench_result.hpp"

#include <string>
#include <vector>

namespace ringbid {

struct control_plane_bench_options {
  std::string work_dir;
  std::string tools_dir; ///< where ringbid-node is
  int changes = 60;
  double rate = 200; ///< calls/s the node's simulated carrier places
  uint64_t lifecycle_calls = 20'000;
};

std::vector<result_row> bench_control_plane(const control_plane_bench_options& options);

} // namespace ringbid
