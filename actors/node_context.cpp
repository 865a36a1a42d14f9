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

const buyer_config* campaign_roster::find(const std::string& buyer_id) const {
  auto i = position(buyer_id);
  return i < buyers.size() ? buyers[i] : nullptr;
}

size_t campaign_roster::position(const std::string& buyer_id) const {
  for (size_t i = 0; i < buyers.size(); ++i)
    if (buyers[i]->id == buyer_id) return i;
  return buyers.size();
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
                            std::make_shared<const call_settings>(
                              call_settings::make(*config, &campaign, &source)));
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
  ctx->unassigned_settings =
    std::make_shared<const call_settings>(call_settings::make(*config, nullptr, nullptr));
  return ctx;
}

} // namespace ringbid
