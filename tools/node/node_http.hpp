#pragma once
// The node's HTTP front: one Beast server (its own io thread) with
//   the carrier's routes   its webhooks, if it has any (Telnyx: POST /webhooks/telnyx)
//   GET  /healthz          the process is alive
//   GET  /readyz           ready to take calls (200) or not yet / draining (503)
//   GET  /metrics          Prometheus text format
// and, with analytics (node_http_parts::hub set):
//   GET  /                          the dashboard page (and /assets/...)
//   GET  /api/v1/metrics/summary    figures of a date range (schemas/metrics_summary.schema.json)
//   GET  /api/v1/calls/live         the live board
//   GET  /api/v1/stream             server-sent events: calls changing state, metric snapshots
// The page, the API and the stream ask for the access token when one is set
// (the node sets one whenever it listens beyond loopback).

#include "actors/node_context.hpp"
#include "actors/ports/carrier_port.hpp"
#include "adapters/analytics/analytics_json.hpp"
#include "adapters/analytics/sse_hub.hpp"
#include "adapters/http/http_server.hpp"

#include <caf/fwd.hpp>

#include <atomic>
#include <functional>
#include <memory>
#include <string>

namespace ringbid {

struct node_http_parts {
  std::shared_ptr<node_counters> counters;
  std::shared_ptr<carrier_port> carrier; ///< its routes, readiness and counters
  std::shared_ptr<std::atomic<bool>> accepting = std::make_shared<std::atomic<bool>>(false);
  // The dashboard and its API, when the node runs analytics:
  caf::actor_system* system = nullptr; ///< spawns the actors that ask analytics for the API
  caf::actor root;                     ///< where the live analytics actor is looked up
  std::shared_ptr<sse_hub> hub;        ///< null: no dashboard routes
  std::function<known_ids()> ids;      ///< campaigns and sources now, for filters
  std::string access_token;            ///< "": none asked for
};

/// Ready: accepting calls and the carrier ready (its actor attached).
bool node_ready(const node_http_parts& parts);

/// The /metrics body.
std::string render_metrics(const node_http_parts& parts, const http_server_stats& http);

/// Adds the routes above to `server` (before listen()); the dashboard's only
/// when `parts.hub` is set.
void add_node_routes(http_server& server, const node_http_parts& parts);

/// The dashboard's routes (tools/node/node_dashboard.cpp); add_node_routes adds them.
void add_dashboard_routes(http_server& server, const node_http_parts& parts);

} // namespace ringbid
