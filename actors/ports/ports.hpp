#pragma once
// Ports: what actors need from the outside world. Adapters implement them; the
// executables in tools/ wire one implementation of each into the node.

#include "protocol/analytics.hpp"
#include "protocol/bidding.hpp"
#include "protocol/call_snapshot.hpp"
#include "protocol/directory.hpp"
#include "protocol/lead.hpp"
#include "protocol/time.hpp"

#include <caf/timespan.hpp>

#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace ringbid {

/// Wall-clock time. The simulation derives it from CAF's virtual clock, so a
/// simulated day passes in seconds and every run with one seed is identical.
class wall_clock {
public:
  virtual ~wall_clock() = default;
  virtual timestamp_us now() const = 0;
};

/// Where leads go to be stored durably. Owned by the node, outliving any recorder
/// actor, so a crashed recorder loses nothing already handed over.
class lead_store {
public:
  virtual ~lead_store() = default;
  /// Queues a lead for writing; never blocks on I/O. Thread-safe. Writing a lead
  /// whose id is already stored is a no-op (idempotent by call id).
  virtual void submit(lead_record lead) = 0;
  /// Blocks until every lead submitted so far is committed. Not for actor threads.
  virtual void flush() = 0;
  /// Keeps `provisional` (the lead a live call would be if the node died now,
  /// in `state`) durably, replacing the call's older one, until the call's
  /// lead is submitted; ignored once that lead is stored. Never blocks on I/O.
  virtual void track(lead_record provisional, call_state state) = 0;
  /// track(), with the call's whole state, so that another process can adopt
  /// the call from it. A store that keeps no snapshots tracks the lead only.
  virtual void checkpoint(call_snapshot snapshot, lead_record provisional) {
    auto state = snapshot.state;
    track(std::move(provisional), state);
  }
  /// Whether commits are reported through on_committed(); when not, a
  /// submitted lead counts as committed at once.
  virtual bool notifies_commits() const { return false; }
  /// `callback(ids)`, from the writer's thread, once the leads with these ids
  /// are committed (or found stored already). Replaces the previous callback.
  virtual void on_committed(std::function<void(std::vector<call_id>)> callback) { (void)callback; }
};

/// Hashes a caller's number for one buyer, keyed per buyer: the same caller
/// gives one buyer the same hash every time and every other buyer another.
class caller_hasher {
public:
  virtual ~caller_hasher() = default;
  virtual std::string hash(std::string_view caller, std::string_view buyer_id) const = 0;
};

/// How a bidder actor reaches its buyer. `done` is called exactly once, possibly
/// on another thread; `deliver_after` is how long the answer takes to arrive
/// (the simulated latency; zero for a transport that already waited for real).
class bidder_transport {
public:
  using completion = std::function<void(bid_response answer, caf::timespan deliver_after)>;
  virtual ~bidder_transport() = default;
  virtual void ping(const ping_request& request, completion done) = 0;
};

/// Which campaign and source a dialed number belongs to. `done` is called
/// exactly once, possibly inline (before lookup returns) or on another thread:
/// a route (found=false for an unassigned number), or nullopt when the
/// directory could not answer (its storage failed). Thread-safe.
class did_directory {
public:
  virtual ~did_directory() = default;
  using done = std::function<void(std::optional<did_route>)>;
  virtual void lookup(const std::string& number, done callback) = 0;
};

/// Where the analytics actor publishes what happens live: every call's change
/// of state, and periodic metric snapshots for the filters someone watches.
/// Calls come from the analytics actor's thread only; must not block.
class live_feed {
public:
  virtual ~live_feed() = default;
  virtual void call_changed(const call_card& card) = 0;
  /// The filters (campaign, source; "" = any) snapshots are wanted for now.
  virtual std::vector<std::pair<std::string, std::string>> watched_filters() const = 0;
  /// A snapshot of today's figures for one watched filter.
  virtual void snapshot(const metrics_report& report) = 0;
};

/// The figures of booked calls older than the analytics actor's memory, from
/// the lead store. `done` is called exactly once, on another thread, with the
/// report of `query` (error set when the store could not be read). Thread-safe.
class metrics_history {
public:
  virtual ~metrics_history() = default;
  using done = std::function<void(metrics_report)>;
  virtual void load(const metrics_query& query, timestamp_us now, done callback) = 0;
};

} // namespace ringbid
