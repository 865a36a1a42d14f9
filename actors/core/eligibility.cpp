#include "actors/core/eligibility.hpp"

#include "actors/core/cap_window.hpp"

#include <algorithm>
#include <array>
#include <bitset>
#include <charconv>
#include <cmath>
#include <cstddef>
#include <exception>
#include <map>
#include <regex>
#include <string_view>
#include <system_error>

namespace ringbid {

namespace {

constexpr int32_t minutes_per_day = 1440;
constexpr std::array<std::string_view, 7> day_names = {"sun", "mon", "tue", "wed",
                                                       "thu", "fri", "sat"};
constexpr std::array<std::string_view, 7> day_labels = {"Sun", "Mon", "Tue", "Wed",
                                                        "Thu", "Fri", "Sat"};

char lower(char c) { return (c >= 'A' && c <= 'Z') ? static_cast<char>(c - 'A' + 'a') : c; }
char upper(char c) { return (c >= 'a' && c <= 'z') ? static_cast<char>(c - 'a' + 'A') : c; }
bool is_digit(char c) { return c >= '0' && c <= '9'; }
bool is_letter(char c) { return lower(c) >= 'a' && lower(c) <= 'z'; }

std::string to_lower(std::string_view s) {
  std::string out(s);
  std::transform(out.begin(), out.end(), out.begin(), lower);
  return out;
}

std::string to_upper(std::string_view s) {
  std::string out(s);
  std::transform(out.begin(), out.end(), out.begin(), upper);
  return out;
}

std::string quoted(std::string_view s) {
  std::string out = "\"";
  out += s;
  out += '"';
  return out;
}

/// "09:05"; 1440 -> "24:00".
std::string hhmm(int32_t minute) {
  std::string out = "00:00";
  const int32_t h = minute / 60;
  const int32_t m = minute % 60;
  out[0] = static_cast<char>('0' + h / 10);
  out[1] = static_cast<char>('0' + h % 10);
  out[3] = static_cast<char>('0' + m / 10);
  out[4] = static_cast<char>('0' + m % 10);
  return out;
}

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
  out += ']';
  return out;
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

bool is_leap(int32_t y) { return (y % 4 == 0 && y % 100 != 0) || y % 400 == 0; }

int32_t days_in_month(int32_t y, int32_t m) {
  constexpr std::array<int32_t, 12> days = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
  return (m == 2 && is_leap(y)) ? 29 : days[static_cast<std::size_t>(m - 1)];
}

/// A local date as one comparable number: YYYYMMDD.
int64_t date_key(int64_t year, int64_t month, int64_t day) {
  return year * 10'000 + month * 100 + day;
}

/// "YYYY-MM-DD" naming a real calendar date -> its key.
std::optional<int64_t> parse_date(std::string_view s) {
  if (s.size() != 10 || s[4] != '-' || s[7] != '-') return std::nullopt;
  for (const std::size_t i : {0, 1, 2, 3, 5, 6, 8, 9})
    if (!is_digit(s[i])) return std::nullopt;
  const auto num = [&s](std::size_t pos, std::size_t len) {
    int32_t v = 0;
    for (std::size_t i = pos; i < pos + len; ++i) v = v * 10 + (s[i] - '0');
    return v;
  };
  const int32_t y = num(0, 4);
  const int32_t m = num(5, 2);
  const int32_t d = num(8, 2);
  if (y < 1 || m < 1 || m > 12 || d < 1 || d > days_in_month(y, m)) return std::nullopt;
  return date_key(y, m, d);
}

enum class field_kind : uint8_t { caller_state, area_code, zip, time_of_day, day_of_week, tag, ivr };

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

struct compiled_rule {
  field_kind kind = field_kind::caller_state;
  rule_operator op = rule_operator::equals;
  std::string ivr_key;
  /// Compared values: as configured; day_of_week lower-cased.
  std::vector<std::string> values;
  /// time_of_day equals / in: the values as numbers.
  std::vector<double> numbers;
  std::optional<std::regex> pattern;
  double min = 0;
  double max = 0;
  /// "caller_state in [CA, NY]"
  std::string text;

  /// Does one known (non-empty) value satisfy the positive form of the
  /// operator (equals for not_equals, in for not_in)?
  bool positive_match(const std::string& value) const {
    switch (op) {
      case rule_operator::equals:
      case rule_operator::not_equals:
      case rule_operator::in:
      case rule_operator::not_in: {
        if (kind == field_kind::time_of_day) {
          const std::optional<double> n = parse_number(value);
          return n && std::find(numbers.begin(), numbers.end(), *n) != numbers.end();
        }
        if (kind == field_kind::day_of_week) {
          const std::string v = to_lower(value);
          return std::find(values.begin(), values.end(), v) != values.end();
        }
        return std::find(values.begin(), values.end(), value) != values.end();
      }
      case rule_operator::regex: return pattern && std::regex_match(value, *pattern);
      case rule_operator::range: {
        const std::optional<double> n = parse_number(value);
        return n && *n >= min && *n <= max;
      }
    }
    return false;
  }

  bool negated() const { return op == rule_operator::not_equals || op == rule_operator::not_in; }

  /// A known single value (not tags).
  bool holds_for(const std::string& value) const {
    if (value.empty()) return false;
    return negated() ? !positive_match(value) : positive_match(value);
  }

  bool holds_for_tags(const std::vector<std::string>& tags) const {
    const bool any = std::any_of(tags.begin(), tags.end(), [this](const std::string& t) {
      return !t.empty() && positive_match(t);
    });
    return negated() ? !any : any;
  }
};

struct compiled_exception {
  std::string date;
  bool closed = true;
  int32_t open_minute = 0;
  int32_t close_minute = 0;
  std::string note;
};

/// Builds "target.rules[i]" error texts.
std::string at_rule(std::size_t i) { return "target.rules[" + std::to_string(i) + "]"; }

} // namespace

struct buyer_filter::compiled {
  explicit compiled(calendar_zone z) : zone(std::move(z)) {}

  calendar_zone zone;
  bool always_open = true;
  /// Minute by minute, Sunday = 0, overnight spills already moved to the next day.
  std::array<std::bitset<minutes_per_day>, 7> weekly;
  std::map<int64_t, compiled_exception> exceptions;
  std::vector<std::string> verticals;
  std::vector<std::string> states;          ///< upper case
  std::vector<std::string> excluded_states; ///< upper case
  std::vector<std::string> area_codes;
  std::vector<std::string> excluded_area_codes;
  std::vector<compiled_rule> rules;

  bool open(const local_moment& m, std::string* why) const {
    const int32_t minute = m.minute_of_day;
    const auto it = exceptions.find(date_key(m.year, m.month, m.day));
    if (it != exceptions.end()) {
      const compiled_exception& e = it->second;
      if (!e.closed && minute >= e.open_minute && minute < e.close_minute) return true;
      if (why != nullptr) {
        std::string text =
          e.note.empty() ? "closed: exception " + e.date : "closed: " + e.note + " (" + e.date;
        if (!e.closed) {
          text += e.note.empty() ? " (" : ", ";
          text += "open " + hhmm(e.open_minute) + "-" + hhmm(e.close_minute) + "; now " +
                  hhmm(minute) + " " + zone.name() + ")";
        } else if (!e.note.empty()) {
          text += ")";
        }
        *why = std::move(text);
      }
      return false;
    }
    if (always_open) return true;
    const std::size_t day = (m.weekday + 1) % 7; // ISO Monday = 0 -> Sunday = 0
    if (weekly[day].test(static_cast<std::size_t>(minute))) return true;
    if (why != nullptr)
      *why = "closed: outside business hours (" + std::string(day_labels[day]) + " " +
             hhmm(minute) + " " + zone.name() + ")";
    return false;
  }

  std::string check_rule(std::size_t index, const compiled_rule& r, const call_facts& facts,
                         const local_moment& m) const {
    std::string value;
    bool ivr_answered = false;
    switch (r.kind) {
      case field_kind::caller_state: value = facts.caller_state; break;
      case field_kind::area_code: value = facts.area_code; break;
      case field_kind::zip: value = facts.zip; break;
      case field_kind::time_of_day: {
        const int32_t n = (m.minute_of_day / 60) * 100 + m.minute_of_day % 60;
        value = std::to_string(n);
        value.insert(0, 4 - std::min<std::size_t>(4, value.size()), '0');
        break;
      }
      case field_kind::day_of_week:
        value = std::string(day_names[(m.weekday + 1) % 7]);
        break;
      case field_kind::tag: {
        if (r.holds_for_tags(facts.tags)) return {};
        const std::string detail = facts.tags.empty() ? "no tags" : "tags " + join(facts.tags);
        return "rule " + std::to_string(index) + ": " + r.text + " failed (" + detail + ")";
      }
      case field_kind::ivr:
        for (const ivr_answer& a : facts.ivr)
          if (a.key == r.ivr_key) value = a.value; // the last answer counts
        ivr_answered = !value.empty();
        break;
    }
    if (r.holds_for(value)) return {};
    std::string detail;
    if (!value.empty())
      detail = "value " + value;
    else if (r.kind == field_kind::ivr && !ivr_answered)
      detail = "no answer";
    else
      detail = "value unknown";
    return "rule " + std::to_string(index) + ": " + r.text + " failed (" + detail + ")";
  }

  std::string check(const call_facts& facts, timestamp_us now) const {
    const local_moment m = zone.local(now);
    std::string why;
    if (!open(m, &why)) return why;

    if (!verticals.empty()) {
      if (facts.vertical.empty()) return "vertical unknown, buyer targets verticals";
      if (std::find(verticals.begin(), verticals.end(), facts.vertical) == verticals.end())
        return "vertical " + facts.vertical + " not targeted";
    }

    const std::string state = to_upper(facts.caller_state);
    if (!states.empty()) {
      if (state.empty()) return "state unknown, buyer targets states";
      if (std::find(states.begin(), states.end(), state) == states.end())
        return "state " + facts.caller_state + " not targeted";
    }
    if (!state.empty() &&
        std::find(excluded_states.begin(), excluded_states.end(), state) != excluded_states.end())
      return "state " + facts.caller_state + " excluded";

    const std::string& code = facts.area_code;
    if (!area_codes.empty()) {
      if (code.empty()) return "area code unknown, buyer targets area codes";
      if (std::find(area_codes.begin(), area_codes.end(), code) == area_codes.end())
        return "area code " + code + " not targeted";
    }
    if (!code.empty() && std::find(excluded_area_codes.begin(), excluded_area_codes.end(),
                                   code) != excluded_area_codes.end())
      return "area code " + code + " excluded";

    for (std::size_t i = 0; i < rules.size(); ++i) {
      std::string failed = check_rule(i, rules[i], facts, m);
      if (!failed.empty()) return failed;
    }
    return {};
  }
};

namespace {

bool fail(std::string* error, std::string text) {
  if (error != nullptr) *error = std::move(text);
  return false;
}

std::string not_in_range(const std::string& where, int32_t v, int32_t lo, int32_t hi) {
  return where + ": " + std::to_string(v) + " not in " + std::to_string(lo) + ".." +
         std::to_string(hi);
}

bool compile_rule(std::size_t index, const targeting_rule& in, compiled_rule& out,
                  std::string* error) {
  const std::string where = at_rule(index);
  const std::optional<field_kind> kind = field_kind_of(in.field);
  if (!kind) return fail(error, where + ": unknown field " + quoted(in.field));
  out.kind = *kind;
  out.op = in.op;
  if (out.kind == field_kind::ivr) out.ivr_key = in.field.substr(4);
  const std::string_view op_name = operator_name(in.op);
  if (op_name.empty()) return fail(error, where + ": unknown operator");
  const std::string op(op_name);

  switch (in.op) {
    case rule_operator::equals:
    case rule_operator::not_equals:
    case rule_operator::regex:
      if (in.values.size() != 1) return fail(error, where + ": " + op + " needs exactly one value");
      break;
    case rule_operator::in:
    case rule_operator::not_in:
      if (in.values.empty()) return fail(error, where + ": " + op + " needs at least one value");
      break;
    case rule_operator::range:
      if (!std::isfinite(in.min) || !std::isfinite(in.max))
        return fail(error, where + ": range bounds must be finite numbers");
      if (in.min > in.max)
        return fail(error, where + ": range min " + number_text(in.min) + " > max " +
                             number_text(in.max));
      break;
  }

  const bool compares = in.op == rule_operator::equals || in.op == rule_operator::not_equals ||
                        in.op == rule_operator::in || in.op == rule_operator::not_in;
  if (compares) {
    for (const std::string& v : in.values) {
      if (out.kind == field_kind::day_of_week) {
        const std::string d = to_lower(v);
        if (std::find(day_names.begin(), day_names.end(), d) == day_names.end())
          return fail(error, where + ": day_of_week value " + quoted(v) + " is not one of sun..sat");
        out.values.push_back(d);
      } else if (out.kind == field_kind::time_of_day) {
        const std::optional<double> n = parse_number(v);
        if (!n) return fail(error, where + ": time_of_day value " + quoted(v) + " is not a number (HHMM)");
        out.numbers.push_back(*n);
        out.values.push_back(v);
      } else {
        out.values.push_back(v);
      }
    }
  }

  if (in.op == rule_operator::regex) {
    auto flags = std::regex::ECMAScript;
    if (out.kind == field_kind::day_of_week) flags |= std::regex::icase;
    try {
      out.pattern.emplace(in.values[0], flags);
    } catch (const std::regex_error& e) {
      return fail(error, where + ": bad regex " + quoted(in.values[0]) + ": " + e.what());
    }
  }
  if (in.op == rule_operator::range) {
    out.min = in.min;
    out.max = in.max;
  }

  out.text = in.field + " " + op + " ";
  switch (in.op) {
    case rule_operator::equals:
    case rule_operator::not_equals:
    case rule_operator::regex: out.text += in.values[0]; break;
    case rule_operator::in:
    case rule_operator::not_in: out.text += join(in.values); break;
    case rule_operator::range:
      out.text += "[" + number_text(in.min) + ", " + number_text(in.max) + "]";
      break;
  }
  return true;
}

} // namespace

std::optional<buyer_filter> buyer_filter::compile(const buyer_config& buyer, std::string* error) {
  std::optional<calendar_zone> zone;
  try {
    zone = calendar_zone::find(buyer.time_zone);
  } catch (const std::exception&) {
    zone.reset();
  }
  if (!zone) {
    fail(error, "time_zone: unknown zone " + buyer.time_zone);
    return std::nullopt;
  }
  auto c = std::make_shared<compiled>(std::move(*zone));

  // Weekly windows.
  const std::vector<hours_window>& weekly = buyer.hours.weekly;
  c->always_open = weekly.empty();
  for (std::size_t i = 0; i < weekly.size(); ++i) {
    const hours_window& w = weekly[i];
    const std::string where = "hours.weekly[" + std::to_string(i) + "]";
    if (w.open_minute < 0 || w.open_minute >= minutes_per_day) {
      fail(error, not_in_range(where + ".open_minute", w.open_minute, 0, minutes_per_day - 1));
      return std::nullopt;
    }
    if (w.close_minute < 0 || w.close_minute > minutes_per_day) {
      fail(error, not_in_range(where + ".close_minute", w.close_minute, 0, minutes_per_day));
      return std::nullopt;
    }
    for (std::size_t j = 0; j < w.days.size(); ++j) {
      const int32_t day = w.days[j];
      if (day < 0 || day > 6) {
        fail(error, not_in_range(where + ".days[" + std::to_string(j) + "]", day, 0, 6));
        return std::nullopt;
      }
      const auto today = static_cast<std::size_t>(day);
      const std::size_t tomorrow = (today + 1) % 7;
      const bool overnight = w.close_minute <= w.open_minute;
      const int32_t end_today = overnight ? minutes_per_day : w.close_minute;
      for (int32_t m = w.open_minute; m < end_today; ++m)
        c->weekly[today].set(static_cast<std::size_t>(m));
      if (overnight)
        for (int32_t m = 0; m < w.close_minute; ++m)
          c->weekly[tomorrow].set(static_cast<std::size_t>(m));
    }
  }

  // Date exceptions.
  const std::vector<date_exception>& exceptions = buyer.hours.exceptions;
  for (std::size_t i = 0; i < exceptions.size(); ++i) {
    const date_exception& e = exceptions[i];
    const std::string where = "hours.exceptions[" + std::to_string(i) + "]";
    const std::optional<int64_t> key = parse_date(e.date);
    if (!key) {
      fail(error, where + ".date: not YYYY-MM-DD");
      return std::nullopt;
    }
    if (c->exceptions.count(*key) != 0) {
      fail(error, where + ".date: " + e.date + " is listed twice");
      return std::nullopt;
    }
    if (!e.closed) {
      if (e.open_minute < 0 || e.open_minute >= minutes_per_day) {
        fail(error, not_in_range(where + ".open_minute", e.open_minute, 0, minutes_per_day - 1));
        return std::nullopt;
      }
      if (e.close_minute < 0 || e.close_minute > minutes_per_day) {
        fail(error, not_in_range(where + ".close_minute", e.close_minute, 0, minutes_per_day));
        return std::nullopt;
      }
      if (e.close_minute <= e.open_minute) {
        fail(error, where + ": close_minute " + std::to_string(e.close_minute) +
                      " not after open_minute " + std::to_string(e.open_minute));
        return std::nullopt;
      }
    }
    c->exceptions.emplace(*key, compiled_exception{e.date, e.closed, e.open_minute,
                                                   e.close_minute, e.note});
  }

  // Targeting lists.
  const targeting& t = buyer.target;
  c->verticals = t.verticals;
  const auto states = [error](const std::vector<std::string>& in, std::string_view name,
                              std::vector<std::string>& out) {
    for (std::size_t i = 0; i < in.size(); ++i) {
      const std::string& s = in[i];
      if (s.size() != 2 || !is_letter(s[0]) || !is_letter(s[1]))
        return fail(error, "target." + std::string(name) + "[" + std::to_string(i) +
                             "]: " + quoted(s) + " is not a two-letter code");
      out.push_back(to_upper(s));
    }
    return true;
  };
  const auto codes = [error](const std::vector<std::string>& in, std::string_view name,
                             std::vector<std::string>& out) {
    for (std::size_t i = 0; i < in.size(); ++i) {
      const std::string& s = in[i];
      if (s.size() != 3 || !std::all_of(s.begin(), s.end(), is_digit))
        return fail(error, "target." + std::string(name) + "[" + std::to_string(i) +
                             "]: " + quoted(s) + " is not a three-digit area code");
      out.push_back(s);
    }
    return true;
  };
  if (!states(t.states, "states", c->states) ||
      !states(t.excluded_states, "excluded_states", c->excluded_states) ||
      !codes(t.area_codes, "area_codes", c->area_codes) ||
      !codes(t.excluded_area_codes, "excluded_area_codes", c->excluded_area_codes))
    return std::nullopt;

  // Rules.
  c->rules.resize(t.rules.size());
  for (std::size_t i = 0; i < t.rules.size(); ++i)
    if (!compile_rule(i, t.rules[i], c->rules[i], error)) return std::nullopt;

  if (error != nullptr) error->clear();
  return buyer_filter{std::move(c)};
}

bool buyer_filter::open_at(timestamp_us now, std::string* why) const {
  return c_->open(c_->zone.local(now), why);
}

std::string buyer_filter::check(const call_facts& facts, timestamp_us now) const {
  return c_->check(facts, now);
}

} // namespace ringbid
