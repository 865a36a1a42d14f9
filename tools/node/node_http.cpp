#include "tools/node/node_http.hpp"

#include "adapters/http/prometheus_text.hpp"

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

void call_metrics(std::string& out, const node_counters& c) {
  prometheus_family(out, "ringbid_calls_live", "gauge", "Live calls by state.");
  for (int s = 0; s < call_state_count; ++s) {
    if (static_cast<call_state>(s) == call_state::done) continue;
    prometheus_sample(out, "ringbid_calls_live", fmt::format("state=\"{}\"", to_string(static_cast<call_state>(s))),
                      double(c.live_by_state[static_cast<size_t>(s)].load()));
  }
  prometheus_family(out, "ringbid_calls_total", "counter", "Calls by what happened to them.");
  prometheus_sample(out, "ringbid_calls_total", "event=\"started\"", double(c.calls_started.load()));
  prometheus_sample(out, "ringbid_calls_total", "event=\"finished\"", double(c.calls_finished.load()));
  prometheus_sample(out, "ringbid_calls_total", "event=\"restarted\"", double(c.calls_restarted.load()));
  prometheus_sample(out, "ringbid_calls_total", "event=\"interrupted\"", double(c.calls_interrupted.load()));
  prometheus_family(out, "ringbid_config_routed_revision", "gauge",
                    "The newest configuration revision a call was routed under.");
  prometheus_sample(out, "ringbid_config_routed_revision", {}, double(c.routed_revision.load()));
  prometheus_family(out, "ringbid_auctions_total", "counter", "Auction rounds started.");
  prometheus_sample(out, "ringbid_auctions_total", {}, double(c.auctions.load()));
  prometheus_family(out, "ringbid_pings_total", "counter", "Pings sent to buyers.");
  prometheus_sample(out, "ringbid_pings_total", {}, double(c.pings_sent.load()));
  prometheus_family(out, "ringbid_bids_total", "counter", "Bids received from buyers.");
  prometheus_sample(out, "ringbid_bids_total", {}, double(c.bids_received.load()));
  prometheus_family(out, "ringbid_leads_total", "counter", "Leads handed to the store.");
  prometheus_sample(out, "ringbid_leads_total", {}, double(c.leads_accepted.load()));
  prometheus_family(out, "ringbid_carrier_events_ignored_total", "counter",
                    "Carrier events for unknown or finished calls, ignored.");
  prometheus_sample(out, "ringbid_carrier_events_ignored_total", {}, double(c.events_ignored.load()));
  prometheus_family(out, "ringbid_peer_restarts_total", "counter", "Supervised actors restarted.");
  prometheus_sample(out, "ringbid_peer_restarts_total", {}, double(c.peer_restarts.load()));
}

/// What every carrier reports, whatever its wire.
void carrier_metrics(std::string& out, const carrier_port_metrics& m) {
  prometheus_family(out, "ringbid_carrier_commands_in_flight", "gauge",
                    "Commands sent to the carrier, outcome not known yet.");
  prometheus_sample(out, "ringbid_carrier_commands_in_flight", {}, double(m.commands_in_flight));
  prometheus_family(out, "ringbid_carrier_events_pending", "gauge", "Carrier events not yet forwarded to the calls.");
  prometheus_sample(out, "ringbid_carrier_events_pending", {}, double(m.events_pending));
  prometheus_family(out, "ringbid_carrier_events_unkept_total", "counter",
                    "Carrier events beyond the pending bound, not re-delivered after a carrier actor restart.");
  prometheus_sample(out, "ringbid_carrier_events_unkept_total", {}, double(m.events_unkept));
}

void http_metrics(std::string& out, const http_server_stats& h) {
  prometheus_family(out, "ringbid_http_requests_total", "counter", "HTTP requests read.");
  prometheus_sample(out, "ringbid_http_requests_total", {}, double(h.requests));
  prometheus_family(out, "ringbid_http_connections", "gauge", "Open HTTP connections.");
  prometheus_sample(out, "ringbid_http_connections", {}, double(h.active));
  prometheus_family(out, "ringbid_http_refused_total", "counter", "HTTP requests or connections refused, by reason.");
  prometheus_sample(out, "ringbid_http_refused_total", "reason=\"bad_request\"", double(h.bad_requests));
  prometheus_sample(out, "ringbid_http_refused_total", "reason=\"too_large\"", double(h.too_large));
  prometheus_sample(out, "ringbid_http_refused_total", "reason=\"timeout\"", double(h.timeouts));
  prometheus_sample(out, "ringbid_http_refused_total", "reason=\"connections\"", double(h.rejected_connections));
}

/// A carrier's route on the node's server: the request handed over without
/// the server's types, the answer given back through the responder.
http_handler carrier_handler(const carrier_http_route& route) {
  return [handle = route.handle](http_request&& req, http_responder respond) {
    auto headers = std::make_shared<http_request>(std::move(req));
    carrier_http_request in;
    in.body = std::move(headers->body);
    in.header = [headers](std::string_view name) { return headers->header(name); };
    handle(std::move(in), [respond](carrier_http_response r) {
      respond(text(r.status, std::move(r.body), std::move(r.content_type)));
    });
  };
}

} // namespace

bool node_ready(const node_http_parts& parts) {
  if (!parts.accepting->load()) return false;
  return !parts.carrier || parts.carrier->ready();
}

std::string render_metrics(const node_http_parts& parts, const http_server_stats& http) {
  std::string out;
  out.reserve(16 * 1024);
  prometheus_family(out, "ringbid_ready", "gauge", "1 when the node takes calls.");
  prometheus_sample(out, "ringbid_ready", {}, node_ready(parts) ? 1 : 0);
  call_metrics(out, *parts.counters);
  if (parts.carrier) {
    carrier_metrics(out, parts.carrier->metrics());
    parts.carrier->write_metrics(out);
  }
  http_metrics(out, http);
  return out;
}

void add_node_routes(http_server& server, const node_http_parts& parts) {
  server.route("GET", "/healthz", [](http_request&&, http_responder respond) { respond(text(200, "ok\n")); });
  server.route("GET", "/readyz", [parts](http_request&&, http_responder respond) {
    if (node_ready(parts))
      respond(text(200, "ready\n"));
    else
      respond(text(503, parts.accepting->load() ? "carrier not attached\n" : "not accepting calls\n"));
  });
  server.route("GET", "/metrics", [parts, &server](http_request&&, http_responder respond) {
    respond(text(200, render_metrics(parts, server.statistics()), "text/plain; version=0.0.4; charset=utf-8"));
  });
  if (parts.gate) add_access_routes(server, parts);
  if (parts.gate && parts.applier) add_config_routes(server, parts);
  if (parts.hub) add_dashboard_routes(server, parts);
  if (parts.carrier)
    for (auto& route : parts.carrier->http_routes()) server.route(route.method, route.path, carrier_handler(route));
}

} // namespace ringbid
