#include "actors/core/cap_window.hpp"

// Debian's libdate-tz is built to read the system zoneinfo (USE_OS_TZDB=1),
// which changes date::time_zone's layout, so these must match the library's
// build; CMake's date::date-tz target passes the same definitions.
#ifndef USE_OS_TZDB
#define USE_OS_TZDB 1
#endif
#ifndef HAS_STRING_VIEW
#define HAS_STRING_VIEW 1
#endif
#ifndef ONLY_C_LOCALE
#define ONLY_C_LOCALE 1
#endif
#include <date/date.h>
#include <date/tz.h>

#include <algorithm>
#include <chrono>
#include <exception>
#include <limits>

namespace ringbid {

namespace {

constexpr int64_t s_per_min = 60;
constexpr int64_t s_per_hour = 3600;
constexpr int64_t s_per_day = 86400;

// Supported instants: [0001-01-01, 10000-01-01) UTC. The tz database is never
// asked about times much beyond that (date's years stop at +-32767).
constexpr int64_t min_supported_s = -62135596800;
constexpr int64_t max_supported_s = 253402300800;
constexpr int64_t lookup_margin_s = 400 * s_per_day;

// UTC is one endless period; 2^62 leaves room for offset arithmetic.
constexpr int64_t endless_s = int64_t{1} << 62;

constexpr int64_t floor_div(int64_t a, int64_t b) {
  const int64_t q = a / b;
  return (a % b != 0 && (a < 0) != (b < 0)) ? q - 1 : q;
}

constexpr int64_t floor_mod(int64_t a, int64_t b) { return a - floor_div(a, b) * b; }

// Howard Hinnant's days_from_civil / civil_from_days (proleptic Gregorian,
// days since 1970-01-01), in 64 bits so no year can overflow.
constexpr int64_t days_from_civil(int64_t y, int64_t m, int64_t d) {
  y -= m <= 2 ? 1 : 0;
  const int64_t era = floor_div(y, 400);
  const int64_t yoe = y - era * 400;
  const int64_t doy = (153 * ((m + 9) % 12) + 2) / 5 + d - 1; // March = month 0
  const int64_t doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
  return era * 146097 + doe - 719468;
}

struct civil_date {
  int64_t year = 0;
  int64_t month = 0;
  int64_t day = 0;
};

constexpr civil_date civil_from_days(int64_t z) {
  z += 719468;
  const int64_t era = floor_div(z, 146097);
  const int64_t doe = z - era * 146097;
  const int64_t yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
  const int64_t doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
  const int64_t mp = (5 * doy + 2) / 153;
  const int64_t m = mp < 10 ? mp + 3 : mp - 9;
  return {yoe + era * 400 + (m <= 2 ? 1 : 0), m, doy - (153 * mp + 2) / 5 + 1};
}

// 1970-01-01 was a Thursday: ISO weekday 3 when Monday = 0.
constexpr int64_t weekday_of(int64_t days) { return floor_mod(days + 3, 7); }

// The first day of the month `months` after the one containing `days`.
constexpr int64_t month_start(int64_t days, int64_t months) {
  const civil_date c = civil_from_days(days);
  const int64_t index = c.year * 12 + (c.month - 1) + months;
  return days_from_civil(floor_div(index, 12), floor_mod(index, 12) + 1, 1);
}

static_assert(days_from_civil(1970, 1, 1) == 0);
static_assert(days_from_civil(2000, 3, 1) == 11017);
static_assert(civil_from_days(-1).year == 1969 && civil_from_days(-1).day == 31);
static_assert(days_from_civil(1, 1, 1) * s_per_day == min_supported_s);
static_assert(days_from_civil(10000, 1, 1) * s_per_day == max_supported_s);

constexpr timestamp_us to_us(int64_t s) {
  constexpr int64_t limit = std::numeric_limits<int64_t>::max() / us_per_s;
  if (s > limit) return std::numeric_limits<timestamp_us>::max();
  if (s < -limit) return std::numeric_limits<timestamp_us>::min();
  return s * us_per_s;
}

constexpr int64_t count(date::sys_seconds s) { return static_cast<int64_t>(s.time_since_epoch().count()); }

// A stretch of time with one UTC offset; all in seconds.
struct period {
  int64_t begin = 0;
  int64_t end = 0;
  int64_t offset = 0;
};

// Window bounds in UTC seconds: every boundary is a whole second (local
// boundaries are whole minutes, offsets and transitions whole seconds).
struct span_s {
  int64_t start = 0;
  int64_t end = 0;
};

class zone_rules {
public:
  explicit zone_rules(const void* tz) : tz_(static_cast<const date::time_zone*>(tz)) {}

  period at(int64_t utc_s) const {
    if (tz_ == nullptr) return {-endless_s, endless_s, 0};
    const int64_t s = std::clamp(utc_s, min_supported_s - lookup_margin_s, max_supported_s + lookup_margin_s);
    const date::sys_info i = tz_->get_info(date::sys_seconds{std::chrono::seconds{s}});
    return {count(i.begin), count(i.end), static_cast<int64_t>(i.offset.count())};
  }

  /// The first instant whose local wall clock reads `local_s`: the gap's end if
  /// it falls in a spring-forward gap, the earlier one if it occurs twice.
  int64_t first_instant(int64_t local_s, const period& hint) const {
    // Fast path: inside `hint` and over a day past its start, no earlier
    // period can also show this local time (offsets change by hours at most).
    const int64_t u = local_s - hint.offset;
    if (u >= hint.begin + s_per_day && u < hint.end) return u;
    if (tz_ == nullptr) return local_s;
    const int64_t l = std::clamp(local_s, min_supported_s - lookup_margin_s, max_supported_s + lookup_margin_s);
    const date::local_info i = tz_->get_info(date::local_seconds{std::chrono::seconds{l}});
    if (i.result == date::local_info::nonexistent) return count(i.second.begin);
    return local_s - static_cast<int64_t>(i.first.offset.count());
  }

  span_s span(window_kind kind, int64_t ts) const {
    const period p = at(ts);
    const int64_t local_s = ts + p.offset;
    if (kind == window_kind::hour) {
      const int64_t start = floor_div(local_s, s_per_hour) * s_per_hour - p.offset;
      return {clip_start(start, p), clip_end(start + s_per_hour, p)};
    }
    // Day/week/month: [first instant of unit a, first instant of unit b), in
    // days since the epoch, local.
    const int64_t today = floor_div(local_s, s_per_day);
    int64_t a = today;
    if (kind == window_kind::week) a = today - weekday_of(today);
    if (kind == window_kind::month) a = month_start(today, 0);
    const auto shift = [kind](int64_t d, int64_t n) {
      if (kind == window_kind::week) return d + 7 * n;
      if (kind == window_kind::month) return month_start(d, n);
      return d + n;
    };
    int64_t b = shift(a, 1);
    int64_t start = first_instant(a * s_per_day, p);
    int64_t end = first_instant(b * s_per_day, p);
    // Only a clock set back across midnight (say 00:30 -> 23:30) puts t
    // outside the unit of its own local date: step to the unit that holds it.
    while (ts >= end) {
      a = b;
      b = shift(b, 1);
      start = end;
      end = first_instant(b * s_per_day, p);
    }
    while (ts < start) {
      b = a;
      a = shift(a, -1);
      end = start;
      start = first_instant(a * s_per_day, p);
    }
    return {start, end};
  }

private:
  // An hour window stops at a change of UTC offset; periods that differ only
  // in name or DST flag, not in offset, are looked through.
  int64_t clip_start(int64_t start, const period& p) const {
    int64_t begin = p.begin;
    while (start < begin) {
      const period q = at(begin - 1);
      if (q.offset != p.offset || q.begin >= begin) return begin;
      begin = q.begin;
    }
    return start;
  }

  int64_t clip_end(int64_t end, const period& p) const {
    int64_t stop = p.end;
    while (end > stop) {
      const period q = at(stop);
      if (q.offset != p.offset || q.end <= stop) return stop;
      stop = q.end;
    }
    return end;
  }

  const date::time_zone* tz_;
};

window_span to_window(span_s s) { return {to_us(s.start), to_us(s.end)}; }

} // namespace

std::string_view to_string(window_kind k) noexcept {
  switch (k) {
    case window_kind::hour: return "hour";
    case window_kind::day: return "day";
    case window_kind::week: return "week";
    case window_kind::month: return "month";
    case window_kind::lifetime: return "lifetime";
  }
  return "unknown";
}

std::optional<window_kind> window_kind_from_string(std::string_view s) noexcept {
  for (const window_kind k :
       {window_kind::hour, window_kind::day, window_kind::week, window_kind::month, window_kind::lifetime})
    if (s == to_string(k)) return k;
  return std::nullopt;
}

std::optional<calendar_zone> calendar_zone::find(std::string_view iana_name) {
  if (iana_name == "UTC" || iana_name == "Etc/UTC") return calendar_zone{std::string(iana_name), nullptr};
  try {
    const date::time_zone* tz = date::locate_zone(iana_name);
    return calendar_zone{std::string(iana_name), tz};
  } catch (const std::exception&) {
    // Unknown name, or no readable tz database at all.
    return std::nullopt;
  }
}

calendar_zone calendar_zone::utc() { return calendar_zone{"UTC", nullptr}; }

window_span calendar_zone::window_at(window_kind kind, timestamp_us t) const {
  constexpr window_span everything{std::numeric_limits<timestamp_us>::min(), std::numeric_limits<timestamp_us>::max()};
  if (kind != window_kind::hour && kind != window_kind::day && kind != window_kind::week && kind != window_kind::month)
    return everything; // lifetime
  const zone_rules rules{tz_};
  const int64_t ts = floor_div(t, us_per_s);
  // Outside the supported years the outermost windows stretch to the ends of
  // the time line, so windows still partition it.
  if (ts < min_supported_s) {
    const span_s first = rules.span(kind, min_supported_s);
    if (ts >= first.start) return to_window(first);
    return {everything.start, to_us(first.start)};
  }
  if (ts >= max_supported_s) {
    const span_s last = rules.span(kind, max_supported_s - 1);
    if (ts < last.end) return to_window(last);
    return {to_us(last.end), everything.end};
  }
  return to_window(rules.span(kind, ts));
}

local_moment calendar_zone::local(timestamp_us t) const {
  const int64_t ts = floor_div(t, us_per_s);
  const period p = zone_rules{tz_}.at(ts);
  const int64_t local_s = ts + p.offset;
  const int64_t days = floor_div(local_s, s_per_day);
  const civil_date c = civil_from_days(days);
  local_moment m;
  m.year = static_cast<int32_t>(c.year);
  m.month = static_cast<uint32_t>(c.month);
  m.day = static_cast<uint32_t>(c.day);
  m.weekday = static_cast<uint32_t>(weekday_of(days));
  m.minute_of_day = static_cast<int32_t>(floor_mod(local_s, s_per_day) / s_per_min);
  m.utc_offset_s = static_cast<int32_t>(p.offset);
  return m;
}

timestamp_us calendar_zone::instant_of(int32_t year, uint32_t month, uint32_t day, int32_t minute_of_day) const {
  const int64_t index = int64_t{year} * 12 + (int64_t{month} - 1);
  const int64_t days = days_from_civil(floor_div(index, 12), floor_mod(index, 12) + 1, 1) + int64_t{day} - 1;
  const int64_t local_s = days * s_per_day + int64_t{minute_of_day} * s_per_min;
  return to_us(zone_rules{tz_}.first_instant(local_s, period{}));
}

} // namespace ringbid
