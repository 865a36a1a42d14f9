#include "actors/core/round_facts.hpp"

#include "actors/core/area_codes.hpp"

namespace ringbid {

call_facts facts_of(const call_snapshot& call, const campaign_config* campaign) {
  call_facts facts;
  if (campaign != nullptr) facts.vertical = campaign->vertical;
  facts.area_code = area_code_of(call.caller);
  facts.caller_state = std::string(region_of_area_code(facts.area_code));
  facts.ivr = call.ivr;
  for (const auto& a : call.ivr)
    if (a.key == zip_ivr_key) facts.zip = a.value;
  facts.tags = call.tags;
  return facts;
}

} // namespace ringbid
