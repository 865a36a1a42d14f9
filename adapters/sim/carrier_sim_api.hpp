#pragma once
// The carrier simulator's REST API (`ringbid carrier-sim`), what Telnyx
// serves the engine:
//   POST /v2/calls/{id}/actions/{action}    a command (see carrier_sim_wire)
//   GET  /v2/calls/{id}                     one call leg's status
//   GET  /v2/connections/{id}/active_calls  the legs up now, paged
// Every route wants "Authorization: Bearer <api_key>" when a key is set (401
// otherwise). Requests are parsed here and answered by the wire emitter.

#include "adapters/http/http_server.hpp"
#include "adapters/sim/carrier_sim_wire.hpp"

#include <caf/actor.hpp>

#include <memory>
#include <string>

namespace ringbid {

/// Adds the routes above to `server` (before it listens).
void mount_carrier_sim_api(http_server& server, const std::string& api_key, caf::actor emitter,
                           std::shared_ptr<wire_command_desk> desk);

} // namespace ringbid
