#include "adapters/telnyx/telnyx_carrier.hpp"

#include "adapters/telnyx/telnyx_codec.hpp"
#include "protocol/node.hpp"

#include <caf/all.hpp>

#include <deque>

namespace ringbid {

// -- link ------------------------------------------------------------------------

telnyx_link::telnyx_link(telnyx_api_options api)
  : sender_(std::make_unique<telnyx_command_sender>(std::move(api),
                                                    [this](telnyx_command_report r) { on_report(std::move(r)); })) {}

telnyx_link::~telnyx_link() { stop(); }

void telnyx_link::stop() { sender_->stop(); }

bool telnyx_link::post(carrier_event event) {
  caf::actor target;
  {
    std::lock_guard lock{mutex_};
    target = carrier_;
  }
  if (!target) return false;
  caf::anon_send(target, std::move(event));
  return true;
}

void telnyx_link::attach(caf::actor carrier) {
  std::lock_guard lock{mutex_};
  carrier_ = std::move(carrier);
}

void telnyx_link::detach(const caf::actor_addr& carrier) {
  std::lock_guard lock{mutex_};
  if (carrier_ && carrier_.address() == carrier) carrier_ = nullptr;
}

bool telnyx_link::attached() const {
  std::lock_guard lock{mutex_};
  return static_cast<bool>(carrier_);
}

void telnyx_link::send(const carrier_command& command) {
  // Every command names the engine's call, so that later webhooks of the leg
  // (and of the buyer leg a transfer creates) carry it back in client_state.
  auto state = encode_client_state(command.call.to_string(), call_leg::caller, command.carrier_call_id);
  sender_->submit(telnyx_job{command, encode_command(command, state)});
}

void telnyx_link::on_report(telnyx_command_report report) {
  using kind = command_outcome_kind;
  const auto& cmd = report.command;
  carrier_event ev;
  ev.carrier_call_id = cmd.carrier_call_id;
  ev.leg = call_leg::caller;
  switch (report.outcome.kind) {
    case kind::success:
      return;
    case kind::call_ended: {
      // The caller's leg is gone (commands only ever go to it): the end of the
      // call, said once by the command that learnt it (the webhook saying so
      // may still come), then the command's own failure, so that the call
      // stops waiting for what it asked for (a recording, say).
      if (report.attempts > 0) {
        carrier_event gone = ev;
        gone.kind = carrier_event_kind::hangup;
        gone.cause = hangup_cause::normal_clearing;
        gone.source = hangup_source::unknown;
        gone.detail = "call has already ended";
        gone.inferred = true;
        post(std::move(gone));
      }
      ev.kind = carrier_event_kind::command_failed;
      ev.failed_command = cmd.kind;
      ev.detail = "call has already ended";
      break;
    }
    case kind::rejected:
    case kind::retryable:
    case kind::rate_limited:
      ev.kind = carrier_event_kind::command_failed;
      ev.failed_command = cmd.kind;
      ev.detail = report.outcome.detail;
      break;
  }
  post(std::move(ev));
}

// -- actor -----------------------------------------------------------------------

namespace {

/// Events held back until the calls supervisor is known; beyond this the
/// oldest go (the node is not starting up normally any more).
constexpr size_t max_held_events = 10'000;

struct telnyx_carrier_state {
  std::shared_ptr<telnyx_link> link;
  std::shared_ptr<const node_context> ctx;
  caf::actor calls;
  caf::timespan hangup_hold{};
  std::deque<carrier_event> held;
  static inline const char* name = "telnyx_carrier";
};

using carrier_self = caf::stateful_actor<telnyx_carrier_state>*;

void forward(carrier_self self, carrier_event&& ev) {
  auto& s = self->state;
  if (!s.calls) {
    if (s.held.size() >= max_held_events) {
      s.held.pop_front();
      s.ctx->counters->events_ignored++;
    }
    s.held.push_back(std::move(ev));
    return;
  }
  self->send(s.calls, std::move(ev));
}

caf::behavior telnyx_carrier(carrier_self self, std::shared_ptr<telnyx_link> link,
                             std::shared_ptr<const node_context> ctx, caf::timespan hangup_hold) {
  auto& st = self->state;
  st.link = std::move(link);
  st.ctx = std::move(ctx);
  st.hangup_hold = hangup_hold;
  st.link->attach(caf::actor_cast<caf::actor>(self));
  self->attach_functor([link = st.link, me = self->address()] { link->detach(me); });
  return {
    [=](carrier_event& ev) {
      // The end of the call, or of the talk: when the caller hangs up, the
      // buyer's leg is cleared too, and that hangup must not overtake the
      // caller's (the call would hang up a caller who is already gone).
      bool final_word = ev.kind == carrier_event_kind::hangup &&
                        (ev.leg == call_leg::caller || ev.cause == hangup_cause::normal_clearing);
      if (final_word && self->state.hangup_hold.count() > 0) {
        self->delayed_send(self, self->state.hangup_hold, carrier_event_settled{std::move(ev)});
        return;
      }
      forward(self, std::move(ev));
    },
    [=](carrier_event_settled& held) { forward(self, std::move(held.event)); },
    [=](const carrier_command& cmd) { self->state.link->send(cmd); },
    [=](const peer_restarted& msg) {
      auto& s = self->state;
      if (msg.peer.kind != peer_kind::calls) return;
      s.calls = msg.peer.handle;
      if (!s.calls) return;
      for (auto& ev : s.held) self->send(s.calls, std::move(ev));
      s.held.clear();
    },
  };
}

} // namespace

caf::actor spawn_telnyx_carrier(caf::local_actor* parent, std::shared_ptr<telnyx_link> link,
                                std::shared_ptr<const node_context> ctx, caf::timespan hangup_hold) {
  return parent->spawn(telnyx_carrier, std::move(link), std::move(ctx), hangup_hold);
}

} // namespace ringbid
