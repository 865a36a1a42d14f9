#pragma once
// The Telnyx carrier peer. Webhooks arrive on the node's HTTP server (see
// telnyx_webhook_intake) and commands leave through telnyx_command_sender; the
// carrier actor sits between them and the calls supervisor, exactly where the
// simulated carrier sits in a simulation:
//
//   HTTP thread ── intake ── link.post(event) ──► carrier actor ──► calls
//   call actor ── carrier_command ──► carrier actor ── sender ──► Telnyx API
//                                     ▲
//   sender's report (90018, refused) ─┘ as a normalized carrier_event
//
// The link outlives restarts of the actor: it owns the sender, and the HTTP
// side always posts to the live instance.

#include "actors/node_context.hpp"
#include "adapters/telnyx/telnyx_command_sender.hpp"
#include "protocol/carrier.hpp"

#include <caf/actor.hpp>
#include <caf/fwd.hpp>

#include <memory>
#include <mutex>

namespace ringbid {

class telnyx_link {
public:
  explicit telnyx_link(telnyx_api_options api);
  ~telnyx_link(); ///< stops the sender first: no report arrives after

  /// To the live carrier actor; false when there is none (starting, restarting
  /// or stopped). Thread-safe.
  bool post(carrier_event event);

  /// The actor that receives from now on; a restarted instance replaces the old.
  void attach(caf::actor carrier);
  void detach(const caf::actor_addr& carrier); ///< only if it is still the attached one
  bool attached() const;

  /// Encodes and queues one command for its call (see telnyx_command_sender).
  void send(const carrier_command& command);

  void stop(); ///< stops the sender; reports still come before it returns
  const telnyx_sender_stats& sender_statistics() const noexcept { return sender_->statistics(); }

private:
  void on_report(telnyx_command_report report);

  mutable std::mutex mutex_;
  caf::actor carrier_;
  std::unique_ptr<telnyx_command_sender> sender_;
};

/// The carrier actor: attaches itself to `link`, forwards events to the calls
/// supervisor (held back while it is not known yet) and commands to the link.
///
/// Telnyx does not order its webhooks, and a caller's hangup is final: the call
/// is booked as it stands when the hangup arrives. So the caller leg's hangup,
/// and a buyer leg's normal clearing (the talk's end), wait `hangup_hold`
/// before they go on; the events the carrier sent before them (call.answered,
/// call.bridged) that arrive in that time reach the call first.
caf::actor spawn_telnyx_carrier(caf::local_actor* parent, std::shared_ptr<telnyx_link> link,
                                std::shared_ptr<const node_context> ctx,
                                caf::timespan hangup_hold = std::chrono::milliseconds{250});

} // namespace ringbid
