// The carrier ports' shared inbox: numbering, delivery to the attached sink,
// re-delivery of what was not forwarded, bounds, and refusal while detached.

#include "adapters/carrier/carrier_inbox.hpp"

#include <gtest/gtest.h>

#include <memory>
#include <vector>

namespace ringbid {
namespace {

struct recording_sink final : carrier_event_sink {
  std::vector<std::pair<uint64_t, std::string>> got; ///< ticket, carrier call id
  void deliver(uint64_t ticket, carrier_event event) override { got.emplace_back(ticket, event.carrier_call_id); }
};

carrier_event named(std::string id) {
  carrier_event ev;
  ev.carrier_call_id = std::move(id);
  return ev;
}

TEST(CarrierInbox, KeepsEventsUntilForwardedAndGivesThemToTheNextSinkInOrder) {
  carrier_inbox inbox;
  inbox.post(named("a")); // nobody attached yet: kept
  auto first = std::make_shared<recording_sink>();
  inbox.attach(first);
  inbox.post(named("b"));
  inbox.post(named("c"));
  ASSERT_EQ(first->got.size(), 3u);
  EXPECT_EQ(first->got[0].second, "a");
  inbox.forwarded(first->got[0].first); // "a" reached the calls; "b" and "c" did not
  EXPECT_EQ(inbox.pending(), 2u);

  auto second = std::make_shared<recording_sink>(); // the restarted actor
  inbox.detach(first.get());
  inbox.attach(second);
  ASSERT_EQ(second->got.size(), 2u);
  EXPECT_EQ(second->got[0].second, "b");
  EXPECT_EQ(second->got[1].second, "c");
  EXPECT_EQ(second->got[0].first, first->got[1].first) << "same ticket: forwarded() settles either copy";
}

TEST(CarrierInbox, AStaleDetachLeavesTheNewSinkAttached) {
  carrier_inbox inbox;
  auto old_sink = std::make_shared<recording_sink>();
  auto new_sink = std::make_shared<recording_sink>();
  inbox.attach(old_sink);
  inbox.attach(new_sink);
  inbox.detach(old_sink.get()); // the old actor's cleanup runs late
  EXPECT_TRUE(inbox.attached());
  inbox.post(named("x"));
  EXPECT_EQ(new_sink->got.size(), 1u);
  EXPECT_TRUE(old_sink->got.empty());
}

TEST(CarrierInbox, RefusesWhileDetachedWhenAskedTo) {
  carrier_inbox inbox;
  EXPECT_FALSE(inbox.post_if_attached(named("x")));
  EXPECT_EQ(inbox.pending(), 0u) << "not kept: the carrier sends it again";
  auto sink = std::make_shared<recording_sink>();
  inbox.attach(sink);
  EXPECT_TRUE(inbox.post_if_attached(named("y")));
  EXPECT_EQ(sink->got.size(), 1u);
}

TEST(CarrierInbox, KeepsAtMostItsBoundAndCountsTheRest) {
  carrier_inbox inbox{2};
  inbox.post(named("a"));
  inbox.post(named("b"));
  inbox.post(named("c"));
  EXPECT_EQ(inbox.pending(), 2u);
  EXPECT_EQ(inbox.unkept(), 1u);
  auto sink = std::make_shared<recording_sink>();
  inbox.attach(sink);
  ASSERT_EQ(sink->got.size(), 2u);
  EXPECT_EQ(sink->got[0].second, "b") << "the oldest went";
}

} // namespace
} // namespace ringbid
