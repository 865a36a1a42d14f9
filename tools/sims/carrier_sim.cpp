#include "tools/sims/carrier_sim.hpp"

#include "tools/node/host_port.hpp"

#include "adapters/clock/sim_clock.hpp"
#include "adapters/http/http_client.hpp"
#include "adapters/http/http_server.hpp"
#include "adapters/sim/carrier_sim_api.hpp"
#include "adapters/sim/carrier_sim_wire.hpp"
#include "adapters/sim/sim_carrier.hpp"
#include "adapters/sim/sim_messages.hpp"
#include "adapters/sim/sim_types.hpp"
#include "adapters/telnyx/telnyx_codec.hpp"
#include "adapters/telnyx/webhook_signature.hpp"
#include "protocol/node.hpp"
#include "protocol/types.hpp"

#include <caf/all.hpp>
#include <fmt/format.h>
#include <rapidjson/ostreamwrapper.h>
#include <rapidjson/prettywriter.h>
#include <spdlog/spdlog.h>

#include <algorithm>
#include <csignal>
#include <filesystem>
#include <fstream>
#include <future>
#include <iostream>
#include <pthread.h>
#include <sys/stat.h>
#include <thread>
#include <vector>

namespace ringbid {

namespace {

using std::chrono::milliseconds;

/// The secret key from `path`, or a new one written there (mode 0600).
std::optional<ed25519_keypair> load_or_create_key(const std::string& path, std::string& error) {
  if (path.empty()) return generate_ed25519_keypair();
  if (std::filesystem::exists(path)) {
    std::ifstream in{path};
    std::string secret;
    in >> secret;
    auto bytes = base64_decode(secret);
    if (!bytes || (bytes->size() != 32 && bytes->size() != 64)) {
      error = path + ": not a Base64 Ed25519 secret key (32-byte seed or 64-byte key)";
      return std::nullopt;
    }
    std::array<uint8_t, 32> seed{};
    std::copy_n(bytes->begin(), 32, seed.begin());
    return ed25519_keypair_from_seed(seed);
  }
  auto pair = generate_ed25519_keypair();
  {
    std::ofstream out{path};
    out << pair.secret_key_b64 << '\n';
    if (!out) {
      error = "cannot write " + path;
      return std::nullopt;
    }
  }
  ::chmod(path.c_str(), S_IRUSR | S_IWUSR);
  return pair;
}

/// "http://127.0.0.1:8080/webhooks/telnyx" -> "http://127.0.0.1:8080".
std::string origin_of(const std::string& url) {
  auto scheme = url.find("://");
  if (scheme == std::string::npos) return url;
  auto slash = url.find('/', scheme + 3);
  return slash == std::string::npos ? url : url.substr(0, slash);
}

/// Polls GET <node>/readyz until it answers 200 or `limit` passes.
bool wait_until_ready(http_client& client, const std::string& webhook_url, double limit_s) {
  auto deadline = std::chrono::steady_clock::now() + std::chrono::duration<double>(limit_s);
  while (std::chrono::steady_clock::now() < deadline) {
    http_client_request req;
    req.method = "GET";
    req.url = origin_of(webhook_url) + "/readyz";
    req.timeout = milliseconds{1'000};
    std::promise<int> status;
    auto got = status.get_future();
    client.send(std::move(req), [&status](http_client_response r) { status.set_value(r.ok() ? r.status : 0); });
    if (got.get() == 200) return true;
    std::this_thread::sleep_for(milliseconds{100});
  }
  return false;
}

/// Reads a --schedule file; false (with `error`) when a line is malformed.
bool read_schedule(const std::string& path, std::vector<sim_carrier_options::scheduled_call>& out, std::string& error) {
  std::ifstream in{path};
  if (!in) {
    error = "cannot read " + path;
    return false;
  }
  std::string line;
  double last = 0;
  for (int number = 1; std::getline(in, line); ++number) {
    if (line.empty() || line[0] == '#') continue;
    auto comma = line.find(',');
    sim_carrier_options::scheduled_call call;
    try {
      size_t used = 0;
      auto seconds = line.substr(0, comma);
      call.at_s = std::stod(seconds, &used);
      if (used != seconds.size()) throw std::invalid_argument("trailing text");
    } catch (const std::exception&) {
      error = fmt::format("{}:{}: expected SECONDS[,DID], got \"{}\"", path, number, line);
      return false;
    }
    if (call.at_s < last || call.at_s > 1e7) {
      error = fmt::format("{}:{}: times must be ascending and non-negative", path, number);
      return false;
    }
    last = call.at_s;
    if (comma != std::string::npos) call.did = line.substr(comma + 1);
    out.push_back(std::move(call));
  }
  if (out.empty()) {
    error = path + ": no calls in the schedule";
    return false;
  }
  return true;
}

struct run_summary {
  double elapsed_s = 0;
  uint64_t bridged = 0;
  uint64_t answered = 0;
  double setups_per_s = 0;
  timestamp_us first_placed = 0;
  timestamp_us last_bridged = 0;
};

run_summary summarize(const sim_carrier_report& rep, double elapsed_s) {
  run_summary s;
  s.elapsed_s = elapsed_s;
  for (const auto& [id, c] : rep.calls) {
    if (c.answered) ++s.answered;
    if (c.bridged) ++s.bridged;
    if (c.placed_at && (s.first_placed == 0 || c.placed_at < s.first_placed)) s.first_placed = c.placed_at;
    s.last_bridged = std::max(s.last_bridged, c.bridged_at);
  }
  if (s.bridged > 0 && s.last_bridged > s.first_placed)
    s.setups_per_s = double(s.bridged) / (double(s.last_bridged - s.first_placed) / 1e6);
  return s;
}

void write_record(std::ostream& out, const sim_carrier_report& rep, const wire_emitter_stats& wire,
                  const http_client_stats& client, const run_summary& sum, int max_attempts, bool with_calls) {
  rapidjson::OStreamWrapper os{out};
  rapidjson::PrettyWriter<rapidjson::OStreamWrapper> w{os};
  w.StartObject();
  auto u64 = [&](const char* key, uint64_t v) {
    w.Key(key);
    w.Uint64(v);
  };
  auto number = [&](const char* key, double v) {
    w.Key(key);
    w.Double(v);
  };
  auto text = [&](const char* key, const std::string& v) {
    w.Key(key);
    w.String(v.c_str(), static_cast<rapidjson::SizeType>(v.size()));
  };
  auto flag = [&](const char* key, bool v) {
    w.Key(key);
    w.Bool(v);
  };
  u64("placed", rep.placed);
  u64("ended", rep.ended);
  u64("answered", sum.answered);
  u64("bridged", sum.bridged);
  number("elapsed_s", sum.elapsed_s);
  number("setups_per_s", sum.setups_per_s);
  u64("commands", rep.commands);
  u64("duplicate_commands", rep.duplicate_commands);
  u64("commands_for_ended_calls", rep.commands_for_ended_calls);
  u64("injected_failures", rep.injected_failures);
  w.Key("webhooks");
  w.StartObject();
  u64("sent", wire.webhooks);
  u64("deliveries", wire.deliveries);
  u64("acknowledged", wire.acknowledged);
  u64("duplicates", wire.duplicates);
  u64("reordered", wire.reordered);
  u64("retries", wire.retries);
  u64("rejected", wire.rejected);
  u64("failed", wire.failed);
  u64("given_up", wire.failed); // the same count, by the name the retry policy uses
  u64("max_attempts", static_cast<uint64_t>(max_attempts));
  u64("queries", wire.queries);
  number("response_p50_us", wire.response.quantile_us(0.5));
  number("response_p99_us", wire.response.quantile_us(0.99));
  number("lag_p50_us", wire.lag.quantile_us(0.5));
  number("lag_p99_us", wire.lag.quantile_us(0.99));
  u64("connections_opened", client.connections_opened);
  u64("connections_reused", client.reused);
  w.EndObject();
  if (with_calls) {
    w.Key("calls");
    w.StartArray();
    for (const auto& [id, c] : rep.calls) {
      w.StartObject();
      text("call_control_id", id);
      text("caller", c.caller);
      text("did", c.did);
      flag("answered", c.answered);
      flag("bridged", c.bridged);
      text("bridged_to", c.bridged_to);
      w.Key("talk_ms");
      w.Int64(c.talk_ms);
      flag("ended", c.ended);
      text("ended_by", c.ended_by);
      u64("commands", c.commands);
      u64("answers", c.answers);
      w.EndObject();
    }
    w.EndArray();
  }
  w.EndObject();
  out << '\n';
}

} // namespace

int run_carrier_sim(const engine_config& config, const carrier_sim_options& options) {
  sigset_t signals;
  sigemptyset(&signals);
  sigaddset(&signals, SIGINT);
  sigaddset(&signals, SIGTERM);
  pthread_sigmask(SIG_BLOCK, &signals, nullptr);
  auto say = [&](const std::string& line) {
    if (options.announce) options.announce(line);
  };

  std::string host;
  uint16_t port = 0;
  if (!split_host_port(options.listen, host, port)) {
    spdlog::error("--listen takes HOST:PORT, got \"{}\"", options.listen);
    return 2;
  }
  if (options.webhook_url.rfind("http://", 0) != 0 && options.webhook_url.rfind("https://", 0) != 0) {
    spdlog::error("--webhook-url must be an http(s) URL, got \"{}\"", options.webhook_url);
    return 2;
  }
  std::string error;
  std::vector<sim_carrier_options::scheduled_call> plan;
  if (!options.schedule_path.empty() && !read_schedule(options.schedule_path, plan, error)) {
    spdlog::error("--schedule: {}", error);
    return 2;
  }
  auto key = load_or_create_key(options.key_file, error);
  if (!key) {
    spdlog::error("{}", error);
    return 2;
  }
  say("public key: " + key->public_key_b64);

  http_client_options client_opts;
  client_opts.max_connections_per_host = 64;
  client_opts.max_queued_per_host = 1 << 20;
  auto client = std::make_shared<http_client>(client_opts);
  auto stats = std::make_shared<wire_emitter_stats>();
  auto desk = std::make_shared<wire_command_desk>();
  auto report = std::make_shared<sim_carrier_report>();

  caf::actor_system_config cfg;
  add_protocol_types(cfg);
  add_sim_types(cfg);
  cfg.set("scheduler.max-threads", size_t{2});
  cfg.set("logger.verbosity", caf::atom("quiet"));
  int exit_code = 0;
  {
    caf::actor_system sys{cfg};
    auto shared_config = std::make_shared<const engine_config>(config);
    sim_carrier_options sim_opts;
    sim_opts.calls = options.calls;
    sim_opts.calls_per_second =
      options.calls_per_second >= 0 ? options.calls_per_second : config.carrier_sim.calls_per_second;
    sim_opts.seed = options.seed;
    sim_opts.behavior = config.carrier_sim;
    sim_opts.config = shared_config;
    sim_opts.report = report;
    sim_opts.time_scale = options.time_scale > 0 ? options.time_scale : 1.0;
    sim_opts.call_id_prefix = fmt::format("v3:cs{}-", options.seed);
    sim_opts.schedule = plan;
    auto sim = spawn_sim_carrier(sys, sim_opts, make_actor_wall_clock(sys, system_now()));

    wire_emitter_options wire;
    wire.webhook_url = options.webhook_url;
    wire.secret_key_b64 = key->secret_key_b64;
    wire.duplicate_rate = options.duplicate_rate;
    wire.reorder_rate = options.reorder_rate;
    wire.reorder_max = milliseconds{std::max(1, options.reorder_max_ms)};
    wire.seed = options.seed;
    wire.connection_id = options.connection_id;
    wire.max_attempts = options.webhook_retries + 1;
    auto emitter = spawn_wire_emitter(sys, wire, client, stats, desk, sim);

    http_server server{http_server_limits{}, 1};
    mount_carrier_sim_api(server, options.api_key, emitter, desk);
    auto bound = server.listen(host, port);
    if (!bound.ok()) {
      spdlog::error("cannot listen on {}: {}", options.listen, bound.error);
      caf::anon_send_exit(sim, caf::exit_reason::user_shutdown);
      caf::anon_send_exit(emitter, caf::exit_reason::user_shutdown);
      return 1;
    }
    say(fmt::format("api: http://{}:{}", host, bound.port));

    if (options.wait_ready_s > 0 && !wait_until_ready(*client, options.webhook_url, options.wait_ready_s)) {
      spdlog::error("the node at {} did not become ready within {} s", origin_of(options.webhook_url),
                    options.wait_ready_s);
      caf::anon_send_exit(sim, caf::exit_reason::user_shutdown);
      caf::anon_send_exit(emitter, caf::exit_reason::user_shutdown);
      exit_code = 1;
    } else {
      auto started = std::chrono::steady_clock::now();
      // The emitter stands where a node's calls supervisor would: calls begin now.
      caf::anon_send(sim, peer_restarted{peer_handle{peer_kind::calls, {}, emitter}});
      caf::scoped_actor self{sys};
      bool complete = false;
      std::chrono::steady_clock::time_point settled_since{}; // epoch: not settled
      for (;;) {
        timespec tick{0, 50'000'000};
        if (sigtimedwait(&signals, nullptr, &tick) > 0) break;
        auto elapsed = std::chrono::duration<double>(std::chrono::steady_clock::now() - started).count();
        if (options.max_run_s > 0 && elapsed > options.max_run_s) break;
        sim_carrier_status status;
        self->request(sim, std::chrono::seconds{5}, sim_status_request{})
          .receive([&](const sim_carrier_status& s) { status = s; }, [&](caf::error&) {});
        uint64_t to_place = plan.empty() ? options.calls : plan.size();
        bool settled = to_place != 0 && status.placed >= to_place && status.live == 0 && stats->pending == 0;
        if (!settled) {
          settled_since = {};
          continue;
        }
        // Keep serving a moment: the node may still answer the last webhooks
        // with commands (each gets its 90018).
        auto now = std::chrono::steady_clock::now();
        if (settled_since == std::chrono::steady_clock::time_point{}) settled_since = now;
        if (now - settled_since >= milliseconds{500}) {
          complete = true;
          break;
        }
      }
      auto elapsed = std::chrono::duration<double>(std::chrono::steady_clock::now() - started).count();
      self->send_exit(sim, caf::exit_reason::user_shutdown);
      self->send_exit(emitter, caf::exit_reason::user_shutdown);
      self->wait_for(sim, emitter);
      server.stop();
      auto client_stats = client->statistics();
      client->stop();
      auto sum = summarize(*report, elapsed);
      if (!options.record_path.empty()) {
        std::ofstream out{options.record_path};
        write_record(out, *report, *stats, client_stats, sum, wire.max_attempts, true);
        if (!out) {
          spdlog::error("cannot write {}", options.record_path);
          exit_code = 1;
        }
      }
      if (options.json) {
        write_record(std::cout, *report, *stats, client_stats, sum, wire.max_attempts, false);
      } else {
        std::cout << fmt::format(
          "carrier-sim: {} calls placed, {} ended, {} answered, {} bridged in {:.2f} s ({:.1f} setups/s)\n"
          "             {} webhooks ({} deliveries: {} duplicates, {} retries, {} given up), {} commands "
          "({} repeated command_ids)\n",
          report->placed, report->ended, sum.answered, sum.bridged, sum.elapsed_s, sum.setups_per_s,
          stats->webhooks.load(), stats->deliveries.load(), stats->duplicates.load(), stats->retries.load(),
          stats->failed.load(), report->commands, report->duplicate_commands);
      }
      // Webhooks given up are lost ones, unless delivering once was asked for.
      if (!complete || (stats->failed > 0 && options.webhook_retries > 0)) exit_code = 1;
    }
    server.stop();
    client->stop();
  }
  return exit_code;
}

} // namespace ringbid
