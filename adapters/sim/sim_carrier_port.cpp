#include "adapters/sim/sim_carrier_port.hpp"

#include "adapters/http/prometheus_text.hpp"

#include <caf/all.hpp>

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
