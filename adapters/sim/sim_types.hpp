#pragma once
// Registers the simulator's own messages (adapters/sim/sim_messages.hpp): call
// it beside add_protocol_types on every config whose system may run the
// simulated carrier, its Telnyx wire or chaos.

namespace caf {
class actor_system_config;
}

namespace ringbid {

void add_sim_types(caf::actor_system_config& cfg);

} // namespace ringbid
