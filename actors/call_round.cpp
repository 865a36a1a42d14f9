// The call actor's side of an auction round: it opens the round machine
// (actors/core/round_machine), feeds it the ledger's and the bidders' answers
// and its deadline, and carries out what it asks for. No decision is taken here.

#include "actors/call_actor_state.hpp"
#include "protocol/ledger.hpp"

namespace ringbid {

namespace {

using round_ptr = std::shared_ptr<round_machine>;

void carry(call_self self, const round_ptr& round, round_effects fx);

void reserve(call_self self, const round_ptr& round, reserve_request req) {
  ask_peer(
    self, peer_kind::ledger, std::move(req),
    [=](reserve_reply& reply) { carry(self, round, round->reserved(reply, now_of(self))); },
    [=] { carry(self, round, round->reserve_failed(now_of(self))); });
}

void hold(call_self self, const round_ptr& round, hold_request req) {
  ask_peer(
    self, peer_kind::ledger, std::move(req),
    [=](const hold_reply& reply) { carry(self, round, round->held(reply.held, now_of(self))); },
    [=] { carry(self, round, round->hold_failed(now_of(self))); });
}

/// Stamps what the node adds to every ping: its id, the caller's hash keyed
/// for the buyer, the buyer's conversion rate on the campaign.
void stamp(call_self self, ping_request& ping) {
  auto& st = self->state;
  ping.ping_id = st.ids.next(now_of(self) / us_per_ms);
  if (st.ctx->hasher && !st.call.caller.empty()) ping.caller_hash = st.ctx->hasher->hash(st.call.caller, ping.buyer_id);
  ping.conversion_rate = st.ctx->conversions->rate(st.call.campaign_id, ping.buyer_id);
}

void carry(call_self self, const round_ptr& round, round_effects fx) {
  auto& st = self->state;
  if (fx.answer_taken) st.ctx->counters->bids_received++;
  if (fx.deadline.count() > 0) self->delayed_send(self, fx.deadline, round_deadline{round->id()});
  if (fx.reserve) reserve(self, round, std::move(*fx.reserve));
  for (auto& ping : fx.pings) {
    stamp(self, ping);
    send_ping(self, round, std::move(ping));
  }
  st.ctx->counters->pings_sent += fx.pings.size();
  if (fx.hold) hold(self, round, std::move(*fx.hold));
  for (auto token : fx.releases) ledger_end(self, token, false);
  if (fx.pinged) feed(self, *fx.pinged);
  if (fx.closed) feed(self, *fx.closed);
  if (fx.late) feed(self, *fx.late);
}

} // namespace

void start_round(call_self self) {
  auto& st = self->state;
  abandon_round(self); // a stale round still open gives its reservations back
  static const campaign_roster no_roster;
  const auto& roster = st.roster ? *st.roster : no_roster;
  const auto* campaign = roster.campaign;
  uint64_t rotation = 0;
  if (campaign && campaign->strategy == routing_strategy::round_robin) rotation = st.ctx->turns->take(campaign->id);
  auto settings = round_settings_for(campaign, st.config->config().timing, static_cast<uint32_t>(roster.buyers.size()),
                                     rotation, st.call.id, st.call.round, st.ctx->seed);
  st.previous_round = std::move(st.round);
  st.round = std::make_shared<round_machine>(st.call, st.call.round, now_of(self), roster, std::move(settings));
  st.ctx->counters->auctions++;
  auto peers = st.peers; // the bidders as they are now
  auto has_bidder = [&](const std::string& buyer_id) { return peers->bidders.count(buyer_id) > 0; };
  auto round = st.round;
  carry(self, round, round->open(now_of(self), st.ctx->breakers.get(), has_bidder));
}

void abandon_round(call_self self) {
  if (auto round = self->state.round) carry(self, round, round->abandon());
}

void on_bid(call_self self, const bid_response& bid) {
  auto& st = self->state;
  for (const auto& round : {st.round, st.previous_round})
    if (round && round->id() == bid.round) {
      carry(self, round, round->answer(bid, now_of(self)));
      return;
    }
}

void on_round_deadline(call_self self, const round_deadline& d) {
  auto round = self->state.round;
  if (round && round->id() == d.round) carry(self, round, round->deadline(now_of(self)));
}

} // namespace ringbid
