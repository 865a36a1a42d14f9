#pragma once
// Billing: what a finished call charges its buyer and pays its source. Pure
// rules (no CAF, no I/O), all in integer micros; the caller passes the time.
//
// Conversion
//   converted = bridged && (talk_ms >= conversion_buffer_s * 1000 || reported_converted)
//   - A buffer of 0 converts on connect (any bridged call, even 0 ms of talk).
//   - Exactly the buffer converts; one millisecond less does not.
//   - A buyer's postback (`reported_converted`) converts a bridged call whatever
//     its talk time. A call that was never bridged never converts: no buyer took
//     it, so no buyer can report it.
//
// Revenue (what the buyer is charged), the first rule that applies:
//   1. not bridged                  -> 0            "not bridged"
//   2. duplicate                    -> 0            "duplicate caller within N days"
//   3. not converted                -> 0            "not converted"
//   4. the buyer has duration tiers -> tier price   "tier ≥60 s"
//      (the highest tier whose min_talk_s * 1000 <= talk_ms; none -> 0,
//       "below every duration tier". A postback conversion is priced by its
//       talk time too.)
//   5. otherwise                    -> the price    "bid"
//   A duplicate is named before "not converted": its revenue is 0 either way,
//   and it is the reason the source is not paid either (below).
//
// Payout (what the source is paid), never for a duplicate and never without a source:
//   - revenue_share: revenue * revenue_share_bp / 10000, rounded down. Whatever
//     the buyer is not charged, the source is not paid; `pay_on` plays no part.
//   - fixed: fixed_payout when pay_on holds (converted: the call converted;
//     bridged: the call was bridged), else 0. It does not depend on revenue: a
//     call below every tier or a "bridged" payout on a short call is paid.
//   A duplicate is never paid to the source: the buyer does not pay for it, and
//   a publisher sending the same caller again has not delivered a new lead.
//
// Profit = revenue - payout, per call. Negative for a fixed payout above what the
// buyer is charged; allowed, and reported as it is.

#include "actors/core/config.hpp"
#include "protocol/lead.hpp"
#include "protocol/time.hpp"

#include <cstdint>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

namespace ringbid {

struct billing_input {
  int64_t price_micros = 0; ///< clearing price of the buyer that took the call (0 if none)
  int64_t talk_ms = 0;      ///< negative counts as 0
  bool bridged = false;
  int32_t conversion_buffer_s = 0;       ///< the buyer's; negative counts as 0
  bool reported_converted = false;       ///< a buyer's postback said the call converted
  bool duplicate = false;                ///< the caller hash was charged by this buyer within its window
  const buyer_config* buyer = nullptr;   ///< tiers, window days; may be null (no tiers)
  const source_config* source = nullptr; ///< payout terms; null = nothing paid
};

struct billing_result {
  bool converted = false;
  int64_t revenue_micros = 0; ///< charged to the buyer
  int64_t payout_micros = 0;  ///< paid to the source
  std::string note;           ///< why the buyer is charged what it is (see above)

  int64_t profit_micros() const noexcept { return revenue_micros - payout_micros; }
  /// The buyer was charged: this call starts (or restarts) the caller's
  /// duplicate window with the buyer. A call charged 0 (not converted, below
  /// every tier, a duplicate) does not.
  bool charged() const noexcept { return revenue_micros > 0; }
};

billing_result bill(const billing_input& in);

/// Bills a lead from make_lead: the one place a lead's revenue, payout,
/// conversion and note are set. The lead gives the price, the talk time and
/// whether it was bridged (with `terms.buyer` known); `terms` the rest (buyer,
/// source, conversion buffer, duplicate, postback).
billing_result charge_lead(lead_record& lead, billing_input terms);

/// The tier price for `talk_ms`, or nullptr below every tier. Tiers need not be
/// sorted here; the highest qualifying min_talk_s wins.
const duration_tier* duration_tier_for(const std::vector<duration_tier>& tiers, int64_t talk_ms) noexcept;

/// The longest duplicate_window_days among `buyers` (0 when none has one).
int32_t largest_duplicate_window(const std::vector<buyer_config>& buyers) noexcept;

/// Duplicate-caller windows: for each (buyer, caller hash) the last instant
/// the buyer was charged for that caller. Node-owned and thread-safe (a mutex
/// inside): every call actor asks and records.
///
/// - seen_within(now, days): a charge at `last` with 0 < now - last < days * 86400 s
///   (so exactly `days` later is no longer a duplicate). days <= 0: never.
///   A charge at or after `now` does not count: at `now` it is the call
///   itself (charges are recorded at the call's start, and a restarted call
///   is booked again), after it a later call.
/// - Only charged calls are recorded (billing_result::charged()), so repeats
///   inside the window do not extend it; the window runs from the last charge.
/// - An empty caller hash (an anonymous caller) is never seen and never recorded.
/// - Memory: entries older than `max_window_days` are useless to every buyer;
///   prune(now) drops them, and record() prunes by itself (relative to the
///   newest instant it was given) whenever the table has doubled since the
///   last prune.
class duplicate_window {
public:
  /// `max_window_days`: at least every window_days later asked about (the
  /// config's largest_duplicate_window); older entries are pruned.
  explicit duplicate_window(int32_t max_window_days);
  ~duplicate_window();
  duplicate_window(const duplicate_window&) = delete;
  duplicate_window& operator=(const duplicate_window&) = delete;

  bool seen_within(std::string_view buyer_id, std::string_view caller_hash, timestamp_us now,
                   int32_t window_days) const;
  /// The buyer was charged for this caller at `at`. Keeps the later instant when
  /// one is already known.
  void record(std::string_view buyer_id, std::string_view caller_hash, timestamp_us at);
  /// Seeding from stored leads at start: as record(), without pruning, in any order.
  void add(std::string_view buyer_id, std::string_view caller_hash, timestamp_us at);
  /// Drops entries charged max_window_days or more before `now` (all of them
  /// when max_window_days is 0); returns how many.
  std::size_t prune(timestamp_us now);

  std::size_t size() const;
  int32_t max_window_days() const noexcept { return max_window_days_; }

private:
  struct impl;
  int32_t max_window_days_;
  std::unique_ptr<impl> impl_;
};

} // namespace ringbid
