#include "adapters/http/latency_histogram.hpp"

#include <algorithm>
#include <cmath>
#include <fmt/format.h>

namespace ringbid {

namespace {

const std::array<double, latency_histogram::bucket_count>& bounds() {
  static const auto table = [] {
    std::array<double, latency_histogram::bucket_count> b{};
    double v = 10.0;
    for (auto& x : b) {
      x = v;
      v *= 1.5;
    }
    return b;
  }();
  return table;
}

} // namespace

double latency_histogram::bound_us(size_t i) noexcept { return bounds()[std::min(i, bucket_count - 1)]; }

void latency_histogram::record(std::chrono::microseconds elapsed) noexcept {
  auto us = static_cast<uint64_t>(std::max<int64_t>(0, elapsed.count()));
  const auto& b = bounds();
  auto i = static_cast<size_t>(std::lower_bound(b.begin(), b.end(), static_cast<double>(us)) - b.begin());
  buckets_[i].fetch_add(1, std::memory_order_relaxed);
  count_.fetch_add(1, std::memory_order_relaxed);
  sum_us_.fetch_add(us, std::memory_order_relaxed);
  auto seen = max_us_.load(std::memory_order_relaxed);
  while (us > seen && !max_us_.compare_exchange_weak(seen, us, std::memory_order_relaxed)) {}
}

double latency_histogram::quantile_us(double q) const noexcept {
  std::array<uint64_t, bucket_count + 1> counts{};
  uint64_t total = 0;
  for (size_t i = 0; i < counts.size(); ++i) total += counts[i] = buckets_[i].load(std::memory_order_relaxed);
  if (total == 0) return 0;
  auto rank = std::clamp(q, 0.0, 1.0) * static_cast<double>(total);
  double below = 0;
  for (size_t i = 0; i < counts.size(); ++i) {
    if (counts[i] == 0) continue;
    if (below + static_cast<double>(counts[i]) >= rank) {
      if (i == bucket_count) return static_cast<double>(max_us_.load(std::memory_order_relaxed));
      double lo = i == 0 ? 0.0 : bound_us(i - 1);
      double hi = std::min(bound_us(i), std::max(lo, static_cast<double>(max_us_.load(std::memory_order_relaxed))));
      double within = (rank - below) / static_cast<double>(counts[i]);
      return lo + (hi - lo) * std::clamp(within, 0.0, 1.0);
    }
    below += static_cast<double>(counts[i]);
  }
  return static_cast<double>(max_us_.load(std::memory_order_relaxed));
}

void latency_histogram::write_prometheus(std::string& out, std::string_view name, std::string_view labels) const {
  auto sep = labels.empty() ? "" : ",";
  uint64_t cumulative = 0;
  for (size_t i = 0; i < bucket_count; ++i) {
    cumulative += buckets_[i].load(std::memory_order_relaxed);
    out += fmt::format("{}_bucket{{{}{}le=\"{:g}\"}} {}\n", name, labels, sep, bound_us(i) / 1e6, cumulative);
  }
  cumulative += buckets_[bucket_count].load(std::memory_order_relaxed);
  out += fmt::format("{}_bucket{{{}{}le=\"+Inf\"}} {}\n", name, labels, sep, cumulative);
  auto braces = labels.empty() ? std::string{} : fmt::format("{{{}}}", labels);
  out += fmt::format("{}_sum{} {:.6f}\n", name, braces, static_cast<double>(sum_us()) / 1e6);
  out += fmt::format("{}_count{} {}\n", name, braces, cumulative);
}

} // namespace ringbid
