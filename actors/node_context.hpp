#pragma once
// What every actor of a node shares: configuration (the generation calls start
// with, swapped atomically by a reload), clock, counters, and the handles of the
// peers a call talks to.

#include "actors/core/billing.hpp"
#include "actors/core/call_machine.hpp"
#include "actors/core/campaign_roster.hpp"
#include "actors/core/circuit_breaker.hpp"
#include "actors/core/config.hpp"
#include "actors/core/config_generation.hpp"
#include "actors/core/eligibility.hpp"
#include "actors/core/routing_state.hpp"
#include "actors/ports/ports.hpp"

#include <caf/actor.hpp>

#include <array>
#include <atomic>
#include <cstdint>
#include <map>
#include <memory>
#include <string>
#include <vector>

namespace ringbid {

/// Progress figures, readable from any thread (progress bar, tests, /metrics).
struct node_counters {
  std::atomic<uint64_t> calls_started{0};
  std::atomic<uint64_t> calls_finished{0};
  std::atomic<uint64_t> calls_restarted{0};
  std::atomic<uint64_t> calls_interrupted{0};
  std::atomic<uint64_t> events_ignored{0};
  std::atomic<uint64_t> peer_restarts{0};
  std::atomic<uint64_t> leads_accepted{0};
  std::atomic<uint64_t> pings_sent{0};
  std::atomic<uint64_t> bids_received{0};
  std::atomic<uint64_t> auctions{0}; ///< rounds started
  /// The newest configuration revision a call was routed under.
  std::atomic<int64_t> routed_revision{0};
  /// Live calls by the state of their latest checkpoint (index: call_state).
  std::array<std::atomic<int64_t>, call_state_count> live_by_state{};
};

struct node_context {
  /// The config the node started with: what its tree was built from (the
  /// bidders, the cap ledger, supervision, storage). Calls read theirs from
  /// the generation they started with (current()).
  std::shared_ptr<const engine_config> config;
  std::shared_ptr<const wall_clock> clock;
  std::shared_ptr<node_counters> counters = std::make_shared<node_counters>();
  uint64_t seed = 1;

  std::shared_ptr<breaker_board> breakers;       ///< per buyer, fed by the bidders
  std::shared_ptr<routing_turns> turns;          ///< round-robin turns per campaign
  std::shared_ptr<conversion_stats> conversions; ///< per campaign and buyer
  std::shared_ptr<duplicate_window> duplicates;  ///< callers each buyer was charged for
  std::shared_ptr<const caller_hasher> hasher;   ///< null: pings carry no caller hash

  /// The config generation new calls start with (any thread). A call keeps
  /// the one it took for its whole life, restarts included.
  std::shared_ptr<const config_generation> current() const { return generation_.load(); }
  /// Installs a reloaded generation (any thread): calls that start from now on
  /// take it; live calls keep theirs.
  void install(std::shared_ptr<const config_generation> next) { generation_.store(std::move(next)); }

  /// The current generation's roster of a campaign, or null for an unknown one.
  const campaign_roster* roster_for(const std::string& campaign_id) const;
  /// The current generation's settings for a call (they keep it alive).
  std::shared_ptr<const call_settings> settings_for(const std::string& campaign_id, const std::string& source_id) const;

  /// The lead a finished call is booked as, charged by the billing rules
  /// (actors/billing): conversion, duration tiers, the buyer's duplicate-caller
  /// window (recorded here when the buyer is charged), the source's payout.
  /// The buyer's terms come from `call_rules` (the call's own generation).
  lead_record book(const call_snapshot& call, const call_settings& call_rules) const;
  /// The lead a live call would be booked as if the node died now (charged as
  /// interrupted), without touching any duplicate-caller window.
  lead_record provisional_lead(const call_snapshot& call, const call_settings& call_rules) const;
  /// book() and provisional_lead(): a lead from make_lead() charged by the
  /// billing rules, `conversion_buffer_s` being its buyer's.
  lead_record charge(lead_record lead, int32_t conversion_buffer_s, const call_settings& call_rules,
                     bool record_duplicates) const;
  /// Throws std::invalid_argument when a buyer's hours or targeting do not
  /// compile (the JSON loader reports those first, with their pointers).
  static std::shared_ptr<node_context> make(std::shared_ptr<const engine_config> config,
                                            std::shared_ptr<const wall_clock> clock, uint64_t seed,
                                            std::string revision = {});

private:
  std::atomic<std::shared_ptr<const config_generation>> generation_;
};

/// The current handles of a call's peers. Restarted peers get new addresses:
/// the calls supervisor hands new calls the latest set, and a call whose
/// request fails asks the root supervisor for the live instance.
struct peer_set {
  caf::actor root;
  caf::actor directory;
  caf::actor ledger;
  caf::actor recorder;
  caf::actor carrier;
  caf::actor calls;
  caf::actor analytics; ///< invalid when the node runs without analytics
  std::map<std::string, caf::actor> bidders;
};

} // namespace ringbid
