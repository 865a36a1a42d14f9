#include "actors/carrier_actor.hpp"

#include "protocol/carrier.hpp"
#include "protocol/node.hpp"

#include <caf/all.hpp>

#include <deque>

namespace ringbid {

namespace {

/// Events held back until the calls supervisor is known; beyond this the
/// oldest go (the node is not starting up normally any more).
constexpr size_t max_held_events = 10'000;

/// The port's way into this actor's mailbox.
class mailbox_sink final : public carrier_event_sink {
public:
  explicit mailbox_sink(caf::actor carrier) : carrier_(std::move(carrier)) {}
  void deliver(uint64_t ticket, carrier_event event) override {
    caf::anon_send(carrier_, carrier_event_posted{ticket, std::move(event)});
  }

private:
  caf::actor carrier_;
};

struct carrier_state {
  std::shared_ptr<carrier_port> port;
  std::shared_ptr<const node_context> ctx;
  caf::actor calls;
  caf::timespan hangup_hold{};
  std::deque<carrier_event_posted> held; ///< until the calls supervisor is known
  static inline const char* name = "carrier";
};

using carrier_self = caf::stateful_actor<carrier_state>*;

void forward(carrier_self self, carrier_event_posted&& posted) {
  auto& s = self->state;
  if (!s.calls) {
    if (s.held.size() >= max_held_events) {
      s.port->forwarded(s.held.front().ticket); // given up: not for a restarted instance either
      s.held.pop_front();
      s.ctx->counters->events_ignored++;
    }
    s.held.push_back(std::move(posted));
    return;
  }
  self->send(s.calls, std::move(posted.event));
  s.port->forwarded(posted.ticket);
}

/// The end of the call, or of the talk: when the caller hangs up, the buyer's
/// leg is cleared too, and that hangup must not overtake the caller's (the
/// call would hang up a caller who is already gone).
bool final_word(const carrier_event& ev) {
  return ev.kind == carrier_event_kind::hangup &&
         (ev.leg == call_leg::caller || ev.cause == hangup_cause::normal_clearing);
}

caf::behavior carrier(carrier_self self, std::shared_ptr<carrier_port> port, std::shared_ptr<const node_context> ctx) {
  auto& st = self->state;
  st.port = std::move(port);
  st.ctx = std::move(ctx);
  st.hangup_hold = st.port->hangup_hold();
  auto sink = std::make_shared<mailbox_sink>(caf::actor_cast<caf::actor>(self));
  self->attach_functor([port = st.port, me = sink.get()] { port->detach(me); });
  st.port->attach(std::move(sink)); // the events still pending come first
  return {
    [=](carrier_event_posted& posted) {
      auto hold = self->state.hangup_hold;
      if (hold.count() > 0 && final_word(posted.event)) {
        self->delayed_send(self, hold, carrier_event_settled{posted.ticket, std::move(posted.event)});
        return;
      }
      forward(self, std::move(posted));
    },
    [=](carrier_event_settled& held) {
      forward(self, carrier_event_posted{held.ticket, std::move(held.event)});
    },
    [=](const carrier_command& cmd) { self->state.port->send(cmd); },
    [=](const peer_restarted& msg) {
      auto& s = self->state;
      if (msg.peer.kind != peer_kind::calls) return;
      s.calls = msg.peer.handle;
      if (!s.calls) return;
      auto held = std::move(s.held);
      s.held.clear();
      for (auto& posted : held) forward(self, std::move(posted));
    },
  };
}

} // namespace

caf::actor spawn_carrier(caf::local_actor* parent, std::shared_ptr<carrier_port> port,
                         std::shared_ptr<const node_context> ctx) {
  return parent->spawn(carrier, std::move(port), std::move(ctx));
}

} // namespace ringbid
