#pragma once
// A lock-free latency histogram for /metrics and the benchmarks: fixed
// exponential buckets from 10 µs to about 20 s (each bound 1.5 times the one
// before), recorded from any thread with relaxed atomics.

#include <array>
#include <atomic>
#include <chrono>
#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

namespace ringbid {

class latency_histogram {
public:
  static constexpr size_t bucket_count = 37; ///< finite bounds; one more bucket counts the rest

  /// Upper bound of bucket `i` in microseconds (i < bucket_count).
  static double bound_us(size_t i) noexcept;

  void record(std::chrono::microseconds elapsed) noexcept;

  uint64_t count() const noexcept { return count_.load(std::memory_order_relaxed); }
  uint64_t sum_us() const noexcept { return sum_us_.load(std::memory_order_relaxed); }

  /// The q-quantile (0 < q ≤ 1) in microseconds, interpolated linearly inside
  /// its bucket; 0 when empty. Above the last bound it reports the largest
  /// value recorded.
  double quantile_us(double q) const noexcept;

  /// Prometheus text: `name_bucket{le="…"}` (cumulative, in seconds), `name_sum`
  /// and `name_count`, each with `labels` (e.g. `kind="answer"`, or empty)
  /// merged in. No HELP/TYPE lines: the caller writes them once per family.
  void write_prometheus(std::string& out, std::string_view name, std::string_view labels = {}) const;

private:
  std::array<std::atomic<uint64_t>, bucket_count + 1> buckets_{};
  std::atomic<uint64_t> count_{0};
  std::atomic<uint64_t> sum_us_{0};
  std::atomic<uint64_t> max_us_{0};
};

} // namespace ringbid
