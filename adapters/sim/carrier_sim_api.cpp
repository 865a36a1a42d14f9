#include "adapters/sim/carrier_sim_api.hpp"

#include "adapters/sim/sim_messages.hpp"
#include "adapters/telnyx/telnyx_call_info.hpp"
#include "adapters/telnyx/telnyx_codec.hpp"

#include <caf/all.hpp>

#include <functional>

namespace ringbid {

namespace {

http_response json_error(int status, std::string_view code, std::string_view title, std::string_view detail) {
  http_response r;
  r.status = status;
  r.content_type = "application/json";
  r.body = encode_command_error(code, title, detail);
  return r;
}

/// False (and the 401 given) when a key is wanted and not the one sent.
bool authorized(const std::string& api_key, const http_request& req, const http_responder& respond) {
  if (api_key.empty() || req.header("authorization") == "Bearer " + api_key) return true;
  respond(json_error(401, "10009", "Authentication failed", "The API key is missing or wrong."));
  return false;
}

/// POST /v2/calls/{id}/actions/{action}: parsed here, decided by the emitter.
http_handler command_route(const std::string& api_key, caf::actor emitter, std::shared_ptr<wire_command_desk> desk) {
  return [api_key, emitter, desk](http_request&& req, http_responder respond) {
    if (!authorized(api_key, req, respond)) return;
    auto parsed = parse_command(req.path, req.body);
    if (!parsed.ok()) {
      const auto& e = *parsed.error();
      if (e.kind == command_parse_error_kind::bad_path) {
        respond(json_error(404, "10005", "Resource not found", e.message));
        return;
      }
      respond(json_error(422, "10004", "Missing required parameter", e.field + ": " + e.message));
      return;
    }
    auto& cmd = std::get<telnyx_command>(parsed.value);
    sim_wire_command w;
    w.call_control_id = cmd.call_control_id;
    w.action = cmd.action;
    w.client_state = cmd.client_state;
    w.target_leg_client_state = cmd.target_leg_client_state;
    if (cmd.command) {
      w.has_command = true;
      w.command = *cmd.command;
      w.command.carrier_call_id = cmd.call_control_id;
      // Telnyx deduplicates on the command_id as sent; a non-UUID one still counts.
      if (w.command.command_id == uuid{} && !cmd.command_id.empty()) {
        w.command.command_id.hi = std::hash<std::string>{}(cmd.command_id);
        w.command.command_id.lo = std::hash<std::string>{}(cmd.call_control_id);
      }
    }
    w.ticket = desk->park(std::move(respond));
    caf::anon_send(emitter, std::move(w));
  };
}

/// GET /v2/calls/{id} and GET /v2/connections/{id}/active_calls.
http_handler query_route(bool active_calls, const std::string& api_key, caf::actor emitter,
                         std::shared_ptr<wire_command_desk> desk) {
  return [active_calls, api_key, emitter, desk](http_request&& req, http_responder respond) {
    if (!authorized(api_key, req, respond)) return;
    auto id = active_calls ? connection_of_active_calls_path(req.path) : call_id_of_status_path(req.path);
    if (!id) {
      respond(json_error(404, "10005", "Resource not found", "No such resource: " + req.path));
      return;
    }
    sim_wire_query q;
    q.active_calls = active_calls;
    q.id = std::move(*id);
    q.query = req.query;
    q.ticket = desk->park(std::move(respond));
    caf::anon_send(emitter, std::move(q));
  };
}

} // namespace

void mount_carrier_sim_api(http_server& server, const std::string& api_key, caf::actor emitter,
                           std::shared_ptr<wire_command_desk> desk) {
  server.route_prefix("POST", "/v2/calls/", command_route(api_key, emitter, desk));
  server.route_prefix("GET", "/v2/calls/", query_route(false, api_key, emitter, desk));
  server.route_prefix("GET", "/v2/connections/", query_route(true, api_key, emitter, std::move(desk)));
}

} // namespace ringbid
