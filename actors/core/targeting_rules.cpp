#include "actors/core/targeting_rules.hpp"

#include <algorithm>
#include <array>
#include <charconv>
#include <cmath>
#include <string_view>
#include <system_error>

namespace ringbid {

namespace {

using field_kind = compiled_rule::field_kind;

constexpr std::array<std::string_view, 7> day_names = {"sun", "mon", "tue", "wed", "thu", "fri", "sat"};

std::string to_lower(std::string_view s) {
  std::string out(s);
  std::transform(out.begin(), out.end(), out.begin(),
                 [](char c) { return (c >= 'A' && c <= 'Z') ? static_cast<char>(c - 'A' + 'a') : c; });
  return out;
}

bool all_of_class(std::string_view s, char first, char last) {
  return std::all_of(s.begin(), s.end(), [first, last](char c) { return c >= first && c <= last; });
}

std::string quoted(std::string_view s) { return "\"" + std::string(s) + "\""; }

/// Shortest round-trip form: 18 -> "18", 2.5 -> "2.5".
std::string number_text(double d) {
  std::array<char, 64> buf{};
  const auto r = std::to_chars(buf.data(), buf.data() + buf.size(), d);
  if (r.ec != std::errc{}) return "?";
  return std::string(buf.data(), r.ptr);
}

/// The whole of s as a finite number.
std::optional<double> parse_number(std::string_view s) {
  if (s.empty()) return std::nullopt;
  double d = 0;
  const char* const end = s.data() + s.size();
  const auto r = std::from_chars(s.data(), end, d);
  if (r.ec != std::errc{} || r.ptr != end || !std::isfinite(d)) return std::nullopt;
  return d;
}

std::string join(const std::vector<std::string>& values) {
  std::string out = "[";
  for (std::size_t i = 0; i < values.size(); ++i) {
    if (i > 0) out += ", ";
    out += values[i];
  }
  return out + ']';
}

std::string_view operator_name(rule_operator op) {
  switch (op) {
    case rule_operator::equals: return "equals";
    case rule_operator::not_equals: return "not_equals";
    case rule_operator::in: return "in";
    case rule_operator::not_in: return "not_in";
    case rule_operator::regex: return "regex";
    case rule_operator::range: return "range";
  }
  return {};
}

std::optional<field_kind> field_kind_of(std::string_view name) {
  if (name == "caller_state") return field_kind::caller_state;
  if (name == "area_code") return field_kind::area_code;
  if (name == "zip") return field_kind::zip;
  if (name == "time_of_day") return field_kind::time_of_day;
  if (name == "day_of_week") return field_kind::day_of_week;
  if (name == "tag") return field_kind::tag;
  if (name.size() > 4 && name.substr(0, 4) == "ivr.") return field_kind::ivr;
  return std::nullopt;
}

bool is_single(rule_operator op) {
  return op == rule_operator::equals || op == rule_operator::not_equals || op == rule_operator::regex;
}
bool is_listed(rule_operator op) { return op == rule_operator::in || op == rule_operator::not_in; }
bool negated(rule_operator op) { return op == rule_operator::not_equals || op == rule_operator::not_in; }

/// Does one known (non-empty) value satisfy the positive form of the operator
/// (equals for not_equals, in for not_in)?
bool positive_match(const compiled_rule& r, const std::string& value) {
  switch (r.op) {
    case rule_operator::equals:
    case rule_operator::not_equals:
    case rule_operator::in:
    case rule_operator::not_in: {
      if (r.kind == field_kind::time_of_day) {
        const std::optional<double> n = parse_number(value);
        return n && std::find(r.numbers.begin(), r.numbers.end(), *n) != r.numbers.end();
      }
      const std::string v = r.kind == field_kind::day_of_week ? to_lower(value) : value;
      return std::find(r.values.begin(), r.values.end(), v) != r.values.end();
    }
    case rule_operator::regex: return r.pattern && std::regex_match(value, *r.pattern);
    case rule_operator::range: {
      const std::optional<double> n = parse_number(value);
      return n && *n >= r.min && *n <= r.max;
    }
  }
  return false;
}

/// Compiles one rule into `out`, adding its problems to `errors`.
void compile_rule(std::size_t index, const targeting_rule& in, compiled_rule& out, std::vector<rule_error>& errors) {
  auto problem = [&](std::string operand, std::string message, bool never_holds = false,
                     std::optional<std::size_t> item = std::nullopt) {
    errors.push_back(rule_error{index, std::move(operand), item, never_holds, std::move(message)});
  };
  const std::optional<field_kind> kind = field_kind_of(in.field);
  if (!kind) return problem("field", "unknown field " + quoted(in.field));
  const std::string op(operator_name(in.op));
  if (op.empty()) return problem("op", "unknown operator");
  out.kind = *kind;
  out.op = in.op;
  if (out.kind == field_kind::ivr) out.ivr_key = in.field.substr(4);

  if (is_single(in.op) && in.values.size() != 1) return problem("value", op + " needs exactly one value");
  if (is_listed(in.op) && in.values.empty()) return problem("values", op + " needs at least one value");
  if (in.op == rule_operator::range) {
    if (!std::isfinite(in.min) || !std::isfinite(in.max)) return problem("min", "range bounds must be finite numbers");
    if (out.kind == field_kind::caller_state || out.kind == field_kind::day_of_week)
      problem("op", "op \"range\" never holds for " + in.field + ", which is not a number", true);
    if (in.min > in.max)
      problem("min", "range min " + number_text(in.min) + " is greater than max " + number_text(in.max));
    out.min = in.min;
    out.max = in.max;
  }

  if (in.op == rule_operator::regex) {
    auto flags = std::regex::ECMAScript;
    if (out.kind == field_kind::day_of_week) flags |= std::regex::icase; // as day names are matched
    try {
      out.pattern.emplace(in.values[0], flags);
    } catch (const std::regex_error& e) {
      problem("value", "bad regex " + quoted(in.values[0]) + ": " + e.what());
    }
  } else if (in.op != rule_operator::range) {
    // equals, not_equals, in, not_in: each value must be one the field can take.
    for (std::size_t k = 0; k < in.values.size(); ++k) {
      const std::string& v = in.values[k];
      const std::string what = in.field + " value " + quoted(v);
      auto bad = [&](std::string why, bool never_holds) {
        if (is_listed(in.op))
          problem("values", what + " " + why, never_holds, k);
        else
          problem("value", what + " " + why, never_holds);
      };
      if (out.kind == field_kind::day_of_week) {
        const std::string d = to_lower(v);
        if (std::find(day_names.begin(), day_names.end(), d) == day_names.end()) bad("is not a day (sun..sat)", false);
        out.values.push_back(d);
        continue;
      }
      if (out.kind == field_kind::time_of_day) {
        const std::optional<double> n = parse_number(v);
        if (!n)
          bad("is not a number (HHMM)", false);
        else
          out.numbers.push_back(*n);
      } else if (out.kind == field_kind::caller_state && (v.size() != 2 || !all_of_class(v, 'A', 'Z'))) {
        bad("is not a two-letter state code in capitals, e.g. TX", true);
      } else if (out.kind == field_kind::area_code && (v.size() != 3 || !all_of_class(v, '0', '9'))) {
        bad("is not a three-digit area code", true);
      }
      out.values.push_back(v);
    }
  }

  out.text = in.field + " " + op + " ";
  if (in.op == rule_operator::range)
    out.text += "[" + number_text(in.min) + ", " + number_text(in.max) + "]";
  else if (is_listed(in.op))
    out.text += join(in.values);
  else
    out.text += in.values[0];
}

} // namespace

std::string to_string(const rule_error& e) { return "target.rules[" + std::to_string(e.rule) + "]: " + e.message; }

std::string compiled_rule::check(std::size_t index, const call_facts& facts, int32_t minute_of_day,
                                 std::size_t day) const {
  const std::string failed = "rule " + std::to_string(index) + ": " + text + " failed (";
  if (kind == field_kind::tag) {
    const bool any = std::any_of(facts.tags.begin(), facts.tags.end(),
                                 [this](const std::string& t) { return !t.empty() && positive_match(*this, t); });
    if (negated(op) ? !any : any) return {};
    return failed + (facts.tags.empty() ? "no tags" : "tags " + join(facts.tags)) + ")";
  }
  std::string value;
  switch (kind) {
    case field_kind::caller_state: value = facts.caller_state; break;
    case field_kind::area_code: value = facts.area_code; break;
    case field_kind::zip: value = facts.zip; break;
    case field_kind::time_of_day:
      value = std::to_string((minute_of_day / 60) * 100 + minute_of_day % 60);
      value.insert(0, 4 - std::min<std::size_t>(4, value.size()), '0');
      break;
    case field_kind::day_of_week: value = std::string(day_names[day % 7]); break;
    case field_kind::tag: break;
    case field_kind::ivr:
      for (const ivr_answer& a : facts.ivr)
        if (a.key == ivr_key) value = a.value; // the last answer counts
      break;
  }
  // An unknown value fails every operator.
  if (!value.empty() && (negated(op) ? !positive_match(*this, value) : positive_match(*this, value))) return {};
  if (!value.empty()) return failed + "value " + value + ")";
  return failed + (kind == field_kind::ivr ? "no answer" : "value unknown") + ")";
}

const rule_error* compiled_rules::first_fatal() const {
  auto it = std::find_if(errors.begin(), errors.end(), [](const rule_error& e) { return !e.never_holds; });
  return it == errors.end() ? nullptr : &*it;
}

compiled_rules compile_rules(const std::vector<targeting_rule>& rules) {
  compiled_rules out;
  out.rules.resize(rules.size());
  for (std::size_t i = 0; i < rules.size(); ++i) compile_rule(i, rules[i], out.rules[i], out.errors);
  return out;
}

} // namespace ringbid
