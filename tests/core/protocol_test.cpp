#include "protocol/call_snapshot.hpp"
#include "protocol/ids.hpp"
#include "protocol/lead.hpp"
#include "protocol/types.hpp"

#include <caf/all.hpp>
#include <gtest/gtest.h>

#include <set>

namespace ringbid {
namespace {

TEST(Uuid7, TextRoundTripAndVersionBits) {
  uuid7_generator gen{1};
  auto id = gen.next(1'767'621'600'000);
  auto text = id.to_string();
  ASSERT_EQ(text.size(), 36u);
  EXPECT_EQ(text[14], '7');
  EXPECT_TRUE(text[19] == '8' || text[19] == '9' || text[19] == 'a' || text[19] == 'b');
  EXPECT_EQ(uuid::parse(text), id);
  EXPECT_EQ(id.unix_ms(), 1'767'621'600'000);
  EXPECT_FALSE(uuid::parse("not-a-uuid"));
  EXPECT_FALSE(uuid::parse("0191e2a3-1c2d-7abc-8def-0123456789aZ"));
}

TEST(Uuid7, StrictlyIncreasingWithinAndAcrossMilliseconds) {
  uuid7_generator gen{7};
  uuid last = gen.next(1000);
  std::set<uuid> seen{last};
  for (int i = 0; i < 20'000; ++i) {
    auto next = gen.next(1000 + i / 5000); // 5,000 ids per millisecond
    EXPECT_LT(last, next);
    last = next;
    seen.insert(next);
  }
  EXPECT_EQ(seen.size(), 20'001u);
  // A clock stepping back does not break the order.
  auto before = gen.next(10);
  EXPECT_LT(last, before);
}

/// Every message crosses nodes through CAF's serializer: a round trip keeps it.
TEST(Protocol, LeadRoundTripsThroughCafSerialization) {
  caf::actor_system_config cfg;
  add_protocol_types(cfg);
  caf::actor_system sys{cfg};
  lead_record lead;
  lead.id = uuid7_generator{3}.next(42);
  lead.campaign_id = "auto";
  lead.outcome = disposition::bridged;
  lead.revenue_micros = 12'340'000;
  lead.cause = hangup_cause::user_busy;
  lead.journal.push_back(journal_entry{5, call_state::hold, "round 1"});
  std::vector<char> buf;
  caf::binary_serializer sink{sys, buf};
  auto copy = lead;
  ASSERT_FALSE(inspect(sink, copy));
  lead_record back;
  caf::binary_deserializer source{sys, buf};
  ASSERT_FALSE(inspect(source, back));
  EXPECT_EQ(back.id, lead.id);
  EXPECT_EQ(back.campaign_id, "auto");
  EXPECT_EQ(back.outcome, disposition::bridged);
  EXPECT_EQ(back.revenue_micros, 12'340'000);
  EXPECT_EQ(back.cause, hangup_cause::user_busy);
  ASSERT_EQ(back.journal.size(), 1u);
  EXPECT_EQ(back.journal[0].note, "round 1");
}

TEST(Protocol, EveryEnumHasAName) {
  for (int s = 0; s < call_state_count; ++s) EXPECT_NE(to_string(static_cast<call_state>(s)), "?");
  for (int d = 0; d <= static_cast<int>(disposition::interrupted); ++d)
    EXPECT_NE(to_string(static_cast<disposition>(d)), "?");
  for (int k = 0; k <= static_cast<int>(carrier_event_kind::command_failed); ++k)
    EXPECT_NE(to_string(static_cast<carrier_event_kind>(k)), "?");
  for (int k = 0; k <= static_cast<int>(command_kind::hangup); ++k)
    EXPECT_NE(to_string(static_cast<command_kind>(k)), "?");
}

} // namespace
} // namespace ringbid
