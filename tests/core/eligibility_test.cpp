// Buyer eligibility (hours, targeting, rules), circuit breakers and NANP area
// codes. Expected local times were worked out from the zones' published rules
// and are noted next to each instant (written as UTC).

#include "actors/core/area_codes.hpp"
#include "actors/core/circuit_breaker.hpp"
#include "actors/core/eligibility.hpp"

#include <gtest/gtest.h>

#include <atomic>
#include <cstdint>
#include <functional>
#include <limits>
#include <optional>
#include <stdexcept>
#include <string>
#include <thread>
#include <utility>
#include <vector>

namespace ringbid {

namespace {

constexpr int64_t minute_us = 60 * us_per_s;
constexpr int64_t hour_us = 60 * minute_us;

// Days since 1970-01-01 of a proleptic Gregorian date (independent of the code
// under test; checked against known epoch values below).
constexpr int64_t days_since_epoch(int64_t y, int64_t m, int64_t d) {
  if (m <= 2) {
    y -= 1;
    m += 12;
  }
  return 365 * y + y / 4 - y / 100 + y / 400 + (153 * (m - 3) + 2) / 5 + d - 1 - 719468;
}

/// A UTC instant spelled as a date and time.
constexpr timestamp_us utc(int64_t y, int64_t m, int64_t d, int64_t hh = 0, int64_t mm = 0) {
  return (days_since_epoch(y, m, d) * 86400 + hh * 3600 + mm * 60) * us_per_s;
}

static_assert(utc(1970, 1, 1) == 0);
static_assert(utc(2000, 3, 1) == int64_t{951868800} * us_per_s);
static_assert(utc(2026, 1, 1) == int64_t{1767225600} * us_per_s);

// Wednesday 2026-03-04 18:30 UTC: the default instant of the rule tests.
constexpr timestamp_us wed_1830 = utc(2026, 3, 4, 18, 30);

buyer_config make_buyer(std::string zone = "UTC") {
  buyer_config b;
  b.id = "b1";
  b.time_zone = std::move(zone);
  return b;
}

buyer_filter compile_ok(const buyer_config& b) {
  std::string error = "untouched";
  std::optional<buyer_filter> f = buyer_filter::compile(b, &error);
  if (!f) throw std::runtime_error("compile failed: " + error);
  if (!error.empty()) throw std::runtime_error("error not cleared: " + error);
  return *f;
}

std::string compile_error(const buyer_config& b) {
  std::string error;
  const std::optional<buyer_filter> f = buyer_filter::compile(b, &error);
  if (f) return "<compiled>";
  return error;
}

hours_window window(std::vector<int32_t> days, int32_t open, int32_t close) {
  hours_window w;
  w.days = std::move(days);
  w.open_minute = open;
  w.close_minute = close;
  return w;
}

date_exception closed_on(std::string date, std::string note = {}) {
  date_exception e;
  e.date = std::move(date);
  e.closed = true;
  e.note = std::move(note);
  return e;
}

date_exception special(std::string date, int32_t open, int32_t close, std::string note = {}) {
  date_exception e;
  e.date = std::move(date);
  e.closed = false;
  e.open_minute = open;
  e.close_minute = close;
  e.note = std::move(note);
  return e;
}

targeting_rule rule(std::string field, rule_operator op, std::vector<std::string> values = {}, double min = 0,
                    double max = 0) {
  targeting_rule r;
  r.field = std::move(field);
  r.op = op;
  r.values = std::move(values);
  r.min = min;
  r.max = max;
  return r;
}

targeting_rule range(std::string field, double min, double max) {
  return rule(std::move(field), rule_operator::range, {}, min, max);
}

/// check() of a buyer (always open) with this one rule.
std::string run(const targeting_rule& r, const call_facts& facts, timestamp_us now = wed_1830,
                std::string zone = "UTC") {
  buyer_config b = make_buyer(std::move(zone));
  b.target.rules.push_back(r);
  return compile_ok(b).check(facts, now);
}

call_facts state_is(std::string s) {
  call_facts f;
  f.caller_state = std::move(s);
  return f;
}

call_facts area_is(std::string s) {
  call_facts f;
  f.area_code = std::move(s);
  return f;
}

call_facts zip_is(std::string s) {
  call_facts f;
  f.zip = std::move(s);
  return f;
}

call_facts tags_are(std::vector<std::string> tags) {
  call_facts f;
  f.tags = std::move(tags);
  return f;
}

call_facts answers(std::vector<ivr_answer> ivr) {
  call_facts f;
  f.ivr = std::move(ivr);
  return f;
}

bool open(const buyer_filter& f, timestamp_us t) { return f.open_at(t); }

std::string why_closed(const buyer_filter& f, timestamp_us t) {
  std::string why;
  if (f.open_at(t, &why)) return "<open>";
  return why;
}

constexpr auto eq = rule_operator::equals;
constexpr auto ne = rule_operator::not_equals;
constexpr auto in = rule_operator::in;
constexpr auto nin = rule_operator::not_in;
constexpr auto rx = rule_operator::regex;

} // namespace

// ---------------------------------------------------------------- area codes

TEST(AreaCode, RegionSpotChecks) {
  EXPECT_EQ(region_of_area_code("212"), "NY");
  EXPECT_EQ(region_of_area_code("718"), "NY");
  EXPECT_EQ(region_of_area_code("213"), "CA");
  EXPECT_EQ(region_of_area_code("415"), "CA");
  EXPECT_EQ(region_of_area_code("312"), "IL");
  EXPECT_EQ(region_of_area_code("512"), "TX");
  EXPECT_EQ(region_of_area_code("713"), "TX");
  EXPECT_EQ(region_of_area_code("305"), "FL");
  EXPECT_EQ(region_of_area_code("206"), "WA");
  EXPECT_EQ(region_of_area_code("617"), "MA");
  EXPECT_EQ(region_of_area_code("702"), "NV");
  EXPECT_EQ(region_of_area_code("404"), "GA");
  EXPECT_EQ(region_of_area_code("303"), "CO");
  EXPECT_EQ(region_of_area_code("202"), "DC");
  EXPECT_EQ(region_of_area_code("907"), "AK");
  EXPECT_EQ(region_of_area_code("808"), "HI");
  EXPECT_EQ(region_of_area_code("787"), "PR");
  EXPECT_EQ(region_of_area_code("201"), "NJ"); // first in the table
  EXPECT_EQ(region_of_area_code("989"), "MI"); // last in the table
  EXPECT_EQ(region_of_area_code("416"), "ON");
  EXPECT_EQ(region_of_area_code("604"), "BC");
  EXPECT_EQ(region_of_area_code("514"), "QC");
  EXPECT_EQ(region_of_area_code("403"), "AB");
  EXPECT_EQ(region_of_area_code("204"), "MB");
  EXPECT_EQ(region_of_area_code("306"), "SK");
  EXPECT_EQ(region_of_area_code("506"), "NB");
  EXPECT_EQ(region_of_area_code("709"), "NL");
  EXPECT_EQ(region_of_area_code("902"), "NS");
}

TEST(AreaCode, UnknownCodes) {
  for (const char* code :
       {"000", "999", "", "12", "1", "5120", "800", "888", "900", "555", "911", "abc", "51a", "867", " 51", "200"})
    EXPECT_EQ(region_of_area_code(code), "") << '"' << code << '"';
}

TEST(AreaCode, TableIsWellFormed) {
  int known = 0;
  for (int n = 0; n < 1000; ++n) {
    std::string code = std::to_string(n);
    code.insert(0, 3 - code.size(), '0');
    const std::string_view region = region_of_area_code(code);
    if (region.empty()) continue;
    ++known;
    ASSERT_EQ(region.size(), 2u) << code;
    EXPECT_TRUE(region[0] >= 'A' && region[0] <= 'Z' && region[1] >= 'A' && region[1] <= 'Z') << code;
    EXPECT_GE(n, 200) << code;                              // NANP area codes start with 2..9
    EXPECT_NE(code[1], '9') << code;                        // N9X codes are reserved
    EXPECT_FALSE(code[1] == '1' && code[2] == '1') << code; // N11 service codes
    EXPECT_EQ(area_code_of("+1" + code + "5550100"), code);
  }
  EXPECT_GT(known, 380);
}

TEST(AreaCode, AreaCodeOfE164) {
  EXPECT_EQ(area_code_of("+15125550100"), "512");
  EXPECT_EQ(area_code_of("+14165550100"), "416");
  EXPECT_EQ(area_code_of("+19995550100"), "999"); // well-formed, merely unassigned
  EXPECT_EQ(area_code_of("+442071234567"), "");   // not +1
  EXPECT_EQ(area_code_of("+1512555010"), "");     // too short
  EXPECT_EQ(area_code_of("+151255501000"), "");   // too long
  EXPECT_EQ(area_code_of("15125550100"), "");     // no +
  EXPECT_EQ(area_code_of("+1512555010x"), "");    // not digits
  EXPECT_EQ(area_code_of("+1 5125550100"), "");
  EXPECT_EQ(area_code_of("+1-512-555-0100"), "");
  EXPECT_EQ(area_code_of("+1"), "");
  EXPECT_EQ(area_code_of(""), "");
  EXPECT_EQ(region_of_area_code(area_code_of("+13125550100")), "IL");
}

// ---------------------------------------------------------------- hours

TEST(EligibilityHours, EmptyWeeklyIsAlwaysOpen) {
  const buyer_filter f = compile_ok(make_buyer("America/Chicago"));
  for (timestamp_us t = utc(2026, 3, 1); t < utc(2026, 3, 16); t += 37 * minute_us) ASSERT_TRUE(open(f, t)) << t;
  EXPECT_EQ(f.check(call_facts{}, wed_1830), "");
}

TEST(EligibilityHours, WeeklyWindowBoundaries) {
  buyer_config b = make_buyer();
  b.hours.weekly.push_back(window({1, 2, 3, 4, 5}, 9 * 60, 17 * 60)); // Mon-Fri 09:00-17:00
  const buyer_filter f = compile_ok(b);
  // 2026-03-02 is a Monday.
  EXPECT_FALSE(open(f, utc(2026, 3, 2, 8, 59)));
  EXPECT_TRUE(open(f, utc(2026, 3, 2, 9, 0)));
  EXPECT_TRUE(open(f, utc(2026, 3, 2, 16, 59)));
  EXPECT_TRUE(open(f, utc(2026, 3, 2, 17, 0) - 1));
  EXPECT_FALSE(open(f, utc(2026, 3, 2, 17, 0)));
  EXPECT_TRUE(open(f, utc(2026, 3, 6, 12, 0)));  // Friday
  EXPECT_FALSE(open(f, utc(2026, 3, 7, 12, 0))); // Saturday
  EXPECT_FALSE(open(f, utc(2026, 3, 8, 12, 0))); // Sunday
  EXPECT_EQ(why_closed(f, utc(2026, 3, 7, 12, 0)), "closed: outside business hours (Sat 12:00 UTC)");
  EXPECT_EQ(why_closed(f, utc(2026, 3, 8, 0, 0)), "closed: outside business hours (Sun 00:00 UTC)");
  EXPECT_EQ(why_closed(f, utc(2026, 3, 2, 17, 5)), "closed: outside business hours (Mon 17:05 UTC)");
  EXPECT_EQ(why_closed(f, utc(2026, 3, 2, 9, 0)), "<open>");
}

TEST(EligibilityHours, WindowsInTheBuyersZone) {
  buyer_config b = make_buyer("America/Chicago");
  b.hours.weekly.push_back(window({1, 2, 3, 4, 5}, 8 * 60, 17 * 60));
  const buyer_filter f = compile_ok(b);
  // 2026-03-07 15:15 UTC = Sat 09:15 CST (UTC-6).
  EXPECT_EQ(why_closed(f, utc(2026, 3, 7, 15, 15)), "closed: outside business hours (Sat 09:15 America/Chicago)");
  // Fri 2026-03-06 23:30 UTC = Fri 17:30 CST: closed; 22:59 UTC = 16:59 CST: open.
  EXPECT_FALSE(open(f, utc(2026, 3, 6, 23, 30)));
  EXPECT_TRUE(open(f, utc(2026, 3, 6, 22, 59)));
  // Sat 2026-03-07 02:00 UTC is still Fri 20:00 CST: closed, and the reason says Fri.
  EXPECT_EQ(why_closed(f, utc(2026, 3, 7, 2, 0)), "closed: outside business hours (Fri 20:00 America/Chicago)");
  // Mon 2026-03-09 14:00 UTC = 09:00 CDT (DST began on the 8th): open.
  EXPECT_TRUE(open(f, utc(2026, 3, 9, 14, 0)));
  EXPECT_EQ(f.check(call_facts{}, utc(2026, 3, 7, 15, 15)),
            "closed: outside business hours (Sat 09:15 America/Chicago)");
}

TEST(EligibilityHours, SeveralWindowsADay) {
  buyer_config b = make_buyer();
  b.hours.weekly.push_back(window({3}, 9 * 60, 12 * 60));
  b.hours.weekly.push_back(window({3}, 13 * 60, 17 * 60));
  b.hours.weekly.push_back(window({6}, 10 * 60, 11 * 60));
  const buyer_filter f = compile_ok(b);
  EXPECT_TRUE(open(f, utc(2026, 3, 4, 11, 59))); // Wed
  EXPECT_FALSE(open(f, utc(2026, 3, 4, 12, 30)));
  EXPECT_TRUE(open(f, utc(2026, 3, 4, 13, 0)));
  EXPECT_FALSE(open(f, utc(2026, 3, 5, 10, 30))); // Thu
  EXPECT_TRUE(open(f, utc(2026, 3, 7, 10, 30)));  // Sat
}

TEST(EligibilityHours, FullDayWindowAndDaysWithoutWindows) {
  buyer_config b = make_buyer();
  b.hours.weekly.push_back(window({0}, 0, 1440)); // all of Sunday
  b.hours.weekly.push_back(window({}, 0, 1440));  // no days: adds nothing
  const buyer_filter f = compile_ok(b);
  EXPECT_TRUE(open(f, utc(2026, 3, 8, 0, 0)));
  EXPECT_TRUE(open(f, utc(2026, 3, 8, 23, 59)));
  EXPECT_FALSE(open(f, utc(2026, 3, 9, 0, 0)));
  EXPECT_FALSE(open(f, utc(2026, 3, 7, 23, 59)));
}

TEST(EligibilityHours, OvernightWindow) {
  buyer_config b = make_buyer();
  b.hours.weekly.push_back(window({5}, 22 * 60, 2 * 60)); // Fri 22:00 - Sat 02:00
  const buyer_filter f = compile_ok(b);
  EXPECT_FALSE(open(f, utc(2026, 3, 6, 21, 59))); // Fri
  EXPECT_TRUE(open(f, utc(2026, 3, 6, 22, 0)));
  EXPECT_TRUE(open(f, utc(2026, 3, 6, 23, 59)));
  EXPECT_TRUE(open(f, utc(2026, 3, 7, 0, 0))); // Sat
  EXPECT_TRUE(open(f, utc(2026, 3, 7, 1, 59)));
  EXPECT_FALSE(open(f, utc(2026, 3, 7, 2, 0)));
  EXPECT_FALSE(open(f, utc(2026, 3, 5, 23, 0))); // Thu night
  EXPECT_FALSE(open(f, utc(2026, 3, 6, 1, 0)));  // early Fri: Thu had no window
  EXPECT_FALSE(open(f, utc(2026, 3, 8, 1, 0)));  // early Sun
}

TEST(EligibilityHours, OvernightWindowWrapsSaturdayIntoSunday) {
  buyer_config b = make_buyer();
  b.hours.weekly.push_back(window({6}, 23 * 60, 60)); // Sat 23:00 - Sun 01:00
  const buyer_filter f = compile_ok(b);
  EXPECT_TRUE(open(f, utc(2026, 3, 7, 23, 30)));
  EXPECT_TRUE(open(f, utc(2026, 3, 8, 0, 30)));
  EXPECT_FALSE(open(f, utc(2026, 3, 8, 1, 0)));
  EXPECT_FALSE(open(f, utc(2026, 3, 9, 0, 30))); // Mon
}

TEST(EligibilityHours, EqualOpenAndCloseRunsTwentyFourHours) {
  buyer_config b = make_buyer();
  b.hours.weekly.push_back(window({1}, 9 * 60, 9 * 60)); // Mon 09:00 - Tue 09:00
  const buyer_filter f = compile_ok(b);
  EXPECT_FALSE(open(f, utc(2026, 3, 2, 8, 59)));
  EXPECT_TRUE(open(f, utc(2026, 3, 2, 9, 0)));
  EXPECT_TRUE(open(f, utc(2026, 3, 3, 8, 59)));
  EXPECT_FALSE(open(f, utc(2026, 3, 3, 9, 0)));

  buyer_config midnight = make_buyer();
  midnight.hours.weekly.push_back(window({1}, 0, 0)); // all of Monday
  const buyer_filter g = compile_ok(midnight);
  EXPECT_TRUE(open(g, utc(2026, 3, 2, 0, 0)));
  EXPECT_TRUE(open(g, utc(2026, 3, 2, 23, 59)));
  EXPECT_FALSE(open(g, utc(2026, 3, 3, 0, 0)));
}

// ---------------------------------------------------------------- exceptions

TEST(EligibilityExceptions, ClosedDayWithAndWithoutNote) {
  buyer_config b = make_buyer("America/Chicago");
  b.hours.weekly.push_back(window({1, 2, 3, 4, 5}, 8 * 60, 17 * 60));
  b.hours.exceptions.push_back(closed_on("2026-12-25", "Christmas"));
  b.hours.exceptions.push_back(closed_on("2026-12-31"));
  const buyer_filter f = compile_ok(b);
  // Fri 2026-12-25 18:00 UTC = 12:00 CST.
  EXPECT_EQ(why_closed(f, utc(2026, 12, 25, 18, 0)), "closed: Christmas (2026-12-25)");
  EXPECT_EQ(f.check(call_facts{}, utc(2026, 12, 25, 18, 0)), "closed: Christmas (2026-12-25)");
  EXPECT_EQ(why_closed(f, utc(2026, 12, 31, 18, 0)), "closed: exception 2026-12-31");
  EXPECT_TRUE(open(f, utc(2026, 12, 24, 18, 0))); // the day before: normal hours
  EXPECT_TRUE(open(f, utc(2026, 12, 28, 18, 0))); // the Monday after
}

TEST(EligibilityExceptions, ExceptionDateIsLocal) {
  buyer_config b = make_buyer("America/Chicago"); // open at all hours but Christmas
  b.hours.exceptions.push_back(closed_on("2026-12-25", "Christmas"));
  const buyer_filter f = compile_ok(b);
  // Local midnight of 2026-12-25 in CST is 06:00 UTC.
  EXPECT_TRUE(open(f, utc(2026, 12, 25, 5, 59)));
  EXPECT_FALSE(open(f, utc(2026, 12, 25, 6, 0)));
  EXPECT_FALSE(open(f, utc(2026, 12, 26, 5, 59)));
  EXPECT_TRUE(open(f, utc(2026, 12, 26, 6, 0)));
}

TEST(EligibilityExceptions, SpecialHours) {
  buyer_config b = make_buyer("America/Chicago");
  b.hours.weekly.push_back(window({1, 2, 3, 4, 5}, 8 * 60, 17 * 60));
  b.hours.exceptions.push_back(special("2026-12-24", 9 * 60, 13 * 60, "Christmas Eve"));
  b.hours.exceptions.push_back(special("2026-12-23", 10 * 60, 11 * 60));
  b.hours.exceptions.push_back(special("2026-12-26", 10 * 60, 12 * 60, "Boxing Day")); // a Saturday
  const buyer_filter f = compile_ok(b);
  // Thu 2026-12-24 (CST = UTC-6).
  EXPECT_FALSE(open(f, utc(2026, 12, 24, 14, 30))); // 08:30: weekly hours would be open
  EXPECT_TRUE(open(f, utc(2026, 12, 24, 15, 0)));   // 09:00
  EXPECT_TRUE(open(f, utc(2026, 12, 24, 18, 59)));  // 12:59
  EXPECT_FALSE(open(f, utc(2026, 12, 24, 19, 0)));  // 13:00
  EXPECT_EQ(why_closed(f, utc(2026, 12, 24, 20, 10)),
            "closed: Christmas Eve (2026-12-24, open 09:00-13:00; now 14:10 America/Chicago)");
  EXPECT_EQ(why_closed(f, utc(2026, 12, 23, 20, 10)),
            "closed: exception 2026-12-23 (open 10:00-11:00; now 14:10 America/Chicago)");
  EXPECT_TRUE(open(f, utc(2026, 12, 23, 16, 30)));
  // A Saturday, normally closed, opened by an exception.
  EXPECT_TRUE(open(f, utc(2026, 12, 26, 17, 0)));  // 11:00
  EXPECT_FALSE(open(f, utc(2026, 12, 26, 18, 0))); // 12:00
}

TEST(EligibilityExceptions, SpecialHoursUntilMidnight) {
  buyer_config b = make_buyer();
  b.hours.exceptions.push_back(special("2026-07-04", 20 * 60, 1440));
  const buyer_filter f = compile_ok(b);
  EXPECT_FALSE(open(f, utc(2026, 7, 4, 19, 59)));
  EXPECT_TRUE(open(f, utc(2026, 7, 4, 23, 59)));
  EXPECT_TRUE(open(f, utc(2026, 7, 5, 0, 0))); // no weekly hours: open again
  EXPECT_EQ(why_closed(f, utc(2026, 7, 4, 0, 0)), "closed: exception 2026-07-04 (open 20:00-24:00; now 00:00 UTC)");
}

TEST(EligibilityExceptions, OvernightSpillIntoAnExceptionDateLoses) {
  buyer_config b = make_buyer();
  b.hours.weekly.push_back(window({4}, 22 * 60, 2 * 60));             // Thu 22:00 - Fri 02:00
  b.hours.exceptions.push_back(closed_on("2026-12-25", "Christmas")); // a Friday
  const buyer_filter f = compile_ok(b);
  EXPECT_TRUE(open(f, utc(2026, 12, 24, 23, 0)));
  EXPECT_EQ(why_closed(f, utc(2026, 12, 25, 1, 0)), "closed: Christmas (2026-12-25)");
  // Another week, no exception: the spill is open.
  EXPECT_TRUE(open(f, utc(2026, 12, 18, 1, 0)));

  buyer_config s = make_buyer();
  s.hours.weekly.push_back(window({4}, 22 * 60, 2 * 60));
  s.hours.exceptions.push_back(special("2026-12-25", 1 * 60 + 30, 3 * 60));
  const buyer_filter g = compile_ok(s);
  EXPECT_FALSE(open(g, utc(2026, 12, 25, 1, 0))); // spill replaced by special hours
  EXPECT_TRUE(open(g, utc(2026, 12, 25, 1, 30)));
  EXPECT_TRUE(open(g, utc(2026, 12, 25, 2, 30))); // past the spill's end, inside special hours
}

TEST(EligibilityExceptions, ExceptionDateDoesNotStopTheNextDaysSpill) {
  // Documented: the next date's hours are its own weekly hours, which include
  // the spill of the previous weekday's window even when that date was an exception.
  buyer_config b = make_buyer();
  b.hours.weekly.push_back(window({5}, 22 * 60, 2 * 60)); // Fri 22:00 - Sat 02:00
  b.hours.exceptions.push_back(closed_on("2026-12-25"));  // Friday
  const buyer_filter f = compile_ok(b);
  EXPECT_FALSE(open(f, utc(2026, 12, 25, 23, 0)));
  EXPECT_TRUE(open(f, utc(2026, 12, 26, 1, 0)));
}

// ---------------------------------------------------------------- DST

TEST(EligibilityDst, NewYorkSpringForward) {
  buyer_config b = make_buyer("America/New_York");
  b.hours.weekly.push_back(window({0, 1, 2, 3, 4, 5, 6}, 9 * 60, 17 * 60));
  const buyer_filter f = compile_ok(b);
  // Fri 2026-03-06, EST (UTC-5).
  EXPECT_FALSE(open(f, utc(2026, 3, 6, 13, 30))); // 08:30 EST
  EXPECT_EQ(why_closed(f, utc(2026, 3, 6, 13, 30)), "closed: outside business hours (Fri 08:30 America/New_York)");
  EXPECT_TRUE(open(f, utc(2026, 3, 6, 14, 0)));  // 09:00 EST
  EXPECT_TRUE(open(f, utc(2026, 3, 6, 21, 59))); // 16:59 EST
  EXPECT_FALSE(open(f, utc(2026, 3, 6, 22, 0))); // 17:00 EST
  // Mon 2026-03-09, EDT (UTC-4): the same local window, an hour earlier in UTC.
  EXPECT_FALSE(open(f, utc(2026, 3, 9, 12, 59))); // 08:59 EDT
  EXPECT_TRUE(open(f, utc(2026, 3, 9, 13, 0)));   // 09:00 EDT
  EXPECT_TRUE(open(f, utc(2026, 3, 9, 13, 30)));  // 09:30 EDT (08:30 under EST)
  EXPECT_TRUE(open(f, utc(2026, 3, 9, 20, 59)));  // 16:59 EDT
  EXPECT_FALSE(open(f, utc(2026, 3, 9, 21, 0)));  // 17:00 EDT
}

TEST(EligibilityDst, NewYorkSkippedHour) {
  // 2026-03-08 02:00 EST (07:00 UTC) jumps to 03:00 EDT.
  buyer_config b = make_buyer("America/New_York");
  b.hours.weekly.push_back(window({0}, 2 * 60, 3 * 60)); // Sun 02:00-03:00
  const buyer_filter f = compile_ok(b);
  EXPECT_FALSE(open(f, utc(2026, 3, 8, 6, 59))); // 01:59 EST
  EXPECT_FALSE(open(f, utc(2026, 3, 8, 7, 0)));  // 03:00 EDT: the window never opened
  EXPECT_EQ(why_closed(f, utc(2026, 3, 8, 7, 0)), "closed: outside business hours (Sun 03:00 America/New_York)");
  EXPECT_TRUE(open(f, utc(2026, 3, 15, 6, 30))); // next Sunday 02:30 EDT
  EXPECT_TRUE(open(f, utc(2026, 3, 1, 7, 30)));  // previous Sunday 02:30 EST

  buyer_config w = make_buyer("America/New_York");
  w.hours.weekly.push_back(window({0}, 1 * 60, 4 * 60)); // Sun 01:00-04:00: 2 real hours that day
  const buyer_filter g = compile_ok(w);
  EXPECT_FALSE(open(g, utc(2026, 3, 8, 5, 59))); // 00:59 EST
  EXPECT_TRUE(open(g, utc(2026, 3, 8, 6, 0)));   // 01:00 EST
  EXPECT_TRUE(open(g, utc(2026, 3, 8, 6, 59)));  // 01:59 EST
  EXPECT_TRUE(open(g, utc(2026, 3, 8, 7, 0)));   // 03:00 EDT
  EXPECT_TRUE(open(g, utc(2026, 3, 8, 7, 59)));  // 03:59 EDT
  EXPECT_FALSE(open(g, utc(2026, 3, 8, 8, 0)));  // 04:00 EDT
}

TEST(EligibilityDst, NewYorkFallBack) {
  // 2026-11-01 02:00 EDT (06:00 UTC) falls back to 01:00 EST.
  buyer_config b = make_buyer("America/New_York");
  b.hours.weekly.push_back(window({0}, 1 * 60, 2 * 60)); // Sun 01:00-02:00, lived twice
  const buyer_filter f = compile_ok(b);
  EXPECT_FALSE(open(f, utc(2026, 11, 1, 4, 59))); // 00:59 EDT
  EXPECT_TRUE(open(f, utc(2026, 11, 1, 5, 0)));   // 01:00 EDT
  EXPECT_TRUE(open(f, utc(2026, 11, 1, 5, 30)));  // 01:30 EDT
  EXPECT_TRUE(open(f, utc(2026, 11, 1, 6, 0)));   // 01:00 EST
  EXPECT_TRUE(open(f, utc(2026, 11, 1, 6, 30)));  // 01:30 EST
  EXPECT_FALSE(open(f, utc(2026, 11, 1, 7, 0)));  // 02:00 EST

  buyer_config d = make_buyer("America/New_York");
  d.hours.weekly.push_back(window({0, 1, 2, 3, 4, 5, 6}, 9 * 60, 17 * 60));
  const buyer_filter g = compile_ok(d);
  EXPECT_FALSE(open(g, utc(2026, 10, 30, 12, 59))); // Fri 08:59 EDT
  EXPECT_TRUE(open(g, utc(2026, 10, 30, 13, 0)));   // Fri 09:00 EDT
  EXPECT_FALSE(open(g, utc(2026, 11, 2, 13, 0)));   // Mon 08:00 EST
  EXPECT_FALSE(open(g, utc(2026, 11, 2, 13, 59)));  // Mon 08:59 EST
  EXPECT_TRUE(open(g, utc(2026, 11, 2, 14, 0)));    // Mon 09:00 EST
  EXPECT_TRUE(open(g, utc(2026, 11, 2, 21, 59)));   // Mon 16:59 EST
  EXPECT_FALSE(open(g, utc(2026, 11, 2, 22, 0)));   // Mon 17:00 EST
  EXPECT_TRUE(open(g, utc(2026, 11, 1, 21, 30)));   // Sun 16:30 EST, the change day
}

TEST(EligibilityDst, BerlinSpringForward) {
  // 2026-03-29 02:00 CET (01:00 UTC) jumps to 03:00 CEST; the US changed three weeks earlier.
  buyer_config b = make_buyer("Europe/Berlin");
  b.hours.weekly.push_back(window({1, 2, 3, 4, 5}, 9 * 60, 17 * 60));
  const buyer_filter f = compile_ok(b);
  EXPECT_FALSE(open(f, utc(2026, 3, 27, 7, 59))); // Fri 08:59 CET
  EXPECT_TRUE(open(f, utc(2026, 3, 27, 8, 0)));   // Fri 09:00 CET
  EXPECT_TRUE(open(f, utc(2026, 3, 27, 15, 59))); // Fri 16:59 CET
  EXPECT_FALSE(open(f, utc(2026, 3, 27, 16, 0))); // Fri 17:00 CET
  EXPECT_FALSE(open(f, utc(2026, 3, 30, 6, 59))); // Mon 08:59 CEST
  EXPECT_TRUE(open(f, utc(2026, 3, 30, 7, 0)));   // Mon 09:00 CEST
  EXPECT_FALSE(open(f, utc(2026, 3, 30, 15, 0))); // Mon 17:00 CEST

  // time_of_day across the change.
  const targeting_rule before_two = range("time_of_day", 0, 159);
  EXPECT_EQ(run(before_two, {}, utc(2026, 3, 29, 0, 59), "Europe/Berlin"), "");
  EXPECT_EQ(run(before_two, {}, utc(2026, 3, 29, 1, 0), "Europe/Berlin"),
            "rule 0: time_of_day range [0, 159] failed (value 0300)");
}

TEST(EligibilityDst, SydneyAutumnFallBack) {
  // Southern hemisphere: 2026-04-05 03:00 AEDT (2026-04-04 16:00 UTC) falls back to 02:00 AEST.
  buyer_config b = make_buyer("Australia/Sydney");
  b.hours.weekly.push_back(window({1, 2, 3, 4, 5}, 9 * 60, 17 * 60));
  const buyer_filter f = compile_ok(b);
  EXPECT_FALSE(open(f, utc(2026, 4, 2, 21, 59))); // Fri 04-03 08:59 AEDT (UTC+11)
  EXPECT_TRUE(open(f, utc(2026, 4, 2, 22, 0)));   // Fri 04-03 09:00 AEDT
  EXPECT_FALSE(open(f, utc(2026, 4, 5, 22, 0)));  // Mon 04-06 08:00 AEST (UTC+10)
  EXPECT_FALSE(open(f, utc(2026, 4, 5, 22, 59))); // Mon 04-06 08:59 AEST
  EXPECT_TRUE(open(f, utc(2026, 4, 5, 23, 0)));   // Mon 04-06 09:00 AEST
  EXPECT_EQ(why_closed(f, utc(2026, 4, 5, 22, 0)), "closed: outside business hours (Mon 08:00 Australia/Sydney)");

  buyer_config r = make_buyer("Australia/Sydney");
  r.hours.weekly.push_back(window({0}, 2 * 60, 3 * 60)); // Sun 02:00-03:00, lived twice
  const buyer_filter g = compile_ok(r);
  EXPECT_FALSE(open(g, utc(2026, 4, 4, 14, 59))); // 01:59 AEDT
  EXPECT_TRUE(open(g, utc(2026, 4, 4, 15, 30)));  // 02:30 AEDT
  EXPECT_TRUE(open(g, utc(2026, 4, 4, 16, 30)));  // 02:30 AEST
  EXPECT_FALSE(open(g, utc(2026, 4, 4, 17, 0)));  // 03:00 AEST
}

// ---------------------------------------------------------------- targeting lists

TEST(EligibilityTargeting, EmptyTargetingAcceptsEverything) {
  const buyer_filter f = compile_ok(make_buyer());
  EXPECT_EQ(f.check(call_facts{}, wed_1830), "");
  call_facts c;
  c.vertical = "auto";
  c.caller_state = "TX";
  c.area_code = "512";
  c.zip = "78701";
  c.tags = {"x"};
  c.ivr = {{"age", "40"}};
  EXPECT_EQ(f.check(c, wed_1830), "");
}

TEST(EligibilityTargeting, Verticals) {
  buyer_config b = make_buyer();
  b.target.verticals = {"health", "medicare"};
  const buyer_filter f = compile_ok(b);
  call_facts c;
  c.vertical = "medicare";
  EXPECT_EQ(f.check(c, wed_1830), "");
  c.vertical = "auto";
  EXPECT_EQ(f.check(c, wed_1830), "vertical auto not targeted");
  c.vertical = "Health"; // exact
  EXPECT_EQ(f.check(c, wed_1830), "vertical Health not targeted");
  c.vertical = "";
  EXPECT_EQ(f.check(c, wed_1830), "vertical unknown, buyer targets verticals");
}

TEST(EligibilityTargeting, States) {
  buyer_config b = make_buyer();
  b.target.states = {"TX", "ca"};
  const buyer_filter f = compile_ok(b);
  EXPECT_EQ(f.check(state_is("TX"), wed_1830), "");
  EXPECT_EQ(f.check(state_is("CA"), wed_1830), "");
  EXPECT_EQ(f.check(state_is("tx"), wed_1830), "");
  EXPECT_EQ(f.check(state_is("NY"), wed_1830), "state NY not targeted");
  EXPECT_EQ(f.check(state_is(""), wed_1830), "state unknown, buyer targets states");
}

TEST(EligibilityTargeting, ExcludedStates) {
  buyer_config b = make_buyer();
  b.target.excluded_states = {"TX", "fl"};
  const buyer_filter f = compile_ok(b);
  EXPECT_EQ(f.check(state_is("TX"), wed_1830), "state TX excluded");
  EXPECT_EQ(f.check(state_is("Fl"), wed_1830), "state Fl excluded");
  EXPECT_EQ(f.check(state_is("NY"), wed_1830), "");
  EXPECT_EQ(f.check(state_is(""), wed_1830), ""); // unknown is not excluded

  b.target.states = {"TX", "NY"};
  const buyer_filter g = compile_ok(b);
  EXPECT_EQ(g.check(state_is("TX"), wed_1830), "state TX excluded");
  EXPECT_EQ(g.check(state_is("NY"), wed_1830), "");
  EXPECT_EQ(g.check(state_is("CA"), wed_1830), "state CA not targeted");
}

TEST(EligibilityTargeting, AreaCodes) {
  buyer_config b = make_buyer();
  b.target.area_codes = {"512", "737"};
  const buyer_filter f = compile_ok(b);
  EXPECT_EQ(f.check(area_is("512"), wed_1830), "");
  EXPECT_EQ(f.check(area_is("212"), wed_1830), "area code 212 not targeted");
  EXPECT_EQ(f.check(area_is(""), wed_1830), "area code unknown, buyer targets area codes");

  buyer_config x = make_buyer();
  x.target.excluded_area_codes = {"900"};
  const buyer_filter g = compile_ok(x);
  EXPECT_EQ(g.check(area_is("900"), wed_1830), "area code 900 excluded");
  EXPECT_EQ(g.check(area_is("512"), wed_1830), "");
  EXPECT_EQ(g.check(area_is(""), wed_1830), "");

  b.target.excluded_area_codes = {"737"};
  const buyer_filter h = compile_ok(b);
  EXPECT_EQ(h.check(area_is("737"), wed_1830), "area code 737 excluded");
  EXPECT_EQ(h.check(area_is("512"), wed_1830), "");
}

TEST(EligibilityTargeting, ReasonsComeInOrder) {
  buyer_config b = make_buyer();
  b.hours.weekly.push_back(window({3}, 18 * 60, 19 * 60)); // Wed 18:00-19:00
  b.target.verticals = {"health"};
  b.target.states = {"CA"};
  b.target.area_codes = {"213"};
  b.target.rules.push_back(rule("zip", eq, {"90001"}));
  b.target.rules.push_back(rule("tag", eq, {"vip"}));
  const buyer_filter f = compile_ok(b);

  call_facts c;
  c.vertical = "auto";
  c.caller_state = "TX";
  c.area_code = "512";
  c.zip = "78701";
  EXPECT_EQ(f.check(c, utc(2026, 3, 4, 20, 0)), "closed: outside business hours (Wed 20:00 UTC)");
  EXPECT_EQ(f.check(c, wed_1830), "vertical auto not targeted");
  c.vertical = "health";
  EXPECT_EQ(f.check(c, wed_1830), "state TX not targeted");
  c.caller_state = "CA";
  EXPECT_EQ(f.check(c, wed_1830), "area code 512 not targeted");
  c.area_code = "213";
  EXPECT_EQ(f.check(c, wed_1830), "rule 0: zip equals 90001 failed (value 78701)");
  c.zip = "90001";
  EXPECT_EQ(f.check(c, wed_1830), "rule 1: tag equals vip failed (no tags)");
  c.tags = {"vip"};
  EXPECT_EQ(f.check(c, wed_1830), "");
}

TEST(EligibilityTargeting, FirstFailingRuleIsReported) {
  buyer_config b = make_buyer();
  b.target.rules.push_back(rule("zip", rx, {"\\d{5}"}));
  b.target.rules.push_back(range("ivr.age", 18, 64));
  b.target.rules.push_back(rule("caller_state", in, {"CA", "NY"}));
  b.target.rules.push_back(rule("tag", nin, {"spam"}));
  const buyer_filter f = compile_ok(b);
  call_facts c;
  c.zip = "78701";
  c.caller_state = "TX";
  EXPECT_EQ(f.check(c, wed_1830), "rule 1: ivr.age range [18, 64] failed (no answer)");
  c.ivr = {{"age", "30"}};
  EXPECT_EQ(f.check(c, wed_1830), "rule 2: caller_state in [CA, NY] failed (value TX)");
  c.caller_state = "NY";
  EXPECT_EQ(f.check(c, wed_1830), "");
  c.tags = {"spam"};
  EXPECT_EQ(f.check(c, wed_1830), "rule 3: tag not_in [spam] failed (tags [spam])");
}

// ---------------------------------------------------------------- rules, per field

TEST(EligibilityRules, CallerState) {
  // equals
  EXPECT_EQ(run(rule("caller_state", eq, {"TX"}), state_is("TX")), "");
  EXPECT_EQ(run(rule("caller_state", eq, {"TX"}), state_is("CA")), "rule 0: caller_state equals TX failed (value CA)");
  EXPECT_EQ(run(rule("caller_state", eq, {"TX"}), state_is("tx")),
            "rule 0: caller_state equals TX failed (value tx)"); // case-sensitive
  EXPECT_EQ(run(rule("caller_state", eq, {"TX"}), state_is("")),
            "rule 0: caller_state equals TX failed (value unknown)");
  // not_equals
  EXPECT_EQ(run(rule("caller_state", ne, {"TX"}), state_is("CA")), "");
  EXPECT_EQ(run(rule("caller_state", ne, {"TX"}), state_is("TX")),
            "rule 0: caller_state not_equals TX failed (value TX)");
  EXPECT_EQ(run(rule("caller_state", ne, {"TX"}), state_is("")),
            "rule 0: caller_state not_equals TX failed (value unknown)");
  // in
  EXPECT_EQ(run(rule("caller_state", in, {"CA", "NY"}), state_is("NY")), "");
  EXPECT_EQ(run(rule("caller_state", in, {"CA", "NY"}), state_is("TX")),
            "rule 0: caller_state in [CA, NY] failed (value TX)");
  EXPECT_EQ(run(rule("caller_state", in, {"CA", "NY"}), state_is("")),
            "rule 0: caller_state in [CA, NY] failed (value unknown)");
  // not_in
  EXPECT_EQ(run(rule("caller_state", nin, {"CA", "NY"}), state_is("TX")), "");
  EXPECT_EQ(run(rule("caller_state", nin, {"CA", "NY"}), state_is("CA")),
            "rule 0: caller_state not_in [CA, NY] failed (value CA)");
  EXPECT_EQ(run(rule("caller_state", nin, {"CA", "NY"}), state_is("")),
            "rule 0: caller_state not_in [CA, NY] failed (value unknown)");
  // regex: whole value
  EXPECT_EQ(run(rule("caller_state", rx, {"[A-M][A-Z]"}), state_is("CA")), "");
  EXPECT_EQ(run(rule("caller_state", rx, {"[A-M][A-Z]"}), state_is("TX")),
            "rule 0: caller_state regex [A-M][A-Z] failed (value TX)");
  EXPECT_EQ(run(rule("caller_state", rx, {"[A-M][A-Z]"}), state_is("CAX")),
            "rule 0: caller_state regex [A-M][A-Z] failed (value CAX)");
  EXPECT_EQ(run(rule("caller_state", rx, {".*"}), state_is("")),
            "rule 0: caller_state regex .* failed (value unknown)");
  // range: not a number
  EXPECT_EQ(run(range("caller_state", 0, 100), state_is("TX")),
            "rule 0: caller_state range [0, 100] failed (value TX)");
  EXPECT_EQ(run(range("caller_state", 0, 100), state_is("")),
            "rule 0: caller_state range [0, 100] failed (value unknown)");
}

TEST(EligibilityRules, AreaCode) {
  EXPECT_EQ(run(rule("area_code", eq, {"512"}), area_is("512")), "");
  EXPECT_EQ(run(rule("area_code", eq, {"512"}), area_is("212")), "rule 0: area_code equals 512 failed (value 212)");
  EXPECT_EQ(run(rule("area_code", eq, {"512"}), area_is("")), "rule 0: area_code equals 512 failed (value unknown)");
  EXPECT_EQ(run(rule("area_code", ne, {"512"}), area_is("212")), "");
  EXPECT_EQ(run(rule("area_code", ne, {"512"}), area_is("512")), "rule 0: area_code not_equals 512 failed (value 512)");
  EXPECT_EQ(run(rule("area_code", ne, {"512"}), area_is("")),
            "rule 0: area_code not_equals 512 failed (value unknown)");
  EXPECT_EQ(run(rule("area_code", in, {"512", "737"}), area_is("737")), "");
  EXPECT_EQ(run(rule("area_code", in, {"512", "737"}), area_is("212")),
            "rule 0: area_code in [512, 737] failed (value 212)");
  EXPECT_EQ(run(rule("area_code", in, {"512"}), area_is("")), "rule 0: area_code in [512] failed (value unknown)");
  EXPECT_EQ(run(rule("area_code", nin, {"900", "976"}), area_is("512")), "");
  EXPECT_EQ(run(rule("area_code", nin, {"900", "976"}), area_is("976")),
            "rule 0: area_code not_in [900, 976] failed (value 976)");
  EXPECT_EQ(run(rule("area_code", nin, {"900"}), area_is("")), "rule 0: area_code not_in [900] failed (value unknown)");
  EXPECT_EQ(run(rule("area_code", rx, {"5\\d\\d"}), area_is("512")), "");
  EXPECT_EQ(run(rule("area_code", rx, {"5\\d\\d"}), area_is("212")),
            "rule 0: area_code regex 5\\d\\d failed (value 212)");
  EXPECT_EQ(run(rule("area_code", rx, {"5\\d"}), area_is("512")),
            "rule 0: area_code regex 5\\d failed (value 512)"); // whole match only
  EXPECT_EQ(run(rule("area_code", rx, {"5\\d\\d"}), area_is("")),
            "rule 0: area_code regex 5\\d\\d failed (value unknown)");
  EXPECT_EQ(run(range("area_code", 500, 599), area_is("512")), "");
  EXPECT_EQ(run(range("area_code", 500, 599), area_is("212")), "rule 0: area_code range [500, 599] failed (value 212)");
  EXPECT_EQ(run(range("area_code", 500, 599), area_is("")),
            "rule 0: area_code range [500, 599] failed (value unknown)");
}

TEST(EligibilityRules, Zip) {
  EXPECT_EQ(run(rule("zip", eq, {"78701"}), zip_is("78701")), "");
  EXPECT_EQ(run(rule("zip", eq, {"78701"}), zip_is("10001")), "rule 0: zip equals 78701 failed (value 10001)");
  EXPECT_EQ(run(rule("zip", eq, {"78701"}), zip_is("")), "rule 0: zip equals 78701 failed (value unknown)");
  EXPECT_EQ(run(rule("zip", ne, {"78701"}), zip_is("10001")), "");
  EXPECT_EQ(run(rule("zip", ne, {"78701"}), zip_is("78701")), "rule 0: zip not_equals 78701 failed (value 78701)");
  EXPECT_EQ(run(rule("zip", ne, {"78701"}), zip_is("")), "rule 0: zip not_equals 78701 failed (value unknown)");
  EXPECT_EQ(run(rule("zip", in, {"78701", "78702"}), zip_is("78702")), "");
  EXPECT_EQ(run(rule("zip", in, {"78701", "78702"}), zip_is("78703")),
            "rule 0: zip in [78701, 78702] failed (value 78703)");
  EXPECT_EQ(run(rule("zip", in, {"78701"}), zip_is("")), "rule 0: zip in [78701] failed (value unknown)");
  EXPECT_EQ(run(rule("zip", nin, {"78701"}), zip_is("78702")), "");
  EXPECT_EQ(run(rule("zip", nin, {"78701"}), zip_is("78701")), "rule 0: zip not_in [78701] failed (value 78701)");
  EXPECT_EQ(run(rule("zip", nin, {"78701"}), zip_is("")), "rule 0: zip not_in [78701] failed (value unknown)");
  EXPECT_EQ(run(rule("zip", rx, {"787\\d\\d"}), zip_is("78745")), "");
  EXPECT_EQ(run(rule("zip", rx, {"787\\d\\d"}), zip_is("10001")), "rule 0: zip regex 787\\d\\d failed (value 10001)");
  EXPECT_EQ(run(rule("zip", rx, {"787\\d\\d"}), zip_is("787011")), "rule 0: zip regex 787\\d\\d failed (value 787011)");
  EXPECT_EQ(run(rule("zip", rx, {"787\\d\\d"}), zip_is("")), "rule 0: zip regex 787\\d\\d failed (value unknown)");
  EXPECT_EQ(run(range("zip", 70000, 79999), zip_is("78701")), "");
  EXPECT_EQ(run(range("zip", 70000, 79999), zip_is("70000")), ""); // inclusive
  EXPECT_EQ(run(range("zip", 70000, 79999), zip_is("79999")), "");
  EXPECT_EQ(run(range("zip", 70000, 79999), zip_is("80000")), "rule 0: zip range [70000, 79999] failed (value 80000)");
  EXPECT_EQ(run(range("zip", 70000, 79999), zip_is("7870a")), "rule 0: zip range [70000, 79999] failed (value 7870a)");
  EXPECT_EQ(run(range("zip", 70000, 79999), zip_is("")), "rule 0: zip range [70000, 79999] failed (value unknown)");
}

TEST(EligibilityRules, TimeOfDay) {
  // Wed 2026-03-04 18:30 UTC; in UTC the field is 1830.
  EXPECT_EQ(run(range("time_of_day", 1800, 1900), {}), "");
  EXPECT_EQ(run(range("time_of_day", 1830, 1830), {}), "");
  EXPECT_EQ(run(range("time_of_day", 900, 1700), {}), "rule 0: time_of_day range [900, 1700] failed (value 1830)");
  EXPECT_EQ(run(rule("time_of_day", eq, {"1830"}), {}), "");
  EXPECT_EQ(run(rule("time_of_day", eq, {"1831"}), {}), "rule 0: time_of_day equals 1831 failed (value 1830)");
  EXPECT_EQ(run(rule("time_of_day", ne, {"1831"}), {}), "");
  EXPECT_EQ(run(rule("time_of_day", ne, {"1830"}), {}), "rule 0: time_of_day not_equals 1830 failed (value 1830)");
  EXPECT_EQ(run(rule("time_of_day", in, {"1829", "1830"}), {}), "");
  EXPECT_EQ(run(rule("time_of_day", in, {"900", "1000"}), {}),
            "rule 0: time_of_day in [900, 1000] failed (value 1830)");
  EXPECT_EQ(run(rule("time_of_day", nin, {"900", "1000"}), {}), "");
  EXPECT_EQ(run(rule("time_of_day", nin, {"1830"}), {}), "rule 0: time_of_day not_in [1830] failed (value 1830)");
  EXPECT_EQ(run(rule("time_of_day", rx, {"18\\d\\d"}), {}), "");
  EXPECT_EQ(run(rule("time_of_day", rx, {"09\\d\\d"}), {}), "rule 0: time_of_day regex 09\\d\\d failed (value 1830)");
  // Early in the day: a number (930) for comparisons, four digits for regex.
  const timestamp_us morning = utc(2026, 3, 4, 9, 30);
  EXPECT_EQ(run(rule("time_of_day", eq, {"930"}), {}, morning), "");
  EXPECT_EQ(run(rule("time_of_day", eq, {"0930"}), {}, morning), "");
  EXPECT_EQ(run(rule("time_of_day", rx, {"09\\d\\d"}), {}, morning), "");
  EXPECT_EQ(run(range("time_of_day", 900, 959), {}, morning), "");
  EXPECT_EQ(run(range("time_of_day", 1000, 2359), {}, morning),
            "rule 0: time_of_day range [1000, 2359] failed (value 0930)");
  EXPECT_EQ(run(range("time_of_day", 0, 0), {}, utc(2026, 3, 4, 0, 0)), "");
  // In the buyer's zone: 18:30 UTC is 12:30 CST.
  EXPECT_EQ(run(range("time_of_day", 1200, 1300), {}, wed_1830, "America/Chicago"), "");
  EXPECT_EQ(run(range("time_of_day", 1800, 1900), {}, wed_1830, "America/Chicago"),
            "rule 0: time_of_day range [1800, 1900] failed (value 1230)");
  // Across New York's spring forward: 07:00 UTC reads 03:00 EDT.
  EXPECT_EQ(run(range("time_of_day", 200, 259), {}, utc(2026, 3, 8, 7, 0), "America/New_York"),
            "rule 0: time_of_day range [200, 259] failed (value 0300)");
  EXPECT_EQ(run(range("time_of_day", 159, 159), {}, utc(2026, 3, 8, 6, 59), "America/New_York"), "");
}

TEST(EligibilityRules, DayOfWeek) {
  // 2026-03-04 is a Wednesday.
  EXPECT_EQ(run(rule("day_of_week", eq, {"wed"}), {}), "");
  EXPECT_EQ(run(rule("day_of_week", eq, {"WED"}), {}), ""); // case-insensitive
  EXPECT_EQ(run(rule("day_of_week", eq, {"thu"}), {}), "rule 0: day_of_week equals thu failed (value wed)");
  EXPECT_EQ(run(rule("day_of_week", ne, {"thu"}), {}), "");
  EXPECT_EQ(run(rule("day_of_week", ne, {"Wed"}), {}), "rule 0: day_of_week not_equals Wed failed (value wed)");
  EXPECT_EQ(run(rule("day_of_week", in, {"mon", "Wed"}), {}), "");
  EXPECT_EQ(run(rule("day_of_week", in, {"sat", "sun"}), {}), "rule 0: day_of_week in [sat, sun] failed (value wed)");
  EXPECT_EQ(run(rule("day_of_week", nin, {"sat", "sun"}), {}), "");
  EXPECT_EQ(run(rule("day_of_week", nin, {"SUN", "WED"}), {}),
            "rule 0: day_of_week not_in [SUN, WED] failed (value wed)");
  EXPECT_EQ(run(rule("day_of_week", rx, {"(mon|tue|wed)"}), {}), "");
  EXPECT_EQ(run(rule("day_of_week", rx, {"W.D"}), {}), ""); // case-insensitive regex
  EXPECT_EQ(run(rule("day_of_week", rx, {"s.."}), {}), "rule 0: day_of_week regex s.. failed (value wed)");
  EXPECT_EQ(run(range("day_of_week", 0, 6), {}), "rule 0: day_of_week range [0, 6] failed (value wed)");
  // Every day's name, Sunday 2026-03-08 to Saturday 2026-03-14.
  const char* names[] = {"sun", "mon", "tue", "wed", "thu", "fri", "sat"};
  for (int d = 0; d < 7; ++d)
    EXPECT_EQ(run(rule("day_of_week", eq, {names[d]}), {}, utc(2026, 3, 8 + d, 12, 0)), "") << names[d];
  // In the buyer's zone: Wed 18:30 UTC is already Thu 07:30 in Auckland (UTC+13).
  EXPECT_EQ(run(rule("day_of_week", eq, {"thu"}), {}, wed_1830, "Pacific/Auckland"), "");
}

TEST(EligibilityRules, Tag) {
  const targeting_rule is_vip = rule("tag", eq, {"vip"});
  EXPECT_EQ(run(is_vip, tags_are({"a", "vip"})), "");
  EXPECT_EQ(run(is_vip, tags_are({"a", "b"})), "rule 0: tag equals vip failed (tags [a, b])");
  EXPECT_EQ(run(is_vip, tags_are({"VIP"})), "rule 0: tag equals vip failed (tags [VIP])");
  EXPECT_EQ(run(is_vip, tags_are({})), "rule 0: tag equals vip failed (no tags)");
  // not_equals / not_in: no tag may match; no tags at all passes.
  const targeting_rule not_spam = rule("tag", ne, {"spam"});
  EXPECT_EQ(run(not_spam, tags_are({"a", "b"})), "");
  EXPECT_EQ(run(not_spam, tags_are({})), "");
  EXPECT_EQ(run(not_spam, tags_are({"a", "spam"})), "rule 0: tag not_equals spam failed (tags [a, spam])");
  const targeting_rule any_of = rule("tag", in, {"x", "y"});
  EXPECT_EQ(run(any_of, tags_are({"a", "y"})), "");
  EXPECT_EQ(run(any_of, tags_are({"a"})), "rule 0: tag in [x, y] failed (tags [a])");
  EXPECT_EQ(run(any_of, tags_are({})), "rule 0: tag in [x, y] failed (no tags)");
  const targeting_rule none_of = rule("tag", nin, {"x", "y"});
  EXPECT_EQ(run(none_of, tags_are({"a", "b"})), "");
  EXPECT_EQ(run(none_of, tags_are({})), "");
  EXPECT_EQ(run(none_of, tags_are({"b", "x"})), "rule 0: tag not_in [x, y] failed (tags [b, x])");
  const targeting_rule pattern = rule("tag", rx, {"src-\\d+"});
  EXPECT_EQ(run(pattern, tags_are({"a", "src-42"})), "");
  EXPECT_EQ(run(pattern, tags_are({"src-4x"})), "rule 0: tag regex src-\\d+ failed (tags [src-4x])");
  EXPECT_EQ(run(pattern, tags_are({})), "rule 0: tag regex src-\\d+ failed (no tags)");
  const targeting_rule numbered = range("tag", 1, 5);
  EXPECT_EQ(run(numbered, tags_are({"x", "3"})), "");
  EXPECT_EQ(run(numbered, tags_are({"x", "9"})), "rule 0: tag range [1, 5] failed (tags [x, 9])");
  EXPECT_EQ(run(numbered, tags_are({})), "rule 0: tag range [1, 5] failed (no tags)");
  // An empty tag is an unknown value: it satisfies nothing.
  EXPECT_EQ(run(rule("tag", rx, {".*"}), tags_are({""})), "rule 0: tag regex .* failed (tags [])");
}

TEST(EligibilityRules, Ivr) {
  const targeting_rule age = range("ivr.age", 18, 64);
  EXPECT_EQ(run(age, answers({{"age", "30"}})), "");
  EXPECT_EQ(run(age, answers({{"age", "18"}})), ""); // inclusive
  EXPECT_EQ(run(age, answers({{"age", "64"}})), "");
  EXPECT_EQ(run(age, answers({{"age", "40.5"}})), "");
  EXPECT_EQ(run(age, answers({{"age", "64.5"}})), "rule 0: ivr.age range [18, 64] failed (value 64.5)");
  EXPECT_EQ(run(age, answers({{"age", "70"}})), "rule 0: ivr.age range [18, 64] failed (value 70)");
  EXPECT_EQ(run(age, answers({{"age", "abc"}})), "rule 0: ivr.age range [18, 64] failed (value abc)");
  EXPECT_EQ(run(age, answers({{"age", "30 "}})), "rule 0: ivr.age range [18, 64] failed (value 30 )");
  EXPECT_EQ(run(age, answers({})), "rule 0: ivr.age range [18, 64] failed (no answer)");
  EXPECT_EQ(run(age, answers({{"zip", "30"}})), "rule 0: ivr.age range [18, 64] failed (no answer)");
  EXPECT_EQ(run(age, answers({{"age", ""}})), "rule 0: ivr.age range [18, 64] failed (no answer)");
  EXPECT_EQ(run(age, answers({{"age", "10"}, {"age", "30"}})), ""); // the last answer counts
  EXPECT_EQ(run(range("ivr.income", 2.5, 7.25), answers({{"income", "9"}})),
            "rule 0: ivr.income range [2.5, 7.25] failed (value 9)");

  EXPECT_EQ(run(rule("ivr.insured", eq, {"yes"}), answers({{"insured", "yes"}})), "");
  EXPECT_EQ(run(rule("ivr.insured", eq, {"yes"}), answers({{"insured", "no"}})),
            "rule 0: ivr.insured equals yes failed (value no)");
  EXPECT_EQ(run(rule("ivr.insured", eq, {"yes"}), answers({})), "rule 0: ivr.insured equals yes failed (no answer)");
  EXPECT_EQ(run(rule("ivr.insured", ne, {"yes"}), answers({{"insured", "no"}})), "");
  EXPECT_EQ(run(rule("ivr.insured", ne, {"yes"}), answers({{"insured", "yes"}})),
            "rule 0: ivr.insured not_equals yes failed (value yes)");
  EXPECT_EQ(run(rule("ivr.insured", ne, {"yes"}), answers({})),
            "rule 0: ivr.insured not_equals yes failed (no answer)");
  EXPECT_EQ(run(rule("ivr.plan", in, {"gold", "silver"}), answers({{"plan", "gold"}})), "");
  EXPECT_EQ(run(rule("ivr.plan", in, {"gold", "silver"}), answers({{"plan", "bronze"}})),
            "rule 0: ivr.plan in [gold, silver] failed (value bronze)");
  EXPECT_EQ(run(rule("ivr.plan", in, {"gold"}), answers({})), "rule 0: ivr.plan in [gold] failed (no answer)");
  EXPECT_EQ(run(rule("ivr.plan", nin, {"none"}), answers({{"plan", "gold"}})), "");
  EXPECT_EQ(run(rule("ivr.plan", nin, {"none"}), answers({{"plan", "none"}})),
            "rule 0: ivr.plan not_in [none] failed (value none)");
  EXPECT_EQ(run(rule("ivr.plan", nin, {"none"}), answers({})), "rule 0: ivr.plan not_in [none] failed (no answer)");
  EXPECT_EQ(run(rule("ivr.email", rx, {"[^@]+@[^@]+"}), answers({{"email", "a@b.c"}})), "");
  EXPECT_EQ(run(rule("ivr.email", rx, {"[^@]+@[^@]+"}), answers({{"email", "nope"}})),
            "rule 0: ivr.email regex [^@]+@[^@]+ failed (value nope)");
  EXPECT_EQ(run(rule("ivr.email", rx, {".*"}), answers({})), "rule 0: ivr.email regex .* failed (no answer)");
}

// ---------------------------------------------------------------- compile errors

TEST(EligibilityCompile, BadZone) {
  EXPECT_EQ(compile_error(make_buyer("Mars/Base")), "time_zone: unknown zone Mars/Base");
  EXPECT_EQ(compile_error(make_buyer("")), "time_zone: unknown zone ");
  EXPECT_EQ(compile_error(make_buyer("Etc/UTC")), "<compiled>");
  EXPECT_EQ(compile_error(make_buyer("America/Chicago")), "<compiled>");
}

TEST(EligibilityCompile, BadDates) {
  for (const char* bad : {"2026-13-01", "2026-02-29", "2026-04-31", "2026-2-01", "26-12-25", "2026/12/25",
                          "2026-12-25 ", "", "2026-00-10", "2026-01-00", "20a6-01-01"}) {
    buyer_config b = make_buyer();
    b.hours.exceptions.push_back(closed_on("2026-12-25"));
    b.hours.exceptions.push_back(closed_on(bad));
    EXPECT_EQ(compile_error(b), "hours.exceptions[1].date: not YYYY-MM-DD") << bad;
  }
  buyer_config leap = make_buyer();
  leap.hours.exceptions.push_back(closed_on("2028-02-29"));
  EXPECT_EQ(compile_error(leap), "<compiled>");

  buyer_config twice = make_buyer();
  twice.hours.exceptions.push_back(closed_on("2026-12-25"));
  twice.hours.exceptions.push_back(special("2026-12-25", 60, 120));
  EXPECT_EQ(compile_error(twice), "hours.exceptions[1].date: 2026-12-25 is listed twice");
}

TEST(EligibilityCompile, BadExceptionHours) {
  buyer_config b = make_buyer();
  b.hours.exceptions.push_back(special("2026-12-24", 13 * 60, 9 * 60));
  EXPECT_EQ(compile_error(b), "hours.exceptions[0]: close_minute 540 not after open_minute 780");
  b.hours.exceptions[0] = special("2026-12-24", 600, 600);
  EXPECT_EQ(compile_error(b), "hours.exceptions[0]: close_minute 600 not after open_minute 600");
  b.hours.exceptions[0] = special("2026-12-24", -1, 600);
  EXPECT_EQ(compile_error(b), "hours.exceptions[0].open_minute: -1 not in 0..1439");
  b.hours.exceptions[0] = special("2026-12-24", 0, 1441);
  EXPECT_EQ(compile_error(b), "hours.exceptions[0].close_minute: 1441 not in 0..1440");
  // A closed exception's minutes are not looked at.
  b.hours.exceptions[0] = closed_on("2026-12-24");
  b.hours.exceptions[0].open_minute = 5000;
  EXPECT_EQ(compile_error(b), "<compiled>");
}

TEST(EligibilityCompile, BadWeeklyWindows) {
  buyer_config b = make_buyer();
  b.hours.weekly.push_back(window({1, 7}, 0, 60));
  EXPECT_EQ(compile_error(b), "hours.weekly[0].days[1]: 7 not in 0..6");
  b.hours.weekly[0] = window({-1}, 0, 60);
  EXPECT_EQ(compile_error(b), "hours.weekly[0].days[0]: -1 not in 0..6");
  b.hours.weekly[0] = window({1}, 1440, 60);
  EXPECT_EQ(compile_error(b), "hours.weekly[0].open_minute: 1440 not in 0..1439");
  b.hours.weekly[0] = window({1}, 0, 1441);
  EXPECT_EQ(compile_error(b), "hours.weekly[0].close_minute: 1441 not in 0..1440");
  b.hours.weekly[0] = window({1}, 0, -5);
  EXPECT_EQ(compile_error(b), "hours.weekly[0].close_minute: -5 not in 0..1440");
}

TEST(EligibilityCompile, BadTargetingLists) {
  buyer_config b = make_buyer();
  b.target.states = {"TX", "Texas"};
  EXPECT_EQ(compile_error(b), "target.states[1]: \"Texas\" is not a two-letter code");
  b = make_buyer();
  b.target.excluded_states = {"T1"};
  EXPECT_EQ(compile_error(b), "target.excluded_states[0]: \"T1\" is not a two-letter code");
  b = make_buyer();
  b.target.area_codes = {"51"};
  EXPECT_EQ(compile_error(b), "target.area_codes[0]: \"51\" is not a three-digit area code");
  b = make_buyer();
  b.target.excluded_area_codes = {"512", "5x2"};
  EXPECT_EQ(compile_error(b), "target.excluded_area_codes[1]: \"5x2\" is not a three-digit area code");
}

TEST(EligibilityCompile, BadRules) {
  const auto error_of = [](const targeting_rule& r) {
    buyer_config b = make_buyer();
    b.target.rules.push_back(rule("zip", rx, {"\\d+"}));
    b.target.rules.push_back(r);
    return compile_error(b);
  };
  const std::string bad_regex = error_of(rule("zip", rx, {"("}));
  EXPECT_EQ(bad_regex.rfind("target.rules[1]: bad regex \"(\": ", 0), 0u) << bad_regex;
  EXPECT_EQ(error_of(rule("colour", eq, {"red"})), "target.rules[1]: unknown field \"colour\"");
  EXPECT_EQ(error_of(rule("ivr.", eq, {"x"})), "target.rules[1]: unknown field \"ivr.\"");
  EXPECT_EQ(error_of(rule("IVR.age", eq, {"x"})), "target.rules[1]: unknown field \"IVR.age\"");
  EXPECT_EQ(error_of(rule("", eq, {"x"})), "target.rules[1]: unknown field \"\"");
  EXPECT_EQ(error_of(range("ivr.age", 65, 18)), "target.rules[1]: range min 65 is greater than max 18");
  EXPECT_EQ(error_of(range("ivr.age", std::numeric_limits<double>::quiet_NaN(), 18)),
            "target.rules[1]: range bounds must be finite numbers");
  EXPECT_EQ(error_of(range("ivr.age", 0, std::numeric_limits<double>::infinity())),
            "target.rules[1]: range bounds must be finite numbers");
  EXPECT_EQ(error_of(range("ivr.age", 18, 18)), "<compiled>");
  EXPECT_EQ(error_of(rule("zip", eq, {})), "target.rules[1]: equals needs exactly one value");
  EXPECT_EQ(error_of(rule("zip", ne, {"a", "b"})), "target.rules[1]: not_equals needs exactly one value");
  EXPECT_EQ(error_of(rule("zip", rx, {})), "target.rules[1]: regex needs exactly one value");
  EXPECT_EQ(error_of(rule("zip", in, {})), "target.rules[1]: in needs at least one value");
  EXPECT_EQ(error_of(rule("zip", nin, {})), "target.rules[1]: not_in needs at least one value");
  EXPECT_EQ(error_of(rule("day_of_week", in, {"mon", "funday"})),
            "target.rules[1]: day_of_week value \"funday\" is not a day (sun..sat)");
  EXPECT_EQ(error_of(rule("day_of_week", eq, {"monday"})),
            "target.rules[1]: day_of_week value \"monday\" is not a day (sun..sat)");
  EXPECT_EQ(error_of(rule("time_of_day", eq, {"noon"})),
            "target.rules[1]: time_of_day value \"noon\" is not a number (HHMM)");
  EXPECT_EQ(error_of(rule("time_of_day", nin, {"900", "9:30"})),
            "target.rules[1]: time_of_day value \"9:30\" is not a number (HHMM)");
  EXPECT_EQ(error_of(rule("ivr.age", static_cast<rule_operator>(42), {"x"})), "target.rules[1]: unknown operator");
}

/// compile_rules' errors as "rule operand[item] never|fatal: message" lines.
std::vector<std::string> rule_errors(const std::vector<targeting_rule>& rules) {
  std::vector<std::string> out;
  for (const rule_error& e : compile_rules(rules).errors)
    out.push_back(std::to_string(e.rule) + " " + e.operand + (e.item ? "[" + std::to_string(*e.item) + "]" : "") +
                  (e.never_holds ? " never: " : " fatal: ") + e.message);
  return out;
}

TEST(TargetingRules, EveryErrorNamesItsRuleAndOperand) {
  const auto errors = rule_errors({
    rule("zip", rx, {"787\\d\\d"}),                               // fine
    rule("colour", eq, {"red"}),                                  // 1 field
    rule("ivr.age", static_cast<rule_operator>(42)),              // 2 op
    rule("zip", eq, {}),                                          // 3 value
    rule("zip", in, {}),                                          // 4 values
    range("ivr.age", 0, std::numeric_limits<double>::infinity()), // 5 min
    range("day_of_week", 5, 1),                                   // 6 op (never holds) and min
    rule("day_of_week", nin, {"mon", "someday", "SAT", "x"}),     // 7 values 1 and 3
    rule("time_of_day", eq, {"9:30"}),                            // 8 value
    rule("caller_state", in, {"TX", "Texas"}),                    // 9 values 1 (never holds)
    rule("area_code", ne, {"51"}),                                // 10 value (never holds)
    range("tag", 1, 2),                                           // fine: tags may be numbers
  });
  EXPECT_EQ(errors, (std::vector<std::string>{
                      "1 field fatal: unknown field \"colour\"",
                      "2 op fatal: unknown operator",
                      "3 value fatal: equals needs exactly one value",
                      "4 values fatal: in needs at least one value",
                      "5 min fatal: range bounds must be finite numbers",
                      "6 op never: op \"range\" never holds for day_of_week, which is not a number",
                      "6 min fatal: range min 5 is greater than max 1",
                      "7 values[1] fatal: day_of_week value \"someday\" is not a day (sun..sat)",
                      "7 values[3] fatal: day_of_week value \"x\" is not a day (sun..sat)",
                      "8 value fatal: time_of_day value \"9:30\" is not a number (HHMM)",
                      "9 values[1] never: caller_state value \"Texas\" is not a two-letter state code in capitals, "
                      "e.g. TX",
                      "10 value never: area_code value \"51\" is not a three-digit area code",
                    }));
  // A bad regex, at its value; the rest of the text is the standard library's.
  const auto regex_errors = compile_rules({rule("zip", rx, {"787(0|1"})}).errors;
  ASSERT_EQ(regex_errors.size(), 1u);
  EXPECT_EQ(regex_errors[0].operand, "value");
  EXPECT_EQ(regex_errors[0].message.rfind("bad regex \"787(0|1\": ", 0), 0u) << regex_errors[0].message;
}

TEST(TargetingRules, NeverHoldingRulesCompileAndFailEveryCall) {
  buyer_config b = make_buyer();
  b.target.rules.push_back(rule("caller_state", eq, {"tx"}));
  const compiled_rules compiled = compile_rules(b.target.rules);
  ASSERT_EQ(compiled.errors.size(), 1u);
  EXPECT_TRUE(compiled.errors[0].never_holds);
  EXPECT_EQ(compiled.first_fatal(), nullptr);
  EXPECT_EQ(to_string(compiled.errors[0]),
            "target.rules[0]: caller_state value \"tx\" is not a two-letter state code in capitals, e.g. TX");
  EXPECT_EQ(compile_ok(b).check(state_is("TX"), wed_1830), "rule 0: caller_state equals tx failed (value TX)");
  b.target.rules.push_back(rule("zip", in, {}));
  EXPECT_EQ(compile_error(b), "target.rules[1]: in needs at least one value");
}

TEST(EligibilityCompile, ErrorPointerMayBeNull) {
  EXPECT_FALSE(buyer_filter::compile(make_buyer("Mars/Base"), nullptr).has_value());
  EXPECT_TRUE(buyer_filter::compile(make_buyer(), nullptr).has_value());
}

TEST(EligibilityCompile, FiltersAreSharedAcrossThreads) {
  buyer_config b = make_buyer("America/New_York");
  b.hours.weekly.push_back(window({3}, 9 * 60, 17 * 60));
  b.target.rules.push_back(rule("zip", rx, {"787\\d\\d"}));
  const buyer_filter f = compile_ok(b);
  const buyer_filter copy = f; // copies share the compiled state
  std::atomic<int> wrong{0};
  const auto work = [&](const buyer_filter& g) {
    for (int i = 0; i < 2000; ++i) {
      if (g.check(zip_is("78701"), wed_1830) != "") ++wrong; // 13:30 EST
      if (g.check(zip_is("10001"), wed_1830).empty()) ++wrong;
      if (g.open_at(utc(2026, 3, 4, 23, 0))) ++wrong; // 18:00 EST
    }
  };
  std::thread a(work, std::cref(f));
  std::thread c(work, std::cref(copy));
  a.join();
  c.join();
  EXPECT_EQ(wrong.load(), 0);
}

// ---------------------------------------------------------------- circuit breaker

namespace {

breaker_config breaker(int32_t threshold, int32_t open_ms) {
  breaker_config c;
  c.failure_threshold = threshold;
  c.open_ms = open_ms;
  return c;
}

constexpr timestamp_us t0 = utc(2026, 3, 4, 12, 0);
constexpr int64_t ms = us_per_ms;

} // namespace

TEST(CircuitBreaker, ClosedCountsConsecutiveFailures) {
  circuit_breaker b{breaker(3, 1000)};
  EXPECT_EQ(b.current(t0), circuit_breaker::state::closed);
  EXPECT_TRUE(b.allow(t0));
  b.record_failure(t0);
  b.record_failure(t0);
  EXPECT_EQ(b.consecutive_failures(), 2);
  EXPECT_EQ(b.current(t0), circuit_breaker::state::closed);
  EXPECT_TRUE(b.allow(t0));
  b.record_success();
  EXPECT_EQ(b.consecutive_failures(), 0);
  b.record_failure(t0);
  b.record_failure(t0);
  EXPECT_EQ(b.current(t0), circuit_breaker::state::closed); // the streak restarted
  b.record_failure(t0);
  EXPECT_EQ(b.current(t0), circuit_breaker::state::open);
}

TEST(CircuitBreaker, OpensAtThresholdAndCoolsDown) {
  circuit_breaker b{breaker(3, 1000)};
  for (int i = 0; i < 3; ++i) b.record_failure(t0 + i * ms);
  const timestamp_us opened = t0 + 2 * ms;
  EXPECT_EQ(b.consecutive_failures(), 3);
  EXPECT_EQ(b.current(opened), circuit_breaker::state::open);
  EXPECT_FALSE(b.allow(opened));
  EXPECT_FALSE(b.allow(opened + 999 * ms));
  EXPECT_FALSE(b.allow(opened + 1000 * ms - 1));
  EXPECT_EQ(b.current(opened + 1000 * ms - 1), circuit_breaker::state::open);
  EXPECT_EQ(b.current(opened + 1000 * ms), circuit_breaker::state::half_open);
}

TEST(CircuitBreaker, HalfOpenLetsExactlyOneProbeThrough) {
  circuit_breaker b{breaker(2, 1000)};
  b.record_failure(t0);
  b.record_failure(t0);
  const timestamp_us half = t0 + 1000 * ms;
  EXPECT_TRUE(b.allow(half));
  EXPECT_FALSE(b.allow(half));
  EXPECT_FALSE(b.allow(half + 500 * ms));
  EXPECT_EQ(b.current(half + 500 * ms), circuit_breaker::state::half_open);
}

TEST(CircuitBreaker, ProbeSuccessCloses) {
  circuit_breaker b{breaker(2, 1000)};
  b.record_failure(t0);
  b.record_failure(t0);
  ASSERT_TRUE(b.allow(t0 + 1000 * ms));
  b.record_success();
  EXPECT_EQ(b.current(t0 + 1001 * ms), circuit_breaker::state::closed);
  EXPECT_EQ(b.consecutive_failures(), 0);
  EXPECT_TRUE(b.allow(t0 + 1001 * ms));
  EXPECT_TRUE(b.allow(t0 + 1001 * ms));
  b.record_failure(t0 + 1002 * ms); // needs the full threshold again
  EXPECT_EQ(b.current(t0 + 1002 * ms), circuit_breaker::state::closed);
}

TEST(CircuitBreaker, ProbeFailureReopens) {
  circuit_breaker b{breaker(2, 1000)};
  b.record_failure(t0);
  b.record_failure(t0);
  const timestamp_us probe = t0 + 1000 * ms;
  ASSERT_TRUE(b.allow(probe));
  const timestamp_us failed = probe + 200 * ms;
  b.record_failure(failed);
  EXPECT_EQ(b.consecutive_failures(), 3);
  EXPECT_EQ(b.current(failed), circuit_breaker::state::open);
  EXPECT_FALSE(b.allow(failed + 999 * ms)); // the cooldown restarted at the failure
  EXPECT_EQ(b.current(failed + 1000 * ms), circuit_breaker::state::half_open);
  EXPECT_TRUE(b.allow(failed + 1000 * ms));
  EXPECT_FALSE(b.allow(failed + 1000 * ms));
}

TEST(CircuitBreaker, AnyFailureWhileHalfOpenReopens) {
  circuit_breaker b{breaker(3, 1000)};
  for (int i = 0; i < 3; ++i) b.record_failure(t0);
  // Half-open, no probe sent yet: a late failure re-opens it.
  b.record_failure(t0 + 1500 * ms);
  EXPECT_EQ(b.current(t0 + 1500 * ms), circuit_breaker::state::open);
  EXPECT_FALSE(b.allow(t0 + 2499 * ms));
  EXPECT_TRUE(b.allow(t0 + 2500 * ms));
}

TEST(CircuitBreaker, FailuresWhileCoolingDoNotExtendTheCooldown) {
  circuit_breaker b{breaker(2, 1000)};
  b.record_failure(t0);
  b.record_failure(t0);
  b.record_failure(t0 + 500 * ms); // a late answer to a ping sent before it opened
  EXPECT_EQ(b.consecutive_failures(), 3);
  EXPECT_EQ(b.current(t0 + 999 * ms), circuit_breaker::state::open);
  EXPECT_EQ(b.current(t0 + 1000 * ms), circuit_breaker::state::half_open);
  EXPECT_TRUE(b.allow(t0 + 1000 * ms));
}

TEST(CircuitBreaker, LostProbeIsRetriedAfterOpenMs) {
  circuit_breaker b{breaker(1, 1000)};
  b.record_failure(t0);
  const timestamp_us probe = t0 + 1000 * ms;
  ASSERT_TRUE(b.allow(probe));
  EXPECT_FALSE(b.allow(probe + 999 * ms));
  EXPECT_FALSE(b.allow(probe + 1000 * ms - 1));
  EXPECT_TRUE(b.allow(probe + 1000 * ms)); // the first probe is given up
  EXPECT_FALSE(b.allow(probe + 1000 * ms));
  EXPECT_FALSE(b.allow(probe + 1999 * ms));
  EXPECT_TRUE(b.allow(probe + 2000 * ms));
  b.record_success();
  EXPECT_EQ(b.current(probe + 2000 * ms), circuit_breaker::state::closed);
}

TEST(CircuitBreaker, ThresholdZeroNeverOpens) {
  circuit_breaker b{breaker(0, 1000)};
  for (int i = 0; i < 100; ++i) b.record_failure(t0 + i * ms);
  EXPECT_EQ(b.consecutive_failures(), 100);
  EXPECT_EQ(b.current(t0 + 100 * ms), circuit_breaker::state::closed);
  EXPECT_TRUE(b.allow(t0 + 100 * ms));
}

TEST(CircuitBreaker, ThresholdOneAndDefaults) {
  circuit_breaker one{breaker(1, 1000)};
  one.record_failure(t0);
  EXPECT_EQ(one.current(t0), circuit_breaker::state::open);

  circuit_breaker d; // 5 failures, 30 s
  for (int i = 0; i < 4; ++i) d.record_failure(t0);
  EXPECT_EQ(d.current(t0), circuit_breaker::state::closed);
  d.record_failure(t0);
  EXPECT_EQ(d.current(t0), circuit_breaker::state::open);
  EXPECT_FALSE(d.allow(t0 + 29'999 * ms));
  EXPECT_TRUE(d.allow(t0 + 30'000 * ms));
}

TEST(CircuitBreaker, StateNames) {
  EXPECT_STREQ(to_string(circuit_breaker::state::closed), "closed");
  EXPECT_STREQ(to_string(circuit_breaker::state::open), "open");
  EXPECT_STREQ(to_string(circuit_breaker::state::half_open), "half_open");
}

TEST(CircuitBreakerBoard, UnknownBuyersAreAlwaysAllowed) {
  breaker_board board{std::vector<buyer_config>{}};
  for (int i = 0; i < 10; ++i) board.record("nobody", false, t0);
  EXPECT_TRUE(board.allow("nobody", t0));
  EXPECT_EQ(board.state_of("nobody", t0), circuit_breaker::state::closed);
}

TEST(CircuitBreakerBoard, OneBreakerPerBuyer) {
  buyer_config a = make_buyer();
  a.id = "a";
  a.breaker = breaker(2, 1000);
  buyer_config b = make_buyer();
  b.id = "b";
  b.breaker = breaker(5, 1000);
  breaker_board board{std::vector<buyer_config>{a, b}};
  board.record("a", false, t0);
  board.record("b", false, t0);
  board.record("a", false, t0);
  board.record("b", false, t0);
  EXPECT_EQ(board.state_of("a", t0), circuit_breaker::state::open);
  EXPECT_EQ(board.state_of("b", t0), circuit_breaker::state::closed);
  EXPECT_FALSE(board.allow("a", t0));
  EXPECT_TRUE(board.allow("b", t0));
  EXPECT_EQ(board.state_of("a", t0 + 1000 * ms), circuit_breaker::state::half_open);
  EXPECT_TRUE(board.allow("a", t0 + 1000 * ms));
  EXPECT_FALSE(board.allow("a", t0 + 1000 * ms));
  board.record("a", true, t0 + 1100 * ms);
  EXPECT_EQ(board.state_of("a", t0 + 1100 * ms), circuit_breaker::state::closed);
  board.record("b", true, t0);
  for (int i = 0; i < 4; ++i) board.record("b", false, t0);
  EXPECT_EQ(board.state_of("b", t0), circuit_breaker::state::closed); // success reset it
}

TEST(CircuitBreakerBoard, ThreadsRecordingConcurrently) {
  constexpr int per_thread = 5000;
  buyer_config exact = make_buyer();
  exact.id = "exact";
  exact.breaker = breaker(2 * per_thread, 60'000); // opens on the very last failure
  buyer_config more = make_buyer();
  more.id = "more";
  more.breaker = breaker(2 * per_thread + 1, 60'000); // one short: stays closed
  breaker_board board{std::vector<buyer_config>{exact, more}};
  std::atomic<bool> go{false};
  const auto hammer = [&] {
    while (!go.load()) std::this_thread::yield();
    for (int i = 0; i < per_thread; ++i) {
      board.record("exact", false, t0);
      board.record("more", false, t0);
      (void)board.allow("exact", t0);
      (void)board.state_of("more", t0);
    }
  };
  std::thread one(hammer);
  std::thread two(hammer);
  go = true;
  one.join();
  two.join();
  EXPECT_EQ(board.state_of("exact", t0), circuit_breaker::state::open);
  EXPECT_FALSE(board.allow("exact", t0));
  EXPECT_EQ(board.state_of("more", t0), circuit_breaker::state::closed);
  board.record("more", false, t0);
  EXPECT_EQ(board.state_of("more", t0), circuit_breaker::state::open);
}

} // namespace ringbid
