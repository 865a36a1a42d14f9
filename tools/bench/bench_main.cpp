// ringbid-bench: the benchmark runner. Prints a table and writes JSON. Each
// figure comes with a baseline measured in the same run where one exists.
//
//   lifecycles   simulated call lifecycles per second, 10 bidders per auction,
//                against bare CAF 10-way request/gather rounds per second
//   rss          resident memory per live call with N calls on hold, against
//                the memory of an idle CAF stateful actor
//   ledger       cap-ledger decisions per second (reserve, commit, release),
//                against a trivial echo actor's request/response rate
//   auction      auctions per second with 10 HTTP bidders through the engine,
//                against a bare Beast client loop sending the same requests;
//                the engine's overhead per auction p50/p99
//   e2e          call setups per second through real HTTP (carrier-sim ->
//                node -> carrier-sim, separate processes), against the HTTP
//                transport's ceiling; the node's webhook handling p50/p99
//   leads        durable lead writes per second through the SQLite lead store
//                (4 producers, group commit, synchronous=FULL), against a bare
//                single-threaded batched INSERT loop on the same schema; the
//                store's submit -> committed latency p50/p99 at a paced rate
//   dids         DID lookup latency p50/p99: in-process, and through the Redis
//                cache (a redis-server started for the run) against a bare
//                hiredis GET round trip to the same server
//   analytics    lifecycles/s with the analytics actor, against the same
//                simulation without it (alternating runs)
//   sse          event-stream subscribers one node keeps up with at 1,000
//                call events/s (every event to every subscriber, none dropped)
//   restart      what a call's durable start adds before its answer (p50/p99,
//                against a lead's commit at the same rate); live calls adopted
//                per second when a node starts on 10,000 of them; SIGTERM to
//                the next process taking calls
//   control      a configuration change to the first call routed under it
//                (p50/p99, against the gap between calls), and lifecycles/s
//                while 10 changes/s apply against the same run without

#include "actors/core/config.hpp"
#include "protocol/types.hpp"
#include "tools/bench/bench_analytics.hpp"
#include "tools/bench/bench_auction.hpp"
#include "tools/bench/bench_config.hpp"
#include "tools/bench/bench_control_plane.hpp"
#include "tools/bench/bench_e2e.hpp"
#include "tools/bench/bench_leads.hpp"
#include "tools/bench/bench_ledger.hpp"
#include "tools/bench/bench_restart.hpp"
#include "tools/bench/bench_result.hpp"
#include "tools/node/simulation.hpp"

#include <CLI/CLI.hpp>
#include <caf/all.hpp>
#include <caf/scheduler/test_coordinator.hpp>
#include <fmt/format.h>
#include <rapidjson/ostreamwrapper.h>
#include <rapidjson/prettywriter.h>

#include <chrono>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <malloc.h>
#include <unistd.h>

namespace ringbid {

engine_config bench_config(int buyers, int32_t deadline_ms, int32_t latency_ms) {
  engine_config cfg;
  cfg.node_name = "bench";
  campaign_config c;
  c.id = "bench";
  c.vertical = "auto_insurance";
  c.greeting_text = "Thanks for calling.";
  c.hold_audio_url = "https://audio.example.invalid/hold.mp3";
  c.ending_text = "Sorry, nobody can take your call.";
  c.auction_deadline_ms = deadline_ms;
  for (int i = 0; i < buyers; ++i) {
    buyer_config b;
    b.id = fmt::format("buyer-{:02}", i);
    b.destination = fmt::format("+1512555{:04}", i);
    b.sim.bid_mean_micros = 20'000'000 + i * 500'000;
    b.sim.latency_mean_ms = latency_ms;
    b.sim.latency_stddev_ms = latency_ms / 3;
    b.sim.no_bid_rate = 0.05;
    b.sim.error_rate = 0;
    b.sim.answer_rate = 1.0;
    c.buyer_ids.push_back(b.id);
    cfg.buyers.push_back(b);
  }
  cfg.campaigns.push_back(c);
  cfg.sources.push_back(source_config{"pub", "Publisher", 5000, "UTC", {}});
  for (int i = 0; i < 4; ++i) cfg.dids.push_back(did_config{fmt::format("+1800555{:04}", i), "bench", "pub", {}});
  cfg.carrier_sim.unknown_did_rate = 0;
  cfg.carrier_sim.abandon_rate = 0;
  cfg.carrier_sim.talk_s_mean = 60;
  cfg.timing.max_hold_ms = 3'600'000;
  cfg.timing.greeting_timeout_ms = 3'600'000;
  return cfg;
}

namespace {

int64_t rss_bytes() {
  malloc_trim(0);
  std::ifstream statm{"/proc/self/statm"};
  int64_t pages = 0, resident = 0;
  statm >> pages >> resident;
  return resident * sysconf(_SC_PAGESIZE);
}

// -- baseline: bare CAF fan-out --------------------------------------------------

// Every spawned function takes a dummy int: CAF 0.17 dereferences a null
// shared_ptr<tuple<>> for functions spawned without arguments (UBSan).
caf::behavior echo_bidder(caf::event_based_actor*, int) {
  return {[](int32_t x) { return x; }};
}

/// Rounds per second of a driver asking 10 echo actors and gathering the
/// replies, on the same deterministic scheduler the simulation uses.
double caf_fanout_rounds_per_second(uint64_t rounds) {
  caf::actor_system_config cfg;
  cfg.set("scheduler.policy", caf::atom("testing"));
  caf::actor_system sys{cfg};
  auto& sched = dynamic_cast<caf::scheduler::test_coordinator&>(sys.scheduler());
  std::vector<caf::actor> bidders;
  for (int i = 0; i < 10; ++i) bidders.push_back(sys.spawn(echo_bidder, 0));
  uint64_t done = 0;
  auto start = std::chrono::steady_clock::now();
  // The deterministic run finishes inside this function, so the round loop can
  // live here and be captured by reference (a self-owning closure would leak).
  int pending = 0;
  std::function<void(caf::event_based_actor*)> next_round = [&](caf::event_based_actor* self) {
    if (done >= rounds) return;
    pending = 10;
    for (auto& b : bidders)
      self->request(b, std::chrono::seconds{1}, int32_t{1})
        .then(
          [&, self](int32_t) {
            if (--pending == 0) {
              ++done;
              next_round(self);
            }
          },
          [](caf::error&) {});
  };
  auto driver = sys.spawn(
    [&](caf::event_based_actor* self, int) -> caf::behavior {
      next_round(self);
      return {[](int32_t) {}};
    },
    0);
  sched.run();
  auto secs = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  caf::anon_send_exit(driver, caf::exit_reason::kill);
  for (auto& b : bidders) caf::anon_send_exit(b, caf::exit_reason::kill);
  sched.run();
  return double(done) / secs;
}

/// Bytes per idle stateful actor, spawned `n` at a time.
double idle_actor_bytes(uint64_t n) {
  struct idle_state {
    std::string name;
    int64_t value = 0;
  };
  caf::actor_system_config cfg;
  cfg.set("scheduler.policy", caf::atom("testing"));
  caf::actor_system sys{cfg};
  auto& sched = dynamic_cast<caf::scheduler::test_coordinator&>(sys.scheduler());
  std::vector<caf::actor> actors;
  actors.reserve(n);
  sched.run();
  auto before = rss_bytes();
  for (uint64_t i = 0; i < n; ++i)
    actors.push_back(
      sys.spawn([](caf::stateful_actor<idle_state>*, int) -> caf::behavior { return {[](int32_t) {}}; }, 0));
  sched.run();
  auto after = rss_bytes();
  for (auto& a : actors) caf::anon_send_exit(a, caf::exit_reason::kill);
  sched.run();
  return double(after - before) / double(n);
}

// -- benchmarks ------------------------------------------------------------------

/// Call lifecycles per second with 10 simulated bidders per auction, and the
/// auctions per second inside them (a call may hold more than one round).
std::vector<result_row> bench_lifecycles(uint64_t calls, const std::string& db) {
  auto cfg = bench_config(10, 500, 40);
  simulation_options opt;
  opt.calls = calls;
  opt.calls_per_second = 500;
  opt.seed = 1;
  opt.db_path = db;
  auto report = run_simulation(cfg, opt);
  result_row row;
  row.name = "call lifecycles/s, 10 bidders per auction";
  row.value = double(report.completed) / report.wall_seconds;
  row.unit = "calls/s";
  row.baseline_name = "bare CAF 10-way request/gather rounds/s";
  row.baseline = caf_fanout_rounds_per_second(calls);
  row.ratio = row.value / row.baseline;
  result_row auctions = row;
  auctions.name = "auctions/s, 10 in-process simulated bidders";
  auctions.value = double(report.auctions) / report.wall_seconds;
  auctions.unit = "auctions/s";
  auctions.ratio = auctions.value / auctions.baseline;
  return {row, auctions};
}

result_row bench_rss(uint64_t calls, const std::string& db) {
  // Buyers answer after 15 minutes and the deadline is 20: every call stays on
  // hold, pings out, watchdogs armed, when the run stops after 60 s.
  auto cfg = bench_config(1, 1'200'000, 900'000);
  cfg.carrier_sim.answer_delay_ms = 100;
  simulation_options opt;
  opt.calls = calls;
  opt.calls_per_second = double(calls) / 10.0; // all calls arrive within ~10 s
  opt.seed = 1;
  opt.db_path = db;
  opt.stop_at_virtual_s = 60;
  // The baseline first: measured after the engine's run, freed memory would be reused.
  auto idle_bytes = idle_actor_bytes(calls);
  int64_t before = 0;
  int64_t after = 0;
  uint64_t live = 0;
  opt.at_start = [&] { before = rss_bytes(); };
  opt.at_stop = [&](uint64_t n) {
    after = rss_bytes();
    live = n;
  };
  auto report = run_simulation(cfg, opt);
  std::cerr << fmt::format("rss run: placed {} finished {} leads {} (no buyer {}, failed {}, abandoned {})\n",
                           report.calls, report.completed, report.leads.leads, report.leads.no_buyer,
                           report.leads.failed, report.leads.abandoned);
  result_row row;
  row.name = fmt::format("RSS per live call, {} calls on hold", live);
  row.value = live == 0 ? 0 : double(after - before) / double(live);
  row.unit = "bytes";
  row.baseline_name = "idle CAF stateful actor";
  row.baseline = idle_bytes;
  row.ratio = row.baseline > 0 ? row.value / row.baseline : 0;
  return row;
}

void write_json(const std::string& path, const std::vector<result_row>& rows) {
  std::ofstream out{path};
  rapidjson::OStreamWrapper os{out};
  rapidjson::PrettyWriter<rapidjson::OStreamWrapper> w{os};
  w.StartObject();
  w.Key("machine_cores");
  w.Int(static_cast<int>(sysconf(_SC_NPROCESSORS_ONLN)));
  w.Key("results");
  w.StartArray();
  for (const auto& r : rows) {
    w.StartObject();
    w.Key("name");
    w.String(r.name.c_str());
    w.Key("value");
    w.Double(r.value);
    w.Key("unit");
    w.String(r.unit.c_str());
    w.Key("baseline_name");
    w.String(r.baseline_name.c_str());
    w.Key("baseline");
    w.Double(r.baseline);
    w.Key("ratio");
    w.Double(r.ratio);
    w.EndObject();
  }
  w.EndArray();
  w.EndObject();
  out << '\n';
}

} // namespace
} // namespace ringbid

int main(int argc, char** argv) {
  CLI::App app{"ringbid-bench: benchmarks with same-run baselines"};
  uint64_t lifecycle_calls = 50'000;
  uint64_t hold_calls = 100'000;
  std::string out = "build/bench.json";
  std::string only;
  uint64_t ledger_cycles = 3'000;
  app.add_option("--lifecycle-calls", lifecycle_calls, "calls in the lifecycle benchmark");
  app.add_option("--hold-calls", hold_calls, "calls on hold in the memory benchmark");
  app.add_option("--out", out, "where to write the JSON results");
  app.add_option("--ledger-cycles", ledger_cycles, "reserve/commit/release cycles per client (100 clients)");
  ringbid::e2e_options e2e;
  app.add_option("--e2e-calls", e2e.calls, "calls the carrier simulator places in the e2e benchmark");
  app.add_option("--e2e-rate", e2e.calls_per_second, "calls per second it places them at");
  ringbid::leads_bench_options leads;
  app.add_option("--lead-count", leads.leads, "leads written in the leads benchmark (engine and baseline each)");
  ringbid::dids_bench_options dids;
  app.add_option("--did-count", dids.dids, "numbers in the DID directory of the dids benchmark");
  app.add_option("--did-lookups", dids.lookups, "timed lookups per variant in the dids benchmark");
  uint64_t analytics_calls = 20'000;
  app.add_option("--analytics-calls", analytics_calls, "calls per run in the analytics benchmark (4 runs)");
  app.add_option(
    "--only", only,
    "run one benchmark: lifecycles, rss, ledger, auction, e2e, leads, dids, analytics, sse, restart or control");
  CLI11_PARSE(app, argc, argv);

  auto dir = std::filesystem::temp_directory_path() / ("ringbid-bench-" + std::to_string(::getpid()));
  std::filesystem::create_directories(dir);
  std::vector<ringbid::result_row> rows;
  if (only.empty() || only == "lifecycles")
    for (auto& row : ringbid::bench_lifecycles(lifecycle_calls, (dir / "lifecycles.db").string())) rows.push_back(row);
  if (only.empty() || only == "rss") rows.push_back(ringbid::bench_rss(hold_calls, (dir / "rss.db").string()));
  if (only.empty() || only == "ledger")
    for (auto& row : ringbid::bench_ledger(ledger_cycles, (dir / "ledger.db").string())) rows.push_back(row);
  if (only.empty() || only == "auction") {
    ringbid::auction_bench_options auction;
    auction.work_dir = dir.string();
    for (auto& row : ringbid::bench_auction(auction)) rows.push_back(row);
  }
  if (only.empty() || only == "e2e") {
    e2e.work_dir = (dir / "e2e").string();
    for (auto& row : ringbid::bench_e2e(e2e)) rows.push_back(row);
  }
  if (only.empty() || only == "leads") {
    leads.work_dir = dir.string();
    for (auto& row : ringbid::bench_leads(leads)) rows.push_back(row);
  }
  if (only.empty() || only == "dids") {
    dids.work_dir = dir.string();
    for (auto& row : ringbid::bench_dids(dids)) rows.push_back(row);
  }
  if (only.empty() || only == "analytics")
    for (auto& row : ringbid::bench_analytics(analytics_calls, dir.string())) rows.push_back(row);
  if (only.empty() || only == "restart") {
    ringbid::restart_bench_options restart;
    restart.work_dir = dir.string();
    restart.tools_dir = std::filesystem::read_symlink("/proc/self/exe").parent_path().string();
    for (auto& row : ringbid::bench_restart(restart)) rows.push_back(row);
  }
  if (only.empty() || only == "control") {
    ringbid::control_plane_bench_options control;
    control.work_dir = dir.string();
    control.tools_dir = std::filesystem::read_symlink("/proc/self/exe").parent_path().string();
    for (auto& row : ringbid::bench_control_plane(control)) rows.push_back(row);
  }
  if (only.empty() || only == "sse")
    for (auto& row : ringbid::bench_sse({})) rows.push_back(row);
  std::filesystem::remove_all(dir);

  std::cout << fmt::format("{:<48}{:>14} {:<8}{:>14}  {:<40}{:>8}\n", "benchmark", "value", "unit", "baseline",
                           "baseline is", "ratio");
  for (const auto& r : rows)
    std::cout << fmt::format("{:<48}{:>14.1f} {:<8}{:>14.1f}  {:<40}{:>8.3f}\n", r.name, r.value, r.unit, r.baseline,
                             r.baseline_name, r.ratio);
  if (auto parent = std::filesystem::path{out}.parent_path(); !parent.empty())
    std::filesystem::create_directories(parent);
  ringbid::write_json(out, rows);
  std::cout << "written " << out << '\n';
  return 0;
}
