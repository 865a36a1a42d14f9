#include "adapters/sim/sim_carrier_port.hpp"

#include "adapters/http/prometheus_text.hpp"
#include "adapters/sim/sim_messages.hpp"

#include <caf/all.hpp>

#include <algorithm>

namespace ringbid {

sim_carrier_port::sim_carrier_port(caf::actor_system& sys, sim_carrier_options options,
                                   std::shared_ptr<const wall_clock> clock)
  : system_(sys), options_(std::move(options)), clock_(std::move(clock)) {
  if (!options_.report) options_.report = std::make_shared<sim_carrier_report>();
  report_ = options_.report;
  options_.out = [inbox = inbox_](carrier_event ev) { inbox->post(std::move(ev)); };
  options_.commands_in_flight = in_flight_;
}

sim_carrier_port::~sim_carrier_port() { stop(); }

void sim_carrier_port::attach(std::shared_ptr<carrier_event_sink> sink) {
  {
    std::lock_guard lock{mutex_};
    if (!world_ && !stopped_) world_ = spawn_sim_carrier(system_, options_, clock_);
  }
  inbox_->attach(std::move(sink));
}

void sim_carrier_port::send(const carrier_command& command) {
  std::lock_guard lock{mutex_};
  if (stopped_ || !world_) return;
  ++*in_flight_;
  ++sent_;
  caf::anon_send(world_, command);
}

void sim_carrier_port::stop() {
  std::lock_guard lock{mutex_};
  if (stopped_) return;
  stopped_ = true;
  if (world_) caf::anon_send_exit(world_, caf::exit_reason::user_shutdown);
}

caf::actor sim_carrier_port::world() const {
  std::lock_guard lock{mutex_};
  return stopped_ ? caf::actor{} : world_;
}

bool sim_carrier_port::stopped() const {
  std::lock_guard lock{mutex_};
  return stopped_;
}

void sim_carrier_port::call_status(const std::string& carrier_call_id, call_status_done done) {
  auto w = world();
  if (!w) {
    // Before the first attach the world does not exist yet, and it places its
    // calls itself: no call of an earlier process is in it.
    if (stopped())
      done(std::nullopt);
    else
      done(carrier_call_status{});
    return;
  }
  system_.spawn([w, id = carrier_call_id, done = std::move(done)](caf::event_based_actor* self) {
    self->request(w, query_timeout, sim_call_query{id})
      .then(
        [=](const sim_call_facts& f) {
          carrier_call_status s;
          s.state = f.state == sim_call_state::alive   ? carrier_call_status::liveness::alive
                    : f.state == sim_call_state::ended ? carrier_call_status::liveness::ended
                                                       : carrier_call_status::liveness::unknown;
          if (f.state != sim_call_state::unknown) {
            s.start_time = f.start;
            s.end_time = f.end;
            s.duration_s = std::max<timestamp_us>(0, (f.end != 0 ? f.end : f.now) - f.start) / us_per_s;
          }
          done(s);
        },
        [=](caf::error&) { done(std::nullopt); });
  });
}

void sim_carrier_port::active_calls(active_calls_done done) {
  auto w = world();
  if (!w) {
    if (stopped())
      done(std::nullopt);
    else
      done(std::vector<std::string>{}); // not spawned yet: no call at all
    return;
  }
  system_.spawn([w, done = std::move(done)](caf::event_based_actor* self) {
    self->request(w, query_timeout, sim_live_calls_query{})
      .then([=](const sim_live_calls& live) { done(live.ids); }, [=](caf::error&) { done(std::nullopt); });
  });
}

carrier_port_metrics sim_carrier_port::metrics() const {
  carrier_port_metrics m;
  auto in_flight = in_flight_->load();
  m.commands_in_flight = in_flight > 0 ? static_cast<uint64_t>(in_flight) : 0;
  m.events_pending = inbox_->pending();
  m.events_unkept = inbox_->unkept();
  return m;
}

void sim_carrier_port::write_metrics(std::string& out) const {
  prometheus_family(out, "ringbid_sim_commands_total", "counter", "Commands sent to the simulated carrier.");
  prometheus_sample(out, "ringbid_sim_commands_total", {}, double(sent_.load()));
}

carrier_made make_sim_carrier(const carrier_setup& setup) {
  sim_carrier_options sim;
  sim.calls = 0; // until the node stops
  sim.calls_per_second =
    setup.calls_per_second >= 0 ? setup.calls_per_second : setup.config->carrier_sim.calls_per_second;
  sim.seed = setup.seed;
  sim.behavior = setup.config->carrier_sim;
  sim.config = setup.config;
  carrier_made made;
  made.port = std::make_shared<sim_carrier_port>(*setup.system, std::move(sim), setup.clock);
  return made;
}

} // namespace ringbid
