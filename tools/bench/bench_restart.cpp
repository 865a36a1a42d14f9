#include "tools/bench/bench_restart.hpp"
#include "tools/bench/bench_percentile.hpp"

#include "actors/core/call_machine.hpp"
#include "adapters/http/http_client.hpp"
#include "adapters/http/http_server.hpp"
#include "adapters/sqlite/sqlite_lead_store.hpp"
#include "adapters/telnyx/telnyx_call_info.hpp"
#include "tools/bench/bench_e2e.hpp"
#include "tools/support/child_process.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <csignal>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <future>
#include <iostream>
#include <mutex>
#include <thread>

namespace ringbid {

namespace {

namespace fs = std::filesystem;
using steady = std::chrono::steady_clock;
using std::chrono::milliseconds;
using std::chrono::seconds;

int64_t unix_us() {
  return std::chrono::duration_cast<std::chrono::microseconds>(std::chrono::system_clock::now().time_since_epoch())
    .count();
}

/// Paced at `rate`: each item's latency from its submission to its durable callback, in ns.
template <class Submit>
std::vector<int64_t> paced_latencies(uint64_t count, double rate, Submit submit) {
  std::vector<int64_t> out(count, -1);
  std::atomic<uint64_t> done{0};
  auto start = steady::now();
  for (uint64_t i = 0; i < count; ++i) {
    auto due = start + std::chrono::duration_cast<steady::duration>(std::chrono::duration<double>(double(i) / rate));
    std::this_thread::sleep_until(due);
    auto sent = steady::now();
    submit(i, [&out, &done, i, sent] {
      out[i] = std::chrono::duration_cast<std::chrono::nanoseconds>(steady::now() - sent).count();
      done++;
    });
  }
  while (done.load() < count) std::this_thread::sleep_for(milliseconds{1});
  return out;
}

carrier_event initiated(uint64_t i) {
  carrier_event ev;
  ev.kind = carrier_event_kind::initiated;
  ev.carrier_call_id = fmt::format("v3:bench-{}", i);
  ev.from = "+12125550100";
  ev.to = "+18005550100";
  return ev;
}

/// What the durable start adds, and the lead commit latency at the same rate.
std::vector<result_row> durable_start_rows(const restart_bench_options& o) {
  sqlite_options so;
  so.path = o.work_dir + "/restart-starts.db";
  std::string error;
  auto store = std::shared_ptr<sqlite_lead_store>(sqlite_lead_store::open(so, &error));
  if (!store) {
    std::cerr << "restart: " << error << "\n";
    return {};
  }
  uuid7_generator ids{7};
  auto starts = paced_latencies(o.starts, o.start_rate, [&](uint64_t i, std::function<void()> done) {
    store->note_call_started(initiated(i), ids.next(unix_us() / 1000), unix_us(), [done](bool) { done(); });
  });
  // The baseline: the same store's lead commits, paced alike.
  so.path = o.work_dir + "/restart-leads.db";
  so.notify_commits = true;
  auto leads = std::shared_ptr<sqlite_lead_store>(sqlite_lead_store::open(so, &error));
  std::mutex mutex;
  std::unordered_map<call_id, std::function<void()>, uuid_hash> waiting;
  leads->on_committed([&](std::vector<call_id> committed) {
    std::lock_guard lock{mutex};
    for (const auto& id : committed)
      if (auto i = waiting.find(id); i != waiting.end()) {
        i->second();
        waiting.erase(i);
      }
  });
  auto commits = paced_latencies(o.starts, o.start_rate, [&](uint64_t i, std::function<void()> done) {
    auto call =
      make_call(ids.next(unix_us() / 1000), initiated(i).carrier_call_id, "+12125550100", "+18005550100", unix_us());
    auto lead = make_lead(interrupted_copy(call, unix_us(), "bench"));
    {
      std::lock_guard lock{mutex};
      waiting[lead.id] = std::move(done);
    }
    leads->submit(std::move(lead));
  });
  leads->on_committed({});
  auto at = fmt::format("{:.0f} calls/s", o.start_rate);
  auto [p50, p99] = p50_p99_us(starts);
  auto [b50, b99] = p50_p99_us(commits);
  std::cerr << fmt::format("restart: durable start of {} calls at {}: p50 {:.0f} us, p99 {:.0f} us (a lead's commit "
                           "at that rate: p50 {:.0f} us, p99 {:.0f} us)\n",
                           o.starts, at, p50, p99, b50, b99);
  return {result_row{"durable start added before answer p50, " + at, p50, "us", b50, "lead commit p50, same rate",
                     b50 > 0 ? p50 / b50 : 0},
          result_row{"durable start added before answer p99, " + at, p99, "us", b99, "lead commit p99, same rate",
                     b99 > 0 ? p99 / b99 : 0}};
}

/// A database with `n` bridged calls live, as a node that died would leave it.
void leave_live_calls(const std::string& db, int n) {
  sqlite_options so;
  so.path = db;
  std::string error;
  auto store = sqlite_lead_store::open(so, &error);
  if (!store) return;
  store->claim_live_calls("bench-e2e");
  uuid7_generator ids{3};
  auto now = unix_us();
  for (int i = 0; i < n; ++i) {
    auto ev = initiated(static_cast<uint64_t>(i));
    auto id = ids.next(now / 1000);
    store->note_call_started(ev, id, now, [](bool) {});
    auto call = make_call(id, ev.carrier_call_id, ev.from, ev.to, now - 30 * us_per_s);
    call.campaign_id = "bench";
    call.source_id = "bench-source";
    call.state = call_state::bridged;
    call.answered = true;
    call.answered_at = now - 29 * us_per_s;
    call.bridged_at = call.carrier_bridged_at = now - 10 * us_per_s;
    call.outcome = disposition::bridged;
    call.committed = true;
    call.current.buyer_id = fmt::format("buyer-{:02}", i % 10);
    call.current.amount_micros = 20'000'000;
    call.current.destination = "+15125550000";
    for (const char* note : {"call.initiated", "routed", "answered", "greeting done", "round 1 closed", "transfer"})
      call.journal.push_back(journal_entry{now - 20 * us_per_s, call_state::hold, note});
    auto lead = make_lead(interrupted_copy(call, now, "bench"));
    store->checkpoint(call, std::move(lead));
  }
  store->flush();
}

/// A Telnyx API that says every call asked about is alive.
void serve_alive_api(http_server& server, int calls) {
  server.route_prefix("GET", "/v2/connections/", [calls](http_request&& req, http_responder respond) {
    int from = 0;
    if (auto at = req.query.find("page%5Bafter%5D="); at != std::string::npos)
      from = std::atoi(req.query.c_str() + at + 16);
    telnyx_active_calls_page page;
    page.total_items = static_cast<uint64_t>(calls);
    int to = std::min(calls, from + 250);
    for (int i = from; i < to; ++i) {
      telnyx_call_info c;
      c.call_control_id = fmt::format("v3:bench-{}", i);
      c.call_leg_id = c.call_session_id = c.call_control_id;
      page.calls.push_back(c);
    }
    if (to < calls) page.after = std::to_string(to);
    http_response r;
    r.content_type = "application/json";
    r.body = encode_active_calls(page);
    respond(std::move(r));
  });
}

bool ready(uint16_t port) {
  http_client client;
  http_client_request req;
  req.method = "GET";
  req.url = fmt::format("http://127.0.0.1:{}/readyz", port);
  req.timeout = milliseconds{1'000};
  std::promise<int> status;
  auto f = status.get_future();
  client.send(std::move(req), [&status](http_client_response r) { status.set_value(r.status); });
  return f.get() == 200;
}

/// The number after `prefix` in the node's log ("adopted 10000 live calls ... in 812 ms").
double logged_ms(const std::string& log, const std::string& prefix) {
  auto text = read_file(log);
  auto at = text.find(prefix);
  if (at == std::string::npos) return -1;
  auto in = text.find(" in ", at);
  return in == std::string::npos ? -1 : std::atof(text.c_str() + in + 4);
}

std::vector<result_row> adoption_rows(const restart_bench_options& o) {
  auto dir = fs::path{o.work_dir} / "restart";
  fs::remove_all(dir);
  fs::create_directories(dir / "data");
  auto config = (dir / "bench.json").string();
  std::ofstream{config} << bench_config_json((dir / "data").string());
  leave_live_calls((dir / "data" / "bench-e2e.db").string(), o.live_calls);

  http_server api;
  serve_alive_api(api, o.live_calls);
  auto bound = api.listen("127.0.0.1", 0);
  if (!bound.ok()) return {};
  auto port = free_port();
  auto start = [&](const std::string& log) {
    return spawn_logged({o.tools_dir + "/ringbid-node", "--config", config, "--http", fmt::format("127.0.0.1:{}", port),
                         "--carrier", "telnyx", "--telnyx-api-url", fmt::format("http://127.0.0.1:{}", bound.port),
                         "--telnyx-public-key",
                         "11qYAYKxCrfVS/7TyWQHOg7hcvPapiMlrwIaaPcHURo=", "--telnyx-connection-id", "bench"},
                        log);
  };
  auto wait_ready = [&](pid_t pid) {
    auto until = steady::now() + seconds{120};
    while (steady::now() < until && ::kill(pid, 0) == 0) {
      if (ready(port)) return true;
      std::this_thread::sleep_for(milliseconds{5});
    }
    return false;
  };
  auto first_log = (dir / "first.log").string();
  pid_t first = start(first_log);
  if (!wait_ready(first)) {
    std::cerr << "restart: the first node never became ready; see " << first_log << "\n";
    ::kill(first, SIGKILL);
    return {};
  }
  double adopt_ms = logged_ms(first_log, "adopted ");
  auto stop_at = steady::now();
  ::kill(first, SIGTERM);
  wait_exit(first, seconds{120});
  auto exited = steady::now();
  auto second_log = (dir / "second.log").string();
  pid_t second = start(second_log);
  bool up = wait_ready(second);
  auto taking = steady::now();
  double readopt_ms = logged_ms(second_log, "adopted ");
  ::kill(second, SIGTERM);
  wait_exit(second, seconds{120});
  api.stop();
  if (!up || adopt_ms <= 0) {
    std::cerr << "restart: no adoption logged; see " << first_log << " and " << second_log << "\n";
    return {};
  }
  auto ms = [](auto d) { return std::chrono::duration<double, std::milli>(d).count(); };
  double handover_ms = ms(taking - stop_at);
  std::cerr << fmt::format("restart: {} live calls adopted in {:.0f} ms at start ({:.0f} calls/s); SIGTERM -> exit "
                           "{:.0f} ms (hand-over), -> next process ready {:.0f} ms (it adopted them in {:.0f} ms)\n",
                           o.live_calls, adopt_ms, o.live_calls / (adopt_ms / 1e3), ms(exited - stop_at), handover_ms,
                           readopt_ms);
  return {result_row{fmt::format("live calls adopted/s on start ({} calls)", o.live_calls),
                     o.live_calls / (adopt_ms / 1e3), "calls/s", 0, "-", 0},
          result_row{fmt::format("SIGTERM -> next process taking calls ({} live)", o.live_calls), handover_ms, "ms", 0,
                     "-", 0}};
}

} // namespace

std::vector<result_row> bench_restart(const restart_bench_options& options) {
  auto rows = durable_start_rows(options);
  for (auto& row : adoption_rows(options)) rows.push_back(row);
  return rows;
}

} // namespace ringbid
