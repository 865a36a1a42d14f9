// How a call reaches the live instance of every peer. The calls supervisor
// forwards every peer restart to its live calls; a message sent in between,
// to the dead address, bounces (requests to a dead actor fail at once) and is
// sent again to the live instance.

#include "actors/call_actor_state.hpp"
#include "actors/peer_update.hpp"

namespace ringbid {

namespace {

void deliver_command(call_self self, const caf::actor& carrier, carrier_command cmd) {
  self->request(carrier, peer_timeout(self), cmd)
    .then([] {},
          [=](caf::error& err) {
            // A timeout: the carrier has it, only slow to say so.
            if (!receiver_was_down(err)) return;
            auto& st = self->state;
            st.held_commands.push_back(cmd);
            if (st.lost_carrier) return; // already waiting for the live one
            st.lost_carrier = carrier;
            if (st.peers->carrier && st.peers->carrier != carrier) { // learned already
              learn_peer(self, peer_handle{peer_kind::carrier, {}, st.peers->carrier});
              return;
            }
            look_up_peer(self, peer_kind::carrier, {}, carrier, [=](const caf::actor& live) {
              learn_peer(self, peer_handle{peer_kind::carrier, {}, live});
            });
          });
}

/// The live carrier is known: what bounced and what waited go out, in order.
void flush_commands(call_self self) {
  auto& st = self->state;
  st.lost_carrier = nullptr;
  auto held = std::move(st.held_commands);
  st.held_commands.clear();
  for (auto& cmd : held) deliver_command(self, st.peers->carrier, std::move(cmd));
}

} // namespace

bool receiver_was_down(const caf::error& err) {
  return err == caf::sec::request_receiver_down || err.category() == caf::atom("exit");
}

void learn_peer(call_self self, const peer_handle& live) {
  auto& st = self->state;
  auto next = std::make_shared<peer_set>(*st.peers);
  if (!update_peer(*next, live)) return;
  st.peers = std::move(next);
  if (live.kind == peer_kind::carrier && st.lost_carrier && live.handle && live.handle != st.lost_carrier)
    flush_commands(self);
}

void look_up_peer(call_self self, peer_kind kind, std::string key, caf::actor dead,
                  std::function<void(const caf::actor&)> found, int attempt) {
  auto backoff = std::chrono::milliseconds{5 << std::min(attempt, 6)};
  auto again = [=] {
    if (attempt + 1 < max_peer_attempts) look_up_peer(self, kind, key, dead, found, attempt + 1);
  };
  self->request(self->state.peers->root, peer_timeout(self) + backoff, peer_lookup{kind, key})
    .then(
      [=](const peer_handle& live) {
        if (live.handle && live.handle != dead)
          found(live.handle);
        else
          again(); // not restarted yet
      },
      [=](caf::error&) { again(); });
}

void send_command(call_self self, carrier_command cmd) {
  auto& st = self->state;
  if (st.lost_carrier) { // behind the ones that bounced
    st.held_commands.push_back(std::move(cmd));
    return;
  }
  deliver_command(self, st.peers->carrier, std::move(cmd));
}

void send_ping(call_self self, std::shared_ptr<round_machine> round, ping_request ping) {
  auto i = self->state.peers->bidders.find(ping.buyer_id);
  if (i == self->state.peers->bidders.end()) return; // eligibility asked for a bidder: never here
  auto bidder = i->second;
  self->request(bidder, peer_timeout(self), ping)
    .then([] {},
          [=](caf::error& err) {
            if (!receiver_was_down(err)) return;
            auto resend = [=](const caf::actor& live) {
              learn_peer(self, peer_handle{peer_kind::bidder, ping.buyer_id, live});
              // Only while the round still waits; the answer counts as usual.
              if (round->phase() == round_phase::collecting) self->send(live, ping);
            };
            auto known = self->state.peers->bidders.find(ping.buyer_id);
            if (known != self->state.peers->bidders.end() && known->second != bidder)
              resend(known->second);
            else
              look_up_peer(self, peer_kind::bidder, ping.buyer_id, bidder, resend);
          });
}

} // namespace ringbid
