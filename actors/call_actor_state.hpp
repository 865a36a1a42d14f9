#pragma once
// The call actor's state and what its parts share. Internal to the call actor:
// call_actor.cpp runs the call machine and carries out its effects,
// call_round.cpp the auction round's (actors/core/round_machine), and
// call_peers.cpp reaches the live instance of every peer.

#include "actors/call_messages.hpp"
#include "actors/core/round_machine.hpp"
#include "actors/node_context.hpp"
#include "protocol/bidding.hpp"
#include "protocol/carrier.hpp"
#include "protocol/node.hpp"

#include <caf/all.hpp>

#include <algorithm>
#include <chrono>
#include <memory>
#include <vector>

namespace ringbid {

struct call_actor_state {
  call_snapshot call;
  std::shared_ptr<const node_context> ctx;
  /// The live handles of the peers: replaced (copy on write) when a peer
  /// restarts (peer_restarted, forwarded by the calls supervisor) or when a
  /// failed request looks the live instance up.
  std::shared_ptr<const peer_set> peers;
  /// The config generation the call started with, kept for its whole life
  /// (a reload installs a new one for new calls only); settings and roster
  /// point into it.
  std::shared_ptr<const config_generation> config;
  std::shared_ptr<const call_settings> settings;
  const campaign_roster* roster = nullptr; ///< null until routed to a campaign
  /// The latest round, and the one before it: kept once closed, to explain
  /// answers that come after their round's close (also once the next round
  /// opened). Requests in flight hold their own round, so a replaced one
  /// still finishes.
  std::shared_ptr<round_machine> round;
  std::shared_ptr<round_machine> previous_round;
  /// Commands that bounced off a dead carrier, and those issued since, in
  /// order: sent to the live carrier once it is known.
  std::vector<carrier_command> held_commands;
  caf::actor lost_carrier; ///< the dead carrier they bounced off; invalid when none
  uuid7_generator ids{1};
  static inline const char* name = "call";
};

using call_self = caf::stateful_actor<call_actor_state>*;

inline timestamp_us now_of(call_self self) { return self->state.ctx->clock->now(); }

inline caf::timespan peer_timeout(call_self self) {
  return std::chrono::milliseconds{self->state.config->config().timing.peer_timeout_ms};
}

// -- call_actor.cpp ------------------------------------------------------------

/// Feeds the call machine and carries out its effects.
void feed(call_self self, const call_input& input);
/// Ends a reservation: counts it (commit, stage bridged) or gives it back.
void ledger_end(call_self self, uint64_t token, bool commit);

// -- call_round.cpp ------------------------------------------------------------

/// Opens round snapshot.round (abandoning a stale one still open).
void start_round(call_self self);
/// The call machine no longer wants the running round.
void abandon_round(call_self self);
void on_bid(call_self self, const bid_response& bid);
void on_round_deadline(call_self self, const round_deadline& d);

// -- call_peers.cpp ------------------------------------------------------------

/// A peer's live instance became known (forwarded restart or lookup).
void learn_peer(call_self self, const peer_handle& live);
/// To the live carrier, in order; a command that bounces off a dead carrier
/// is sent again, before any later one, once the live carrier is known.
void send_command(call_self self, carrier_command cmd);
/// To the buyer's live bidder; a ping that bounces off a dead bidder is sent
/// once more to the live one while its round still collects answers.
void send_ping(call_self self, std::shared_ptr<round_machine> round, ping_request ping);
/// True for a request error that says the receiver was dead (not a timeout):
/// the message was not handled and may be sent to the live instance.
bool receiver_was_down(const caf::error& err);
/// Asks the root supervisor for the live instance of a peer, up to
/// max_peer_attempts times; `found` gets a handle different from `dead`.
void look_up_peer(call_self self, peer_kind kind, std::string key, caf::actor dead,
                  std::function<void(const caf::actor&)> found, int attempt = 0);

constexpr int max_peer_attempts = 8;

inline const caf::actor& peer_of(call_self self, peer_kind kind) {
  const auto& p = *self->state.peers;
  switch (kind) {
    case peer_kind::ledger: return p.ledger;
    case peer_kind::recorder: return p.recorder;
    case peer_kind::carrier: return p.carrier;
    case peer_kind::analytics: return p.analytics;
    default: return p.directory;
  }
}

/// Asks a supervised peer; when the request fails (the peer crashed and was
/// restarted under a new address, or did not answer in time), looks up the
/// live instance and asks again. `give_up` runs after max_peer_attempts failures.
template <class Message, class OnReply, class GiveUp>
void ask_peer(call_self self, peer_kind kind, Message msg, OnReply on_reply, GiveUp give_up, int attempt = 0) {
  auto handle = peer_of(self, kind);
  auto retry = [=](caf::error) {
    if (attempt + 1 >= max_peer_attempts) {
      give_up();
      return;
    }
    auto backoff = std::chrono::milliseconds{5 << std::min(attempt, 6)};
    self->request(self->state.peers->root, peer_timeout(self) + backoff, peer_lookup{kind, {}})
      .then(
        [=](const peer_handle& fresh) {
          if (fresh.handle) learn_peer(self, fresh);
          ask_peer(self, kind, msg, on_reply, give_up, attempt + 1);
        },
        [=](caf::error&) { ask_peer(self, kind, msg, on_reply, give_up, attempt + 1); });
  };
  if (!handle) {
    retry(caf::make_error(caf::sec::invalid_argument));
    return;
  }
  self->request(handle, peer_timeout(self), msg).then(on_reply, retry);
}

} // namespace ringbid
