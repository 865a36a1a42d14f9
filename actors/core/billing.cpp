#include "actors/core/billing.hpp"

#include <algorithm>
#include <mutex>
#include <unordered_map>

namespace ringbid {

namespace {

constexpr int64_t us_per_day = 86'400 * us_per_s;

std::string duplicate_note(const buyer_config* buyer) {
  int32_t days = buyer ? buyer->duplicate_window_days : 0;
  if (days <= 0) return "duplicate caller";
  return "duplicate caller within " + std::to_string(days) + (days == 1 ? " day" : " days");
}

int64_t source_payout(const source_config* source, bool bridged, bool converted, bool duplicate,
                      int64_t revenue_micros) {
  if (!source || duplicate) return 0;
  switch (source->payout_mode) {
    case payout_kind::revenue_share:
      // Integer arithmetic: the publisher's share is rounded down, never up.
      // Revenue is at most ~1e12 micros and bp at most 10000: no overflow.
      return revenue_micros * source->revenue_share_bp / 10'000;
    case payout_kind::fixed: {
      bool earned = source->pay_on == payout_trigger::bridged ? bridged : converted;
      return earned ? source->fixed_payout_micros : 0;
    }
  }
  return 0;
}

} // namespace

const duration_tier* duration_tier_for(const std::vector<duration_tier>& tiers, int64_t talk_ms) noexcept {
  const duration_tier* best = nullptr;
  for (const auto& tier : tiers) {
    if (int64_t{tier.min_talk_s} * 1000 > talk_ms) continue;
    if (!best || tier.min_talk_s > best->min_talk_s) best = &tier;
  }
  return best;
}

int32_t largest_duplicate_window(const std::vector<buyer_config>& buyers) noexcept {
  int32_t largest = 0;
  for (const auto& b : buyers) largest = std::max(largest, b.duplicate_window_days);
  return largest;
}

billing_result bill(const billing_input& in) {
  billing_result r;
  const int64_t talk_ms = std::max<int64_t>(0, in.talk_ms);
  const int64_t buffer_ms = int64_t{std::max<int32_t>(0, in.conversion_buffer_s)} * 1000;
  r.converted = in.bridged && (talk_ms >= buffer_ms || in.reported_converted);
  const bool duplicate = in.bridged && in.duplicate;

  if (!in.bridged) {
    r.note = "not bridged";
  } else if (duplicate) {
    r.note = duplicate_note(in.buyer);
  } else if (!r.converted) {
    r.note = "not converted";
  } else if (in.buyer && !in.buyer->duration_tiers.empty()) {
    if (const duration_tier* tier = duration_tier_for(in.buyer->duration_tiers, talk_ms)) {
      r.revenue_micros = tier->price_micros;
      r.note = "tier ≥" + std::to_string(tier->min_talk_s) + " s";
    } else {
      r.note = "below every duration tier";
    }
  } else {
    r.revenue_micros = std::max<int64_t>(0, in.price_micros);
    r.note = "bid";
  }
  r.payout_micros = source_payout(in.source, in.bridged, r.converted, duplicate, r.revenue_micros);
  return r;
}

billing_result charge_lead(lead_record& lead, billing_input terms) {
  terms.price_micros = lead.price_micros;
  terms.talk_ms = lead.talk_ms;
  // Bridged, even if interrupted afterwards: the buyer got the caller.
  terms.bridged = lead.bridged_at != 0 && terms.buyer != nullptr;
  billing_result charged = bill(terms);
  lead.converted = charged.converted;
  lead.revenue_micros = charged.revenue_micros;
  lead.payout_micros = charged.payout_micros;
  lead.billing_note = charged.note;
  return charged;
}

// ---------------------------------------------------------------------------

struct duplicate_window::impl {
  mutable std::mutex mutex;
  std::unordered_map<std::string, timestamp_us> last_charged; // key: buyer id, '\0', caller hash
  std::size_t prune_at = min_prune_size;
  timestamp_us newest = 0;

  static constexpr std::size_t min_prune_size = 4096;

  static std::string key(std::string_view buyer_id, std::string_view caller_hash) {
    std::string k;
    k.reserve(buyer_id.size() + 1 + caller_hash.size());
    k.append(buyer_id);
    k.push_back('\0'); // ids never contain NUL, so (buyer, hash) pairs cannot collide
    k.append(caller_hash);
    return k;
  }

  void put(std::string_view buyer_id, std::string_view caller_hash, timestamp_us at) {
    auto [it, inserted] = last_charged.try_emplace(key(buyer_id, caller_hash), at);
    if (!inserted) it->second = std::max(it->second, at);
  }

  std::size_t prune(timestamp_us now, int32_t max_days) {
    const int64_t span = int64_t{std::max<int32_t>(0, max_days)} * us_per_day;
    std::size_t removed = std::erase_if(last_charged, [&](const auto& entry) { return now - entry.second >= span; });
    prune_at = std::max(min_prune_size, 2 * last_charged.size());
    return removed;
  }
};

duplicate_window::duplicate_window(int32_t max_window_days)
  : max_window_days_(std::max<int32_t>(0, max_window_days)), impl_(std::make_unique<impl>()) {}

duplicate_window::~duplicate_window() = default;

bool duplicate_window::seen_within(std::string_view buyer_id, std::string_view caller_hash, timestamp_us now,
                                   int32_t window_days) const {
  if (window_days <= 0 || caller_hash.empty()) return false;
  std::lock_guard guard{impl_->mutex};
  auto it = impl_->last_charged.find(impl::key(buyer_id, caller_hash));
  if (it == impl_->last_charged.end()) return false;
  // A charge at or after `now` is this very call (booked again after a
  // restart) or a later one, never an earlier call by the same caller.
  return it->second < now && now - it->second < int64_t{window_days} * us_per_day;
}

void duplicate_window::record(std::string_view buyer_id, std::string_view caller_hash, timestamp_us at) {
  if (caller_hash.empty()) return;
  std::lock_guard guard{impl_->mutex};
  impl_->put(buyer_id, caller_hash, at);
  impl_->newest = std::max(impl_->newest, at);
  if (impl_->last_charged.size() >= impl_->prune_at) impl_->prune(impl_->newest, max_window_days_);
}

void duplicate_window::add(std::string_view buyer_id, std::string_view caller_hash, timestamp_us at) {
  if (caller_hash.empty()) return;
  std::lock_guard guard{impl_->mutex};
  impl_->put(buyer_id, caller_hash, at);
}

std::size_t duplicate_window::prune(timestamp_us now) {
  std::lock_guard guard{impl_->mutex};
  return impl_->prune(now, max_window_days_);
}

std::size_t duplicate_window::size() const {
  std::lock_guard guard{impl_->mutex};
  return impl_->last_charged.size();
}

} // namespace ringbid
