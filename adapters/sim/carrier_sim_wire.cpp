#include "adapters/sim/carrier_sim_wire.hpp"

#include "adapters/clock/sim_clock.hpp"
#include "adapters/sim/sim_call_pages.hpp"
#include "adapters/sim/sim_carrier.hpp"
#include "adapters/sim/sim_messages.hpp"
#include "adapters/telnyx/telnyx_call_info.hpp"
#include "adapters/telnyx/telnyx_codec.hpp"
#include "adapters/telnyx/webhook_signature.hpp"
#include "protocol/carrier.hpp"
#include "protocol/ids.hpp"
#include "protocol/node.hpp"

#include <caf/all.hpp>

#include <algorithm>
#include <deque>
#include <map>
#include <random>

namespace ringbid {

// -- desk ----------------------------------------------------------------------------

uint64_t wire_command_desk::park(http_responder responder) {
  std::lock_guard lock{mutex_};
  auto ticket = ++next_;
  waiting_.emplace(ticket, std::move(responder));
  return ticket;
}

void wire_command_desk::complete(uint64_t ticket, http_response response) {
  std::optional<http_responder> responder;
  {
    std::lock_guard lock{mutex_};
    auto i = waiting_.find(ticket);
    if (i == waiting_.end()) return;
    responder.emplace(std::move(i->second));
    waiting_.erase(i);
  }
  (*responder)(std::move(response));
}

// -- emitter -------------------------------------------------------------------------

namespace {

using std::chrono::milliseconds;

/// What the carrier knows of one call's legs.
struct leg_book {
  std::string caller_state; ///< client_state of the caller leg (latest set)
  std::string buyer_leg;    ///< call_control_id of the current buyer leg, if any
  std::string buyer_state;
  std::string buyer_to;
  bool buyer_live = false;
  bool buyer_bridged = false; ///< the current buyer leg answered and was bridged
  uint32_t transfers = 0;
  std::string from; ///< the caller's number
  std::string to;   ///< the DID
  bool ended = false;
};

/// A buyer leg a transfer created, for its status (kept as long as Telnyx keeps a call's).
struct buyer_leg_book {
  std::string client_state;
  timestamp_us start = 0;
  timestamp_us end = 0; ///< 0 while up
};

struct outgoing {
  telnyx_webhook hook;
  int deliveries_open = 1; ///< the original, plus the duplicate while unsent/unanswered
  bool posted = false;
  std::chrono::steady_clock::time_point first_post{}; ///< when retries began to count
};

struct emitter_state {
  wire_emitter_options opt;
  std::shared_ptr<http_client> client;
  std::shared_ptr<wire_emitter_stats> stats;
  std::shared_ptr<wire_command_desk> desk;
  caf::actor sim;
  std::mt19937_64 rng;
  uuid7_generator ids{1};
  std::unordered_map<std::string, leg_book> calls;
  std::deque<std::pair<timestamp_us, std::string>> ended; ///< for forgetting finished calls
  std::map<std::string, buyer_leg_book> buyer_legs;       ///< by call_control_id
  std::deque<std::pair<timestamp_us, std::string>> buyer_legs_ended;
  std::unordered_map<std::string, outgoing> in_flight; ///< by data.id
  /// occurred_at of the webhooks being emitted: the simulated carrier's time
  /// of the event in hand (0: now, for what a command triggers at once).
  timestamp_us event_time = 0;
  static inline const char* name = "wire_emitter";
};

using emitter_self = caf::stateful_actor<emitter_state>*;

timestamp_us now_us() { return system_now(); }

double uniform(emitter_self self) { return std::uniform_real_distribution<double>{0, 1}(self->state.rng); }

milliseconds random_delay(emitter_self self, milliseconds max) {
  return milliseconds{std::uniform_int_distribution<int64_t>{1, std::max<int64_t>(1, max.count())}(self->state.rng)};
}

void post(emitter_self self, const std::string& event_id, uint32_t attempt, bool duplicate) {
  auto& st = self->state;
  auto i = st.in_flight.find(event_id);
  if (i == st.in_flight.end()) return;
  if (!i->second.posted) {
    i->second.posted = true;
    i->second.first_post = std::chrono::steady_clock::now();
    st.stats->lag.record(std::chrono::microseconds{std::max<int64_t>(0, now_us() - i->second.hook.occurred_at)});
  }
  auto hook = i->second.hook;
  hook.attempt = attempt;
  auto body = encode_webhook(hook);
  auto timestamp = std::to_string(now_us() / us_per_s);
  http_client_request req;
  req.url = st.opt.webhook_url;
  req.timeout = st.opt.delivery_timeout;
  req.headers = {{"Content-Type", "application/json"},
                 {"User-Agent", "telnyx-webhooks"},
                 {"telnyx-timestamp", timestamp},
                 {"telnyx-signature-ed25519", sign_webhook(st.opt.secret_key_b64, timestamp, body)}};
  req.body = std::move(body);
  st.stats->deliveries++;
  auto me = caf::actor_cast<caf::actor>(self);
  auto stats = st.stats;
  st.client->send(std::move(req), [me, stats, event_id, attempt, duplicate](http_client_response r) {
    stats->response.record(std::chrono::duration_cast<std::chrono::microseconds>(r.elapsed));
    caf::anon_send(me, sim_webhook_result{event_id, attempt, duplicate, r.ok() ? r.status : 0});
  });
}

void schedule(emitter_self self, milliseconds after, sim_webhook_due due) {
  if (after.count() <= 0)
    post(self, due.event_id, due.attempt, due.duplicate);
  else
    self->delayed_send(self, after, std::move(due));
}

/// Sends one webhook for `cc` (a call_control_id): `fill` completes the
/// event-specific fields.
template <class Fill>
void emit(emitter_self self, std::string_view type, const std::string& cc, const std::string& state, Fill&& fill) {
  auto& st = self->state;
  telnyx_webhook w;
  auto now = now_us();
  w.event_id = st.ids.next(now / us_per_ms).to_string();
  w.event_type = std::string{type};
  w.occurred_at = st.event_time != 0 ? st.event_time : now;
  w.delivered_to = st.opt.webhook_url;
  w.call_control_id = cc;
  w.call_leg_id = "leg-" + cc;
  w.call_session_id = "session-" + cc;
  w.connection_id = st.opt.connection_id;
  w.client_state = state;
  fill(w);
  auto id = w.event_id;
  st.stats->webhooks++;
  st.stats->pending++;
  bool twice = st.opt.duplicate_rate > 0 && uniform(self) < st.opt.duplicate_rate;
  st.in_flight.emplace(id, outgoing{std::move(w), twice ? 2 : 1});
  auto first = milliseconds{0};
  if (st.opt.reorder_rate > 0 && uniform(self) < st.opt.reorder_rate) {
    st.stats->reordered++;
    first = random_delay(self, st.opt.reorder_max);
  }
  schedule(self, first, sim_webhook_due{id, 1, false});
  if (twice) {
    st.stats->duplicates++;
    schedule(self, random_delay(self, st.opt.reorder_max * 2), sim_webhook_due{id, 1, true});
  }
}

void finish_delivery(emitter_self self, const std::string& event_id) {
  auto& st = self->state;
  auto i = st.in_flight.find(event_id);
  if (i == st.in_flight.end()) return;
  if (--i->second.deliveries_open > 0) return;
  st.in_flight.erase(i);
}

void on_result(emitter_self self, const sim_webhook_result& r) {
  auto& st = self->state;
  auto i = st.in_flight.find(r.event_id);
  if (i == st.in_flight.end()) return;
  bool ok = r.status >= 200 && r.status < 300;
  if (r.duplicate) { // the node's answer to a duplicate does not matter
    finish_delivery(self, r.event_id);
    return;
  }
  if (ok) {
    st.stats->acknowledged++;
    st.stats->pending--;
    finish_delivery(self, r.event_id);
    return;
  }
  if (r.status != 0) st.stats->rejected++;
  auto backoff =
    std::min<milliseconds>(st.opt.retry_max, st.opt.retry_initial * (1 << std::min<uint32_t>(r.attempt - 1, 10)));
  auto since_first = std::chrono::steady_clock::now() - i->second.first_post;
  if (static_cast<int>(r.attempt) >= st.opt.max_attempts || since_first + backoff > st.opt.give_up_after) {
    st.stats->failed++;
    st.stats->pending--;
    finish_delivery(self, r.event_id);
    return;
  }
  st.stats->retries++;
  schedule(self, backoff, sim_webhook_due{r.event_id, r.attempt + 1, false});
}

void forget_old_calls(emitter_self self, timestamp_us now) {
  auto& st = self->state;
  // Late commands still find the legs, status questions their client_state.
  constexpr timestamp_us keep_for = sim_status_kept_us + 60 * us_per_s;
  while (!st.ended.empty() && now - st.ended.front().first > keep_for) {
    st.calls.erase(st.ended.front().second);
    st.ended.pop_front();
  }
  while (!st.buyer_legs_ended.empty() && now - st.buyer_legs_ended.front().first > sim_status_kept_us) {
    st.buyer_legs.erase(st.buyer_legs_ended.front().second);
    st.buyer_legs_ended.pop_front();
  }
}

/// The buyer leg `leg` is down from `at` on.
void end_buyer_leg(emitter_self self, const std::string& leg, timestamp_us at) {
  auto& st = self->state;
  auto i = st.buyer_legs.find(leg);
  if (i == st.buyer_legs.end() || i->second.end != 0) return;
  i->second.end = at;
  st.buyer_legs_ended.emplace_back(at, leg);
}

/// The simulated carrier's normalized event, as Telnyx would put it on the wire.
void on_event(emitter_self self, const carrier_event& ev) {
  auto& st = self->state;
  st.event_time = ev.occurred_at;
  struct reset_time {
    emitter_state& st;
    ~reset_time() { st.event_time = 0; }
  } reset{st};
  const auto& cc = ev.carrier_call_id;
  auto& call = st.calls[cc];
  switch (ev.kind) {
    case carrier_event_kind::initiated:
      call.from = ev.from;
      call.to = ev.to;
      forget_old_calls(self, now_us());
      emit(self, "call.initiated", cc, {}, [&](telnyx_webhook& w) {
        w.direction = "incoming";
        w.state = "parked";
        w.from = ev.from;
        w.to = ev.to;
      });
      return;
    case carrier_event_kind::answered:
      emit(self, "call.answered", cc, call.caller_state, [&](telnyx_webhook& w) {
        w.from = call.from;
        w.to = call.to;
        w.state = "answered";
      });
      return;
    case carrier_event_kind::speak_ended:
      emit(self, "call.speak.ended", cc, call.caller_state, [](telnyx_webhook& w) { w.status = "completed"; });
      return;
    case carrier_event_kind::playback_ended:
      emit(self, "call.playback.ended", cc, call.caller_state, [](telnyx_webhook& w) { w.status = "completed"; });
      return;
    case carrier_event_kind::bridged:
      call.buyer_bridged = true;
      emit(self, "call.answered", call.buyer_leg, call.buyer_state, [&](telnyx_webhook& w) {
        w.from = call.to;
        w.to = call.buyer_to;
        w.state = "answered";
      });
      emit(self, "call.bridged", cc, call.caller_state, [&](telnyx_webhook& w) {
        w.from = call.from;
        w.to = call.to;
      });
      emit(self, "call.bridged", call.buyer_leg, call.buyer_state, [&](telnyx_webhook& w) {
        w.from = call.to;
        w.to = call.buyer_to;
      });
      return;
    case carrier_event_kind::hangup: {
      auto hangup = [&](const std::string& leg, const std::string& state, hangup_cause cause, hangup_source source) {
        emit(self, "call.hangup", leg, state, [&](telnyx_webhook& w) {
          w.state = "hangup";
          w.hangup_cause = std::string{to_string(cause)};
          w.hangup_source = std::string{to_string(source)};
          w.sip_hangup_cause = cause == hangup_cause::normal_clearing ? "200" : "480";
        });
      };
      if (ev.leg == call_leg::buyer) {
        if (!call.buyer_live) return;
        call.buyer_live = false;
        end_buyer_leg(self, call.buyer_leg, ev.occurred_at);
        hangup(call.buyer_leg, call.buyer_state, ev.cause, ev.source);
        return;
      }
      hangup(cc, call.caller_state, ev.cause, ev.source);
      if (call.buyer_live) { // the buyer leg goes down with the caller: cleared, or cancelled while ringing
        call.buyer_live = false;
        end_buyer_leg(self, call.buyer_leg, ev.occurred_at);
        hangup(call.buyer_leg, call.buyer_state,
               call.buyer_bridged ? hangup_cause::normal_clearing : hangup_cause::originator_cancel,
               hangup_source::caller);
      }
      if (!call.ended) {
        call.ended = true;
        st.ended.emplace_back(now_us(), cc);
      }
      return;
    }
    case carrier_event_kind::recording_saved:
      emit(self, "call.recording.saved", cc, call.caller_state, [&](telnyx_webhook& w) {
        w.channels = "dual";
        w.recording_mp3_url = ev.detail;
      });
      return;
    case carrier_event_kind::dtmf:
      emit(self, "call.dtmf.received", cc, call.caller_state, [&](telnyx_webhook& w) { w.digits = ev.detail; });
      return;
    case carrier_event_kind::gather_ended:
      emit(self, "call.gather.ended", cc, call.caller_state, [&](telnyx_webhook& w) {
        w.digits = ev.detail;
        w.status = "valid";
      });
      return;
    case carrier_event_kind::command_failed: return; // on the wire, a refusal is the command's HTTP response
  }
}

http_response command_response(sim_command_result result) {
  http_response r;
  r.content_type = "application/json";
  switch (result) {
    case sim_command_result::executed:
    case sim_command_result::duplicate: r.body = encode_command_ok(); return r;
    case sim_command_result::call_ended:
      r.status = 422;
      r.body = encode_command_error("90018", "Call has already ended",
                                    "This call is no longer active and can't receive commands.");
      return r;
    case sim_command_result::injected_failure:
      r.status = 500;
      r.body = encode_command_error("10007", "Unexpected error", "An unexpected error occurred.");
      return r;
  }
  return r;
}

/// What the carrier announces right away when it takes a command.
void announce(emitter_self self, const sim_wire_command& w) {
  auto& st = self->state;
  auto i = st.calls.find(w.call_control_id);
  if (i == st.calls.end()) return;
  auto& call = i->second;
  if (w.command.kind == command_kind::speak) {
    emit(self, "call.speak.started", w.call_control_id, call.caller_state, [](telnyx_webhook&) {});
  } else if (w.command.kind == command_kind::transfer) {
    call.buyer_leg = w.call_control_id + ":b" + std::to_string(++call.transfers);
    call.buyer_state = w.target_leg_client_state;
    call.buyer_to = w.command.payload;
    call.buyer_live = true;
    call.buyer_bridged = false;
    st.buyer_legs[call.buyer_leg] = buyer_leg_book{call.buyer_state, now_us(), 0};
    emit(self, "call.initiated", call.buyer_leg, call.buyer_state, [&](telnyx_webhook& hook) {
      hook.direction = "outgoing";
      hook.state = "bridging";
      hook.from = call.to;
      hook.to = call.buyer_to;
    });
  }
}

void on_command(emitter_self self, sim_wire_command& w) {
  auto& st = self->state;
  st.stats->commands++;
  if (auto i = st.calls.find(w.call_control_id); i != st.calls.end() && !w.client_state.empty())
    i->second.caller_state = w.client_state; // Telnyx echoes it from now on
  if (!w.has_command) {                      // e.g. gather_using_speak: accepted, nothing simulated
    st.desk->complete(w.ticket, command_response(sim_command_result::executed));
    return;
  }
  auto ticket = w.ticket;
  self->request(st.sim, std::chrono::seconds{5}, sim_command_probe{w.command})
    .then(
      [=](const sim_command_verdict& v) {
        if (v.result == sim_command_result::executed) announce(self, w);
        self->state.desk->complete(ticket, command_response(v.result));
      },
      [=](caf::error&) {
        http_response r;
        r.status = 503;
        r.body = encode_command_error("10007", "Unexpected error", "The carrier is not available.");
        self->state.desk->complete(ticket, std::move(r));
      });
}

// -- the call-information API --------------------------------------------------------

http_response json_response(int status, std::string body) {
  http_response r;
  r.status = status;
  r.content_type = "application/json";
  r.body = std::move(body);
  return r;
}

http_response unknown_call(const std::string& id) {
  return json_response(422, encode_command_error("90015", "Invalid Call Control ID",
                                                 "The call_control_id " + id + " does not name a call."));
}

/// A leg as the API describes it; `end` 0 while up, the duration to `now` then.
telnyx_call_info describe(const std::string& id, const std::string& state, timestamp_us start, timestamp_us end,
                          timestamp_us now) {
  telnyx_call_info c;
  c.call_control_id = id;
  c.call_leg_id = "leg-" + id;
  c.call_session_id = "session-" + id;
  c.client_state = state;
  c.is_alive = end == 0;
  c.start_time = start;
  c.end_time = end;
  c.call_duration_s = std::max<timestamp_us>(0, (end != 0 ? end : now) - start) / us_per_s;
  return c;
}

std::string caller_state(emitter_self self, const std::string& id) {
  auto i = self->state.calls.find(id);
  return i == self->state.calls.end() ? std::string{} : i->second.caller_state;
}

void answer_status(emitter_self self, const sim_wire_query& q) {
  auto& st = self->state;
  auto ticket = q.ticket;
  if (auto b = st.buyer_legs.find(q.id); b != st.buyer_legs.end()) {
    auto now = now_us();
    const auto& leg = b->second;
    auto response =
      leg.end != 0 && now - leg.end > sim_status_kept_us
        ? unknown_call(q.id)
        : json_response(200, encode_call_status(describe(q.id, leg.client_state, leg.start, leg.end, now)));
    st.desk->complete(ticket, std::move(response));
    return;
  }
  auto id = q.id;
  self->request(st.sim, std::chrono::seconds{5}, sim_call_query{id})
    .then(
      [=](const sim_call_facts& f) {
        if (f.state == sim_call_state::unknown) {
          self->state.desk->complete(ticket, unknown_call(id));
          return;
        }
        auto info = describe(id, caller_state(self, id), f.start, f.state == sim_call_state::ended ? f.end : 0, f.now);
        self->state.desk->complete(ticket, json_response(200, encode_call_status(info)));
      },
      [=](caf::error&) {
        self->state.desk->complete(ticket, json_response(503, encode_command_error("10007", "Unexpected error",
                                                                                   "The carrier is not available.")));
      });
}

void answer_active_calls(emitter_self self, const sim_wire_query& q) {
  auto& st = self->state;
  auto ticket = q.ticket;
  sim_page_request page{q.id, q.query};
  self->request(st.sim, std::chrono::seconds{5}, sim_live_calls_query{})
    .then(
      [=](const sim_live_calls& live) {
        auto& s = self->state;
        std::vector<telnyx_call_info> calls;
        for (size_t i = 0; i < live.ids.size() && i < live.start.size(); ++i)
          calls.push_back(describe(live.ids[i], caller_state(self, live.ids[i]), live.start[i], 0, live.now));
        auto now = now_us();
        for (const auto& [id, leg] : s.buyer_legs)
          if (leg.end == 0) calls.push_back(describe(id, leg.client_state, leg.start, 0, now));
        std::sort(calls.begin(), calls.end(),
                  [](const auto& a, const auto& b) { return a.call_control_id < b.call_control_id; });
        s.desk->complete(ticket, active_calls_response(calls, page, s.opt.connection_id));
      },
      [=](caf::error&) {
        self->state.desk->complete(ticket, json_response(503, encode_command_error("10007", "Unexpected error",
                                                                                   "The carrier is not available.")));
      });
}

void on_query(emitter_self self, const sim_wire_query& q) {
  self->state.stats->queries++;
  if (q.active_calls)
    answer_active_calls(self, q);
  else
    answer_status(self, q);
}

caf::behavior wire_emitter(emitter_self self, wire_emitter_options opt, std::shared_ptr<http_client> client,
                           std::shared_ptr<wire_emitter_stats> stats, std::shared_ptr<wire_command_desk> desk,
                           caf::actor sim) {
  auto& st = self->state;
  st.opt = std::move(opt);
  st.client = std::move(client);
  st.stats = std::move(stats);
  st.desk = std::move(desk);
  st.sim = std::move(sim);
  st.rng.seed(st.opt.seed * 0x9E3779B97F4A7C15ull + 3);
  st.ids = uuid7_generator{st.opt.seed * 0xD1B54A32D192ED03ull + 5};
  return {
    [=](const carrier_event& ev) { on_event(self, ev); },
    [=](sim_wire_command& w) { on_command(self, w); },
    [=](const sim_wire_query& q) { on_query(self, q); },
    [=](const sim_webhook_due& due) { post(self, due.event_id, due.attempt, due.duplicate); },
    [=](const sim_webhook_result& r) { on_result(self, r); },
  };
}

} // namespace

caf::actor spawn_wire_emitter(caf::actor_system& sys, wire_emitter_options options, std::shared_ptr<http_client> client,
                              std::shared_ptr<wire_emitter_stats> stats, std::shared_ptr<wire_command_desk> desk,
                              caf::actor sim_carrier) {
  return sys.spawn(wire_emitter, std::move(options), std::move(client), std::move(stats), std::move(desk),
                   std::move(sim_carrier));
}

} // namespace ringbid
