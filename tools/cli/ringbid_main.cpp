// `ringbid`: the command line. `simulate` runs a node in-process on virtual
// time with the simulated carrier and bidders; `caps` shows every cap;
// `carrier-sim` plays Telnyx over HTTP for a real node; `buyer-sim` plays buyers'
// ping endpoints for its HTTP bidders; `auction show` explains a call's routing;
// `dids` assigns tracked numbers to campaigns and sources; `tokens` makes,
// lists and revokes the API's tokens.

#include "adapters/config/config_json.hpp"
#include "adapters/sqlite/sqlite_lead_reader.hpp"
#include "tools/cli/auction_command.hpp"
#include "tools/cli/caps_command.hpp"
#include "tools/cli/config_command.hpp"
#include "tools/cli/dids_command.hpp"
#include "tools/cli/leads_command.hpp"
#include "tools/cli/report_output.hpp"
#include "tools/cli/tokens_command.hpp"
#include "tools/node/host_port.hpp"
#include "tools/node/simulation.hpp"
#include "tools/sims/buyer_sim.hpp"
#include "tools/sims/carrier_sim.hpp"

#include <CLI/CLI.hpp>
#include <fmt/format.h>

#include <chrono>
#include <filesystem>
#include <iostream>
#include <unistd.h>

namespace {

void draw_progress(uint64_t done, uint64_t total) {
  constexpr int width = 40;
  int filled = total == 0 ? width : static_cast<int>(double(done) / double(total) * width);
  std::cerr << fmt::format("\r[{}{}] {}/{}", std::string(filled, '#'), std::string(width - filled, ' '), done, total)
            << std::flush;
  if (done >= total) std::cerr << '\n';
}

int run_caps(const ringbid::engine_config& config, const std::string& db, const std::string& node, int timeout_ms,
             bool json) {
  ringbid::caps_view view;
  if (!node.empty()) {
    std::string host;
    uint16_t port = 0;
    if (!ringbid::split_host_port(node, host, port, false)) {
      std::cerr << "ringbid caps: --node takes HOST:PORT, got \"" << node << "\"\n";
      return 2;
    }
    view = ringbid::caps_from_node(host, port, timeout_ms);
  } else {
    auto path =
      db.empty() ? (std::filesystem::path{config.storage.data_dir} / config.storage.sqlite_file).string() : db;
    auto now =
      std::chrono::duration_cast<std::chrono::microseconds>(std::chrono::system_clock::now().time_since_epoch())
        .count();
    view = ringbid::caps_from_journal(config, path, now);
  }
  if (!view.error.empty()) {
    std::cerr << "ringbid caps: " << view.error << '\n';
    return 1;
  }
  if (json)
    ringbid::print_caps_json(std::cout, view);
  else
    ringbid::print_caps_table(std::cout, view);
  return 0;
}

int show_auction(const std::string& call_text, const std::string& config_path, std::string db_path, bool json) {
  auto id = ringbid::uuid::parse(call_text);
  if (!id) {
    std::cerr << "ringbid auction show: not a call id (8-4-4-4-12 hex digits): \"" << call_text << "\"\n";
    return 2;
  }
  if (db_path.empty()) {
    if (config_path.empty()) {
      std::cerr << "ringbid auction show: give --db, or --config to use the node's database\n";
      return 2;
    }
    auto loaded = ringbid::load_config_file(config_path);
    if (!loaded.ok()) {
      std::cerr << "ringbid: invalid config " << config_path << ":\n" << ringbid::format_config_errors(loaded.errors);
      return 2;
    }
    const auto& storage = loaded.config->storage;
    db_path = (std::filesystem::path{storage.data_dir} / storage.sqlite_file).string();
  }
  std::string error;
  auto reader = ringbid::sqlite_lead_reader::open(db_path, &error);
  if (!reader) {
    std::cerr << "ringbid auction show: " << error << '\n';
    return 1;
  }
  auto lead = reader->find(*id);
  if (!lead) {
    std::cerr << "ringbid auction show: no lead " << id->to_string() << " in " << db_path << '\n';
    return 1;
  }
  if (json)
    ringbid::print_auctions_json(std::cout, *lead);
  else
    ringbid::print_auctions_table(std::cout, *lead);
  return 0;
}

} // namespace

int main(int argc, char** argv) {
  CLI::App app{"ringbid: pay-per-call engine"};
  app.require_subcommand(1);

  auto* simulate = app.add_subcommand("simulate", "run simulated calls through an in-process node");
  std::string config_path;
  uint64_t calls = 10'000;
  double rate = 0;
  uint64_t seed = 1;
  bool json = false;
  bool chaos = false;
  std::string db_path;
  simulate->add_option("--config", config_path, "node config (JSON)")->required();
  simulate->add_option("--calls", calls, "calls to place")->check(CLI::Range(uint64_t{1}, uint64_t{100'000'000}));
  simulate->add_option("--rate", rate, "calls per second (default: the config's carrier_sim rate)")
    ->check(CLI::PositiveNumber);
  simulate->add_option("--seed", seed, "random seed: the same seed gives the same result");
  simulate->add_option("--db", db_path, "SQLite file for the leads (default: <data_dir>/simulate.db; replaced)");
  simulate->add_flag("--chaos", chaos, "kill bidders, ledger, recorder, carrier and call actors at random");
  std::string bidders = "sim";
  double time_scale = 1.0;
  simulate
    ->add_option("--bidders", bidders,
                 "sim: simulated buyers on virtual time; http: buyers with a ping_url are pinged over "
                 "HTTP, in real time")
    ->check(CLI::IsMember({"sim", "http"}));
  simulate->add_option("--time-scale", time_scale, "with --bidders http: divide the calls' own delays by this")
    ->check(CLI::Range(0.001, 1e6));
  simulate->add_flag("--json", json, "print the summary as one JSON object");

  auto* caps = app.add_subcommand("caps", "show every cap: value, limit, window, reset time");
  std::string node;
  int timeout_ms = 3000;
  caps->add_option("--config", config_path, "node config (JSON): the caps and their owners")->required();
  caps->add_option("--db", db_path, "the node's SQLite file (default: <data_dir>/<sqlite_file>)");
  caps->add_option("--node", node, "ask a running node instead: its --admin HOST:PORT");
  caps->add_option("--timeout-ms", timeout_ms, "how long to wait for the node")->check(CLI::Range(1, 600'000));
  caps->add_flag("--json", json, "print JSON");

  auto* carrier =
    app.add_subcommand("carrier-sim", "play Telnyx on loopback: place calls, sign webhooks, take commands");
  ringbid::carrier_sim_options sim;
  carrier->add_option("--config", config_path, "node config (JSON): DIDs, buyers' numbers, carrier_sim behaviour")
    ->required();
  carrier
    ->add_option("--webhook-url", sim.webhook_url, "the node's webhook URL, e.g. http://127.0.0.1:8080/webhooks/telnyx")
    ->required();
  carrier->add_option("--listen", sim.listen, "serve the Call Control API on HOST:PORT (port 0: any)");
  carrier->add_option("--api-key", sim.api_key, "require this bearer key on commands");
  carrier->add_option("--key-file", sim.key_file, "Ed25519 secret key file (Base64); created when missing");
  carrier->add_option("--calls", sim.calls, "calls to place (0: until stopped)");
  carrier->add_option("--schedule", sim.schedule_path, "place the calls of this file instead: SECONDS[,DID] per line");
  carrier->add_option("--rate", sim.calls_per_second, "calls per second (default: the config's carrier_sim rate)")
    ->check(CLI::NonNegativeNumber);
  carrier->add_option("--time-scale", sim.time_scale, "divide every simulated delay by this")
    ->check(CLI::Range(0.001, 1e6));
  carrier->add_option("--seed", sim.seed, "random seed");
  carrier->add_option("--duplicate-rate", sim.duplicate_rate, "share of webhooks delivered twice")
    ->check(CLI::Range(0.0, 1.0));
  carrier->add_option("--reorder-rate", sim.reorder_rate, "share of webhooks held back so later ones overtake them")
    ->check(CLI::Range(0.0, 1.0));
  carrier->add_option("--reorder-max-ms", sim.reorder_max_ms, "longest hold-back")->check(CLI::Range(1, 60'000));
  carrier
    ->add_option("--webhook-retries", sim.webhook_retries,
                 "posts of a failed webhook after the first, within a minute (0: deliver once, then give up)")
    ->check(CLI::Range(0, 1'000));
  carrier->add_option("--connection-id", sim.connection_id, "the Call Control connection id (webhooks, active_calls)");
  carrier->add_option("--wait-ready", sim.wait_ready_s, "seconds to wait for the node's /readyz (0: don't)");
  carrier->add_option("--max-run", sim.max_run_s, "give up after this many seconds (0: no limit)");
  carrier->add_option("--record", sim.record_path, "write the carrier's record of every call here (JSON)");
  carrier->add_flag("--json", sim.json, "print the summary as JSON");

  auto* auction = app.add_subcommand("auction", "explain how calls were routed");
  auction->require_subcommand(1);
  auto* show =
    auction->add_subcommand("show", "every auction round of one call: eligibility, pings, bids, winner, price");
  std::string call_text;
  show->add_option("CALL_ID", call_text, "the call's id (a lead's id, as in the leads table)")->required();
  show->add_option("--config", config_path, "node config (JSON): where its database is");
  show->add_option("--db", db_path, "the SQLite file (default: <data_dir>/<sqlite_file> of --config)");
  show->add_flag("--json", json, "print JSON");

  auto* leads = app.add_subcommand("leads", "list leads, newest first, filtered, as a table with totals, CSV or JSON");
  ringbid::leads_options leads_opt;
  uint64_t leads_limit = 0;
  std::string leads_format = "table";
  leads->add_option("--config", leads_opt.config_path, "node config (JSON): where its database is");
  leads->add_option("--db", leads_opt.db_path, "the SQLite file (default: <data_dir>/<sqlite_file> of --config)");
  leads->add_option("--from", leads_opt.from, "from this UTC day (YYYY-MM-DD) or instant (2026-11-21T14:00:00Z)");
  leads->add_option("--to", leads_opt.to, "through this UTC day (inclusive), or before this instant");
  leads->add_option("--campaign", leads_opt.campaign, "only this campaign id");
  leads->add_option("--source", leads_opt.source, "only this source id");
  leads->add_option("--buyer", leads_opt.buyer, "only this buyer id");
  leads->add_option("--disposition", leads_opt.disposition, "only this outcome: " + ringbid::disposition_names());
  leads->add_option("--limit", leads_limit,
                    "at most N leads, newest first; 0: all (default: 100 for table, all for csv/json)");
  leads->add_option("--format", leads_format, "table, csv (RFC 4180) or json")
    ->check(CLI::IsMember({"table", "csv", "json"}));

  auto* dids = app.add_subcommand("dids", "the tracked numbers of the node's configuration: list, assign, unassign");
  dids->require_subcommand(1);
  dids->fallthrough();
  ringbid::dids_options dids_opt;
  dids->add_option("--config", dids_opt.config_path, "node config (JSON): where its database is");
  dids->add_option("--db", dids_opt.db_path, "the node's SQLite file (default: <data_dir>/<sqlite_file> of --config)");
  dids->add_option("--redis", dids_opt.redis_url, "after a change, invalidate it for nodes using redis://HOST:PORT");
  auto* dids_list = dids->add_subcommand("list", "every number: campaign, source, tags");
  dids_list->add_flag("--json", dids_opt.json, "print JSON");
  auto* dids_assign = dids->add_subcommand("assign", "assign a number to a campaign and source");
  dids_assign->add_option("NUMBER", dids_opt.number, "E.164 number, e.g. +18005550100")->required();
  dids_assign->add_option("--campaign", dids_opt.campaign_id, "campaign id (in the config)")->required();
  dids_assign->add_option("--source", dids_opt.source_id, "source id (in the config)")->required();
  dids_assign->add_option("--tags", dids_opt.tags, "the number's tags, comma-separated");
  auto* dids_unassign = dids->add_subcommand("unassign", "take a number out of service");
  dids_unassign->add_option("NUMBER", dids_opt.number, "E.164 number")->required();

  auto* tokens = app.add_subcommand("tokens", "API tokens with roles in the node's database: create, list, revoke");
  tokens->require_subcommand(1);
  tokens->fallthrough();
  ringbid::tokens_options tokens_opt;
  tokens->add_option("--config", tokens_opt.config_path, "node config (JSON): where its database is");
  tokens->add_option("--db", tokens_opt.db_path,
                     "the node's SQLite file (default: <data_dir>/<sqlite_file> of --config)");
  auto* tokens_create = tokens->add_subcommand("create", "make a token; its secret is printed once");
  tokens_create->add_option("--role", tokens_opt.role, "admin, manager, reporting, publisher or buyer")->required();
  // At most one scope: run_tokens_command says so (exit 2).
  tokens_create->add_option("--campaign", tokens_opt.campaign, "limit a reporting token to this campaign");
  tokens_create->add_option("--source", tokens_opt.source, "a publisher token's source");
  tokens_create->add_option("--buyer", tokens_opt.buyer, "a buyer token's buyer");
  tokens_create->add_option("--label", tokens_opt.label, "what the token is for, e.g. \"Summit Search reports\"");
  tokens_create->add_flag("--json", tokens_opt.json, "print JSON");
  auto* tokens_list = tokens->add_subcommand("list", "every token: role, scope, label, last use (never a secret)");
  tokens_list->add_flag("--json", tokens_opt.json, "print JSON");
  auto* tokens_revoke = tokens->add_subcommand("revoke", "revoke a token: running nodes refuse it within a second");
  tokens_revoke->add_option("ID", tokens_opt.id, "the token's id, e.g. tk_3f9a0c1d2e4b")->required();

  auto* config_cmd = app.add_subcommand(
    "config", "configuration revisions in the node's database: import, export, history, diff, rollback");
  config_cmd->require_subcommand(1);
  config_cmd->fallthrough();
  ringbid::config_options config_opt;
  config_cmd->add_option("--config", config_opt.config_path, "node config (JSON): where its database is");
  config_cmd->add_option(
    "--db", config_opt.db_path,
    "the node's SQLite file (default: <data_dir>/<sqlite_file> of --config, or of FILE for import)");
  auto* config_import =
    config_cmd->add_subcommand("import", "validate FILE and commit it as a new revision (nothing when invalid)");
  config_import->add_option("FILE", config_opt.file, "config file (JSON, schemas/config.schema.json)")->required();
  config_import->add_option("--reason", config_opt.reason, "why, kept with the revision");
  auto* config_export = config_cmd->add_subcommand("export", "print a revision as a config file that imports back");
  config_export->add_option("--revision", config_opt.revision, "the revision (default: the one in force)");
  config_export->add_option("--output,-o", config_opt.output, "write it to this file instead");
  auto* config_history = config_cmd->add_subcommand("history", "revisions, newest first: who, when, why, how much");
  config_history->add_option("--limit", config_opt.limit, "at most this many")->check(CLI::Range(1, 100000));
  config_history->add_flag("--json", config_opt.json, "print JSON");
  auto* config_diff = config_cmd->add_subcommand("diff", "what changed from revision A to revision B");
  config_diff->add_option("A", config_opt.revision, "the older revision")->required();
  config_diff->add_option("B", config_opt.other, "the newer revision")->required();
  auto* config_rollback = config_cmd->add_subcommand("rollback", "commit a new revision equal to revision N");
  config_rollback->add_option("N", config_opt.revision, "the revision to go back to")->required();
  config_rollback->add_option("--reason", config_opt.reason, "why, kept with the revision");

  auto* buyers = app.add_subcommand("buyer-sim", "serve simulated buyers' ping endpoints: POST /buyers/<id>");
  ringbid::buyer_sim_command_options buyer_sim;
  buyers->add_option("--listen", buyer_sim.listen, "serve on HOST:PORT (port 0: any; the first line says which)");
  buyers->add_option("--buyers", buyer_sim.buyers_path, "the buyers (JSON): {\"buyers\":[{\"id\":...}]}")->required();
  buyers->add_option("--seed", buyer_sim.seed, "random seed");
  buyers->add_option("--log-pings", buyer_sim.log_pings_path, "append every request body to this file, one a line");
  buyers->add_flag("--json", buyer_sim.json, "print the final stats as JSON");

  CLI11_PARSE(app, argc, argv);
  if (buyers->parsed()) return ringbid::run_buyer_sim_command(buyer_sim, std::cout, std::cerr);
  if (config_cmd->parsed()) {
    config_opt.action = config_import->parsed()    ? "import"
                        : config_export->parsed()  ? "export"
                        : config_history->parsed() ? "history"
                        : config_diff->parsed()    ? "diff"
                                                   : "rollback";
    return ringbid::run_config_command(config_opt, std::cout, std::cerr);
  }
  if (dids->parsed()) {
    dids_opt.action = dids_list->parsed() ? "list" : dids_assign->parsed() ? "assign" : "unassign";
    return ringbid::run_dids_command(dids_opt, std::cout, std::cerr);
  }
  if (tokens->parsed()) {
    tokens_opt.action = tokens_create->parsed() ? "create" : tokens_list->parsed() ? "list" : "revoke";
    return ringbid::run_tokens_command(tokens_opt, std::cout, std::cerr);
  }
  if (show->parsed()) return show_auction(call_text, config_path, db_path, json);
  if (leads->parsed()) {
    if (leads->count("--limit") > 0) leads_opt.limit = leads_limit;
    leads_opt.format = leads_format == "csv"    ? ringbid::leads_format::csv
                       : leads_format == "json" ? ringbid::leads_format::json
                                                : ringbid::leads_format::table;
    return ringbid::run_leads_command(leads_opt, std::cout, std::cerr);
  }

  auto loaded = ringbid::load_config_file(config_path);
  if (!loaded.ok()) {
    std::cerr << "ringbid: invalid config " << config_path << ":\n" << ringbid::format_config_errors(loaded.errors);
    return 2;
  }
  const auto& config = *loaded.config;
  if (caps->parsed()) return run_caps(config, db_path, node, timeout_ms, json);
  if (carrier->parsed()) {
    sim.announce = [](const std::string& line) { std::cout << "carrier-sim " << line << std::endl; };
    return ringbid::run_carrier_sim(config, sim);
  }
  ringbid::simulation_options opt;
  opt.calls = calls;
  opt.calls_per_second = rate;
  opt.seed = seed;
  opt.chaos = chaos;
  opt.http_bidders = bidders == "http";
  opt.time_scale = time_scale;
  opt.db_path = db_path.empty() ? (std::filesystem::path{config.storage.data_dir} / "simulate.db").string() : db_path;
  if (isatty(STDERR_FILENO) && !json) opt.progress = draw_progress;
  try {
    auto report = ringbid::run_simulation(config, opt);
    if (json)
      ringbid::print_report_json(std::cout, report);
    else
      ringbid::print_report_table(std::cout, report);
    return report.finished && report.completed == report.calls ? 0 : 1;
  } catch (const std::exception& e) {
    std::cerr << "ringbid: " << e.what() << '\n';
    return 1;
  }
}
