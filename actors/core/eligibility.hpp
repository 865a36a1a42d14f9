#pragma once
// May a buyer be pinged for a call? Its business hours (weekly windows and date
// exceptions, in its own time zone) and its targeting (verticals, states, area
// codes, rules), compiled once from its config. Pure: no CAF, no I/O; the caller
// passes the time.

#include "actors/core/config.hpp"
#include "actors/core/targeting_rules.hpp"
#include "protocol/time.hpp"

#include <memory>
#include <optional>
#include <string>
#include <utility>
#include <vector>

namespace ringbid {

/// A buyer's hours, targeting and rules, compiled once (zone looked up, regexes
/// built, dates parsed). Immutable after compile(); safe to share between
/// threads, cheap to copy (the compiled state is shared).
///
/// Hours:
/// - Weekly windows use days 0 = Sunday ... 6 = Saturday and minutes from local
///   midnight in the buyer's zone, taken per instant (so across DST changes the
///   windows follow the local wall clock; a window inside a skipped hour never
///   opens that day, one inside a repeated hour is open both times).
/// - A window whose close_minute <= open_minute runs overnight: [open, 24:00)
///   on its day and [00:00, close) on the next.
/// - No weekly windows: open at all hours (exceptions still apply).
/// - An exception replaces its local date's hours entirely, including the
///   overnight spill of the previous day's window (the exception wins). The
///   hours of the date after an exception date are that date's own weekly
///   hours, including the spill of the exception date's weekly window (an
///   exception never spills).
///
/// Rules (see targeting_rule):
/// - caller_state, area_code, zip: the call's value; "" = unknown.
/// - time_of_day: the local HHMM at `now` in the buyer's zone. range compares
///   the number (0930 = 930); equals / not_equals / in / not_in compare numbers
///   too (values must be numbers: "930" and "0930" are the same); regex sees
///   four digits ("0930").
/// - day_of_week: "sun" ... "sat"; equals / in (and their negations) compare
///   case-insensitively (values must be day names), regex is case-insensitive.
/// - ivr.<key>: the value of the call's (last) answer with that key; no answer
///   or an empty one = unknown.
/// - tag: equals / in / regex / range pass when ANY non-empty tag satisfies
///   them; not_equals / not_in pass when NO tag equals the value(s), including
///   when the call has no tags.
/// - equals / in compare exactly (case-sensitive) except as said above; regex
///   is ECMAScript and must match the whole value; range parses the value as a
///   number (the whole of it) and accepts [min, max], inclusive.
/// - An unknown value fails every operator (tags: see above).
class buyer_filter {
public:
  /// nullopt with *error set (when error is not null) when the buyer's config
  /// cannot be compiled; the first problem found, e.g.
  /// "time_zone: unknown zone Mars/Base", "hours.weekly[0].days[1]: 7 not in 0..6",
  /// "hours.exceptions[1].date: not YYYY-MM-DD",
  /// "target.states[0]: \"Texas\" is not a two-letter code",
  /// "target.rules[0]: bad regex \"(\": ...", "target.rules[2]: unknown field \"colour\"",
  /// "target.rules[1]: range min 65 is greater than max 18" (the first rule_error of
  /// compile_rules that is not never_holds: such rules are run as written).
  static std::optional<buyer_filter> compile(const buyer_config& buyer, std::string* error);

  /// Is the buyer open at `now` (weekly hours and exceptions, in its own
  /// time_zone)? When not and `why` is given, *why says why:
  /// "closed: outside business hours (Sat 09:15 America/Chicago)",
  /// "closed: Christmas (2026-12-25)" (the note), "closed: exception 2026-12-25"
  /// (no note), or for an exception with special hours
  /// "closed: Christmas Eve (2026-12-24, open 09:00-13:00; now 14:10 America/Chicago)".
  bool open_at(timestamp_us now, std::string* why = nullptr) const;

  /// "" when the buyer may be pinged for this call at `now`; otherwise the first
  /// failing reason, checked in this order: hours (open_at's why); vertical
  /// ("vertical auto not targeted", "vertical unknown, buyer targets verticals");
  /// states ("state TX not targeted", "state unknown, buyer targets states",
  /// "state TX excluded"); area codes ("area code 512 not targeted",
  /// "area code unknown, buyer targets area codes", "area code 512 excluded");
  /// then each rule ("rule 2: caller_state in [CA, NY] failed (value TX)",
  /// "rule 0: ivr.age range [18, 64] failed (no answer)",
  /// "rule 1: zip regex 787\d\d failed (value unknown)",
  /// "rule 3: tag equals vip failed (tags [a, b])", "... failed (no tags)").
  std::string check(const call_facts& facts, timestamp_us now) const;

private:
  struct compiled;
  explicit buyer_filter(std::shared_ptr<const compiled> c) : c_(std::move(c)) {}

  std::shared_ptr<const compiled> c_;
};

} // namespace ringbid
