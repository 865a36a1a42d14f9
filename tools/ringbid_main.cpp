// `ringbid`: the command line. `simulate` runs a node in-process on virtual
// time with the simulated carrier and bidders.

#include "adapters/config_json.hpp"
#include "tools/report_output.hpp"
#include "tools/simulation.hpp"

#include <CLI/CLI.hpp>
#include <fmt/format.h>

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
  simulate->add_flag("--chaos", chaos, "kill bidders, ledger, recorder and call actors at random");
  simulate->add_flag("--json", json, "print the summary as one JSON object");

  CLI11_PARSE(app, argc, argv);

  auto loaded = ringbid::load_config_file(config_path);
  if (!loaded.ok()) {
    std::cerr << "ringbid: invalid config " << config_path << ":\n" << ringbid::format_config_errors(loaded.errors);
    return 2;
  }
  const auto& config = *loaded.config;
  ringbid::simulation_options opt;
  opt.calls = calls;
  opt.calls_per_second = rate;
  opt.seed = seed;
  opt.chaos = chaos;
  opt.db_path = db_path.empty()
                  ? (std::filesystem::path{config.storage.data_dir} / "simulate.db").string()
                  : db_path;
  if (isatty(STDERR_FILENO) && !json) opt.progress = draw_progress;
  try {
    auto report = ringbid::run_simulation(config, opt);
    if (json) ringbid::print_report_json(std::cout, report);
    else ringbid::print_report_table(std::cout, report);
    return report.finished && report.completed == report.calls ? 0 : 1;
  } catch (const std::exception& e) {
    std::cerr << "ringbid: " << e.what() << '\n';
    return 1;
  }
}
