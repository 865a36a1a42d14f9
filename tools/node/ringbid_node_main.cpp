// `ringbid-node`: the standalone node process.

#include "adapters/config/config_json.hpp"
#include "adapters/config/config_plane.hpp"
#include "adapters/sqlite/sqlite_config_store.hpp"
#include "tools/node/carrier_factory.hpp"
#include "tools/node/config_startup.hpp"
#include "tools/node/node_runtime.hpp"

#include <CLI/CLI.hpp>

#include <chrono>
#include <filesystem>
#include <iostream>
#include <map>

int main(int argc, char** argv) {
  CLI::App app{"ringbid-node: a ringbid engine node (SIGINT/SIGTERM: drain and stop; SIGHUP: reload --config)"};
  app.option_defaults()->always_capture_default(); // --help shows every default
  std::string config_path;
  std::string data_dir;
  ringbid::node_options opt;
  app.add_option("--config", config_path,
                 "config file (JSON, schemas/config.schema.json): imported as a new revision when it changed since "
                 "its last import; SIGHUP imports it again. Without it the node runs on the database's configuration "
                 "(--data-dir)");
  app.add_option(
    "--data-dir", data_dir,
    "where the SQLite file lives (default: the config file's storage.data_dir; required without --config)");
  app.add_option("--seed", opt.seed, "seed of the simulated carrier and bidders");
  app
    .add_option("--rate", opt.calls_per_second,
                "simulated calls per second (0: none; -1: the config's carrier_sim rate)")
    ->check(CLI::NonNegativeNumber);
  app.add_option("--drain-timeout", opt.drain_timeout_s, "seconds the shutdown may take (hand-over or finish)");
  std::map<std::string, ringbid::drain_mode> drain_modes{{"handover", ringbid::drain_mode::hand_over},
                                                         {"finish", ringbid::drain_mode::finish}};
  app
    .add_option("--drain-mode", opt.on_stop,
                "on SIGTERM: handover (keep the live calls up at the carrier for the next process to adopt) or "
                "finish (end every live call first); handover needs a carrier outside the process (telnyx)")
    ->transform(CLI::CheckedTransformer(drain_modes, CLI::ignore_case));
  app.add_option("--run-for", opt.run_for_s, "stop by itself after this many seconds (0: run until a signal)");
  app.add_option("--admin", opt.admin,
                 "publish the node for `ringbid caps --node` on HOST:PORT (port 0: any; default: none)");
  app.add_option("--http", opt.http,
                 "serve the dashboard, its API, /healthz, /readyz, /metrics (and the webhooks) on HOST:PORT (port 0: "
                 "any; default: none)");
  std::vector<std::string> carriers;
  std::string carrier_help = "where calls come from (required):";
  for (const auto& entry : ringbid::carrier_entries()) {
    carriers.push_back(entry.name);
    carrier_help += (carriers.size() > 1 ? "; " : " ") + entry.name + " (" + entry.summary + ")";
    // Each carrier's own flags, e.g. --telnyx-api-key.
    for (const auto& flag : entry.flags) {
      auto& value = opt.carrier_flags[flag.name];
      value = flag.default_value;
      auto* option = app.add_option("--" + flag.name, value, flag.help);
      if (!flag.env.empty()) option->envname(flag.env);
    }
  }
  app.add_option("--carrier", opt.carrier, carrier_help)->check(CLI::IsMember(carriers));
  std::string choices;
  for (const auto& entry : ringbid::carrier_entries())
    choices += (choices.empty() ? "" : "\n") + ("  --carrier " + entry.name + ": " + entry.summary);
  app.add_option(
    "--redis", opt.redis,
    "cache DID lookups in Redis at redis://HOST:PORT[/DB] (SQLite stays the source of truth; default: none)");
  app
    .add_option("--access-token", opt.access_token,
                "token the dashboard, its API and its stream ask for (better: RINGBID_ACCESS_TOKEN); "
                "default: none on loopback, a random one (logged) on any other address")
    ->envname("RINGBID_ACCESS_TOKEN");
  std::string bidders = "sim";
  app.add_option("--bidders", bidders, "how buyers are pinged: sim (in-process) or http (their ping_url)")
    ->check(CLI::IsMember({"sim", "http"}));
  CLI11_PARSE(app, argc, argv);
  opt.http_bidders = bidders == "http";
  if (opt.carrier.empty()) {
    // No default: a node that silently ran the simulator would book fake leads
    // into a real database.
    std::cerr << "ringbid-node: --carrier is required; choose where calls come from:\n" << choices << "\n";
    return 2;
  }

  // The database is where the file says (or --data-dir); the configuration
  // the node runs on is the database's head once the file is imported.
  ringbid::storage_config storage;
  if (!config_path.empty()) {
    auto loaded = ringbid::load_config_file(config_path);
    if (!loaded.ok()) {
      std::cerr << "ringbid-node: invalid config " << config_path << ":\n"
                << ringbid::format_config_errors(loaded.errors);
      return 2;
    }
    storage = loaded.config->storage;
  } else if (data_dir.empty()) {
    std::cerr << "ringbid-node: give --config FILE, or --data-dir DIR to run on the configuration stored there\n";
    return 2;
  }
  if (!data_dir.empty()) storage.data_dir = data_dir;
  auto db_path = (std::filesystem::path{storage.data_dir} / storage.sqlite_file).string();
  std::string error;
  auto store = ringbid::sqlite_config_store::open(db_path, &error);
  if (!store) {
    std::cerr << "ringbid-node: cannot open " << db_path << ": " << error << "\n";
    return 1;
  }
  ringbid::config_plane plane{store, [] {
                                return std::chrono::duration_cast<std::chrono::microseconds>(
                                         std::chrono::system_clock::now().time_since_epoch())
                                  .count();
                              }};
  auto start = ringbid::open_startup_config(plane, config_path, db_path);
  if (!start.head) {
    std::cerr << "ringbid-node: " << start.error << "\n";
    return start.exit_code;
  }
  std::cerr << "ringbid-node: " << (start.note.empty() ? "running on the stored configuration" : start.note)
            << "; revision " << start.head->info.number << " in force\n";
  auto config = *start.head->config;
  if (!data_dir.empty()) config.storage.data_dir = data_dir;
  store.reset();
  opt.config_path = config_path;
  opt.config_revision = start.head->info.digest;
  opt.config_revision_number = start.head->info.number;
  opt.data_dir = data_dir;
  return ringbid::run_node(config, opt);
}
