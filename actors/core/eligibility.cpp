#include "actors/core/eligibility.hpp"

#include "actors/core/cap_window.hpp"

#include <algorithm>
#include <array>
#include <bitset>
#include <cstddef>
#include <exception>
#include <map>
#include <string_view>
#include <system_error>

namespace ringbid {

namespace {

constexpr int32_t minutes_per_day = 1440;
constexpr std::array<std::string_view, 7> day_labels = {"Sun", "Mon", "Tue", "Wed", "Thu", "Fri", "Sat"};

char lower(char c) { return (c >= 'A' && c <= 'Z') ? static_cast<char>(c - 'A' + 'a') : c; }
char upper(char c) { return (c >= 'a' && c <= 'z') ? static_cast<char>(c - 'a' + 'A') : c; }
bool is_digit(char c) { return c >= '0' && c <= '9'; }
bool is_letter(char c) { return lower(c) >= 'a' && lower(c) <= 'z'; }

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

bool is_leap(int32_t y) { return (y % 4 == 0 && y % 100 != 0) || y % 400 == 0; }

int32_t days_in_month(int32_t y, int32_t m) {
  constexpr std::array<int32_t, 12> days = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
  return (m == 2 && is_leap(y)) ? 29 : days[static_cast<std::size_t>(m - 1)];
}

/// A local date as one comparable number: YYYYMMDD.
int64_t date_key(int64_t year, int64_t month, int64_t day) { return year * 10'000 + month * 100 + day; }

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

struct compiled_exception {
  std::string date;
  bool closed = true;
  int32_t open_minute = 0;
  int32_t close_minute = 0;
  std::string note;
};

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
        std::string text = e.note.empty() ? "closed: exception " + e.date : "closed: " + e.note + " (" + e.date;
        if (!e.closed) {
          text += e.note.empty() ? " (" : ", ";
          text += "open " + hhmm(e.open_minute) + "-" + hhmm(e.close_minute) + "; now " + hhmm(minute) + " " +
                  zone.name() + ")";
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
      *why = "closed: outside business hours (" + std::string(day_labels[day]) + " " + hhmm(minute) + " " +
             zone.name() + ")";
    return false;
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
    if (!state.empty() && std::find(excluded_states.begin(), excluded_states.end(), state) != excluded_states.end())
      return "state " + facts.caller_state + " excluded";

    const std::string& code = facts.area_code;
    if (!area_codes.empty()) {
      if (code.empty()) return "area code unknown, buyer targets area codes";
      if (std::find(area_codes.begin(), area_codes.end(), code) == area_codes.end())
        return "area code " + code + " not targeted";
    }
    if (!code.empty() &&
        std::find(excluded_area_codes.begin(), excluded_area_codes.end(), code) != excluded_area_codes.end())
      return "area code " + code + " excluded";

    const std::size_t day = (m.weekday + 1) % 7; // ISO Monday = 0 -> Sunday = 0
    for (std::size_t i = 0; i < rules.size(); ++i) {
      std::string failed = rules[i].check(i, facts, m.minute_of_day, day);
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
  return where + ": " + std::to_string(v) + " not in " + std::to_string(lo) + ".." + std::to_string(hi);
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
      for (int32_t m = w.open_minute; m < end_today; ++m) c->weekly[today].set(static_cast<std::size_t>(m));
      if (overnight)
        for (int32_t m = 0; m < w.close_minute; ++m) c->weekly[tomorrow].set(static_cast<std::size_t>(m));
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
        fail(error, where + ": close_minute " + std::to_string(e.close_minute) + " not after open_minute " +
                      std::to_string(e.open_minute));
        return std::nullopt;
      }
    }
    c->exceptions.emplace(*key, compiled_exception{e.date, e.closed, e.open_minute, e.close_minute, e.note});
  }

  // Targeting lists.
  const targeting& t = buyer.target;
  c->verticals = t.verticals;
  const auto states = [error](const std::vector<std::string>& in, std::string_view name,
                              std::vector<std::string>& out) {
    for (std::size_t i = 0; i < in.size(); ++i) {
      const std::string& s = in[i];
      if (s.size() != 2 || !is_letter(s[0]) || !is_letter(s[1]))
        return fail(error, "target." + std::string(name) + "[" + std::to_string(i) + "]: " + quoted(s) +
                             " is not a two-letter code");
      out.push_back(to_upper(s));
    }
    return true;
  };
  const auto codes = [error](const std::vector<std::string>& in, std::string_view name, std::vector<std::string>& out) {
    for (std::size_t i = 0; i < in.size(); ++i) {
      const std::string& s = in[i];
      if (s.size() != 3 || !std::all_of(s.begin(), s.end(), is_digit))
        return fail(error, "target." + std::string(name) + "[" + std::to_string(i) + "]: " + quoted(s) +
                             " is not a three-digit area code");
      out.push_back(s);
    }
    return true;
  };
  if (!states(t.states, "states", c->states) || !states(t.excluded_states, "excluded_states", c->excluded_states) ||
      !codes(t.area_codes, "area_codes", c->area_codes) ||
      !codes(t.excluded_area_codes, "excluded_area_codes", c->excluded_area_codes))
    return std::nullopt;

  // Rules.
  compiled_rules rules = compile_rules(t.rules);
  if (const rule_error* fatal = rules.first_fatal()) {
    fail(error, to_string(*fatal));
    return std::nullopt;
  }
  c->rules = std::move(rules.rules);

  if (error != nullptr) error->clear();
  return buyer_filter{std::move(c)};
}

bool buyer_filter::open_at(timestamp_us now, std::string* why) const { return c_->open(c_->zone.local(now), why); }

std::string buyer_filter::check(const call_facts& facts, timestamp_us now) const { return c_->check(facts, now); }

} // namespace ringbid
