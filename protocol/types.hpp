#pragma once
// Registers every protocol message with an actor system, so messages can cross
// nodes. Call once on the config, before the actor_system is built.

namespace caf {
class actor_system_config;
}

namespace ringbid {

void add_protocol_types(caf::actor_system_config& cfg);

} // namespace ringbid
