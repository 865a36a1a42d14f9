#include "actors/core/auction_round.hpp"

#include "actors/core/campaign_roster.hpp"
#include "protocol/money.hpp"

#include <algorithm>

namespace ringbid {

namespace {

/// Fixed-payout offers stand for the whole call: they never expire in a round.
constexpr int32_t fixed_offer_expiry_s = 24 * 3600;

std::string denial_text(const reservation_denial& d) {
  std::string out = "cap full: " + d.cap + " (" + std::to_string(d.value) + " of " + std::to_string(d.limit) + ")";
  return out;
}

} // namespace

auction_round::auction_round(uint32_t id, timestamp_us opened_at, const campaign_roster& roster)
  : id_(id), roster_(roster) {
  record_.round = id;
  record_.opened_at = opened_at;
  if (const auto* campaign = roster.campaign) {
    record_.strategy = std::string(to_string(campaign->strategy));
    record_.clearing = std::string(to_string(campaign->clearing));
    record_.deadline_ms = campaign->auction_deadline_ms;
    record_.floor_micros = campaign->floor_micros;
  }
  slots_.reserve(roster.buyers.size());
  for (const auto* buyer : roster.buyers) {
    buyer_slot slot;
    slot.buyer = buyer;
    slot.entry.buyer_id = buyer->id;
    slot.entry.fixed = buyer->fixed_payout_micros > 0;
    slots_.push_back(std::move(slot));
  }
}

auction_round::buyer_slot* auction_round::slot_of(const std::string& buyer_id) {
  for (auto& s : slots_)
    if (s.buyer->id == buyer_id) return &s;
  return nullptr;
}

std::vector<std::string> auction_round::select(const call_facts& facts, timestamp_us now, breaker_board* breakers,
                                               const std::function<bool(const std::string&)>& has_bidder) {
  std::vector<std::string> eligible;
  bool campaign_active = roster_.campaign == nullptr || roster_.campaign->active;
  for (size_t i = 0; i < slots_.size(); ++i) {
    auto& slot = slots_[i];
    const auto& buyer = *slot.buyer;
    auto& reason = slot.entry.reason;
    bool fixed = buyer.fixed_payout_micros > 0;
    if (!campaign_active)
      reason = "campaign paused";
    else if (!buyer.active)
      reason = "buyer paused";
    else if (!fixed && !has_bidder(buyer.id))
      reason = "no bidder for this buyer";
    else if (i < roster_.filters.size() && roster_.filters[i] != nullptr)
      reason = roster_.filters[i]->check(facts, now);
    // Fixed-payout buyers are never pinged, so they have no breaker to trip.
    if (reason.empty() && !fixed && breakers != nullptr && !breakers->allow(buyer.id, now))
      reason = "circuit open: too many failures or timeouts";
    slot.eligible = reason.empty();
    if (slot.eligible)
      eligible.push_back(buyer.id);
    else
      slot.entry.verdict = bidder_verdict::skipped;
  }
  return eligible;
}

std::vector<round_ping> auction_round::reserved(const reserve_reply& reply, timestamp_us now) {
  for (const auto& d : reply.denied) {
    if (auto* slot = slot_of(d.buyer_id)) {
      slot->entry.verdict = bidder_verdict::capped;
      slot->entry.reason = denial_text(d);
    }
  }
  std::vector<round_ping> pings;
  for (const auto& g : reply.granted) {
    auto* slot = slot_of(g.buyer_id);
    if (slot == nullptr) continue; // not this campaign's: the call actor releases it
    slot->token = g.token;
    slot->headroom = g.budget_headroom_micros;
    const auto& buyer = *slot->buyer;
    if (buyer.fixed_payout_micros > 0) {
      auto& bid = slot->bid;
      bid.response.buyer_id = buyer.id;
      bid.response.round = id_;
      bid.response.kind = bid_kind::bid;
      bid.response.amount_micros = buyer.fixed_payout_micros;
      bid.response.expires_in_s = fixed_offer_expiry_s;
      bid.received_at = now;
      bid.fixed = true;
      slot->answered = true;
      slot->entry.bid_micros = buyer.fixed_payout_micros;
    } else {
      slot->pending = true;
      ++pending_;
      pings.push_back(round_ping{buyer.id, g.token});
    }
  }
  return pings;
}

void auction_round::pinged(const std::string& buyer_id, timestamp_us now) {
  if (auto* slot = slot_of(buyer_id)) slot->sent_at = now;
}

bool auction_round::answer(const bid_response& bid, timestamp_us now) {
  auto* slot = slot_of(bid.buyer_id);
  if (slot == nullptr || !slot->pending) return false;
  slot->pending = false;
  slot->answered = true;
  --pending_;
  slot->bid.response = bid;
  slot->bid.received_at = now;
  slot->entry.latency_us = now - slot->sent_at;
  slot->entry.transport_us = bid.latency_us > 0 ? bid.latency_us : -1;
  if (bid.kind == bid_kind::bid) slot->entry.bid_micros = bid.amount_micros;
  return true;
}

std::vector<uint64_t> auction_round::tokens() const {
  std::vector<uint64_t> out;
  for (const auto& s : slots_)
    if (s.token != 0) out.push_back(s.token);
  return out;
}

auction_round::outcome auction_round::close(const routing_rules& rules, timestamp_us now) {
  outcome out;
  record_.closed_at = now;
  std::vector<collected_bid> bids;
  size_t eligible = 0, pinged = 0, answered = 0, capped = 0;
  for (size_t i = 0; i < slots_.size(); ++i) {
    auto& slot = slots_[i];
    if (!slot.eligible) continue;
    ++eligible;
    if (slot.entry.verdict == bidder_verdict::capped) {
      ++capped;
      continue;
    }
    if (slot.token == 0) { // the ledger never answered for it
      slot.entry.verdict = bidder_verdict::capped;
      slot.entry.reason = "no reservation: the cap ledger did not answer";
      continue;
    }
    if (!slot.entry.fixed) ++pinged;
    if (slot.pending) {
      slot.pending = false;
      slot.entry.verdict = bidder_verdict::no_answer;
      slot.entry.reason = "no answer within " + std::to_string(record_.deadline_ms) + " ms";
      out.releases.push_back(slot.token);
      continue;
    }
    if (!slot.answered) continue;
    if (!slot.entry.fixed) ++answered;
    auto bid = slot.bid;
    bid.token = slot.token;
    bid.buyer_min_bid_micros = slot.buyer->min_bid_micros;
    bid.buyer_destination = slot.buyer->destination;
    bid.priority = slot.buyer->priority;
    bid.weight = slot.buyer->weight;
    bid.list_position = static_cast<uint32_t>(i);
    bids.push_back(std::move(bid));
  }
  pending_ = 0;
  rules_ = rules;
  auto ranked = rank_bids(std::move(bids), rules, now);
  for (const auto& r : ranked.rejected) {
    auto* slot = slot_of(r.buyer_id);
    if (slot == nullptr) continue;
    auto kind = slot->bid.response.kind;
    slot->entry.verdict = kind == bid_kind::no_bid  ? bidder_verdict::no_bid
                          : kind == bid_kind::error ? bidder_verdict::error
                                                    : bidder_verdict::rejected;
    slot->entry.reason = r.reason;
    out.releases.push_back(r.token);
  }
  std::vector<clearing_candidate> candidates;
  for (size_t i = 0; i < ranked.offers.size(); ++i) {
    auto& o = ranked.offers[i];
    auto* slot = slot_of(o.buyer_id);
    o.conversion_buffer_s = slot->buyer->conversion_buffer_s;
    slot->entry.verdict = bidder_verdict::ranked;
    slot->entry.reason = ranked.order_reasons[i];
    candidates.push_back(clearing_candidate{std::move(o), slot->entry.fixed, slot->headroom});
  }
  counts_ = std::to_string(eligible) + " eligible, " + std::to_string(pinged) + " pinged, " + std::to_string(answered) +
            " answered, " + std::to_string(candidates.size()) + " valid, " + std::to_string(capped) + " capped";
  auto cleared = clear(std::move(candidates));
  cleared.releases.insert(cleared.releases.begin(), out.releases.begin(), out.releases.end());
  for (const auto& c : offers_)
    if (c.headroom_micros >= 0) cleared.holds.push_back(amount_hold{c.o.token, c.o.amount_micros});
  return cleared;
}

auction_round::outcome auction_round::settle(const std::vector<uint64_t>& held) {
  outcome out;
  std::vector<clearing_candidate> kept;
  for (auto& c : offers_) {
    bool needs_hold = c.headroom_micros >= 0;
    if (needs_hold && std::find(held.begin(), held.end(), c.o.token) == held.end()) {
      refuse(refused_offer{c.o.buyer_id, c.o.token, "refused by a revenue budget"}, out);
      continue;
    }
    kept.push_back(std::move(c));
  }
  auto cleared = clear(std::move(kept));
  cleared.releases.insert(cleared.releases.begin(), out.releases.begin(), out.releases.end());
  return cleared;
}

auction_round::outcome auction_round::clear(std::vector<clearing_candidate> ranked) {
  outcome out;
  auto cleared = clear_offers(std::move(ranked), rules_);
  for (const auto& r : cleared.refused) refuse(r, out);
  offers_ = std::move(cleared.kept);
  for (const auto& c : offers_) {
    slot_of(c.o.buyer_id)->entry.price_micros = c.o.amount_micros;
    out.offers.push_back(c.o);
  }
  out.summary = counts_;
  if (refused_ > 0) out.summary += ", " + std::to_string(refused_) + " refused by a budget";
  return out;
}

void auction_round::refuse(const refused_offer& refusal, outcome& out) {
  if (auto* slot = slot_of(refusal.buyer_id)) {
    slot->entry.verdict = bidder_verdict::rejected;
    slot->entry.reason = refusal.reason;
    slot->entry.price_micros = 0;
  }
  out.releases.push_back(refusal.token);
  ++refused_;
}

auction_record auction_round::record(const std::vector<offer>& final_offers) const {
  auction_record out = record_;
  out.entries.reserve(slots_.size());
  for (const auto& slot : slots_) {
    auto entry = slot.entry;
    auto it = std::find_if(final_offers.begin(), final_offers.end(),
                           [&](const offer& o) { return o.buyer_id == entry.buyer_id; });
    if (it != final_offers.end()) {
      entry.rank = static_cast<int32_t>(it - final_offers.begin()) + 1;
      entry.verdict = entry.rank == 1 ? bidder_verdict::won : bidder_verdict::ranked;
    }
    out.entries.push_back(std::move(entry));
  }
  if (!final_offers.empty()) {
    out.winner = final_offers.front().buyer_id;
    out.winning_bid_micros = final_offers.front().bid_micros;
    out.clearing_price_micros = final_offers.front().amount_micros;
  }
  return out;
}

} // namespace ringbid
