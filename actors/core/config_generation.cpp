#include "actors/core/config_generation.hpp"

#include "actors/core/traffic_split.hpp"

#include <stdexcept>

namespace ringbid {

namespace {

std::string settings_key(const std::string& campaign_id, const std::string& source_id) {
  return campaign_id + '|' + source_id;
}

} // namespace

std::shared_ptr<const config_generation> config_generation::make(std::shared_ptr<const engine_config> config,
                                                                 std::string revision, int64_t revision_number) {
  std::shared_ptr<config_generation> g{new config_generation};
  g->config_ = std::move(config);
  g->revision_ = std::move(revision);
  g->revision_number_ = revision_number;
  const auto& cfg = *g->config_;
  for (const auto& buyer : cfg.buyers) {
    std::string error;
    auto filter = buyer_filter::compile(buyer, &error);
    if (!filter) throw std::invalid_argument("buyer " + buyer.id + ": " + error);
    g->filters_.emplace(buyer.id, std::move(*filter));
  }
  for (const auto& campaign : cfg.campaigns) {
    auto& roster = g->rosters_[campaign.id];
    roster.campaign = &campaign;
    for (const auto& buyer_id : campaign.buyer_ids) {
      // An archived buyer is hidden from new calls.
      if (const auto* buyer = cfg.find_buyer(buyer_id); buyer != nullptr && !buyer->archived) {
        roster.buyers.push_back(buyer);
        roster.filters.push_back(&g->filters_.at(buyer_id));
      }
    }
  }
  for (const auto& campaign : cfg.campaigns) {
    for (const auto& source : cfg.sources) {
      auto settings = call_settings::make(cfg, &campaign, &source);
      settings.roster = &g->rosters_.at(campaign.id);
      g->settings_.emplace(settings_key(campaign.id, source.id), std::move(settings));
    }
  }
  g->unassigned_ = call_settings::make(cfg, nullptr, nullptr);
  for (const auto& d : cfg.dids) g->dids_.emplace(d.number, &d);
  return g;
}

std::optional<did_route> config_generation::route(const std::string& did, std::string_view caller) const {
  auto i = dids_.find(did);
  if (i == dids_.end()) return std::nullopt;
  const auto& d = *i->second;
  did_route r;
  r.did = did;
  r.source_id = d.source_id;
  r.tags = d.tags;
  const auto* source = config_->find_source(d.source_id);
  static const traffic_split none;
  r.campaign_id = split_campaign(d.campaign_id, d.split, source != nullptr ? source->split : none, caller, did);
  const auto* campaign = config_->find_campaign(r.campaign_id);
  r.found = campaign != nullptr && !campaign->archived && source != nullptr && !source->archived;
  if (!r.found) {
    r.campaign_id.clear();
    r.source_id.clear();
  }
  return r;
}

std::shared_ptr<const call_settings> config_generation::settings_for(const std::string& campaign_id,
                                                                     const std::string& source_id) const {
  auto i = settings_.find(settings_key(campaign_id, source_id));
  if (i == settings_.end()) return unassigned();
  return {shared_from_this(), &i->second};
}

std::shared_ptr<const call_settings> config_generation::unassigned() const {
  return {shared_from_this(), &unassigned_};
}

const campaign_roster* config_generation::roster_for(const std::string& campaign_id) const {
  auto i = rosters_.find(campaign_id);
  return i == rosters_.end() ? nullptr : &i->second;
}

} // namespace ringbid
