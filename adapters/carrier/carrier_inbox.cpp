#include "adapters/carrier/carrier_inbox.hpp"

namespace ringbid {

carrier_inbox::carrier_inbox(size_t max_kept) : max_kept_(max_kept == 0 ? 1 : max_kept) {}

void carrier_inbox::keep_and_deliver(carrier_event event) {
  auto ticket = ++next_ticket_;
  if (kept_.size() >= max_kept_) {
    kept_.erase(kept_.begin());
    ++unkept_;
  }
  // Delivered under the lock: an attach() in between cannot deliver it twice
  // to one sink, nor skip it.
  if (sink_) sink_->deliver(ticket, event);
  kept_.emplace(ticket, std::move(event));
}

void carrier_inbox::post(carrier_event event) {
  std::lock_guard lock{mutex_};
  keep_and_deliver(std::move(event));
}

bool carrier_inbox::post_if_attached(carrier_event event) {
  std::lock_guard lock{mutex_};
  if (!sink_) return false;
  keep_and_deliver(std::move(event));
  return true;
}

void carrier_inbox::attach(std::shared_ptr<carrier_event_sink> sink) {
  std::lock_guard lock{mutex_};
  sink_ = std::move(sink);
  if (!sink_) return;
  for (const auto& [ticket, event] : kept_) sink_->deliver(ticket, event);
}

void carrier_inbox::detach(const carrier_event_sink* sink) {
  std::lock_guard lock{mutex_};
  if (sink_.get() == sink) sink_ = nullptr;
}

void carrier_inbox::forwarded(uint64_t ticket) {
  std::lock_guard lock{mutex_};
  kept_.erase(ticket);
}

bool carrier_inbox::attached() const {
  std::lock_guard lock{mutex_};
  return static_cast<bool>(sink_);
}

size_t carrier_inbox::pending() const {
  std::lock_guard lock{mutex_};
  return kept_.size();
}

uint64_t carrier_inbox::unkept() const {
  std::lock_guard lock{mutex_};
  return unkept_;
}

} // namespace ringbid
