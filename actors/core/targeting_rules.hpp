#pragma once
// A buyer's targeting rules (targeting_rule, actors/core/config.hpp), compiled
// once: the one place that says what a rule means and whether it can mean
// anything. Errors name the rule and its operand, so the JSON config reader
// turns them into pointers (/buyers/2/target/rules/0/value) and the buyer
// filter into text ("target.rules[0]: ..."). Pure: no CAF, no I/O.
//
// What a rule compares (buyer_filter in eligibility.hpp says it for the caller):
// - caller_state, area_code, zip: the call's value; "" = unknown.
// - time_of_day: the local HHMM as a number (equals / in compare numbers; regex
//   sees four digits); day_of_week: "sun" ... "sat", case-insensitive.
// - ivr.<key>: the call's last answer with that key; tag: any of the call's tags
//   (not_equals / not_in: none of them).

#include "actors/core/config.hpp"
#include "protocol/bidding.hpp"

#include <cstddef>
#include <cstdint>
#include <optional>
#include <regex>
#include <string>
#include <vector>

namespace ringbid {

/// What is known about a call when its buyers are chosen.
struct call_facts {
  std::string vertical;     ///< the campaign's
  std::string caller_state; ///< "" unknown
  std::string area_code;    ///< "" unknown
  std::string zip;          ///< "" unknown
  std::vector<ivr_answer> ivr;
  std::vector<std::string> tags;
};

/// One problem with one rule.
struct rule_error {
  std::size_t rule = 0;            ///< index in the buyer's rules
  std::string operand;             ///< the rule's key it is about: field, op, value, values, min, max
  std::optional<std::size_t> item; ///< with operand "values": which of them
  /// The rule compiles but no call can ever satisfy it (range on a state, a
  /// state that is not two capitals): a mistake in a config, run as written by
  /// the filter (it fails every call).
  bool never_holds = false;
  std::string message; ///< "range min 65 is greater than max 18"
};

/// "target.rules[1]: range min 65 is greater than max 18"
std::string to_string(const rule_error& e);

/// A rule ready to be checked against calls.
struct compiled_rule {
  enum class field_kind : uint8_t { caller_state, area_code, zip, time_of_day, day_of_week, tag, ivr };

  field_kind kind = field_kind::caller_state;
  rule_operator op = rule_operator::equals;
  std::string ivr_key;
  std::vector<std::string> values; ///< compared values: as configured; day_of_week lower-cased
  std::vector<double> numbers;     ///< time_of_day equals / in: the values as numbers
  std::optional<std::regex> pattern;
  double min = 0;
  double max = 0;
  std::string text; ///< "caller_state in [CA, NY]"

  /// "" when the call satisfies the rule at the buyer's local `minute_of_day`
  /// and `day` (0 = Sunday); else "rule 2: caller_state in [CA, NY] failed (value TX)".
  std::string check(std::size_t index, const call_facts& facts, int32_t minute_of_day, std::size_t day) const;
};

struct compiled_rules {
  std::vector<compiled_rule> rules; ///< one per rule, in order (meaningful when no error is fatal)
  std::vector<rule_error> errors;   ///< every problem, by rule, in operand order

  /// The first error that keeps a rule from compiling (not never_holds), or null.
  const rule_error* first_fatal() const;
};

compiled_rules compile_rules(const std::vector<targeting_rule>& rules);

} // namespace ringbid
