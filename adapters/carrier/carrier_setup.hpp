#pragma once
// What a carrier adapter is built from, and what building it gives: the
// contract between the node's carrier factory (tools/node/carrier_factory)
// and each carrier's `make_<name>_carrier` function. A carrier declares its
// own command-line flags here, so adding one touches only its adapter folder
// and one line of the factory.

#include "actors/core/config.hpp"
#include "actors/ports/carrier_port.hpp"
#include "actors/ports/durable_intake.hpp"
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
  /// The node's durable record of carrier events. A carrier that acknowledges
  /// events (webhooks) hands each to the engine, and acknowledges it, only once
  /// the record holds it, so nothing it saw acknowledged is lost with the
  /// node. May be null (nothing durable: a simulation).
  std::shared_ptr<durable_intake> intake;

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
