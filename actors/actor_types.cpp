#include "actors/actor_types.hpp"

#include "actors/analytics_messages.hpp"
#include "actors/call_messages.hpp"

#include <caf/actor_system_config.hpp>

namespace ringbid {

void add_actor_types(caf::actor_system_config& cfg) {
  cfg.add_message_type<call_timer>("ringbid::call_timer");
  cfg.add_message_type<round_deadline>("ringbid::round_deadline");
  cfg.add_message_type<end_call>("ringbid::end_call");
  cfg.add_message_type<hand_over_call>("ringbid::hand_over_call");
  cfg.add_message_type<call_handed_over>("ringbid::call_handed_over");
  cfg.add_message_type<analytics_tick>("ringbid::analytics_tick");
  cfg.add_message_type<history_loaded>("ringbid::history_loaded");
}

} // namespace ringbid
