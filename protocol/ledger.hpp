#pragma once
// Cap-ledger protocol: reserve capacity before pinging, hold the bid amounts of
// budgeted buyers before routing, commit as the call reaches each counting
// stage, release when the call no longer needs the reservation. Tokens are
// plain integers and windows are identified by their start instant, so the
// protocol is the same whichever store keeps the counters.

#include "protocol/ids.hpp"
#include "protocol/time.hpp"

#include <caf/meta/type_name.hpp>

#include <cstdint>
#include <string>
#include <vector>

namespace ringbid {

/// When a call counts against a cap. Each cap chooses one; a commit names the
/// stage the call reached, and counts it for the caps of that stage.
enum class count_stage : uint8_t {
  none,      ///< not reached any stage yet
  routed,    ///< the transfer to the buyer started
  bridged,   ///< the caller is connected to the buyer
  converted, ///< talk time reached the buyer's conversion buffer
};

std::string_view to_string(count_stage s) noexcept;

/// How a reservation is taken. `normal` respects every cap. `adopt` re-attaches
/// a call that is already physically live (a restarted call actor): it never
/// fails, and caps whose stage is at or before `counted` are not counted again.
enum class reserve_mode : uint8_t { normal, adopt };

struct reserve_request {
  call_id call;
  std::string campaign_id;
  std::string source_id;
  std::vector<std::string> buyer_ids;
  reserve_mode mode = reserve_mode::normal;
  count_stage counted = count_stage::none; ///< adopt: the stage already counted
  int64_t lease_ms = 0;                    ///< 0 = the ledger's default lease
};

template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, reserve_request& x) {
  return f(caf::meta::type_name("reserve_request"), x.call, x.campaign_id, x.source_id, x.buyer_ids, x.mode, x.counted,
           x.lease_ms);
}

struct reservation_grant {
  std::string buyer_id;
  uint64_t token = 0;
  /// A revenue budget applies: the bid must be held (hold_request) before the
  /// call is routed to this buyer. -1 = no budget; otherwise the smallest
  /// headroom left, so larger bids can be refused at once.
  int64_t budget_headroom_micros = -1;
};

template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, reservation_grant& x) {
  return f(caf::meta::type_name("reservation_grant"), x.buyer_id, x.token, x.budget_headroom_micros);
}

/// Why a buyer (or an amount) was refused: which cap, where it stands, and
/// when it frees (0 = only when a live call ends).
struct reservation_denial {
  std::string buyer_id;
  std::string cap;   ///< e.g. "buyer b1: calls per day (America/New_York)"
  int64_t value = 0; ///< counted + reserved (micros for budgets, calls otherwise)
  int64_t limit = 0;
  timestamp_us frees_at = 0;
};

template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, reservation_denial& x) {
  return f(caf::meta::type_name("reservation_denial"), x.buyer_id, x.cap, x.value, x.limit, x.frees_at);
}

struct reserve_reply {
  call_id call;
  std::vector<reservation_grant> granted;
  std::vector<reservation_denial> denied;
};

template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, reserve_reply& x) {
  return f(caf::meta::type_name("reserve_reply"), x.call, x.granted, x.denied);
}

/// Holds a bid amount against the revenue budgets of a reservation.
struct amount_hold {
  uint64_t token = 0;
  int64_t amount_micros = 0;
};

template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, amount_hold& x) {
  return f(caf::meta::type_name("amount_hold"), x.token, x.amount_micros);
}

/// Holds the amounts of one call's valid offers, best first. Only one of them
/// will be counted, so the call's campaign and source budgets hold the largest.
struct hold_request {
  call_id call;
  std::vector<amount_hold> holds;
};

template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, hold_request& x) {
  return f(caf::meta::type_name("hold_request"), x.call, x.holds);
}

struct hold_reply {
  call_id call;
  std::vector<uint64_t> held; ///< tokens whose amount fits every budget
  std::vector<reservation_denial> denied;
};

template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, hold_reply& x) {
  return f(caf::meta::type_name("hold_reply"), x.call, x.held, x.denied);
}

/// The call reached `stage`: caps counting on it count the call (revenue
/// budgets count `amount_micros`, at most the amount held).
struct commit_request {
  uint64_t token = 0;
  count_stage stage = count_stage::bridged;
  int64_t amount_micros = 0;
};

template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, commit_request& x) {
  return f(caf::meta::type_name("commit_request"), x.token, x.stage, x.amount_micros);
}

struct release_request {
  uint64_t token = 0;
};

template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, release_request& x) {
  return f(caf::meta::type_name("release_request"), x.token);
}

/// Calls supervisor -> ledger: a call booked without an actor (adopted, but
/// gone at the carrier) gives back every reservation it still holds.
struct release_call {
  call_id call;
};

template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, release_call& x) {
  return f(caf::meta::type_name("release_call"), x.call);
}

/// Reply to commit and release: idempotent, so `known` is false for a token the
/// ledger no longer holds (already released, or released with its dead holder).
struct ledger_ack {
  uint64_t token = 0;
  bool known = false;
};

template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, ledger_ack& x) {
  return f(caf::meta::type_name("ledger_ack"), x.token, x.known);
}

/// Asks the ledger how many reservations are open (tests, shutdown checks).
struct ledger_status_request {};

template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, ledger_status_request&) {
  return f(caf::meta::type_name("ledger_status_request"));
}

struct ledger_status {
  uint64_t open_reservations = 0;
  uint64_t committed_total = 0;
  uint64_t denied_total = 0;
  uint64_t expired_total = 0;
};

template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, ledger_status& x) {
  return f(caf::meta::type_name("ledger_status"), x.open_reservations, x.committed_total, x.denied_total,
           x.expired_total);
}

/// From the journal's writer to the ledger: every entry up to `seq` is durable,
/// so commits waiting for it may be acknowledged.
struct journal_durable {
  uint64_t seq = 0;
};

template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, journal_durable& x) {
  return f(caf::meta::type_name("journal_durable"), x.seq);
}

/// Asks for every cap's standing (the `ringbid caps` table, the dashboard).
struct caps_query {};

template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, caps_query&) {
  return f(caf::meta::type_name("caps_query"));
}

struct cap_standing {
  std::string owner;    ///< "buyer", "campaign", "source" or "campaign_buyer"
  std::string owner_id; ///< campaign_buyer: "campaign/buyer"
  std::string measure;  ///< "calls", "revenue", "concurrency" or "spacing"
  std::string window;   ///< "hour", "day", "week", "month", "lifetime", "rolling 60m" or ""
  std::string time_zone;
  std::string counts_on; ///< the stage, "" for concurrency
  int64_t limit = 0;     ///< calls, micros, or spacing seconds
  int64_t counted = 0;   ///< in the current window (spacing: seconds since the last call)
  int64_t reserved = 0;  ///< held by live calls, not counted yet
  timestamp_us window_start = 0;
  timestamp_us resets_at = 0; ///< 0 = never (lifetime, concurrency)
};

template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, cap_standing& x) {
  return f(caf::meta::type_name("cap_standing"), x.owner, x.owner_id, x.measure, x.window, x.time_zone, x.counts_on,
           x.limit, x.counted, x.reserved, x.window_start, x.resets_at);
}

struct caps_report {
  timestamp_us at = 0;
  std::vector<cap_standing> caps;
};

template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, caps_report& x) {
  return f(caf::meta::type_name("caps_report"), x.at, x.caps);
}

/// Control plane -> cap ledger: take the caps of the configuration now in
/// force (actors/core/ledger_core replace_rules). Answered with `caps_reloaded`.
struct reload_caps {
  int64_t revision = 0;
};

template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, reload_caps& x) {
  return f(caf::meta::type_name("reload_caps"), x.revision);
}

struct caps_reloaded {
  uint64_t caps = 0; ///< caps in force now
  uint64_t kept = 0; ///< of which kept their counts
};

template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, caps_reloaded& x) {
  return f(caf::meta::type_name("caps_reloaded"), x.caps, x.kept);
}

} // namespace ringbid
