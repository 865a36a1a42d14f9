#pragma once
// Telnyx behind the carrier port. Webhooks arrive on the node's HTTP server
// (the port's route, see telnyx_webhook_intake) and commands leave through
// telnyx_command_sender:
//
//   HTTP thread ── intake ── inbox.post(event) ──► carrier actor ──► calls
//   call actor ── carrier_command ──► carrier actor ── port.send ──► sender ──► Telnyx API
//                                     ▲
//   sender's report (90018, refused) ─┘ as a normalized carrier_event
//
// Adopting calls, the port asks Telnyx (telnyx_call_queries): a call's status
// (GET /v2/calls/{id}) and the calls alive on the connection (every page of
// GET /v2/connections/{id}/active_calls; needs --telnyx-connection-id).
//
// The node owns the port; it outlives restarts of the carrier actor.

#include "actors/ports/carrier_port.hpp"
#include "actors/ports/ports.hpp"
#include "adapters/carrier/carrier_inbox.hpp"
#include "adapters/carrier/carrier_setup.hpp"
#include "adapters/telnyx/telnyx_call_queries.hpp"
#include "adapters/telnyx/telnyx_command_sender.hpp"
#include "adapters/telnyx/telnyx_webhook_intake.hpp"

#include <memory>
#include <vector>

namespace ringbid {

class telnyx_carrier_port final : public carrier_port {
public:
  /// `clock` dates the webhooks for the signature's freshness check;
  /// `record` (may be null) is the node's durable record of carrier events
  /// (see telnyx_webhook_intake::set_durable); `queries` the connection (and
  /// limits) call_status and active_calls use.
  telnyx_carrier_port(telnyx_api_options api, webhook_verifier verifier, std::shared_ptr<const wall_clock> clock,
                      std::shared_ptr<durable_intake> record = nullptr, telnyx_query_options queries = {});
  ~telnyx_carrier_port() override; ///< stops the sender first: no report arrives after

  void attach(std::shared_ptr<carrier_event_sink> sink) override { inbox_->attach(std::move(sink)); }
  void detach(const carrier_event_sink* sink) override { inbox_->detach(sink); }
  void forwarded(uint64_t ticket) override { inbox_->forwarded(ticket); }
  /// Encodes and queues one command for its call (see telnyx_command_sender).
  void send(const carrier_command& command) override;
  void stop() override; ///< stops the sender and the queries; its last reports come before it returns
  bool ready() const override { return inbox_->attached(); }
  /// Telnyx does not order its webhooks.
  std::chrono::milliseconds hangup_hold() const override { return std::chrono::milliseconds{250}; }
  carrier_port_metrics metrics() const override;
  void write_metrics(std::string& out) const override;
  /// POST /webhooks/telnyx. 503 (and the id is not remembered, so Telnyx
  /// retries) while no carrier actor is attached.
  std::vector<carrier_http_route> http_routes() override;
  bool calls_outlive_process() const override { return true; }
  /// GET /v2/calls/{id}: alive, ended (times as Telnyx gives them), unknown
  /// (422 code 90015: never existed, or ended > 10 min ago); nullopt when
  /// Telnyx cannot be asked or answers what cannot be read.
  void call_status(const std::string& carrier_call_id, call_status_done done) override;
  /// The caller legs of GET /v2/connections/{id}/active_calls, every page
  /// (at most 1,000); nullopt without a connection id or on any failure.
  void active_calls(active_calls_done done) override;

private:
  void on_report(telnyx_command_report report);

  std::shared_ptr<carrier_inbox> inbox_ = std::make_shared<carrier_inbox>();
  std::shared_ptr<const wall_clock> clock_;
  std::shared_ptr<telnyx_webhook_intake> intake_;
  std::unique_ptr<telnyx_command_sender> sender_;
  std::unique_ptr<telnyx_call_queries> queries_;
};

/// --telnyx-api-url, --telnyx-api-key, --telnyx-public-key, --telnyx-connection-id.
std::vector<carrier_flag> telnyx_carrier_flags();

/// The `--carrier telnyx` entry of the node's carrier factory; needs the
/// node's HTTP server for the webhooks and the public key that signs them.
carrier_made make_telnyx_carrier(const carrier_setup& setup);

} // namespace ringbid
