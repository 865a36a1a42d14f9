// Adopting a call left by a process that is gone: every verdict of the
// carrier against what the record holds, and the command keys that make a
// repeated command harmless.

#include "actors/core/adoption.hpp"
#include "actors/core/call_machine.hpp"

#include <gtest/gtest.h>

#include <set>

namespace ringbid {
namespace {

constexpr timestamp_us t0 = 1'800'000'000 * us_per_s;

carrier_event kept(carrier_event_kind kind, uint64_t seq, call_leg leg = call_leg::caller) {
  carrier_event ev;
  ev.carrier_call_id = "cc-1";
  ev.kind = kind;
  ev.leg = leg;
  ev.occurred_at = t0 + static_cast<int64_t>(seq) * us_per_s;
  ev.journal_seq = seq;
  return ev;
}

adoptable_call bridged_call(carrier_verdict verdict) {
  adoptable_call call;
  call.carrier_call_id = "cc-1";
  call.id = make_uuid7(t0 / us_per_ms, 1, 2);
  call.did = "+18005550100";
  call.caller = "+12125550199";
  call.started_at = t0;
  call.has_snapshot = true;
  call.snapshot = make_call(call.id, "cc-1", call.caller, call.did, t0);
  call.snapshot.state = call_state::bridged;
  call.snapshot.answered = true;
  call.snapshot.last_event_sequence = 6;
  call.verdict = verdict;
  return call;
}

TEST(Adoption, AnAliveCallResumesWithTheEventsItHadNotHandledNumberedAfterItsSnapshot) {
  auto call = bridged_call(carrier_verdict::alive);
  call.pending = {kept(carrier_event_kind::recording_saved, 11), kept(carrier_event_kind::dtmf, 12)};
  auto plan = plan_adoption(call, t0 + 100 * us_per_s);
  EXPECT_EQ(plan.what, adoption_plan::action::resume);
  ASSERT_EQ(plan.events.size(), 2u);
  EXPECT_EQ(plan.events[0].sequence, 7u);
  EXPECT_EQ(plan.events[1].sequence, 8u);
  EXPECT_EQ(plan.events[0].journal_seq, 11u) << "still known as kept, so handled once";
  EXPECT_FALSE(plan.hangup_added);
}

TEST(Adoption, ACallThatEndedMeanwhileGetsTheCarriersEndAsItsHangup) {
  auto call = bridged_call(carrier_verdict::ended);
  call.carrier_ended_at = t0 + 90 * us_per_s;
  auto plan = plan_adoption(call, t0 + 500 * us_per_s);
  EXPECT_EQ(plan.what, adoption_plan::action::resume);
  ASSERT_EQ(plan.events.size(), 1u);
  EXPECT_TRUE(plan.hangup_added);
  EXPECT_EQ(plan.events[0].kind, carrier_event_kind::hangup);
  EXPECT_EQ(plan.events[0].leg, call_leg::caller);
  EXPECT_EQ(plan.events[0].occurred_at, call.carrier_ended_at) << "billed with the carrier's times";
  EXPECT_FALSE(plan.events[0].inferred);
  // A hangup kept already is not doubled.
  call.pending = {kept(carrier_event_kind::hangup, 20)};
  plan = plan_adoption(call, t0 + 500 * us_per_s);
  EXPECT_EQ(plan.events.size(), 1u);
  EXPECT_FALSE(plan.hangup_added);
}

TEST(Adoption, ACallOnlyNotedIsSetUpAgainUnderItsOwnId) {
  auto call = bridged_call(carrier_verdict::alive);
  call.has_snapshot = false;
  auto plan = plan_adoption(call, t0 + 2 * us_per_s);
  EXPECT_EQ(plan.what, adoption_plan::action::restart);
  EXPECT_EQ(plan.snapshot.id, call.id);
  EXPECT_EQ(plan.snapshot.state, call_state::greeting);
  EXPECT_EQ(plan.snapshot.started_at, t0) << "its own start, not the adoption's";
  EXPECT_EQ(plan.snapshot.did, call.did);
}

TEST(Adoption, ACallTheCarrierDoesNotKnowOrThatEndedUnansweredIsBookedAsItStands) {
  auto unknown = bridged_call(carrier_verdict::unknown);
  auto plan = plan_adoption(unknown, t0 + 700 * us_per_s);
  EXPECT_EQ(plan.what, adoption_plan::action::book);
  EXPECT_EQ(plan.snapshot.state, call_state::done);
  EXPECT_EQ(plan.snapshot.outcome, disposition::interrupted);
  EXPECT_EQ(plan.snapshot.ended_at, t0 + 700 * us_per_s);

  auto unanswered = bridged_call(carrier_verdict::ended);
  unanswered.has_snapshot = false;
  unanswered.carrier_ended_at = t0 + 3 * us_per_s;
  plan = plan_adoption(unanswered, t0 + 700 * us_per_s);
  EXPECT_EQ(plan.what, adoption_plan::action::book);
  EXPECT_EQ(plan.snapshot.ended_at, t0 + 3 * us_per_s) << "ended when the carrier says";
  EXPECT_EQ(plan.snapshot.ended_in, call_state::greeting);

  // Answered, by an event kept but not handled: it goes on, to be billed.
  unanswered.pending = {kept(carrier_event_kind::answered, 4)};
  EXPECT_EQ(plan_adoption(unanswered, t0 + 700 * us_per_s).what, adoption_plan::action::restart);
}

TEST(Adoption, AnUnaskedCarrierLeavesTheCallToItsWatchdogs) {
  auto call = bridged_call(carrier_verdict::unasked);
  auto plan = plan_adoption(call, t0 + 5 * us_per_s);
  EXPECT_EQ(plan.what, adoption_plan::action::resume);
  EXPECT_TRUE(plan.events.empty());
}

TEST(CommandKeys, TheSameCommandInTheSamePlaceHasTheSameKeyAndAnyOtherAnother) {
  auto call = make_uuid7(t0 / us_per_ms, 3, 4);
  carrier_command answer;
  answer.kind = command_kind::answer;
  carrier_command transfer_a;
  transfer_a.kind = command_kind::transfer;
  transfer_a.payload = "+15550001111";
  auto transfer_b = transfer_a;
  transfer_b.payload = "+15550002222";
  auto key = derive_command_id(call, 0, answer);
  EXPECT_EQ(key, derive_command_id(call, 0, answer)) << "a process that repeats it is ignored by the carrier";
  std::set<uuid> keys{key, derive_command_id(call, 1, answer),
                      derive_command_id(make_uuid7(t0 / us_per_ms, 3, 5), 0, answer),
                      derive_command_id(call, 4, transfer_a), derive_command_id(call, 4, transfer_b)};
  EXPECT_EQ(keys.size(), 5u);
  auto text = key.to_string();
  EXPECT_EQ(text[14], '8') << "a version-8 UUID: " << text;
  EXPECT_TRUE(text[19] == '8' || text[19] == '9' || text[19] == 'a' || text[19] == 'b') << text;
}

} // namespace
} // namespace ringbid
