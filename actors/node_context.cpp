#include "actors/node_context.hpp"

#include <stdexcept>

namespace ringbid {

namespace {

std::string settings_key(const std::string& campaign_id, const std::string& source_id) {
  return campaign_id + '|' + source_id;
}

} // namespace

std::shared_ptr<const call_settings> node_context::settings_for(const std::string& campaign_id,
                                                                const std::string& source_id) const {
  auto i = settings.find(settings_key(campaign_id, source_id));
  return i == settings.end() ? unassigned_settings : i->second;
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
  const auto* roster = roster_for(lead.campaign_id);
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

const campaign_roster* node_context::roster_for(const std::string& campaign_id) const {
  auto i = rosters.find(campaign_id);
  return i == rosters.end() ? nullptr : &i->second;
}

std::shared_ptr<node_context> node_context::make(std::shared_ptr<const engine_config> config,
                                                 std::shared_ptr<const wall_clock> clock, uint64_t seed) {
  auto ctx = std::make_shared<node_context>();
  ctx->config = config;
  ctx->clock = std::move(clock);
  ctx->seed = seed;
  for (const auto& campaign : config->campaigns)
    for (const auto& source : config->sources)
      ctx->settings.emplace(settings_key(campaign.id, source.id),
                            std::make_shared<const call_settings>(call_settings::make(*config, &campaign, &source)));
  for (const auto& buyer : config->buyers) {
    std::string error;
    auto filter = buyer_filter::compile(buyer, &error);
    if (!filter) throw std::invalid_argument("buyer " + buyer.id + ": " + error);
    ctx->filters.emplace(buyer.id, std::move(*filter));
  }
  for (const auto& campaign : config->campaigns) {
    auto& roster = ctx->rosters[campaign.id];
    roster.campaign = &campaign;
    for (const auto& buyer_id : campaign.buyer_ids) {
      if (const auto* buyer = config->find_buyer(buyer_id); buyer != nullptr) {
        roster.buyers.push_back(buyer);
        roster.filters.push_back(&ctx->filters.at(buyer_id));
      }
    }
  }
  ctx->breakers = std::make_shared<breaker_board>(config->buyers);
  ctx->turns = std::make_shared<routing_turns>(*config);
  ctx->conversions = std::make_shared<conversion_stats>();
  ctx->duplicates = std::make_shared<duplicate_window>(largest_duplicate_window(config->buyers));
  ctx->unassigned_settings = std::make_shared<const call_settings>(call_settings::make(*config, nullptr, nullptr));
  return ctx;
}

} // namespace ringbid
