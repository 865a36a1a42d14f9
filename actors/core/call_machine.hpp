#pragma once
// The pure call state machine: (snapshot, input, now) -> (snapshot', effects).
// No I/O, no clock, no randomness: the call actor feeds it and carries out the
// effects, and tests drive every (state, input) pair directly.

#include "actors/core/config.hpp"
#include "protocol/call_snapshot.hpp"
#include "protocol/carrier.hpp"
#include "protocol/lead.hpp"
#include "protocol/ledger.hpp"

#include <caf/timespan.hpp>

#include <cstdint>
#include <string>
#include <variant>
#include <vector>

namespace ringbid {

struct campaign_roster;

/// What the machine needs to know about the call's campaign, source and timing.
struct call_settings {
  std::string greeting_text;
  std::string hold_audio_url;
  std::string ending_text;
  std::string not_in_service_text;
  std::string voice;
  std::string language;
  bool early_auction = true;
  bool record = false;
  uint32_t max_rounds = 2;
  uint32_t max_transfer_attempts = 3;
  int32_t transfer_timeout_s = 30;
  /// The campaign is paused: its calls are told `paused_text` (or refused at
  /// the carrier) and booked `paused`, never auctioned.
  bool paused = false;
  paused_response when_paused = paused_response::message;
  std::string paused_text;
  const source_config* source = nullptr; ///< the call's source (tags, billing); null when unassigned
  /// The call's campaign and its buyers (billing looks the lead's buyer up
  /// here); null when unassigned. Set by the config generation that owns both.
  const campaign_roster* roster = nullptr;
  caf::timespan answer_timeout{};
  caf::timespan greeting_timeout{};
  caf::timespan max_hold{};
  caf::timespan transfer_grace{};
  caf::timespan max_talk{};
  caf::timespan ending_timeout{};

  /// Settings for a call to an unassigned number (campaign and source null).
  static call_settings make(const engine_config& cfg, const campaign_config* campaign, const source_config* source);
};

// -- inputs -------------------------------------------------------------------

/// The directory answered: the call starts (found) or is refused (unknown number).
struct call_routed {
  bool found = false;
};

/// The running round's pings went out.
struct round_pinged {
  uint32_t round = 0;
};

/// The running round closed: valid offers ranked best first, reservations held.
struct round_closed {
  uint32_t round = 0;
  std::vector<offer> offers;
  int64_t latency_us = 0;
  std::string summary;   ///< for the journal: "3 pinged, 2 bids, 1 valid"
  auction_record record; ///< the round's explanation, kept with the lead
};

/// A buyer answered after its round had closed: it cannot win any more; its
/// lateness goes into the round's explanation.
struct late_answer {
  uint32_t round = 0;
  std::string buyer_id;
  int64_t after_us = 0;   ///< since the round opened
  int64_t bid_micros = 0; ///< 0 for a no-bid or an error
};

struct timer_fired {
  timer_kind kind = timer_kind::answer;
  uint32_t generation = 0;
};

/// The node is shutting down: end the call now.
struct shutdown_requested {};

/// The call actor was restarted from this snapshot after a crash.
struct call_resumed {};

/// How a restarted call re-takes its buyer's reservation: `pending` when the
/// transfer had started (routed counted), `committed` when the call was
/// bridged and counted.
enum class adopt_kind : uint8_t { none, pending, committed };

/// A reservation re-taken after a restart (see call_effects::adopt).
struct reservation_adopted {
  std::string buyer_id;
  uint64_t token = 0;
  adopt_kind mode = adopt_kind::pending; ///< as call_effects::adopt asked
};

using call_input = std::variant<call_routed, carrier_event, round_pinged, round_closed, late_answer, timer_fired,
                                shutdown_requested, call_resumed, reservation_adopted>;

// -- effects ------------------------------------------------------------------

struct timer_request {
  timer_kind kind = timer_kind::answer;
  caf::timespan delay{};
  uint32_t generation = 0;
};

struct call_effects {
  std::vector<carrier_command> commands; ///< call and command ids are the actor's to fill
  std::vector<timer_request> timers;
  bool start_round = false;                  ///< reserve capacity and ping buyers for snapshot.round
  bool abandon_round = false;                ///< the running round is no longer wanted: release what it holds
  std::vector<uint64_t> commits;             ///< the call was bridged: count it (stage bridged)
  std::vector<commit_request> stage_commits; ///< stages routed and converted
  std::vector<uint64_t> releases;
  adopt_kind adopt = adopt_kind::none; ///< re-take a reservation for snapshot.current
  bool state_changed = false;          ///< checkpoint the snapshot with the supervisor
  bool finished = false;               ///< the call reached done: book the lead
};

/// Applies one input. Once the call is done every input is ignored.
call_effects step(call_snapshot& call, const call_input& input, timestamp_us now, const call_settings& settings);

/// The lead a finished (or interrupted) call is booked as. Of the money it holds
/// the bid and the clearing price (price_micros); revenue, payout and conversion
/// are billing's (actors/core/billing.hpp, charge_lead) and stay 0 here.
lead_record make_lead(const call_snapshot& call);
/// The same, taking over the call's journal and auction records instead of
/// copying them.
lead_record make_lead(call_snapshot&& call);

/// The call as booked when it cannot end normally (its actor keeps crashing,
/// or the node died): interrupted in its current state at `now` (a call
/// already ending keeps its outcome and the state it left for ending), with
/// `note` as the journal's last entry.
call_snapshot interrupted_copy(call_snapshot call, timestamp_us now, std::string note);

/// A fresh call as the carrier announced it.
call_snapshot make_call(call_id id, std::string carrier_call_id, std::string caller, std::string did, timestamp_us now);

} // namespace ringbid
