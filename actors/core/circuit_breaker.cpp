#include "actors/core/circuit_breaker.hpp"

#include <algorithm>
#include <mutex>
#include <unordered_map>
#include <utility>

namespace ringbid {

circuit_breaker::circuit_breaker(breaker_config config)
  : config_(config), open_us_(int64_t{std::max(config.open_ms, int32_t{0})} * us_per_ms) {}

bool circuit_breaker::cooling(timestamp_us now) const { return open_ && now - opened_at_ < open_us_; }

bool circuit_breaker::allow(timestamp_us now) {
  if (!open_) return true;
  if (cooling(now)) return false;
  if (probe_out_ && now - probe_at_ < open_us_) return false;
  probe_out_ = true;
  probe_at_ = now;
  return true;
}

void circuit_breaker::record_success() {
  open_ = false;
  probe_out_ = false;
  failures_ = 0;
}

void circuit_breaker::record_failure(timestamp_us now) {
  if (failures_ < INT32_MAX) ++failures_;
  if (config_.failure_threshold <= 0) return;
  const bool half_open = open_ && !cooling(now);
  if (half_open || (!open_ && failures_ >= config_.failure_threshold)) {
    open_ = true;
    opened_at_ = now;
    probe_out_ = false;
  }
}

circuit_breaker::state circuit_breaker::current(timestamp_us now) const {
  if (!open_) return state::closed;
  return cooling(now) ? state::open : state::half_open;
}

int32_t circuit_breaker::consecutive_failures() const { return failures_; }

const char* to_string(circuit_breaker::state s) noexcept {
  switch (s) {
    case circuit_breaker::state::closed: return "closed";
    case circuit_breaker::state::open: return "open";
    case circuit_breaker::state::half_open: return "half_open";
  }
  return "unknown";
}

struct breaker_board::impl {
  mutable std::mutex mutex;
  std::unordered_map<std::string, circuit_breaker> breakers;
};

breaker_board::breaker_board(const std::vector<buyer_config>& buyers) : impl_(std::make_unique<impl>()) {
  for (const buyer_config& b : buyers) impl_->breakers.try_emplace(b.id, b.breaker);
}

breaker_board::~breaker_board() = default;

bool breaker_board::allow(const std::string& buyer_id, timestamp_us now) {
  const std::lock_guard lock{impl_->mutex};
  const auto it = impl_->breakers.find(buyer_id);
  return it == impl_->breakers.end() || it->second.allow(now);
}

void breaker_board::record(const std::string& buyer_id, bool ok, timestamp_us now) {
  const std::lock_guard lock{impl_->mutex};
  const auto it = impl_->breakers.find(buyer_id);
  if (it == impl_->breakers.end()) return;
  if (ok)
    it->second.record_success();
  else
    it->second.record_failure(now);
}

circuit_breaker::state breaker_board::state_of(const std::string& buyer_id, timestamp_us now) const {
  const std::lock_guard lock{impl_->mutex};
  const auto it = impl_->breakers.find(buyer_id);
  return it == impl_->breakers.end() ? circuit_breaker::state::closed : it->second.current(now);
}

} // namespace ringbid
