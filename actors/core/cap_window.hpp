#pragma once
// Calendar windows (hour/day/week/month) in a cap owner's own IANA time zone,
// correct across DST. Pure and thread-safe: a calendar_zone is an immutable
// handle onto the process-wide tz database, cheap to copy.
//
// A window's `start` doubles as a store-independent window id: every instant
// of a window yields the identical [start, end), and one window's end is the
// next one's start, so windows partition the time line.

#include "protocol/time.hpp"

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <utility>

namespace ringbid {

enum class window_kind : uint8_t { hour, day, week, month, lifetime };

/// "hour", "day", "week", "month", "lifetime".
std::string_view to_string(window_kind k) noexcept;
/// Inverse of to_string (exact, lowercase); nullopt for anything else.
std::optional<window_kind> window_kind_from_string(std::string_view s) noexcept;

/// [start, end) in UTC microseconds. lifetime = [INT64_MIN, INT64_MAX).
struct window_span {
  timestamp_us start = 0;
  timestamp_us end = 0;

  friend bool operator==(const window_span&, const window_span&) = default;
};

/// Local calendar facts of an instant in a zone.
struct local_moment {
  int32_t year = 0;
  uint32_t month = 0;        ///< 1..12
  uint32_t day = 0;          ///< 1..31
  uint32_t weekday = 0;      ///< 0 = Monday ... 6 = Sunday (ISO)
  int32_t minute_of_day = 0; ///< 0..1439, local wall clock
  int32_t utc_offset_s = 0;  ///< offset in effect at the instant
};

/// A time zone for calendar arithmetic. Rules come from the system tz database
/// (/usr/share/zoneinfo) as read by Howard Hinnant's date library, which uses
/// the listed transitions only: with "fat" TZif files DST stops after 2037.
/// Instants are supported between the years 1 and 9999; beyond that, every
/// instant still lands in exactly one window (the outermost windows stretch
/// to INT64_MIN / INT64_MAX).
class calendar_zone {
public:
  /// nullopt for an unknown zone name. "UTC" and "Etc/UTC" always work (they
  /// need no tz database).
  static std::optional<calendar_zone> find(std::string_view iana_name);
  static calendar_zone utc();

  /// The name as given to find().
  const std::string& name() const noexcept { return name_; }

  /// The calendar window of `kind` containing instant t, in this zone:
  /// - hour: local hh:00 to the next local hour boundary, in real elapsed time.
  ///   A window never spans a change of UTC offset, so in a fall-back the
  ///   repeated local hour is two distinct windows, and with a 30-minute shift
  ///   (Australia/Lord_Howe) the hour around the change is cut in two.
  /// - day: local midnight to the next local midnight (23 or 25 hours across DST).
  /// - week: Monday 00:00 local to the next Monday 00:00.
  /// - month: the 1st 00:00 local to the next 1st 00:00.
  /// For day/week/month, a boundary is the first instant the local clock reads
  /// that date at 00:00 or later: where local midnight does not exist (DST
  /// jumps at midnight, e.g. America/Santiago, America/Havana) the day starts
  /// when the gap ends; where it occurs twice, at its first occurrence.
  window_span window_at(window_kind kind, timestamp_us t) const;

  local_moment local(timestamp_us t) const;

  /// The UTC instant of a local civil date and minute of day; for a
  /// nonexistent local time (spring-forward gap) the instant the gap ends, for
  /// an ambiguous one the earlier instant. Out-of-range fields are normalised
  /// arithmetically (day 0 = the last day of the previous month, minute 1440 =
  /// next midnight, month 13 = January of the next year); the result saturates
  /// at INT64_MIN / INT64_MAX.
  timestamp_us instant_of(int32_t year, uint32_t month, uint32_t day, int32_t minute_of_day) const;

private:
  calendar_zone(std::string name, const void* tz) : name_(std::move(name)), tz_(tz) {}

  std::string name_;
  /// const date::time_zone*, owned by the process-wide tz database (lives for
  /// the whole process); nullptr means UTC, computed without the database.
  const void* tz_ = nullptr;
};

} // namespace ringbid
