#include "actors/calls_supervisor.hpp"

#include "actors/call_actor.hpp"
#include "actors/call_messages.hpp"
#include "actors/core/adoption.hpp"
#include "actors/core/analytics_core.hpp"
#include "actors/core/call_machine.hpp"
#include "actors/peer_update.hpp"
#include "protocol/adoption.hpp"
#include "protocol/analytics.hpp"
#include "protocol/carrier.hpp"
#include "protocol/lead.hpp"
#include "protocol/ledger.hpp"
#include "protocol/node.hpp"

#include <caf/all.hpp>

#include <charconv>

namespace ringbid {

namespace {

struct calls_state {
  std::shared_ptr<call_registry> registry;
  std::shared_ptr<const node_context> ctx;
  std::shared_ptr<const peer_set> peers;
  uuid7_generator ids{1};
  std::vector<caf::response_promise> drained;
  std::vector<caf::response_promise> handed_over; ///< hand_over_calls requests waiting
  static inline const char* name = "calls";
};

using calls_self = caf::stateful_actor<calls_state>*;

calls_status status_of(const call_registry& r) {
  return calls_status{r.by_carrier_id.size(), r.started, r.finished,   r.restarted,
                      r.interrupted,          r.adopted, r.handed_over};
}

void check_drained(calls_self self) {
  auto& st = self->state;
  if (!st.registry->by_carrier_id.empty()) return;
  for (auto& p : st.drained) p.deliver(status_of(*st.registry));
  st.drained.clear();
  for (auto& p : st.handed_over) p.deliver(status_of(*st.registry));
  st.handed_over.clear();
}

void launch(calls_self self, call_registry::entry& e, bool resumed) {
  auto& st = self->state;
  if (e.actor) st.registry->carrier_id_by_actor.erase(e.actor.id());
  e.actor = spawn_call_actor(self, call_actor_args{st.ctx, st.peers, e.snapshot, resumed, e.config});
  st.registry->carrier_id_by_actor[e.actor.id()] = e.snapshot.carrier_call_id;
  // A restarted actor gets what its checkpoint had not seen; an adopted one
  // the events kept for it since.
  for (const auto& ev : e.since_checkpoint) self->send(e.actor, ev);
  // A call that starts (or restarts) while the calls are handed over is
  // handed over too: its start is durable, the next process sets it up.
  if (st.registry->handing_over && !e.interrupting)
    self->send(e.actor, hand_over_call{});
  else if (e.interrupting || st.registry->draining)
    self->send(e.actor, end_call{});
}

void forget(calls_self self, const std::string& carrier_call_id, bool finished = true) {
  auto& reg = *self->state.registry;
  auto i = reg.by_carrier_id.find(carrier_call_id);
  if (i == reg.by_carrier_id.end()) return;
  if (i->second.actor) reg.carrier_id_by_actor.erase(i->second.actor.id());
  self->state.ctx->counters->live_by_state[static_cast<size_t>(i->second.counted_in)]--;
  reg.by_carrier_id.erase(i);
  if (finished) {
    ++reg.finished;
    self->state.ctx->counters->calls_finished++;
  } else {
    ++reg.handed_over;
  }
  check_drained(self);
}

/// The caller must not be left hanging at the carrier.
void hang_up(calls_self self, call_id call, const std::string& carrier_call_id, timestamp_us now) {
  auto& st = self->state;
  carrier_command hangup;
  hangup.call = call;
  hangup.carrier_call_id = carrier_call_id;
  hangup.kind = command_kind::hangup;
  hangup.command_id = st.ids.next(now / us_per_ms);
  self->send(st.peers->carrier, std::move(hangup));
}

/// Books a call without an actor, as `snap` stands (interrupted), and hangs
/// it up at the carrier unless the carrier has no such call.
void book_without_actor(calls_self self, const call_snapshot& snap,
                        const std::shared_ptr<const config_generation>& config, bool hang_up_at_carrier) {
  auto& st = self->state;
  auto generation = config ? config : st.ctx->current();
  auto settings =
    snap.campaign_id.empty() ? generation->unassigned() : generation->settings_for(snap.campaign_id, snap.source_id);
  auto lead = st.ctx->book(snap, *settings);
  if (st.peers->analytics) self->send(st.peers->analytics, call_booked{booked_from(lead)});
  auto carrier_id = snap.carrier_call_id;
  if (hang_up_at_carrier) hang_up(self, snap.id, carrier_id, snap.ended_at);
  ++st.registry->interrupted;
  st.ctx->counters->calls_interrupted++;
  self->request(st.peers->recorder, std::chrono::seconds{5}, record_lead{lead})
    .then([](const lead_accepted&) {},
          [=](caf::error&) {
            // The recorder was down: hand the lead to whichever recorder is live now.
            self->send(self->state.peers->recorder, record_lead{lead});
          });
  forget(self, carrier_id);
}

/// Last resort for a call whose actor keeps crashing: book it as interrupted
/// from its checkpoint without an actor.
void book_interrupted(calls_self self, call_registry::entry& e) {
  auto snap = interrupted_copy(e.snapshot, self->state.ctx->clock->now(), "interrupted by the supervisor");
  book_without_actor(self, snap, e.config, true);
}

/// Runs the calls a process that is gone left live (see actors/core/adoption).
adoption_report adopt(calls_self self, std::vector<adoptable_call>& calls) {
  auto& st = self->state;
  auto& reg = *st.registry;
  adoption_report report;
  auto now = st.ctx->clock->now();
  for (auto& call : calls) {
    if (reg.by_carrier_id.count(call.carrier_call_id)) {
      ++report.duplicates;
      continue;
    }
    auto plan = plan_adoption(call, now);
    auto& e = reg.by_carrier_id[call.carrier_call_id];
    e.snapshot = std::move(plan.snapshot);
    e.config = st.ctx->current(); // an adopted call runs on this process's config
    e.counted_in = e.snapshot.state;
    st.ctx->counters->live_by_state[static_cast<size_t>(e.counted_in)]++;
    ++reg.adopted;
    if (plan.what == adoption_plan::action::book) {
      report.ended += call.verdict == carrier_verdict::ended ? 1 : 0;
      report.unknown += call.verdict == carrier_verdict::unknown ? 1 : 0;
      book_without_actor(self, e.snapshot, e.config, false);
      // Its reservations wait for no one: the lines and units are free now.
      if (st.peers->ledger) self->send(st.peers->ledger, release_call{call.id});
      continue;
    }
    report.replayed += plan.events.size();
    e.events_forwarded = e.snapshot.last_event_sequence + plan.events.size();
    e.since_checkpoint = std::move(plan.events);
    bool resumed = plan.what == adoption_plan::action::resume;
    if (resumed)
      ++report.resumed;
    else
      ++report.restarted;
    if (call.verdict == carrier_verdict::ended) ++report.ended;
    launch(self, e, resumed);
  }
  return report;
}

void on_initiated(calls_self self, const carrier_event& ev) {
  auto& st = self->state;
  auto& reg = *st.registry;
  if (reg.by_carrier_id.count(ev.carrier_call_id)) return; // duplicate delivery
  auto now = st.ctx->clock->now();
  auto& e = reg.by_carrier_id[ev.carrier_call_id];
  // The id its start was noted under, so that a process adopting the call
  // knows it by the same id (and its commands by the same keys).
  auto id = ev.call.is_nil() ? st.ids.next(now / us_per_ms) : ev.call;
  e.snapshot = make_call(id, ev.carrier_call_id, ev.from, ev.to, now);
  e.counted_in = e.snapshot.state;
  e.config = st.ctx->current();
  st.ctx->counters->live_by_state[static_cast<size_t>(e.counted_in)]++;
  ++reg.started;
  st.ctx->counters->calls_started++;
  launch(self, e, false);
}

caf::behavior calls_supervisor(calls_self self, std::shared_ptr<call_registry> registry,
                               std::shared_ptr<const node_context> ctx) {
  auto& st = self->state;
  st.registry = std::move(registry);
  st.ctx = std::move(ctx);
  st.peers = std::make_shared<peer_set>();
  st.ids = uuid7_generator{st.ctx->seed * 0x9E3779B97F4A7C15ull + 7};
  self->set_down_handler([=](const caf::down_msg& dm) {
    auto& s = self->state;
    auto& reg = *s.registry;
    auto a = reg.carrier_id_by_actor.find(dm.source.id());
    if (a == reg.carrier_id_by_actor.end()) return; // finished normally
    auto carrier_id = a->second;
    reg.carrier_id_by_actor.erase(a);
    auto i = reg.by_carrier_id.find(carrier_id);
    if (i == reg.by_carrier_id.end()) return;
    auto& e = i->second;
    e.actor = nullptr;
    ++e.restarts;
    auto max = static_cast<uint32_t>(s.ctx->config->supervision.call_max_restarts);
    if (e.restarts > max + 2) {
      book_interrupted(self, e);
      return;
    }
    if (e.restarts > max) e.interrupting = true;
    ++reg.restarted;
    s.ctx->counters->calls_restarted++;
    launch(self, e, true);
  });
  self->set_exit_handler([=](caf::exit_msg& msg) {
    // The node is going down without draining (drain_calls is the graceful
    // way): the calls go down with it.
    for (auto& [carrier_id, e] : self->state.registry->by_carrier_id)
      if (e.actor) self->send_exit(e.actor, caf::exit_reason::kill);
    self->quit(msg.reason);
  });
  // Restarted supervisor: watch the calls the previous instance watched, and
  // tell them where their checkpoints and their end go now.
  for (auto& [carrier_id, e] : st.registry->by_carrier_id) {
    if (!e.actor) continue;
    self->monitor(e.actor);
    self->send(e.actor, peer_restarted{peer_handle{peer_kind::calls, {}, self}});
  }
  return {
    [=](const carrier_event& ev) {
      auto& s = self->state;
      if (ev.kind == carrier_event_kind::initiated) {
        on_initiated(self, ev);
        return;
      }
      auto i = s.registry->by_carrier_id.find(ev.carrier_call_id);
      if (i == s.registry->by_carrier_id.end() || !i->second.actor) {
        s.ctx->counters->events_ignored++; // unknown or finished call
        return;
      }
      auto& e = i->second;
      auto numbered = ev;
      numbered.sequence = ++e.events_forwarded;
      e.since_checkpoint.push_back(numbered);
      self->send(e.actor, std::move(numbered));
    },
    [=](call_checkpoint& cp) {
      auto& reg = *self->state.registry;
      auto i = reg.by_carrier_id.find(cp.snapshot.carrier_call_id);
      if (i == reg.by_carrier_id.end()) return;
      auto& e = i->second;
      e.snapshot = std::move(cp.snapshot);
      if (e.snapshot.state != e.counted_in) {
        auto& gauges = self->state.ctx->counters->live_by_state;
        gauges[static_cast<size_t>(e.counted_in)]--;
        e.counted_in = e.snapshot.state;
        gauges[static_cast<size_t>(e.counted_in)]++;
      }
      // Keep only what the checkpoint has not seen yet.
      auto seen = e.snapshot.last_event_sequence;
      std::erase_if(e.since_checkpoint, [seen](const carrier_event& ev) { return ev.sequence <= seen; });
    },
    [=](const call_finished& f) { forget(self, f.carrier_call_id); },
    [=](const call_handed_over& h) { forget(self, h.carrier_call_id, false); },
    [=](adopt_calls& msg) -> adoption_report { return adopt(self, msg.calls); },
    [=](const hand_over_calls&) -> caf::result<calls_status> {
      // A deploy: every call keeps its state durably and stops; the carrier
      // keeps the calls up, and the next process adopts them.
      auto& s = self->state;
      s.registry->handing_over = true;
      auto promise = self->make_response_promise<calls_status>();
      s.handed_over.push_back(promise);
      for (auto& [carrier_id, e] : s.registry->by_carrier_id)
        if (e.actor) self->send(e.actor, hand_over_call{});
      check_drained(self);
      return promise;
    },
    [=](const peer_restarted& msg) {
      auto& s = self->state;
      auto next = std::make_shared<peer_set>(*s.peers);
      bool calls_use_it = msg.peer.kind != peer_kind::calls && update_peer(*next, msg.peer);
      next->calls = self;
      if (!next->root) next->root = caf::actor_cast<caf::actor>(self->current_sender());
      s.peers = std::move(next);
      // Live calls keep no dead address: each learns the new instance now
      // (new calls are spawned with the updated set).
      if (calls_use_it)
        for (auto& [carrier_id, e] : s.registry->by_carrier_id)
          if (e.actor) self->send(e.actor, msg);
    },
    [=](const peer_lookup& q) -> peer_handle {
      // Lookup of a live call by position (fault injection picks its victims so).
      auto& reg = *self->state.registry;
      size_t index = 0;
      std::from_chars(q.key.data(), q.key.data() + q.key.size(), index);
      if (reg.by_carrier_id.empty()) return peer_handle{q.kind, q.key, nullptr};
      auto i = reg.by_carrier_id.begin();
      std::advance(i, static_cast<std::ptrdiff_t>(index % reg.by_carrier_id.size()));
      return peer_handle{q.kind, q.key, i->second.actor};
    },
    [=](const drain_calls&) -> caf::result<calls_status> {
      auto& s = self->state;
      s.registry->draining = true;
      auto promise = self->make_response_promise<calls_status>();
      s.drained.push_back(promise);
      for (auto& [carrier_id, e] : s.registry->by_carrier_id)
        if (e.actor) self->send(e.actor, end_call{});
      check_drained(self);
      return promise;
    },
    [=](const calls_status_request&) -> calls_status { return status_of(*self->state.registry); },
  };
}

} // namespace

caf::actor spawn_calls_supervisor(caf::local_actor* parent, std::shared_ptr<call_registry> registry,
                                  std::shared_ptr<const node_context> ctx) {
  return parent->spawn(calls_supervisor, std::move(registry), std::move(ctx));
}

} // namespace ringbid
