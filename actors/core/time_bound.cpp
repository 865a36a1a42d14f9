#include "actors/core/time_bound.hpp"

#include <chrono>

namespace ringbid {

namespace {

/// `count` decimal digits at `pos`, or -1.
int digits_at(std::string_view text, size_t pos, size_t count) {
  if (pos + count > text.size()) return -1;
  int value = 0;
  for (size_t i = pos; i < pos + count; ++i) {
    if (text[i] < '0' || text[i] > '9') return -1;
    value = value * 10 + (text[i] - '0');
  }
  return value;
}

/// The first microsecond of the UTC day `YYYY-MM-DD` at the start of `text`.
std::optional<timestamp_us> parse_day(std::string_view text) {
  using namespace std::chrono;
  if (text.size() < 10 || text[4] != '-' || text[7] != '-') return std::nullopt;
  int y = digits_at(text, 0, 4), m = digits_at(text, 5, 2), d = digits_at(text, 8, 2);
  if (y < 0 || m < 0 || d < 0) return std::nullopt;
  year_month_day ymd{year{y}, month{static_cast<unsigned>(m)}, day{static_cast<unsigned>(d)}};
  if (!ymd.ok()) return std::nullopt;
  return duration_cast<microseconds>(sys_days{ymd}.time_since_epoch()).count();
}

constexpr int64_t us_per_day = 86'400 * us_per_s;

/// Non-negative `v` rounded up to a multiple of `m`, divided by `m`.
int64_t div_ceil(int64_t v, int64_t m) { return v / m + (v % m != 0 ? 1 : 0); }

} // namespace

std::optional<timestamp_us> parse_time_bound(std::string_view text, bool upper) {
  auto day = parse_day(text);
  if (!day) return std::nullopt;
  if (text.size() == 10) return upper ? *day + us_per_day : *day;
  // An instant: THH:MM[:SS[.fraction]] then Z or ±HH:MM (or ±HHMM).
  if (text[10] != 'T' && text[10] != 't') return std::nullopt;
  size_t pos = 11;
  int hh = digits_at(text, pos, 2);
  if (hh < 0 || hh > 23 || pos + 2 >= text.size() || text[pos + 2] != ':') return std::nullopt;
  int mm = digits_at(text, pos + 3, 2);
  if (mm < 0 || mm > 59) return std::nullopt;
  pos += 5;
  int ss = 0;
  int64_t fraction_ns = 0;
  if (pos < text.size() && text[pos] == ':') {
    ss = digits_at(text, pos + 1, 2);
    if (ss < 0 || ss > 59) return std::nullopt;
    pos += 3;
    if (pos < text.size() && (text[pos] == '.' || text[pos] == ',')) {
      ++pos;
      size_t n = 0;
      int64_t scale = 100'000'000;
      while (pos < text.size() && text[pos] >= '0' && text[pos] <= '9') {
        if (++n > 9) return std::nullopt; // finer than nanoseconds
        fraction_ns += (text[pos] - '0') * scale;
        scale /= 10;
        ++pos;
      }
      if (n == 0) return std::nullopt;
    }
  }
  if (pos >= text.size()) return std::nullopt; // no zone: ambiguous
  int64_t offset_s = 0;
  if (text[pos] == 'Z' || text[pos] == 'z') {
    ++pos;
  } else if (text[pos] == '+' || text[pos] == '-') {
    int sign = text[pos] == '-' ? -1 : 1;
    int oh = digits_at(text, pos + 1, 2);
    size_t minutes_at = pos + 3 < text.size() && text[pos + 3] == ':' ? pos + 4 : pos + 3;
    int om = digits_at(text, minutes_at, 2);
    if (oh < 0 || oh > 23 || om < 0 || om > 59) return std::nullopt;
    offset_s = sign * (oh * 3600 + om * 60);
    pos = minutes_at + 2;
  } else {
    return std::nullopt;
  }
  if (pos != text.size()) return std::nullopt;
  // 2026-11-21T14:00:00+02:00 is 12:00 UTC. A fraction finer than a
  // microsecond rounds up: started_at (whole µs) >= t and < t both mean
  // started_at >= or < ceil(t).
  int64_t seconds = int64_t{hh} * 3600 + mm * 60 + ss - offset_s;
  return *day + seconds * us_per_s + div_ceil(fraction_ns, 1000);
}

} // namespace ringbid
