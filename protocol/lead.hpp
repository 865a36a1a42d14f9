#pragma once
// The lead: what a call is booked as for reporting and billing, with its journal.

#include "protocol/auction.hpp"
#include "protocol/bidding.hpp"
#include "protocol/call_state.hpp"
#include "protocol/carrier.hpp"
#include "protocol/ids.hpp"
#include "protocol/time.hpp"

#include <caf/meta/type_name.hpp>

#include <cstdint>
#include <string>
#include <vector>

namespace ringbid {

struct journal_entry {
  timestamp_us at = 0;
  call_state state = call_state::greeting; ///< the state after this entry
  std::string note;
};

template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, journal_entry& x) {
  return f(caf::meta::type_name("journal_entry"), x.at, x.state, x.note);
}

struct lead_record {
  call_id id;
  std::string carrier_call_id;
  std::string did;
  std::string caller;       ///< stored for the network's own records; never sent to buyers
  std::string caller_state; ///< from the caller's area code; "" when unknown
  std::string area_code;
  std::string campaign_id;
  std::string source_id;
  std::string buyer_id; ///< the buyer the call was bridged to, if any
  std::string destination;
  disposition outcome = disposition::in_progress;
  call_state ended_in = call_state::greeting; ///< the state the call was in when it ended
  timestamp_us started_at = 0;
  timestamp_us answered_at = 0;
  timestamp_us bridged_at = 0;
  timestamp_us ended_at = 0;
  int64_t hold_ms = 0;
  int64_t talk_ms = 0;
  int64_t bid_micros = 0;     ///< the winning bid
  int64_t price_micros = 0;   ///< the clearing price it was bridged at, before billing
  int64_t revenue_micros = 0; ///< what the buyer is charged
  int64_t payout_micros = 0;  ///< what the source (publisher) is paid
  bool converted = false;     ///< talk time reached the buyer's buffer
  std::string billing_note;   ///< why revenue is what it is: "bid", "tier ≥60 s", "duplicate caller..."
  std::string caller_hash;    ///< keyed for the buyer that took the call (duplicate windows)
  std::vector<std::string> tags;
  std::vector<ivr_answer> ivr;
  uint32_t auction_rounds = 0;
  uint32_t transfer_attempts = 0;
  int64_t auction_latency_us = -1; ///< first round: reservation to close
  hangup_cause cause = hangup_cause::unspecified;
  hangup_source source = hangup_source::unknown;
  std::string recording_url;
  std::vector<journal_entry> journal;
  std::vector<auction_record> auctions; ///< every round, for `ringbid auction show`
  int64_t config_revision = 0;          ///< the configuration revision that routed the call (0: none)
};

template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, lead_record& x) {
  return f(caf::meta::type_name("lead_record"), x.id, x.carrier_call_id, x.did, x.caller, x.caller_state, x.area_code,
           x.campaign_id, x.source_id, x.buyer_id, x.destination, x.outcome, x.ended_in, x.started_at, x.answered_at,
           x.bridged_at, x.ended_at, x.hold_ms, x.talk_ms, x.bid_micros, x.price_micros, x.revenue_micros,
           x.payout_micros, x.converted, x.billing_note, x.caller_hash, x.tags, x.ivr, x.auction_rounds,
           x.transfer_attempts, x.auction_latency_us, x.cause, x.source, x.recording_url, x.journal, x.auctions,
           x.config_revision);
}

/// Call actor -> recorder: book this lead. Answered with `lead_accepted` once the
/// lead is committed (by a store that reports commits; else once queued to its
/// writer); a retry is idempotent by id.
struct record_lead {
  lead_record lead;
};

template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, record_lead& x) {
  return f(caf::meta::type_name("record_lead"), x.lead);
}

struct lead_accepted {
  call_id id;
};

template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, lead_accepted& x) {
  return f(caf::meta::type_name("lead_accepted"), x.id);
}

/// The lead store's writer -> recorder: these leads are committed (or were
/// stored already), so their `record_lead` requests may be answered.
struct leads_committed {
  std::vector<call_id> ids;
};

template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, leads_committed& x) {
  return f(caf::meta::type_name("leads_committed"), x.ids);
}

} // namespace ringbid
