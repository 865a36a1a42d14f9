#pragma once
// JSON of the analytics: metric reports (schemas/metrics_summary.schema.json),
// board cards and boards, as the HTTP API and the event stream send them.

#include "protocol/analytics.hpp"

#include <string>
#include <vector>

namespace ringbid {

/// The ids the node knows, listed in every report for the page's filters.
struct known_ids {
  std::vector<std::string> campaigns;
  std::vector<std::string> sources;
};

/// `money` false (a publisher's view): no revenue, payout or profit, no buyers
/// and no bids, and the recent calls name no buyer.
std::string report_json(const metrics_report& report, const known_ids& ids, bool money = true);
std::string card_json(const call_card& card);
/// {"generated_at_ms": N, "calls": [card...]}
std::string board_json(timestamp_us generated_at, const std::vector<call_card>& cards);
/// {"error": message}
std::string error_json(const std::string& message);

} // namespace ringbid
