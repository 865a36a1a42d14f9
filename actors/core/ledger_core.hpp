#pragma once
// The cap ledger's counting rules, pure: no I/O, no clock (every operation is
// given `now`). One decision is one call, so a store that keeps the counters
// elsewhere (Redis, with a server-side script per operation) can apply the
// same rules atomically.
//
// The rules:
// - A reservation is taken per (call, buyer) before the buyer is pinged. It
//   holds one unit of every call cap of the buyer and of the campaign-buyer
//   pair, and the call holds one unit of its campaign's and source's caps
//   (once per call, however many buyers it pings). Reserved units count
//   against the caps, so committed + reserved <= limit at every instant.
// - A calendar window is fixed when the reservation is taken: the call counts
//   in the window it was reserved in, even when it is committed after the
//   window turned. Rolling windows count it at its reservation instant.
// - Revenue budgets need headroom to reserve, and the bid amount itself is
//   held (hold) before the call is routed; the call's campaign and source
//   budgets hold the largest amount among its offers, as only one will count.
// - commit(stage) counts every cap whose stage is at or before it; release
//   gives back what was not counted and frees the concurrency slot.
// - Spacing: a buyer with a spacing cap takes one reservation at a time, and
//   only once `limit` has passed since its last counted call.
// - Leases: a reservation not released by `lease_until` expires.

#include "actors/core/cap_rules.hpp"
#include "actors/ports/cap_journal.hpp"
#include "protocol/ledger.hpp"

#include <cstdint>
#include <map>
#include <queue>
#include <string>
#include <unordered_map>
#include <vector>

namespace ringbid {

class ledger_core {
public:
  ledger_core() = default;
  explicit ledger_core(std::vector<cap_rule> rules, int64_t default_lease_us = 4 * 3600 * us_per_s);

  /// Reserves a unit for each buyer whose caps (and whose call's campaign and
  /// source caps) have headroom. `holder` identifies the calling actor.
  reserve_reply reserve(const reserve_request& request, uint64_t holder, timestamp_us now);
  /// Holds bid amounts against revenue budgets, in the order given.
  hold_reply hold(const hold_request& request, timestamp_us now);
  /// Counts the reservation for every cap whose stage is at or before `stage`.
  /// Idempotent; false for an unknown token.
  bool commit(const commit_request& request, timestamp_us now);
  /// Ends the reservation. Idempotent; false for an unknown token.
  bool release(uint64_t token, timestamp_us now);
  /// Ends every open reservation of `call` (a call booked without its actor);
  /// returns how many. What was counted stays counted.
  size_t release_call(const call_id& call, timestamp_us now);
  /// Releases everything `holder` holds; returns how many reservations ended.
  size_t release_holder(uint64_t holder, timestamp_us now);
  /// The holder died: its reservations expire `grace_us` from now unless a
  /// restarted call adopts them first (reserve with mode adopt, same call and
  /// buyer), so a crash-and-restart never frees a unit a live call still uses.
  size_t orphan_holder(uint64_t holder, timestamp_us now, int64_t grace_us);
  /// Adoptions that found no reservation to re-attach and took a new one
  /// without checking the caps (the call was live already).
  uint64_t unchecked_adoptions() const { return unchecked_adoptions_; }
  /// Expires reservations whose lease ran out by `now`.
  size_t expire_due(timestamp_us now);
  /// After a restart: every reservation of the previous process waits
  /// `grace_us` for the call that held it to be adopted (reserve with mode
  /// adopt, or a normal reserve of the same call and buyer, re-attaches it),
  /// then expires. Returns how many were orphaned.
  size_t orphan_all(timestamp_us now, int64_t grace_us);

  /// Applies a journal entry of an earlier run (no checks: it was decided then).
  void replay(const cap_journal_entry& entry);
  /// The journal entries written since the last call, in order.
  std::vector<cap_journal_entry> take_journal();

  caps_report report(timestamp_us now) const;
  /// Holders that still hold reservations (to re-monitor after a restart).
  std::vector<uint64_t> holders() const;
  uint64_t open_reservations() const { return reservations_.size(); }
  uint64_t committed_total() const { return committed_total_; }
  uint64_t denied_total() const { return denied_total_; }
  uint64_t expired_total() const { return expired_total_; }
  uint64_t last_seq() const { return next_seq_ - 1; }
  const std::vector<cap_rule>& rules() const { return rules_; }
  /// A configuration change: the caps become `rules`. A cap that stays (same
  /// owner, measure, window, stage and zone) keeps what it counted and holds,
  /// under its new limit: a lowered limit stops new reservations and revokes
  /// nothing. A new cap counts from now on; a removed one is forgotten (its
  /// units held by live reservations are dropped with it). Returns how many
  /// caps kept their counts.
  size_t replace_rules(std::vector<cap_rule> rules);

private:
  struct counter {
    timestamp_us window_start = INT64_MIN; ///< calendar: the current window
    timestamp_us window_end = INT64_MIN;
    int64_t counted = 0;                             ///< calls or micros in the current window
    int64_t reserved = 0;                            ///< held, not counted yet, in the current window
    std::map<timestamp_us, int64_t> rolling_counted; ///< rolling: by reservation instant
    std::map<timestamp_us, int64_t> rolling_reserved;
    timestamp_us rolling_cutoff = INT64_MIN; ///< entries at or before were pruned
    int64_t live = 0;                        ///< concurrency
    timestamp_us last_counted = INT64_MIN;   ///< spacing
    int64_t spacing_pending = 0;
  };
  /// One reservation's share of one cap.
  struct member {
    uint32_t rule = 0;
    timestamp_us window = 0; ///< calendar: window start; rolling: reservation instant
    int64_t held = 0;        ///< units (calls) or micros (revenue) held, not yet counted
    bool counted = false;
  };
  struct call_entry {
    std::vector<member> members; ///< campaign and source caps
    uint32_t tokens = 0;
    std::vector<uint64_t> token_list; ///< the call's open reservations
  };
  struct reservation {
    call_id call;
    std::string buyer_id;
    uint64_t holder = 0;
    timestamp_us lease_until = 0;
    count_stage reached = count_stage::none;
    std::vector<member> members; ///< buyer and campaign-buyer caps
  };
  struct lease {
    timestamp_us until;
    uint64_t token;
    bool operator>(const lease& o) const { return until > o.until; }
  };

  /// The caps of a buyer reservation (buyer and pair) and of a call (campaign
  /// and source). Each fills its own scratch vector, valid until its next call,
  /// so a decision allocates nothing to find its caps.
  const std::vector<uint32_t>& buyer_rules(const std::string& campaign_id, const std::string& buyer_id);
  const std::vector<uint32_t>& call_rules(const std::string& campaign_id, const std::string& source_id);
  void touch(uint32_t rule, timestamp_us now);
  bool current(const member& m) const;
  /// Null when the cap has room for one more unit, else why not.
  bool has_room(uint32_t rule, timestamp_us now, reservation_denial& why);
  std::vector<member> take(const std::vector<uint32_t>& rules, timestamp_us now, count_stage counted);
  void count(member& m, count_stage stage, int64_t amount, timestamp_us now);
  void give_back(member& m, timestamp_us now);
  bool fits(const member& m, int64_t new_held, timestamp_us now, reservation_denial& why);
  void set_held(member& m, int64_t new_held, timestamp_us now);
  void end(std::unordered_map<uint64_t, reservation>::iterator it, timestamp_us now);
  uint64_t grant(const reserve_request& request, const std::string& buyer_id, uint64_t token, uint64_t holder,
                 timestamp_us now, timestamp_us lease_until);
  void do_hold(uint64_t token, int64_t amount, timestamp_us now);
  void do_commit(uint64_t token, count_stage stage, int64_t amount, timestamp_us now);
  void journal(cap_journal_entry entry);
  /// Moves a reservation's lease (and holder); journaled as `renew`.
  void renew(uint64_t token, uint64_t holder, timestamp_us lease_until, timestamp_us now, bool journaled);
  /// An open reservation of `call` for `buyer_id`, or 0.
  uint64_t find_reservation(const call_id& call, const std::string& buyer_id) const;
  int64_t budget_headroom(const std::vector<member>& a, const std::vector<member>& b) const;

  void index_rules();

  std::vector<cap_rule> rules_;
  std::vector<counter> counters_;
  std::unordered_map<std::string, std::vector<uint32_t>> by_buyer_, by_campaign_, by_source_;
  /// campaign -> buyer -> caps of the pair
  std::unordered_map<std::string, std::unordered_map<std::string, std::vector<uint32_t>>> by_pair_;
  std::vector<uint32_t> buyer_scratch_, call_scratch_;
  int64_t default_lease_us_ = 4 * 3600 * us_per_s;

  std::unordered_map<uint64_t, reservation> reservations_;
  std::unordered_map<call_id, call_entry, uuid_hash> calls_;
  std::unordered_map<uint64_t, std::vector<uint64_t>> by_holder_;
  std::priority_queue<lease, std::vector<lease>, std::greater<>> leases_;
  std::vector<cap_journal_entry> journal_;
  uint64_t next_token_ = 1;
  uint64_t next_seq_ = 1;
  uint64_t committed_total_ = 0;
  uint64_t denied_total_ = 0;
  uint64_t expired_total_ = 0;
  uint64_t unchecked_adoptions_ = 0;
};

} // namespace ringbid
