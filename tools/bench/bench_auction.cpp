#include "tools/bench/bench_auction.hpp"
#include "tools/bench/bench_percentile.hpp"

#include "adapters/bidding/bid_wire.hpp"
#include "tools/bench/bench_beast_loop.hpp"
#include "tools/bench/bench_config.hpp"
#include "tools/node/simulation.hpp"
#include "tools/sims/buyer_sim.hpp"

#include <fmt/format.h>
#include <sqlite3.h>

#include <algorithm>
#include <iostream>
#include <map>
#include <stdexcept>

namespace ringbid {

namespace {

constexpr int buyer_count = 10;

std::string buyer_id(int i) { return fmt::format("buyer-{:02}", i); } // as bench_config names them

/// Buyers that answer at once with a bid: the auction's cost is the engine's
/// and HTTP's, not the buyers' thinking time.
std::vector<buyer_sim_buyer> instant_buyers() {
  std::vector<buyer_sim_buyer> out;
  for (int i = 0; i < buyer_count; ++i) {
    buyer_sim_buyer b;
    b.id = buyer_id(i);
    b.bid_mean_micros = 20'000'000 + i * 250'000;
    b.bid_stddev_micros = 3'000'000;
    b.latency_mean_ms = 0;
    b.latency_stddev_ms = 0;
    b.no_bid_rate = 0;
    b.error_rate = 0;
    out.push_back(std::move(b));
  }
  return out;
}

/// The benchmarks' node, its buyers pinged over HTTP at buyer-sim.
engine_config http_config(const buyer_sim_server& buyers) {
  auto cfg = bench_config(buyer_count, 500, 0);
  for (auto& b : cfg.buyers) b.ping_url = buyers.url_of(b.id);
  return cfg;
}

struct round_times {
  std::vector<int64_t> overhead_us; ///< per round whose every ping was answered
  int64_t first_open = 0;
  int64_t last_close = 0;
  uint64_t rounds = 0;
};

/// Reads the rounds the run recorded: their span, and per round its duration
/// minus the slowest buyer's response as the transport measured it.
round_times read_rounds(const std::string& db_path) {
  sqlite3* db = nullptr;
  if (sqlite3_open_v2(db_path.c_str(), &db, SQLITE_OPEN_READONLY, nullptr) != SQLITE_OK)
    throw std::runtime_error("cannot open " + db_path);
  const char* sql = "SELECT r.opened_at, r.closed_at, max(e.transport_us), min(e.transport_us) FROM auction_rounds r "
                    "JOIN auction_entries e ON e.call_id = r.call_id AND e.round = r.round WHERE e.latency_us >= 0 "
                    "GROUP BY r.call_id, r.round";
  sqlite3_stmt* s = nullptr;
  sqlite3_prepare_v2(db, sql, -1, &s, nullptr);
  round_times out;
  while (sqlite3_step(s) == SQLITE_ROW) {
    int64_t opened = sqlite3_column_int64(s, 0);
    int64_t closed = sqlite3_column_int64(s, 1);
    int64_t slowest = sqlite3_column_int64(s, 2);
    auto unknown = sqlite3_column_int64(s, 3) < 0; // an unanswered ping: no "needed" response
    out.first_open = out.rounds == 0 ? opened : std::min(out.first_open, opened);
    out.last_close = std::max(out.last_close, closed);
    ++out.rounds;
    if (!unknown) out.overhead_us.push_back(std::max<int64_t>(0, closed - opened - slowest));
  }
  sqlite3_finalize(s);
  sqlite3_close(db);
  std::sort(out.overhead_us.begin(), out.overhead_us.end());
  return out;
}

simulation_report run_engine(const engine_config& cfg, uint64_t calls, double rate, const std::string& db) {
  simulation_options opt;
  opt.calls = calls;
  opt.calls_per_second = rate;
  opt.seed = 1;
  opt.db_path = db;
  opt.http_bidders = true;
  opt.time_scale = 1'000; // the calls' own delays vanish; the auctions stay real
  return run_simulation(cfg, opt);
}

} // namespace

std::vector<result_row> bench_auction(const auction_bench_options& options) {
  buyer_sim_options sim;
  sim.buyers = instant_buyers();
  std::string error;
  auto server = buyer_sim_server::start(sim, &error);
  if (!server) throw std::runtime_error("buyer-sim: " + error);
  auto cfg = http_config(*server);

  // The engine, saturated: calls offered faster than it can auction them.
  auto saturated_db = options.work_dir + "/auction-saturated.db";
  auto saturated = run_engine(cfg, options.calls, options.calls_per_second, saturated_db);
  auto busy = read_rounds(saturated_db);
  double span_s = double(busy.last_close - busy.first_open) / 1e6;
  double engine_rate = span_s > 0 ? double(busy.rounds) / span_s : 0;

  // The baseline: the same 10 pings per round from a bare Beast loop.
  beast_loop_options loop;
  loop.port = server->port();
  for (int i = 0; i < buyer_count; ++i) loop.targets.push_back("/buyers/" + buyer_id(i));
  ping_request ping;
  ping.ping_id = uuid7_generator{7}.next(1);
  ping.campaign_id = "bench";
  ping.vertical = "auto_insurance";
  ping.area_code = "512";
  ping.caller_state = "TX";
  ping.time_left = std::chrono::milliseconds{450};
  loop.body = encode_ping(ping);
  loop.rounds = options.calls;
  auto bare = run_beast_loop(loop);
  double bare_rate = bare.seconds > 0 ? double(bare.rounds) / bare.seconds : 0;

  // The overhead, at a pace the engine keeps up with.
  auto paced_db = options.work_dir + "/auction-paced.db";
  auto paced = run_engine(cfg, options.paced_calls, options.paced_rate, paced_db);
  auto calm = read_rounds(paced_db);
  server->stop();

  std::cerr << fmt::format(
    "auction: saturated {} rounds in {:.2f} s ({} calls, {} pings, {} bids); bare loop {} rounds, {} failures; "
    "paced {} rounds, {} fully answered\n",
    busy.rounds, span_s, saturated.completed, saturated.pings, saturated.bids, bare.rounds, bare.failures, calm.rounds,
    calm.overhead_us.size());
  (void)paced;

  std::vector<result_row> rows;
  result_row r;
  r.name = "auctions/s, 10 HTTP bidders, through the engine";
  r.value = engine_rate;
  r.unit = "auctions/s";
  r.baseline_name = "bare Beast client loop, same 10 requests/round";
  r.baseline = bare_rate;
  r.ratio = bare_rate > 0 ? engine_rate / bare_rate : 0;
  rows.push_back(r);
  result_row p50;
  p50.name = fmt::format("engine overhead per auction p50 ({} auctions/s offered)", options.paced_rate);
  p50.value = double(percentile(calm.overhead_us, 50));
  p50.unit = "us";
  rows.push_back(p50);
  result_row p99 = p50;
  p99.name = fmt::format("engine overhead per auction p99 ({} auctions/s offered)", options.paced_rate);
  p99.value = double(percentile(calm.overhead_us, 99));
  rows.push_back(p99);
  return rows;
}

} // namespace ringbid
