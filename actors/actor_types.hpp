#pragma once
// Registers the messages that never leave the actor tree (a call's timers, the
// analytics tick): they are defined in actors/, not protocol/. Call it beside
// add_protocol_types on every config whose system runs call or analytics actors.

namespace caf {
class actor_system_config;
}

namespace ringbid {

void add_actor_types(caf::actor_system_config& cfg);

} // namespace ringbid
