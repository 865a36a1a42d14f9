#pragma once
// The carrier simulator's wire side (`ringbid carrier-sim`): turns the
// simulated carrier's normalized events into signed Telnyx webhooks POSTed to
// the node, and the node's REST commands back into carrier_commands.
//
// It behaves as Telnyx does, including what makes Telnyx hard to consume:
//  - both legs: a transfer creates a buyer leg with its own call_control_id,
//    call.initiated (outgoing), call.answered and call.bridged on both legs;
//  - client_state: set by the commands, echoed in every later webhook of the
//    leg (target_leg_client_state for the buyer leg);
//  - deliveries out of order (a share delayed by up to reorder_max), duplicated
//    (a share delivered twice with one data.id), and retried with backoff and
//    meta.attempt + 1 when the node does not answer 2xx in time (see
//    wire_emitter_options for when it gives up);
//  - the call-information API: GET /v2/calls/{id} (caller legs from the
//    simulated carrier's record, buyer legs from the emitter's own book, both
//    kept 10 minutes after they end) and GET /v2/connections/{id}/active_calls
//    (both legs, paged as sim_call_pages says).

#include "adapters/http/http_client.hpp"
#include "adapters/http/http_server.hpp"
#include "adapters/http/latency_histogram.hpp"
#include "protocol/time.hpp"

#include <caf/actor.hpp>
#include <caf/fwd.hpp>

#include <atomic>
#include <chrono>
#include <cstdint>
#include <memory>
#include <mutex>
#include <string>
#include <unordered_map>

namespace ringbid {

struct wire_emitter_options {
  std::string webhook_url;    ///< e.g. http://127.0.0.1:8080/webhooks/telnyx
  std::string secret_key_b64; ///< signs every webhook (Ed25519)
  double duplicate_rate = 0;  ///< share of webhooks delivered twice
  double reorder_rate = 0;    ///< share of webhooks held back, so later ones overtake them
  std::chrono::milliseconds reorder_max{50};
  // Retries. A webhook not answered 2xx (refused, timed out, any other
  // status) is posted again after retry_initial, doubling up to retry_max,
  // until max_attempts posts were made or the next retry would start more
  // than give_up_after after the first post: then it is given up (counted in
  // `failed`). The defaults keep a webhook going for a minute (about 15
  // posts when refused at once), so a node that restarts within ~30 s gets
  // every webhook; max_attempts = 1 delivers each webhook once.
  int max_attempts = 20;                             ///< per webhook, the first included
  std::chrono::milliseconds retry_initial{200};      ///< before the 2nd post; doubles after each failed one
  std::chrono::milliseconds retry_max{5'000};        ///< longest wait between two posts
  std::chrono::milliseconds give_up_after{60'000};   ///< no retry starts later than this after the first post
  std::chrono::milliseconds delivery_timeout{2'000}; ///< Telnyx waits 2 s for the 2xx
  uint64_t seed = 1;
  std::string connection_id = "carrier-sim";
};

struct wire_emitter_stats {
  std::atomic<uint64_t> webhooks{0};     ///< distinct webhooks (data.id)
  std::atomic<uint64_t> deliveries{0};   ///< POSTs, duplicates and retries included
  std::atomic<uint64_t> acknowledged{0}; ///< webhooks the node answered 2xx
  std::atomic<uint64_t> duplicates{0};   ///< deliberate second deliveries
  std::atomic<uint64_t> reordered{0};    ///< webhooks held back
  std::atomic<uint64_t> retries{0};
  std::atomic<uint64_t> rejected{0}; ///< non-2xx answers (each is retried while the policy allows)
  std::atomic<uint64_t> failed{0};   ///< webhooks given up (max_attempts or give_up_after)
  std::atomic<uint64_t> queries{0};  ///< call-information requests (status, active calls)
  std::atomic<uint64_t> commands{0}; ///< command requests received
  std::atomic<int64_t> pending{0};   ///< webhooks not yet acknowledged or given up
  latency_histogram response;        ///< how fast the node answered a delivery
  latency_histogram lag;             ///< from the carrier's event to its first POST
};

/// Pending HTTP command requests, by ticket: the HTTP handler parks its
/// responder here, the emitter completes it once the carrier has decided.
class wire_command_desk {
public:
  uint64_t park(http_responder responder);
  void complete(uint64_t ticket, http_response response);

private:
  std::mutex mutex_;
  uint64_t next_ = 0;
  std::unordered_map<uint64_t, http_responder> waiting_;
};

/// Spawns the emitter. `sim_carrier` is the simulated carrier it feeds
/// commands to; the emitter must then be given to the carrier as its calls
/// peer (peer_restarted), so the carrier's events reach it.
caf::actor spawn_wire_emitter(caf::actor_system& sys, wire_emitter_options options, std::shared_ptr<http_client> client,
                              std::shared_ptr<wire_emitter_stats> stats, std::shared_ptr<wire_command_desk> desk,
                              caf::actor sim_carrier);

} // namespace ringbid
