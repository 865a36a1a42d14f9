// Unit tests for the pure call state machine (actors/call_machine.*).
//
// A `call_driver` feeds inputs to step() exactly as the call actor would and
// checks, after every step, what must always hold: the reservations the call
// holds are exactly those it was handed and has not given back, no token is
// committed or released twice, a live call always has a watchdog armed, and a
// finished call reports `finished` once and ignores everything after.
//
// On top of that: every (state, input) pair, 20,000 random input sequences and
// scenario tests with exact expectations.
//
// The AdoptRace tests pin bugs found here and fixed in the machine: a
// re-taken reservation that arrives late must never replace another buyer's,
// and a call bridged before it arrives must still be counted exactly once.

#include "actors/core/billing.hpp"
#include "actors/core/call_machine.hpp"

#include <gtest/gtest.h>

#include <algorithm>
#include <array>
#include <chrono>
#include <cstdint>
#include <cstdlib>
#include <functional>
#include <iostream>
#include <map>
#include <random>
#include <set>
#include <sstream>
#include <string>
#include <tuple>
#include <utility>
#include <variant>
#include <vector>

namespace ringbid {
namespace {

using namespace std::chrono_literals;

constexpr timestamp_us t0 = 1'700'000'000 * us_per_s;

constexpr size_t idx(timer_kind k) { return static_cast<size_t>(k); }

const std::array<timer_kind, timer_kind_count> all_timer_kinds{timer_kind::answer,   timer_kind::greeting,
                                                               timer_kind::max_hold, timer_kind::transfer,
                                                               timer_kind::talk,     timer_kind::ending};

const std::array<command_kind, 8> all_command_kinds{
  command_kind::answer,   command_kind::speak,        command_kind::play,        command_kind::stop_play,
  command_kind::transfer, command_kind::record_start, command_kind::record_stop, command_kind::hangup};

const std::array<carrier_event_kind, 10> all_event_kinds{
  carrier_event_kind::initiated,       carrier_event_kind::answered, carrier_event_kind::speak_ended,
  carrier_event_kind::playback_ended,  carrier_event_kind::bridged,  carrier_event_kind::hangup,
  carrier_event_kind::recording_saved, carrier_event_kind::dtmf,     carrier_event_kind::gather_ended,
  carrier_event_kind::command_failed};

int64_t as_us(caf::timespan d) { return std::chrono::duration_cast<std::chrono::microseconds>(d).count(); }

std::string timer_name(timer_kind k) {
  switch (k) {
    case timer_kind::answer: return "answer";
    case timer_kind::greeting: return "greeting";
    case timer_kind::max_hold: return "max_hold";
    case timer_kind::transfer: return "transfer";
    case timer_kind::talk: return "talk";
    case timer_kind::ending: return "ending";
  }
  return "?";
}

std::string ending_name(ending_step e) {
  switch (e) {
    case ending_step::none: return "none";
    case ending_step::await_answer: return "await_answer";
    case ending_step::speaking: return "speaking";
    case ending_step::hanging_up: return "hanging_up";
    case ending_step::wrapping_up: return "wrapping_up";
  }
  return "?";
}

/// The lead as billing charges it (actors/core/billing), for a buyer without
/// tiers or duplicate window and a source sharing `revenue_share_bp` of the
/// revenue: make_lead leaves the revenue and the payout to billing.
lead_record billed(lead_record lead, int32_t revenue_share_bp) {
  static const buyer_config buyer;
  source_config source;
  source.revenue_share_bp = revenue_share_bp;
  billing_input terms;
  terms.buyer = &buyer;
  terms.source = &source;
  charge_lead(lead, terms);
  return lead;
}

call_settings test_settings() {
  call_settings s;
  s.greeting_text = "Thanks for calling. Please hold while we connect you.";
  s.hold_audio_url = "https://audio.example/hold.mp3";
  s.ending_text = "Sorry, nobody can take your call. Goodbye.";
  s.not_in_service_text = "The number you have called is not in service.";
  s.voice = "female";
  s.language = "en-US";
  s.early_auction = true;
  s.record = false;
  s.max_rounds = 2;
  s.max_transfer_attempts = 3;
  s.transfer_timeout_s = 30;
  s.answer_timeout = 5s;
  s.greeting_timeout = 30s;
  s.max_hold = 120s;
  s.transfer_grace = 5s;
  s.max_talk = 4h;
  s.ending_timeout = 20s;
  return s;
}

carrier_event event(carrier_event_kind kind, call_leg leg = call_leg::caller) {
  carrier_event ev;
  ev.carrier_call_id = "cc-1";
  ev.kind = kind;
  ev.leg = leg;
  return ev;
}

carrier_event hangup_event(call_leg leg, hangup_cause cause = hangup_cause::normal_clearing,
                           hangup_source source = hangup_source::caller) {
  auto ev = event(carrier_event_kind::hangup, leg);
  ev.cause = cause;
  ev.source = source;
  return ev;
}

carrier_event failure(command_kind kind) {
  auto ev = event(carrier_event_kind::command_failed);
  ev.failed_command = kind;
  ev.detail = "503 service unavailable";
  return ev;
}

carrier_event recording_saved_event(std::string url) {
  auto ev = event(carrier_event_kind::recording_saved);
  ev.detail = std::move(url);
  return ev;
}

bool no_effects(const call_effects& fx) {
  return fx.commands.empty() && fx.timers.empty() && !fx.start_round && !fx.abandon_round && fx.commits.empty() &&
         fx.releases.empty() && fx.adopt == adopt_kind::none && !fx.state_changed && !fx.finished;
}

std::vector<command_kind> kinds_of(const std::vector<carrier_command>& cmds) {
  std::vector<command_kind> out;
  for (const auto& c : cmds) out.push_back(c.kind);
  return out;
}

std::string describe(const call_input& in) {
  return std::visit(
    [](const auto& x) -> std::string {
      using T = std::decay_t<decltype(x)>;
      if constexpr (std::is_same_v<T, call_routed>) {
        return x.found ? "call_routed{found}" : "call_routed{unknown}";
      } else if constexpr (std::is_same_v<T, carrier_event>) {
        std::string out = "carrier_event{" + std::string{to_string(x.kind)};
        if (x.kind == carrier_event_kind::hangup || x.kind == carrier_event_kind::answered ||
            x.kind == carrier_event_kind::bridged)
          out += x.leg == call_leg::caller ? " caller" : " buyer";
        if (x.kind == carrier_event_kind::command_failed) out += " " + std::string{to_string(x.failed_command)};
        if (x.kind == carrier_event_kind::recording_saved) out += " '" + x.detail + "'";
        return out + "}";
      } else if constexpr (std::is_same_v<T, round_pinged>) {
        return "round_pinged{" + std::to_string(x.round) + "}";
      } else if constexpr (std::is_same_v<T, round_closed>) {
        std::string out = "round_closed{" + std::to_string(x.round) + ", [";
        for (const auto& o : x.offers)
          out += o.buyer_id + " $" + std::to_string(o.amount_micros) + " token " + std::to_string(o.token) +
                 " expires +" + std::to_string((o.expires_at - t0) / us_per_ms) + "ms; ";
        return out + "]}";
      } else if constexpr (std::is_same_v<T, timer_fired>) {
        return "timer_fired{" + timer_name(x.kind) + ", gen " + std::to_string(x.generation) + "}";
      } else if constexpr (std::is_same_v<T, shutdown_requested>) {
        return "shutdown_requested";
      } else if constexpr (std::is_same_v<T, call_resumed>) {
        return "call_resumed";
      } else if constexpr (std::is_same_v<T, late_answer>) {
        return "late_answer{" + std::to_string(x.round) + ", " + x.buyer_id + "}";
      } else {
        return "reservation_adopted{" + std::to_string(x.token) + "}";
      }
    },
    in);
}

std::string fmt(const std::set<uint64_t>& tokens) {
  std::string out = "{";
  for (auto t : tokens) out += std::to_string(t) + " ";
  return out + "}";
}

bool is_live_state(call_state s) {
  return s == call_state::greeting || s == call_state::hold || s == call_state::auction || s == call_state::bridged;
}

// -- the driver ------------------------------------------------------------------

/// Feeds inputs to step() as the call actor does and checks the invariants.
class call_driver {
public:
  call_settings s;
  call_snapshot c;
  timestamp_us now = t0;
  bool immediate_adopt = false; ///< answer adopt requests at once (no race)

  std::array<uint32_t, timer_kind_count> armed{}; ///< latest requested generation (0 = none)
  std::array<caf::timespan, timer_kind_count> armed_delay{};
  std::set<uint64_t> live;      ///< handed to the call, not yet released
  std::set<uint64_t> committed; ///< committed by the call
  std::set<uint64_t> released;  ///< released by the call
  std::set<uint64_t> lost;      ///< freed by the ledger: the actor died (restart, or done)
  std::map<uint64_t, std::string> token_buyer;
  int finished = 0; ///< `finished` reports while the call was live
  int rebooked = 0; ///< `finished` reports from call_resumed in done (by design)
  int rounds_started = 0;
  int resumes = 0;
  bool routed = false;
  bool adopt_outstanding = false;
  adopt_kind adopt_mode = adopt_kind::none;
  std::string adopt_buyer;

  /// The ledger's answer to the machine's adopt request: for the buyer it was taken for.
  reservation_adopted adopt_reply() {
    return reservation_adopted{adopt_outstanding ? adopt_buyer : c.current.buyer_id, fresh_token(),
                               adopt_outstanding ? adopt_mode : adopt_kind::pending};
  }
  bool ever_bridged = false;
  std::vector<carrier_command> commands;
  std::vector<std::string> errors;
  std::vector<std::string> trace;
  call_effects last;
  lead_record lead;
  int32_t revenue_share_bp = 2'500; ///< the source's, when the lead is billed

  explicit call_driver(call_settings settings = test_settings())
    : s(std::move(settings)), c(make_call(call_id{0x0190'0000'0000'7000ull, 0x8000'0000'0000'0001ull}, "cc-1",
                                          "+15125550100", "+18005550199", t0)) {
    c.campaign_id = "camp-1";
    c.source_id = "src-1";
  }

  uint64_t fresh_token() { return next_token_++; }

  offer make_offer(std::string buyer, int64_t amount, caf::timespan expires_in = 60s) {
    offer o;
    o.buyer_id = std::move(buyer);
    o.amount_micros = amount;
    o.destination = "+1555" + std::to_string(1'000'000 + amount % 1'000'000);
    o.expires_at = now + as_us(expires_in);
    o.token = fresh_token();
    return o;
  }

  void advance(caf::timespan d) { now += as_us(d); }

  void error(std::string what) {
    errors.push_back(std::move(what) + " [state " + std::string{to_string(c.state)} + ", ending " +
                     ending_name(c.ending) + "]");
  }

  std::string history() const {
    std::string out;
    for (const auto& t : trace) out += "    " + t + "\n";
    return out;
  }

  std::string report() const {
    std::string out;
    for (const auto& e : errors) out += "  * " + e + "\n";
    return out + "  inputs:\n" + history();
  }

  bool timer_live(timer_kind k) const { return armed[idx(k)] != 0 && armed[idx(k)] == c.timer_generation[idx(k)]; }

  bool any_timer_live() const {
    return std::any_of(all_timer_kinds.begin(), all_timer_kinds.end(), [this](timer_kind k) { return timer_live(k); });
  }

  call_effects feed(const call_input& in) {
    trace.push_back("+" + std::to_string((now - t0) / us_per_ms) + "ms " + describe(in));
    const bool was_done = c.state == call_state::done;
    const bool resumed = std::holds_alternative<call_resumed>(in);
    const bool caller_was_gone = c.caller_gone;
    std::vector<uint64_t> incoming;
    if (const auto* rc = std::get_if<round_closed>(&in)) {
      for (const auto& o : rc->offers) {
        incoming.push_back(o.token);
        token_buyer[o.token] = o.buyer_id;
      }
    }
    if (const auto* ra = std::get_if<reservation_adopted>(&in)) {
      incoming.push_back(ra->token);
      token_buyer[ra->token] = adopt_outstanding ? adopt_buyer : c.current.buyer_id;
      adopt_outstanding = false;
    }
    for (auto t : incoming)
      if (t == 0 || live.count(t) || released.count(t) || lost.count(t)) error("test harness reused a token");
    if (resumed) {
      // The old actor died: the ledger released its reservations; its timers,
      // its round and its pending adopt request died with it.
      ++resumes;
      lost.insert(live.begin(), live.end());
      live.clear();
      armed.fill(0);
      adopt_outstanding = false;
    }
    if (std::holds_alternative<call_routed>(in) || resumed) routed = true;

    auto fx = step(c, in, now, s);
    last = fx;

    if (was_done && !resumed) {
      if (!no_effects(fx)) error("effects after done for " + describe(in));
      // Whatever reaches a finished call dies with its actor.
      lost.insert(incoming.begin(), incoming.end());
      check_invariants(fx, caller_was_gone);
      return fx;
    }
    if (fx.finished) {
      if (c.state != call_state::done) error("finished reported outside done");
      if (was_done) {
        ++rebooked;
      } else {
        ++finished;
        lead = billed(make_lead(c), revenue_share_bp);
      }
    }
    commands.insert(commands.end(), fx.commands.begin(), fx.commands.end());
    for (const auto& t : fx.timers) {
      if (t.generation == 0) error("timer requested with generation 0");
      armed[idx(t.kind)] = t.generation;
      armed_delay[idx(t.kind)] = t.delay;
    }
    live.insert(incoming.begin(), incoming.end());
    for (auto t : fx.commits) {
      if (!live.count(t)) error("commit of token " + std::to_string(t) + " the call does not hold");
      if (!committed.insert(t).second) error("token " + std::to_string(t) + " committed twice");
      if (token_buyer[t] != c.current.buyer_id)
        error("committed token " + std::to_string(t) + " of buyer '" + token_buyer[t] + "' for a call bridged to '" +
              c.current.buyer_id + "'");
    }
    for (auto t : fx.releases) {
      if (live.erase(t) == 1)
        released.insert(t);
      else if (released.count(t))
        error("token " + std::to_string(t) + " released twice");
      else if (lost.count(t))
        error("released token " + std::to_string(t) + " the ledger freed on restart");
      else
        error("released unknown token " + std::to_string(t));
    }
    if (fx.start_round) ++rounds_started;
    if (fx.adopt != adopt_kind::none) {
      adopt_outstanding = true;
      adopt_mode = fx.adopt;
      adopt_buyer = c.current.buyer_id;
      if (fx.adopt == adopt_kind::committed && c.state != call_state::bridged) error("adopt_committed outside bridged");
      if (fx.adopt == adopt_kind::pending && !c.transferring && !(c.state == call_state::bridged && !c.committed))
        error("adopt_pending while neither transferring nor bridged-but-uncounted");
      if (c.current.buyer_id.empty()) error("adopt requested without a current buyer");
    }
    if (c.state == call_state::bridged) ever_bridged = true;
    if (ever_bridged)
      for (const auto& cmd : fx.commands)
        if (cmd.kind == command_kind::transfer) error("transfer after the call was bridged");
    check_invariants(fx, caller_was_gone);
    if (immediate_adopt && adopt_outstanding && c.state != call_state::done) feed(adopt_reply());
    return fx;
  }

  void check_invariants(const call_effects& fx, bool caller_was_gone) {
    std::set<uint64_t> held;
    for (const auto& o : c.offers) {
      if (o.token == 0) continue;
      if (!held.insert(o.token).second) error("token " + std::to_string(o.token) + " held twice");
    }
    if (c.current.token != 0 && !held.insert(c.current.token).second) error("current token also an offer");
    if (held != live) error("the call holds tokens " + fmt(held) + " but was handed and not released " + fmt(live));
    if (finished > 1) error("finished reported " + std::to_string(finished) + " times");
    if (routed && c.state != call_state::done && !any_timer_live()) error("live call with no watchdog armed");
    if (c.transferring && c.state != call_state::auction) error("transferring outside auction");
    if (c.round_running &&
        !(c.state == call_state::greeting || c.state == call_state::hold || c.state == call_state::auction))
      error("round running outside greeting/hold/auction");
    if (!c.offers.empty() && !(c.transferring || (c.state == call_state::greeting && !c.greeting_done)))
      error("offers held while neither transferring nor waiting for the greeting");
    if ((c.state == call_state::hold || c.state == call_state::auction || c.state == call_state::bridged) &&
        !(c.answered && c.greeting_done))
      error("hold/auction/bridged before answer and greeting");
    if ((c.state == call_state::ending || c.state == call_state::done) && c.outcome == disposition::in_progress)
      error("ending without an outcome");
    if (c.state == call_state::bridged && (c.outcome != disposition::bridged || c.bridged_at == 0))
      error("bridged without bridged outcome");
    if (c.ending == ending_step::wrapping_up && !c.caller_gone) error("wrapping up while the caller is there");
    if (c.caller_gone && is_live_state(c.state)) error("caller gone but call still live");
    if (c.ending != ending_step::none && c.state != call_state::ending) error("ending step outside ending");
    if (c.state == call_state::done) {
      if (c.ended_at == 0) error("done without ended_at");
      if (c.transferring || c.round_running || !c.offers.empty() || c.current.token != 0)
        error("done while still holding something");
    }
    if (caller_was_gone && !fx.commands.empty()) error("command sent to a caller who hung up");
    if (committed.size() > 1) error("more than one reservation committed");
  }

  // -- shorthands ------------------------------------------------------------------

  call_effects route(bool found = true) { return feed(call_routed{found}); }
  call_effects answer() { return feed(event(carrier_event_kind::answered)); }
  call_effects speak_ended() { return feed(event(carrier_event_kind::speak_ended)); }
  call_effects pinged() { return feed(round_pinged{c.round}); }
  call_effects closed(std::vector<offer> offers) {
    round_closed rc;
    rc.round = c.round;
    rc.offers = std::move(offers);
    rc.latency_us = 123'456;
    rc.summary = "test";
    return feed(rc);
  }
  call_effects bridge() { return feed(event(carrier_event_kind::bridged, call_leg::buyer)); }
  call_effects caller_hangup() { return feed(hangup_event(call_leg::caller)); }
  call_effects buyer_hangup() {
    return feed(hangup_event(call_leg::buyer, hangup_cause::normal_clearing, hangup_source::callee));
  }
  call_effects fail(command_kind k) { return feed(failure(k)); }
  /// Fires `k` with the machine's current generation.
  call_effects fire(timer_kind k) { return feed(timer_fired{k, c.timer_generation[idx(k)]}); }

  /// Fires armed watchdogs (only live ones, one per round, rotating over the
  /// kinds) until the call is done; false when it is not done after `limit`.
  bool drive_to_done(int limit = 50) {
    for (int i = 0; i < limit && c.state != call_state::done; ++i) {
      bool fired = false;
      for (size_t j = 0; j < all_timer_kinds.size() && !fired; ++j) {
        auto k = all_timer_kinds[(static_cast<size_t>(i) + j) % all_timer_kinds.size()];
        if (!timer_live(k)) continue;
        advance(armed_delay[idx(k)]);
        feed(timer_fired{k, armed[idx(k)]});
        fired = true;
      }
      if (!fired) {
        error("stuck: not done and no watchdog armed");
        return false;
      }
    }
    if (c.state != call_state::done) error("not done after firing watchdogs");
    return c.state == call_state::done;
  }

  /// Everything that must hold once a call is over.
  void check_end() {
    if (c.state != call_state::done) error("call not done");
    if (finished != 1) error("finished reported " + std::to_string(finished) + " times, want 1");
    if (!live.empty()) error("tokens never released: " + fmt(live));
    for (auto t : committed)
      if (!released.count(t) && !lost.count(t)) error("committed token " + std::to_string(t) + " never released");
    if (finished != 1) return;
    if (lead.outcome == disposition::in_progress) error("lead without an outcome");
    if (lead.ended_at == 0 || lead.ended_at != c.ended_at) error("lead ended_at wrong");
    if (!is_live_state(lead.ended_in)) error("lead ended_in is not a live state");
    const bool bridged = lead.outcome == disposition::bridged;
    if (bridged != (lead.bridged_at != 0)) error("bridged outcome and bridged_at disagree");
    if (bridged) {
      if (lead.buyer_id.empty() || lead.revenue_micros <= 0) error("bridged lead without buyer or revenue");
      if (committed.size() != 1) error("a bridged call must count (commit) exactly one reservation");
    } else {
      if (!committed.empty()) error("a call that was never bridged committed a reservation");
      if (lead.revenue_micros != 0 || lead.payout_micros != 0 || !lead.buyer_id.empty())
        error("revenue on a call that was never bridged");
    }
    if (lead.auction_rounds != c.round) error("lead rounds wrong");
    if (lead.transfer_attempts != c.transfer_attempts) error("lead transfer attempts wrong");
  }

private:
  uint64_t next_token_ = 101;
};

#define EXPECT_CLEAN(d) EXPECT_TRUE((d).errors.empty()) << (d).report()
#define ASSERT_CLEAN(d) ASSERT_TRUE((d).errors.empty()) << (d).report()

// -- builders: drive a call into each state ---------------------------------------

void to_greeting_routed(call_driver& d) { d.route(true); }

void to_greeting_speaking(call_driver& d) {
  d.route(true);
  d.advance(150ms);
  d.answer();
}

void to_greeting_with_offers(call_driver& d) {
  to_greeting_speaking(d);
  d.advance(10ms);
  d.pinged();
  d.advance(300ms);
  d.closed({d.make_offer("buyer-a", 20'000'000), d.make_offer("buyer-b", 15'000'000)});
}

void to_hold(call_driver& d) {
  to_greeting_speaking(d);
  d.advance(3s);
  d.speak_ended();
}

void to_auction_pinged(call_driver& d) {
  to_hold(d);
  d.advance(20ms);
  d.pinged();
}

void to_transferring(call_driver& d) {
  to_auction_pinged(d);
  d.advance(400ms);
  d.closed({d.make_offer("buyer-a", 20'000'000), d.make_offer("buyer-b", 15'000'000)});
}

void to_bridged(call_driver& d) {
  to_transferring(d);
  d.advance(4s);
  d.bridge();
}

void to_ending_speaking(call_driver& d) {
  to_hold(d);
  d.advance(d.s.max_hold);
  d.fire(timer_kind::max_hold);
}

void to_ending_hanging_up(call_driver& d) {
  to_ending_speaking(d);
  d.advance(2s);
  d.speak_ended();
}

void to_ending_wrapping_up(call_driver& d) {
  to_bridged(d);
  d.advance(60s);
  d.caller_hangup();
}

void to_unknown_awaiting_answer(call_driver& d) { d.route(false); }

void to_unknown_speaking(call_driver& d) {
  d.route(false);
  d.advance(150ms);
  d.answer();
}

void to_done(call_driver& d) {
  to_bridged(d);
  d.advance(60s);
  d.caller_hangup();
}

struct state_case {
  std::string name;
  call_state expected;
  ending_step expected_ending;
  std::function<void(call_settings&)> configure;
  std::function<void(call_driver&)> build;
};

const std::vector<state_case>& state_cases() {
  static const std::vector<state_case> cases{
    {"greeting_routed", call_state::greeting, ending_step::none, [](call_settings&) {}, to_greeting_routed},
    {"greeting_speaking", call_state::greeting, ending_step::none, [](call_settings&) {}, to_greeting_speaking},
    {"greeting_speaking_no_early_auction", call_state::greeting, ending_step::none,
     [](call_settings& s) { s.early_auction = false; }, to_greeting_speaking},
    {"greeting_offers_waiting", call_state::greeting, ending_step::none, [](call_settings&) {},
     to_greeting_with_offers},
    {"hold_reserving", call_state::hold, ending_step::none, [](call_settings&) {}, to_hold},
    {"auction_pinged", call_state::auction, ending_step::none, [](call_settings&) {}, to_auction_pinged},
    {"auction_transferring", call_state::auction, ending_step::none, [](call_settings&) {}, to_transferring},
    {"bridged", call_state::bridged, ending_step::none, [](call_settings&) {}, to_bridged},
    {"bridged_recording", call_state::bridged, ending_step::none, [](call_settings& s) { s.record = true; },
     to_bridged},
    {"ending_speaking", call_state::ending, ending_step::speaking, [](call_settings&) {}, to_ending_speaking},
    {"ending_hanging_up", call_state::ending, ending_step::hanging_up, [](call_settings&) {}, to_ending_hanging_up},
    {"ending_wrapping_up", call_state::ending, ending_step::wrapping_up, [](call_settings& s) { s.record = true; },
     to_ending_wrapping_up},
    {"unknown_number_awaiting_answer", call_state::ending, ending_step::await_answer, [](call_settings&) {},
     to_unknown_awaiting_answer},
    {"unknown_number_speaking", call_state::ending, ending_step::speaking, [](call_settings&) {}, to_unknown_speaking},
    {"done", call_state::done, ending_step::none, [](call_settings&) {}, to_done},
  };
  return cases;
}

call_driver build_state(const state_case& sc) {
  auto settings = test_settings();
  sc.configure(settings);
  call_driver d{settings};
  sc.build(d);
  return d;
}

// -- every (state, input) pair ------------------------------------------------------

struct input_case {
  std::string name;
  std::function<call_input(call_driver&)> make;
};

const std::vector<input_case>& input_cases() {
  static const std::vector<input_case> cases = [] {
    std::vector<input_case> out;
    auto ev = [&out](std::string name, carrier_event_kind kind, call_leg leg) {
      out.push_back({std::move(name), [kind, leg](call_driver&) -> call_input {
                       auto e = event(kind, leg);
                       if (kind == carrier_event_kind::hangup) {
                         e.cause = hangup_cause::normal_clearing;
                         e.source = leg == call_leg::caller ? hangup_source::caller : hangup_source::callee;
                       }
                       if (kind == carrier_event_kind::recording_saved) e.detail = "https://rec.example/1.mp3";
                       if (kind == carrier_event_kind::dtmf || kind == carrier_event_kind::gather_ended) e.detail = "1";
                       return e;
                     }});
    };
    for (auto kind : all_event_kinds) {
      if (kind == carrier_event_kind::command_failed) continue;
      std::string name{to_string(kind)};
      if (kind == carrier_event_kind::hangup || kind == carrier_event_kind::answered ||
          kind == carrier_event_kind::bridged) {
        ev(name + "_caller_leg", kind, call_leg::caller);
        ev(name + "_buyer_leg", kind, call_leg::buyer);
      } else {
        ev(name, kind, call_leg::caller);
      }
    }
    for (auto k : all_command_kinds)
      out.push_back({std::string{to_string(k)} + "_failed", [k](call_driver&) -> call_input { return failure(k); }});
    for (auto k : all_timer_kinds) {
      // Generation 0 is never issued (arm() increments first): a kind that was
      // never armed gets generation 1, which does not match yet.
      out.push_back({"timer_" + timer_name(k) + "_current", [k](call_driver& d) -> call_input {
                       auto g = d.c.timer_generation[idx(k)];
                       return timer_fired{k, g == 0 ? 1u : g};
                     }});
      out.push_back({"timer_" + timer_name(k) + "_stale", [k](call_driver& d) -> call_input {
                       auto g = d.c.timer_generation[idx(k)];
                       return timer_fired{k, g == 0 ? 1u : g - 1};
                     }});
    }
    out.push_back({"round_pinged_current", [](call_driver& d) -> call_input { return round_pinged{d.c.round}; }});
    out.push_back({"round_pinged_stale",
                   [](call_driver& d) -> call_input { return round_pinged{d.c.round == 0 ? 7u : d.c.round - 1}; }});
    out.push_back({"round_closed_current", [](call_driver& d) -> call_input {
                     round_closed rc;
                     rc.round = d.c.round;
                     rc.offers = {d.make_offer("buyer-x", 30'000'000), d.make_offer("buyer-y", 25'000'000)};
                     return rc;
                   }});
    out.push_back({"round_closed_current_empty", [](call_driver& d) -> call_input {
                     round_closed rc;
                     rc.round = d.c.round;
                     return rc;
                   }});
    out.push_back({"round_closed_stale", [](call_driver& d) -> call_input {
                     round_closed rc;
                     rc.round = d.c.round == 0 ? 7u : d.c.round - 1;
                     rc.offers = {d.make_offer("buyer-x", 30'000'000), d.make_offer("buyer-y", 25'000'000)};
                     return rc;
                   }});
    out.push_back({"shutdown_requested", [](call_driver&) -> call_input { return shutdown_requested{}; }});
    out.push_back({"call_resumed", [](call_driver&) -> call_input { return call_resumed{}; }});
    out.push_back({"reservation_adopted", [](call_driver& d) -> call_input { return d.adopt_reply(); }});
    return out;
  }();
  return cases;
}

class CallMachineStateInput : public ::testing::TestWithParam<std::tuple<size_t, size_t>> {};

TEST_P(CallMachineStateInput, InvariantsHoldAndTheCallStillEndsOnce) {
  const auto& sc = state_cases()[std::get<0>(GetParam())];
  const auto& ic = input_cases()[std::get<1>(GetParam())];
  auto d = build_state(sc);
  ASSERT_CLEAN(d);
  ASSERT_EQ(d.c.state, sc.expected) << d.history();
  ASSERT_EQ(d.c.ending, sc.expected_ending) << d.history();
  ASSERT_EQ(d.finished, sc.expected == call_state::done ? 1 : 0);

  const auto before = d.c;
  auto input = ic.make(d);
  // The builders never resume, so a reservation_adopted here is a reply nobody
  // asked for (the race of the AdoptRace tests): it must be given back untouched.
  auto fx = d.feed(input);
  EXPECT_CLEAN(d);

  const bool done_before = before.state == call_state::done;
  const auto* ev = std::get_if<carrier_event>(&input);
  const auto* tf = std::get_if<timer_fired>(&input);

  // A finished call ignores everything; resuming it only books the lead again.
  if (done_before) {
    if (std::holds_alternative<call_resumed>(input)) {
      EXPECT_TRUE(fx.finished);
      EXPECT_TRUE(fx.commands.empty());
      EXPECT_TRUE(fx.timers.empty());
      EXPECT_TRUE(fx.commits.empty() && fx.releases.empty());
      EXPECT_EQ(fx.adopt, adopt_kind::none);
      EXPECT_FALSE(fx.start_round);
      EXPECT_EQ(d.rebooked, 1);
    } else {
      EXPECT_TRUE(no_effects(fx));
      EXPECT_EQ(d.c.journal.size(), before.journal.size());
    }
    EXPECT_EQ(d.c.state, call_state::done);
  }

  // Stale timers are ignored entirely.
  if (tf != nullptr && tf->generation != before.timer_generation[idx(tf->kind)]) {
    EXPECT_TRUE(no_effects(fx));
    EXPECT_EQ(d.c.state, before.state);
    EXPECT_EQ(d.c.journal.size(), before.journal.size());
  }

  if (ev != nullptr && !done_before) {
    switch (ev->kind) {
      case carrier_event_kind::initiated:
      case carrier_event_kind::dtmf:
      case carrier_event_kind::gather_ended:
        EXPECT_TRUE(no_effects(fx));
        EXPECT_EQ(d.c.state, before.state);
        break;
      case carrier_event_kind::answered:
        if (ev->leg == call_leg::buyer || before.answered) {
          EXPECT_TRUE(no_effects(fx));
          EXPECT_EQ(d.c.answered, before.answered);
        } else {
          EXPECT_TRUE(d.c.answered);
          EXPECT_EQ(d.c.answered_at, d.now);
        }
        break;
      case carrier_event_kind::bridged:
        if (before.transferring) {
          EXPECT_EQ(d.c.state, call_state::bridged);
          EXPECT_EQ(fx.commits, std::vector<uint64_t>{before.current.token});
        } else {
          EXPECT_TRUE(no_effects(fx));
          EXPECT_EQ(d.c.state, before.state);
        }
        break;
      case carrier_event_kind::hangup:
        if (ev->leg == call_leg::caller) {
          EXPECT_TRUE(d.c.caller_gone);
          EXPECT_TRUE(d.c.state == call_state::done || d.c.ending == ending_step::wrapping_up);
          EXPECT_TRUE(fx.commands.empty()); // nothing to say to a caller who left
          auto want_outcome = before.bridged_at != 0                       ? disposition::bridged
                              : before.outcome == disposition::in_progress ? disposition::abandoned
                                                                           : before.outcome;
          EXPECT_EQ(d.c.outcome, want_outcome);
          EXPECT_EQ(d.c.ended_in, is_live_state(before.state) ? before.state : before.ended_in);
        } else if (!before.transferring && before.state != call_state::bridged) {
          EXPECT_TRUE(no_effects(fx));
          EXPECT_EQ(d.c.state, before.state);
        } else if (before.state == call_state::bridged) {
          EXPECT_EQ(d.c.state, call_state::ending);
          EXPECT_EQ(d.c.outcome, disposition::bridged);
          EXPECT_EQ(kinds_of(fx.commands), std::vector<command_kind>{command_kind::hangup});
        } else {
          EXPECT_FALSE(d.c.transferring && d.c.current.token == before.current.token);
          EXPECT_NE(std::find(fx.releases.begin(), fx.releases.end(), before.current.token), fx.releases.end());
        }
        break;
      default: break;
    }
  }

  if (std::holds_alternative<shutdown_requested>(input) && !done_before) {
    if (before.state == call_state::ending) {
      EXPECT_TRUE(no_effects(fx));
    } else {
      EXPECT_EQ(d.c.state, call_state::ending);
      EXPECT_EQ(d.c.outcome, before.outcome == disposition::in_progress ? disposition::interrupted : before.outcome);
      EXPECT_EQ(kinds_of(fx.commands), std::vector<command_kind>{command_kind::hangup});
    }
  }

  if (std::holds_alternative<call_resumed>(input) && !done_before) {
    EXPECT_TRUE(fx.state_changed);
    EXPECT_EQ(d.c.current.token, 0u);
    auto want_adopt = before.state == call_state::bridged ? adopt_kind::committed
                      : before.transferring               ? adopt_kind::pending
                                                          : adopt_kind::none;
    EXPECT_EQ(fx.adopt, want_adopt);
    if (before.state == call_state::auction && !before.transferring) {
      EXPECT_EQ(d.c.state, call_state::hold); // the lost round runs again: pings not out yet
    } else if (before.state != call_state::greeting) {
      EXPECT_EQ(d.c.state, before.state);
    }
    EXPECT_TRUE(fx.commits.empty() && fx.releases.empty()); // the ledger freed them with the old actor
  }

  if (const auto* rc = std::get_if<round_closed>(&input); rc != nullptr && !done_before) {
    const bool wanted =
      before.round_running && rc->round == before.round && !before.caller_gone && before.ending == ending_step::none;
    if (!wanted) {
      std::vector<uint64_t> tokens;
      for (const auto& o : rc->offers) tokens.push_back(o.token);
      EXPECT_EQ(fx.releases, tokens);
      EXPECT_TRUE(fx.commands.empty());
      EXPECT_EQ(d.c.state, before.state);
    } else {
      // Taken: the offers are tried, or an empty round starts the next one.
      EXPECT_TRUE(!d.c.round_running || (rc->offers.empty() && d.c.round == before.round + 1));
    }
  }

  // Whatever happened, the watchdogs alone bring the call to done, once.
  d.drive_to_done();
  d.check_end();
  EXPECT_CLEAN(d);
}

std::string sanitize(std::string name) {
  for (auto& ch : name)
    if (!std::isalnum(static_cast<unsigned char>(ch))) ch = '_';
  return name;
}

INSTANTIATE_TEST_SUITE_P(AllPairs, CallMachineStateInput,
                         ::testing::Combine(::testing::Range<size_t>(0, state_cases().size()),
                                            ::testing::Range<size_t>(0, input_cases().size())),
                         [](const ::testing::TestParamInfo<std::tuple<size_t, size_t>>& p) {
                           return sanitize(state_cases()[std::get<0>(p.param)].name + "__" +
                                           input_cases()[std::get<1>(p.param)].name);
                         });

// -- random sequences ---------------------------------------------------------------

std::vector<offer> random_offers(call_driver& d, std::mt19937& rng, size_t max_count) {
  std::vector<offer> out;
  auto n = rng() % (max_count + 1);
  std::vector<std::string> buyers{"buyer-a", "buyer-b", "buyer-c", "buyer-d", "buyer-e"};
  std::shuffle(buyers.begin(), buyers.end(), rng);
  for (size_t i = 0; i < n; ++i) {
    auto amount = static_cast<int64_t>(1 + rng() % 50) * 1'000'000 + static_cast<int64_t>(rng() % 1'000);
    auto expires = std::chrono::seconds{1 + rng() % 90};
    out.push_back(d.make_offer(buyers[i], amount, expires));
  }
  std::sort(out.begin(), out.end(), [](const offer& x, const offer& y) { return x.amount_micros > y.amount_micros; });
  return out;
}

round_closed random_close(call_driver& d, std::mt19937& rng, uint32_t round) {
  round_closed rc;
  rc.round = round;
  rc.offers = random_offers(d, rng, 3);
  rc.latency_us = static_cast<int64_t>(rng() % 500'000);
  rc.summary = "random";
  return rc;
}

/// The input that moves the call along its normal path.
call_input progress_input(call_driver& d, std::mt19937& rng) {
  const auto& c = d.c;
  switch (c.state) {
    case call_state::greeting:
      if (!c.answered) return event(carrier_event_kind::answered);
      if (c.round_running && rng() % 2 == 0) {
        if (!c.round_pinged) return round_pinged{c.round};
        return random_close(d, rng, c.round);
      }
      return event(carrier_event_kind::speak_ended);
    case call_state::hold:
    case call_state::auction:
      if (c.transferring) {
        if (rng() % 4 == 0) return hangup_event(call_leg::buyer, hangup_cause::no_answer, hangup_source::callee);
        return event(carrier_event_kind::bridged, call_leg::buyer);
      }
      if (c.round_running && !c.round_pinged) return round_pinged{c.round};
      return random_close(d, rng, c.round);
    case call_state::bridged:
      switch (rng() % 3) {
        case 0: return hangup_event(call_leg::caller);
        case 1: return hangup_event(call_leg::buyer, hangup_cause::normal_clearing, hangup_source::callee);
        default: return recording_saved_event("https://rec.example/" + std::to_string(rng() % 100) + ".mp3");
      }
    case call_state::ending:
      switch (c.ending) {
        case ending_step::await_answer: return event(carrier_event_kind::answered);
        case ending_step::speaking: return event(carrier_event_kind::speak_ended);
        case ending_step::hanging_up:
          return hangup_event(call_leg::caller, hangup_cause::normal_clearing, hangup_source::callee);
        case ending_step::wrapping_up:
        case ending_step::none: return recording_saved_event("https://rec.example/x.mp3");
      }
      break;
    case call_state::done: break;
  }
  return shutdown_requested{};
}

call_input random_input(call_driver& d, std::mt19937& rng, bool allow_resume, bool late_adopt) {
  const auto& c = d.c;
  if (late_adopt && d.adopt_outstanding && rng() % 6 == 0) return d.adopt_reply();
  auto r = rng() % 100;
  if (r < 35) return progress_input(d, rng);
  if (r < 55) {
    auto kind = all_event_kinds[rng() % all_event_kinds.size()];
    auto leg = rng() % 2 == 0 ? call_leg::caller : call_leg::buyer;
    auto ev = event(kind, leg);
    switch (kind) {
      case carrier_event_kind::hangup:
        ev.cause = static_cast<hangup_cause>(rng() % 9);
        ev.source = static_cast<hangup_source>(rng() % 3);
        break;
      case carrier_event_kind::recording_saved: ev.detail = rng() % 4 == 0 ? "" : "https://rec.example/r.mp3"; break;
      case carrier_event_kind::command_failed:
        ev.failed_command = all_command_kinds[rng() % all_command_kinds.size()];
        ev.detail = "boom";
        break;
      case carrier_event_kind::dtmf:
      case carrier_event_kind::gather_ended: ev.detail = "9"; break;
      default: break;
    }
    return ev;
  }
  if (r < 63) return failure(all_command_kinds[rng() % all_command_kinds.size()]);
  if (r < 80) {
    auto k = all_timer_kinds[rng() % all_timer_kinds.size()];
    auto current = c.timer_generation[idx(k)];
    auto pick = rng() % 10;
    uint32_t gen = d.armed[idx(k)];
    if (pick < 2)
      gen = current; // even a disarmed one
    else if (pick < 4)
      gen = current == 0 ? 0 : rng() % current; // stale
    if (gen == 0) gen = current + 1;            // generation 0 is never issued
    return timer_fired{k, gen};
  }
  if (r < 85) return round_pinged{rng() % 4 == 0 && c.round > 0 ? c.round - 1 : c.round};
  if (r < 93) {
    uint32_t round = c.round;
    auto pick = rng() % 5;
    if (pick == 0 && c.round > 0)
      round = c.round - 1;
    else if (pick == 1)
      round = c.round + 1;
    return random_close(d, rng, round);
  }
  if (r < 96) return shutdown_requested{};
  if (allow_resume && r < 98) return call_resumed{};
  return progress_input(d, rng);
}

struct random_stats {
  int sequences = 0;
  int failed_sequences = 0;
  std::map<disposition, int> outcomes;
  std::map<call_state, int> ended_in;
  int resumed = 0;
  int with_recording_url = 0;
  int max_transfer_attempts_seen = 0;
  int stale_inputs_after_done = 0;
  std::string first_failure;
};

call_settings random_settings(std::mt19937& rng) {
  auto s = test_settings();
  s.early_auction = rng() % 2 == 0;
  s.record = rng() % 3 == 0;
  if (rng() % 5 == 0) s.hold_audio_url.clear();
  if (rng() % 7 == 0) s.greeting_text.clear();
  if (rng() % 3 == 0) s.ending_text.clear();
  s.max_rounds = 1 + rng() % 3;
  s.max_transfer_attempts = 1 + rng() % 3;
  s.transfer_timeout_s = 5 + static_cast<int32_t>(rng() % 30);
  return s;
}

random_stats run_random(uint32_t seed, int sequences, bool allow_resume, bool late_adopt) {
  random_stats st;
  for (int i = 0; i < sequences; ++i) {
    std::mt19937 rng(seed ^ (static_cast<uint32_t>(i) * 2654435761u));
    call_driver d{random_settings(rng)};
    d.revenue_share_bp = static_cast<int32_t>(rng() % 10'001);
    d.immediate_adopt = !late_adopt;
    d.route(rng() % 12 != 0);
    int length = static_cast<int>(rng() % 45);
    int after_done = 0;
    for (int n = 0; n < length && after_done < 3; ++n) {
      d.advance(std::chrono::milliseconds{rng() % 4 == 0 ? 0 : rng() % 8'000});
      bool done = d.c.state == call_state::done;
      auto in = random_input(d, rng, allow_resume && !done, late_adopt);
      if (done) {
        ++after_done;
        ++st.stale_inputs_after_done;
      }
      d.feed(in);
      // Assumption the machine relies on: the ledger answers a re-take request
      // before the call is over (within its peer timeout, while the call ends
      // with hangup and confirmation). Arbitrary lateness up to then is covered.
      if (late_adopt && d.adopt_outstanding && d.c.state == call_state::ending) d.feed(d.adopt_reply());
    }
    // The ledger answers an adopt request within its peer timeout, long before a
    // live call's watchdogs fire: deliver a reply still on its way first.
    if (d.adopt_outstanding && d.c.state != call_state::done) d.feed(d.adopt_reply());
    d.drive_to_done(50);
    d.check_end();
    ++st.sequences;
    st.resumed += d.resumes > 0 ? 1 : 0;
    if (!d.errors.empty()) {
      ++st.failed_sequences;
      if (st.first_failure.empty())
        st.first_failure = "sequence " + std::to_string(i) + " (seed " + std::to_string(seed) + "):\n" + d.report();
      continue;
    }
    ++st.outcomes[d.lead.outcome];
    ++st.ended_in[d.lead.ended_in];
    if (!d.lead.recording_url.empty()) ++st.with_recording_url;
    st.max_transfer_attempts_seen = std::max(st.max_transfer_attempts_seen, static_cast<int>(d.lead.transfer_attempts));
  }
  return st;
}

TEST(CallMachineRandom, EverySequenceEndsInDoneOnceWithEveryTokenReleased) {
  auto st = run_random(0xC0FFEEu, 20'000, true, false);
  EXPECT_EQ(st.failed_sequences, 0) << st.first_failure;
  std::ostringstream summary;
  summary << st.sequences << " sequences;";
  for (const auto& [o, n] : st.outcomes) summary << " " << to_string(o) << "=" << n;
  summary << "; ended_in";
  for (const auto& [s, n] : st.ended_in) summary << " " << to_string(s) << "=" << n;
  summary << "; resumed " << st.resumed << ", recordings " << st.with_recording_url << ", inputs after done "
          << st.stale_inputs_after_done;
  RecordProperty("summary", summary.str());
  std::cout << "[ random   ] " << summary.str() << "\n";
  // The sequences must actually reach every outcome and every live state.
  for (auto o : {disposition::bridged, disposition::no_buyer, disposition::buyer_no_answer, disposition::abandoned,
                 disposition::unknown_number, disposition::failed, disposition::interrupted})
    EXPECT_GT(st.outcomes[o], 100) << "outcome " << to_string(o) << " too rare";
  for (auto s : {call_state::greeting, call_state::hold, call_state::auction, call_state::bridged})
    EXPECT_GT(st.ended_in[s], 100) << "ended_in " << to_string(s) << " too rare";
  EXPECT_GT(st.resumed, 500);
  EXPECT_GT(st.with_recording_url, 100);
  EXPECT_GE(st.max_transfer_attempts_seen, 3);
  EXPECT_GT(st.stale_inputs_after_done, 1'000);
}

TEST(CallMachineRandom, LateAdoptRepliesNeverLeakOrMiscount) {
  auto st = run_random(0xADD0u, 20'000, true, true);
  EXPECT_EQ(st.failed_sequences, 0) << st.first_failure;
}

// -- scenarios -------------------------------------------------------------------------

TEST(CallMachine, MakeCallStartsInGreeting) {
  auto c = make_call(call_id{1, 2}, "cc-9", "+15551234567", "+18005550100", t0);
  EXPECT_EQ(c.id, (call_id{1, 2}));
  EXPECT_EQ(c.carrier_call_id, "cc-9");
  EXPECT_EQ(c.caller, "+15551234567");
  EXPECT_EQ(c.did, "+18005550100");
  EXPECT_EQ(c.started_at, t0);
  EXPECT_EQ(c.state, call_state::greeting);
  EXPECT_EQ(c.outcome, disposition::in_progress);
  ASSERT_EQ(c.journal.size(), 1u);
  EXPECT_EQ(c.journal[0].note, "initiated");
  EXPECT_EQ(c.timer_generation.size(), static_cast<size_t>(timer_kind_count));
}

TEST(CallMachine, SettingsFromConfig) {
  engine_config cfg;
  cfg.not_in_service_text = "nope";
  cfg.timing.answer_timeout_ms = 1'111;
  cfg.timing.greeting_timeout_ms = 2'222;
  cfg.timing.max_hold_ms = 3'333;
  cfg.timing.transfer_grace_ms = 4'444;
  cfg.timing.max_talk_ms = 5'555;
  cfg.timing.ending_timeout_ms = 6'666;
  campaign_config camp;
  camp.greeting_text = "hi";
  camp.hold_audio_url = "hold.mp3";
  camp.ending_text = "bye";
  camp.voice = "male";
  camp.language = "es-MX";
  camp.early_auction = false;
  camp.record = true;
  camp.max_rounds = 4;
  camp.max_transfer_attempts = 5;
  camp.transfer_timeout_s = 17;
  source_config src;
  src.revenue_share_bp = 4'321;
  auto s = call_settings::make(cfg, &camp, &src);
  EXPECT_EQ(s.greeting_text, "hi");
  EXPECT_EQ(s.hold_audio_url, "hold.mp3");
  EXPECT_EQ(s.ending_text, "bye");
  EXPECT_EQ(s.not_in_service_text, "nope");
  EXPECT_EQ(s.voice, "male");
  EXPECT_EQ(s.language, "es-MX");
  EXPECT_FALSE(s.early_auction);
  EXPECT_TRUE(s.record);
  EXPECT_EQ(s.max_rounds, 4u);
  EXPECT_EQ(s.max_transfer_attempts, 5u);
  EXPECT_EQ(s.transfer_timeout_s, 17);
  EXPECT_EQ(s.source, &src);
  EXPECT_EQ(s.answer_timeout, caf::timespan{1'111ms});
  EXPECT_EQ(s.greeting_timeout, caf::timespan{2'222ms});
  EXPECT_EQ(s.max_hold, caf::timespan{3'333ms});
  EXPECT_EQ(s.transfer_grace, caf::timespan{4'444ms});
  EXPECT_EQ(s.max_talk, caf::timespan{5'555ms});
  EXPECT_EQ(s.ending_timeout, caf::timespan{6'666ms});
  auto unassigned = call_settings::make(cfg, nullptr, nullptr);
  EXPECT_EQ(unassigned.not_in_service_text, "nope");
  EXPECT_TRUE(unassigned.greeting_text.empty());
  EXPECT_EQ(unassigned.source, nullptr);
  EXPECT_EQ(unassigned.answer_timeout, caf::timespan{1'111ms});
}

TEST(CallMachine, HappyPathCommandSequence) {
  call_driver d;
  auto fx = d.route();
  EXPECT_EQ(kinds_of(fx.commands), std::vector<command_kind>{command_kind::answer});
  ASSERT_EQ(fx.timers.size(), 1u);
  EXPECT_EQ(fx.timers[0].kind, timer_kind::answer);
  EXPECT_EQ(fx.timers[0].delay, caf::timespan{5s});
  EXPECT_FALSE(fx.start_round);
  EXPECT_EQ(d.c.state, call_state::greeting);

  d.advance(200ms);
  fx = d.answer();
  EXPECT_TRUE(d.c.answered);
  EXPECT_EQ(d.c.answered_at, t0 + 200'000);
  EXPECT_TRUE(fx.start_round); // early auction
  EXPECT_EQ(d.c.round, 1u);
  ASSERT_EQ(kinds_of(fx.commands), std::vector<command_kind>{command_kind::speak});
  EXPECT_EQ(fx.commands[0].payload, d.s.greeting_text);
  EXPECT_EQ(fx.commands[0].voice, "female");
  EXPECT_EQ(fx.commands[0].language, "en-US");
  ASSERT_EQ(fx.timers.size(), 1u);
  EXPECT_EQ(fx.timers[0].kind, timer_kind::greeting);
  EXPECT_EQ(fx.timers[0].delay, caf::timespan{30s});
  EXPECT_EQ(d.c.state, call_state::greeting);

  d.advance(4s);
  fx = d.speak_ended();
  EXPECT_EQ(d.c.state, call_state::hold); // round reserving, pings not out yet
  EXPECT_EQ(d.c.hold_started_at, d.now);
  ASSERT_EQ(kinds_of(fx.commands), std::vector<command_kind>{command_kind::play});
  EXPECT_EQ(fx.commands[0].payload, d.s.hold_audio_url);
  EXPECT_TRUE(fx.commands[0].loop);
  EXPECT_FALSE(fx.start_round); // the early round is still running
  ASSERT_EQ(fx.timers.size(), 1u);
  EXPECT_EQ(fx.timers[0].kind, timer_kind::max_hold);
  EXPECT_EQ(fx.timers[0].delay, caf::timespan{120s});

  fx = d.pinged();
  EXPECT_EQ(d.c.state, call_state::auction);
  EXPECT_TRUE(fx.state_changed);

  d.advance(400ms);
  auto a = d.make_offer("buyer-a", 20'000'000);
  auto b = d.make_offer("buyer-b", 15'000'000);
  fx = d.closed({a, b});
  EXPECT_EQ(d.c.first_round_latency_us, 123'456);
  ASSERT_EQ(kinds_of(fx.commands), std::vector<command_kind>{command_kind::transfer});
  EXPECT_EQ(fx.commands[0].payload, a.destination);
  EXPECT_EQ(fx.commands[0].from, "+18005550199");
  EXPECT_EQ(fx.commands[0].timeout_secs, 30);
  ASSERT_EQ(fx.timers.size(), 1u);
  EXPECT_EQ(fx.timers[0].kind, timer_kind::transfer);
  EXPECT_EQ(fx.timers[0].delay, caf::timespan{35s});
  EXPECT_TRUE(d.c.transferring);
  EXPECT_EQ(d.c.current.buyer_id, "buyer-a");
  EXPECT_EQ(d.c.transfer_attempts, 1u);
  ASSERT_EQ(d.c.offers.size(), 1u);
  EXPECT_EQ(d.c.offers[0].buyer_id, "buyer-b");

  d.advance(5s);
  fx = d.bridge();
  EXPECT_EQ(d.c.state, call_state::bridged);
  EXPECT_EQ(d.c.outcome, disposition::bridged);
  EXPECT_EQ(d.c.bridged_at, d.now);
  EXPECT_EQ(fx.commits, std::vector<uint64_t>{a.token});
  EXPECT_EQ(fx.releases, std::vector<uint64_t>{b.token});
  EXPECT_EQ(kinds_of(fx.commands), std::vector<command_kind>{command_kind::stop_play});
  ASSERT_EQ(fx.timers.size(), 1u);
  EXPECT_EQ(fx.timers[0].kind, timer_kind::talk);
  EXPECT_EQ(fx.timers[0].delay, caf::timespan{4h});

  d.advance(90s);
  fx = d.buyer_hangup();
  EXPECT_EQ(d.c.state, call_state::ending);
  EXPECT_EQ(d.c.ending, ending_step::hanging_up);
  EXPECT_EQ(kinds_of(fx.commands), std::vector<command_kind>{command_kind::hangup}); // no ending speech
  EXPECT_EQ(fx.releases, std::vector<uint64_t>{a.token});                            // frees the slot
  ASSERT_EQ(fx.timers.size(), 1u);
  EXPECT_EQ(fx.timers[0].kind, timer_kind::ending);

  d.advance(300ms);
  fx = d.caller_hangup(); // the carrier confirms our hangup
  EXPECT_TRUE(fx.finished);
  EXPECT_EQ(d.c.state, call_state::done);
  EXPECT_TRUE(fx.releases.empty());

  EXPECT_EQ(kinds_of(d.commands),
            (std::vector<command_kind>{command_kind::answer, command_kind::speak, command_kind::play,
                                       command_kind::transfer, command_kind::stop_play, command_kind::hangup}));
  d.check_end();
  EXPECT_CLEAN(d);
  EXPECT_EQ(d.lead.outcome, disposition::bridged);
  EXPECT_EQ(d.lead.ended_in, call_state::bridged);
  EXPECT_EQ(d.lead.buyer_id, "buyer-a");
  EXPECT_EQ(d.lead.destination, a.destination);
  EXPECT_EQ(d.lead.bid_micros, 20'000'000);
  EXPECT_EQ(d.lead.revenue_micros, 20'000'000);
  EXPECT_EQ(d.lead.payout_micros, 5'000'000); // 25 %
  EXPECT_EQ(d.lead.hold_ms, 5'400);
  EXPECT_EQ(d.lead.talk_ms, 90'300);
  EXPECT_EQ(d.lead.auction_rounds, 1u);
  EXPECT_EQ(d.lead.transfer_attempts, 1u);
  EXPECT_EQ(d.lead.auction_latency_us, 123'456);
  EXPECT_EQ(d.lead.campaign_id, "camp-1");
  EXPECT_EQ(d.lead.source_id, "src-1");
}

TEST(CallMachine, EarlyAuctionOffersWaitForTheGreeting) {
  call_driver d;
  to_greeting_speaking(d);
  EXPECT_TRUE(d.last.start_round);
  auto fx = d.pinged();
  EXPECT_EQ(d.c.state, call_state::greeting); // pings out during the greeting: still greeting
  EXPECT_TRUE(d.c.round_pinged);
  auto a = d.make_offer("buyer-a", 9'000'000);
  fx = d.closed({a});
  EXPECT_EQ(d.c.state, call_state::greeting);
  EXPECT_TRUE(fx.commands.empty()); // no transfer over the greeting
  EXPECT_FALSE(d.c.transferring);
  ASSERT_EQ(d.c.offers.size(), 1u);
  d.advance(2s);
  fx = d.speak_ended();
  EXPECT_EQ(kinds_of(fx.commands), (std::vector<command_kind>{command_kind::play, command_kind::transfer}));
  EXPECT_EQ(d.c.state, call_state::auction);
  EXPECT_TRUE(d.c.transferring);
  EXPECT_EQ(d.c.current.token, a.token);
  EXPECT_FALSE(fx.start_round);
  EXPECT_CLEAN(d);
}

TEST(CallMachine, EarlyAuctionPingsBeforeGreetingEndsGoStraightToAuction) {
  call_driver d;
  to_greeting_speaking(d);
  d.pinged();
  d.speak_ended();
  EXPECT_EQ(d.c.state, call_state::auction);
  EXPECT_TRUE(d.c.round_running);
  EXPECT_CLEAN(d);
}

TEST(CallMachine, EarlyAuctionOffStartsTheRoundAfterTheGreeting) {
  auto s = test_settings();
  s.early_auction = false;
  call_driver d{s};
  d.route();
  auto fx = d.answer();
  EXPECT_FALSE(fx.start_round);
  EXPECT_EQ(d.c.round, 0u);
  EXPECT_EQ(kinds_of(fx.commands), std::vector<command_kind>{command_kind::speak});
  fx = d.speak_ended();
  EXPECT_TRUE(fx.start_round);
  EXPECT_EQ(d.c.round, 1u);
  EXPECT_EQ(d.c.state, call_state::hold);
  d.pinged();
  EXPECT_EQ(d.c.state, call_state::auction);
  EXPECT_CLEAN(d);
}

TEST(CallMachine, NoGreetingTextGoesStraightToHold) {
  auto s = test_settings();
  s.greeting_text.clear();
  call_driver d{s};
  d.route();
  auto fx = d.answer();
  EXPECT_EQ(d.c.state, call_state::hold);
  EXPECT_TRUE(d.c.greeting_done);
  EXPECT_TRUE(fx.start_round);
  EXPECT_EQ(kinds_of(fx.commands), std::vector<command_kind>{command_kind::play});
  EXPECT_FALSE(d.timer_live(timer_kind::greeting));
  EXPECT_TRUE(d.timer_live(timer_kind::max_hold));
  EXPECT_CLEAN(d);
}

TEST(CallMachine, NoHoldAudioMeansNoPlayAndNoStopPlay) {
  auto s = test_settings();
  s.hold_audio_url.clear();
  call_driver d{s};
  to_bridged(d);
  for (const auto& cmd : d.commands) {
    EXPECT_NE(cmd.kind, command_kind::play);
    EXPECT_NE(cmd.kind, command_kind::stop_play);
  }
  EXPECT_EQ(d.c.state, call_state::bridged);
  EXPECT_CLEAN(d);
}

TEST(CallMachine, HoldAudioEndedIsNotStoppedAtBridge) {
  call_driver d;
  to_transferring(d);
  d.feed(event(carrier_event_kind::playback_ended));
  EXPECT_FALSE(d.c.hold_audio);
  auto fx = d.bridge();
  EXPECT_TRUE(fx.commands.empty()); // nothing to stop
  EXPECT_CLEAN(d);
}

TEST(CallMachine, CallerHangupBeforeBridgeIsAbandonedInEachState) {
  struct pre_bridge {
    const char* name;
    std::function<void(call_driver&)> build;
    call_state state;
  };
  const std::vector<pre_bridge> cases{
    {"greeting before answer", to_greeting_routed, call_state::greeting},
    {"greeting speaking", to_greeting_speaking, call_state::greeting},
    {"greeting with offers", to_greeting_with_offers, call_state::greeting},
    {"hold", to_hold, call_state::hold},
    {"auction pinged", to_auction_pinged, call_state::auction},
    {"auction transferring", to_transferring, call_state::auction},
  };
  for (const auto& pc : cases) {
    SCOPED_TRACE(pc.name);
    call_driver d;
    pc.build(d);
    ASSERT_EQ(d.c.state, pc.state);
    d.advance(1s);
    const bool round_was_running = d.c.round_running;
    const auto held = d.live;
    auto fx = d.feed(hangup_event(call_leg::caller, hangup_cause::originator_cancel, hangup_source::caller));
    EXPECT_EQ(fx.abandon_round, round_was_running);
    EXPECT_EQ(std::set<uint64_t>(fx.releases.begin(), fx.releases.end()), held);
    EXPECT_TRUE(fx.finished);
    EXPECT_TRUE(fx.commands.empty());
    EXPECT_EQ(d.c.state, call_state::done);
    EXPECT_EQ(d.c.outcome, disposition::abandoned);
    EXPECT_EQ(d.c.ended_in, pc.state);
    d.check_end();
    EXPECT_CLEAN(d);
    EXPECT_EQ(d.lead.outcome, disposition::abandoned);
    EXPECT_EQ(d.lead.ended_in, pc.state);
    EXPECT_EQ(d.lead.cause, hangup_cause::originator_cancel);
    EXPECT_EQ(d.lead.source, hangup_source::caller);
    EXPECT_EQ(d.lead.revenue_micros, 0);
    EXPECT_TRUE(d.committed.empty());
  }
}

TEST(CallMachine, CallerHangupInHoldAbandonsTheRunningRound) {
  call_driver d;
  to_hold(d);
  ASSERT_TRUE(d.c.round_running);
  auto fx = d.caller_hangup();
  EXPECT_TRUE(fx.abandon_round);
  EXPECT_TRUE(fx.finished);
  // A round close arriving after the end is ignored (the actor abandoned it).
  auto late = d.closed({d.make_offer("buyer-z", 1'000'000)});
  EXPECT_TRUE(no_effects(late));
  EXPECT_CLEAN(d);
}

TEST(CallMachine, CallerHangupAfterBridgeStaysBridged) {
  call_driver d;
  to_bridged(d);
  auto token = d.c.current.token;
  d.advance(75s);
  auto fx = d.feed(hangup_event(call_leg::caller, hangup_cause::normal_clearing, hangup_source::caller));
  EXPECT_TRUE(fx.finished);
  EXPECT_TRUE(fx.commands.empty());
  EXPECT_EQ(fx.releases, std::vector<uint64_t>{token});
  EXPECT_EQ(d.c.outcome, disposition::bridged);
  EXPECT_EQ(d.c.ended_in, call_state::bridged);
  d.check_end();
  EXPECT_CLEAN(d);
  EXPECT_EQ(d.lead.talk_ms, 75'000);
  EXPECT_EQ(d.committed, std::set<uint64_t>{token});
}

TEST(CallMachine, GreetingWatchdogMovesToHold) {
  call_driver d;
  to_greeting_speaking(d);
  d.advance(30s);
  auto fx = d.fire(timer_kind::greeting);
  EXPECT_EQ(d.c.state, call_state::hold);
  EXPECT_TRUE(d.c.greeting_done);
  EXPECT_EQ(d.c.journal.back().note, "waiting for the auction");
  EXPECT_EQ(kinds_of(fx.commands), std::vector<command_kind>{command_kind::play});
  // The speech ending afterwards changes nothing.
  fx = d.speak_ended();
  EXPECT_TRUE(no_effects(fx));
  EXPECT_EQ(d.c.state, call_state::hold);
  EXPECT_CLEAN(d);
}

TEST(CallMachine, SpeakFailedDuringGreetingSkipsIt) {
  call_driver d;
  to_greeting_speaking(d);
  d.fail(command_kind::speak);
  EXPECT_EQ(d.c.state, call_state::hold);
  EXPECT_TRUE(d.c.greeting_done);
  EXPECT_CLEAN(d);
}

enum class transfer_failure { watchdog, buyer_hangup, command_failed };

class CallMachineTransferFailure : public ::testing::TestWithParam<transfer_failure> {
protected:
  call_effects fail_transfer(call_driver& d) {
    switch (GetParam()) {
      case transfer_failure::watchdog: d.advance(35s); return d.fire(timer_kind::transfer);
      case transfer_failure::buyer_hangup:
        d.advance(10s);
        return d.feed(hangup_event(call_leg::buyer, hangup_cause::user_busy, hangup_source::callee));
      case transfer_failure::command_failed: d.advance(100ms); return d.fail(command_kind::transfer);
    }
    return {};
  }
};

TEST_P(CallMachineTransferFailure, FallsBackToNextOfferThenNewRoundThenEnds) {
  call_driver d;
  to_auction_pinged(d);
  auto a = d.make_offer("buyer-a", 20'000'000);
  auto b = d.make_offer("buyer-b", 15'000'000);
  d.closed({a, b});
  ASSERT_EQ(d.c.current.token, a.token);

  auto fx = fail_transfer(d);
  EXPECT_EQ(fx.releases, std::vector<uint64_t>{a.token});
  ASSERT_EQ(kinds_of(fx.commands), std::vector<command_kind>{command_kind::transfer});
  EXPECT_EQ(fx.commands[0].payload, b.destination);
  EXPECT_EQ(d.c.current.token, b.token);
  EXPECT_EQ(d.c.transfer_attempts, 2u);
  EXPECT_EQ(d.c.state, call_state::auction);
  // Same state, another buyer's reservation: checkpointed, so a restart
  // re-takes b's reservation and not a's, given back above.
  EXPECT_TRUE(fx.state_changed);

  fx = fail_transfer(d);
  EXPECT_EQ(fx.releases, std::vector<uint64_t>{b.token});
  EXPECT_TRUE(fx.start_round); // out of offers: a second round
  EXPECT_TRUE(fx.commands.empty());
  EXPECT_EQ(d.c.round, 2u);
  EXPECT_EQ(d.c.state, call_state::hold);
  EXPECT_FALSE(d.c.transferring);
  EXPECT_FALSE(d.timer_live(timer_kind::transfer)); // the failed transfer's watchdog is disarmed
  EXPECT_TRUE(d.timer_live(timer_kind::max_hold));

  d.pinged();
  EXPECT_EQ(d.c.state, call_state::auction);
  fx = d.closed({}); // nobody bids in round 2: max_rounds reached
  EXPECT_EQ(d.c.state, call_state::ending);
  EXPECT_EQ(d.c.outcome, disposition::buyer_no_answer);
  EXPECT_EQ(d.c.ended_in, call_state::auction);
  ASSERT_EQ(kinds_of(fx.commands), std::vector<command_kind>{command_kind::speak});
  EXPECT_EQ(fx.commands[0].payload, d.s.ending_text);
  EXPECT_FALSE(fx.start_round);

  d.speak_ended();
  EXPECT_EQ(d.c.ending, ending_step::hanging_up);
  d.caller_hangup();
  d.check_end();
  EXPECT_CLEAN(d);
  EXPECT_EQ(d.lead.outcome, disposition::buyer_no_answer);
  EXPECT_EQ(d.lead.transfer_attempts, 2u);
  EXPECT_EQ(d.lead.auction_rounds, 2u);
  EXPECT_EQ(d.released, (std::set<uint64_t>{a.token, b.token}));
}

INSTANTIATE_TEST_SUITE_P(Kinds, CallMachineTransferFailure,
                         ::testing::Values(transfer_failure::watchdog, transfer_failure::buyer_hangup,
                                           transfer_failure::command_failed),
                         [](const ::testing::TestParamInfo<transfer_failure>& p) -> std::string {
                           switch (p.param) {
                             case transfer_failure::watchdog: return "watchdog";
                             case transfer_failure::buyer_hangup: return "buyer_hangup";
                             case transfer_failure::command_failed: return "command_failed";
                           }
                           return "unknown";
                         });

TEST(CallMachine, StaleTransferWatchdogIsIgnoredAfterFallback) {
  call_driver d;
  to_transferring(d);
  auto first_gen = d.c.timer_generation[idx(timer_kind::transfer)];
  d.fail(command_kind::transfer); // on to buyer-b
  ASSERT_EQ(d.c.current.buyer_id, "buyer-b");
  auto fx = d.feed(timer_fired{timer_kind::transfer, first_gen});
  EXPECT_TRUE(no_effects(fx));
  EXPECT_EQ(d.c.current.buyer_id, "buyer-b");
  EXPECT_TRUE(d.c.transferring);
  EXPECT_CLEAN(d);
}

TEST(CallMachine, NoBidsInAnyRoundIsNoBuyer) {
  call_driver d;
  to_auction_pinged(d);
  auto fx = d.closed({});
  EXPECT_TRUE(fx.start_round);
  EXPECT_EQ(d.c.round, 2u);
  d.pinged();
  fx = d.closed({});
  EXPECT_EQ(d.c.outcome, disposition::no_buyer);
  EXPECT_EQ(d.c.state, call_state::ending);
  EXPECT_EQ(kinds_of(fx.commands), std::vector<command_kind>{command_kind::speak});
  d.speak_ended();
  d.caller_hangup();
  d.check_end();
  EXPECT_CLEAN(d);
  EXPECT_EQ(d.lead.outcome, disposition::no_buyer);
  EXPECT_EQ(d.lead.transfer_attempts, 0u);
}

TEST(CallMachine, WithoutEndingTextTheCallIsHungUpAtOnce) {
  auto s = test_settings();
  s.ending_text.clear();
  s.max_rounds = 1;
  call_driver d{s};
  to_auction_pinged(d);
  auto fx = d.closed({});
  EXPECT_EQ(d.c.outcome, disposition::no_buyer);
  EXPECT_EQ(kinds_of(fx.commands), std::vector<command_kind>{command_kind::hangup});
  EXPECT_EQ(d.c.ending, ending_step::hanging_up);
  EXPECT_CLEAN(d);
}

TEST(CallMachine, ExpiredOfferIsSkipped) {
  call_driver d;
  to_greeting_speaking(d);
  d.pinged();
  auto a = d.make_offer("buyer-a", 30'000'000, 2s);
  auto b = d.make_offer("buyer-b", 10'000'000, 60s);
  d.closed({a, b});
  d.advance(2s); // a expires exactly now
  auto fx = d.speak_ended();
  EXPECT_EQ(fx.releases, std::vector<uint64_t>{a.token});
  EXPECT_EQ(d.c.current.buyer_id, "buyer-b");
  EXPECT_EQ(d.c.transfer_attempts, 1u); // an expired offer is not an attempt
  EXPECT_TRUE(std::any_of(d.c.journal.begin(), d.c.journal.end(),
                          [](const journal_entry& j) { return j.note == "offer from buyer-a expired"; }));
  EXPECT_CLEAN(d);
}

TEST(CallMachine, OfferValidOneMicrosecondBeforeExpiry) {
  call_driver d;
  to_greeting_speaking(d);
  d.pinged();
  auto a = d.make_offer("buyer-a", 30'000'000, 2s);
  d.closed({a});
  d.now += 2 * us_per_s - 1;
  auto fx = d.speak_ended();
  EXPECT_TRUE(fx.releases.empty());
  EXPECT_EQ(d.c.current.token, a.token);
  EXPECT_CLEAN(d);
}

TEST(CallMachine, AllOffersExpiredStartsANewRound) {
  call_driver d;
  to_greeting_speaking(d);
  d.pinged();
  auto a = d.make_offer("buyer-a", 30'000'000, 1s);
  auto b = d.make_offer("buyer-b", 20'000'000, 1s);
  d.closed({a, b});
  d.advance(5s);
  auto fx = d.speak_ended();
  EXPECT_EQ(fx.releases, (std::vector<uint64_t>{a.token, b.token}));
  EXPECT_TRUE(fx.start_round);
  EXPECT_EQ(d.c.state, call_state::hold);
  EXPECT_EQ(d.c.transfer_attempts, 0u);
  EXPECT_CLEAN(d);
}

TEST(CallMachine, MaxTransferAttemptsHonoured) {
  auto s = test_settings();
  s.max_transfer_attempts = 2;
  call_driver d{s};
  to_auction_pinged(d);
  auto a = d.make_offer("buyer-a", 30'000'000);
  auto b = d.make_offer("buyer-b", 20'000'000);
  auto c3 = d.make_offer("buyer-c", 10'000'000);
  d.closed({a, b, c3});
  d.fail(command_kind::transfer);
  EXPECT_EQ(d.c.current.buyer_id, "buyer-b");
  auto fx = d.fail(command_kind::transfer);
  // buyer-c is never dialed, no new round is started.
  EXPECT_EQ(fx.releases, (std::vector<uint64_t>{b.token, c3.token}));
  EXPECT_TRUE(std::none_of(fx.commands.begin(), fx.commands.end(),
                           [](const carrier_command& cmd) { return cmd.kind == command_kind::transfer; }));
  EXPECT_FALSE(fx.start_round);
  EXPECT_EQ(d.c.state, call_state::ending);
  EXPECT_EQ(d.c.outcome, disposition::buyer_no_answer);
  EXPECT_EQ(d.c.transfer_attempts, 2u);
  d.drive_to_done();
  d.check_end();
  EXPECT_CLEAN(d);
}

TEST(CallMachine, MaxTransferAttemptsReachedAcrossRounds) {
  auto s = test_settings();
  s.max_transfer_attempts = 1;
  s.max_rounds = 3;
  call_driver d{s};
  to_auction_pinged(d);
  d.closed({d.make_offer("buyer-a", 30'000'000)});
  // The only attempt fails: no second round.
  auto fx = d.feed(hangup_event(call_leg::buyer, hangup_cause::no_answer, hangup_source::callee));
  EXPECT_FALSE(fx.start_round);
  EXPECT_EQ(d.c.outcome, disposition::buyer_no_answer);
  EXPECT_EQ(d.c.round, 1u);
  EXPECT_CLEAN(d);
}

// Carriers do not order their webhooks: a buyer who picks up and hangs up at
// once can have the hangup delivered before the bridge. A normal clearing
// means the leg was answered, so the call counts as bridged; the late bridge
// event then brings the bridge's carrier time, and talk time is billed from
// the carrier's clock.
TEST(CallMachine, BuyerHangupOvertakingTheBridgeStillBooksABridgedCall) {
  call_driver d;
  to_transferring(d);
  auto token = d.c.current.token;
  auto hangup = hangup_event(call_leg::buyer, hangup_cause::normal_clearing, hangup_source::callee);
  hangup.occurred_at = d.now + 900'000;
  auto fx = d.feed(hangup);
  EXPECT_EQ(d.c.outcome, disposition::bridged);
  EXPECT_EQ(fx.commits, std::vector<uint64_t>{token});
  EXPECT_EQ(d.c.state, call_state::ending);
  auto bridge = event(carrier_event_kind::bridged, call_leg::caller);
  bridge.occurred_at = d.now + 300'000;
  d.advance(50ms);
  d.feed(bridge);
  d.drive_to_done();
  d.check_end();
  EXPECT_CLEAN(d);
  EXPECT_EQ(d.lead.outcome, disposition::bridged);
  EXPECT_EQ(d.lead.talk_ms, 600);
}

TEST(CallMachine, UnansweredTransferIsNotMistakenForABridge) {
  call_driver d;
  to_transferring(d);
  d.feed(hangup_event(call_leg::buyer, hangup_cause::user_busy, hangup_source::callee));
  EXPECT_EQ(d.c.bridged_at, 0);
  EXPECT_NE(d.c.outcome, disposition::bridged);
}

TEST(CallMachine, TalkTimeComesFromTheCarrierClockWhenKnown) {
  call_driver d;
  to_transferring(d);
  auto bridge = event(carrier_event_kind::bridged, call_leg::caller);
  bridge.occurred_at = 5'000'000;
  d.feed(bridge);
  d.advance(30s); // the node's own clock says 30 s
  auto hangup = hangup_event(call_leg::caller, hangup_cause::normal_clearing, hangup_source::caller);
  hangup.occurred_at = 5'000'000 + 29'250'000; // the carrier's says 29.25 s
  d.feed(hangup);
  d.drive_to_done();
  d.check_end();
  EXPECT_EQ(d.lead.talk_ms, 29'250);
}

TEST(CallMachine, AHangupTheCarrierStampedBeforeTheBridgeIsNoTalk) {
  call_driver d;
  to_transferring(d);
  auto bridge = event(carrier_event_kind::bridged, call_leg::caller);
  bridge.occurred_at = 5'000'000;
  d.feed(bridge);
  d.advance(240ms); // the node held the hangup back this long
  auto hangup = hangup_event(call_leg::caller, hangup_cause::normal_clearing, hangup_source::caller);
  hangup.occurred_at = 5'000'000 - 3'000; // before the bridge, by the carrier's clock
  d.feed(hangup);
  d.drive_to_done();
  d.check_end();
  EXPECT_EQ(d.lead.talk_ms, 0) << "not the node's hold-back";
}

// A command refused with 90018 tells the adapter the caller is gone before the
// carrier's hangup webhook arrives: a bridged call waits for that webhook (the
// talk's end comes from it), within the ending timeout.
TEST(CallMachine, InferredHangupWaitsForTheCarriersHangupToTimeTheTalk) {
  call_driver d;
  to_transferring(d);
  auto bridge = event(carrier_event_kind::bridged, call_leg::caller);
  bridge.occurred_at = 7'000'000;
  d.feed(bridge);
  auto inferred = hangup_event(call_leg::caller, hangup_cause::normal_clearing, hangup_source::unknown);
  inferred.inferred = true;
  inferred.occurred_at = 0;
  auto fx = d.feed(inferred);
  EXPECT_FALSE(fx.finished);
  EXPECT_EQ(d.c.ending, ending_step::wrapping_up);
  auto real = hangup_event(call_leg::caller, hangup_cause::normal_clearing, hangup_source::caller);
  real.occurred_at = 7'000'000 + 2'500'000;
  d.advance(300ms);
  fx = d.feed(real);
  EXPECT_TRUE(fx.finished);
  d.check_end();
  EXPECT_CLEAN(d);
  EXPECT_EQ(d.lead.talk_ms, 2'500);
  EXPECT_EQ(d.lead.source, hangup_source::caller);
}

TEST(CallMachine, InferredHangupWithoutTheCarriersEventEndsAtTheEndingTimeout) {
  call_driver d;
  to_bridged(d);
  auto inferred = hangup_event(call_leg::caller, hangup_cause::normal_clearing, hangup_source::unknown);
  inferred.inferred = true;
  inferred.occurred_at = 0;
  EXPECT_FALSE(d.feed(inferred).finished);
  d.advance(d.s.ending_timeout);
  EXPECT_TRUE(d.fire(timer_kind::ending).finished);
  d.check_end();
  EXPECT_CLEAN(d);
  EXPECT_EQ(d.lead.outcome, disposition::bridged);
}

TEST(CallMachine, MaxHoldWatchdogEndsHoldAsNoBuyer) {
  call_driver d;
  to_hold(d);
  d.advance(120s);
  auto fx = d.fire(timer_kind::max_hold);
  EXPECT_TRUE(fx.abandon_round);
  EXPECT_EQ(d.c.outcome, disposition::no_buyer);
  EXPECT_EQ(d.c.ended_in, call_state::hold);
  EXPECT_EQ(kinds_of(fx.commands), std::vector<command_kind>{command_kind::speak});
  EXPECT_CLEAN(d);
}

TEST(CallMachine, MaxHoldWatchdogWhileTransferringIsBuyerNoAnswer) {
  call_driver d;
  to_transferring(d);
  auto a = d.c.current.token;
  auto b = d.c.offers.at(0).token;
  auto fx = d.fire(timer_kind::max_hold);
  EXPECT_EQ(fx.releases, (std::vector<uint64_t>{a, b}));
  EXPECT_EQ(d.c.outcome, disposition::buyer_no_answer);
  EXPECT_FALSE(d.c.transferring);
  // The buyer answering now is too late.
  fx = d.bridge();
  EXPECT_TRUE(no_effects(fx));
  EXPECT_EQ(d.c.state, call_state::ending);
  d.drive_to_done();
  d.check_end();
  EXPECT_CLEAN(d);
  EXPECT_TRUE(d.committed.empty());
}

TEST(CallMachine, BridgedWithoutTransferIsIgnored) {
  call_driver d;
  to_auction_pinged(d);
  auto fx = d.bridge();
  EXPECT_TRUE(no_effects(fx));
  EXPECT_EQ(d.c.state, call_state::auction);
  EXPECT_EQ(d.c.journal.back().note, "bridged without a transfer: ignored");
  EXPECT_CLEAN(d);
}

TEST(CallMachine, TalkWatchdogEndsBridgedCall) {
  call_driver d;
  to_bridged(d);
  auto token = d.c.current.token;
  d.advance(4h);
  auto fx = d.fire(timer_kind::talk);
  EXPECT_EQ(d.c.state, call_state::ending);
  EXPECT_EQ(d.c.outcome, disposition::bridged);
  EXPECT_EQ(kinds_of(fx.commands), std::vector<command_kind>{command_kind::hangup});
  EXPECT_EQ(fx.releases, std::vector<uint64_t>{token});
  EXPECT_CLEAN(d);
}

TEST(CallMachine, HangupNeverConfirmedEndingTimerFinishes) {
  call_driver d;
  to_ending_hanging_up(d);
  ASSERT_TRUE(d.c.hangup_sent);
  d.advance(20s);
  auto fx = d.fire(timer_kind::ending);
  EXPECT_TRUE(fx.finished);
  EXPECT_EQ(d.c.state, call_state::done);
  EXPECT_EQ(d.c.journal[d.c.journal.size() - 2].note, "hangup never confirmed");
  d.check_end();
  EXPECT_CLEAN(d);
  EXPECT_EQ(d.lead.outcome, disposition::no_buyer);
  EXPECT_EQ(d.lead.ended_at, d.now);
}

TEST(CallMachine, HangupCommandFailedIsRetriedOnceThenDone) {
  call_driver d;
  to_ending_hanging_up(d);
  auto gen = d.c.timer_generation[idx(timer_kind::ending)];
  auto fx = d.fail(command_kind::hangup);
  EXPECT_EQ(kinds_of(fx.commands), std::vector<command_kind>{command_kind::hangup});
  EXPECT_TRUE(d.c.hangup_retried);
  EXPECT_FALSE(fx.finished);
  EXPECT_GT(d.c.timer_generation[idx(timer_kind::ending)], gen); // ending timer re-armed
  fx = d.fail(command_kind::hangup);
  EXPECT_TRUE(fx.finished);
  EXPECT_TRUE(fx.commands.empty());
  EXPECT_EQ(d.c.state, call_state::done);
  d.check_end();
  EXPECT_CLEAN(d);
}

TEST(CallMachine, HangupFailedWhileSpeakingIsIgnored) {
  call_driver d;
  to_ending_speaking(d);
  auto fx = d.fail(command_kind::hangup);
  EXPECT_TRUE(no_effects(fx));
  EXPECT_EQ(d.c.ending, ending_step::speaking);
  EXPECT_CLEAN(d);
}

TEST(CallMachine, SpeakFailedWhileEndingHangsUp) {
  call_driver d;
  to_ending_speaking(d);
  auto fx = d.fail(command_kind::speak);
  EXPECT_EQ(kinds_of(fx.commands), std::vector<command_kind>{command_kind::hangup});
  EXPECT_EQ(d.c.ending, ending_step::hanging_up);
  EXPECT_CLEAN(d);
}

TEST(CallMachine, AnswerFailedIsFailed) {
  call_driver d;
  d.route();
  auto fx = d.fail(command_kind::answer);
  EXPECT_EQ(d.c.state, call_state::ending);
  EXPECT_EQ(d.c.outcome, disposition::failed);
  EXPECT_EQ(d.c.ended_in, call_state::greeting);
  EXPECT_EQ(kinds_of(fx.commands), std::vector<command_kind>{command_kind::hangup}); // no speech: not answered
  EXPECT_FALSE(d.timer_live(timer_kind::answer));
  d.caller_hangup();
  d.check_end();
  EXPECT_CLEAN(d);
  EXPECT_EQ(d.lead.outcome, disposition::failed);
  EXPECT_EQ(d.lead.answered_at, 0);
  EXPECT_EQ(d.lead.hold_ms, 0);
}

TEST(CallMachine, AnswerWatchdogIsFailed) {
  call_driver d;
  d.route();
  d.advance(5s);
  auto fx = d.fire(timer_kind::answer);
  EXPECT_EQ(d.c.outcome, disposition::failed);
  EXPECT_EQ(kinds_of(fx.commands), std::vector<command_kind>{command_kind::hangup});
  // A late answer changes nothing but the flag.
  fx = d.answer();
  EXPECT_TRUE(fx.commands.empty());
  EXPECT_EQ(d.c.state, call_state::ending);
  d.drive_to_done();
  d.check_end();
  EXPECT_CLEAN(d);
  EXPECT_EQ(d.lead.outcome, disposition::failed);
}

TEST(CallMachine, AnswerFailedAfterAnswerIsIgnored) {
  call_driver d;
  to_greeting_speaking(d);
  auto fx = d.fail(command_kind::answer);
  EXPECT_TRUE(no_effects(fx));
  EXPECT_EQ(d.c.state, call_state::greeting);
  EXPECT_CLEAN(d);
}

TEST(CallMachine, UnknownNumberPath) {
  call_driver d;
  auto fx = d.route(false);
  EXPECT_EQ(kinds_of(fx.commands), std::vector<command_kind>{command_kind::answer});
  EXPECT_FALSE(fx.start_round);
  EXPECT_EQ(d.c.state, call_state::ending);
  EXPECT_EQ(d.c.ending, ending_step::await_answer);
  EXPECT_EQ(d.c.outcome, disposition::unknown_number);
  EXPECT_EQ(d.c.ended_in, call_state::greeting);

  fx = d.answer();
  ASSERT_EQ(kinds_of(fx.commands), std::vector<command_kind>{command_kind::speak});
  EXPECT_EQ(fx.commands[0].payload, d.s.not_in_service_text);
  EXPECT_EQ(d.c.ending, ending_step::speaking);
  EXPECT_FALSE(fx.start_round);

  fx = d.speak_ended();
  EXPECT_EQ(kinds_of(fx.commands), std::vector<command_kind>{command_kind::hangup});
  EXPECT_EQ(d.c.ending, ending_step::hanging_up);

  fx = d.caller_hangup();
  EXPECT_TRUE(fx.finished);
  d.check_end();
  EXPECT_CLEAN(d);
  EXPECT_EQ(d.lead.outcome, disposition::unknown_number);
  EXPECT_EQ(d.lead.auction_rounds, 0u);
  EXPECT_EQ(kinds_of(d.commands),
            (std::vector<command_kind>{command_kind::answer, command_kind::speak, command_kind::hangup}));
}

TEST(CallMachine, UnknownNumberNeverAnswered) {
  call_driver d;
  d.route(false);
  d.advance(5s);
  auto fx = d.fire(timer_kind::answer);
  EXPECT_EQ(kinds_of(fx.commands), std::vector<command_kind>{command_kind::hangup});
  EXPECT_EQ(d.c.outcome, disposition::unknown_number); // not overwritten by failed
  d.drive_to_done();
  d.check_end();
  EXPECT_CLEAN(d);
  EXPECT_EQ(d.lead.outcome, disposition::unknown_number);
}

TEST(CallMachine, UnknownNumberAnswerFailed) {
  call_driver d;
  d.route(false);
  auto fx = d.fail(command_kind::answer);
  EXPECT_EQ(kinds_of(fx.commands), std::vector<command_kind>{command_kind::hangup});
  EXPECT_EQ(d.c.outcome, disposition::unknown_number);
  EXPECT_CLEAN(d);
}

TEST(CallMachine, UnknownNumberCallerHangsUpFirst) {
  call_driver d;
  d.route(false);
  auto fx = d.caller_hangup();
  EXPECT_TRUE(fx.finished);
  EXPECT_EQ(d.c.outcome, disposition::unknown_number);
  d.check_end();
  EXPECT_CLEAN(d);
}

TEST(CallMachine, RecordingStartsAtBridgeAndIsAwaitedAfterHangup) {
  auto s = test_settings();
  s.record = true;
  call_driver d{s};
  to_transferring(d);
  auto fx = d.bridge();
  EXPECT_EQ(kinds_of(fx.commands), (std::vector<command_kind>{command_kind::stop_play, command_kind::record_start}));
  EXPECT_TRUE(d.c.recording);
  fx = d.caller_hangup();
  EXPECT_FALSE(fx.finished);
  EXPECT_EQ(d.c.state, call_state::ending);
  EXPECT_EQ(d.c.ending, ending_step::wrapping_up);
  ASSERT_EQ(fx.timers.size(), 1u);
  EXPECT_EQ(fx.timers[0].kind, timer_kind::ending);
  fx = d.feed(recording_saved_event("https://rec.example/call-1.mp3"));
  EXPECT_TRUE(fx.finished);
  d.check_end();
  EXPECT_CLEAN(d);
  EXPECT_EQ(d.lead.recording_url, "https://rec.example/call-1.mp3");
  EXPECT_EQ(d.lead.outcome, disposition::bridged);
}

TEST(CallMachine, RecordingNeverSavedEndingTimerFinishes) {
  auto s = test_settings();
  s.record = true;
  call_driver d{s};
  to_ending_wrapping_up(d);
  d.advance(20s);
  auto fx = d.fire(timer_kind::ending);
  EXPECT_TRUE(fx.finished);
  d.check_end();
  EXPECT_CLEAN(d);
  EXPECT_TRUE(d.lead.recording_url.empty());
}

TEST(CallMachine, RecordingSavedBeforeHangupFinishesAtOnce) {
  auto s = test_settings();
  s.record = true;
  call_driver d{s};
  to_bridged(d);
  d.feed(recording_saved_event("https://rec.example/early.mp3"));
  EXPECT_EQ(d.c.state, call_state::bridged);
  auto fx = d.caller_hangup();
  EXPECT_TRUE(fx.finished);
  d.check_end();
  EXPECT_CLEAN(d);
  EXPECT_EQ(d.lead.recording_url, "https://rec.example/early.mp3");
}

TEST(CallMachine, RecordStartFailedMeansNoWaitForRecording) {
  auto s = test_settings();
  s.record = true;
  call_driver d{s};
  to_bridged(d);
  d.fail(command_kind::record_start);
  EXPECT_FALSE(d.c.recording);
  auto fx = d.caller_hangup();
  EXPECT_TRUE(fx.finished);
  d.check_end();
  EXPECT_CLEAN(d);
}

// The caller left right after the bridge, before the carrier took record_start
// (Telnyx answers 90018): the call must not wait for a recording that cannot come.
TEST(CallMachine, RecordStartRefusedWhileWrappingUpFinishesAtOnce) {
  auto s = test_settings();
  s.record = true;
  call_driver d{s};
  to_bridged(d);
  auto fx = d.caller_hangup();
  EXPECT_FALSE(fx.finished);
  EXPECT_EQ(d.c.ending, ending_step::wrapping_up);
  fx = d.fail(command_kind::record_start);
  EXPECT_TRUE(fx.finished);
  d.check_end();
  EXPECT_CLEAN(d);
}

TEST(CallMachine, RecordingBuyerHangupThenCallerConfirmationWaitsForRecording) {
  auto s = test_settings();
  s.record = true;
  call_driver d{s};
  to_bridged(d);
  d.buyer_hangup();
  EXPECT_EQ(d.c.ending, ending_step::hanging_up);
  auto fx = d.caller_hangup();
  EXPECT_FALSE(fx.finished);
  EXPECT_EQ(d.c.ending, ending_step::wrapping_up);
  fx = d.feed(recording_saved_event("https://rec.example/2.mp3"));
  EXPECT_TRUE(fx.finished);
  d.check_end();
  EXPECT_CLEAN(d);
}

TEST(CallMachine, ShutdownInterruptsLiveCallsWithoutSpeech) {
  const std::vector<std::pair<const char*, std::function<void(call_driver&)>>> cases{
    {"greeting before answer", to_greeting_routed},
    {"greeting", to_greeting_speaking},
    {"hold", to_hold},
    {"auction", to_auction_pinged},
    {"transferring", to_transferring},
  };
  for (const auto& [name, build] : cases) {
    SCOPED_TRACE(name);
    call_driver d;
    build(d);
    auto before = d.c.state;
    auto fx = d.feed(shutdown_requested{});
    EXPECT_EQ(d.c.state, call_state::ending);
    EXPECT_EQ(d.c.outcome, disposition::interrupted);
    EXPECT_EQ(d.c.ended_in, before);
    EXPECT_EQ(kinds_of(fx.commands), std::vector<command_kind>{command_kind::hangup});
    d.caller_hangup();
    d.check_end();
    EXPECT_CLEAN(d);
    EXPECT_EQ(d.lead.outcome, disposition::interrupted);
  }
}

TEST(CallMachine, ShutdownKeepsBridgedOutcome) {
  call_driver d;
  to_bridged(d);
  auto fx = d.feed(shutdown_requested{});
  EXPECT_EQ(d.c.outcome, disposition::bridged);
  EXPECT_EQ(kinds_of(fx.commands), std::vector<command_kind>{command_kind::hangup});
  d.drive_to_done();
  d.check_end();
  EXPECT_CLEAN(d);
  EXPECT_EQ(d.lead.outcome, disposition::bridged);
}

TEST(CallMachine, ShutdownWhileEndingIsIgnored) {
  call_driver d;
  to_ending_speaking(d);
  auto fx = d.feed(shutdown_requested{});
  EXPECT_TRUE(no_effects(fx));
  EXPECT_EQ(d.c.outcome, disposition::no_buyer);
  EXPECT_CLEAN(d);
}

TEST(CallMachine, ResumedInGreetingBeforeAnswerRearmsTheAnswerWatchdog) {
  call_driver d;
  d.route();
  auto fx = d.feed(call_resumed{});
  ASSERT_EQ(fx.timers.size(), 1u);
  EXPECT_EQ(fx.timers[0].kind, timer_kind::answer);
  EXPECT_TRUE(fx.commands.empty());
  EXPECT_FALSE(fx.start_round);
  EXPECT_EQ(d.c.journal.back().note, "resumed after a crash");
  d.drive_to_done();
  d.check_end();
  EXPECT_CLEAN(d);
  EXPECT_EQ(d.lead.outcome, disposition::failed);
}

TEST(CallMachine, ResumedInGreetingRunsTheLostRoundAgain) {
  call_driver d;
  to_greeting_speaking(d);
  ASSERT_EQ(d.c.round, 1u);
  auto fx = d.feed(call_resumed{});
  EXPECT_TRUE(fx.start_round);
  EXPECT_EQ(d.c.round, 1u); // the same round, run again
  ASSERT_EQ(fx.timers.size(), 1u);
  EXPECT_EQ(fx.timers[0].kind, timer_kind::greeting);
  EXPECT_CLEAN(d);
}

TEST(CallMachine, ResumedInHoldRestartsRoundAndMaxHold) {
  call_driver d;
  to_auction_pinged(d);
  auto fx = d.feed(call_resumed{});
  EXPECT_TRUE(fx.start_round);
  EXPECT_EQ(d.c.round, 1u);
  EXPECT_FALSE(d.c.round_pinged);
  EXPECT_EQ(d.c.state, call_state::hold); // pings must go out again
  ASSERT_EQ(fx.timers.size(), 1u);
  EXPECT_EQ(fx.timers[0].kind, timer_kind::max_hold);
  EXPECT_EQ(fx.adopt, adopt_kind::none);
  d.pinged();
  auto offer_a = d.make_offer("buyer-a", 5'000'000);
  d.closed({offer_a});
  EXPECT_EQ(d.c.current.token, offer_a.token);
  EXPECT_CLEAN(d);
}

TEST(CallMachine, ResumedWhileTransferringAdoptsPendingAndRearms) {
  call_driver d;
  to_transferring(d);
  auto fx = d.feed(call_resumed{});
  EXPECT_EQ(fx.adopt, adopt_kind::pending);
  EXPECT_FALSE(fx.start_round);
  EXPECT_TRUE(d.c.offers.empty());
  EXPECT_EQ(d.c.current.token, 0u);
  EXPECT_EQ(d.c.current.buyer_id, "buyer-a");
  std::set<timer_kind> kinds;
  for (const auto& t : fx.timers) kinds.insert(t.kind);
  EXPECT_EQ(kinds, (std::set<timer_kind>{timer_kind::max_hold, timer_kind::transfer}));
  auto adopted = d.fresh_token();
  d.feed(reservation_adopted{"buyer-a", adopted});
  EXPECT_EQ(d.c.current.token, adopted);
  fx = d.bridge();
  EXPECT_EQ(fx.commits, std::vector<uint64_t>{adopted});
  d.caller_hangup();
  d.check_end();
  EXPECT_CLEAN(d);
  EXPECT_TRUE(d.released.count(adopted));
}

TEST(CallMachine, ResumedWhileBridgedAdoptsCommittedWithoutCommittingAgain) {
  call_driver d;
  to_bridged(d);
  auto original = d.c.current.token;
  auto fx = d.feed(call_resumed{});
  EXPECT_EQ(fx.adopt, adopt_kind::committed);
  ASSERT_EQ(fx.timers.size(), 1u);
  EXPECT_EQ(fx.timers[0].kind, timer_kind::talk);
  auto adopted = d.fresh_token();
  fx = d.feed(reservation_adopted{"buyer-a", adopted, adopt_kind::committed});
  EXPECT_TRUE(fx.commits.empty());
  fx = d.caller_hangup();
  EXPECT_EQ(fx.releases, std::vector<uint64_t>{adopted});
  EXPECT_TRUE(fx.commits.empty());
  d.check_end();
  EXPECT_CLEAN(d);
  EXPECT_EQ(d.committed, std::set<uint64_t>{original}); // counted once, before the crash
  EXPECT_EQ(d.lead.outcome, disposition::bridged);
  EXPECT_EQ(d.lead.buyer_id, "buyer-a");
}

TEST(CallMachine, AResumedWatchdogKeepsTheDeadlineItHad) {
  call_driver d;
  to_bridged(d);
  auto armed = d.c.timer_due[static_cast<size_t>(timer_kind::talk)];
  ASSERT_GT(armed, d.now) << "the talk limit's deadline is kept in the snapshot";
  d.advance(std::chrono::seconds{40}); // the process was gone for 40 s
  auto fx = d.feed(call_resumed{});
  ASSERT_EQ(fx.timers.size(), 1u);
  EXPECT_EQ(fx.timers[0].kind, timer_kind::talk);
  EXPECT_EQ(d.now + as_us(fx.timers[0].delay), armed) << "what was left, not a fresh period";
  EXPECT_EQ(d.c.timer_due[static_cast<size_t>(timer_kind::talk)], armed);
  // Past its deadline: due at once.
  call_driver late;
  late.route();
  auto answer_due = late.c.timer_due[static_cast<size_t>(timer_kind::answer)];
  late.now = answer_due + 5 * us_per_s;
  fx = late.feed(call_resumed{});
  ASSERT_EQ(fx.timers.size(), 1u);
  EXPECT_EQ(fx.timers[0].delay, caf::timespan{0});
}

TEST(CallMachine, AWatchdogThatFiredOrWasDisarmedHasNoDeadline) {
  call_driver d;
  d.route();
  EXPECT_NE(d.c.timer_due[static_cast<size_t>(timer_kind::answer)], 0);
  d.answer();
  EXPECT_EQ(d.c.timer_due[static_cast<size_t>(timer_kind::answer)], 0) << "disarmed by the answer";
}

TEST(CallMachine, ResumedWhileEndingRearmsTheEndingWatchdog) {
  for (auto build : {to_ending_speaking, to_ending_hanging_up, to_unknown_awaiting_answer}) {
    call_driver d;
    build(d);
    auto fx = d.feed(call_resumed{});
    EXPECT_TRUE(std::any_of(fx.timers.begin(), fx.timers.end(),
                            [](const timer_request& t) { return t.kind == timer_kind::ending; }));
    EXPECT_EQ(d.c.state, call_state::ending);
    d.drive_to_done();
    d.check_end();
    EXPECT_CLEAN(d);
  }
}

TEST(CallMachine, ResumedWhileWrappingUpStillWaitsForTheRecording) {
  auto s = test_settings();
  s.record = true;
  call_driver d{s};
  to_ending_wrapping_up(d);
  auto fx = d.feed(call_resumed{});
  EXPECT_TRUE(fx.commands.empty());
  EXPECT_EQ(d.c.ending, ending_step::wrapping_up);
  fx = d.feed(recording_saved_event("https://rec.example/r.mp3"));
  EXPECT_TRUE(fx.finished);
  d.check_end();
  EXPECT_CLEAN(d);
}

TEST(CallMachine, ResumedWhenDoneBooksTheLeadAgainOnly) {
  call_driver d;
  to_done(d);
  auto fx = d.feed(call_resumed{});
  EXPECT_TRUE(fx.finished);
  EXPECT_TRUE(fx.commands.empty());
  EXPECT_TRUE(fx.timers.empty());
  EXPECT_TRUE(fx.releases.empty());
  EXPECT_EQ(d.c.state, call_state::done);
  EXPECT_EQ(d.finished, 1);
  EXPECT_EQ(d.rebooked, 1);
  EXPECT_CLEAN(d);
}

TEST(CallMachine, DoneIgnoresEveryInput) {
  call_driver d;
  to_done(d);
  auto journal = d.c.journal.size();
  std::vector<call_input> inputs{call_routed{true},
                                 call_routed{false},
                                 event(carrier_event_kind::answered),
                                 hangup_event(call_leg::caller),
                                 hangup_event(call_leg::buyer),
                                 failure(command_kind::hangup),
                                 timer_fired{timer_kind::ending, d.c.timer_generation[idx(timer_kind::ending)]},
                                 round_pinged{d.c.round},
                                 shutdown_requested{},
                                 d.adopt_reply()};
  for (const auto& in : inputs) {
    SCOPED_TRACE(describe(in));
    EXPECT_TRUE(no_effects(d.feed(in)));
  }
  EXPECT_EQ(d.c.journal.size(), journal);
  EXPECT_EQ(d.finished, 1);
  EXPECT_CLEAN(d);
}

TEST(CallMachine, DuplicateEventsAreHarmless) {
  call_driver d;
  to_greeting_speaking(d);
  auto fx = d.answer(); // answered twice
  EXPECT_TRUE(no_effects(fx));
  EXPECT_EQ(d.c.round, 1u); // no second round
  d.speak_ended();
  fx = d.speak_ended(); // speak_ended twice: the hold audio is not started again
  EXPECT_TRUE(no_effects(fx));
  d.pinged();
  fx = d.pinged();
  EXPECT_FALSE(fx.state_changed);
  d.closed({d.make_offer("buyer-a", 9'000'000)});
  d.bridge();
  fx = d.bridge(); // bridged twice: committed once
  EXPECT_TRUE(fx.commits.empty());
  d.buyer_hangup();
  fx = d.buyer_hangup(); // buyer leg reported twice
  EXPECT_TRUE(fx.commands.empty());
  d.caller_hangup();
  fx = d.caller_hangup();
  EXPECT_TRUE(no_effects(fx));
  d.check_end();
  EXPECT_CLEAN(d);
  EXPECT_EQ(d.committed.size(), 1u);
  EXPECT_EQ(std::count_if(d.commands.begin(), d.commands.end(),
                          [](const carrier_command& cmd) { return cmd.kind == command_kind::hangup; }),
            1);
}

TEST(CallMachine, StaleRoundCloseReleasesItsOffers) {
  call_driver d;
  to_transferring(d);
  round_closed rc;
  rc.round = 1;
  rc.offers = {d.make_offer("late-1", 1'000'000), d.make_offer("late-2", 2'000'000)};
  auto fx = d.feed(rc);
  EXPECT_EQ(fx.releases, (std::vector<uint64_t>{rc.offers[0].token, rc.offers[1].token}));
  EXPECT_TRUE(fx.commands.empty());
  EXPECT_EQ(d.c.current.buyer_id, "buyer-a");
  EXPECT_CLEAN(d);
}

TEST(CallMachine, StalePingIsIgnored) {
  call_driver d;
  to_hold(d);
  auto fx = d.feed(round_pinged{d.c.round + 1});
  EXPECT_TRUE(no_effects(fx));
  EXPECT_EQ(d.c.state, call_state::hold);
  EXPECT_FALSE(d.c.round_pinged);
}

TEST(CallMachine, HangupCauseAndSourceAreRecorded) {
  call_driver d;
  to_bridged(d);
  d.feed(hangup_event(call_leg::buyer, hangup_cause::time_limit, hangup_source::callee));
  d.caller_hangup();
  d.check_end();
  EXPECT_CLEAN(d);
  // The caller leg's confirmation is the last word.
  EXPECT_EQ(d.lead.cause, hangup_cause::normal_clearing);
  EXPECT_EQ(d.lead.source, hangup_source::caller);
}

// -- make_lead arithmetic ---------------------------------------------------------------

TEST(CallMachineLead, BridgedCallArithmetic) {
  auto c = make_call(call_id{7, 8}, "cc-7", "+15125550100", "+18005550199", t0);
  c.outcome = disposition::bridged;
  c.ended_in = call_state::bridged;
  c.answered_at = t0 + 100'000;
  c.hold_started_at = t0 + 5'000'000;
  c.bridged_at = t0 + 17'250'999;
  c.ended_at = t0 + 77'250'000;
  c.current.buyer_id = "buyer-q";
  c.current.destination = "+15550001234";
  c.current.amount_micros = 12'345'679;
  c.round = 2;
  c.transfer_attempts = 3;
  c.first_round_latency_us = 4'321;
  c.recording_url = "https://rec/1";
  auto lead = billed(make_lead(c), 3'333);
  EXPECT_EQ(lead.hold_ms, 12'250); // 12,250,999 us, truncated
  EXPECT_EQ(lead.talk_ms, 59'999); // 59,999,001 us, truncated
  EXPECT_EQ(lead.bid_micros, 12'345'679);
  EXPECT_EQ(lead.revenue_micros, 12'345'679);
  EXPECT_EQ(lead.payout_micros, 4'114'814); // 4,114,814.8 rounded down
  EXPECT_EQ(lead.buyer_id, "buyer-q");
  EXPECT_EQ(lead.destination, "+15550001234");
  EXPECT_EQ(lead.auction_rounds, 2u);
  EXPECT_EQ(lead.transfer_attempts, 3u);
  EXPECT_EQ(lead.auction_latency_us, 4'321);
  EXPECT_EQ(lead.recording_url, "https://rec/1");
  EXPECT_EQ(lead.id, (call_id{7, 8}));
  EXPECT_EQ(lead.carrier_call_id, "cc-7");
  EXPECT_EQ(lead.caller, "+15125550100");
  EXPECT_EQ(lead.did, "+18005550199");
  EXPECT_EQ(lead.started_at, t0);
  EXPECT_EQ(lead.journal.size(), c.journal.size());
}

TEST(CallMachineLead, PayoutRoundsDownAndHandlesExtremes) {
  auto c = make_call(call_id{1, 1}, "cc", "a", "b", t0);
  c.bridged_at = t0 + 1;
  c.ended_at = t0 + 2;
  c.outcome = disposition::bridged;
  c.current.amount_micros = 9'999;
  EXPECT_EQ(billed(make_lead(c), 1).payout_micros, 0); // 0.9999 micros
  EXPECT_EQ(billed(make_lead(c), 10'000).payout_micros, 9'999);
  EXPECT_EQ(billed(make_lead(c), 0).payout_micros, 0);
  c.current.amount_micros = 1'000'000'000'000; // a million dollars
  EXPECT_EQ(billed(make_lead(c), 9'999).payout_micros, 999'900'000'000);
}

TEST(CallMachineLead, MoneyBeyondThePriceIsLeftToBilling) {
  auto c = make_call(call_id{1, 1}, "cc", "a", "b", t0);
  c.outcome = disposition::bridged;
  c.bridged_at = t0 + 1'000'000;
  c.ended_at = t0 + 61'000'000;
  c.current.buyer_id = "buyer-q";
  c.current.bid_micros = 15'000'000;
  c.current.amount_micros = 12'000'000;
  auto lead = make_lead(c);
  EXPECT_EQ(lead.bid_micros, 15'000'000);
  EXPECT_EQ(lead.price_micros, 12'000'000);
  EXPECT_EQ(lead.revenue_micros, 0);
  EXPECT_EQ(lead.payout_micros, 0);
  EXPECT_FALSE(lead.converted);
  EXPECT_TRUE(lead.billing_note.empty());
  auto charged = billed(lead, 2'500);
  EXPECT_EQ(charged.revenue_micros, 12'000'000); // the clearing price, not the bid
  EXPECT_EQ(charged.payout_micros, 3'000'000);
  EXPECT_TRUE(charged.converted);
  EXPECT_EQ(charged.billing_note, "bid");
}

TEST(CallMachineLead, NotBridgedHasNoRevenue) {
  auto c = make_call(call_id{1, 1}, "cc", "a", "b", t0);
  c.outcome = disposition::buyer_no_answer;
  c.hold_started_at = t0 + 3'000'000;
  c.ended_at = t0 + 45'000'000;
  c.current.buyer_id = "tried"; // a buyer that was dialed but never answered
  c.current.amount_micros = 50'000'000;
  auto lead = billed(make_lead(c), 2'500);
  EXPECT_EQ(lead.hold_ms, 42'000); // hold runs to the end
  EXPECT_EQ(lead.talk_ms, 0);
  EXPECT_EQ(lead.revenue_micros, 0);
  EXPECT_EQ(lead.payout_micros, 0);
  EXPECT_EQ(lead.bid_micros, 0);
  EXPECT_TRUE(lead.buyer_id.empty());
  EXPECT_TRUE(lead.destination.empty());
}

TEST(CallMachineLead, NeverHeldAndUnfinishedCallsHaveZeroDurations) {
  auto c = make_call(call_id{1, 1}, "cc", "a", "b", t0);
  auto lead = make_lead(c);
  EXPECT_EQ(lead.hold_ms, 0);
  EXPECT_EQ(lead.talk_ms, 0);
  EXPECT_EQ(lead.ended_at, 0);
  EXPECT_EQ(lead.auction_latency_us, -1);
  // Interrupted before it ended: durations clamp at zero instead of going negative.
  c.hold_started_at = t0 + 10'000'000;
  c.bridged_at = 0;
  EXPECT_EQ(make_lead(c).hold_ms, 0);
  c.bridged_at = t0 + 20'000'000;
  lead = make_lead(c);
  EXPECT_EQ(lead.hold_ms, 10'000);
  EXPECT_EQ(lead.talk_ms, 0);
}

TEST(CallMachineLead, LeadFromADrivenCallMatchesTheClock) {
  call_driver d;
  d.route();
  d.advance(1s);
  d.answer();
  d.advance(6s);
  d.speak_ended(); // hold starts at +7 s
  d.pinged();
  d.advance(500ms);
  d.closed({d.make_offer("buyer-a", 7'654'321)});
  d.advance(8s);
  d.bridge(); // bridged at +15.5 s
  d.advance(123'456ms);
  d.caller_hangup();
  d.check_end();
  EXPECT_CLEAN(d);
  EXPECT_EQ(d.lead.started_at, t0);
  EXPECT_EQ(d.lead.answered_at, t0 + 1'000'000);
  EXPECT_EQ(d.lead.bridged_at, t0 + 15'500'000);
  EXPECT_EQ(d.lead.ended_at, t0 + 138'956'000);
  EXPECT_EQ(d.lead.hold_ms, 8'500);
  EXPECT_EQ(d.lead.talk_ms, 123'456);
  EXPECT_EQ(d.lead.revenue_micros, 7'654'321);
  EXPECT_EQ(d.lead.payout_micros, 1'913'580); // 25 % of 7,654,321 = 1,913,580.25
}

// -- known bugs -------------------------------------------------------------------------

// After a restart while transferring, the call asks the ledger to adopt the
// current buyer's reservation. If the buyer answers before that reply arrives,
// on_bridged commits current.token == 0 (nothing) and the adopted token that
// arrives afterwards is never committed: it is released uncommitted when the
// call ends, so a bridged call never counts against the buyer's daily cap.
TEST(CallMachineAdoptRace, BridgedBeforeAdoptReplyIsStillCounted) {
  call_driver d;
  to_transferring(d);
  d.feed(call_resumed{});
  auto fx = d.bridge();
  auto adopted = d.fresh_token();
  auto fx2 = d.feed(reservation_adopted{"buyer-a", adopted});
  std::vector<uint64_t> commits = fx.commits;
  commits.insert(commits.end(), fx2.commits.begin(), fx2.commits.end());
  d.caller_hangup();
  EXPECT_EQ(commits, std::vector<uint64_t>{adopted}) << "the adopted reservation must be committed";
  d.check_end();
  EXPECT_CLEAN(d);
}

// The adopt reply is applied whenever it arrives. If the transfer it was for
// failed meanwhile and the call moved on to another buyer, the late token
// replaces that buyer's token: the other buyer's reservation is never released
// by the call (its slot stays taken until the actor dies) and the stale buyer's
// reservation is the one committed.
TEST(CallMachineAdoptRace, LateAdoptReplyDoesNotReplaceTheNextBuyersReservation) {
  call_driver d;
  to_transferring(d);
  d.feed(call_resumed{});
  d.advance(35s);
  d.fire(timer_kind::transfer);
  ASSERT_TRUE(d.c.round_running);
  d.pinged();
  auto c3 = d.make_offer("buyer-c", 11'000'000);
  d.closed({c3});
  ASSERT_EQ(d.c.current.token, c3.token);
  d.feed(d.adopt_reply());
  EXPECT_EQ(d.c.current.token, c3.token) << "a late adopt reply must not replace buyer-c's reservation";
  auto fx = d.bridge();
  EXPECT_EQ(fx.commits, std::vector<uint64_t>{c3.token});
  d.caller_hangup();
  d.check_end();
  EXPECT_CLEAN(d);
}

// Same race, reply arriving while the call waits for the new round: the token
// sits in current.token with no buyer and is overwritten by the next transfer.
TEST(CallMachineAdoptRace, LateAdoptReplyBetweenTransfersIsReleased) {
  call_driver d;
  to_transferring(d);
  d.feed(call_resumed{});
  d.fire(timer_kind::transfer);
  auto late = d.fresh_token();
  d.feed(reservation_adopted{"buyer-a", late});
  d.pinged();
  d.closed({d.make_offer("buyer-c", 11'000'000)});
  EXPECT_CLEAN(d);
  d.drive_to_done();
  d.check_end();
  EXPECT_TRUE(d.released.count(late) == 1) << "the late adopted reservation must be given back";
  EXPECT_CLEAN(d);
}

// When the ending message never finishes (no speak_ended, no speak failure), the
// ending watchdog finishes the call without ever sending a hangup: the carrier
// leg is left open while the lead says the call is over.
TEST(CallMachineEndingWatchdog, SpeakingNeverEndsStillHangsUp) {
  call_driver d;
  to_ending_speaking(d);
  d.advance(20s);
  d.fire(timer_kind::ending);
  EXPECT_TRUE(std::any_of(d.commands.begin(), d.commands.end(),
                          [](const carrier_command& cmd) { return cmd.kind == command_kind::hangup; }))
    << "the caller's leg must be hung up before the call is done";
}

// -- paused campaigns ------------------------------------------------------------

TEST(CallMachine, APausedCampaignsCallIsToldSoAndBookedPausedWithoutAnAuction) {
  call_driver d;
  d.s.paused = true;
  d.s.paused_text = "We are closed for the holiday.";
  auto fx = d.route(true);
  EXPECT_EQ(kinds_of(fx.commands), std::vector<command_kind>{command_kind::answer});
  EXPECT_FALSE(fx.start_round);
  EXPECT_EQ(d.c.state, call_state::ending);
  EXPECT_EQ(d.c.outcome, disposition::paused);

  fx = d.answer();
  ASSERT_EQ(kinds_of(fx.commands), std::vector<command_kind>{command_kind::speak});
  EXPECT_EQ(fx.commands[0].payload, "We are closed for the holiday.");
  EXPECT_FALSE(fx.start_round);
  fx = d.speak_ended();
  EXPECT_EQ(kinds_of(fx.commands), std::vector<command_kind>{command_kind::hangup});
  fx = d.caller_hangup();
  EXPECT_TRUE(fx.finished);
  d.check_end();
  EXPECT_CLEAN(d);
  EXPECT_EQ(d.lead.outcome, disposition::paused);
  EXPECT_EQ(d.lead.auction_rounds, 0u);
  EXPECT_EQ(d.lead.buyer_id, "");
}

TEST(CallMachine, APausedCampaignThatRejectsHangsUpWithoutAnswering) {
  call_driver d;
  d.s.paused = true;
  d.s.when_paused = paused_response::reject;
  auto fx = d.route(true);
  EXPECT_EQ(kinds_of(fx.commands), std::vector<command_kind>{command_kind::hangup});
  EXPECT_EQ(d.c.outcome, disposition::paused);
  EXPECT_FALSE(d.c.answered);
  // A repeated routing answer changes nothing.
  EXPECT_TRUE(kinds_of(d.route(true).commands).empty());
  fx = d.caller_hangup();
  EXPECT_TRUE(fx.finished);
  d.check_end();
  EXPECT_CLEAN(d);
  EXPECT_EQ(d.lead.outcome, disposition::paused);
  EXPECT_EQ(d.lead.answered_at, 0);
  EXPECT_EQ(kinds_of(d.commands), std::vector<command_kind>{command_kind::hangup});
}

TEST(CallMachine, APausedCallAdoptedBeforeItsAnswerSpeaksThePausedTextOnceAnswered) {
  call_driver d;
  d.s.paused = true;
  d.s.paused_text = "Paused.";
  d.route(true);
  d.answer();
  // The process dies while the message plays: the adopting one speaks it again.
  d.c.ending = ending_step::await_answer;
  auto fx = d.feed(call_resumed{});
  ASSERT_EQ(kinds_of(fx.commands), std::vector<command_kind>{command_kind::speak});
  EXPECT_EQ(fx.commands[0].payload, "Paused.");
}

TEST(CallMachine, SettingsOfAPausedCampaignCarryItsResponse) {
  engine_config cfg;
  campaign_config c;
  c.id = "c1";
  c.active = false;
  c.when_paused = paused_response::reject;
  c.paused_text = "closed";
  auto s = call_settings::make(cfg, &c, nullptr);
  EXPECT_TRUE(s.paused);
  EXPECT_EQ(s.when_paused, paused_response::reject);
  EXPECT_EQ(s.paused_text, "closed");
  c.active = true;
  EXPECT_FALSE(call_settings::make(cfg, &c, nullptr).paused);
}

} // namespace
} // namespace ringbid
