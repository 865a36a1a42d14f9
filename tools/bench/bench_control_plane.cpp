#include "tools/bench/bench_control_plane.hpp"

#include "actors/node_context.hpp"
#include "adapters/config/config_json.hpp"
#include "adapters/config/config_plane.hpp"
#include "adapters/http/http_client.hpp"
#include "adapters/sqlite/sqlite_config_store.hpp"
#include "tools/bench/bench_config.hpp"
#include "tools/bench/bench_e2e.hpp"
#include "tools/bench/bench_percentile.hpp"
#include "tools/node/simulation.hpp"
#include "tools/support/child_process.hpp"

#include <fmt/format.h>

#include <atomic>
#include <chrono>
#include <csignal>
#include <filesystem>
#include <fstream>
#include <functional>
#include <future>
#include <iostream>
#include <sstream>
#include <thread>

namespace ringbid {

namespace {

namespace fs = std::filesystem;
using steady = std::chrono::steady_clock;
using std::chrono::milliseconds;

timestamp_us wall_now() {
  return std::chrono::duration_cast<std::chrono::microseconds>(std::chrono::system_clock::now().time_since_epoch())
    .count();
}

/// A gauge of the node's /metrics; -1 when it cannot be read.
int64_t gauge(const std::string& origin, const std::string& name) {
  auto text = bench_http_get(origin + "/metrics");
  std::istringstream in{text};
  std::string line;
  while (std::getline(in, line))
    if (line.rfind(name + " ", 0) == 0) return static_cast<int64_t>(std::stod(line.substr(name.size() + 1)));
  return -1;
}

/// Successful GETs of `url` per second over `span`, `parallel` at a time on
/// keep-alive connections.
double reads_per_second(const std::string& url, std::chrono::seconds span, int parallel = 8) {
  http_client client;
  std::atomic<uint64_t> ok{0};
  std::atomic<int> outstanding{0};
  auto until = steady::now() + span;
  std::function<void()> issue = [&] {
    http_client_request req;
    req.method = "GET";
    req.url = url;
    req.timeout = milliseconds{5'000};
    req.max_response_bytes = 1 << 20;
    ++outstanding;
    client.send(std::move(req), [&](http_client_response r) {
      if (r.ok() && r.status == 200) ++ok;
      if (steady::now() < until) issue();
      --outstanding;
    });
  };
  auto started = steady::now();
  for (int i = 0; i < parallel; ++i) issue();
  while (outstanding.load() > 0) std::this_thread::sleep_for(milliseconds{5});
  return double(ok.load()) / std::chrono::duration<double>(steady::now() - started).count();
}

std::vector<result_row> change_latency(const control_plane_bench_options& o) {
  auto dir = fs::path{o.work_dir} / "control-plane";
  fs::remove_all(dir);
  fs::create_directories(dir / "data");
  auto config = (dir / "bench.json").string();
  std::ofstream{config} << bench_config_json((dir / "data").string());
  auto log = (dir / "node.log").string();
  auto pid = spawn_logged({o.tools_dir + "/ringbid-node", "--config", config, "--http", "127.0.0.1:0", "--carrier",
                           "sim", "--rate", fmt::format("{}", o.rate), "--drain-mode", "finish"},
                          log);
  std::string origin;
  for (auto until = steady::now() + std::chrono::seconds{60}; steady::now() < until && origin.empty();) {
    auto text = read_file(log);
    if (auto at = text.find("http on "); at != std::string::npos && text.find("' up: ") != std::string::npos)
      origin = "http://" + text.substr(at + 8, text.find_first_of(" \n", at + 8) - at - 8);
    else
      std::this_thread::sleep_for(milliseconds{20});
  }
  if (origin.empty()) {
    std::cerr << "control plane: the node never came up; see " << log << "\n";
    ::kill(pid, SIGKILL);
    wait_exit(pid, std::chrono::seconds{30});
    return {};
  }
  std::string error;
  auto db = (dir / "data" / "bench-e2e.db").string();
  auto store = sqlite_config_store::open(db, &error);
  if (!store) {
    std::cerr << "control plane: " << error << "\n";
    ::kill(pid, SIGKILL);
    return {};
  }
  config_plane plane{store, wall_now};
  std::vector<int64_t> waits_ns;
  for (int i = 0; i < o.changes; ++i) {
    auto r = plane.edit(
      [i](config_document& d) -> std::optional<edit_result> {
        d.set_member(entity_kind::campaign, "bench", "greeting_text", fmt::format("\"Thanks for calling ({}).\"", i));
        return std::nullopt;
      },
      config_author{"bench", "admin", "benchmark"});
    if (r.status != edit_status::committed) break;
    auto committed = steady::now();
    for (auto until = committed + std::chrono::seconds{10}; steady::now() < until;) {
      if (gauge(origin, "ringbid_config_routed_revision") >= r.number) {
        waits_ns.push_back(std::chrono::duration_cast<std::chrono::nanoseconds>(steady::now() - committed).count());
        break;
      }
    }
  }
  // The same changes through the node's API: answered once in force.
  std::vector<int64_t> api_waits_ns;
  {
    http_client client;
    for (int i = 0; i < o.changes; ++i) {
      http_client_request req;
      req.method = "PATCH";
      req.url = origin + "/api/v1/campaigns/bench";
      req.headers = {{"Content-Type", "application/merge-patch+json"}};
      req.body = fmt::format("{{\"greeting_text\": \"Thanks for calling (api {}).\"}}", i);
      req.timeout = milliseconds{10'000};
      std::promise<int64_t> revision;
      auto answered = revision.get_future();
      client.send(std::move(req), [&revision](http_client_response r) {
        auto header = r.header("Ringbid-Revision");
        revision.set_value(r.ok() && r.status == 200 && !header.empty() ? std::stoll(std::string{header}) : -1);
      });
      auto number = answered.get();
      if (number < 0) break;
      auto at = steady::now();
      for (auto until = at + std::chrono::seconds{10}; steady::now() < until;)
        if (gauge(origin, "ringbid_config_routed_revision") >= number) {
          api_waits_ns.push_back(std::chrono::duration_cast<std::chrono::nanoseconds>(steady::now() - at).count());
          break;
        }
    }
  }
  // API reads while the calls flow, against the same server's /healthz.
  auto reads = reads_per_second(origin + "/api/v1/campaigns", std::chrono::seconds{3});
  auto health = reads_per_second(origin + "/healthz", std::chrono::seconds{3});
  ::kill(pid, SIGTERM);
  wait_exit(pid, std::chrono::seconds{60});
  if (waits_ns.size() < size_t(o.changes)) {
    std::cerr << fmt::format("control plane: only {} of {} changes reached a call; see {}\n", waits_ns.size(),
                             o.changes, log);
    if (waits_ns.empty()) return {};
  }
  auto [p50, p99] = p50_p99_us(waits_ns);
  double gap_ms = 1e3 / o.rate;
  std::vector<result_row> rows;
  if (!api_waits_ns.empty()) {
    auto [a50, a99] = p50_p99_us(api_waits_ns);
    rows.push_back(result_row{"API change 2xx -> first call routed, p50", a50 / 1e3, "ms", gap_ms,
                              fmt::format("mean gap between calls at {:.0f}/s", o.rate), a50 / 1e3 / gap_ms});
    rows.push_back(result_row{"API change 2xx -> first call routed, p99", a99 / 1e3, "ms", gap_ms,
                              fmt::format("mean gap between calls at {:.0f}/s", o.rate), a99 / 1e3 / gap_ms});
  }
  std::vector<result_row> more{
    result_row{"API reads/s (GET /api/v1/campaigns, 8 at a time)", reads, "reads/s", health,
               "GET /healthz on the same server", reads / health},
    result_row{"CLI change commit -> first call routed, p50", p50 / 1e3, "ms", gap_ms,
               fmt::format("mean gap between calls at {:.0f}/s", o.rate), p50 / 1e3 / gap_ms},
    result_row{"CLI change commit -> first call routed, p99", p99 / 1e3, "ms", gap_ms,
               fmt::format("mean gap between calls at {:.0f}/s", o.rate), p99 / 1e3 / gap_ms}};
  rows.insert(rows.end(), more.begin(), more.end());
  return rows;
}

/// Lifecycles/s of the simulation; with `changes_per_second` > 0 a thread
/// installs that many new generations (the campaign's floor moved) meanwhile.
double lifecycles_per_second(uint64_t calls, const std::string& db, double changes_per_second, uint64_t* installed) {
  auto cfg = bench_config(10, 500, 40);
  simulation_options opt;
  opt.calls = calls;
  opt.calls_per_second = 500;
  opt.seed = 1;
  opt.db_path = db;
  std::atomic<bool> done{false};
  std::thread changer;
  opt.on_context = [&](const std::shared_ptr<node_context>& ctx) {
    if (changes_per_second <= 0) return;
    changer = std::thread{[&, ctx] {
      auto next = *ctx->config;
      int64_t revision = 1;
      auto period = std::chrono::duration_cast<steady::duration>(std::chrono::duration<double>{1 / changes_per_second});
      auto at = steady::now();
      while (!done.load()) {
        at += period;
        std::this_thread::sleep_until(at);
        next.campaigns[0].floor_micros = (revision % 7) * 100'000;
        ctx->install(config_generation::make(std::make_shared<engine_config>(next), "bench", ++revision));
        ++*installed;
      }
    }};
  };
  auto report = run_simulation(cfg, opt);
  done.store(true);
  if (changer.joinable()) changer.join();
  return double(report.completed) / report.wall_seconds;
}

} // namespace

std::vector<result_row> bench_control_plane(const control_plane_bench_options& o) {
  auto rows = change_latency(o);
  // Alternating runs, the best of each: the first run of a process is the slowest.
  uint64_t installed = 0, none = 0;
  double base = 0, changing = 0;
  for (int round = 0; round < 2; ++round) {
    base = std::max(base,
                    lifecycles_per_second(o.lifecycle_calls, (fs::path{o.work_dir} / "cp-base.db").string(), 0, &none));
    changing =
      std::max(changing, lifecycles_per_second(o.lifecycle_calls, (fs::path{o.work_dir} / "cp-changes.db").string(), 10,
                                               &installed));
  }
  std::cerr << fmt::format("control plane: {} generations installed during the changing run\n", installed);
  rows.push_back(result_row{"call lifecycles/s while 10 changes/s apply", changing, "calls/s", base,
                            "the same run without changes", changing / base});
  return rows;
}

} // namespace ringbid
