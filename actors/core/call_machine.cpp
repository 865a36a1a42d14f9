#include "actors/core/call_machine.hpp"

#include "actors/core/area_codes.hpp"

#include <algorithm>
#include <chrono>
#include <utility>

namespace ringbid {

namespace {

using std::chrono::milliseconds;
using std::chrono::seconds;

/// One step's working set: the snapshot being changed and the effects gathered.
struct machine {
  call_snapshot& c;
  call_effects& fx;
  timestamp_us now;
  const call_settings& s;

  // -- bookkeeping --------------------------------------------------------------

  void note(std::string text) { c.journal.push_back(journal_entry{now, c.state, std::move(text)}); }

  void enter(call_state next, std::string why) {
    if (c.state == next) return;
    c.state = next;
    fx.state_changed = true;
    note(std::move(why));
  }

  void arm(timer_kind kind, caf::timespan delay) {
    auto& gen = c.timer_generation[static_cast<size_t>(kind)];
    ++gen;
    if (c.timer_due.size() < timer_kind_count) c.timer_due.resize(timer_kind_count, 0);
    c.timer_due[static_cast<size_t>(kind)] = now + std::chrono::duration_cast<std::chrono::microseconds>(delay).count();
    fx.timers.push_back(timer_request{kind, delay, gen});
  }

  /// After a restart: the watchdog keeps the deadline it had (due already:
  /// fires at once); one that was not armed gets a full `delay`.
  void rearm(timer_kind kind, caf::timespan delay) {
    auto i = static_cast<size_t>(kind);
    auto due = i < c.timer_due.size() ? c.timer_due[i] : 0;
    if (due == 0) {
      arm(kind, delay);
      return;
    }
    arm(kind, std::chrono::microseconds{std::max<int64_t>(0, due - now)});
    c.timer_due[i] = due;
  }

  void disarm(timer_kind kind) {
    ++c.timer_generation[static_cast<size_t>(kind)];
    if (static_cast<size_t>(kind) < c.timer_due.size()) c.timer_due[static_cast<size_t>(kind)] = 0;
  }

  void disarm_all() {
    for (auto& gen : c.timer_generation) ++gen;
    for (auto& due : c.timer_due) due = 0;
  }

  carrier_command& command(command_kind kind) {
    fx.commands.push_back(carrier_command{});
    auto& cmd = fx.commands.back();
    cmd.kind = kind;
    return cmd;
  }

  void speak(const std::string& text) {
    auto& cmd = command(command_kind::speak);
    cmd.payload = text;
    cmd.voice = s.voice;
    cmd.language = s.language;
  }

  void release(uint64_t token) {
    if (token != 0) fx.releases.push_back(token);
  }

  /// Gives back every reservation the call holds that did not count it.
  void release_all() {
    for (auto& o : c.offers) release(o.token);
    c.offers.clear();
    if (c.current.token != 0) {
      // Ending a bridged call: it converted if the talk reached the buyer's buffer.
      auto buffer = c.current.conversion_buffer_s;
      if (c.committed && buffer > 0 && now - c.bridged_at >= int64_t{buffer} * us_per_s)
        fx.stage_commits.push_back(commit_request{c.current.token, count_stage::converted, c.current.amount_micros});
      // A committed reservation is released too: that frees its concurrency slot
      // and leaves the committed count alone.
      release(c.current.token);
      c.current.token = 0;
    }
    if (c.round_running) {
      fx.abandon_round = true;
      c.round_running = false;
      c.round_pinged = false;
    }
  }

  // -- phases -------------------------------------------------------------------

  void start(bool found) {
    if (c.timer_generation[static_cast<size_t>(timer_kind::answer)] != 0 || c.ending != ending_step::none)
      return; // routed already
    bool paused = found && s.paused;
    if (paused && s.when_paused == paused_response::reject) {
      // Refused before any answer: a hangup of an unanswered call is the
      // carrier's reject.
      c.outcome = disposition::paused;
      c.ended_in = c.state;
      enter(call_state::ending, "campaign paused: refused");
      send_hangup();
      return;
    }
    command(command_kind::answer);
    arm(timer_kind::answer, s.answer_timeout);
    if (found && !paused) {
      note("routed");
      return;
    }
    c.outcome = paused ? disposition::paused : disposition::unknown_number;
    c.ended_in = c.state;
    c.ending = ending_step::await_answer;
    enter(call_state::ending, paused ? "campaign paused" : "unknown number");
  }

  /// What a call that ends before routing is told once answered.
  const std::string& refusal_text() const {
    return c.outcome == disposition::paused ? s.paused_text : s.not_in_service_text;
  }

  void on_answered() {
    if (c.answered) return;
    c.answered = true;
    c.answered_at = now;
    disarm(timer_kind::answer);
    if (c.ending == ending_step::await_answer) {
      note("answered");
      speak_ending(refusal_text());
      return;
    }
    if (c.state != call_state::greeting) return;
    note("answered");
    if (s.early_auction) begin_round();
    if (s.greeting_text.empty()) {
      greeting_finished("no greeting");
      return;
    }
    speak(s.greeting_text);
    arm(timer_kind::greeting, s.greeting_timeout);
  }

  void greeting_finished(std::string why) {
    if (c.greeting_done) return;
    c.greeting_done = true;
    disarm(timer_kind::greeting);
    c.hold_started_at = now;
    note(std::move(why));
    if (!s.hold_audio_url.empty()) {
      auto& cmd = command(command_kind::play);
      cmd.payload = s.hold_audio_url;
      cmd.loop = true;
      c.hold_audio = true;
    }
    arm(timer_kind::max_hold, s.max_hold);
    if (!c.offers.empty()) {
      try_next_offer();
    } else if (c.round_running) {
      enter(c.round_pinged ? call_state::auction : call_state::hold, "waiting for the auction");
    } else {
      begin_round();
    }
  }

  void begin_round() {
    if (c.round >= s.max_rounds) {
      go_ending(c.transfer_attempts > 0 ? disposition::buyer_no_answer : disposition::no_buyer);
      return;
    }
    ++c.round;
    c.round_running = true;
    c.round_pinged = false;
    fx.start_round = true;
    if (c.greeting_done)
      enter(call_state::hold, "round " + std::to_string(c.round));
    else
      note("round " + std::to_string(c.round) + " during greeting");
  }

  void on_round_pinged(const round_pinged& in) {
    if (!c.round_running || in.round != c.round) return;
    c.round_pinged = true;
    if (c.greeting_done && c.state == call_state::hold) enter(call_state::auction, "pings out");
  }

  void on_round_closed(const round_closed& in) {
    // Every round that closed is explained in the lead, even one the call no
    // longer wanted; a round is recorded once (a restart may close it again).
    bool known =
      std::any_of(c.auctions.begin(), c.auctions.end(), [&](const auction_record& r) { return r.round == in.round; });
    if (!known && in.record.opened_at != 0) c.auctions.push_back(in.record);
    bool wanted = c.round_running && in.round == c.round && !c.caller_gone &&
                  (c.state == call_state::greeting || c.state == call_state::hold || c.state == call_state::auction) &&
                  c.ending == ending_step::none;
    if (!wanted) {
      for (auto& o : in.offers) release(o.token);
      return;
    }
    c.round_running = false;
    c.round_pinged = false;
    if (c.first_round_latency_us < 0) c.first_round_latency_us = in.latency_us;
    note("round " + std::to_string(in.round) + " closed: " + in.summary);
    c.offers = in.offers;
    if (c.greeting_done) try_next_offer();
  }

  void on_late_answer(const late_answer& in) {
    for (auto& record : c.auctions) {
      if (record.round != in.round) continue;
      for (auto& e : record.entries) {
        if (e.buyer_id != in.buyer_id || e.verdict != bidder_verdict::no_answer) continue;
        e.reason = "late: answered after " + std::to_string(in.after_us / us_per_ms) + " ms, past the " +
                   std::to_string(record.deadline_ms) + " ms deadline";
        e.bid_micros = in.bid_micros;
        e.latency_us = in.after_us;
      }
    }
  }

  void try_next_offer() {
    while (!c.offers.empty()) {
      offer next = std::move(c.offers.front());
      c.offers.erase(c.offers.begin());
      if (next.expires_at <= now) {
        note("offer from " + next.buyer_id + " expired");
        release(next.token);
        continue;
      }
      if (c.transfer_attempts >= s.max_transfer_attempts) {
        release(next.token);
        continue;
      }
      transfer_to(std::move(next));
      return;
    }
    if (c.transfer_attempts >= s.max_transfer_attempts) {
      go_ending(disposition::buyer_no_answer);
      return;
    }
    begin_round();
  }

  void transfer_to(offer target) {
    c.current = std::move(target);
    c.transferring = true;
    ++c.transfer_attempts;
    // A new buyer holds the call's reservation: checkpoint it even when the
    // state stays `auction` (a fallback), or a restart would re-take the last
    // buyer's reservation, already given back.
    fx.state_changed = true;
    if (c.current.token != 0)
      fx.stage_commits.push_back(commit_request{c.current.token, count_stage::routed, c.current.amount_micros});
    auto& cmd = command(command_kind::transfer);
    cmd.payload = c.current.destination;
    cmd.from = c.did;
    cmd.timeout_secs = s.transfer_timeout_s;
    arm(timer_kind::transfer, seconds{s.transfer_timeout_s} + s.transfer_grace);
    if (c.state != call_state::auction)
      enter(call_state::auction, "transfer to " + c.current.buyer_id);
    else
      note("transfer to " + c.current.buyer_id);
  }

  void transfer_failed(std::string why) {
    if (!c.transferring) return;
    c.transferring = false;
    c.adopting = false; // a re-take still on its way is for this buyer: released on arrival
    disarm(timer_kind::transfer);
    note("transfer to " + c.current.buyer_id + " failed: " + why);
    release(c.current.token);
    c.current = offer{};
    if (c.caller_gone || c.ending != ending_step::none) return;
    try_next_offer();
  }

  void on_bridged(const carrier_event& ev) {
    if (!c.transferring) {
      // The bridge was already inferred from the buyer's hangup that overtook
      // this event: it brings the bridge's true time.
      if (c.bridged_at != 0 && c.carrier_bridged_at == 0 && ev.occurred_at != 0) {
        c.carrier_bridged_at = ev.occurred_at;
        note("bridge confirmed");
        return;
      }
      note("bridged without a transfer: ignored");
      return;
    }
    c.carrier_bridged_at = ev.occurred_at;
    c.transferring = false;
    disarm(timer_kind::transfer);
    disarm(timer_kind::max_hold);
    c.bridged_at = now;
    c.outcome = disposition::bridged;
    // Without a token (re-take after a restart still on its way) the call is
    // counted when the reservation comes back.
    c.committed = c.current.token != 0;
    if (c.committed) fx.commits.push_back(c.current.token);
    if (c.committed && c.current.conversion_buffer_s <= 0)
      fx.stage_commits.push_back(commit_request{c.current.token, count_stage::converted, c.current.amount_micros});
    for (auto& o : c.offers) release(o.token);
    c.offers.clear();
    enter(call_state::bridged, "bridged to " + c.current.buyer_id);
    if (c.hold_audio) {
      command(command_kind::stop_play);
      c.hold_audio = false;
    }
    if (s.record) {
      command(command_kind::record_start);
      c.recording = true;
    }
    arm(timer_kind::talk, s.max_talk);
  }

  /// Leaves the live states for `ending`, with `why` as the outcome unless the
  /// call already has one (a bridged call stays bridged).
  void go_ending(disposition why, bool speak_message = true) {
    if (c.state == call_state::ending || c.state == call_state::done) return;
    if (c.outcome == disposition::in_progress) c.outcome = why;
    c.ended_in = c.state;
    if (c.transferring) {
      c.transferring = false;
      release(c.current.token);
      c.current.token = 0;
    }
    release_all();
    disarm(timer_kind::greeting);
    disarm(timer_kind::max_hold);
    disarm(timer_kind::transfer);
    disarm(timer_kind::talk);
    enter(call_state::ending, std::string{to_string(c.outcome)});
    if (c.caller_gone) {
      finish_after_caller_left();
      return;
    }
    if (c.answered && speak_message && c.bridged_at == 0 && !s.ending_text.empty()) {
      speak_ending(s.ending_text);
      return;
    }
    send_hangup();
  }

  void speak_ending(const std::string& text) {
    c.ending = ending_step::speaking;
    speak(text);
    arm(timer_kind::ending, s.ending_timeout);
  }

  void send_hangup() {
    c.ending = ending_step::hanging_up;
    c.hangup_sent = true;
    command(command_kind::hangup);
    arm(timer_kind::ending, s.ending_timeout);
  }

  /// The talk ends with the first hangup of either leg after the bridge.
  void note_talk_end(const carrier_event& ev) {
    if (c.bridged_at != 0 && c.carrier_talk_ended_at == 0) c.carrier_talk_ended_at = ev.occurred_at;
  }

  void on_caller_hangup(const carrier_event& ev) {
    if (c.caller_gone) {
      if (c.caller_gone_inferred && !ev.inferred) { // the carrier's own word at last
        c.caller_gone_inferred = false;
        c.cause = ev.cause;
        c.source = ev.source;
        note_talk_end(ev);
        if (c.ending == ending_step::wrapping_up) finish_after_caller_left();
      }
      return;
    }
    if (!ev.inferred) note_talk_end(ev);
    c.caller_gone = true;
    c.caller_gone_inferred = ev.inferred;
    c.cause = ev.cause;
    c.source = ev.source;
    if (c.state == call_state::ending) {
      note(c.hangup_sent ? "hangup confirmed" : "caller hung up");
      release_all();
      finish_after_caller_left();
      return;
    }
    if (c.outcome == disposition::in_progress) c.outcome = disposition::abandoned;
    note("caller hung up in " + std::string{to_string(c.state)});
    go_ending(c.outcome);
  }

  void on_buyer_hangup(const carrier_event& ev) {
    if (c.transferring && ev.cause == hangup_cause::normal_clearing) {
      // Only an answered leg clears normally: the buyer picked up and hung up
      // again, and this hangup overtook the bridge event (carriers do not
      // order their webhooks). The call was bridged.
      note("buyer answered (hangup before the bridge event)");
      carrier_event bridge = ev;
      bridge.occurred_at = 0; // unknown until the bridge event comes
      on_bridged(bridge);
    }
    if (c.transferring) {
      transfer_failed(std::string{to_string(ev.cause)});
      return;
    }
    if (c.state == call_state::bridged) {
      note_talk_end(ev);
      c.cause = ev.cause;
      c.source = ev.source;
      note("buyer hung up");
      go_ending(disposition::bridged, false);
    }
  }

  /// What a call whose caller is gone still waits for: its recording, the
  /// re-taken reservation its bridge must count against (after a restart),
  /// and, when the caller's end was only inferred, the carrier's hangup event.
  bool wrap_up_pending() const {
    return (c.recording && c.recording_url.empty()) || (c.adopting && c.bridged_at != 0 && !c.committed) ||
           // A bridged call's talk time needs the hangup's time from the carrier.
           (c.caller_gone_inferred && c.bridged_at != 0 && c.carrier_talk_ended_at == 0);
  }

  /// The caller's leg is gone: done, unless something is still to come.
  void finish_after_caller_left() {
    if (!wrap_up_pending()) {
      finish();
      return;
    }
    if (c.ending != ending_step::wrapping_up) {
      c.ending = ending_step::wrapping_up;
      arm(timer_kind::ending, s.ending_timeout);
    }
  }

  void finish() {
    if (c.state == call_state::done) return;
    release_all();
    disarm_all();
    c.ending = ending_step::none;
    c.ended_at = now;
    enter(call_state::done, "done");
    fx.finished = true;
  }

  // -- inputs -------------------------------------------------------------------

  void on_event(const carrier_event& ev) {
    switch (ev.kind) {
      case carrier_event_kind::initiated: return; // the supervisor's business: it created this call
      case carrier_event_kind::answered:
        if (ev.leg == call_leg::caller) on_answered();
        return;
      case carrier_event_kind::speak_ended:
        if (c.state == call_state::greeting && c.answered)
          greeting_finished("greeting ended");
        else if (c.ending == ending_step::speaking)
          send_hangup();
        return;
      case carrier_event_kind::playback_ended:
        if (c.hold_audio) {
          c.hold_audio = false;
          note("hold audio ended");
        }
        return;
      case carrier_event_kind::bridged: on_bridged(ev); return;
      case carrier_event_kind::hangup:
        if (ev.leg == call_leg::caller)
          on_caller_hangup(ev);
        else
          on_buyer_hangup(ev);
        return;
      case carrier_event_kind::recording_saved:
        c.recording_url = ev.detail;
        if (c.ending == ending_step::wrapping_up) finish_after_caller_left();
        return;
      case carrier_event_kind::dtmf: note("dtmf " + ev.detail); return;
      case carrier_event_kind::gather_ended: note("gathered " + ev.detail); return;
      case carrier_event_kind::command_failed: on_command_failed(ev); return;
    }
  }

  void on_command_failed(const carrier_event& ev) {
    note(std::string{to_string(ev.failed_command)} + " failed: " + ev.detail);
    switch (ev.failed_command) {
      case command_kind::answer:
        if (c.answered) return;
        disarm(timer_kind::answer);
        if (c.outcome == disposition::in_progress) c.outcome = disposition::failed;
        if (c.state == call_state::ending)
          send_hangup();
        else
          go_ending(disposition::failed);
        return;
      case command_kind::speak:
        if (c.state == call_state::greeting && c.answered)
          greeting_finished("greeting skipped");
        else if (c.ending == ending_step::speaking)
          send_hangup();
        return;
      case command_kind::play: c.hold_audio = false; return;
      case command_kind::transfer: transfer_failed("refused"); return;
      case command_kind::hangup:
        if (c.ending != ending_step::hanging_up) return;
        if (c.hangup_retried) {
          finish();
          return;
        }
        c.hangup_retried = true;
        send_hangup();
        return;
      case command_kind::record_start:
        c.recording = false; // no recording will come: stop waiting for one
        if (c.ending == ending_step::wrapping_up) finish_after_caller_left();
        return;
      case command_kind::stop_play:
      case command_kind::record_stop: return;
    }
  }

  void on_timer(const timer_fired& t) {
    // Generation 0 was never armed; any other mismatch is a stale timer.
    if (t.generation == 0 || c.timer_generation[static_cast<size_t>(t.kind)] != t.generation) return;
    if (static_cast<size_t>(t.kind) < c.timer_due.size()) c.timer_due[static_cast<size_t>(t.kind)] = 0;
    switch (t.kind) {
      case timer_kind::answer:
        if (c.answered) return;
        note("answer never confirmed");
        if (c.outcome == disposition::in_progress) c.outcome = disposition::failed;
        if (c.state == call_state::ending)
          send_hangup();
        else
          go_ending(disposition::failed);
        return;
      case timer_kind::greeting:
        if (c.state == call_state::greeting) greeting_finished("greeting never ended");
        return;
      case timer_kind::max_hold:
        if (c.state == call_state::hold || c.state == call_state::auction) {
          note("held too long");
          go_ending(c.transfer_attempts > 0 ? disposition::buyer_no_answer : disposition::no_buyer);
        }
        return;
      case timer_kind::transfer: transfer_failed("never answered"); return;
      case timer_kind::talk:
        if (c.state == call_state::bridged) {
          note("talk time limit");
          go_ending(disposition::bridged, false);
        }
        return;
      case timer_kind::ending:
        if (c.ending == ending_step::speaking) {
          note("ending message never ended");
          send_hangup(); // the caller must not be left on an open line
          return;
        }
        note(c.ending == ending_step::hanging_up ? "hangup never confirmed" : "ending timed out");
        finish();
        return;
    }
  }

  /// A reservation re-taken after a restart arrives. It applies only while the
  /// call is still with the buyer it was taken for; otherwise it goes back.
  void on_adopted(const reservation_adopted& in) {
    if (in.token == 0) return;
    bool for_current =
      c.adopting && c.current.token == 0 && c.current.buyer_id == in.buyer_id && (c.transferring || c.bridged_at != 0);
    if (!for_current) {
      release(in.token);
      return;
    }
    c.adopting = false;
    // Bridged while the reservation was on its way back: count it now.
    if (c.bridged_at != 0 && !c.committed) {
      if (in.mode == adopt_kind::pending) fx.commits.push_back(in.token);
      c.committed = true;
    }
    if (c.state == call_state::ending) {
      release(in.token); // the call is over: counted (if bridged), slot freed
      if (c.ending == ending_step::wrapping_up) finish_after_caller_left();
      return;
    }
    c.current.token = in.token;
  }

  void on_shutdown() {
    if (c.state == call_state::ending || c.state == call_state::done) return;
    note("node shutting down");
    go_ending(disposition::interrupted, false);
  }

  /// Restarted from a checkpoint: reservations died with the old actor (the
  /// ledger released them), timers too. Re-take what is live, re-arm watchdogs.
  void on_resumed() {
    note("resumed after a crash");
    fx.state_changed = true;
    c.offers.clear();
    if (c.round_running) {
      c.round_running = false;
      c.round_pinged = false;
      --c.round; // the lost round is run again
    }
    c.current.token = 0;
    c.adopting = false; // a request of the dead actor will not be answered to this one
    if (!c.answered && c.state != call_state::done) rearm(timer_kind::answer, s.answer_timeout);
    switch (c.state) {
      case call_state::greeting:
        if (c.answered) rearm(timer_kind::greeting, s.greeting_timeout);
        if (c.answered && s.early_auction) begin_round();
        return;
      case call_state::hold:
      case call_state::auction:
        rearm(timer_kind::max_hold, s.max_hold);
        if (c.transferring) {
          fx.adopt = adopt_kind::pending;
          c.adopting = true;
          rearm(timer_kind::transfer, seconds{s.transfer_timeout_s} + s.transfer_grace);
        } else {
          begin_round();
        }
        return;
      case call_state::bridged:
        // Counted already: take the slot back only. Not yet: count it now.
        fx.adopt = c.committed ? adopt_kind::committed : adopt_kind::pending;
        c.adopting = true;
        rearm(timer_kind::talk, s.max_talk);
        return;
      case call_state::ending:
        if (c.ending == ending_step::await_answer && c.answered)
          speak_ending(refusal_text());
        else
          rearm(timer_kind::ending, s.ending_timeout);
        return;
      case call_state::done:
        fx.finished = true; // the lead may not have been booked: book it again (idempotent)
        return;
    }
  }
};

} // namespace

call_settings call_settings::make(const engine_config& cfg, const campaign_config* campaign,
                                  const source_config* source) {
  call_settings s;
  s.not_in_service_text = cfg.not_in_service_text;
  if (campaign != nullptr) {
    s.greeting_text = campaign->greeting_text;
    s.hold_audio_url = campaign->hold_audio_url;
    s.ending_text = campaign->ending_text;
    s.voice = campaign->voice;
    s.language = campaign->language;
    s.early_auction = campaign->early_auction;
    s.record = campaign->record;
    s.max_rounds = static_cast<uint32_t>(campaign->max_rounds);
    s.max_transfer_attempts = static_cast<uint32_t>(campaign->max_transfer_attempts);
    s.transfer_timeout_s = campaign->transfer_timeout_s;
    s.paused = !campaign->active;
    s.when_paused = campaign->when_paused;
    s.paused_text = campaign->paused_text;
  }
  s.source = source;
  const auto& t = cfg.timing;
  s.answer_timeout = milliseconds{t.answer_timeout_ms};
  s.greeting_timeout = milliseconds{t.greeting_timeout_ms};
  s.max_hold = milliseconds{t.max_hold_ms};
  s.transfer_grace = milliseconds{t.transfer_grace_ms};
  s.max_talk = milliseconds{t.max_talk_ms};
  s.ending_timeout = milliseconds{t.ending_timeout_ms};
  return s;
}

call_effects step(call_snapshot& call, const call_input& input, timestamp_us now, const call_settings& settings) {
  call_effects fx;
  if (call.state == call_state::done && !std::holds_alternative<call_resumed>(input)) return fx;
  machine m{call, fx, now, settings};
  std::visit(
    [&m](const auto& in) {
      using input_type = std::decay_t<decltype(in)>;
      if constexpr (std::is_same_v<input_type, call_routed>)
        m.start(in.found);
      else if constexpr (std::is_same_v<input_type, carrier_event>)
        m.on_event(in);
      else if constexpr (std::is_same_v<input_type, round_pinged>)
        m.on_round_pinged(in);
      else if constexpr (std::is_same_v<input_type, round_closed>)
        m.on_round_closed(in);
      else if constexpr (std::is_same_v<input_type, late_answer>)
        m.on_late_answer(in);
      else if constexpr (std::is_same_v<input_type, timer_fired>)
        m.on_timer(in);
      else if constexpr (std::is_same_v<input_type, shutdown_requested>)
        m.on_shutdown();
      else if constexpr (std::is_same_v<input_type, call_resumed>)
        m.on_resumed();
      else if constexpr (std::is_same_v<input_type, reservation_adopted>)
        m.on_adopted(in);
    },
    input);
  return fx;
}

call_snapshot interrupted_copy(call_snapshot call, timestamp_us now, std::string note) {
  // A call already ending has its outcome and keeps the state it left for
  // ending; any other is interrupted where it stood (a bridged one keeps its
  // buyer, and is billed on the talk time known).
  if (call.state != call_state::done && call.state != call_state::ending) {
    call.ended_in = call.state;
    call.outcome = disposition::interrupted;
  }
  if (call.outcome == disposition::in_progress) call.outcome = disposition::interrupted;
  call.state = call_state::done;
  call.ended_at = now;
  call.journal.push_back(journal_entry{now, call_state::done, std::move(note)});
  return call;
}

lead_record make_lead(const call_snapshot& c) {
  lead_record lead;
  lead.id = c.id;
  lead.carrier_call_id = c.carrier_call_id;
  lead.did = c.did;
  lead.caller = c.caller;
  lead.area_code = area_code_of(c.caller);
  lead.caller_state = std::string(region_of_area_code(lead.area_code));
  lead.tags = c.tags;
  lead.ivr = c.ivr;
  lead.campaign_id = c.campaign_id;
  lead.source_id = c.source_id;
  lead.config_revision = c.config_revision;
  lead.outcome = c.outcome;
  lead.ended_in = c.ended_in;
  lead.started_at = c.started_at;
  lead.answered_at = c.answered_at;
  lead.bridged_at = c.bridged_at;
  lead.ended_at = c.ended_at;
  timestamp_us end = c.ended_at != 0 ? c.ended_at : c.started_at;
  if (c.hold_started_at != 0) {
    timestamp_us hold_end = c.bridged_at != 0 ? c.bridged_at : end;
    lead.hold_ms = std::max<int64_t>(0, (hold_end - c.hold_started_at) / us_per_ms);
  }
  if (c.bridged_at != 0) {
    // The carrier's times only, when it gave both: a hangup it stamped before
    // the bridge (held back, so handled after it) is no talk at all. The
    // node's own times only when the carrier's are missing (an inferred end).
    bool carrier_timed = c.carrier_bridged_at != 0 && c.carrier_talk_ended_at != 0;
    lead.talk_ms = carrier_timed ? std::max<int64_t>(0, (c.carrier_talk_ended_at - c.carrier_bridged_at) / us_per_ms)
                                 : std::max<int64_t>(0, (end - c.bridged_at) / us_per_ms);
    lead.buyer_id = c.current.buyer_id;
    lead.destination = c.current.destination;
    lead.bid_micros = c.current.bid_micros != 0 ? c.current.bid_micros : c.current.amount_micros;
    lead.price_micros = c.current.amount_micros;
  }
  lead.auction_rounds = c.round;
  lead.transfer_attempts = c.transfer_attempts;
  lead.auction_latency_us = c.first_round_latency_us;
  lead.cause = c.cause;
  lead.source = c.source;
  lead.recording_url = c.recording_url;
  lead.journal = c.journal;
  lead.auctions = c.auctions;
  return lead;
}

lead_record make_lead(call_snapshot&& c) {
  auto journal = std::move(c.journal);
  auto auctions = std::move(c.auctions);
  c.journal.clear();
  c.auctions.clear();
  auto lead = make_lead(std::as_const(c));
  lead.journal = std::move(journal);
  lead.auctions = std::move(auctions);
  return lead;
}

call_snapshot make_call(call_id id, std::string carrier_call_id, std::string caller, std::string did,
                        timestamp_us now) {
  call_snapshot c;
  c.id = id;
  c.carrier_call_id = std::move(carrier_call_id);
  c.caller = std::move(caller);
  c.did = std::move(did);
  c.started_at = now;
  c.journal.push_back(journal_entry{now, call_state::greeting, "initiated"});
  return c;
}

} // namespace ringbid
