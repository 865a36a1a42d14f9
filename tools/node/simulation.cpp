#include "tools/node/simulation.hpp"

#include "adapters/http/http_client.hpp"
#include "adapters/clock/sim_clock.hpp"
#include "adapters/sim/sim_carrier_port.hpp"
#include "adapters/sqlite/sqlite_cap_journal.hpp"
#include "adapters/sqlite/sqlite_lead_store.hpp"
#include "protocol/types.hpp"
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

void remove_database(const std::string& path) {
  std::error_code ec;
  for (const char* suffix : {"", "-wal", "-shm"}) std::filesystem::remove(path + suffix, ec);
}

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

/// A run's database, replaced: its lead store, cap journal and DID directory.
struct run_stores {
  std::shared_ptr<sqlite_lead_store> store;
  std::shared_ptr<sqlite_cap_journal> journal;
  did_directory_parts dids;
};

run_stores open_run_stores(const engine_config& config, const simulation_options& options) {
  remove_database(options.db_path);
  std::string error;
  sqlite_options db;
  db.path = options.db_path;
  db.batch_max = config.storage.batch_max;
  db.batch_interval_ms = config.storage.batch_interval_ms;
  db.synchronous_full = false; // a simulation's leads are disposable; a node's are not
  run_stores out;
  out.store = sqlite_lead_store::open(db, &error);
  if (!out.store) throw std::runtime_error("cannot open " + options.db_path + ": " + error);
  out.journal = sqlite_cap_journal::open(db, &error);
  if (!out.journal) throw std::runtime_error("cannot open " + options.db_path + ": " + error);
  // The in-process DID directory: lookups answer inline, so runs stay deterministic.
  out.dids = open_did_directory(config, options.db_path);
  if (!out.dids.directory) throw std::runtime_error(out.dids.error);
  return out;
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
  auto [store, journal, dids] = open_run_stores(config, options);
  simulation_report report;
  report.seed = options.seed;
  report.carrier = std::make_shared<sim_carrier_report>();
  {
    caf::actor_system_config cfg;
    add_protocol_types(cfg);
    cfg.set("scheduler.policy", caf::atom("testing"));
    cfg.set("logger.verbosity", caf::atom("quiet"));
    caf::actor_system sys{cfg};
    auto& sched = dynamic_cast<caf::scheduler::test_coordinator&>(sys.scheduler());
    auto shared_config = std::make_shared<const engine_config>(config);
    auto clock = make_actor_wall_clock(sys, simulation_epoch);
    auto parts = make_node_parts(shared_config, clock, store, options.seed, journal, nullptr, dids.directory);
    std::shared_ptr<analytics_book> book;
    if (options.analytics) {
      book = std::make_shared<analytics_book>(clock->now());
      parts.analytics = analytics_parts{book, clock, nullptr, nullptr, caf::timespan{0}};
    }

    sim_carrier_options carrier;
    carrier.calls = options.calls;
    carrier.calls_per_second =
      options.calls_per_second > 0 ? options.calls_per_second : config.carrier_sim.calls_per_second;
    carrier.seed = options.seed;
    carrier.behavior = config.carrier_sim;
    carrier.config = shared_config;
    carrier.report = report.carrier;
    std::optional<chaos_options> chaos;
    if (options.chaos) {
      chaos.emplace();
      chaos->mean_interval_ms = options.chaos_interval_ms;
      chaos->seed = options.seed;
    }
    auto kills = chaos ? chaos->kills : nullptr;
    auto carrier_kills = chaos ? chaos->carrier_kills : nullptr;
    auto port = std::make_shared<sim_carrier_port>(sys, carrier, clock);
    auto root = start_node(sys, parts, port, chaos);

    // Drive virtual time: run every ready job, then jump to the next timeout.
    // The limit guards against a run that cannot finish (a bug, not a feature).
    auto& counters = *parts.ctx->counters;
    auto limit_us = static_cast<int64_t>(double(options.calls) / carrier.calls_per_second * 1e6) +
                    int64_t{48} * 3600 * us_per_s;
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
      sched.advance_time(std::chrono::milliseconds{config.timing.ledger_orphan_grace_ms} + std::chrono::milliseconds{1});
      sched.run();
      parts.ledger->core.expire_due(clock->now());
      parts.ledger->ship_journal();
    }
    if (options.at_stop) options.at_stop(parts.calls->by_carrier_id.size());
    report.virtual_seconds = double(clock->now() - simulation_epoch) / 1e6;
    report.peer_kills = kills ? kills->load() : 0;
    report.carrier_kills = carrier_kills ? carrier_kills->load() : 0;
    take_counts(report, parts, options);
    if (book) {
      // Every call of the run, as the dashboard would show it (the actors are idle now).
      auto now = clock->now();
      report.analytics = book->report({book->memory_since(), now + us_per_day_analytics, "", ""}, now);
    }
    caf::anon_send_exit(root, caf::exit_reason::user_shutdown);
    port->stop();
    sched.run();
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
  auto [store, journal, dids] = open_run_stores(config, options);
  simulation_report report;
  report.seed = options.seed;
  report.carrier = std::make_shared<sim_carrier_report>();
  {
    caf::actor_system_config cfg;
    add_protocol_types(cfg);
    cfg.set("scheduler.max-threads", static_cast<size_t>(std::max(1, config.threads)));
    cfg.set("scheduler.max-throughput", static_cast<size_t>(300));
    cfg.set("logger.verbosity", caf::atom("quiet"));
    caf::actor_system sys{cfg};
    auto shared_config = std::make_shared<const engine_config>(config);
    http_client_options client_options;
    client_options.max_connections_per_host = 64;
    auto bid_client = std::make_shared<http_client>(client_options);
    std::shared_ptr<const wall_clock> clock = make_actor_wall_clock(sys, system_now());
    auto parts = make_node_parts(shared_config, clock, store, options.seed, journal, bid_client, dids.directory);
    sim_carrier_options carrier;
    carrier.calls = options.calls;
    carrier.calls_per_second =
      options.calls_per_second > 0 ? options.calls_per_second : config.carrier_sim.calls_per_second;
    carrier.seed = options.seed;
    carrier.behavior = config.carrier_sim;
    carrier.config = shared_config;
    carrier.report = report.carrier;
    carrier.time_scale = options.time_scale > 0 ? options.time_scale : 1.0;
    auto port = std::make_shared<sim_carrier_port>(sys, carrier, clock);
    auto root = start_node(sys, parts, port, std::nullopt);
    if (options.at_start) options.at_start();

    auto& counters = *parts.ctx->counters;
    // Long enough for every call at the given rate and scale, with room to spare.
    double limit_s = options.max_wall_s > 0
                       ? options.max_wall_s
                       : double(options.calls) / carrier.calls_per_second + 4 * 3600 / carrier.time_scale + 60;
    auto deadline = wall_start + std::chrono::duration_cast<std::chrono::steady_clock::duration>(
                                   std::chrono::duration<double>(limit_s));
    while (counters.calls_finished.load() < options.calls && std::chrono::steady_clock::now() < deadline) {
      std::this_thread::sleep_for(std::chrono::milliseconds{20});
      if (options.progress) options.progress(counters.calls_finished.load(), options.calls);
    }
    if (options.at_stop) options.at_stop(parts.calls->by_carrier_id.size());
    caf::scoped_actor self{sys};
    self->send_exit(root, caf::exit_reason::user_shutdown);
    self->wait_for(root);
    port->stop(); // the world's actor: the system waits for it
    bid_client->stop(); // its last callbacks still find the actor system
    journal->on_durable({});
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
