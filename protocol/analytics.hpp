#pragma once
// Messages of the analytics actor: what calls tell it (their progress and,
// once booked, what they came to), and what it answers (metric reports and the
// live board). Aggregation rules live in actors/analytics_core.

#include "protocol/call_state.hpp"
#include "protocol/ids.hpp"
#include "protocol/time.hpp"

#include <caf/meta/type_name.hpp>

#include <cstdint>
#include <map>
#include <string>
#include <vector>

namespace ringbid {

/// A live call as the board shows it.
struct call_card {
  call_id id;
  std::string campaign_id; ///< "" until the dialed number is looked up
  std::string source_id;
  call_state state = call_state::greeting;
  timestamp_us started_at = 0;
  timestamp_us since = 0; ///< when it entered `state`
  std::string buyer_id;   ///< the buyer being dialed or talked to; "" before
  int64_t bid_micros = 0; ///< that buyer's bid
  disposition outcome = disposition::in_progress;
};

template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, call_card& x) {
  return f(caf::meta::type_name("call_card"), x.id, x.campaign_id, x.source_id, x.state, x.started_at, x.since,
           x.buyer_id, x.bid_micros, x.outcome);
}

/// Call actor -> analytics, fire-and-forget: at its start, once routed, and at
/// every change of state. A later card of the same call replaces the earlier.
struct call_progress {
  call_card card;
};

template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, call_progress& x) {
  return f(caf::meta::type_name("call_progress"), x.card);
}

/// What a booked call counts for: its lead, cut down to the figures.
struct booked_call {
  call_id id;
  std::string campaign_id;
  std::string source_id;
  std::string buyer_id; ///< bridged to; ""
  disposition outcome = disposition::in_progress;
  timestamp_us started_at = 0;
  timestamp_us ended_at = 0;
  int64_t talk_ms = 0;
  int64_t bid_micros = 0;
  int64_t revenue_micros = 0;
  int64_t payout_micros = 0;
  int64_t auction_latency_us = -1;        ///< first round; -1 without one
  std::vector<std::string> round_winners; ///< the winner of each round that had one, in order
};

template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, booked_call& x) {
  return f(caf::meta::type_name("booked_call"), x.id, x.campaign_id, x.source_id, x.buyer_id, x.outcome, x.started_at,
           x.ended_at, x.talk_ms, x.bid_micros, x.revenue_micros, x.payout_micros, x.auction_latency_us,
           x.round_winners);
}

/// Call actor -> analytics, fire-and-forget, once its lead is committed.
struct call_booked {
  booked_call call;
};

template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, call_booked& x) {
  return f(caf::meta::type_name("call_booked"), x.call);
}

/// One buyer's part of the figures.
struct buyer_figures {
  uint64_t won = 0;      ///< auction rounds won
  uint64_t offered = 0;  ///< calls it won a round of or was bridged
  uint64_t answered = 0; ///< calls bridged to it
  int64_t revenue_micros = 0;
};

template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, buyer_figures& x) {
  return f(caf::meta::type_name("buyer_figures"), x.won, x.offered, x.answered, x.revenue_micros);
}

/// The figures of a set of booked calls. Adding two sets is adding their parts.
struct metrics_figures {
  uint64_t total = 0;
  uint64_t answered = 0; ///< bridged
  uint64_t missed = 0;   ///< no buyer, or no buyer answered
  uint64_t abandoned = 0;
  uint64_t other = 0;  ///< unknown number, failed, interrupted
  uint64_t paused = 0; ///< the campaign was paused
  int64_t talk_ms = 0;
  int64_t revenue_micros = 0;
  int64_t payout_micros = 0;
  std::map<std::string, buyer_figures> buyers;
  std::map<int32_t, uint64_t> latency_ms; ///< first-round auction latency (ms) -> calls
};

template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, metrics_figures& x) {
  return f(caf::meta::type_name("metrics_figures"), x.total, x.answered, x.missed, x.abandoned, x.other, x.talk_ms,
           x.revenue_micros, x.payout_micros, x.buyers, x.latency_ms, x.paused);
}

struct minute_count {
  timestamp_us minute = 0; ///< the minute's start
  uint64_t total = 0;
  uint64_t answered = 0;
};

template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, minute_count& x) {
  return f(caf::meta::type_name("minute_count"), x.minute, x.total, x.answered);
}

/// Anyone -> analytics: the figures of the calls started in [from, until)
/// (whole minutes), of one campaign and/or source ("" = all). Answered with a
/// metrics_report.
struct metrics_query {
  timestamp_us from = 0;
  timestamp_us until = 0;
  std::string campaign_id;
  std::string source_id;
};

template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, metrics_query& x) {
  return f(caf::meta::type_name("metrics_query"), x.from, x.until, x.campaign_id, x.source_id);
}

struct metrics_report {
  metrics_query query;
  timestamp_us generated_at = 0;
  metrics_figures figures;
  std::vector<uint64_t> active;         ///< live calls now by call_state (done: 0)
  std::vector<minute_count> per_minute; ///< the last minutes of the range up to now, oldest first
  std::vector<booked_call> recent;      ///< the latest booked calls, newest first
  std::string error;                    ///< not empty: the history part could not be read
};

template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, metrics_report& x) {
  return f(caf::meta::type_name("metrics_report"), x.query, x.generated_at, x.figures, x.active, x.per_minute, x.recent,
           x.error);
}

/// Anyone -> analytics: the live calls of a campaign and/or source. Answered
/// with live_board.
struct live_board_query {
  std::string campaign_id;
  std::string source_id;
};

template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, live_board_query& x) {
  return f(caf::meta::type_name("live_board_query"), x.campaign_id, x.source_id);
}

struct live_board {
  timestamp_us generated_at = 0;
  std::vector<call_card> calls; ///< in the order they started
};

template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, live_board& x) {
  return f(caf::meta::type_name("live_board"), x.generated_at, x.calls);
}

} // namespace ringbid
