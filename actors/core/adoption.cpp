#include "actors/core/adoption.hpp"

#include "actors/core/call_machine.hpp"

#include <algorithm>

namespace ringbid {

namespace {

bool caller_hangup(const carrier_event& ev) {
  return ev.kind == carrier_event_kind::hangup && ev.leg == call_leg::caller && !ev.inferred;
}

/// The call as it was noted at its start, under the id it was noted with.
call_snapshot from_start(const adoptable_call& call) {
  return make_call(call.id, call.carrier_call_id, call.caller, call.did, call.started_at);
}

} // namespace

adoption_plan plan_adoption(const adoptable_call& call, timestamp_us now) {
  adoption_plan plan;
  plan.snapshot = call.has_snapshot ? call.snapshot : from_start(call);
  auto& snap = plan.snapshot;
  bool answered = snap.answered || std::any_of(call.pending.begin(), call.pending.end(), [](const carrier_event& ev) {
                    return ev.kind == carrier_event_kind::answered;
                  });
  if (call.verdict == carrier_verdict::unknown || (call.verdict == carrier_verdict::ended && !answered)) {
    // Nothing to go on with: the carrier has no call (any more), or the caller
    // left before the call was answered. Booked as it stands.
    plan.what = adoption_plan::action::book;
    auto at = call.verdict == carrier_verdict::ended && call.carrier_ended_at > 0 ? call.carrier_ended_at : now;
    auto why = call.verdict == carrier_verdict::unknown ? "adopted: the carrier no longer knows the call"
                                                        : "adopted: the call ended at the carrier before it was set up";
    plan.snapshot = interrupted_copy(std::move(snap), at, why);
    return plan;
  }
  plan.what = call.has_snapshot ? adoption_plan::action::resume : adoption_plan::action::restart;
  auto sequence = snap.last_event_sequence;
  for (auto ev : call.pending) {
    ev.sequence = ++sequence;
    plan.events.push_back(std::move(ev));
  }
  if (call.verdict == carrier_verdict::ended) {
    bool kept = std::any_of(plan.events.begin(), plan.events.end(), caller_hangup);
    if (!kept && !snap.caller_gone) {
      carrier_event gone;
      gone.carrier_call_id = call.carrier_call_id;
      gone.kind = carrier_event_kind::hangup;
      gone.leg = call_leg::caller;
      gone.occurred_at = call.carrier_ended_at > 0 ? call.carrier_ended_at : now;
      gone.cause = hangup_cause::normal_clearing;
      gone.source = hangup_source::unknown;
      gone.detail = "ended at the carrier while no process ran the call";
      gone.sequence = ++sequence;
      plan.events.push_back(std::move(gone));
      plan.hangup_added = true;
    }
  }
  return plan;
}

} // namespace ringbid
