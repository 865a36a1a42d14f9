#include "adapters/sim/sim_types.hpp"

#include "adapters/sim/sim_messages.hpp"

#include <caf/actor_system_config.hpp>

namespace ringbid {

void add_sim_types(caf::actor_system_config& cfg) {
  cfg.add_message_type<sim_tick>("ringbid::sim_tick");
  cfg.add_message_type<sim_command_probe>("ringbid::sim_command_probe");
  cfg.add_message_type<sim_command_verdict>("ringbid::sim_command_verdict");
  cfg.add_message_type<sim_status_request>("ringbid::sim_status_request");
  cfg.add_message_type<sim_carrier_status>("ringbid::sim_carrier_status");
  cfg.add_message_type<sim_call_query>("ringbid::sim_call_query");
  cfg.add_message_type<sim_call_facts>("ringbid::sim_call_facts");
  cfg.add_message_type<sim_live_calls_query>("ringbid::sim_live_calls_query");
  cfg.add_message_type<sim_live_calls>("ringbid::sim_live_calls");
  cfg.add_message_type<sim_webhook_due>("ringbid::sim_webhook_due");
  cfg.add_message_type<sim_webhook_result>("ringbid::sim_webhook_result");
  cfg.add_message_type<sim_wire_command>("ringbid::sim_wire_command");
  cfg.add_message_type<sim_wire_query>("ringbid::sim_wire_query");
}

} // namespace ringbid
