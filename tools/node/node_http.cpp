#include "tools/node/node_http.hpp"

#include "adapters/clock/sim_clock.hpp"

#include <fmt/format.h>

namespace ringbid {

namespace {

http_response text(int status, std::string body, std::string type = "text/plain; charset=utf-8") {
  http_response r;
  r.status = status;
  r.content_type = std::move(type);
  r.body = std::move(body);
  return r;
}

/// One metric family: HELP and TYPE, then the samples the caller appends.
void family(std::string& out, std::string_view name, std::string_view type, std::string_view help) {
  out += fmt::format("# HELP {} {}\n# TYPE {} {}\n", name, help, name, type);
}

void sample(std::string& out, std::string_view name, std::string_view labels, double value) {
  if (labels.empty()) out += fmt::format("{} {}\n", name, value);
  else out += fmt::format("{}{{{}}} {}\n", name, labels, value);
}

void call_metrics(std::string& out, const node_counters& c) {
  family(out, "ringbid_calls_live", "gauge", "Live calls by state.");
  for (int s = 0; s < call_state_count; ++s) {
    if (static_cast<call_state>(s) == call_state::done) continue;
    sample(out, "ringbid_calls_live", fmt::format("state=\"{}\"", to_string(static_cast<call_state>(s))),
           double(c.live_by_state[static_cast<size_t>(s)].load()));
  }
  family(out, "ringbid_calls_total", "counter", "Calls by what happened to them.");
  sample(out, "ringbid_calls_total", "event=\"started\"", double(c.calls_started.load()));
  sample(out, "ringbid_calls_total", "event=\"finished\"", double(c.calls_finished.load()));
  sample(out, "ringbid_calls_total", "event=\"restarted\"", double(c.calls_restarted.load()));
  sample(out, "ringbid_calls_total", "event=\"interrupted\"", double(c.calls_interrupted.load()));
  family(out, "ringbid_auctions_total", "counter", "Auction rounds started.");
  sample(out, "ringbid_auctions_total", {}, double(c.auctions.load()));
  family(out, "ringbid_pings_total", "counter", "Pings sent to buyers.");
  sample(out, "ringbid_pings_total", {}, double(c.pings_sent.load()));
  family(out, "ringbid_bids_total", "counter", "Bids received from buyers.");
  sample(out, "ringbid_bids_total", {}, double(c.bids_received.load()));
  family(out, "ringbid_leads_total", "counter", "Leads handed to the store.");
  sample(out, "ringbid_leads_total", {}, double(c.leads_accepted.load()));
  family(out, "ringbid_carrier_events_ignored_total", "counter",
         "Carrier events for unknown or finished calls, ignored.");
  sample(out, "ringbid_carrier_events_ignored_total", {}, double(c.events_ignored.load()));
  family(out, "ringbid_peer_restarts_total", "counter", "Supervised actors restarted.");
  sample(out, "ringbid_peer_restarts_total", {}, double(c.peer_restarts.load()));
}

void webhook_metrics(std::string& out, const webhook_intake_stats& w) {
  family(out, "ringbid_webhooks_total", "counter", "Carrier webhooks by result.");
  auto result = [&](std::string_view name, uint64_t v) {
    sample(out, "ringbid_webhooks_total", fmt::format("result=\"{}\"", name), double(v));
  };
  result("accepted", w.delivered);
  result("duplicate", w.duplicates);
  result("ignored", w.ignored);
  result("bad_signature", w.bad_signature);
  result("stale", w.stale);
  result("malformed", w.malformed);
  result("too_large", w.too_large);
  result("unavailable", w.unavailable);
  family(out, "ringbid_webhook_handling_seconds", "histogram",
         "From a complete webhook request to its response, inside the node.");
  w.handling.write_prometheus(out, "ringbid_webhook_handling_seconds");
}

void command_metrics(std::string& out, const telnyx_sender_stats& s) {
  family(out, "ringbid_commands_total", "counter", "Carrier commands by final outcome.");
  auto outcome = [&](std::string_view name, uint64_t v) {
    sample(out, "ringbid_commands_total", fmt::format("outcome=\"{}\"", name), double(v));
  };
  outcome("success", s.succeeded);
  outcome("call_ended", s.call_ended);
  outcome("rejected", s.rejected);
  outcome("failed", s.failed);
  family(out, "ringbid_command_attempts_total", "counter", "HTTP requests for carrier commands, retries included.");
  sample(out, "ringbid_command_attempts_total", {}, double(s.attempts.load()));
  family(out, "ringbid_command_retries_total", "counter", "Command attempts after the first.");
  sample(out, "ringbid_command_retries_total", {}, double(s.retries.load()));
  family(out, "ringbid_command_rate_limited_total", "counter", "429 answers from the carrier.");
  sample(out, "ringbid_command_rate_limited_total", {}, double(s.rate_limited.load()));
  family(out, "ringbid_commands_queued", "gauge", "Commands submitted and not finished.");
  sample(out, "ringbid_commands_queued", {}, double(s.queued.load()));
  family(out, "ringbid_command_seconds", "histogram", "From a command's submission to its final outcome.");
  s.latency.write_prometheus(out, "ringbid_command_seconds");
}

void http_metrics(std::string& out, const http_server_stats& h) {
  family(out, "ringbid_http_requests_total", "counter", "HTTP requests read.");
  sample(out, "ringbid_http_requests_total", {}, double(h.requests));
  family(out, "ringbid_http_connections", "gauge", "Open HTTP connections.");
  sample(out, "ringbid_http_connections", {}, double(h.active));
  family(out, "ringbid_http_refused_total", "counter", "HTTP requests or connections refused, by reason.");
  sample(out, "ringbid_http_refused_total", "reason=\"bad_request\"", double(h.bad_requests));
  sample(out, "ringbid_http_refused_total", "reason=\"too_large\"", double(h.too_large));
  sample(out, "ringbid_http_refused_total", "reason=\"timeout\"", double(h.timeouts));
  sample(out, "ringbid_http_refused_total", "reason=\"connections\"", double(h.rejected_connections));
}

} // namespace

bool node_ready(const node_http_parts& parts) {
  if (!parts.accepting->load()) return false;
  return !parts.link || parts.link->attached();
}

std::string render_metrics(const node_http_parts& parts, const http_server_stats& http) {
  std::string out;
  out.reserve(16 * 1024);
  family(out, "ringbid_ready", "gauge", "1 when the node takes calls.");
  sample(out, "ringbid_ready", {}, node_ready(parts) ? 1 : 0);
  call_metrics(out, *parts.counters);
  if (parts.intake) webhook_metrics(out, parts.intake->statistics());
  if (parts.link) command_metrics(out, parts.link->sender_statistics());
  http_metrics(out, http);
  return out;
}

void add_node_routes(http_server& server, const node_http_parts& parts) {
  server.route("GET", "/healthz", [](http_request&&, http_responder respond) { respond(text(200, "ok\n")); });
  server.route("GET", "/readyz", [parts](http_request&&, http_responder respond) {
    if (node_ready(parts)) respond(text(200, "ready\n"));
    else respond(text(503, parts.accepting->load() ? "carrier not attached\n" : "not accepting calls\n"));
  });
  server.route("GET", "/metrics", [parts, &server](http_request&&, http_responder respond) {
    respond(text(200, render_metrics(parts, server.statistics()), "text/plain; version=0.0.4; charset=utf-8"));
  });
  if (parts.hub) add_dashboard_routes(server, parts);
  if (!parts.intake) return;
  server.route("POST", "/webhooks/telnyx", [intake = parts.intake](http_request&& req, http_responder respond) {
    intake->handle(req.header("telnyx-signature-ed25519"), req.header("telnyx-timestamp"), req.body, system_now(),
                   [respond](webhook_verdict v) { respond(text(v.status, std::move(v.body), "application/json")); });
  });
}

} // namespace ringbid
