#include "adapters/telnyx/telnyx_carrier_port.hpp"

#include "adapters/http/prometheus_text.hpp"
#include "adapters/telnyx/telnyx_codec.hpp"

#include <fmt/format.h>

namespace ringbid {

namespace {

void webhook_metrics(std::string& out, const webhook_intake_stats& w) {
  prometheus_family(out, "ringbid_webhooks_total", "counter", "Carrier webhooks by result.");
  auto result = [&](std::string_view name, uint64_t v) {
    prometheus_sample(out, "ringbid_webhooks_total", fmt::format("result=\"{}\"", name), double(v));
  };
  result("accepted", w.delivered);
  result("duplicate", w.duplicates);
  result("ignored", w.ignored);
  result("bad_signature", w.bad_signature);
  result("stale", w.stale);
  result("malformed", w.malformed);
  result("too_large", w.too_large);
  result("unavailable", w.unavailable);
  prometheus_family(out, "ringbid_webhook_handling_seconds", "histogram",
                    "From a complete webhook request to its response, inside the node.");
  w.handling.write_prometheus(out, "ringbid_webhook_handling_seconds");
}

void command_metrics(std::string& out, const telnyx_sender_stats& s) {
  prometheus_family(out, "ringbid_commands_total", "counter", "Carrier commands by final outcome.");
  auto outcome = [&](std::string_view name, uint64_t v) {
    prometheus_sample(out, "ringbid_commands_total", fmt::format("outcome=\"{}\"", name), double(v));
  };
  outcome("success", s.succeeded);
  outcome("call_ended", s.call_ended);
  outcome("rejected", s.rejected);
  outcome("failed", s.failed);
  prometheus_family(out, "ringbid_command_attempts_total", "counter",
                    "HTTP requests for carrier commands, retries included.");
  prometheus_sample(out, "ringbid_command_attempts_total", {}, double(s.attempts.load()));
  prometheus_family(out, "ringbid_command_retries_total", "counter", "Command attempts after the first.");
  prometheus_sample(out, "ringbid_command_retries_total", {}, double(s.retries.load()));
  prometheus_family(out, "ringbid_command_rate_limited_total", "counter", "429 answers from the carrier.");
  prometheus_sample(out, "ringbid_command_rate_limited_total", {}, double(s.rate_limited.load()));
  prometheus_family(out, "ringbid_commands_queued", "gauge", "Commands submitted and not finished.");
  prometheus_sample(out, "ringbid_commands_queued", {}, double(s.queued.load()));
  prometheus_family(out, "ringbid_command_seconds", "histogram", "From a command's submission to its final outcome.");
  s.latency.write_prometheus(out, "ringbid_command_seconds");
}

} // namespace

telnyx_carrier_port::telnyx_carrier_port(telnyx_api_options api, webhook_verifier verifier,
                                         std::shared_ptr<const wall_clock> clock,
                                         std::shared_ptr<durable_intake> record, telnyx_query_options queries)
  : clock_(std::move(clock)),
    intake_(std::make_shared<telnyx_webhook_intake>(
      std::move(verifier), [inbox = inbox_](carrier_event ev) { return inbox->post_if_attached(std::move(ev)); })),
    sender_(std::make_unique<telnyx_command_sender>(api, [this](telnyx_command_report r) { on_report(std::move(r)); })),
    queries_(std::make_unique<telnyx_call_queries>(std::move(api), std::move(queries))) {
  if (record)
    intake_->set_durable(
      std::move(record), [inbox = inbox_] { return inbox->attached(); },
      [inbox = inbox_](carrier_event ev) { inbox->post(std::move(ev)); });
}

telnyx_carrier_port::~telnyx_carrier_port() { stop(); }

void telnyx_carrier_port::stop() {
  sender_->stop();
  queries_->stop();
}

void telnyx_carrier_port::call_status(const std::string& carrier_call_id, call_status_done done) {
  queries_->call_status(carrier_call_id, std::move(done));
}

void telnyx_carrier_port::active_calls(active_calls_done done) { queries_->active_calls(std::move(done)); }

void telnyx_carrier_port::send(const carrier_command& command) {
  // Every command names the engine's call, so that later webhooks of the leg
  // (and of the buyer leg a transfer creates) carry it back in client_state.
  auto state = encode_client_state(command.call.to_string(), call_leg::caller, command.carrier_call_id);
  sender_->submit(telnyx_job{command, encode_command(command, state)});
}

void telnyx_carrier_port::on_report(telnyx_command_report report) {
  using kind = command_outcome_kind;
  const auto& cmd = report.command;
  carrier_event ev;
  ev.carrier_call_id = cmd.carrier_call_id;
  ev.leg = call_leg::caller;
  switch (report.outcome.kind) {
    case kind::success: return;
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
        inbox_->post(std::move(gone));
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
  inbox_->post(std::move(ev));
}

carrier_port_metrics telnyx_carrier_port::metrics() const {
  carrier_port_metrics m;
  auto queued = sender_->statistics().queued.load();
  m.commands_in_flight = queued > 0 ? static_cast<uint64_t>(queued) : 0;
  m.events_pending = inbox_->pending();
  m.events_unkept = inbox_->unkept();
  return m;
}

void telnyx_carrier_port::write_metrics(std::string& out) const {
  webhook_metrics(out, intake_->statistics());
  command_metrics(out, sender_->statistics());
}

std::vector<carrier_http_route> telnyx_carrier_port::http_routes() {
  auto handle = [intake = intake_, clock = clock_](carrier_http_request req,
                                                   std::function<void(carrier_http_response)> respond) {
    intake->handle(req.header("telnyx-signature-ed25519"), req.header("telnyx-timestamp"), req.body, clock->now(),
                   [respond](webhook_verdict v) {
                     respond(carrier_http_response{v.status, "application/json", std::move(v.body)});
                   });
  };
  return {carrier_http_route{"POST", "/webhooks/telnyx", handle}};
}

std::vector<carrier_flag> telnyx_carrier_flags() {
  return {
    {"telnyx-api-url", "Call Control API base URL", "", "https://api.telnyx.com"},
    {"telnyx-public-key", "Base64 Ed25519 key that signs the webhooks", "TELNYX_PUBLIC_KEY", ""},
    {"telnyx-api-key", "API key for the commands (better: TELNYX_API_KEY)", "TELNYX_API_KEY", ""},
    {"telnyx-connection-id", "Call Control connection (app) id, for listing its active calls", "TELNYX_CONNECTION_ID",
     ""},
  };
}

carrier_made make_telnyx_carrier(const carrier_setup& setup) {
  carrier_made made;
  if (!setup.serves_http) {
    made.error = "--carrier telnyx needs --http HOST:PORT for the webhooks";
    return made;
  }
  std::string error;
  auto verifier = webhook_verifier::create(setup.flag("telnyx-public-key"), &error);
  if (!verifier) {
    made.error = "--telnyx-public-key: " + error;
    return made;
  }
  telnyx_api_options api;
  api.base_url = setup.flag("telnyx-api-url");
  api.api_key = setup.flag("telnyx-api-key");
  telnyx_query_options queries;
  queries.connection_id = setup.flag("telnyx-connection-id");
  made.port = std::make_shared<telnyx_carrier_port>(std::move(api), std::move(*verifier), setup.clock, setup.intake,
                                                    std::move(queries));
  return made;
}

} // namespace ringbid
