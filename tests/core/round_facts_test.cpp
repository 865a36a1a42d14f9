// Unit tests for the facts a round reads from its call.

#include "actors/core/round_facts.hpp"

#include <gtest/gtest.h>

namespace ringbid {
namespace {

TEST(RoundFacts, ReadFromTheCallAndItsCampaign) {
  call_snapshot call;
  call.caller = "+15125550100";
  call.ivr = {ivr_answer{"age", "44"}, ivr_answer{"zip", "78701"}};
  call.tags = {"a", "b"};
  campaign_config campaign;
  campaign.vertical = "solar";
  auto f = facts_of(call, &campaign);
  EXPECT_EQ(f.vertical, "solar");
  EXPECT_EQ(f.area_code, "512");
  EXPECT_EQ(f.caller_state, "TX");
  EXPECT_EQ(f.zip, "78701");
  EXPECT_EQ(f.ivr.size(), 2u);
  EXPECT_EQ(f.tags, (std::vector<std::string>{"a", "b"}));
}

TEST(RoundFacts, TheZipIsTheLastAnswerToTheZipKey) {
  call_snapshot call;
  call.ivr = {ivr_answer{"zip", "10001"}, ivr_answer{"zip", "10002"}};
  EXPECT_EQ(facts_of(call, nullptr).zip, "10002");
  call.ivr = {ivr_answer{"postcode", "10001"}};
  EXPECT_EQ(facts_of(call, nullptr).zip, "") << "only the zip key";
}

TEST(RoundFacts, UnknownWithoutCampaignOrCaller) {
  auto f = facts_of(call_snapshot{}, nullptr);
  EXPECT_EQ(f.vertical, "");
  EXPECT_EQ(f.area_code, "");
  EXPECT_EQ(f.caller_state, "");
  EXPECT_EQ(f.zip, "");
}

} // namespace
} // namespace ringbid
