#pragma once
// Everything a call actor knows, as one value: the pure call machine's state.
// The calls supervisor keeps the latest one per call, so a crashed call actor
// is restarted from it rather than lost.

#include "protocol/auction.hpp"
#include "protocol/bidding.hpp"
#include "protocol/call_state.hpp"
#include "protocol/carrier.hpp"
#include "protocol/ids.hpp"
#include "protocol/lead.hpp"
#include "protocol/time.hpp"

#include <caf/meta/type_name.hpp>

#include <cstdint>
#include <string>
#include <vector>

namespace ringbid {

/// A valid, ranked bid the call may be transferred to.
struct offer {
  std::string buyer_id;
  int64_t amount_micros = 0; ///< the price: what the buyer pays if it takes the call
  int64_t bid_micros = 0;    ///< what it bid (more than the price under second-price clearing)
  std::string destination;
  timestamp_us expires_at = 0;
  uint64_t token = 0;              ///< the ledger reservation held for this buyer
  int32_t conversion_buffer_s = 0; ///< talk time after which the call converts
};

template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, offer& x) {
  return f(caf::meta::type_name("offer"), x.buyer_id, x.amount_micros, x.bid_micros, x.destination, x.expires_at,
           x.token, x.conversion_buffer_s);
}

/// What the ending phase is waiting for.
enum class ending_step : uint8_t {
  none,         ///< not ending
  await_answer, ///< answer sent (unknown number): speak once answered
  speaking,     ///< ending message playing
  hanging_up,   ///< hangup sent, waiting for the carrier's confirmation
  wrapping_up,  ///< caller gone; waiting for the recording to be saved
};

enum class timer_kind : uint8_t { answer, greeting, max_hold, transfer, talk, ending };
constexpr int timer_kind_count = 6;

struct call_snapshot {
  call_id id;
  std::string carrier_call_id;
  std::string caller;
  std::string did;
  std::string campaign_id;
  std::string source_id;
  int64_t config_revision = 0;   ///< the configuration revision the call routed under (0: none)
  std::vector<std::string> tags; ///< the number's and the source's
  std::vector<ivr_answer> ivr;   ///< the caller's answers, when known

  call_state state = call_state::greeting;
  call_state ended_in = call_state::greeting; ///< the state the call left for ending
  disposition outcome = disposition::in_progress;
  ending_step ending = ending_step::none;

  bool answered = false;
  bool greeting_done = false;
  bool hold_audio = false;
  bool recording = false;
  bool caller_gone = false;
  /// ...known only from a refused command (90018), not yet from the
  /// carrier's hangup event, which brings the cause and the talk's end.
  bool caller_gone_inferred = false;
  bool hangup_sent = false;
  bool hangup_retried = false;
  bool committed = false; ///< the current buyer's reservation counted the call
  bool adopting = false;  ///< after a restart: the current buyer's reservation is being re-taken

  uint32_t round = 0;         ///< auction rounds started
  bool round_running = false; ///< a round is at the ledger or out with bidders
  bool round_pinged = false;  ///< the running round's pings are out
  std::vector<offer> offers;  ///< remaining ranked offers, best first
  bool transferring = false;  ///< dialing `current`
  offer current;              ///< the buyer being dialed or talked to
  uint32_t transfer_attempts = 0;
  int64_t first_round_latency_us = -1;

  timestamp_us started_at = 0;
  timestamp_us answered_at = 0;
  timestamp_us hold_started_at = 0;
  timestamp_us bridged_at = 0;
  timestamp_us ended_at = 0;
  /// The carrier's own times of the bridge and of the talk's end (the first
  /// hangup of either leg after it), from the events' occurred_at: talk time
  /// is billed from these, so delivery delays and reordering do not change
  /// it. 0 when unknown.
  timestamp_us carrier_bridged_at = 0;
  timestamp_us carrier_talk_ended_at = 0;
  hangup_cause cause = hangup_cause::unspecified;
  hangup_source source = hangup_source::unknown;
  std::string recording_url;

  uint64_t last_event_sequence = 0; ///< the last carrier event this call handled
  /// The durable inbox entries (carrier_event::journal_seq) this call has
  /// handled: an adopting process replays only the others.
  std::vector<uint64_t> applied_events;
  uint32_t commands_sent = 0; ///< numbers the call's commands (derive_command_id)

  std::vector<auction_record> auctions; ///< one per closed round, for the lead

  std::vector<uint32_t> timer_generation = std::vector<uint32_t>(timer_kind_count, 0);
  /// When each armed watchdog is due (0: not armed): a resumed call re-arms
  /// the time that was left, not a fresh period.
  std::vector<timestamp_us> timer_due = std::vector<timestamp_us>(timer_kind_count, 0);
  std::vector<journal_entry> journal;
};

template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, call_snapshot& x) {
  return f(caf::meta::type_name("call_snapshot"), x.id, x.carrier_call_id, x.caller, x.did, x.campaign_id, x.source_id,
           x.tags, x.ivr, x.state, x.ended_in, x.outcome, x.ending, x.answered, x.greeting_done, x.hold_audio,
           x.recording, x.caller_gone, x.caller_gone_inferred, x.hangup_sent, x.hangup_retried, x.committed, x.adopting,
           x.round, x.round_running, x.round_pinged, x.offers, x.transferring, x.current, x.transfer_attempts,
           x.first_round_latency_us, x.started_at, x.answered_at, x.hold_started_at, x.bridged_at, x.ended_at,
           x.carrier_bridged_at, x.carrier_talk_ended_at, x.cause, x.source, x.recording_url, x.last_event_sequence,
           x.applied_events, x.commands_sent, x.auctions, x.timer_generation, x.timer_due, x.journal,
           x.config_revision);
}

/// Call actor -> calls supervisor after every state change.
struct call_checkpoint {
  call_snapshot snapshot;
};

template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, call_checkpoint& x) {
  return f(caf::meta::type_name("call_checkpoint"), x.snapshot);
}

/// Call actor -> recorder, at the call's start and each change of state: the
/// call's whole state, kept durably so that another process can adopt the
/// call, with the lead it would be booked as if it cannot.
/// Fire-and-forget: a lost one leaves the previous one, and the carrier
/// events kept since are replayed onto it.
struct checkpoint_call {
  call_snapshot snapshot;
  lead_record lead;
};

template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, checkpoint_call& x) {
  return f(caf::meta::type_name("checkpoint_call"), x.snapshot, x.lead);
}

/// Call actor -> calls supervisor: the lead is booked, the call is over.
struct call_finished {
  call_id id;
  std::string carrier_call_id;
  disposition outcome = disposition::in_progress;
};

template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, call_finished& x) {
  return f(caf::meta::type_name("call_finished"), x.id, x.carrier_call_id, x.outcome);
}

} // namespace ringbid
