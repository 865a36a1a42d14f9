#include "actors/call_actor.hpp"

#include "actors/call_actor_state.hpp"
#include "actors/call_messages.hpp"
#include "actors/core/analytics_core.hpp"
#include "protocol/directory.hpp"
#include "protocol/lead.hpp"
#include "protocol/ledger.hpp"

#include <caf/all.hpp>

#include <algorithm>

namespace ringbid {

namespace {

void apply(call_self self, call_effects fx);

} // namespace

void feed(call_self self, const call_input& input) {
  auto& st = self->state;
  apply(self, step(st.call, input, now_of(self), *st.settings));
}

void ledger_end(call_self self, uint64_t token, bool commit) {
  auto ignore = [](const ledger_ack&) {};
  auto lost = [] {}; // the ledger also releases everything when this actor dies
  if (commit) {
    auto amount = self->state.call.current.amount_micros;
    ask_peer(self, peer_kind::ledger, commit_request{token, count_stage::bridged, amount}, ignore, lost);
  } else {
    ask_peer(self, peer_kind::ledger, release_request{token}, ignore, lost);
  }
}

namespace {

void ledger_commit(call_self self, const commit_request& req) {
  ask_peer(
    self, peer_kind::ledger, req, [](const ledger_ack&) {}, [] {});
}

void adopt_reservation(call_self self, adopt_kind mode) {
  auto& st = self->state;
  reserve_request req;
  req.call = st.call.id;
  req.campaign_id = st.call.campaign_id;
  req.source_id = st.call.source_id;
  req.buyer_ids.push_back(st.call.current.buyer_id);
  req.mode = reserve_mode::adopt;
  // What the dead actor had counted: the transfer started (routed), or the
  // call was bridged (and converted at once when the buyer has no buffer).
  req.counted = count_stage::routed;
  if (mode == adopt_kind::committed)
    req.counted = st.call.current.conversion_buffer_s <= 0 ? count_stage::converted : count_stage::bridged;
  ask_peer(
    self, peer_kind::ledger, std::move(req),
    [=](reserve_reply& reply) {
      if (!reply.granted.empty())
        feed(self, reservation_adopted{reply.granted.front().buyer_id, reply.granted.front().token, mode});
    },
    [] {});
}

void book_lead(call_self self) {
  auto& st = self->state;
  auto lead = st.ctx->book(st.call, *st.settings);
  bool bridged = lead.outcome == disposition::bridged && !lead.buyer_id.empty();
  bool converted = lead.converted;
  auto campaign_id = lead.campaign_id;
  auto buyer_id = lead.buyer_id;
  auto counted = st.peers->analytics ? booked_from(lead) : booked_call{}; // only when someone counts
  auto done = [=](const lead_accepted&) {
    auto& s = self->state;
    s.ctx->counters->leads_accepted++;
    if (s.peers->analytics) self->send(s.peers->analytics, call_booked{counted});
    // Once per call: a restarted actor books again only if this never ran.
    if (bridged) s.ctx->conversions->record(campaign_id, buyer_id, converted);
    self->send(s.peers->calls, call_finished{s.call.id, s.call.carrier_call_id, s.call.outcome});
    self->quit();
  };
  // A lead is never dropped: when the recorder stays unreachable the actor
  // quits abnormally and the supervisor restarts it from its checkpoint (state
  // done), which books the lead again.
  auto unreachable = [=] { self->quit(caf::sec::request_receiver_down); };
  // Anything the call still holds at the ledger (a reservation taken by a
  // process that died, or by a round lost with it) is given back now, after
  // every commit it sent before (the ledger takes one sender's messages in order).
  if (st.peers->ledger) self->send(st.peers->ledger, release_call{st.call.id});
  ask_peer(self, peer_kind::recorder, record_lead{std::move(lead)}, done, unreachable);
}

/// Tells analytics where the call stands (the live board). Fire-and-forget.
void announce(call_self self) {
  auto& st = self->state;
  if (!st.peers->analytics) return;
  call_card card;
  card.id = st.call.id;
  card.campaign_id = st.call.campaign_id;
  card.source_id = st.call.source_id;
  card.state = st.call.state;
  card.started_at = st.call.started_at;
  card.since = now_of(self);
  if (st.call.transferring || st.call.state == call_state::bridged || st.call.state == call_state::ending) {
    card.buyer_id = st.call.current.buyer_id;
    card.bid_micros = st.call.current.bid_micros;
  }
  card.outcome = st.call.outcome;
  self->send(st.peers->analytics, call_progress{std::move(card)});
}

/// Tells the recorder what this call would be booked as if the node died now.
/// The same recorder gets the lead later, so the two arrive in order.
void track(call_self self) {
  auto& st = self->state;
  if (st.peers->recorder)
    self->send(st.peers->recorder, checkpoint_call{st.call, st.ctx->provisional_lead(st.call, *st.settings)});
}

void apply(call_self self, call_effects fx) {
  auto& st = self->state;
  for (auto& cmd : fx.commands) {
    cmd.call = st.call.id;
    cmd.carrier_call_id = st.call.carrier_call_id;
    cmd.command_id = derive_command_id(st.call.id, st.call.commands_sent++, cmd);
    send_command(self, std::move(cmd));
  }
  for (const auto& t : fx.timers) self->delayed_send(self, t.delay, call_timer{t.kind, t.generation});
  for (auto token : fx.commits) ledger_end(self, token, true);
  for (const auto& req : fx.stage_commits) ledger_commit(self, req);
  for (auto token : fx.releases) ledger_end(self, token, false);
  if (fx.abandon_round) abandon_round(self);
  if (fx.adopt != adopt_kind::none) adopt_reservation(self, fx.adopt);
  if (fx.start_round) start_round(self);
  if (fx.state_changed || fx.finished) self->send(st.peers->calls, call_checkpoint{st.call});
  // Kept durably at each change of state, and whenever the call told the
  // carrier something, so a process that adopts it repeats little.
  if ((fx.state_changed || !fx.commands.empty()) && !fx.finished) track(self);
  if (fx.state_changed && !fx.finished) announce(self);
  if (fx.finished) book_lead(self);
}

/// The call routes to `r`: its campaign, source, settings and tags.
void take_route(call_self self, const did_route& r) {
  auto& s = self->state;
  if (r.found) {
    s.call.campaign_id = r.campaign_id;
    s.call.source_id = r.source_id;
    s.settings = s.config->settings_for(r.campaign_id, r.source_id);
    s.roster = s.settings->roster;
    s.call.tags = r.tags;
    if (const auto* source = s.settings->source)
      for (const auto& tag : source->tags)
        if (std::find(s.call.tags.begin(), s.call.tags.end(), tag) == s.call.tags.end()) s.call.tags.push_back(tag);
  }
  if (r.found) announce(self);
  feed(self, call_routed{r.found});
}

void route(call_self self) {
  auto& st = self->state;
  st.call.config_revision = st.config->revision_number();
  auto& routed = st.ctx->counters->routed_revision;
  for (auto seen = routed.load(std::memory_order_relaxed); seen < st.call.config_revision;)
    if (routed.compare_exchange_weak(seen, st.call.config_revision, std::memory_order_relaxed)) break;
  // The number as the call's own generation lists it: a call routes under the
  // revision in force when it started, whatever the directory learns since.
  if (auto r = st.config->route(st.call.did, st.call.caller)) {
    take_route(self, *r);
    return;
  }
  ask_peer(
    self, peer_kind::directory, did_lookup{st.call.did}, [=](const did_route& r) { take_route(self, r); },
    [=] { feed(self, call_routed{false}); });
}

caf::behavior call_actor(call_self self, call_actor_args args) {
  auto& st = self->state;
  st.ctx = std::move(args.ctx);
  st.peers = std::move(args.peers);
  st.call = std::move(args.snapshot);
  st.ids = uuid7_generator{st.call.id.lo ^ st.ctx->seed};
  st.config = args.config ? std::move(args.config) : st.ctx->current();
  st.settings = st.call.campaign_id.empty() ? st.config->unassigned()
                                            : st.config->settings_for(st.call.campaign_id, st.call.source_id);
  st.roster = st.settings->roster;
  if (args.resumed) {
    announce(self);
    feed(self, call_resumed{});
  } else {
    track(self);
    announce(self);
    route(self);
  }
  return {
    [=](const carrier_event& ev) {
      auto& s = self->state;
      if (ev.sequence != 0 && ev.sequence <= s.call.last_event_sequence) return; // replayed, seen already
      if (ev.journal_seq != 0) {
        auto& applied = s.call.applied_events;
        if (std::find(applied.begin(), applied.end(), ev.journal_seq) != applied.end()) return; // adopted: seen
        applied.push_back(ev.journal_seq);
      }
      if (ev.sequence != 0) s.call.last_event_sequence = ev.sequence;
      feed(self, ev);
    },
    [=](const call_timer& t) {
      feed(self, timer_fired{t.kind, t.generation});
    },
    [=](const bid_response& bid) { on_bid(self, bid); },
    [=](const round_deadline& d) { on_round_deadline(self, d); },
    [=](const peer_restarted& msg) { learn_peer(self, msg.peer); },
    [=](end_call) { feed(self, shutdown_requested{}); },
    [=](hand_over_call) {
      // The recorder gets this before any later message of ours: the state
      // the next process adopts is the one the call stops in.
      track(self);
      self->send(self->state.peers->calls, call_handed_over{self->state.call.carrier_call_id});
      self->quit();
    },
  };
}

} // namespace

caf::actor spawn_call_actor(caf::local_actor* parent, call_actor_args args) {
  return parent->spawn<caf::monitored>(call_actor, std::move(args));
}

} // namespace ringbid
