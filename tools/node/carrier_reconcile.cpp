#include "tools/node/carrier_reconcile.hpp"

#include <condition_variable>
#include <memory>
#include <mutex>
#include <optional>
#include <unordered_set>

namespace ringbid {

namespace {

/// Answers that arrive from the carrier's threads, collected under a lock.
struct answers {
  std::mutex mutex;
  std::condition_variable changed;
  std::optional<std::optional<std::vector<std::string>>> listing;
  std::vector<std::pair<size_t, std::optional<carrier_call_status>>> statuses;
  size_t in_flight = 0;
};

void apply_status(adoptable_call& call, const std::optional<carrier_call_status>& status) {
  if (!status) return; // stays unasked
  switch (status->state) {
    case carrier_call_status::liveness::alive: call.verdict = carrier_verdict::alive; return;
    case carrier_call_status::liveness::ended:
      call.verdict = carrier_verdict::ended;
      call.carrier_ended_at = status->end_time;
      return;
    case carrier_call_status::liveness::unknown: call.verdict = carrier_verdict::unknown; return;
  }
}

} // namespace

reconcile_figures reconcile_with_carrier(carrier_port& carrier, std::vector<adoptable_call>& calls,
                                         std::chrono::milliseconds limit, size_t parallel) {
  reconcile_figures out;
  if (calls.empty()) return out;
  auto deadline = std::chrono::steady_clock::now() + limit;
  // Shared with the callbacks, which may outlive this call after the limit.
  auto got = std::make_shared<answers>();
  carrier.active_calls([got](std::optional<std::vector<std::string>> ids) {
    std::lock_guard lock{got->mutex};
    got->listing = std::move(ids);
    got->changed.notify_all();
  });
  std::unique_lock lock{got->mutex};
  got->changed.wait_until(lock, deadline, [&] { return got->listing.has_value(); });
  std::vector<size_t> to_ask;
  if (got->listing && *got->listing) {
    out.listed = true;
    std::unordered_set<std::string> alive{(*got->listing)->begin(), (*got->listing)->end()};
    for (size_t i = 0; i < calls.size(); ++i) {
      if (alive.count(calls[i].carrier_call_id))
        calls[i].verdict = carrier_verdict::alive;
      else
        to_ask.push_back(i);
    }
  } else {
    for (size_t i = 0; i < calls.size(); ++i) to_ask.push_back(i);
  }
  size_t next = 0;
  size_t answered = 0;
  while (answered < to_ask.size()) {
    while (next < to_ask.size() && got->in_flight < parallel) {
      auto index = to_ask[next++];
      ++got->in_flight;
      ++out.asked;
      auto id = calls[index].carrier_call_id;
      lock.unlock();
      carrier.call_status(id, [got, index](std::optional<carrier_call_status> status) {
        std::lock_guard guard{got->mutex};
        got->statuses.emplace_back(index, std::move(status));
        --got->in_flight;
        got->changed.notify_all();
      });
      lock.lock();
    }
    if (got->statuses.empty() && !got->changed.wait_until(lock, deadline, [&] { return !got->statuses.empty(); }))
      break; // the limit passed
    for (auto& [index, status] : got->statuses) apply_status(calls[index], status);
    answered += got->statuses.size();
    got->statuses.clear();
  }
  for (const auto& call : calls) out.unasked += call.verdict == carrier_verdict::unasked ? 1 : 0;
  return out;
}

} // namespace ringbid
