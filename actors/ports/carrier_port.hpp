#pragma once
// The carrier port: the one interface the engine has to a carrier, whichever
// it is (the simulator, Telnyx, a test's scripted carrier).
//
//   adapter ── post(carrier_event) ──► attached sink (the live carrier actor) ──► calls
//   call ── carrier_command ──► carrier actor ── port.send(command) ──► adapter
//
// The node owns the port; carrier actors come and go. Each event stays with
// the port until the actor that took it says it was forwarded, so an actor
// that dies with events in its mailbox (or holding one back) loses none: the
// next instance gets them again when it attaches. No vendor header here.

#include "protocol/carrier.hpp"
#include "protocol/time.hpp"

#include <chrono>
#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace ringbid {

/// Where a carrier's events go: implemented by the carrier actor, which hands
/// each event to its own mailbox. `ticket` names the event until the actor
/// reports it forwarded. Called from any thread; must not block.
class carrier_event_sink {
public:
  virtual ~carrier_event_sink() = default;
  virtual void deliver(uint64_t ticket, carrier_event event) = 0;
};

/// Figures every carrier has, whatever its wire.
struct carrier_port_metrics {
  uint64_t commands_in_flight = 0; ///< sent to the carrier, outcome not known yet
  uint64_t events_pending = 0;     ///< posted, not forwarded to the calls yet
  uint64_t events_unkept = 0;      ///< beyond the pending bound: not re-delivered after a restart
};

/// An HTTP request to a carrier's route, without any server's types.
struct carrier_http_request {
  std::function<std::string_view(std::string_view name)> header; ///< "" when absent; case-insensitive
  std::string body;
};

struct carrier_http_response {
  int status = 200;
  std::string content_type = "application/json";
  std::string body;
};

/// A route the node's HTTP server mounts for the carrier (its webhooks).
/// `handle` runs on an HTTP thread, must not block, and answers exactly once
/// through its second argument (possibly later, from any thread).
struct carrier_http_route {
  std::string method;
  std::string path;
  std::function<void(carrier_http_request, std::function<void(carrier_http_response)>)> handle;
};

/// What the carrier knows of one call (Telnyx: GET /v2/calls/{call_control_id}),
/// asked when a node adopts the live calls of a process that is gone.
struct carrier_call_status {
  enum class liveness : uint8_t {
    alive,   ///< the call is up at the carrier
    ended,   ///< it ended (end_time set)
    unknown, ///< the carrier has no record of it (never existed, or ended > 10 min ago)
  };
  liveness state = liveness::unknown;
  timestamp_us start_time = 0; ///< 0 when not reported
  timestamp_us end_time = 0;   ///< 0 while alive or when not reported
  int64_t duration_s = 0;      ///< call_duration as reported (whole seconds)
};

/// `done` is called exactly once, from any thread: the status, or nullopt when
/// the carrier could not be asked (down, timed out, an answer it cannot read).
using call_status_done = std::function<void(std::optional<carrier_call_status>)>;
/// `done` is called exactly once, from any thread: the caller-leg ids of every
/// call alive at the carrier now, or nullopt when it could not be asked.
using active_calls_done = std::function<void(std::optional<std::vector<std::string>>)>;

class carrier_port {
public:
  virtual ~carrier_port() = default;

  // -- events in ---------------------------------------------------------------

  /// `sink` receives from now on, starting with every event still pending
  /// (in the order posted). Replaces the sink attached before.
  virtual void attach(std::shared_ptr<carrier_event_sink> sink) = 0;
  /// Only if `sink` is still the attached one.
  virtual void detach(const carrier_event_sink* sink) = 0;
  /// The event `ticket` reached the calls: the port forgets it.
  virtual void forwarded(uint64_t ticket) = 0;

  // -- commands out --------------------------------------------------------------

  /// Carries out one command, or queues it. Thread-safe, never blocks. A
  /// refusal comes back as a command_failed event.
  virtual void send(const carrier_command& command) = 0;

  // -- the carrier as a whole ----------------------------------------------------

  /// Stops the carrier: no command goes out, no event comes in any more.
  /// Idempotent; the node calls it once its actors are gone.
  virtual void stop() = 0;
  /// Takes calls now: a carrier actor is attached (and the wire is up).
  virtual bool ready() const = 0;
  /// How long the carrier actor holds back the caller leg's hangup and a
  /// buyer leg's normal clearing, so that events the carrier sent before them
  /// but delivered later still reach the call first (0: the carrier keeps order).
  virtual std::chrono::milliseconds hangup_hold() const = 0;
  virtual carrier_port_metrics metrics() const = 0;
  /// The carrier's own counters in Prometheus text format, appended to /metrics.
  virtual void write_metrics(std::string& out) const { (void)out; }
  /// What the node's HTTP server must serve for this carrier (none by default).
  virtual std::vector<carrier_http_route> http_routes() { return {}; }

  // -- adopting calls ------------------------------------------------------------

  /// Whether the carrier keeps calls up without this process (Telnyx does; the
  /// in-process simulator dies with it). Only then can a stopping node hand its
  /// live calls over to the next process instead of ending them.
  virtual bool calls_outlive_process() const { return false; }

  /// Asks the carrier about one call. Thread-safe, never blocks. A carrier
  /// that cannot be asked answers nullopt (the default).
  virtual void call_status(const std::string& carrier_call_id, call_status_done done) {
    (void)carrier_call_id;
    done(std::nullopt);
  }
  /// Lists the calls alive at the carrier now (all pages). Thread-safe, never
  /// blocks. A carrier that cannot be asked answers nullopt (the default).
  virtual void active_calls(active_calls_done done) { done(std::nullopt); }
};

} // namespace ringbid
