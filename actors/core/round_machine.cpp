#include "actors/core/round_machine.hpp"

#include "actors/core/campaign_roster.hpp"
#include "actors/core/round_facts.hpp"

#include <chrono>

namespace ringbid {

std::string_view to_string(round_phase p) noexcept {
  switch (p) {
    case round_phase::reserving: return "reserving";
    case round_phase::collecting: return "collecting";
    case round_phase::holding: return "holding";
    case round_phase::closed: return "closed";
    case round_phase::abandoned: return "abandoned";
  }
  return "?";
}

round_settings round_settings_for(const campaign_config* campaign, const timing_config& timing, uint32_t roster_size,
                                  uint64_t rotation, const call_id& call, uint32_t round, uint64_t node_seed) {
  round_settings out;
  out.network_allowance = std::chrono::milliseconds{timing.network_allowance_ms};
  auto& rules = out.rules;
  rules.roster_size = roster_size;
  rules.rotation = rotation;
  // One draw per call and round, reproducible from the node's seed.
  rules.random_seed = call.hi ^ (call.lo * 31) ^ node_seed ^ (uint64_t{round} << 48);
  if (campaign == nullptr) return out;
  rules.strategy = campaign->strategy;
  rules.clearing = campaign->clearing;
  rules.floor_micros = campaign->floor_micros;
  rules.increment_micros = campaign->price_increment_micros;
  out.deadline = std::chrono::milliseconds{campaign->auction_deadline_ms};
  return out;
}

round_machine::round_machine(const call_snapshot& call, uint32_t id, timestamp_us now, const campaign_roster& roster,
                             round_settings settings)
  : book_(id, now, roster), facts_(facts_of(call, roster.campaign)), settings_(std::move(settings)), call_(call.id),
    campaign_id_(call.campaign_id), source_id_(call.source_id) {}

round_effects round_machine::open(timestamp_us now, breaker_board* breakers,
                                  const std::function<bool(const std::string&)>& has_bidder) {
  round_effects fx;
  reserve_request req;
  req.call = call_;
  req.campaign_id = campaign_id_;
  req.source_id = source_id_;
  req.buyer_ids = book_.select(facts_, now, breakers, has_bidder);
  if (req.buyer_ids.empty()) { // nobody eligible: no need to ask the ledger
    close(now, fx);
    return fx;
  }
  fx.deadline = settings_.deadline;
  fx.reserve = std::move(req);
  return fx;
}

round_effects round_machine::reserved(const reserve_reply& reply, timestamp_us now) {
  round_effects fx;
  if (phase_ != round_phase::reserving) { // given up meanwhile: nobody uses these
    for (const auto& g : reply.granted) fx.releases.push_back(g.token);
    return fx;
  }
  auto wanted = book_.reserved(reply, now);
  // The deadline runs from the round's start, so a slow ledger shortens the
  // buyers' time rather than the caller's patience.
  auto elapsed = std::chrono::microseconds{now - book_.opened_at()};
  auto left = settings_.deadline - elapsed;
  if (wanted.empty() || left <= settings_.network_allowance) {
    close(now, fx); // nobody to wait for (capped, fixed payouts only) or no time left
    return fx;
  }
  phase_ = round_phase::collecting;
  for (const auto& w : wanted) {
    ping_request ping;
    ping.call = call_;
    ping.round = id();
    ping.buyer_id = w.buyer_id;
    ping.campaign_id = campaign_id_;
    ping.vertical = facts_.vertical;
    ping.caller_state = facts_.caller_state;
    ping.area_code = facts_.area_code;
    ping.zip = facts_.zip;
    ping.tags = facts_.tags;
    ping.ivr = facts_.ivr;
    ping.time_left = left - settings_.network_allowance;
    book_.pinged(w.buyer_id, now);
    fx.pings.push_back(std::move(ping));
  }
  fx.pinged = round_pinged{id()};
  return fx;
}

round_effects round_machine::reserve_failed(timestamp_us now) {
  round_effects fx;
  if (phase_ == round_phase::reserving) close(now, fx); // no capacity known: the round closes empty
  return fx;
}

round_effects round_machine::answer(const bid_response& bid, timestamp_us now) {
  round_effects fx;
  if (bid.round != id()) return fx;
  switch (phase_) {
    case round_phase::collecting:
      if (!book_.answer(bid, now)) return fx; // a duplicate, or not pinged
      fx.answer_taken = true;
      if (!book_.waiting()) close(now, fx);
      return fx;
    case round_phase::holding:
    case round_phase::closed:
      // It can no longer win; the round's explanation says when it came.
      fx.late =
        late_answer{id(), bid.buyer_id, now - book_.opened_at(), bid.kind == bid_kind::bid ? bid.amount_micros : 0};
      return fx;
    case round_phase::reserving:
    case round_phase::abandoned: return fx;
  }
  return fx;
}

round_effects round_machine::deadline(timestamp_us now) {
  round_effects fx;
  if (phase_ == round_phase::collecting) close(now, fx);
  return fx;
}

round_effects round_machine::held(const std::vector<uint64_t>& held, timestamp_us now) {
  round_effects fx;
  if (phase_ != round_phase::holding) return fx;
  finish(book_.settle(held), now, fx);
  return fx;
}

round_effects round_machine::abandon() {
  round_effects fx;
  if (phase_ != round_phase::reserving && phase_ != round_phase::collecting) return fx;
  phase_ = round_phase::abandoned;
  fx.releases = book_.tokens();
  return fx;
}

void round_machine::close(timestamp_us now, round_effects& fx) {
  auto result = book_.close(settings_.rules, now);
  if (!result.holds.empty()) {
    phase_ = round_phase::holding;
    fx.releases = std::move(result.releases);
    fx.hold = hold_request{call_, std::move(result.holds)};
    return;
  }
  finish(std::move(result), now, fx);
}

void round_machine::finish(auction_round::outcome result, timestamp_us now, round_effects& fx) {
  phase_ = round_phase::closed;
  fx.releases.insert(fx.releases.end(), result.releases.begin(), result.releases.end());
  round_closed closed;
  closed.round = id();
  closed.latency_us = now - book_.opened_at();
  closed.summary = std::move(result.summary);
  closed.record = book_.record(result.offers);
  closed.offers = std::move(result.offers);
  fx.closed = std::move(closed);
}

} // namespace ringbid
