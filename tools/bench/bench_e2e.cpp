#include "tools/bench/bench_e2e.hpp"

#include "adapters/http/http_client.hpp"
#include "adapters/http/http_server.hpp"
#include "tools/support/child_process.hpp"

#include <fmt/format.h>
#include <rapidjson/document.h>

#include <algorithm>
#include <arpa/inet.h>
#include <atomic>
#include <chrono>
#include <csignal>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <functional>
#include <future>
#include <map>
#include <netinet/in.h>
#include <sstream>
#include <sys/socket.h>
#include <sys/wait.h>
#include <thread>
#include <unistd.h>

namespace ringbid {

namespace {

using std::chrono::milliseconds;
using std::chrono::seconds;

/// The rest of the first line of `path` after `prefix`, waiting up to `limit` for it.
std::string wait_for_line(const std::string& path, const std::string& prefix, milliseconds limit) {
  auto until = std::chrono::steady_clock::now() + limit;
  while (std::chrono::steady_clock::now() < until) {
    auto text = read_file(path);
    if (auto at = text.find(prefix); at != std::string::npos) {
      auto end = text.find('\n', at);
      if (end != std::string::npos) return text.substr(at + prefix.size(), end - at - prefix.size());
    }
    std::this_thread::sleep_for(milliseconds{20});
  }
  return {};
}

/// A quantile of a Prometheus histogram family in `text`, in microseconds,
/// interpolated inside its bucket.
double prometheus_quantile_us(const std::string& text, const std::string& family, double q) {
  std::vector<std::pair<double, double>> buckets; // (upper bound s, cumulative count)
  std::istringstream in{text};
  std::string line;
  auto prefix = family + "_bucket{le=\"";
  while (std::getline(in, line)) {
    if (line.rfind(prefix, 0) != 0) continue;
    auto quote = line.find('"', prefix.size());
    auto le = line.substr(prefix.size(), quote - prefix.size());
    double bound = le == "+Inf" ? 1e9 : std::stod(le);
    buckets.emplace_back(bound, std::stod(line.substr(line.rfind(' ') + 1)));
  }
  if (buckets.empty() || buckets.back().second <= 0) return 0;
  double rank = q * buckets.back().second;
  double lo = 0, below = 0;
  for (const auto& [bound, cumulative] : buckets) {
    if (cumulative >= rank) {
      double within = cumulative > below ? (rank - below) / (cumulative - below) : 1;
      return (lo + (bound - lo) * within) * 1e6;
    }
    lo = bound;
    below = cumulative;
  }
  return lo * 1e6;
}

/// The transport's ceiling: POSTs of a webhook's size per second between the
/// project's client and server, 64 in flight, for `span`.
double http_exchanges_per_second(milliseconds span) {
  http_server server;
  server.route("POST", "/webhooks/telnyx", [](http_request&&, http_responder respond) {
    http_response r;
    r.content_type = "application/json";
    r.body = R"({"status":"accepted"})";
    respond(std::move(r));
  });
  auto bound = server.listen("127.0.0.1", 0);
  http_client_options o;
  o.max_connections_per_host = 64;
  http_client client{o};
  std::atomic<uint64_t> done{0};
  std::atomic<bool> running{true};
  auto url = fmt::format("http://127.0.0.1:{}/webhooks/telnyx", bound.port);
  std::string body(900, 'x');
  std::function<void()> one = [&] {
    if (!running) return;
    http_client_request req;
    req.url = url;
    req.body = body;
    req.headers = {{"Content-Type", "application/json"}};
    client.send(std::move(req), [&](http_client_response) {
      ++done;
      one();
    });
  };
  auto start = std::chrono::steady_clock::now();
  for (int i = 0; i < 64; ++i) one();
  std::this_thread::sleep_for(span);
  running = false;
  double elapsed = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  double rate = double(done.load()) / elapsed;
  client.stop();
  server.stop();
  return rate;
}

} // namespace

/// One campaign, ten buyers who always bid and answer, no caps: every call
/// can be set up, so the figure is the engine's, not the config's.
std::string bench_config_json(const std::string& data_dir) {
  std::string buyers, ids, dids;
  for (int i = 0; i < 10; ++i) {
    buyers += fmt::format(R"({}{{"id":"buyer-{:02}","name":"Buyer {}","destination":"+1512555{:04}","min_bid":1.0,)"
                          R"("sim":{{"bid_mean":{},"bid_stddev":2.0,"latency_mean_ms":20,"latency_stddev_ms":5,)"
                          R"("no_bid_rate":0.0,"error_rate":0.0,"answer_rate":1.0}}}})",
                          i ? "," : "", i, i, i, 20 + i);
    ids += fmt::format(R"({}"buyer-{:02}")", i ? "," : "", i);
  }
  for (int i = 0; i < 4; ++i)
    dids += fmt::format(R"({}{{"number":"+1800555{:04}","campaign_id":"bench","source_id":"bench-source"}})",
                        i ? "," : "", 100 + i);
  return fmt::format(
    R"({{"node_name":"bench-e2e","threads":2,)"
    R"("campaigns":[{{"id":"bench","name":"Bench","vertical":"auto_insurance","buyer_ids":[{}],"floor":1.0,)"
    R"("auction_deadline_ms":500,"early_auction":true,"record":false,"greeting_text":"Thanks for calling.",)"
    R"("hold_audio_url":"https://audio.example.invalid/hold.mp3","ending_text":"Goodbye.",)"
    R"("voice":"female","language":"en-US","max_rounds":2,"max_transfer_attempts":3,"transfer_timeout_s":25}}],)"
    R"("sources":[{{"id":"bench-source","name":"Bench source","revenue_share_bp":5000}}],)"
    R"("buyers":[{}],"dids":[{}],)"
    R"("carrier_sim":{{"calls_per_second":100,"unknown_did_rate":0.0,"answer_delay_ms":150,"speech_ms_per_char":55,)"
    R"("ring_ms_mean":4000,"talk_s_mean":60,"abandon_rate":0.0,"patience_s_mean":20,"command_failure_rate":0.0,)"
    R"("buyer_hangup_share":0.4}},)"
    R"("storage":{{"data_dir":"{}","sqlite_file":"bench-e2e.db","batch_max":1000,"batch_interval_ms":5}}}})",
    ids, buyers, dids, data_dir);
}

std::vector<result_row> bench_e2e(const e2e_options& options) {
  namespace fs = std::filesystem;
  auto tools = fs::read_symlink("/proc/self/exe").parent_path();
  auto dir = fs::path{options.work_dir};
  fs::create_directories(dir);
  auto config = (dir / "bench-e2e.json").string();
  std::ofstream{config} << bench_config_json((dir / "data").string());

  auto node_port = free_port();
  auto origin = fmt::format("http://127.0.0.1:{}", node_port);
  auto sim_log = (dir / "carrier.log").string();
  auto record = (dir / "carrier.json").string();
  pid_t sim = spawn_logged({(tools / "ringbid").string(),
                            "carrier-sim",
                            "--config",
                            config,
                            "--webhook-url",
                            origin + "/webhooks/telnyx",
                            "--listen",
                            "127.0.0.1:0",
                            "--calls",
                            std::to_string(options.calls),
                            "--rate",
                            fmt::format("{}", options.calls_per_second),
                            "--time-scale",
                            "1000",
                            "--record",
                            record,
                            "--wait-ready",
                            "30",
                            "--max-run",
                            "300"},
                           sim_log);
  auto key = wait_for_line(sim_log, "carrier-sim public key: ", seconds{20});
  auto api = wait_for_line(sim_log, "carrier-sim api: ", seconds{20});
  auto node_log = (dir / "node.log").string();
  pid_t node = spawn_logged({(tools / "ringbid-node").string(), "--config", config, "--http",
                             fmt::format("127.0.0.1:{}", node_port), "--carrier", "telnyx", "--telnyx-api-url", api,
                             "--telnyx-public-key", key},
                            node_log);
  int sim_exit = wait_exit(sim, seconds{330});
  auto metrics = bench_http_get(origin + "/metrics");
  ::kill(node, SIGTERM);
  wait_exit(node, seconds{60});

  std::vector<result_row> rows;
  rapidjson::Document rec;
  auto text = read_file(record);
  rec.Parse(text.c_str());
  if (sim_exit != 0 || rec.HasParseError() || !rec.IsObject()) {
    std::fprintf(stderr, "e2e: the carrier simulator failed (exit %d); see %s and %s\n", sim_exit, sim_log.c_str(),
                 node_log.c_str());
    return rows;
  }
  double bridged = rec["bridged"].GetDouble();
  double exchanges = rec["webhooks"]["deliveries"].GetDouble() + rec["commands"].GetDouble();
  double per_setup = bridged > 0 ? exchanges / bridged : 0;
  double ceiling = per_setup > 0 ? http_exchanges_per_second(seconds{3}) / per_setup : 0;
  double setups = rec["setups_per_s"].GetDouble();
  rows.push_back(result_row{fmt::format("e2e call setups/s over HTTP ({:.0f} calls at {:.0f}/s)",
                                        rec["placed"].GetDouble(), options.calls_per_second),
                            setups, "setups/s", ceiling, fmt::format("HTTP ceiling: exchanges/s / {:.1f}", per_setup),
                            ceiling > 0 ? setups / ceiling : 0});
  auto p50 = prometheus_quantile_us(metrics, "ringbid_webhook_handling_seconds", 0.5);
  auto p99 = prometheus_quantile_us(metrics, "ringbid_webhook_handling_seconds", 0.99);
  rows.push_back(result_row{"webhook handling in the node, p50", p50, "us", 0, "-", 0});
  rows.push_back(result_row{"webhook handling in the node, p99", p99, "us", 0, "-", 0});
  rows.push_back(result_row{"webhook round trip seen by the carrier, p50",
                            rec["webhooks"]["response_p50_us"].GetDouble(), "us", 0, "-", 0});
  rows.push_back(result_row{"webhook round trip seen by the carrier, p99",
                            rec["webhooks"]["response_p99_us"].GetDouble(), "us", 0, "-", 0});
  return rows;
}

std::string bench_http_get(const std::string& url) {
  http_client client;
  http_client_request req;
  req.method = "GET";
  req.url = url;
  req.timeout = milliseconds{3'000};
  req.max_response_bytes = 1 << 20;
  std::promise<std::string> body;
  auto f = body.get_future();
  client.send(std::move(req), [&body](http_client_response r) { body.set_value(r.ok() ? r.body : std::string{}); });
  return f.get();
}

} // namespace ringbid
