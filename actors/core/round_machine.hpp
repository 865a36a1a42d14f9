#pragma once
// One auction round as a state machine: where the round is and what the call
// actor must send next. Every decision of the round is taken here (eligibility,
// the reservations' outcome, pings and their time left, closing, ranking,
// pricing with the budgets' refusals); the call actor only carries out the
// effects and feeds the answers back. Pure: no CAF actor, time comes with
// every input.
//
// The call machine (actors/core/call_machine) decides whether a round runs and
// what the call does with its offers; it learns of the round only through
// `round_pinged`, `round_closed` and `late_answer`, which this machine emits.
//
//   reserving ──reserved──▶ collecting ──all answered / deadline──▶ (close)
//       │ nobody eligible, nobody to ping,              (close) ─▶ holding ──held──▶ closed
//       │ no time left, ledger unreachable ──▶ (close)  (close) ─▶ closed (no budget to hold)
//   reserving / collecting ──abandon──▶ abandoned (every reservation released)
//
// Answers after the close (holding or closed) are late: they never win, and
// `late_answer` tells the call machine how late they came.

#include "actors/core/auction_round.hpp"
#include "actors/core/call_machine.hpp"
#include "actors/core/config.hpp"
#include "protocol/bidding.hpp"
#include "protocol/ledger.hpp"

#include <caf/timespan.hpp>

#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <vector>

namespace ringbid {

enum class round_phase : uint8_t {
  reserving,  ///< waiting for the ledger's reservations
  collecting, ///< pings out, waiting for the answers until the deadline
  holding,    ///< closed, ranked and priced; waiting for the ledger to hold budgeted prices
  closed,     ///< handed to the call machine; answers now are late
  abandoned,  ///< given up before it closed; its reservations were released
};

std::string_view to_string(round_phase p) noexcept;

/// How a round runs: the campaign's routing and deadline, the node's timing.
struct round_settings {
  routing_rules rules;
  caf::timespan deadline{};          ///< the campaign's auction_deadline_ms, counted from the round's start
  caf::timespan network_allowance{}; ///< taken off every ping's time left
};

/// The settings of a call's round. `rotation` is the campaign's round-robin
/// turn (taken by the caller only for round_robin campaigns); `node_seed` and
/// the call and round ids seed the weighted draw, so it is reproducible.
/// Without a campaign there are no buyers and the round closes at once.
round_settings round_settings_for(const campaign_config* campaign, const timing_config& timing, uint32_t roster_size,
                                  uint64_t rotation, const call_id& call, uint32_t round, uint64_t node_seed);

/// What the call actor carries out, in this order.
struct round_effects {
  std::optional<reserve_request> reserve; ///< ask the ledger (reserving)
  caf::timespan deadline{0};              ///< > 0: round_deadline to self after this
  /// To each buyer's bidder; the actor stamps ping_id, caller_hash and
  /// conversion_rate (node services), everything else is set.
  std::vector<ping_request> pings;
  std::optional<round_pinged> pinged; ///< feed to the call machine
  std::optional<hold_request> hold;   ///< ask the ledger (holding)
  std::vector<uint64_t> releases;     ///< reservations to give back
  std::optional<round_closed> closed; ///< feed to the call machine
  std::optional<late_answer> late;    ///< feed to the call machine
  bool answer_taken = false;          ///< the answer counted (not a duplicate, not late)
};

class round_machine {
public:
  /// Round `id` of `call`, opened at `now`. `roster` must outlive the machine
  /// (the node owns it).
  round_machine(const call_snapshot& call, uint32_t id, timestamp_us now, const campaign_roster& roster,
                round_settings settings);

  uint32_t id() const { return book_.id(); }
  round_phase phase() const { return phase_; }
  const call_facts& facts() const { return facts_; }

  /// Eligibility (see auction_round::select), then the reservation request
  /// and the deadline; the round closes at once when nobody is eligible.
  round_effects open(timestamp_us now, breaker_board* breakers,
                     const std::function<bool(const std::string&)>& has_bidder);

  /// The ledger's reservations. Pings go to the granted buyers with the time
  /// left (deadline since the round's start, less the network allowance); the
  /// round closes at once when nobody is to be pinged or no time is left. A
  /// reply the round no longer waits for is released whole.
  round_effects reserved(const reserve_reply& reply, timestamp_us now);
  /// The ledger stayed unreachable: the round closes without reservations.
  round_effects reserve_failed(timestamp_us now);

  /// A buyer's answer: taken while collecting (the round closes once every
  /// pinged buyer answered), late after the close, ignored otherwise.
  round_effects answer(const bid_response& bid, timestamp_us now);
  /// The deadline passed: a collecting round closes.
  round_effects deadline(timestamp_us now);

  /// The ledger held the prices of `held`; the other budgeted offers are
  /// refused and the rest repriced without them. The round is closed.
  round_effects held(const std::vector<uint64_t>& held, timestamp_us now);
  /// The ledger stayed unreachable: every budgeted offer is refused.
  round_effects hold_failed(timestamp_us now) { return held({}, now); }

  /// The call no longer wants the round. Reserving or collecting: abandoned,
  /// every reservation released. Holding: it still closes when the ledger
  /// answers, and the call machine, no longer wanting it, records it and
  /// releases its offers. Closed: nothing to do.
  round_effects abandon();

private:
  void close(timestamp_us now, round_effects& fx);
  void finish(auction_round::outcome result, timestamp_us now, round_effects& fx);

  auction_round book_;
  call_facts facts_;
  round_settings settings_;
  call_id call_;
  std::string campaign_id_;
  std::string source_id_;
  round_phase phase_ = round_phase::reserving;
};

} // namespace ringbid
