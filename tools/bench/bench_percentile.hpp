#pragma once
// Percentiles as every ringbid-bench figure reports them.

#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <utility>
#include <vector>

namespace ringbid {

/// Nearest-rank percentile of sorted values; -1 when there are none.
inline int64_t percentile(const std::vector<int64_t>& sorted, double p) {
  if (sorted.empty()) return -1;
  auto rank = static_cast<size_t>(p / 100.0 * double(sorted.size() - 1) + 0.5);
  return sorted[std::min(rank, sorted.size() - 1)];
}

/// Sorts `ns` (nanoseconds) and returns its p50 and p99 in microseconds.
inline std::pair<double, double> p50_p99_us(std::vector<int64_t>& ns) {
  std::sort(ns.begin(), ns.end());
  return {double(percentile(ns, 50)) / 1e3, double(percentile(ns, 99)) / 1e3};
}

} // namespace ringbid
