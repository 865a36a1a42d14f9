// Calendar windows in IANA zones. Expected instants are computed by hand from
// the zones' published rules (noted next to each case) and written as UTC.

#include "actors/core/cap_window.hpp"

#include <gtest/gtest.h>

#include <cstdint>
#include <limits>
#include <ostream>
#include <random>
#include <string>
#include <vector>

namespace ringbid {

namespace {

constexpr int64_t sec = us_per_s;
constexpr int64_t minute = 60 * sec;
constexpr int64_t hour = 60 * minute;
constexpr int64_t day = 24 * hour;
constexpr timestamp_us min_us = std::numeric_limits<timestamp_us>::min();
constexpr timestamp_us max_us = std::numeric_limits<timestamp_us>::max();

// Days since 1970-01-01 of a proleptic Gregorian date (checked against known
// epoch seconds below, independently of the code under test).
constexpr int64_t days_since_epoch(int64_t y, int64_t m, int64_t d) {
  // Count from 0000-03-01 so leap days fall at the end of a year.
  if (m <= 2) {
    y -= 1;
    m += 12;
  }
  const int64_t shifted_days = 365 * y + y / 4 - y / 100 + y / 400 + (153 * (m - 3) + 2) / 5 + d - 1;
  return shifted_days - 719468; // 1970-01-01 counted the same way
}

/// A UTC instant, spelled as a calendar date and time.
constexpr timestamp_us utc(int64_t y, int64_t m, int64_t d, int64_t hh = 0, int64_t mm = 0, int64_t ss = 0) {
  return days_since_epoch(y, m, d) * day + hh * hour + mm * minute + ss * sec;
}

static_assert(utc(1970, 1, 1) == 0);
static_assert(utc(2026, 1, 1) == int64_t{1767225600} * sec);
static_assert(utc(2000, 3, 1) == int64_t{951868800} * sec);
static_assert(utc(2024, 2, 29) == int64_t{1709164800} * sec);
static_assert(utc(1, 1, 1) == int64_t{-62135596800} * sec);
static_assert(utc(9999, 12, 31) == int64_t{253402214400} * sec);

constexpr window_span span(timestamp_us start, timestamp_us end) { return {start, end}; }

calendar_zone zone(const char* name) {
  // .value() throws (failing the test) if the zone is missing.
  return calendar_zone::find(name).value();
}

} // namespace

// Readable failure messages: raw numbers plus the UTC date-times.
void PrintTo(const window_span& w, std::ostream* os) {
  const auto civil = [](timestamp_us t) {
    if (t == min_us) return std::string("-inf");
    if (t == max_us) return std::string("+inf");
    const local_moment m = calendar_zone::utc().local(t);
    return std::to_string(m.year) + "-" + std::to_string(m.month) + "-" + std::to_string(m.day) + " " +
           std::to_string(m.minute_of_day / 60) + ":" + std::to_string(m.minute_of_day % 60) + "Z";
  };
  *os << "[" << w.start << " (" << civil(w.start) << "), " << w.end << " (" << civil(w.end) << "))";
}

// --- names ----------------------------------------------------------------

TEST(window_kind, round_trips_through_strings) {
  for (const window_kind k :
       {window_kind::hour, window_kind::day, window_kind::week, window_kind::month, window_kind::lifetime})
    EXPECT_EQ(window_kind_from_string(to_string(k)), k);
  EXPECT_EQ(to_string(window_kind::hour), "hour");
  EXPECT_EQ(to_string(window_kind::day), "day");
  EXPECT_EQ(to_string(window_kind::week), "week");
  EXPECT_EQ(to_string(window_kind::month), "month");
  EXPECT_EQ(to_string(window_kind::lifetime), "lifetime");
  EXPECT_EQ(window_kind_from_string(""), std::nullopt);
  EXPECT_EQ(window_kind_from_string("Hour"), std::nullopt);
  EXPECT_EQ(window_kind_from_string("days"), std::nullopt);
  EXPECT_EQ(window_kind_from_string("year"), std::nullopt);
}

TEST(calendar_zone, finds_known_zones_and_rejects_unknown_ones) {
  EXPECT_EQ(calendar_zone::find("Nope/Zone"), std::nullopt);
  EXPECT_EQ(calendar_zone::find("America/Nowhere"), std::nullopt);
  EXPECT_EQ(calendar_zone::find(""), std::nullopt);
  EXPECT_EQ(calendar_zone::find("../../etc/passwd"), std::nullopt);
  EXPECT_EQ(calendar_zone::find("UTC+5"), std::nullopt);

  ASSERT_TRUE(calendar_zone::find("UTC"));
  EXPECT_EQ(calendar_zone::find("UTC")->name(), "UTC");
  ASSERT_TRUE(calendar_zone::find("Etc/UTC"));
  EXPECT_EQ(calendar_zone::find("Etc/UTC")->name(), "Etc/UTC");
  EXPECT_EQ(calendar_zone::utc().name(), "UTC");
  ASSERT_TRUE(calendar_zone::find("America/New_York"));
  EXPECT_EQ(calendar_zone::find("America/New_York")->name(), "America/New_York");

  // UTC spelled either way is the same calendar.
  const timestamp_us t = utc(2026, 5, 17, 13, 45, 12) + 345;
  for (const window_kind k :
       {window_kind::hour, window_kind::day, window_kind::week, window_kind::month, window_kind::lifetime})
    EXPECT_EQ(zone("Etc/UTC").window_at(k, t), calendar_zone::utc().window_at(k, t));
}

// --- UTC ------------------------------------------------------------------

TEST(utc_windows, hour) {
  const calendar_zone z = calendar_zone::utc();
  const timestamp_us t = utc(2026, 3, 15, 12, 34, 56) + 789'123;
  EXPECT_EQ(z.window_at(window_kind::hour, t), span(utc(2026, 3, 15, 12), utc(2026, 3, 15, 13)));
  // Exactly on a boundary belongs to the new window; 1 us before to the old.
  EXPECT_EQ(z.window_at(window_kind::hour, utc(2026, 3, 15, 13)), span(utc(2026, 3, 15, 13), utc(2026, 3, 15, 14)));
  EXPECT_EQ(z.window_at(window_kind::hour, utc(2026, 3, 15, 13) - 1), span(utc(2026, 3, 15, 12), utc(2026, 3, 15, 13)));
  // Midnight rolls over to the next day.
  EXPECT_EQ(z.window_at(window_kind::hour, utc(2026, 12, 31, 23, 59, 59)),
            span(utc(2026, 12, 31, 23), utc(2027, 1, 1)));
  // Before the epoch (negative instants round down, not toward zero).
  EXPECT_EQ(z.window_at(window_kind::hour, -1), span(-hour, 0));
  EXPECT_EQ(z.window_at(window_kind::hour, 0), span(0, hour));
  EXPECT_EQ(z.window_at(window_kind::hour, -hour), span(-hour, 0));
  EXPECT_EQ(z.window_at(window_kind::hour, -hour - 1), span(-2 * hour, -hour));
}

TEST(utc_windows, day) {
  const calendar_zone z = calendar_zone::utc();
  EXPECT_EQ(z.window_at(window_kind::day, utc(2026, 3, 15, 12, 34, 56)), span(utc(2026, 3, 15), utc(2026, 3, 16)));
  EXPECT_EQ(z.window_at(window_kind::day, utc(2026, 3, 16)), span(utc(2026, 3, 16), utc(2026, 3, 17)));
  EXPECT_EQ(z.window_at(window_kind::day, utc(2026, 3, 16) - 1), span(utc(2026, 3, 15), utc(2026, 3, 16)));
  EXPECT_EQ(z.window_at(window_kind::day, utc(2024, 2, 29, 23, 59, 59)), span(utc(2024, 2, 29), utc(2024, 3, 1)));
  EXPECT_EQ(z.window_at(window_kind::day, utc(2026, 12, 31, 23, 59, 59) + 999'999),
            span(utc(2026, 12, 31), utc(2027, 1, 1)));
  EXPECT_EQ(z.window_at(window_kind::day, -1), span(-day, 0));
  EXPECT_EQ(z.window_at(window_kind::day, 0), span(0, day));
}

TEST(utc_windows, week_starts_on_monday) {
  const calendar_zone z = calendar_zone::utc();
  // 2026-03-15 is a Sunday: its last microsecond is still in the week of Mon 03-09.
  EXPECT_EQ(z.window_at(window_kind::week, utc(2026, 3, 16) - 1), span(utc(2026, 3, 9), utc(2026, 3, 16)));
  EXPECT_EQ(z.window_at(window_kind::week, utc(2026, 3, 16)), span(utc(2026, 3, 16), utc(2026, 3, 23)));
  EXPECT_EQ(z.window_at(window_kind::week, utc(2026, 3, 18, 9)), span(utc(2026, 3, 16), utc(2026, 3, 23)));
  // Across a year end: Thu 2026-12-31 is in the week Mon 12-28 .. Mon 2027-01-04.
  EXPECT_EQ(z.window_at(window_kind::week, utc(2026, 12, 31, 12)), span(utc(2026, 12, 28), utc(2027, 1, 4)));
  EXPECT_EQ(z.window_at(window_kind::week, utc(2027, 1, 3, 23)), span(utc(2026, 12, 28), utc(2027, 1, 4)));
  // The epoch was a Thursday.
  EXPECT_EQ(z.window_at(window_kind::week, 0), span(utc(1969, 12, 29), utc(1970, 1, 5)));
  EXPECT_EQ(z.window_at(window_kind::week, -1), span(utc(1969, 12, 29), utc(1970, 1, 5)));
  EXPECT_EQ(z.window_at(window_kind::week, utc(1969, 12, 25, 12)), span(utc(1969, 12, 22), utc(1969, 12, 29)));
  EXPECT_EQ(z.window_at(window_kind::week, utc(1900, 1, 7, 23)), span(utc(1900, 1, 1), utc(1900, 1, 8)));
}

TEST(utc_windows, month) {
  const calendar_zone z = calendar_zone::utc();
  // February: leap (2024, 2000) and not (2026, 2100).
  const timestamp_us end_of_feb_2024 = utc(2024, 3, 1) - 1;
  EXPECT_EQ(z.window_at(window_kind::month, end_of_feb_2024), span(utc(2024, 2, 1), utc(2024, 3, 1)));
  EXPECT_EQ(utc(2024, 3, 1) - utc(2024, 2, 1), 29 * day);
  EXPECT_EQ(z.window_at(window_kind::month, utc(2024, 3, 1)), span(utc(2024, 3, 1), utc(2024, 4, 1)));
  EXPECT_EQ(z.window_at(window_kind::month, utc(2026, 2, 28, 23)), span(utc(2026, 2, 1), utc(2026, 3, 1)));
  EXPECT_EQ(utc(2026, 3, 1) - utc(2026, 2, 1), 28 * day);
  EXPECT_EQ(z.window_at(window_kind::month, utc(2000, 2, 29)), span(utc(2000, 2, 1), utc(2000, 3, 1)));
  EXPECT_EQ(utc(2000, 3, 1) - utc(2000, 2, 1), 29 * day);
  EXPECT_EQ(z.window_at(window_kind::month, utc(2100, 2, 15)), span(utc(2100, 2, 1), utc(2100, 3, 1)));
  EXPECT_EQ(utc(2100, 3, 1) - utc(2100, 2, 1), 28 * day);
  // December -> January changes the year.
  EXPECT_EQ(z.window_at(window_kind::month, utc(2026, 12, 15)), span(utc(2026, 12, 1), utc(2027, 1, 1)));
  EXPECT_EQ(z.window_at(window_kind::month, utc(2027, 1, 1) - 1), span(utc(2026, 12, 1), utc(2027, 1, 1)));
  EXPECT_EQ(z.window_at(window_kind::month, utc(2027, 1, 1)), span(utc(2027, 1, 1), utc(2027, 2, 1)));
  EXPECT_EQ(z.window_at(window_kind::month, utc(2026, 12, 1)), span(utc(2026, 12, 1), utc(2027, 1, 1)));
  // 30- and 31-day months.
  EXPECT_EQ(z.window_at(window_kind::month, utc(2026, 4, 30, 23)), span(utc(2026, 4, 1), utc(2026, 5, 1)));
  EXPECT_EQ(z.window_at(window_kind::month, utc(2026, 1, 31, 23)), span(utc(2026, 1, 1), utc(2026, 2, 1)));
  EXPECT_EQ(z.window_at(window_kind::month, -1), span(utc(1969, 12, 1), 0));
}

TEST(utc_windows, lifetime_is_everything) {
  const window_span all = span(min_us, max_us);
  for (const char* name : {"UTC", "America/New_York", "Asia/Kolkata"})
    for (const timestamp_us t : {min_us, int64_t{-1}, int64_t{0}, utc(2026, 3, 8, 7), max_us - 1})
      EXPECT_EQ(zone(name).window_at(window_kind::lifetime, t), all) << name << " " << t;
}

TEST(utc_windows, far_past_and_future_still_partition_the_time_line) {
  const calendar_zone z = calendar_zone::utc();
  // Supported years are 1..9999; the outermost windows reach the ends.
  EXPECT_EQ(z.window_at(window_kind::day, utc(1, 1, 1)), span(utc(1, 1, 1), utc(1, 1, 2)));
  EXPECT_EQ(z.window_at(window_kind::day, utc(1, 1, 1) - 1), span(min_us, utc(1, 1, 1)));
  EXPECT_EQ(z.window_at(window_kind::day, min_us), span(min_us, utc(1, 1, 1)));
  EXPECT_EQ(z.window_at(window_kind::day, utc(9999, 12, 31, 12)), span(utc(9999, 12, 31), utc(10000, 1, 1)));
  EXPECT_EQ(z.window_at(window_kind::day, utc(10000, 1, 1)), span(utc(10000, 1, 1), max_us));
  EXPECT_EQ(z.window_at(window_kind::month, max_us - 1), span(utc(10000, 1, 1), max_us));
  EXPECT_EQ(z.window_at(window_kind::hour, min_us), span(min_us, utc(1, 1, 1)));

  // West of UTC the last supported day runs past 10000-01-01 UTC.
  const calendar_zone ny = zone("America/New_York");
  EXPECT_EQ(ny.window_at(window_kind::day, utc(10000, 1, 1, 1)), span(utc(9999, 12, 31, 5), utc(10000, 1, 1, 5)));
  EXPECT_EQ(ny.window_at(window_kind::day, utc(10000, 1, 1, 5)), span(utc(10000, 1, 1, 5), max_us));
  for (const window_kind k : {window_kind::hour, window_kind::day, window_kind::week, window_kind::month}) {
    for (const calendar_zone& zz : {z, ny, zone("Asia/Tokyo")}) {
      const window_span first = zz.window_at(k, min_us);
      EXPECT_EQ(first.start, min_us);
      EXPECT_EQ(zz.window_at(k, first.end).start, first.end);
      EXPECT_EQ(zz.window_at(k, first.end - 1), first);
      const window_span last = zz.window_at(k, max_us - 1);
      EXPECT_EQ(last.end, max_us);
      EXPECT_EQ(zz.window_at(k, last.start - 1).end, last.start);
      EXPECT_EQ(zz.window_at(k, last.start), last);
    }
  }
}

// --- America/New_York -----------------------------------------------------
// EST = UTC-5, EDT = UTC-4. 2026-03-08 02:00 EST (07:00Z) -> 03:00 EDT;
// 2026-11-01 02:00 EDT (06:00Z) -> 01:00 EST.

TEST(new_york, spring_forward_day_is_23_hours) {
  const calendar_zone z = zone("America/New_York");
  const window_span d = span(utc(2026, 3, 8, 5), utc(2026, 3, 9, 4)); // 00:00 EST .. 00:00 EDT
  EXPECT_EQ(d.end - d.start, 23 * hour);
  for (const timestamp_us t : {d.start, utc(2026, 3, 8, 6, 59, 59), utc(2026, 3, 8, 7), utc(2026, 3, 8, 12), d.end - 1})
    EXPECT_EQ(z.window_at(window_kind::day, t), d) << t;
  EXPECT_EQ(z.window_at(window_kind::day, d.start - 1), span(utc(2026, 3, 7, 5), d.start));
  EXPECT_EQ(z.window_at(window_kind::day, d.end), span(d.end, utc(2026, 3, 10, 4)));
}

TEST(new_york, spring_forward_hours) {
  const calendar_zone z = zone("America/New_York");
  // 00:30 EST, 01:30 EST: ordinary hours.
  EXPECT_EQ(z.window_at(window_kind::hour, utc(2026, 3, 8, 5, 30)), span(utc(2026, 3, 8, 5), utc(2026, 3, 8, 6)));
  EXPECT_EQ(z.window_at(window_kind::hour, utc(2026, 3, 8, 6, 30)), span(utc(2026, 3, 8, 6), utc(2026, 3, 8, 7)));
  EXPECT_EQ(z.window_at(window_kind::hour, utc(2026, 3, 8, 7) - 1), span(utc(2026, 3, 8, 6), utc(2026, 3, 8, 7)));
  // The clock jumps 01:59:59 EST -> 03:00 EDT: the 01:xx hour ends at 07:00Z,
  // where 03:00 EDT begins (there is no 02:xx hour).
  EXPECT_EQ(z.window_at(window_kind::hour, utc(2026, 3, 8, 7)), span(utc(2026, 3, 8, 7), utc(2026, 3, 8, 8)));
  EXPECT_EQ(z.window_at(window_kind::hour, utc(2026, 3, 8, 7, 30)), span(utc(2026, 3, 8, 7), utc(2026, 3, 8, 8)));
  EXPECT_EQ(z.window_at(window_kind::hour, utc(2026, 3, 8, 8, 30)), span(utc(2026, 3, 8, 8), utc(2026, 3, 8, 9)));
}

TEST(new_york, fall_back_day_is_25_hours) {
  const calendar_zone z = zone("America/New_York");
  const window_span d = span(utc(2026, 11, 1, 4), utc(2026, 11, 2, 5)); // 00:00 EDT .. 00:00 EST
  EXPECT_EQ(d.end - d.start, 25 * hour);
  for (const timestamp_us t : {d.start, utc(2026, 11, 1, 5, 30), utc(2026, 11, 1, 6, 30), d.end - 1})
    EXPECT_EQ(z.window_at(window_kind::day, t), d) << t;
  EXPECT_EQ(z.window_at(window_kind::day, d.start - 1), span(utc(2026, 10, 31, 4), d.start));
  EXPECT_EQ(z.window_at(window_kind::day, d.end), span(d.end, utc(2026, 11, 3, 5)));
}

TEST(new_york, fall_back_repeated_hour_is_two_windows) {
  const calendar_zone z = zone("America/New_York");
  const window_span h0 = z.window_at(window_kind::hour, utc(2026, 11, 1, 4, 30));     // 00:30 EDT
  const window_span h1_edt = z.window_at(window_kind::hour, utc(2026, 11, 1, 5, 30)); // 01:30 EDT
  const window_span h1_est = z.window_at(window_kind::hour, utc(2026, 11, 1, 6, 30)); // 01:30 EST
  const window_span h2 = z.window_at(window_kind::hour, utc(2026, 11, 1, 7, 30));     // 02:30 EST
  EXPECT_EQ(h0, span(utc(2026, 11, 1, 4), utc(2026, 11, 1, 5)));
  EXPECT_EQ(h1_edt, span(utc(2026, 11, 1, 5), utc(2026, 11, 1, 6)));
  EXPECT_EQ(h1_est, span(utc(2026, 11, 1, 6), utc(2026, 11, 1, 7)));
  EXPECT_EQ(h2, span(utc(2026, 11, 1, 7), utc(2026, 11, 1, 8)));
  EXPECT_NE(h1_edt.start, h1_est.start);
  EXPECT_EQ(h0.end, h1_edt.start);
  EXPECT_EQ(h1_edt.end, h1_est.start);
  EXPECT_EQ(h1_est.end, h2.start);
  // Both read 01:30 on the wall clock.
  EXPECT_EQ(z.local(utc(2026, 11, 1, 5, 30)).minute_of_day, 90);
  EXPECT_EQ(z.local(utc(2026, 11, 1, 6, 30)).minute_of_day, 90);
  EXPECT_EQ(z.window_at(window_kind::hour, utc(2026, 11, 1, 6) - 1), h1_edt);
  EXPECT_EQ(z.window_at(window_kind::hour, utc(2026, 11, 1, 6)), h1_est);
}

TEST(new_york, week_and_month_across_dst) {
  const calendar_zone z = zone("America/New_York");
  // Sun 2026-03-08 is the last day of the week Mon 03-02 00:00 EST .. Mon 03-09 00:00 EDT.
  const window_span w = span(utc(2026, 3, 2, 5), utc(2026, 3, 9, 4));
  EXPECT_EQ(w.end - w.start, 7 * day - hour);
  EXPECT_EQ(z.window_at(window_kind::week, utc(2026, 3, 8, 12)), w);
  EXPECT_EQ(z.window_at(window_kind::week, utc(2026, 3, 2, 5)), w);
  EXPECT_EQ(z.window_at(window_kind::week, utc(2026, 3, 2, 5) - 1), span(utc(2026, 2, 23, 5), w.start));
  // Monday 00:00 local, not Monday 00:00 UTC: Mon 00:30Z is still Sunday evening in New York.
  EXPECT_EQ(z.window_at(window_kind::week, utc(2026, 3, 9, 0, 30)), w);
  EXPECT_EQ(z.window_at(window_kind::week, utc(2026, 3, 9, 4)), span(utc(2026, 3, 9, 4), utc(2026, 3, 16, 4)));

  // March: 00:00 EST on the 1st to 00:00 EDT on April 1st.
  const window_span march = span(utc(2026, 3, 1, 5), utc(2026, 4, 1, 4));
  EXPECT_EQ(z.window_at(window_kind::month, utc(2026, 3, 15)), march);
  // 2026-04-01 02:00Z is already April in UTC but still 22:00 on March 31st here.
  EXPECT_EQ(z.window_at(window_kind::month, utc(2026, 4, 1, 2)), march);
  const local_moment m = z.local(utc(2026, 4, 1, 2));
  EXPECT_EQ(m.month, 3u);
  EXPECT_EQ(m.day, 31u);
  EXPECT_EQ(m.minute_of_day, 22 * 60);
  EXPECT_EQ(z.window_at(window_kind::month, utc(2026, 4, 1, 4)), span(utc(2026, 4, 1, 4), utc(2026, 5, 1, 4)));
  EXPECT_EQ(z.window_at(window_kind::month, utc(2026, 11, 15)), span(utc(2026, 11, 1, 4), utc(2026, 12, 1, 5)));
}

TEST(new_york, local_and_instant_of) {
  const calendar_zone z = zone("America/New_York");
  const local_moment before = z.local(utc(2026, 3, 8, 7) - 1); // 01:59:59.999999 EST, Sunday
  EXPECT_EQ(before.year, 2026);
  EXPECT_EQ(before.month, 3u);
  EXPECT_EQ(before.day, 8u);
  EXPECT_EQ(before.weekday, 6u);
  EXPECT_EQ(before.minute_of_day, 119);
  EXPECT_EQ(before.utc_offset_s, -5 * 3600);
  const local_moment after = z.local(utc(2026, 3, 8, 7)); // 03:00 EDT
  EXPECT_EQ(after.day, 8u);
  EXPECT_EQ(after.weekday, 6u);
  EXPECT_EQ(after.minute_of_day, 180);
  EXPECT_EQ(after.utc_offset_s, -4 * 3600);

  // Normal.
  EXPECT_EQ(z.instant_of(2026, 7, 4, 12 * 60), utc(2026, 7, 4, 16));
  EXPECT_EQ(z.instant_of(2026, 1, 15, 9 * 60 + 30), utc(2026, 1, 15, 14, 30));
  EXPECT_EQ(z.instant_of(2026, 3, 8, 119), utc(2026, 3, 8, 6, 59));
  // Gap: 02:00..02:59 do not exist; all map to the gap's end, 03:00 EDT.
  EXPECT_EQ(z.instant_of(2026, 3, 8, 120), utc(2026, 3, 8, 7));
  EXPECT_EQ(z.instant_of(2026, 3, 8, 150), utc(2026, 3, 8, 7));
  EXPECT_EQ(z.instant_of(2026, 3, 8, 179), utc(2026, 3, 8, 7));
  EXPECT_EQ(z.instant_of(2026, 3, 8, 180), utc(2026, 3, 8, 7));
  EXPECT_EQ(z.instant_of(2026, 3, 8, 181), utc(2026, 3, 8, 7, 1));
  // Ambiguous: 01:00..01:59 happen twice; the earlier (EDT) one is chosen.
  EXPECT_EQ(z.instant_of(2026, 11, 1, 60), utc(2026, 11, 1, 5));
  EXPECT_EQ(z.instant_of(2026, 11, 1, 90), utc(2026, 11, 1, 5, 30));
  EXPECT_EQ(z.instant_of(2026, 11, 1, 120), utc(2026, 11, 1, 7)); // 02:00 EST
  EXPECT_EQ(z.instant_of(2026, 11, 1, 0), utc(2026, 11, 1, 4));

  // local() inverts instant_of() away from gaps and overlaps.
  const local_moment m = z.local(z.instant_of(2026, 7, 4, 725));
  EXPECT_EQ(m.year, 2026);
  EXPECT_EQ(m.month, 7u);
  EXPECT_EQ(m.day, 4u);
  EXPECT_EQ(m.minute_of_day, 725);
  EXPECT_EQ(m.weekday, 5u); // Saturday
}

// --- Europe/London --------------------------------------------------------
// GMT = UTC, BST = UTC+1. 2026-03-29 01:00Z (01:00 GMT -> 02:00 BST);
// 2026-10-25 01:00Z (02:00 BST -> 01:00 GMT).

TEST(london, dst_days_and_hours) {
  const calendar_zone z = zone("Europe/London");
  EXPECT_EQ(z.window_at(window_kind::day, utc(2026, 3, 29, 12)), span(utc(2026, 3, 29), utc(2026, 3, 29, 23)));
  EXPECT_EQ(z.window_at(window_kind::day, utc(2026, 3, 28, 12)), span(utc(2026, 3, 28), utc(2026, 3, 29)));
  EXPECT_EQ(z.window_at(window_kind::day, utc(2026, 3, 29, 23)), span(utc(2026, 3, 29, 23), utc(2026, 3, 30, 23)));
  EXPECT_EQ(z.window_at(window_kind::hour, utc(2026, 3, 29, 0, 30)), span(utc(2026, 3, 29), utc(2026, 3, 29, 1)));
  EXPECT_EQ(z.window_at(window_kind::hour, utc(2026, 3, 29, 1)), span(utc(2026, 3, 29, 1), utc(2026, 3, 29, 2)));

  EXPECT_EQ(z.window_at(window_kind::day, utc(2026, 10, 25, 12)), span(utc(2026, 10, 24, 23), utc(2026, 10, 26)));
  EXPECT_EQ(z.window_at(window_kind::day, utc(2026, 10, 24, 23) - 1),
            span(utc(2026, 10, 23, 23), utc(2026, 10, 24, 23)));
  EXPECT_EQ(z.window_at(window_kind::hour, utc(2026, 10, 25, 0, 30)), span(utc(2026, 10, 25), utc(2026, 10, 25, 1)));
  EXPECT_EQ(z.window_at(window_kind::hour, utc(2026, 10, 25, 1, 30)), span(utc(2026, 10, 25, 1), utc(2026, 10, 25, 2)));

  EXPECT_EQ(z.local(utc(2026, 3, 29, 1) - 1).utc_offset_s, 0);
  EXPECT_EQ(z.local(utc(2026, 3, 29, 1)).utc_offset_s, 3600);
  EXPECT_EQ(z.local(utc(2026, 3, 29, 1)).minute_of_day, 120);
  EXPECT_EQ(z.instant_of(2026, 3, 29, 90), utc(2026, 3, 29, 1));       // 01:30 does not exist
  EXPECT_EQ(z.instant_of(2026, 10, 25, 90), utc(2026, 10, 25, 0, 30)); // 01:30 BST, the earlier
  EXPECT_EQ(z.window_at(window_kind::month, utc(2026, 10, 31, 23, 30)),
            span(utc(2026, 10, 1) - hour, utc(2026, 11, 1)));
}

// --- Half-hour and quarter-hour offsets -----------------------------------

TEST(kolkata, hour_windows_start_at_half_past_utc) {
  const calendar_zone z = zone("Asia/Kolkata"); // UTC+05:30, no DST
  EXPECT_EQ(z.window_at(window_kind::hour, utc(2026, 6, 15, 10)),
            span(utc(2026, 6, 15, 9, 30), utc(2026, 6, 15, 10, 30)));
  EXPECT_EQ(z.window_at(window_kind::hour, utc(2026, 6, 15, 9, 30)),
            span(utc(2026, 6, 15, 9, 30), utc(2026, 6, 15, 10, 30)));
  EXPECT_EQ(z.window_at(window_kind::hour, utc(2026, 6, 15, 9, 30) - 1),
            span(utc(2026, 6, 15, 8, 30), utc(2026, 6, 15, 9, 30)));
  EXPECT_EQ(z.window_at(window_kind::day, utc(2026, 6, 15, 10)),
            span(utc(2026, 6, 14, 18, 30), utc(2026, 6, 15, 18, 30)));
  // Mon 2026-06-15 00:00 IST = Sun 18:30Z.
  EXPECT_EQ(z.window_at(window_kind::week, utc(2026, 6, 14, 18, 30)),
            span(utc(2026, 6, 14, 18, 30), utc(2026, 6, 21, 18, 30)));
  EXPECT_EQ(z.window_at(window_kind::week, utc(2026, 6, 14, 18, 30) - 1),
            span(utc(2026, 6, 7, 18, 30), utc(2026, 6, 14, 18, 30)));
  const local_moment m = z.local(utc(2026, 6, 15, 10));
  EXPECT_EQ(m.minute_of_day, 15 * 60 + 30);
  EXPECT_EQ(m.utc_offset_s, 5 * 3600 + 1800);
  EXPECT_EQ(m.weekday, 0u); // Monday
  EXPECT_EQ(z.instant_of(2026, 6, 15, 0), utc(2026, 6, 14, 18, 30));
}

TEST(kathmandu_and_chatham, quarter_hour_offsets) {
  const calendar_zone npt = zone("Asia/Kathmandu"); // UTC+05:45
  EXPECT_EQ(npt.window_at(window_kind::hour, utc(2026, 6, 15, 10)),
            span(utc(2026, 6, 15, 9, 15), utc(2026, 6, 15, 10, 15)));
  EXPECT_EQ(npt.window_at(window_kind::day, utc(2026, 6, 15, 10)),
            span(utc(2026, 6, 14, 18, 15), utc(2026, 6, 15, 18, 15)));
  const calendar_zone chatham = zone("Pacific/Chatham"); // +12:45, +13:45 in (southern) summer
  const local_moment m = chatham.local(utc(2026, 1, 1));
  EXPECT_EQ(m.utc_offset_s, 13 * 3600 + 45 * 60);
  EXPECT_EQ(m.minute_of_day, 13 * 60 + 45);
  EXPECT_EQ(chatham.window_at(window_kind::hour, utc(2026, 1, 1)),
            span(utc(2025, 12, 31, 23, 15), utc(2026, 1, 1, 0, 15)));
}

// --- Australia/Lord_Howe: a 30-minute DST shift ---------------------------
// +10:30 standard, +11:00 summer. 2026-10-03 15:30Z: 02:00 -> 02:30 local;
// 2026-04-04 15:00Z: 02:00 -> 01:30 local.

TEST(lord_howe, half_hour_shift_splits_the_hour_but_stays_contiguous) {
  const calendar_zone z = zone("Australia/Lord_Howe");
  // Spring: 01:00-02:00 (+10:30) is whole; after the jump 02:30-03:00 (+11) is
  // a half-hour window; then whole hours again.
  EXPECT_EQ(z.window_at(window_kind::hour, utc(2026, 10, 3, 15)),
            span(utc(2026, 10, 3, 14, 30), utc(2026, 10, 3, 15, 30)));
  EXPECT_EQ(z.window_at(window_kind::hour, utc(2026, 10, 3, 15, 30)),
            span(utc(2026, 10, 3, 15, 30), utc(2026, 10, 3, 16)));
  EXPECT_EQ(z.window_at(window_kind::hour, utc(2026, 10, 3, 15, 59, 59)),
            span(utc(2026, 10, 3, 15, 30), utc(2026, 10, 3, 16)));
  EXPECT_EQ(z.window_at(window_kind::hour, utc(2026, 10, 3, 16)), span(utc(2026, 10, 3, 16), utc(2026, 10, 3, 17)));
  EXPECT_EQ(z.local(utc(2026, 10, 3, 15, 30)).minute_of_day, 150); // 02:30

  // Autumn: 01:00-02:00 (+11) is whole; then the clock reads 01:30 again and
  // 01:30-02:00 (+10:30) is its own half-hour window.
  EXPECT_EQ(z.window_at(window_kind::hour, utc(2026, 4, 4, 14, 30)), span(utc(2026, 4, 4, 14), utc(2026, 4, 4, 15)));
  EXPECT_EQ(z.window_at(window_kind::hour, utc(2026, 4, 4, 15)), span(utc(2026, 4, 4, 15), utc(2026, 4, 4, 15, 30)));
  EXPECT_EQ(z.window_at(window_kind::hour, utc(2026, 4, 4, 15, 30)),
            span(utc(2026, 4, 4, 15, 30), utc(2026, 4, 4, 16, 30)));

  for (const timestamp_us from : {utc(2026, 10, 3, 10), utc(2026, 4, 4, 10)}) {
    window_span w = z.window_at(window_kind::hour, from);
    for (int i = 0; i < 12; ++i) {
      const window_span next = z.window_at(window_kind::hour, w.end);
      EXPECT_EQ(next.start, w.end);
      EXPECT_LT(next.start, next.end);
      EXPECT_LE(next.end - next.start, hour);
      w = next;
    }
  }

  // Days are 23.5 and 24.5 hours long.
  const window_span spring = z.window_at(window_kind::day, utc(2026, 10, 3, 20));
  EXPECT_EQ(spring, span(utc(2026, 10, 3, 13, 30), utc(2026, 10, 4, 13)));
  const window_span autumn = z.window_at(window_kind::day, utc(2026, 4, 4, 15));
  EXPECT_EQ(autumn, span(utc(2026, 4, 4, 13), utc(2026, 4, 5, 13, 30)));
  EXPECT_EQ(z.instant_of(2026, 10, 4, 135), utc(2026, 10, 3, 15, 30)); // 02:15 does not exist
  EXPECT_EQ(z.instant_of(2026, 4, 5, 105), utc(2026, 4, 4, 14, 45));   // 01:45 at +11, the earlier
}

// --- Zones whose DST change happens at midnight ---------------------------

TEST(santiago, day_starts_when_the_midnight_gap_ends) {
  const calendar_zone z = zone("America/Santiago");
  // 2026-09-06 04:00Z: 24:00 (-04) on the 5th jumps to 01:00 (-03) on the 6th;
  // Sept 6 has no midnight and starts at 01:00.
  const window_span sep6 = span(utc(2026, 9, 6, 4), utc(2026, 9, 7, 3));
  EXPECT_EQ(sep6.end - sep6.start, 23 * hour);
  EXPECT_EQ(z.window_at(window_kind::day, utc(2026, 9, 6, 12)), sep6);
  EXPECT_EQ(z.window_at(window_kind::day, sep6.start), sep6);
  EXPECT_EQ(z.window_at(window_kind::day, sep6.start - 1), span(utc(2026, 9, 5, 4), sep6.start));
  EXPECT_EQ(z.window_at(window_kind::day, sep6.end), span(sep6.end, utc(2026, 9, 8, 3)));
  const local_moment first = z.local(sep6.start);
  EXPECT_EQ(first.day, 6u);
  EXPECT_EQ(first.minute_of_day, 60);
  EXPECT_EQ(z.instant_of(2026, 9, 6, 0), sep6.start);
  EXPECT_EQ(z.instant_of(2026, 9, 6, 30), sep6.start);
  EXPECT_EQ(z.instant_of(2026, 9, 6, 60), sep6.start);
  // Hours around the jump.
  EXPECT_EQ(z.window_at(window_kind::hour, utc(2026, 9, 6, 3, 30)), span(utc(2026, 9, 6, 3), utc(2026, 9, 6, 4)));
  EXPECT_EQ(z.window_at(window_kind::hour, utc(2026, 9, 6, 4, 30)), span(utc(2026, 9, 6, 4), utc(2026, 9, 6, 5)));
  // Sun 09-06 is in the week that began Mon 08-31 00:00 (-04) and ends Mon 09-07 00:00 (-03).
  EXPECT_EQ(z.window_at(window_kind::week, utc(2026, 9, 6, 12)), span(utc(2026, 8, 31, 4), utc(2026, 9, 7, 3)));
}

TEST(santiago, midnight_fall_back_makes_a_25_hour_day) {
  const calendar_zone z = zone("America/Santiago");
  // 2026-04-05 03:00Z: 24:00 (-03) on the 4th goes back to 23:00 (-04) on the 4th.
  const window_span apr4 = span(utc(2026, 4, 4, 3), utc(2026, 4, 5, 4));
  EXPECT_EQ(apr4.end - apr4.start, 25 * hour);
  EXPECT_EQ(z.window_at(window_kind::day, utc(2026, 4, 5, 2, 30)), apr4); // 23:30 (-03)
  EXPECT_EQ(z.window_at(window_kind::day, utc(2026, 4, 5, 3, 30)), apr4); // 23:30 (-04), again
  EXPECT_EQ(z.local(utc(2026, 4, 5, 3, 30)).day, 4u);
  EXPECT_EQ(z.window_at(window_kind::day, apr4.end), span(apr4.end, utc(2026, 4, 6, 4)));
  EXPECT_EQ(z.instant_of(2026, 4, 4, 23 * 60 + 30), utc(2026, 4, 5, 2, 30)); // the earlier
  EXPECT_EQ(z.instant_of(2026, 4, 5, 0), utc(2026, 4, 5, 4));
  // The repeated 23:xx hour is two windows.
  EXPECT_EQ(z.window_at(window_kind::hour, utc(2026, 4, 5, 2, 30)), span(utc(2026, 4, 5, 2), utc(2026, 4, 5, 3)));
  EXPECT_EQ(z.window_at(window_kind::hour, utc(2026, 4, 5, 3, 30)), span(utc(2026, 4, 5, 3), utc(2026, 4, 5, 4)));
}

TEST(havana_and_beirut, historical_midnight_transitions) {
  // Havana 2016: 03-13 05:00Z 00:00 CST -> 01:00 CDT; 11-06 05:00Z 01:00 CDT -> 00:00 CST
  // (midnight happens twice: the day starts at the first).
  const calendar_zone havana = zone("America/Havana");
  EXPECT_EQ(havana.window_at(window_kind::day, utc(2016, 3, 13, 12)), span(utc(2016, 3, 13, 5), utc(2016, 3, 14, 4)));
  const window_span nov6 = span(utc(2016, 11, 6, 4), utc(2016, 11, 7, 5));
  EXPECT_EQ(havana.window_at(window_kind::day, utc(2016, 11, 6, 4, 30)), nov6); // 00:30 CDT
  EXPECT_EQ(havana.window_at(window_kind::day, utc(2016, 11, 6, 5, 30)), nov6); // 00:30 CST
  EXPECT_EQ(havana.window_at(window_kind::day, nov6.start - 1), span(utc(2016, 11, 5, 4), nov6.start));
  EXPECT_EQ(havana.instant_of(2016, 11, 6, 0), nov6.start);
  EXPECT_EQ(havana.instant_of(2016, 3, 13, 0), utc(2016, 3, 13, 5));

  // Beirut 2016: 03-26 22:00Z 00:00 EET -> 01:00 EEST; 10-29 21:00Z 00:00 EEST
  // on the 30th -> 23:00 EET on the 29th, so the 29th runs until the second
  // 00:00 of the 30th... which is the first 00:00 that follows the 23:xx rerun.
  const calendar_zone beirut = zone("Asia/Beirut");
  EXPECT_EQ(beirut.window_at(window_kind::day, utc(2016, 3, 27, 12)), span(utc(2016, 3, 26, 22), utc(2016, 3, 27, 21)));
  const window_span oct29 = span(utc(2016, 10, 28, 21), utc(2016, 10, 29, 22));
  EXPECT_EQ(oct29.end - oct29.start, 25 * hour);
  EXPECT_EQ(beirut.window_at(window_kind::day, utc(2016, 10, 29, 20, 30)), oct29); // 23:30 EEST
  EXPECT_EQ(beirut.window_at(window_kind::day, utc(2016, 10, 29, 21, 30)), oct29); // 23:30 EET
  EXPECT_EQ(beirut.window_at(window_kind::day, oct29.end), span(oct29.end, utc(2016, 10, 30, 22)));
}

TEST(st_johns, clock_set_back_across_midnight) {
  // Until 2011 St. John's changed clocks at 00:01. 2010-11-07 02:31Z: 00:01 NDT
  // (-02:30) on the 7th went back to 23:01 NST (-03:30) on the 6th, so the 7th's
  // midnight came first, then 59 minutes of the 6th again. The 7th starts at
  // its first midnight, so that rerun belongs to the 7th's window.
  const calendar_zone z = zone("America/St_Johns");
  const window_span nov6 = span(utc(2010, 11, 6, 2, 30), utc(2010, 11, 7, 2, 30));
  const window_span nov7 = span(utc(2010, 11, 7, 2, 30), utc(2010, 11, 8, 3, 30));
  EXPECT_EQ(nov7.end - nov7.start, 25 * hour);
  EXPECT_EQ(z.window_at(window_kind::day, nov7.start - 1), nov6);
  EXPECT_EQ(z.window_at(window_kind::day, nov7.start), nov7);
  EXPECT_EQ(z.window_at(window_kind::day, utc(2010, 11, 7, 2, 45)), nov7); // reads 23:15 on the 6th
  EXPECT_EQ(z.local(utc(2010, 11, 7, 2, 45)).day, 6u);
  EXPECT_EQ(z.window_at(window_kind::day, utc(2010, 11, 7, 3, 30) - 1), nov7);
  EXPECT_EQ(z.window_at(window_kind::day, utc(2010, 11, 7, 12)), nov7);
  EXPECT_EQ(z.window_at(window_kind::day, nov7.end), span(nov7.end, utc(2010, 11, 9, 3, 30)));
  EXPECT_EQ(z.instant_of(2010, 11, 7, 0), nov7.start);
  EXPECT_EQ(z.instant_of(2010, 11, 6, 23 * 60 + 30), utc(2010, 11, 7, 2)); // 23:30 NDT, the earlier
  // The hour that began at 00:00 NDT lasted one minute; the rerun 23:01-24:00 NST is its own window.
  EXPECT_EQ(z.window_at(window_kind::hour, utc(2010, 11, 7, 2, 30, 30)),
            span(utc(2010, 11, 7, 2, 30), utc(2010, 11, 7, 2, 31)));
  EXPECT_EQ(z.window_at(window_kind::hour, utc(2010, 11, 7, 2, 31)),
            span(utc(2010, 11, 7, 2, 31), utc(2010, 11, 7, 3, 30)));
  // Sunday the 7th, rerun included, is in the week Mon 11-01 00:00 NDT .. Mon 11-08 00:00 NST.
  EXPECT_EQ(z.window_at(window_kind::week, utc(2010, 11, 7, 2, 45)),
            span(utc(2010, 11, 1, 2, 30), utc(2010, 11, 8, 3, 30)));
  // Spring 2010-03-14 03:31Z: 00:01 NST -> 01:01 NDT; midnight exists, the day has 23 hours.
  EXPECT_EQ(z.window_at(window_kind::day, utc(2010, 3, 14, 12)),
            span(utc(2010, 3, 14, 3, 30), utc(2010, 3, 15, 2, 30)));
  EXPECT_EQ(z.instant_of(2010, 3, 14, 30), utc(2010, 3, 14, 3, 31)); // 00:30 does not exist
}

TEST(apia, a_skipped_calendar_day_leaves_no_gap) {
  // Samoa skipped 2011-12-30: 24:00 on the 29th (-10) became 00:00 on the 31st (+14) at 10:00Z.
  const calendar_zone z = zone("Pacific/Apia");
  const window_span dec29 = span(utc(2011, 12, 29, 10), utc(2011, 12, 30, 10));
  const window_span dec31 = span(utc(2011, 12, 30, 10), utc(2011, 12, 31, 10));
  EXPECT_EQ(z.window_at(window_kind::day, utc(2011, 12, 30, 10) - 1), dec29);
  EXPECT_EQ(z.window_at(window_kind::day, utc(2011, 12, 30, 10)), dec31);
  EXPECT_EQ(z.local(utc(2011, 12, 30, 10)).day, 31u);
  // The week Mon 12-26 .. Mon 2012-01-02 lasted six days.
  EXPECT_EQ(z.window_at(window_kind::week, utc(2011, 12, 30, 12)), span(utc(2011, 12, 26, 10), utc(2012, 1, 1, 10)));
  EXPECT_EQ(z.window_at(window_kind::month, utc(2011, 12, 30, 12)), span(utc(2011, 12, 1, 10), utc(2011, 12, 31, 10)));
  EXPECT_EQ(z.instant_of(2011, 12, 30, 12 * 60), utc(2011, 12, 30, 10)); // nonexistent date
}

// --- Week and month edges away from UTC ------------------------------------

TEST(tokyo, week_starts_monday_local_midnight) {
  const calendar_zone z = zone("Asia/Tokyo"); // UTC+9, no DST
  // Mon 2026-03-16 00:00 JST = Sun 03-15 15:00Z.
  EXPECT_EQ(z.window_at(window_kind::week, utc(2026, 3, 15, 16)), span(utc(2026, 3, 15, 15), utc(2026, 3, 22, 15)));
  EXPECT_EQ(z.window_at(window_kind::week, utc(2026, 3, 15, 15)), span(utc(2026, 3, 15, 15), utc(2026, 3, 22, 15)));
  EXPECT_EQ(z.window_at(window_kind::week, utc(2026, 3, 15, 15) - 1), span(utc(2026, 3, 8, 15), utc(2026, 3, 15, 15)));
  EXPECT_EQ(z.local(utc(2026, 3, 15, 15)).weekday, 0u);
  EXPECT_EQ(z.local(utc(2026, 3, 15, 15) - 1).weekday, 6u);
  // East of UTC the local month starts while UTC is still in the previous one.
  EXPECT_EQ(z.window_at(window_kind::month, utc(2026, 1, 31, 16)), span(utc(2026, 1, 31, 15), utc(2026, 2, 28, 15)));
}

TEST(honolulu, month_when_utc_is_already_next_year) {
  const calendar_zone z = zone("Pacific/Honolulu"); // UTC-10, no DST
  // 2026-01-01 05:00Z is 19:00 on 2025-12-31 in Honolulu.
  EXPECT_EQ(z.window_at(window_kind::month, utc(2026, 1, 1, 5)), span(utc(2025, 12, 1, 10), utc(2026, 1, 1, 10)));
  EXPECT_EQ(z.window_at(window_kind::day, utc(2026, 1, 1, 5)), span(utc(2025, 12, 31, 10), utc(2026, 1, 1, 10)));
  EXPECT_EQ(z.window_at(window_kind::month, utc(2026, 1, 1, 10)), span(utc(2026, 1, 1, 10), utc(2026, 2, 1, 10)));
  const local_moment m = z.local(utc(2026, 1, 1, 5));
  EXPECT_EQ(m.year, 2025);
  EXPECT_EQ(m.month, 12u);
  EXPECT_EQ(m.day, 31u);
  EXPECT_EQ(m.weekday, 2u); // Wednesday
  EXPECT_EQ(m.utc_offset_s, -10 * 3600);
}

// --- local() and instant_of() ---------------------------------------------

TEST(utc_local, calendar_facts) {
  const calendar_zone z = calendar_zone::utc();
  const local_moment m = z.local(-1); // 1969-12-31 23:59:59.999999, a Wednesday
  EXPECT_EQ(m.year, 1969);
  EXPECT_EQ(m.month, 12u);
  EXPECT_EQ(m.day, 31u);
  EXPECT_EQ(m.weekday, 2u);
  EXPECT_EQ(m.minute_of_day, 1439);
  EXPECT_EQ(m.utc_offset_s, 0);
  const local_moment leap = z.local(utc(2024, 2, 29, 7, 5, 59));
  EXPECT_EQ(leap.month, 2u);
  EXPECT_EQ(leap.day, 29u);
  EXPECT_EQ(leap.weekday, 3u); // Thursday
  EXPECT_EQ(leap.minute_of_day, 7 * 60 + 5);
  EXPECT_EQ(z.local(utc(2026, 3, 16)).weekday, 0u);
  EXPECT_EQ(z.local(utc(2026, 3, 15)).weekday, 6u);
  EXPECT_EQ(z.local(utc(1900, 1, 1)).weekday, 0u);   // a Monday
  EXPECT_EQ(z.local(utc(1969, 12, 25)).weekday, 3u); // a Thursday
}

TEST(utc_local, instant_of_normalises_and_saturates) {
  const calendar_zone z = calendar_zone::utc();
  EXPECT_EQ(z.instant_of(2026, 1, 1, 0), int64_t{1767225600} * sec);
  EXPECT_EQ(z.instant_of(2026, 3, 15, 12 * 60 + 34), utc(2026, 3, 15, 12, 34));
  EXPECT_EQ(z.instant_of(1969, 12, 31, 1439), -minute);
  EXPECT_EQ(z.instant_of(2026, 2, 29, 0), utc(2026, 3, 1));   // no Feb 29th in 2026
  EXPECT_EQ(z.instant_of(2026, 1, 1, 1440), utc(2026, 1, 2)); // minute 1440 = next midnight
  EXPECT_EQ(z.instant_of(2026, 1, 1, -1), utc(2025, 12, 31, 23, 59));
  EXPECT_EQ(z.instant_of(2026, 13, 1, 0), utc(2027, 1, 1));
  EXPECT_EQ(z.instant_of(2026, 0, 1, 0), utc(2025, 12, 1));
  EXPECT_EQ(z.instant_of(2026, 1, 0, 0), utc(2025, 12, 31));
  EXPECT_EQ(z.instant_of(std::numeric_limits<int32_t>::max(), 12, 31, 0), max_us);
  EXPECT_EQ(z.instant_of(std::numeric_limits<int32_t>::min(), 1, 1, 0), min_us);
  const calendar_zone ny = zone("America/New_York");
  EXPECT_EQ(ny.instant_of(std::numeric_limits<int32_t>::max(), 12, 31, 0), max_us);
  EXPECT_EQ(ny.instant_of(std::numeric_limits<int32_t>::min(), 1, 1, 0), min_us);
}

// --- Properties: windows partition time, in many zones --------------------

namespace {

struct walk_case {
  const char* zone;
  int64_t from_year;
};

// Zones with DST at 02:00, at midnight, half-hour and two-hour shifts,
// quarter-hour offsets, negative DST (Dublin), Ramadan breaks (Casablanca),
// a skipped day (Apia 2011), years with midnight changes (Havana, Beirut, Sao
// Paulo) and clocks set back across midnight (St. John's until 2011).
const std::vector<walk_case>& walk_cases() {
  static const std::vector<walk_case> cases = {
    {"UTC", 2025},
    {"America/New_York", 2025},
    {"Europe/London", 2025},
    {"Europe/Dublin", 2025},
    {"Asia/Kolkata", 2025},
    {"Asia/Kathmandu", 2025},
    {"Australia/Lord_Howe", 2025},
    {"Australia/Adelaide", 2025},
    {"America/Santiago", 2025},
    {"America/St_Johns", 2025},
    {"America/St_Johns", 2009},
    {"Pacific/Chatham", 2025},
    {"Africa/Casablanca", 2025},
    {"Antarctica/Troll", 2025},
    {"America/Havana", 2015},
    {"Asia/Beirut", 2015},
    {"America/Sao_Paulo", 2017},
    {"Pacific/Apia", 2010},
  };
  return cases;
}

} // namespace

TEST(window_properties, windows_tile_two_years_in_every_zone) {
  std::mt19937_64 rng(20260308);
  for (const walk_case& c : walk_cases()) {
    const calendar_zone z = zone(c.zone);
    const timestamp_us from = utc(c.from_year, 1, 1);
    const timestamp_us until = utc(c.from_year + 2, 1, 1);
    for (const window_kind k : {window_kind::hour, window_kind::day, window_kind::week, window_kind::month}) {
      SCOPED_TRACE(std::string(c.zone) + " " + std::string(to_string(k)));
      window_span w = z.window_at(k, from);
      ASSERT_LE(w.start, from);
      ASSERT_LT(from, w.end);
      while (w.start < until) {
        EXPECT_LT(w.start, w.end);
        EXPECT_EQ(w.start % sec, 0);
        // Every instant of the window yields the same window.
        EXPECT_EQ(z.window_at(k, w.start), w);
        EXPECT_EQ(z.window_at(k, w.end - 1), w);
        std::uniform_int_distribution<timestamp_us> inside(w.start, w.end - 1);
        for (int i = 0; i < 3; ++i) {
          const timestamp_us t = inside(rng);
          EXPECT_EQ(z.window_at(k, t), w) << "t=" << t;
        }
        // Plausible lengths, and boundaries where the calendar says.
        const int64_t length = w.end - w.start;
        const local_moment s = z.local(w.start);
        switch (k) {
          case window_kind::hour:
            EXPECT_LE(length, hour);
            // On the hour, unless the window starts at a change of offset.
            if (s.minute_of_day % 60 != 0) {
              EXPECT_NE(z.local(w.start - 1).utc_offset_s, s.utc_offset_s);
            }
            break;
          case window_kind::day:
            EXPECT_GE(length, 22 * hour);
            EXPECT_LE(length, 26 * hour);
            EXPECT_EQ(z.instant_of(s.year, s.month, s.day, 0), w.start);
            break;
          case window_kind::week:
            EXPECT_GE(length, 6 * day); // Apia 2011 lost a day
            EXPECT_LE(length, 7 * day + 2 * hour);
            EXPECT_EQ(s.weekday, 0u);
            EXPECT_EQ(z.instant_of(s.year, s.month, s.day, 0), w.start);
            break;
          case window_kind::month:
            EXPECT_GE(length, 27 * day);
            EXPECT_LE(length, 31 * day + 2 * hour);
            EXPECT_EQ(s.day, 1u);
            EXPECT_EQ(z.instant_of(s.year, s.month, s.day, 0), w.start);
            break;
          case window_kind::lifetime: break;
        }
        // The next window starts exactly where this one ends.
        const window_span next = z.window_at(k, w.end);
        EXPECT_EQ(next.start, w.end);
        if (::testing::Test::HasFailure()) return; // one broken window is enough to report
        w = next;
      }
    }
  }
}

TEST(window_properties, nested_windows_agree) {
  // Local days tile local months and weeks: a month/week boundary is a day boundary.
  for (const walk_case& c : walk_cases()) {
    SCOPED_TRACE(c.zone);
    const calendar_zone z = zone(c.zone);
    window_span m = z.window_at(window_kind::month, utc(c.from_year, 1, 15));
    for (int i = 0; i < 24; ++i) {
      EXPECT_EQ(z.window_at(window_kind::day, m.start).start, m.start);
      EXPECT_EQ(z.window_at(window_kind::day, m.end - 1).end, m.end);
      EXPECT_EQ(z.window_at(window_kind::hour, m.start).start, m.start);
      m = z.window_at(window_kind::month, m.end);
    }
    window_span w = z.window_at(window_kind::week, utc(c.from_year, 1, 15));
    for (int i = 0; i < 104; ++i) {
      EXPECT_EQ(z.window_at(window_kind::day, w.start).start, w.start);
      EXPECT_EQ(z.window_at(window_kind::day, w.end - 1).end, w.end);
      w = z.window_at(window_kind::week, w.end);
    }
  }
}

} // namespace ringbid
