#include "actors/call_actor.hpp"

#include "actors/core/analytics_core.hpp"
#include "actors/core/area_codes.hpp"
#include "actors/core/auction_round.hpp"
#include "protocol/bidding.hpp"
#include "protocol/call_internal.hpp"
#include "protocol/directory.hpp"
#include "protocol/ledger.hpp"
#include "protocol/lead.hpp"
#include "protocol/money.hpp"
#include "protocol/node.hpp"

#include <caf/all.hpp>

#include <algorithm>
#include <chrono>

namespace ringbid {

namespace {

/// The auction round in flight: the round's book, and where the call is with it.
struct open_round {
  open_round(uint32_t id, timestamp_us now, const campaign_roster& roster, call_facts known)
    : book(id, now, roster), facts(std::move(known)) {}
  auction_round book;
  call_facts facts; ///< what the round's eligibility tested and its pings carry
  bool reserving = true; ///< waiting for the ledger
  bool abandoned = false;
};

/// A closed round, kept to explain answers that come after its deadline.
struct closed_round {
  uint32_t id = 0;
  timestamp_us opened_at = 0;
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
  closed_round last_closed;
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
  for (auto token : round.book.tokens()) ledger_end(self, token, false);
}

/// Hands the ranked offers to the machine, with the round's explanation.
/// Offers of budgeted buyers first hold their price against the budgets;
/// those that do not fit lose here.
void deliver_offers(call_self self, std::shared_ptr<open_round> round, auction_round::outcome result) {
  hold_request holds;
  holds.call = self->state.call.id;
  std::vector<std::string> refused;
  for (size_t i = 0; i < result.offers.size(); ++i) {
    auto& o = result.offers[i];
    auto headroom = result.headroom[i];
    if (headroom < 0) continue;
    if (o.amount_micros > headroom) {
      round->book.refuse(o.buyer_id, "over budget: " + format_money(o.amount_micros) + " > " +
                                       format_money(headroom) + " left");
      ledger_end(self, o.token, false);
      o.token = 0;
      continue;
    }
    holds.holds.push_back(amount_hold{o.token, o.amount_micros});
  }
  std::erase_if(result.offers, [](const offer& o) { return o.token == 0; });
  auto finish = [=](std::vector<offer> offers, std::string summary) {
    round_closed closed;
    closed.round = round->book.id();
    closed.latency_us = now_of(self) - round->book.opened_at();
    closed.summary = std::move(summary);
    closed.record = round->book.record(offers);
    closed.offers = std::move(offers);
    feed(self, closed);
  };
  if (holds.holds.empty()) {
    finish(std::move(result.offers), std::move(result.summary));
    return;
  }
  auto held_or_free = [=](const std::vector<uint64_t>& held) {
    auto offers = result.offers;
    size_t lost = 0;
    std::erase_if(offers, [&](const offer& o) {
      bool needed_hold = std::any_of(holds.holds.begin(), holds.holds.end(),
                                     [&](const amount_hold& h) { return h.token == o.token; });
      if (!needed_hold || std::find(held.begin(), held.end(), o.token) != held.end()) return false;
      round->book.refuse(o.buyer_id, "refused by a revenue budget");
      ledger_end(self, o.token, false);
      ++lost;
      return true;
    });
    auto summary = result.summary;
    if (lost > 0) summary += ", " + std::to_string(lost) + " refused by a budget";
    finish(std::move(offers), std::move(summary));
  };
  ask_peer(
    self, peer_kind::ledger, holds, [=](const hold_reply& reply) { held_or_free(reply.held); },
    [=] { held_or_free({}); });
}

routing_rules rules_for(call_self self, const campaign_config& campaign, uint32_t round) {
  auto& st = self->state;
  routing_rules rules;
  rules.strategy = campaign.strategy;
  rules.clearing = campaign.clearing;
  rules.floor_micros = campaign.floor_micros;
  rules.increment_micros = campaign.price_increment_micros;
  rules.roster_size = st.roster ? static_cast<uint32_t>(st.roster->buyers.size()) : 0;
  if (campaign.strategy == routing_strategy::round_robin) rules.rotation = st.ctx->turns->take(campaign.id);
  // One draw per call and round, reproducible from the node's seed.
  rules.random_seed = st.call.id.hi ^ (st.call.id.lo * 31) ^ st.ctx->seed ^ (uint64_t{round} << 48);
  return rules;
}

void close_round(call_self self) {
  auto& st = self->state;
  if (!st.round || st.round->reserving) return;
  std::shared_ptr<open_round> round{std::move(st.round)};
  st.last_closed = closed_round{round->book.id(), round->book.opened_at()};
  const auto* campaign = st.roster ? st.roster->campaign : nullptr;
  auto rules = campaign ? rules_for(self, *campaign, round->book.id()) : routing_rules{};
  auto result = round->book.close(rules, now_of(self));
  for (auto token : result.releases) ledger_end(self, token, false);
  deliver_offers(self, std::move(round), std::move(result));
}

/// What the buyers may know of the call, and what their rules test.
call_facts facts_of(call_self self) {
  auto& st = self->state;
  call_facts facts;
  if (st.roster && st.roster->campaign) facts.vertical = st.roster->campaign->vertical;
  facts.area_code = area_code_of(st.call.caller);
  facts.caller_state = std::string(region_of_area_code(facts.area_code));
  facts.ivr = st.call.ivr;
  for (const auto& a : st.call.ivr)
    if (a.key == "zip") facts.zip = a.value;
  facts.tags = st.call.tags;
  return facts;
}

caf::timespan round_deadline_of(call_self self) {
  const auto* camp = self->state.roster ? self->state.roster->campaign : nullptr;
  return std::chrono::milliseconds{camp ? camp->auction_deadline_ms : 500};
}

/// `time_left`: until the round's deadline, less the network allowance.
void send_pings(call_self self, open_round& round, const std::vector<round_ping>& pings, caf::timespan time_left) {
  auto& st = self->state;
  const auto& facts = round.facts;
  auto now = now_of(self);
  for (const auto& p : pings) {
    ping_request ping;
    ping.ping_id = st.ids.next(now / us_per_ms);
    ping.call = st.call.id;
    ping.round = round.book.id();
    ping.buyer_id = p.buyer_id;
    ping.campaign_id = st.call.campaign_id;
    ping.vertical = facts.vertical;
    ping.caller_state = facts.caller_state;
    ping.area_code = facts.area_code;
    ping.zip = facts.zip;
    ping.tags = facts.tags;
    ping.ivr = facts.ivr;
    if (st.ctx->hasher && !st.call.caller.empty()) ping.caller_hash = st.ctx->hasher->hash(st.call.caller, p.buyer_id);
    ping.conversion_rate = st.ctx->conversions->rate(st.call.campaign_id, p.buyer_id);
    ping.time_left = time_left;
    round.book.pinged(p.buyer_id, now);
    self->send(st.peers->bidders.at(p.buyer_id), std::move(ping));
  }
  st.ctx->counters->pings_sent += pings.size();
}

void start_round(call_self self) {
  auto& st = self->state;
  if (st.round) { // a stale round is still open: give its reservations back
    st.round->abandoned = true;
    release_round(self, *st.round);
  }
  static const campaign_roster no_roster;
  st.round = std::make_unique<open_round>(st.call.round, now_of(self), st.roster ? *st.roster : no_roster,
                                          facts_of(self));
  st.ctx->counters->auctions++;
  auto* round = st.round.get();
  reserve_request req;
  req.call = st.call.id;
  req.campaign_id = st.call.campaign_id;
  req.source_id = st.call.source_id;
  auto has_bidder = [&](const std::string& buyer_id) { return st.peers->bidders.count(buyer_id) > 0; };
  req.buyer_ids = round->book.select(round->facts, now_of(self), st.ctx->breakers.get(), has_bidder);
  auto round_id = round->book.id();
  auto on_reserved = [=](reserve_reply& reply) {
    auto& s = self->state;
    if (!s.round || s.round->book.id() != round_id || s.round->abandoned) {
      for (auto& g : reply.granted) ledger_end(self, g.token, false);
      return;
    }
    auto& r = *s.round;
    r.reserving = false;
    auto now = now_of(self);
    auto pings = r.book.reserved(reply, now);
    // The deadline runs from the round's start, so a slow ledger shortens
    // the buyers' time rather than the caller's patience.
    auto elapsed = std::chrono::microseconds{now - r.book.opened_at()};
    auto left = round_deadline_of(self) - elapsed;
    auto allowance = std::chrono::milliseconds{s.ctx->config->timing.network_allowance_ms};
    if (pings.empty() || left <= allowance) {
      close_round(self); // nobody to wait for (capped, skipped, fixed payouts only) or no time left
      return;
    }
    send_pings(self, r, pings, left - allowance);
    feed(self, round_pinged{round_id});
  };
  auto no_ledger = [=] {
    auto& s = self->state;
    if (!s.round || s.round->book.id() != round_id) return;
    s.round->reserving = false;
    close_round(self); // no capacity known: the round closes empty
  };
  if (req.buyer_ids.empty()) { // nobody eligible: no need to ask the ledger
    round->reserving = false;
    close_round(self);
    return;
  }
  self->delayed_send(self, round_deadline_of(self), round_deadline{round_id});
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
  if (st.recorder)
    self->send(st.recorder, track_call{st.ctx->provisional_lead(st.call, *st.settings), st.call.state});
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
  if (fx.state_changed && !fx.finished) {
    track(self);
    announce(self);
  }
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
        s.call.tags = r.tags;
        if (const auto* source = s.settings->source)
          for (const auto& tag : source->tags)
            if (std::find(s.call.tags.begin(), s.call.tags.end(), tag) == s.call.tags.end()) s.call.tags.push_back(tag);
      }
      if (r.found) announce(self);
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
      if (ev.sequence != 0) s.call.last_event_sequence = ev.sequence;
      feed(self, ev);
    },
    [=](const call_timer& t) { feed(self, timer_fired{t.kind, t.generation}); },
    [=](const bid_response& bid) {
      auto& s = self->state;
      if (s.round && !s.round->reserving && bid.round == s.round->book.id()) {
        if (!s.round->book.answer(bid, now_of(self))) return; // a duplicate, or not pinged
        s.ctx->counters->bids_received++;
        if (!s.round->book.waiting()) close_round(self);
        return;
      }
      // After its round closed: the answer was late. It can no longer win;
      // the round's explanation says when it came.
      if (bid.round == s.last_closed.id && s.last_closed.opened_at != 0)
        feed(self, late_answer{bid.round, bid.buyer_id, now_of(self) - s.last_closed.opened_at,
                               bid.kind == bid_kind::bid ? bid.amount_micros : 0});
    },
    [=](const round_deadline& d) {
      auto& s = self->state;
      if (s.round && s.round->book.id() == d.round) close_round(self);
    },
    [=](end_call) { feed(self, shutdown_requested{}); },
    [=](const peer_restarted& msg) {
      // The carrier restarted (the calls supervisor passes it on): commands go
      // to the live instance.
      if (msg.peer.kind != peer_kind::carrier || !msg.peer.handle) return;
      auto next = std::make_shared<peer_set>(*self->state.peers);
      next->carrier = msg.peer.handle;
      self->state.peers = std::move(next);
    },
  };
}

} // namespace

caf::actor spawn_call_actor(caf::local_actor* parent, call_actor_args args) {
  return parent->spawn<caf::monitored>(call_actor, std::move(args));
}

} // namespace ringbid
