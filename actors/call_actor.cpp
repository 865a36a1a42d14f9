#include "actors/call_actor.hpp"

#include "actors/auction_rules.hpp"
#include "protocol/bidding.hpp"
#include "protocol/call_internal.hpp"
#include "protocol/directory.hpp"
#include "protocol/ledger.hpp"
#include "protocol/lead.hpp"
#include "protocol/node.hpp"

#include <caf/all.hpp>

#include <algorithm>
#include <chrono>

namespace ringbid {

namespace {

/// The auction round in flight: reservations held and answers collected.
struct open_round {
  uint32_t id = 0;
  timestamp_us opened_at = 0;
  bool reserving = true; ///< waiting for the ledger
  bool abandoned = false;
  std::vector<reservation_grant> grants;
  std::vector<collected_bid> bids;
  std::vector<std::string> pending; ///< buyers pinged that have not answered
  size_t denied = 0;
};

struct call_actor_state {
  call_snapshot call;
  std::shared_ptr<const node_context> ctx;
  std::shared_ptr<const peer_set> peers;
  std::shared_ptr<const call_settings> settings;
  const campaign_roster* roster = nullptr; ///< null until routed to a campaign
  caf::actor ledger;
  caf::actor recorder;
  caf::actor directory;
  std::unique_ptr<open_round> round;
  uuid7_generator ids{1};
  static inline const char* name = "call";
};

using call_self = caf::stateful_actor<call_actor_state>*;

constexpr int max_peer_attempts = 8;

timestamp_us now_of(call_self self) {
  return self->state.ctx->clock->now();
}

caf::timespan peer_timeout(call_self self) {
  return std::chrono::milliseconds{self->state.ctx->config->timing.peer_timeout_ms};
}

caf::actor& cached_peer(call_self self, peer_kind kind) {
  auto& st = self->state;
  switch (kind) {
    case peer_kind::ledger: return st.ledger;
    case peer_kind::recorder: return st.recorder;
    default: return st.directory;
  }
}

/// Asks a supervised peer; when the request fails (the peer crashed and was
/// restarted under a new address), looks up the live instance and asks again.
/// `give_up` runs after max_peer_attempts failures.
template <class Message, class OnReply, class GiveUp>
void ask_peer(call_self self, peer_kind kind, Message msg, OnReply on_reply, GiveUp give_up,
              int attempt = 0) {
  auto& handle = cached_peer(self, kind);
  auto retry = [=](caf::error) {
    if (attempt + 1 >= max_peer_attempts) {
      give_up();
      return;
    }
    auto backoff = std::chrono::milliseconds{5 << std::min(attempt, 6)};
    self->request(self->state.peers->root, peer_timeout(self) + backoff, peer_lookup{kind, {}})
      .then(
        [=](const peer_handle& fresh) {
          if (fresh.handle) cached_peer(self, kind) = fresh.handle;
          ask_peer(self, kind, msg, on_reply, give_up, attempt + 1);
        },
        [=](caf::error&) { ask_peer(self, kind, msg, on_reply, give_up, attempt + 1); });
  };
  if (!handle) {
    retry(caf::make_error(caf::sec::invalid_argument));
    return;
  }
  self->request(handle, peer_timeout(self), msg).then(on_reply, retry);
}

void apply(call_self self, call_effects fx);

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

void ledger_commit(call_self self, const commit_request& req) {
  ask_peer(self, peer_kind::ledger, req, [](const ledger_ack&) {}, [] {});
}

void release_round(call_self self, open_round& round) {
  for (auto& g : round.grants) ledger_end(self, g.token, false);
  round.grants.clear();
}

/// Hands the ranked offers to the machine. Offers of budgeted buyers first
/// hold their bid against the budgets; those that do not fit lose here.
void deliver_offers(call_self self, round_closed closed, std::vector<int64_t> headroom) {
  hold_request holds;
  holds.call = self->state.call.id;
  size_t over_budget = 0;
  for (size_t i = 0; i < closed.offers.size(); ++i) {
    auto& o = closed.offers[i];
    if (headroom[i] < 0) continue;
    if (o.amount_micros > headroom[i]) {
      ledger_end(self, o.token, false);
      o.token = 0;
      ++over_budget;
      continue;
    }
    holds.holds.push_back(amount_hold{o.token, o.amount_micros});
  }
  if (over_budget > 0) closed.summary += ", " + std::to_string(over_budget) + " over budget";
  std::erase_if(closed.offers, [](const offer& o) { return o.token == 0; });
  if (holds.holds.empty()) {
    feed(self, closed);
    return;
  }
  auto held_or_free = [=](const std::vector<uint64_t>& held) {
    auto result = closed;
    size_t refused = 0;
    std::erase_if(result.offers, [&](const offer& o) {
      bool needed_hold = std::any_of(holds.holds.begin(), holds.holds.end(),
                                     [&](const amount_hold& h) { return h.token == o.token; });
      if (!needed_hold || std::find(held.begin(), held.end(), o.token) != held.end()) return false;
      ledger_end(self, o.token, false);
      ++refused;
      return true;
    });
    if (refused > 0) result.summary += ", " + std::to_string(refused) + " refused by a budget";
    feed(self, result);
  };
  ask_peer(
    self, peer_kind::ledger, holds, [=](const hold_reply& reply) { held_or_free(reply.held); },
    [=] { held_or_free({}); });
}

void close_round(call_self self) {
  auto& st = self->state;
  if (!st.round || st.round->reserving) return;
  auto round = std::move(st.round);
  auto now = now_of(self);
  // Buyers that never answered lose their reservation now.
  for (const auto& buyer : round->pending) {
    auto g = std::find_if(round->grants.begin(), round->grants.end(),
                          [&](const reservation_grant& x) { return x.buyer_id == buyer; });
    if (g != round->grants.end()) ledger_end(self, g->token, false);
  }
  auto pinged = round->grants.size();
  auto answered = round->bids.size();
  auto floor = st.roster ? st.roster->campaign->floor_micros : 0;
  auto ranked = rank_bids(std::move(round->bids), floor, now);
  for (auto& r : ranked.rejected) ledger_end(self, r.token, false);
  round_closed closed;
  closed.round = round->id;
  closed.latency_us = now - round->opened_at;
  closed.summary = std::to_string(pinged) + " pinged, " + std::to_string(answered) + " answered, " +
                   std::to_string(ranked.offers.size()) + " valid, " + std::to_string(round->denied) +
                   " capped";
  std::vector<int64_t> headroom;
  for (auto& o : ranked.offers) {
    const auto* buyer = st.roster ? st.roster->find(o.buyer_id) : nullptr;
    o.conversion_buffer_s = buyer ? buyer->conversion_buffer_s : 0;
    auto g = std::find_if(round->grants.begin(), round->grants.end(),
                          [&](const reservation_grant& x) { return x.token == o.token; });
    headroom.push_back(g != round->grants.end() ? g->budget_headroom_micros : -1);
  }
  closed.offers = std::move(ranked.offers);
  deliver_offers(self, std::move(closed), std::move(headroom));
}

void start_round(call_self self) {
  auto& st = self->state;
  if (st.round) { // a stale round is still open: give its reservations back
    st.round->abandoned = true;
    release_round(self, *st.round);
  }
  st.round = std::make_unique<open_round>();
  st.ctx->counters->auctions++;
  auto* round = st.round.get();
  round->id = st.call.round;
  round->opened_at = now_of(self);
  reserve_request req;
  req.call = st.call.id;
  req.campaign_id = st.call.campaign_id;
  req.source_id = st.call.source_id;
  if (st.roster) {
    for (const auto* buyer : st.roster->buyers)
      if (st.peers->bidders.count(buyer->id)) req.buyer_ids.push_back(buyer->id);
  }
  auto round_id = round->id;
  auto on_reserved = [=](reserve_reply& reply) {
    auto& s = self->state;
    if (!s.round || s.round->id != round_id || s.round->abandoned) {
      for (auto& g : reply.granted) ledger_end(self, g.token, false);
      return;
    }
    auto& r = *s.round;
    r.reserving = false;
    r.denied = reply.denied.size();
    r.grants = std::move(reply.granted);
    if (r.grants.empty()) {
      close_round(self);
      return;
    }
    const auto* camp = s.roster ? s.roster->campaign : nullptr;
    auto deadline = std::chrono::milliseconds{camp ? camp->auction_deadline_ms : 500};
    auto allowance = std::chrono::milliseconds{s.ctx->config->timing.network_allowance_ms};
    for (const auto& g : r.grants) {
      ping_request ping;
      ping.ping_id = s.ids.next(now_of(self) / us_per_ms);
      ping.call = s.call.id;
      ping.round = r.id;
      ping.buyer_id = g.buyer_id;
      ping.campaign_id = s.call.campaign_id;
      ping.vertical = camp ? camp->vertical : std::string{};
      if (s.call.caller.size() >= 5 && s.call.caller.rfind("+1", 0) == 0)
        ping.area_code = s.call.caller.substr(2, 3);
      ping.time_left = deadline > allowance ? deadline - allowance : caf::timespan{0};
      r.pending.push_back(g.buyer_id);
      self->send(s.peers->bidders.at(g.buyer_id), std::move(ping));
    }
    s.ctx->counters->pings_sent += r.grants.size();
    self->delayed_send(self, deadline, round_deadline{r.id});
    feed(self, round_pinged{r.id});
  };
  auto no_ledger = [=] {
    auto& s = self->state;
    if (!s.round || s.round->id != round_id) return;
    s.round->reserving = false;
    close_round(self); // no capacity known: the round closes empty
  };
  ask_peer(self, peer_kind::ledger, std::move(req), on_reserved, no_ledger);
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
  auto lead = make_lead(st.call, *st.settings);
  auto done = [=](const lead_accepted&) {
    auto& s = self->state;
    s.ctx->counters->leads_accepted++;
    self->send(s.peers->calls, call_finished{s.call.id, s.call.carrier_call_id, s.call.outcome});
    self->quit();
  };
  // A lead is never dropped: when the recorder stays unreachable the actor
  // quits abnormally and the supervisor restarts it from its checkpoint (state
  // done), which books the lead again.
  auto unreachable = [=] { self->quit(caf::sec::request_receiver_down); };
  ask_peer(self, peer_kind::recorder, record_lead{std::move(lead)}, done, unreachable);
}

void apply(call_self self, call_effects fx) {
  auto& st = self->state;
  for (auto& cmd : fx.commands) {
    cmd.call = st.call.id;
    cmd.carrier_call_id = st.call.carrier_call_id;
    cmd.command_id = st.ids.next(now_of(self) / us_per_ms);
    self->send(st.peers->carrier, std::move(cmd));
  }
  for (const auto& t : fx.timers) self->delayed_send(self, t.delay, call_timer{t.kind, t.generation});
  for (auto token : fx.commits) ledger_end(self, token, true);
  for (const auto& req : fx.stage_commits) ledger_commit(self, req);
  for (auto token : fx.releases) ledger_end(self, token, false);
  if (fx.abandon_round && st.round) {
    st.round->abandoned = true;
    release_round(self, *st.round);
    st.round.reset();
  }
  if (fx.adopt != adopt_kind::none) adopt_reservation(self, fx.adopt);
  if (fx.start_round) start_round(self);
  if (fx.state_changed || fx.finished) self->send(st.peers->calls, call_checkpoint{st.call});
  if (fx.finished) book_lead(self);
}

void route(call_self self) {
  auto& st = self->state;
  ask_peer(
    self, peer_kind::directory, did_lookup{st.call.did},
    [=](const did_route& r) {
      auto& s = self->state;
      if (r.found) {
        s.call.campaign_id = r.campaign_id;
        s.call.source_id = r.source_id;
        s.settings = s.ctx->settings_for(r.campaign_id, r.source_id);
        s.roster = s.ctx->roster_for(r.campaign_id);
      }
      feed(self, call_routed{r.found});
    },
    [=] { feed(self, call_routed{false}); });
}

caf::behavior call_actor(call_self self, call_actor_args args) {
  auto& st = self->state;
  st.ctx = std::move(args.ctx);
  st.peers = std::move(args.peers);
  st.call = std::move(args.snapshot);
  st.ledger = st.peers->ledger;
  st.recorder = st.peers->recorder;
  st.directory = st.peers->directory;
  st.ids = uuid7_generator{st.call.id.lo ^ st.ctx->seed};
  st.settings = st.call.campaign_id.empty()
                  ? st.ctx->unassigned_settings
                  : st.ctx->settings_for(st.call.campaign_id, st.call.source_id);
  st.roster = st.ctx->roster_for(st.call.campaign_id);
  if (args.resumed) feed(self, call_resumed{});
  else route(self);
  return {
    [=](const carrier_event& ev) {
      auto& s = self->state;
      if (ev.sequence != 0 && ev.sequence <= s.call.last_event_sequence) return; // replayed, seen already
      if (ev.sequence != 0) s.call.last_event_sequence = ev.sequence;
      feed(self, ev);
    },
    [=](const call_timer& t) { feed(self, timer_fired{t.kind, t.generation}); },
    [=](const bid_response& bid) {
      auto& s = self->state;
      if (!s.round || s.round->reserving || bid.round != s.round->id) return; // late or stale
      auto& r = *s.round;
      auto p = std::find(r.pending.begin(), r.pending.end(), bid.buyer_id);
      if (p == r.pending.end()) return; // duplicate answer
      r.pending.erase(p);
      s.ctx->counters->bids_received++;
      auto g = std::find_if(r.grants.begin(), r.grants.end(),
                            [&](const reservation_grant& x) { return x.buyer_id == bid.buyer_id; });
      collected_bid c;
      c.response = bid;
      c.token = g != r.grants.end() ? g->token : 0;
      c.received_at = now_of(self);
      if (const auto* buyer = s.roster ? s.roster->find(bid.buyer_id) : nullptr) {
        c.buyer_min_bid_micros = buyer->min_bid_micros;
        c.buyer_destination = buyer->destination;
      }
      r.bids.push_back(std::move(c));
      if (r.pending.empty()) close_round(self);
    },
    [=](const round_deadline& d) {
      auto& s = self->state;
      if (s.round && s.round->id == d.round) close_round(self);
    },
    [=](end_call) { feed(self, shutdown_requested{}); },
  };
}

} // namespace

caf::actor spawn_call_actor(caf::local_actor* parent, call_actor_args args) {
  return parent->spawn<caf::monitored>(call_actor, std::move(args));
}

} // namespace ringbid
