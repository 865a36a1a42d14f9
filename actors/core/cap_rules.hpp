#pragma once
// Caps resolved from the configuration into the ledger's rules: the owner's
// time zone located once, the window parsed, a label that names the cap in
// denials and reports. Pure: no I/O, no clock.

#include "actors/core/cap_window.hpp"
#include "actors/core/config.hpp"

#include <cstdint>
#include <string>
#include <vector>

namespace ringbid {

struct cap_rule {
  cap_owner owner = cap_owner::buyer;
  std::string owner_id; ///< campaign_buyer: the campaign
  std::string buyer_id; ///< buyer and campaign_buyer caps
  cap_measure measure = cap_measure::calls;
  bool rolling = false;
  window_kind window = window_kind::day; ///< calendar windows (rolling = false)
  int64_t rolling_us = 0;
  int64_t limit = 0; ///< calls, micros, or microseconds for spacing
  count_stage stage = count_stage::bridged;
  calendar_zone zone = calendar_zone::utc();
  std::string label; ///< "buyer b1: calls per day (America/New_York)"

  /// Whether the rule keeps a per-window sum (calls and revenue).
  bool windowed() const noexcept { return measure == cap_measure::calls || measure == cap_measure::revenue; }
  /// Whether the rule counts per call (campaign and source) rather than per buyer reservation.
  bool per_call() const noexcept { return owner == cap_owner::campaign || owner == cap_owner::source; }
};

struct cap_rules_result {
  std::vector<cap_rule> rules;
  std::vector<std::string> errors; ///< unknown owners, zones or windows
};

/// Every cap of the configuration: the `caps` list plus the buyers' shorthands.
cap_rules_result resolve_cap_rules(const engine_config& config);

std::string_view to_string(cap_owner o) noexcept;
std::string_view to_string(cap_measure m) noexcept;
/// "day", "rolling 60m", "" for concurrency and spacing.
std::string window_text(const cap_rule& rule);

} // namespace ringbid
