#pragma once
// What a carrier adapter is built from, and what building it gives: the
// contract between the node's carrier factory (tools/node/carrier_factory)
// and each carrier's `make_<name>_carrier` function. A carrier declares its
// own command-line flags here, so adding one touches only its adapter folder
// and one line of the factory.

#include "actors/core/config.hpp"
#include "actors/ports/carrier_port.hpp"
#include "actors/ports/ports.hpp"

#include <caf/fwd.hpp>

#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <string>
#include <vector>

namespace ringbid {

/// A command-line flag of one carrier, e.g. --telnyx-api-key.
struct carrier_flag {
  std::string name; ///< without the dashes
  std::string help;
  std::string env; ///< environment variable read when the flag is absent; "" = none
  std::string default_value;
};

struct carrier_setup {
  caf::actor_system* system = nullptr; ///< where a carrier's own actors live
  std::shared_ptr<const engine_config> config;
  std::shared_ptr<const wall_clock> clock;
  uint64_t seed = 1;
  double calls_per_second = -1; ///< simulated traffic; < 0: the config's carrier_sim rate
  bool serves_http = false;     ///< the node runs an HTTP server (for webhook routes)
  /// The carrier's flags by name (defaults filled in).
  std::map<std::string, std::string> flags;
  /// Notes a call's start durably, then calls `durable` (any thread). A carrier
  /// that hears of a call before the engine has it should say "accepted" only
  /// then, so a call it saw acknowledged survives a crash of the node. May be empty.
  std::function<void(const carrier_event& initiated, std::function<void()> durable)> durable_start;

  /// The value of one flag; "" when unset.
  std::string flag(const std::string& name) const {
    auto i = flags.find(name);
    return i == flags.end() ? std::string{} : i->second;
  }
};

struct carrier_made {
  std::shared_ptr<carrier_port> port; ///< null: see error
  std::string error;                  ///< what is wrong with the flags, for the user
};

using carrier_maker = std::function<carrier_made(const carrier_setup&)>;

} // namespace ringbid
