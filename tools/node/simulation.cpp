#include "tools/node/simulation.hpp"

#include "adapters/clock/sim_clock.hpp"
#include "adapters/http/http_client.hpp"
#include "adapters/sim/sim_carrier_port.hpp"
#include "adapters/sqlite/sqlite_cap_journal.hpp"
#include "adapters/sqlite/sqlite_lead_store.hpp"
#include "protocol/types.hpp"
#include "tools/node/node_assembly.hpp"
#include "tools/node/wiring.hpp"

#include <caf/all.hpp>
#include <caf/scheduler/test_coordinator.hpp>

#include <chrono>
#include <filesystem>
#include <stdexcept>
#include <thread>

namespace ringbid {

namespace {

/// A fixed epoch (Monday 2026-01-05 14:00 UTC) keeps runs reproducible.
constexpr timestamp_us simulation_epoch = 1'767'621'600LL * us_per_s;

bool report_finished(const node_counters& counters, const simulation_options& options) {
  return counters.calls_finished.load() >= options.calls;
}

} // namespace

/// Reads the leads back once the stores are closed.
void read_back(simulation_report& report, const simulation_options& options) {
  std::string error;
  auto reader = sqlite_lead_reader::open(options.db_path, &error);
  if (!reader) throw std::runtime_error("cannot read " + options.db_path + ": " + error);
  report.leads = reader->summarize();
  report.leads_written = reader->count();
}

double call_rate(const engine_config& config, const simulation_options& options) {
  return options.calls_per_second > 0 ? options.calls_per_second : config.carrier_sim.calls_per_second;
}

/// The run's node: a fresh database and the in-process DID directory (lookups
/// answer inline, so deterministic runs stay so), the simulated carrier
/// placing `options.calls` calls into `record`.
std::unique_ptr<node_assembly> assemble(caf::actor_system& sys, const engine_config& config,
                                        const simulation_options& options, std::shared_ptr<sim_carrier_report> record,
                                        timestamp_us epoch, double time_scale) {
  assembly_options build;
  build.db_path = options.db_path;
  build.replace_database = true;
  build.durable = false;
  build.http_bidders = options.http_bidders;
  build.seed = options.seed;
  build.epoch = epoch;
  build.carrier = [&](caf::actor_system& system, std::shared_ptr<const wall_clock> clock,
                      std::shared_ptr<sqlite_lead_store>) {
    sim_carrier_options carrier;
    carrier.calls = options.calls;
    carrier.calls_per_second = call_rate(config, options);
    carrier.seed = options.seed;
    carrier.behavior = config.carrier_sim;
    carrier.config = std::make_shared<const engine_config>(config);
    carrier.report = record;
    carrier.time_scale = time_scale;
    return carrier_made{std::make_shared<sim_carrier_port>(system, std::move(carrier), std::move(clock)), {}};
  };
  std::string error;
  auto node = node_assembly::build(sys, config, std::move(build), &error);
  if (!node) throw std::runtime_error(error);
  return node;
}

/// The run's figures from the node's counters and ledger, when it stops.
void take_counts(simulation_report& report, const node_parts& parts, const simulation_options& options) {
  const auto& counters = *parts.ctx->counters;
  auto now = parts.ctx->clock->now();
  report.finished = counters.calls_finished.load() >= options.calls;
  report.calls = report.carrier->placed;
  report.completed = counters.calls_finished.load();
  report.open_reservations = parts.ledger->core.open_reservations();
  report.caps = parts.ledger->core.report(now);
  report.cap_denials = parts.ledger->core.denied_total();
  report.call_restarts = counters.calls_restarted.load();
  report.calls_interrupted = counters.calls_interrupted.load();
  report.events_ignored = counters.events_ignored.load();
  report.auctions = counters.auctions.load();
  report.pings = counters.pings_sent.load();
  report.bids = counters.bids_received.load();
}

simulation_report run_live_simulation(const engine_config& config, const simulation_options& options);

simulation_report run_simulation(const engine_config& config, const simulation_options& options) {
  if (options.http_bidders) return run_live_simulation(config, options);
  auto wall_start = std::chrono::steady_clock::now();
  simulation_report report;
  std::shared_ptr<sqlite_lead_store> store;
  std::shared_ptr<sqlite_cap_journal> journal;
  report.seed = options.seed;
  report.carrier = std::make_shared<sim_carrier_report>();
  {
    caf::actor_system_config cfg;
    add_node_types(cfg);
    cfg.set("scheduler.policy", caf::atom("testing"));
    cfg.set("logger.verbosity", caf::atom("quiet"));
    caf::actor_system sys{cfg};
    auto& sched = dynamic_cast<caf::scheduler::test_coordinator&>(sys.scheduler());
    auto node = assemble(sys, config, options, report.carrier, simulation_epoch, 1.0);
    store = node->store;
    journal = node->journal;
    auto& parts = node->parts;
    auto clock = node->clock;
    std::shared_ptr<analytics_book> book;
    if (options.analytics) {
      book = std::make_shared<analytics_book>(clock->now());
      node->count_calls(book);
    }
    std::optional<chaos_options> chaos;
    if (options.chaos) {
      chaos.emplace();
      chaos->mean_interval_ms = options.chaos_interval_ms;
      chaos->seed = options.seed;
    }
    auto kills = chaos ? chaos->kills : nullptr;
    auto bidder_kills = chaos ? chaos->bidder_kills : nullptr;
    auto carrier_kills = chaos ? chaos->carrier_kills : nullptr;
    node->start(chaos);
    if (options.on_context) options.on_context(parts.ctx);

    // Drive virtual time: run every ready job, then jump to the next timeout.
    // The limit guards against a run that cannot finish (a bug, not a feature).
    auto& counters = *parts.ctx->counters;
    auto limit_us =
      static_cast<int64_t>(double(options.calls) / call_rate(config, options) * 1e6) + int64_t{48} * 3600 * us_per_s;
    if (options.stop_at_virtual_s > 0) limit_us = static_cast<int64_t>(options.stop_at_virtual_s * 1e6);
    sched.run();
    if (options.at_start) options.at_start();
    uint64_t spins = 0;
    while (counters.calls_finished.load() < options.calls) {
      sched.run();
      if (clock->now() - simulation_epoch > limit_us) break;
      if (!sched.trigger_timeout()) break;
      if (options.progress && (++spins & 0x3FFF) == 0) options.progress(counters.calls_finished.load(), options.calls);
    }
    sched.run();
    // Reservations of call actors killed near the end wait out their grace
    // period for a restart; let that virtual time pass so they expire.
    if (report_finished(counters, options)) {
      sched.advance_time(std::chrono::milliseconds{config.timing.ledger_orphan_grace_ms} +
                         std::chrono::milliseconds{1});
      sched.run();
      parts.ledger->core.expire_due(clock->now());
      parts.ledger->ship_journal();
    }
    if (options.at_stop) options.at_stop(parts.calls->by_carrier_id.size());
    report.virtual_seconds = double(clock->now() - simulation_epoch) / 1e6;
    report.peer_kills = kills ? kills->load() : 0;
    report.bidder_kills = bidder_kills ? bidder_kills->load() : 0;
    report.carrier_kills = carrier_kills ? carrier_kills->load() : 0;
    take_counts(report, parts, options);
    if (book) {
      // Every call of the run, as the dashboard would show it (the actors are idle now).
      auto now = clock->now();
      report.analytics = book->report({book->memory_since(), now + us_per_day_analytics, "", ""}, now);
    }
    node->stop([&](const caf::actor& root) {
      caf::anon_send_exit(root, caf::exit_reason::user_shutdown);
      sched.run();
    });
    sched.run();                             // the carrier's world stops
    sys.await_actors_before_shutdown(false); // nothing runs jobs once this scope ends
  }
  if (options.progress) options.progress(report.completed, options.calls);
  store->flush();
  store.reset();
  journal->flush();
  report.cap_journal_entries = journal->written();
  journal.reset();
  read_back(report, options);
  report.wall_seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - wall_start).count();
  return report;
}

simulation_report run_live_simulation(const engine_config& config, const simulation_options& options) {
  auto wall_start = std::chrono::steady_clock::now();
  simulation_report report;
  std::shared_ptr<sqlite_lead_store> store;
  std::shared_ptr<sqlite_cap_journal> journal;
  report.seed = options.seed;
  report.carrier = std::make_shared<sim_carrier_report>();
  {
    caf::actor_system_config cfg;
    add_node_types(cfg);
    cfg.set("scheduler.max-threads", static_cast<size_t>(std::max(1, config.threads)));
    cfg.set("scheduler.max-throughput", static_cast<size_t>(300));
    cfg.set("logger.verbosity", caf::atom("quiet"));
    caf::actor_system sys{cfg};
    auto time_scale = options.time_scale > 0 ? options.time_scale : 1.0;
    auto node = assemble(sys, config, options, report.carrier, 0, time_scale);
    store = node->store;
    journal = node->journal;
    auto& parts = node->parts;
    node->start();
    if (options.on_context) options.on_context(parts.ctx);
    if (options.at_start) options.at_start();

    auto& counters = *parts.ctx->counters;
    // Long enough for every call at the given rate and scale, with room to spare.
    double limit_s = options.max_wall_s > 0
                       ? options.max_wall_s
                       : double(options.calls) / call_rate(config, options) + 4 * 3600 / time_scale + 60;
    auto deadline = wall_start + std::chrono::duration_cast<std::chrono::steady_clock::duration>(
                                   std::chrono::duration<double>(limit_s));
    while (counters.calls_finished.load() < options.calls && std::chrono::steady_clock::now() < deadline) {
      std::this_thread::sleep_for(std::chrono::milliseconds{20});
      if (options.progress) options.progress(counters.calls_finished.load(), options.calls);
    }
    if (options.at_stop) options.at_stop(parts.calls->by_carrier_id.size());
    caf::scoped_actor self{sys};
    node->stop([&](const caf::actor& root) {
      self->send_exit(root, caf::exit_reason::user_shutdown);
      self->wait_for(root);
    });
    report.virtual_seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - wall_start).count();
    take_counts(report, parts, options);
  }
  if (options.progress) options.progress(report.completed, options.calls);
  store->flush();
  store.reset();
  journal->flush();
  report.cap_journal_entries = journal->written();
  journal.reset();
  read_back(report, options);
  report.wall_seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - wall_start).count();
  return report;
}

} // namespace ringbid
