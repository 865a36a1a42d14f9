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
// and, with the gate (node_http_parts::gate set; tools/node/node_access_routes.cpp):
//   GET  /signin                    the sign-in page
//   POST|GET|DELETE /api/v1/session sign in with a token (a session cookie), who am I, sign out
//   GET|POST /api/v1/tokens, DELETE /api/v1/tokens/{id}   tokens (admin)
//   GET  /api/v1/audit              the audit log (admin, manager)
// and, with the gate and the control plane (node_http_parts::applier set;
// tools/node/config_*_routes.cpp):
//   /api/v1/campaigns, /sources, /buyers, /dids, /caps   list, get, create, change, archive, pause
//   /api/v1/revisions, /api/v1/config                    history, diffs, rollback, export, import
//   GET  /api/v1/openapi.json       the API's reference (schemas/openapi.json), no token needed
// Every route but the health checks, /metrics and the sign-in page goes
// through the gate (adapters/http/api_gate): a token with a role, a session,
// the node's --access-token, or nothing on a loopback-only node without one.

#include "actors/node_context.hpp"
#include "actors/ports/carrier_port.hpp"
#include "actors/ports/idempotency_store.hpp"
#include "adapters/analytics/analytics_json.hpp"
#include "adapters/analytics/sse_hub.hpp"
#include "adapters/http/api_gate.hpp"
#include "adapters/http/http_server.hpp"

#include <caf/fwd.hpp>

#include <atomic>
#include <functional>
#include <memory>
#include <string>

namespace ringbid {

class config_applier;

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
  // Who may do what (every route below /api/v1 and the page asks it), and
  // where changes are recorded; both on the node's database.
  std::shared_ptr<api_gate> gate;
  std::shared_ptr<audit_log> audit;
  // The control plane (with the gate: the configuration routes): its worker
  // runs every read and change of the configuration; POST answers kept by
  // Idempotency-Key.
  std::shared_ptr<config_applier> applier;
  std::shared_ptr<idempotency_store> idempotency;
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

/// Sign-in, tokens and the audit log (tools/node/node_access_routes.cpp);
/// add_node_routes adds them when `parts.gate` is set.
void add_access_routes(http_server& server, const node_http_parts& parts);

/// The configuration routes (tools/node/config_entity_routes.cpp,
/// config_cap_routes.cpp, config_revision_routes.cpp); add_node_routes adds
/// them when `parts.gate` and `parts.applier` are set.
void add_config_routes(http_server& server, const node_http_parts& parts);
void add_entity_routes(http_server& server, const node_http_parts& parts);
void add_cap_routes(http_server& server, const node_http_parts& parts);
void add_revision_routes(http_server& server, const node_http_parts& parts);

} // namespace ringbid
