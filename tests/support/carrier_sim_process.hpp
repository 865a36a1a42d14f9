#pragma once
// carrier-sim as a child process for the process tests: placing calls to the
// numbers of examples/demo.json, signing webhooks to a node on loopback, and
// keeping its own record of every call.

#include "tests/support/process_support.hpp"

#include <gtest/gtest.h>

#include <string>
#include <vector>

namespace ringbid::test {

struct carrier_sim {
  pid_t pid = -1;
  std::string log;
  std::string api;
  std::string public_key;
};

/// carrier-sim placing `calls` at `rate` per second, `time_scale` times faster
/// than real calls (talk times of a few seconds), webhooks to `port`.
inline carrier_sim start_carrier(const std::string& dir, uint16_t port, int calls, double rate, double time_scale,
                                 const std::vector<std::string>& extra = {}) {
  carrier_sim sim;
  sim.log = dir + "/carrier.log";
  std::vector<std::string> args{bin + "ringbid", "carrier-sim",
                                "--config",      src + "/examples/demo.json",
                                "--webhook-url", "http://127.0.0.1:" + std::to_string(port) + "/webhooks/telnyx",
                                "--listen",      "127.0.0.1:0",
                                "--key-file",    dir + "/key",
                                "--calls",       std::to_string(calls),
                                "--rate",        std::to_string(rate),
                                "--time-scale",  std::to_string(time_scale),
                                "--seed",        "11",
                                "--record",      dir + "/record.json",
                                "--wait-ready",  "60",
                                "--max-run",     "240"};
  args.insert(args.end(), extra.begin(), extra.end());
  sim.pid = spawn_logged(args, sim.log);
  EXPECT_GT(sim.pid, 0);
  EXPECT_TRUE(wait_until([&] { return !log_value(sim.log, "carrier-sim api: ").empty(); }, std::chrono::seconds{20}))
    << read_file(sim.log);
  sim.api = log_value(sim.log, "carrier-sim api: ");
  sim.public_key = log_value(sim.log, "carrier-sim public key: ");
  return sim;
}

} // namespace ringbid::test
