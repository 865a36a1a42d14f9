#include "tools/node/node_runtime.hpp"

#include "adapters/clock/sim_clock.hpp"
#include "adapters/http/access_token.hpp"
#include "adapters/http/http_client.hpp"
#include "adapters/sqlite/sqlite_audit_log.hpp"
#include "adapters/sqlite/sqlite_cap_journal.hpp"
#include "adapters/sqlite/sqlite_config_store.hpp"
#include "adapters/sqlite/sqlite_idempotency_store.hpp"
#include "adapters/sqlite/sqlite_lead_reader.hpp"
#include "adapters/sqlite/sqlite_lead_store.hpp"
#include "adapters/sqlite/sqlite_live_calls.hpp"
#include "adapters/sqlite/sqlite_metrics_history.hpp"
#include "adapters/sqlite/sqlite_token_store.hpp"
#include "protocol/adoption.hpp"
#include "protocol/ledger.hpp"
#include "protocol/node.hpp"
#include "protocol/types.hpp"
#include "tools/node/carrier_factory.hpp"
#include "tools/node/carrier_reconcile.hpp"
#include "tools/node/config_apply.hpp"
#include "tools/node/config_startup.hpp"
#include "tools/node/host_port.hpp"
#include "tools/node/node_assembly.hpp"
#include "tools/node/node_http.hpp"
#include "tools/node/node_intake.hpp"
#include "tools/node/wiring.hpp"

#include <caf/all.hpp>
#include <caf/io/all.hpp>
#include <spdlog/spdlog.h>

#include <algorithm>
#include <array>
#include <cerrno>
#include <chrono>
#include <csignal>
#include <filesystem>
#include <optional>
#include <pthread.h>
#include <thread>

namespace ringbid {

namespace {

/// Waits for a blocked signal (SIGINT, SIGTERM, SIGHUP) or the run time to pass
/// (`until`, when set); 0 for the latter.
int wait_for_signal(sigset_t& signals, std::optional<std::chrono::steady_clock::time_point> until) {
  if (!until) {
    int sig = 0;
    sigwait(&signals, &sig);
    return sig;
  }
  for (;;) {
    auto left = *until - std::chrono::steady_clock::now();
    if (left <= std::chrono::steady_clock::duration::zero()) return 0;
    auto ns = std::chrono::duration_cast<std::chrono::nanoseconds>(left).count();
    timespec limit{static_cast<time_t>(ns / 1'000'000'000), static_cast<long>(ns % 1'000'000'000)};
    int sig = sigtimedwait(&signals, nullptr, &limit);
    if (sig > 0) return sig;
    if (errno != EINTR) return 0; // EAGAIN: the time is up
  }
}

/// Runs until SIGINT, SIGTERM or the run time; each SIGHUP in between imports
/// the config file again (when there is one). Returns the signal that ended
/// it, 0 for the run time.
int serve_until_stopped(sigset_t& signals, double run_for_s, config_applier& applier, const std::string& path) {
  std::optional<std::chrono::steady_clock::time_point> until;
  if (run_for_s > 0)
    until = std::chrono::steady_clock::now() +
            std::chrono::duration_cast<std::chrono::steady_clock::duration>(std::chrono::duration<double>{run_for_s});
  for (;;) {
    int sig = wait_for_signal(signals, until);
    if (sig != SIGHUP) return sig;
    if (path.empty()) {
      spdlog::info("SIGHUP: the node runs on the database's configuration (no --config file to import)");
      continue;
    }
    spdlog::info("SIGHUP: importing the config file {}", path);
    applier.post([&applier, path] {
      if (reimport_config(applier.plane(), path)) applier.apply_head();
    });
  }
}

/// Runs the calls the previous process left live: asks the carrier about
/// each, then hands them to the calls supervisor. False (logged) when they
/// cannot be read or the supervisor does not take them.
bool adopt_live_calls(caf::actor_system& sys, const caf::actor& root, carrier_port& carrier,
                      std::vector<adoptable_call> calls, uint64_t undecodable) {
  auto started = std::chrono::steady_clock::now();
  auto count = calls.size();
  auto asked = reconcile_with_carrier(carrier, calls, std::chrono::seconds{20});
  auto reconciled = std::chrono::steady_clock::now();
  caf::scoped_actor self{sys};
  caf::actor calls_supervisor;
  bool ok = true;
  self->request(root, std::chrono::seconds{10}, peer_lookup{peer_kind::calls, {}})
    .receive([&](const peer_handle& h) { calls_supervisor = h.handle; },
             [&](caf::error& err) {
               spdlog::error("cannot adopt the live calls: calls supervisor unreachable: {}", sys.render(err));
               ok = false;
             });
  if (!ok) return false;
  self->request(calls_supervisor, std::chrono::minutes{2}, adopt_calls{std::move(calls)})
    .receive(
      [&](const adoption_report& r) {
        auto done = std::chrono::steady_clock::now();
        auto ms = [](auto d) { return std::chrono::duration<double, std::milli>(d).count(); };
        spdlog::info("adopted {} live calls of the previous run in {:.0f} ms (carrier asked in {:.0f} ms{}, {} one by "
                     "one, {} unanswered): {} resumed, {} set up again, {} ended at the carrier meanwhile, {} unknown "
                     "to it (booked as interrupted), {} kept events replayed{}",
                     count, ms(done - started), ms(reconciled - started), asked.listed ? ", active calls listed" : "",
                     asked.asked, asked.unasked, r.resumed, r.restarted, r.ended, r.unknown, r.replayed,
                     undecodable > 0 ? fmt::format(", {} undecodable records skipped", undecodable) : "");
      },
      [&](caf::error& err) {
        spdlog::error("cannot adopt the live calls: {}", sys.render(err));
        ok = false;
      });
  if (!ok) return false;
  // The ledger has taken what the adoption gave back (the reservations of
  // calls booked without an actor) once it answers a later question.
  caf::actor ledger;
  self->request(root, std::chrono::seconds{10}, peer_lookup{peer_kind::ledger, {}})
    .receive([&](const peer_handle& h) { ledger = h.handle; }, [&](caf::error&) {});
  if (ledger)
    self->request(ledger, std::chrono::seconds{10}, ledger_status_request{})
      .receive([](const ledger_status&) {}, [](caf::error&) {});
  return true;
}

/// The analytics book with today's calls booked so far (by earlier runs of
/// the node) read from the lead store. Nullptr (logged) when it cannot be read.
std::shared_ptr<analytics_book> load_todays_calls(const std::string& db_path, timestamp_us now) {
  auto book = std::make_shared<analytics_book>(now);
  std::string error;
  auto reader = sqlite_lead_reader::open(db_path, &error);
  if (!reader) {
    spdlog::error("cannot read the leads of today for analytics: {}", error);
    return nullptr;
  }
  lead_query today;
  today.from = book->memory_since();
  std::vector<booked_call> calls;
  try {
    reader->for_each_booked(today, [&](const booked_call& c) { calls.push_back(c); });
  } catch (const std::exception& e) {
    spdlog::error("cannot read the leads of today for analytics: {}", e.what());
    return nullptr;
  }
  // In the order they ended, as if they had been booked just now.
  std::sort(calls.begin(), calls.end(), [](const booked_call& a, const booked_call& b) {
    return a.ended_at != b.ended_at ? a.ended_at < b.ended_at : a.id < b.id;
  });
  for (const auto& c : calls) book->booked(c);
  spdlog::info("analytics: {} calls booked earlier today", calls.size());
  return book;
}

/// The campaigns and sources the node knows, for the dashboard's filters.
known_ids known_ids_of(const engine_config& config) {
  known_ids ids;
  for (const auto& c : config.campaigns) ids.campaigns.push_back(c.id);
  for (const auto& s : config.sources) ids.sources.push_back(s.id);
  return ids;
}

/// Waits (bounded) for the commands the drain produced (the final hangups) to
/// reach the carrier before it is stopped.
void wait_for_commands(const carrier_port& carrier, std::chrono::seconds limit) {
  auto deadline = std::chrono::steady_clock::now() + limit;
  while (carrier.metrics().commands_in_flight > 0 && std::chrono::steady_clock::now() < deadline)
    std::this_thread::sleep_for(std::chrono::milliseconds{10});
}

} // namespace

int run_node(const engine_config& config, const node_options& options) {
  // Block the signals before any thread starts, so every thread inherits the
  // mask and only sigwait() sees them.
  sigset_t signals;
  sigemptyset(&signals);
  sigaddset(&signals, SIGINT);
  sigaddset(&signals, SIGTERM);
  sigaddset(&signals, SIGHUP); // a reload, not the end (the default action would kill the node)
  pthread_sigmask(SIG_BLOCK, &signals, nullptr);

  auto db_path = (std::filesystem::path{config.storage.data_dir} / config.storage.sqlite_file).string();
  spdlog::info("carrier {}, database {}, config revision {} ({}){}", options.carrier, db_path,
               options.config_revision_number, options.config_revision.empty() ? "-" : options.config_revision,
               options.carrier == "sim" ? " (simulated calls, booked as leads in that database)" : "");
  caf::actor_system_config cfg;
  add_node_types(cfg);
  cfg.set("scheduler.max-threads", static_cast<size_t>(std::max(1, config.threads)));
  cfg.set("scheduler.max-throughput", static_cast<size_t>(300));
  cfg.set("logger.verbosity", caf::atom("quiet"));
  std::string admin_host;
  uint16_t admin_port = 0;
  if (!options.admin.empty()) {
    if (!split_host_port(options.admin, admin_host, admin_port)) {
      spdlog::error("--admin takes HOST:PORT, got \"{}\"", options.admin);
      return 2;
    }
    cfg.load<caf::io::middleman>();
    cfg.set("middleman.app-identifiers", std::vector<std::string>{"ringbid"});
  }
  std::string http_host;
  uint16_t http_port = 0;
  if (!options.http.empty() && !split_host_port(options.http, http_host, http_port)) {
    spdlog::error("--http takes HOST:PORT, got \"{}\"", options.http);
    return 2;
  }
  node_http_parts http_parts;
  if (!options.http.empty()) {
    // Who may use the API: tokens in the node's database (`ringbid tokens`),
    // the --access-token as an admin, or, on a node that listens on loopback
    // only and was given none, anyone without credentials.
    api_gate_options gate;
    gate.bootstrap_token = options.access_token;
    gate.open_when_no_token = gate.bootstrap_token.empty() && is_loopback_address(http_host);
    if (gate.bootstrap_token.empty() && !gate.open_when_no_token) {
      gate.bootstrap_token = generate_access_token();
      spdlog::info("listening beyond loopback: the dashboard and its API ask for a token; this run's admin token is {} "
                   "(open http://HOST:PORT/?token=TOKEN once, or sign in at /signin; set your own with "
                   "--access-token, make role tokens with `ringbid tokens create`)",
                   gate.bootstrap_token);
    }
    std::string store_error;
    auto tokens = sqlite_token_store::open(db_path, &store_error);
    auto audit = tokens ? sqlite_audit_log::open(db_path, &store_error) : nullptr;
    if (!tokens || !audit) {
      spdlog::error("cannot open the tokens and audit log in {}: {}", db_path, store_error);
      return 1;
    }
    http_parts.gate = std::make_shared<api_gate>(std::move(tokens), std::move(gate));
    http_parts.audit = std::move(audit);
  }
  int exit_code = 0;
  std::shared_ptr<sqlite_lead_store> store; // outlives the actor system: flushed at the very end
  std::shared_ptr<sqlite_cap_journal> journal;
  std::shared_ptr<node_intake> intake;
  {
    caf::actor_system sys{cfg};
    // After the system, so gone before it: no route outlives what it reaches.
    http_server server;
    assembly_options build;
    build.db_path = db_path;
    build.durable = true;
    build.redis_url = options.redis;
    build.http_bidders = options.http_bidders;
    build.seed = options.seed;
    build.carrier = [&](caf::actor_system& system, std::shared_ptr<const wall_clock> clock,
                        std::shared_ptr<sqlite_lead_store> leads) {
      carrier_setup setup;
      setup.system = &system;
      setup.config = std::make_shared<const engine_config>(config);
      setup.clock = std::move(clock);
      setup.seed = options.seed;
      setup.calls_per_second = options.calls_per_second;
      setup.serves_http = !options.http.empty();
      setup.flags = options.carrier_flags;
      // The carrier hears "accepted" for an event only once it is durable, and
      // the engine hears of a call only once its start is: a call it handed
      // over is adopted even if the node dies the next moment.
      intake = std::make_shared<node_intake>(leads, setup.clock, options.seed);
      setup.intake = intake;
      return make_carrier(options.carrier, setup);
    };
    std::string error;
    bool bad_option = false;
    auto node = node_assembly::build(sys, config, build, &error, &bad_option);
    if (!node) {
      spdlog::error("{}", error);
      return bad_option ? 2 : 1;
    }
    store = node->store;
    journal = node->journal;
    auto& parts = node->parts;
    parts.ctx->install(
      config_generation::make(parts.ctx->config, options.config_revision, options.config_revision_number));
    const auto& dids = node->dids;
    if (options.http_bidders) {
      auto pinged = std::count_if(config.buyers.begin(), config.buyers.end(),
                                  [](const buyer_config& b) { return !b.ping_url.empty(); });
      spdlog::info("{} of {} buyers pinged over HTTP; the others are simulated", pinged, config.buyers.size());
    }
    spdlog::info("DID directory in {}: {} numbers assigned ({} new from the config, {} config numbers kept as "
                 "stored){}",
                 db_path, dids.local->size(), dids.seeded.inserted, dids.seeded.kept,
                 dids.redis ? ", cached in Redis at " + dids.redis_at.text() : std::string{});
    // This process owns the live calls from now on; a row the previous one
    // writes late (it cannot: it is gone, or another machine) is fenced off.
    auto incarnation = store->claim_live_calls(config.node_name);
    if (incarnation == 0) {
      spdlog::error("cannot take over the live calls in {}", db_path);
      return 1;
    }
    uint64_t undecodable = 0;
    std::string live_error;
    auto live = load_live_calls(db_path, &live_error, &undecodable);
    if (!live_error.empty()) {
      spdlog::error("cannot read the live calls of the previous run: {}", live_error);
      return 1;
    }
    auto restored = restore_ledger(*parts.ledger, db_path, parts.ctx->clock->now());
    if (!restored.error.empty()) {
      spdlog::error("cannot rebuild the cap ledger from {}: {}", db_path, restored.error);
      return 1;
    }
    // The expiries are journaled like any change; make them durable before the
    // node says it is up, so the journal and the node agree from then on.
    journal->flush();
    spdlog::info("cap ledger rebuilt from {} journal entries; {} reservations of the previous run wait {} s for "
                 "their calls",
                 restored.entries, restored.orphaned, adoption_grace_us / us_per_s);
    auto book = load_todays_calls(db_path, parts.ctx->clock->now());
    if (!book) return 1;
    sse_hub_options feed_options;
    feed_options.ids_now = [ctx = parts.ctx] { return known_ids_of(ctx->current()->config()); };
    feed_options.now = [clock = parts.ctx->clock] { return clock->now(); };
    auto hub = std::make_shared<sse_hub>(feed_options);
    node->count_calls(book, hub, std::make_shared<sqlite_metrics_history>(db_path), std::chrono::seconds{1});
    auto root = node->start();
    auto carrier = node->carrier;
    spdlog::info("node '{}' incarnation {}: {} live calls left by the previous run", config.node_name, incarnation,
                 live.size());
    if (!live.empty()) {
      if (!adopt_live_calls(sys, root, *carrier, std::move(live), undecodable)) return 1;
      journal->flush(); // what the adoption changed in the caps is durable before the node says it is up
    }
    // The control plane: revisions committed from now on (this node's API,
    // the CLI, other nodes) reach new calls without a restart. Made before
    // the routes, which run the API's reads and changes on its worker.
    std::string store_error;
    auto config_db = sqlite_config_store::open(db_path, &store_error);
    auto idempotency = config_db ? sqlite_idempotency_store::open(db_path, &store_error) : nullptr;
    if (!config_db || !idempotency) {
      spdlog::error("cannot open the configuration in {}: {}", db_path, store_error);
      return 1;
    }
    auto plane = std::make_shared<config_plane>(config_db, [clock = parts.ctx->clock] { return clock->now(); });
    config_apply_parts apply;
    apply.ctx = parts.ctx;
    apply.system = &sys;
    apply.root = root;
    apply.dids = dids.local;
    apply.redis_url = options.redis;
    apply.data_dir = options.data_dir;
    auto applier = std::make_shared<config_applier>(plane, apply);
    applier->started_on(options.config_revision_number);
    applier->start(std::chrono::milliseconds{20});
    http_parts.applier = applier;
    http_parts.idempotency = idempotency;
    http_parts.carrier = carrier;
    http_parts.counters = parts.ctx->counters;
    http_parts.system = &sys;
    http_parts.root = root;
    http_parts.hub = hub;
    http_parts.ids = feed_options.ids_now;
    http_parts.accepting->store(true);
    if (!options.http.empty()) {
      add_node_routes(server, http_parts);
      auto bound = server.listen(http_host, http_port);
      if (!bound.ok()) {
        spdlog::error("cannot serve HTTP on {}: {}", options.http, bound.error);
        return 1;
      }
      std::string routes;
      for (const auto& route : carrier->http_routes())
        routes += (routes.empty() ? "" : ", ") + route.method + " " + route.path;
      spdlog::info("http on {}:{}{}", http_host, bound.port,
                   routes.empty() ? "" : " (carrier " + options.carrier + " at " + routes + ")");
    }
    if (!admin_host.empty()) {
      auto bound = caf::io::publish(root, admin_port, admin_host.c_str(), true);
      if (!bound) {
        spdlog::error("cannot publish the admin endpoint on {}: {}", options.admin, sys.render(bound.error()));
        return 1;
      }
      spdlog::info("admin endpoint on {}:{} (ringbid caps --node {}:{})", admin_host, *bound, admin_host, *bound);
    }
    spdlog::info("ringbid-node '{}' up: {} campaigns, {} buyers, {} DIDs, {} threads, carrier {}, leads in {}, "
                 "config revision {} ({}){}",
                 config.node_name, config.campaigns.size(), config.buyers.size(), dids.local->size(), config.threads,
                 options.carrier, db_path, options.config_revision_number,
                 options.config_revision.empty() ? "-" : options.config_revision,
                 options.config_path.empty() ? "" : " (SIGHUP imports " + options.config_path + ")");

    int sig = serve_until_stopped(signals, options.run_for_s, *applier, options.config_path);
    applier->stop();
    // Calls outlive the process only with a carrier that does (not the
    // in-process simulator).
    bool hand_over = options.on_stop == drain_mode::hand_over && carrier->calls_outlive_process();
    spdlog::info("{}: {}", sig == 0 ? "run time over" : strsignal(sig),
                 hand_over ? "handing the live calls over to the next process" : "finishing the live calls");
    auto stop_started = std::chrono::steady_clock::now();
    http_parts.accepting->store(false);
    if (intake) intake->stop_taking_calls(); // the carrier retries new calls at the next process

    caf::scoped_actor self{sys};
    auto timeout = std::chrono::seconds{options.drain_timeout_s};
    caf::actor calls;
    self->request(root, timeout, peer_lookup{peer_kind::calls, {}})
      .receive([&](const peer_handle& h) { calls = h.handle; },
               [&](caf::error& err) { spdlog::error("calls supervisor unreachable: {}", sys.render(err)); });
    if (calls) {
      auto on_done = [&](const calls_status& s) {
        auto ms = std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - stop_started).count();
        if (hand_over)
          spdlog::info("{} live calls handed over in {:.0f} ms ({} started, {} finished, {} adopted here)",
                       s.handed_over, ms, s.started, s.finished, s.adopted);
        else
          spdlog::info("all calls finalized: {} started, {} finished, {} restarted, {} interrupted ({:.0f} ms)",
                       s.started, s.finished, s.restarted, s.interrupted, ms);
      };
      auto on_error = [&](caf::error& err) {
        spdlog::error("{} did not complete within {} s: {}", hand_over ? "hand-over" : "drain", options.drain_timeout_s,
                      sys.render(err));
        exit_code = 1;
      };
      if (hand_over)
        self->request(calls, timeout, hand_over_calls{}).receive(on_done, on_error);
      else
        self->request(calls, timeout, drain_calls{}).receive(on_done, on_error);
    }
    wait_for_commands(*carrier, std::chrono::seconds{5});
    server.stop(); // no webhook posts into an actor system that is going away
    // Webhooks still waiting for the store (their 2xx is sent once their event
    // is durable) are answered now, while the server and the carrier they
    // answer through still exist.
    store->flush();
    node->stop([&](const caf::actor& tree) {
      self->send_exit(tree, caf::exit_reason::user_shutdown);
      self->wait_for(tree);
    });
    http_parts.carrier = nullptr; // no handle outlives the actor system
    http_parts.root = nullptr;
    http_parts.applier = nullptr; // it holds the root's handle too
  }
  store->flush();
  journal->flush();
  spdlog::info("{} leads committed to {}", store->committed(), db_path);
  return exit_code;
}

} // namespace ringbid
