#pragma once
// Circuit breakers: a buyer whose pings keep failing (errors, timeouts) is not
// pinged for a while, then one probe ping decides whether it is back. Pure: the
// caller passes the time.

#include "actors/core/config.hpp"
#include "protocol/time.hpp"

#include <cstdint>
#include <memory>
#include <string>
#include <vector>

namespace ringbid {

/// One buyer's breaker. Not thread-safe (see breaker_board).
///
/// - closed: every ping goes out. Each failure counts; a success resets the
///   count. `failure_threshold` consecutive failures open the breaker (0 = it
///   never opens).
/// - open: no ping goes out until `open_ms` have passed since it opened.
/// - half_open (open_ms passed): allow() lets exactly one probe through and
///   refuses the rest until a result is recorded. A success closes the breaker,
///   a failure re-opens it (the cooldown starts again). A probe whose result
///   never arrives is given up `open_ms` after it was let through; the next
///   allow() sends another.
///
/// Results are not matched to pings: a success recorded while open (a late
/// answer to a ping sent before it opened) closes it too, a failure recorded
/// while open and cooling down only counts (it does not restart the cooldown),
/// and any failure while half-open re-opens it.
class circuit_breaker {
public:
  enum class state : uint8_t { closed, open, half_open };

  explicit circuit_breaker(breaker_config config = {});

  /// May a ping go out at `now`? closed: yes. open: no until open_ms have
  /// passed since it opened; then it is half-open and lets exactly one probe
  /// through (this call returns true, later ones false) until the probe's result
  /// is recorded, or until open_ms after the probe, when another is allowed.
  bool allow(timestamp_us now);
  /// Closes it and resets the failure count.
  void record_success();
  /// Counts the failure; reaching failure_threshold (or any failure while
  /// half-open) opens it at `now`.
  void record_failure(timestamp_us now);

  state current(timestamp_us now) const;
  int32_t consecutive_failures() const;

private:
  bool cooling(timestamp_us now) const;

  breaker_config config_;
  int64_t open_us_ = 0;
  bool open_ = false; ///< open or half-open; current() tells which
  timestamp_us opened_at_ = 0;
  bool probe_out_ = false;
  timestamp_us probe_at_ = 0;
  int32_t failures_ = 0;
};

/// "closed", "open", "half_open".
const char* to_string(circuit_breaker::state s) noexcept;

/// One breaker per buyer, shared by bidder actors (which record answers) and
/// call actors (which ask before pinging), on any thread: a mutex inside.
/// Buyers not in the list are always allowed (and always "closed"). When ids
/// repeat, the first buyer's breaker settings are used.
class breaker_board {
public:
  explicit breaker_board(const std::vector<buyer_config>& buyers);
  ~breaker_board();
  breaker_board(const breaker_board&) = delete;
  breaker_board& operator=(const breaker_board&) = delete;

  bool allow(const std::string& buyer_id, timestamp_us now);
  void record(const std::string& buyer_id, bool ok, timestamp_us now);
  circuit_breaker::state state_of(const std::string& buyer_id, timestamp_us now) const;

private:
  struct impl;
  std::unique_ptr<impl> impl_;
};

} // namespace ringbid
