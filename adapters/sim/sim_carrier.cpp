#include "adapters/sim/sim_carrier.hpp"

#include "adapters/sim/sim_messages.hpp"
#include "protocol/carrier.hpp"
#include "protocol/node.hpp"

#include <caf/all.hpp>

#include <algorithm>
#include <chrono>
#include <cmath>
#include <deque>
#include <random>
#include <unordered_map>

namespace ringbid {

namespace {

using std::chrono::microseconds;
using std::chrono::milliseconds;

struct live_call {
  uint32_t token = 0; ///< invalidates scheduled ticks when the call moves on
  bool answered = false;
  bool transferring = false;
  bool bridged = false;
  bool ended = false;
  bool recording = false;
  bool playing = false;
  bool abandons = false;  ///< this caller gives up if not connected in time
  bool talk_over = false; ///< the buyer hung up: the talk ended there
  double buyer_answer_rate = 0.9;
  timestamp_us bridged_at = 0;
};

struct carrier_state {
  sim_carrier_options opt;
  std::shared_ptr<const wall_clock> clock;
  caf::actor calls; ///< where events go without opt.out (carrier-sim's wire emitter)
  std::mt19937_64 rng;
  std::unordered_map<std::string, live_call> live;
  /// command_id (with its call) -> when first carried out; a repeat within
  /// sim_command_id_window_us is ignored. `seen_order` forgets them in time.
  std::unordered_map<std::string, timestamp_us> seen_commands;
  std::deque<std::pair<timestamp_us, std::string>> seen_order;
  std::vector<std::string> dids;
  std::map<std::string, double> answer_rate_by_destination;
  static inline const char* name = "sim_carrier";
};

using carrier_self = caf::stateful_actor<carrier_state>*;

double uniform(carrier_self self) { return std::uniform_real_distribution<double>{0.0, 1.0}(self->state.rng); }

caf::timespan exponential_ms(carrier_self self, double mean_ms) {
  std::exponential_distribution<double> d{1.0 / std::max(0.001, mean_ms)};
  return microseconds{std::llround(d(self->state.rng) * 1000.0) + 1};
}

void schedule(carrier_self self, caf::timespan after, sim_action action, const std::string& id, uint32_t token) {
  // The call rate is per real second; only what happens within a call is scaled.
  auto scale = self->state.opt.time_scale;
  if (scale > 0 && scale != 1.0 && action != sim_action::place_call)
    after = caf::timespan{static_cast<caf::timespan::rep>(static_cast<double>(after.count()) / scale)};
  self->delayed_send(self, after, sim_tick{action, id, token});
}

void emit(carrier_self self, carrier_event ev) {
  auto& st = self->state;
  ev.occurred_at = st.clock->now();
  if (st.opt.out)
    st.opt.out(std::move(ev));
  else
    self->send(st.calls, std::move(ev));
}

carrier_event event(const std::string& id, carrier_event_kind kind, call_leg leg = call_leg::caller) {
  carrier_event ev;
  ev.carrier_call_id = id;
  ev.kind = kind;
  ev.leg = leg;
  return ev;
}

/// The caller's leg ends: hangup event, recording saved, record closed.
void end_call(carrier_self self, const std::string& id, live_call& c, hangup_source source) {
  if (c.ended) return;
  c.ended = true;
  ++c.token;
  auto& rec = self->state.opt.report->calls[id];
  rec.ended = true;
  rec.ended_by = std::string{to_string(source)};
  ++self->state.opt.report->ended;
  auto now = self->state.clock->now();
  rec.ended_at = now;
  if (c.bridged && !c.talk_over) rec.talk_ms = (now - c.bridged_at) / us_per_ms;
  auto ev = event(id, carrier_event_kind::hangup);
  ev.cause = hangup_cause::normal_clearing;
  ev.source = source;
  emit(self, std::move(ev));
  if (c.recording) {
    auto saved = event(id, carrier_event_kind::recording_saved);
    saved.detail = "https://recordings.example.invalid/" + id + ".mp3";
    emit(self, std::move(saved));
  }
}

void place_call(carrier_self self) {
  auto& st = self->state;
  auto& rep = *st.opt.report;
  if (st.opt.calls != 0 && rep.placed >= st.opt.calls) return;
  if (!st.opt.out && !st.calls) { // nobody to tell yet
    schedule(self, milliseconds{10}, sim_action::place_call, {}, 0);
    return;
  }
  auto n = ++rep.placed;
  std::string id = st.opt.call_id_prefix + std::to_string(n);
  auto& b = st.opt.behavior;
  const auto& plan = st.opt.schedule;
  std::string did = st.dids.empty() || uniform(self) < b.unknown_did_rate
                      ? std::string{"+18005550100"}
                      : st.dids[std::uniform_int_distribution<size_t>{0, st.dids.size() - 1}(st.rng)];
  if (!plan.empty() && !plan[n - 1].did.empty()) did = plan[n - 1].did;
  static const char* area_codes[] = {"212", "310", "312", "415", "512", "602", "713", "786", "404", "206"};
  auto area = area_codes[std::uniform_int_distribution<int>{0, 9}(st.rng)];
  std::string caller = std::string{"+1"} + area + std::to_string(2000000 + (st.rng() % 7999999));
  auto& c = st.live[id];
  c.abandons = uniform(self) < b.abandon_rate;
  auto& rec = rep.calls[id];
  rec.caller = caller;
  rec.did = did;
  rec.placed_at = st.clock->now();
  auto ev = event(id, carrier_event_kind::initiated);
  ev.from = caller;
  ev.to = did;
  emit(self, std::move(ev));
  if (c.abandons)
    schedule(self, exponential_ms(self, b.patience_s_mean * 1000.0), sim_action::caller_hangup, id, c.token);
  if (!plan.empty()) {
    if (n < plan.size()) {
      auto gap_us = std::llround(std::max(0.0, plan[n].at_s - plan[n - 1].at_s) * 1e6);
      schedule(self, microseconds{gap_us}, sim_action::place_call, {}, 0);
    }
    return;
  }
  if (st.opt.calls == 0 || rep.placed < st.opt.calls)
    schedule(self, exponential_ms(self, 1000.0 / std::max(0.001, st.opt.calls_per_second)), sim_action::place_call, {},
             0);
}

/// Records which buyer a bridged call went to, from the transfer destination.
void note_transfer(carrier_self self, const carrier_command& cmd) {
  if (cmd.kind != command_kind::transfer) return;
  self->state.opt.report->calls[cmd.carrier_call_id].bridged_to = cmd.payload;
}

/// Carries out one command, or says why not. Emits no command_failed: the
/// caller decides how a refusal reaches the engine.
sim_command_result carry_out(carrier_self self, const carrier_command& cmd) {
  auto& st = self->state;
  auto& rep = *st.opt.report;
  ++rep.commands;
  auto now = st.clock->now();
  while (!st.seen_order.empty() && now - st.seen_order.front().first > sim_command_id_window_us) {
    auto old = st.seen_commands.find(st.seen_order.front().second);
    if (old != st.seen_commands.end() && old->second == st.seen_order.front().first) st.seen_commands.erase(old);
    st.seen_order.pop_front();
  }
  auto key = cmd.carrier_call_id + '|' + cmd.command_id.to_string();
  if (!st.seen_commands.emplace(key, now).second) {
    ++rep.duplicate_commands;
    return sim_command_result::duplicate; // a retry of a command already carried out
  }
  st.seen_order.emplace_back(now, key);
  auto i = st.live.find(cmd.carrier_call_id);
  if (i == st.live.end() || i->second.ended) {
    ++rep.commands_for_ended_calls;
    return sim_command_result::call_ended;
  }
  auto& id = i->first;
  auto& c = i->second;
  auto& b = st.opt.behavior;
  if (b.command_failure_rate > 0 && uniform(self) < b.command_failure_rate) {
    ++rep.injected_failures;
    st.seen_commands.erase(key); // not carried out: a retry with this id must be
    return sim_command_result::injected_failure;
  }
  ++rep.calls[id].commands;
  note_transfer(self, cmd);
  switch (cmd.kind) {
    case command_kind::answer:
      ++rep.calls[id].answers;
      schedule(self, milliseconds{b.answer_delay_ms}, sim_action::answered, id, c.token);
      return sim_command_result::executed;
    case command_kind::speak: {
      auto ms = std::max<int64_t>(200, int64_t(cmd.payload.size()) * b.speech_ms_per_char);
      schedule(self, milliseconds{ms}, sim_action::speak_ended, id, c.token);
      return sim_command_result::executed;
    }
    case command_kind::play: c.playing = true; return sim_command_result::executed;
    case command_kind::stop_play:
      if (c.playing) {
        c.playing = false;
        emit(self, event(id, carrier_event_kind::playback_ended));
      }
      return sim_command_result::executed;
    case command_kind::transfer: {
      c.transferring = true;
      auto rate = st.answer_rate_by_destination.count(cmd.payload) ? st.answer_rate_by_destination[cmd.payload] : 0.5;
      auto ring = exponential_ms(self, b.ring_ms_mean);
      auto limit = std::chrono::seconds{std::max(1, cmd.timeout_secs)};
      if (uniform(self) < rate && ring < limit)
        schedule(self, ring, sim_action::buyer_answer, id, c.token);
      else
        schedule(self, std::min<caf::timespan>(ring, limit), sim_action::buyer_reject, id, c.token);
      return sim_command_result::executed;
    }
    case command_kind::record_start: c.recording = true; return sim_command_result::executed;
    case command_kind::record_stop:
      if (c.recording) {
        c.recording = false;
        auto saved = event(id, carrier_event_kind::recording_saved);
        saved.detail = "https://recordings.example.invalid/" + id + ".mp3";
        emit(self, std::move(saved));
      }
      return sim_command_result::executed;
    case command_kind::hangup:
      schedule(self, milliseconds{20}, sim_action::hangup_done, id, c.token);
      return sim_command_result::executed;
  }
  return sim_command_result::executed;
}

/// A command from an engine in the same process: refusals come back as
/// command_failed events.
void on_command(carrier_self self, const carrier_command& cmd) {
  auto result = carry_out(self, cmd);
  if (self->state.opt.commands_in_flight) --*self->state.opt.commands_in_flight;
  if (result != sim_command_result::call_ended && result != sim_command_result::injected_failure) return;
  auto ev = event(cmd.carrier_call_id, carrier_event_kind::command_failed);
  ev.failed_command = cmd.kind;
  ev.detail = result == sim_command_result::call_ended ? "call has already ended" : "injected failure";
  emit(self, std::move(ev));
}

/// What a carrier's call-status API would say of `id`.
sim_call_facts facts_of(carrier_self self, const std::string& id) {
  const auto& st = self->state;
  sim_call_facts f;
  f.now = st.clock->now();
  auto i = st.opt.report->calls.find(id);
  if (i == st.opt.report->calls.end() || i->second.placed_at == 0) return f;
  const auto& rec = i->second;
  if (rec.ended && f.now - rec.ended_at > sim_status_kept_us) return f;
  f.state = rec.ended ? sim_call_state::ended : sim_call_state::alive;
  f.start = rec.placed_at;
  f.end = rec.ended ? rec.ended_at : 0;
  return f;
}

sim_live_calls live_calls(carrier_self self) {
  const auto& st = self->state;
  sim_live_calls out;
  out.now = st.clock->now();
  for (const auto& [id, c] : st.live)
    if (!c.ended) out.ids.push_back(id);
  std::sort(out.ids.begin(), out.ids.end());
  for (const auto& id : out.ids) out.start.push_back(st.opt.report->calls[id].placed_at);
  return out;
}

void on_tick(carrier_self self, const sim_tick& t) {
  auto& st = self->state;
  if (t.action == sim_action::place_call) {
    place_call(self);
    return;
  }
  auto i = st.live.find(t.carrier_call_id);
  if (i == st.live.end()) return;
  auto& id = i->first;
  auto& c = i->second;
  if (c.ended || t.token != c.token) return; // stale: the call moved on
  auto& rec = st.opt.report->calls[id];
  auto& b = st.opt.behavior;
  switch (t.action) {
    case sim_action::answered:
      c.answered = true;
      rec.answered = true;
      emit(self, event(id, carrier_event_kind::answered));
      return;
    case sim_action::speak_ended: emit(self, event(id, carrier_event_kind::speak_ended)); return;
    case sim_action::caller_hangup:
      end_call(self, id, c, hangup_source::caller);
      st.live.erase(i);
      return;
    case sim_action::buyer_answer: {
      if (!c.transferring) return;
      c.transferring = false;
      c.bridged = true;
      c.playing = false;
      c.bridged_at = st.clock->now();
      ++c.token; // the caller no longer abandons
      rec.bridged = true;
      rec.bridged_at = c.bridged_at;
      emit(self, event(id, carrier_event_kind::bridged));
      auto talk = exponential_ms(self, b.talk_s_mean * 1000.0);
      schedule(self, talk, uniform(self) < b.buyer_hangup_share ? sim_action::buyer_hangup : sim_action::caller_hangup,
               id, c.token);
      return;
    }
    case sim_action::buyer_reject: {
      if (!c.transferring) return;
      c.transferring = false;
      auto ev = event(id, carrier_event_kind::hangup, call_leg::buyer);
      ev.cause = uniform(self) < 0.5 ? hangup_cause::no_answer : hangup_cause::user_busy;
      ev.source = hangup_source::callee;
      emit(self, std::move(ev));
      return;
    }
    case sim_action::buyer_hangup: {
      // The talk is over now, whenever the caller's leg follows.
      c.talk_over = true;
      rec.talk_ms = (st.clock->now() - c.bridged_at) / us_per_ms;
      auto ev = event(id, carrier_event_kind::hangup, call_leg::buyer);
      ev.cause = hangup_cause::normal_clearing;
      ev.source = hangup_source::callee;
      emit(self, std::move(ev));
      return;
    }
    case sim_action::hangup_done:
      end_call(self, id, c, hangup_source::callee);
      st.live.erase(i);
      return;
    case sim_action::place_call:
    case sim_action::chaos: return;
  }
}

caf::behavior sim_carrier(carrier_self self, sim_carrier_options opt, std::shared_ptr<const wall_clock> clock) {
  auto& st = self->state;
  st.opt = std::move(opt);
  st.clock = std::move(clock);
  st.rng.seed(st.opt.seed * 0x2545F4914F6CDD1Dull + 11);
  for (const auto& d : st.opt.config->dids) st.dids.push_back(d.number);
  for (const auto& buyer : st.opt.config->buyers)
    st.answer_rate_by_destination[buyer.destination] = buyer.sim.answer_rate;
  if (!st.opt.schedule.empty()) {
    st.opt.calls = st.opt.schedule.size();
    auto first_us = std::llround(std::max(0.0, st.opt.schedule.front().at_s) * 1e6);
    schedule(self, microseconds{first_us + 1}, sim_action::place_call, {}, 0);
  } else if (st.opt.calls_per_second > 0) {
    schedule(self, milliseconds{1}, sim_action::place_call, {}, 0);
  }
  return {
    [=](const carrier_command& cmd) { on_command(self, cmd); },
    [=](const sim_command_probe& probe) { return sim_command_verdict{carry_out(self, probe.command)}; },
    [=](const sim_status_request&) {
      const auto& s = self->state;
      return sim_carrier_status{s.opt.report->placed, s.live.size()};
    },
    [=](const sim_call_query& q) { return facts_of(self, q.carrier_call_id); },
    [=](const sim_live_calls_query&) { return live_calls(self); },
    [=](const sim_tick& t) { on_tick(self, t); },
    [=](const peer_restarted& msg) {
      if (msg.peer.kind == peer_kind::calls) self->state.calls = msg.peer.handle;
    },
  };
}

} // namespace

caf::actor spawn_sim_carrier(caf::actor_system& sys, sim_carrier_options options,
                             std::shared_ptr<const wall_clock> clock) {
  return sys.spawn(sim_carrier, std::move(options), std::move(clock));
}

} // namespace ringbid
