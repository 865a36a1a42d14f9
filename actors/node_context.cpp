#include "actors/node_context.hpp"

namespace ringbid {

const campaign_roster* node_context::roster_for(const std::string& campaign_id) const {
  auto generation = current();
  return generation ? generation->roster_for(campaign_id) : nullptr;
}

std::shared_ptr<const call_settings> node_context::settings_for(const std::string& campaign_id,
                                                                const std::string& source_id) const {
  auto generation = current();
  return generation ? generation->settings_for(campaign_id, source_id) : nullptr;
}

lead_record node_context::book(const call_snapshot& call, const call_settings& call_rules) const {
  return charge(make_lead(call), call.current.conversion_buffer_s, call_rules, true);
}

lead_record node_context::provisional_lead(const call_snapshot& call, const call_settings& call_rules) const {
  auto note = "interrupted: the node stopped while the call was in " + std::string{to_string(call.state)};
  auto interrupted = interrupted_copy(call, clock->now(), std::move(note));
  auto buffer_s = interrupted.current.conversion_buffer_s;
  return charge(make_lead(std::move(interrupted)), buffer_s, call_rules, false);
}

lead_record node_context::charge(lead_record lead, int32_t conversion_buffer_s, const call_settings& call_rules,
                                 bool record_duplicates) const {
  const auto* roster = call_rules.roster;
  const auto* buyer = lead.buyer_id.empty() || roster == nullptr ? nullptr : roster->find(lead.buyer_id);
  if (buyer != nullptr && hasher && !lead.caller.empty()) lead.caller_hash = hasher->hash(lead.caller, buyer->id);
  billing_input terms;
  terms.conversion_buffer_s = conversion_buffer_s;
  terms.duplicate = buyer != nullptr &&
                    duplicates->seen_within(buyer->id, lead.caller_hash, lead.started_at, buyer->duplicate_window_days);
  terms.buyer = buyer;
  terms.source = call_rules.source;
  auto charged = charge_lead(lead, terms);
  if (record_duplicates && charged.charged()) duplicates->record(buyer->id, lead.caller_hash, lead.started_at);
  return lead;
}

std::shared_ptr<node_context> node_context::make(std::shared_ptr<const engine_config> config,
                                                 std::shared_ptr<const wall_clock> clock, uint64_t seed,
                                                 std::string revision) {
  auto ctx = std::make_shared<node_context>();
  ctx->config = config;
  ctx->clock = std::move(clock);
  ctx->seed = seed;
  ctx->install(config_generation::make(config, std::move(revision)));
  ctx->breakers = std::make_shared<breaker_board>(config->buyers);
  ctx->turns = std::make_shared<routing_turns>(*config);
  ctx->conversions = std::make_shared<conversion_stats>();
  ctx->duplicates = std::make_shared<duplicate_window>(largest_duplicate_window(config->buyers));
  return ctx;
}

} // namespace ringbid
