#pragma once
// The node's HTTP front: one Beast server (its own io thread) with
//   POST /webhooks/telnyx  the carrier's webhooks (Telnyx mode only)
//   GET  /healthz          the process is alive
//   GET  /readyz           ready to take calls (200) or not yet / draining (503)
//   GET  /metrics          Prometheus text format
// Later issues add the API and the dashboard to the same server.

#include "actors/node_context.hpp"
#include "adapters/http_server.hpp"
#include "adapters/telnyx_carrier.hpp"
#include "adapters/telnyx_webhook_intake.hpp"

#include <atomic>
#include <memory>
#include <string>

namespace ringbid {

struct node_http_parts {
  std::shared_ptr<node_counters> counters;
  std::shared_ptr<telnyx_webhook_intake> intake; ///< null with the simulated carrier
  std::shared_ptr<telnyx_link> link;             ///< null with the simulated carrier
  std::shared_ptr<std::atomic<bool>> accepting = std::make_shared<std::atomic<bool>>(false);
};

/// Ready: accepting calls and, with Telnyx, the carrier actor attached.
bool node_ready(const node_http_parts& parts);

/// The /metrics body.
std::string render_metrics(const node_http_parts& parts, const http_server_stats& http);

/// Adds the routes above to `server` (before listen()).
void add_node_routes(http_server& server, const node_http_parts& parts);

} // namespace ringbid
