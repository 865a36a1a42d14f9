#include "protocol/types.hpp"

#include "protocol/adoption.hpp"
#include "protocol/analytics.hpp"
#include "protocol/bidding.hpp"
#include "protocol/call_snapshot.hpp"
#include "protocol/carrier.hpp"
#include "protocol/directory.hpp"
#include "protocol/lead.hpp"
#include "protocol/ledger.hpp"
#include "protocol/node.hpp"

#include <caf/actor_system_config.hpp>

namespace ringbid {

void add_protocol_types(caf::actor_system_config& cfg) {
  cfg.add_message_type<uuid>("ringbid::uuid");
  cfg.add_message_type<carrier_event>("ringbid::carrier_event");
  cfg.add_message_type<carrier_command>("ringbid::carrier_command");
  cfg.add_message_type<carrier_event_posted>("ringbid::carrier_event_posted");
  cfg.add_message_type<carrier_event_settled>("ringbid::carrier_event_settled");
  cfg.add_message_type<ivr_answer>("ringbid::ivr_answer");
  cfg.add_message_type<ping_request>("ringbid::ping_request");
  cfg.add_message_type<bid_response>("ringbid::bid_response");
  cfg.add_message_type<bid_delivery>("ringbid::bid_delivery");
  cfg.add_message_type<reserve_request>("ringbid::reserve_request");
  cfg.add_message_type<reservation_grant>("ringbid::reservation_grant");
  cfg.add_message_type<reservation_denial>("ringbid::reservation_denial");
  cfg.add_message_type<reserve_reply>("ringbid::reserve_reply");
  cfg.add_message_type<amount_hold>("ringbid::amount_hold");
  cfg.add_message_type<hold_request>("ringbid::hold_request");
  cfg.add_message_type<hold_reply>("ringbid::hold_reply");
  cfg.add_message_type<commit_request>("ringbid::commit_request");
  cfg.add_message_type<release_request>("ringbid::release_request");
  cfg.add_message_type<release_call>("ringbid::release_call");
  cfg.add_message_type<ledger_ack>("ringbid::ledger_ack");
  cfg.add_message_type<ledger_status_request>("ringbid::ledger_status_request");
  cfg.add_message_type<ledger_status>("ringbid::ledger_status");
  cfg.add_message_type<journal_durable>("ringbid::journal_durable");
  cfg.add_message_type<caps_query>("ringbid::caps_query");
  cfg.add_message_type<cap_standing>("ringbid::cap_standing");
  cfg.add_message_type<caps_report>("ringbid::caps_report");
  cfg.add_message_type<journal_entry>("ringbid::journal_entry");
  cfg.add_message_type<lead_record>("ringbid::lead_record");
  cfg.add_message_type<record_lead>("ringbid::record_lead");
  cfg.add_message_type<lead_accepted>("ringbid::lead_accepted");
  cfg.add_message_type<leads_committed>("ringbid::leads_committed");
  cfg.add_message_type<offer>("ringbid::offer");
  cfg.add_message_type<call_snapshot>("ringbid::call_snapshot");
  cfg.add_message_type<call_checkpoint>("ringbid::call_checkpoint");
  cfg.add_message_type<call_finished>("ringbid::call_finished");
  cfg.add_message_type<checkpoint_call>("ringbid::checkpoint_call");
  cfg.add_message_type<hand_over_calls>("ringbid::hand_over_calls");
  cfg.add_message_type<grow_children>("ringbid::grow_children");
  cfg.add_message_type<children_grown>("ringbid::children_grown");
  cfg.add_message_type<reload_caps>("ringbid::reload_caps");
  cfg.add_message_type<caps_reloaded>("ringbid::caps_reloaded");
  cfg.add_message_type<adoptable_call>("ringbid::adoptable_call");
  cfg.add_message_type<adopt_calls>("ringbid::adopt_calls");
  cfg.add_message_type<adoption_report>("ringbid::adoption_report");
  cfg.add_message_type<did_lookup>("ringbid::did_lookup");
  cfg.add_message_type<did_route>("ringbid::did_route");
  cfg.add_message_type<peer_lookup>("ringbid::peer_lookup");
  cfg.add_message_type<peer_handle>("ringbid::peer_handle");
  cfg.add_message_type<peer_restarted>("ringbid::peer_restarted");
  cfg.add_message_type<drain_calls>("ringbid::drain_calls");
  cfg.add_message_type<calls_status_request>("ringbid::calls_status_request");
  cfg.add_message_type<calls_status>("ringbid::calls_status");
  cfg.add_message_type<call_card>("ringbid::call_card");
  cfg.add_message_type<call_progress>("ringbid::call_progress");
  cfg.add_message_type<booked_call>("ringbid::booked_call");
  cfg.add_message_type<call_booked>("ringbid::call_booked");
  cfg.add_message_type<buyer_figures>("ringbid::buyer_figures");
  cfg.add_message_type<metrics_figures>("ringbid::metrics_figures");
  cfg.add_message_type<minute_count>("ringbid::minute_count");
  cfg.add_message_type<metrics_query>("ringbid::metrics_query");
  cfg.add_message_type<metrics_report>("ringbid::metrics_report");
  cfg.add_message_type<live_board_query>("ringbid::live_board_query");
  cfg.add_message_type<live_board>("ringbid::live_board");
}

} // namespace ringbid
