#pragma once
// What every configuration route shares (tools/node/config_*_routes.cpp).
//
// Handlers run on the HTTP server's io thread and never block there: every
// read and every change runs on the control plane's worker (config_applier).
// A change there: the Idempotency-Key's stored answer if there is one, else
// the edit; a committed edit is installed (apply_head) before it is answered,
// so the next request and the next call use it; it is audited with its
// revision and its changes; its answer carries `Ringbid-Revision: N`.

#include "adapters/config/config_plane.hpp"
#include "adapters/http/http_query.hpp"
#include "adapters/http/problem_json.hpp"
#include "tools/node/node_http.hpp"

#include <functional>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace ringbid {

/// A change a route asks for.
struct config_change_request {
  std::string action;      ///< the audit entry's, e.g. "campaign.pause"
  std::string entity_kind; ///< "campaign", "did", "cap", "config", ...
  std::string entity_id;
  /// Runs on the worker: makes the edit through the plane as `author`,
  /// leaves the plane's answer in `result` and returns the HTTP answer.
  std::function<http_response(config_plane& plane, const config_author& author, edit_result& result)> run;
};

/// Runs `change` for `who` on the worker, then answers through `respond`.
void run_config_change(const node_http_parts& parts, const api_principal& who, const http_request& req,
                       http_responder respond, config_change_request change);

/// Runs `read` on the worker, then answers through `respond`.
void run_config_read(const node_http_parts& parts, http_responder respond,
                     std::function<http_response(config_plane& plane)> read);

/// The head revision (a configuration with no revision yet reads as an empty
/// document, revision 0), or the 503 that says why it cannot be read.
struct head_view {
  std::shared_ptr<const config_snapshot> snapshot; ///< null: no revision yet
  const config_document& document() const;
  int64_t number() const { return snapshot ? snapshot->info.number : 0; }
};
std::optional<head_view> read_head(config_plane& plane, http_response& failure);

/// The answer to an edit that did not commit: 400 (every bad field), 422
/// (conflicts, naming both sides), 404 / 409 / 412 (refused), 503 (storage).
/// Pointers into the whole document under `entity_pointer` (e.g.
/// "/campaigns/3") are given relative to the request's body ("/floor");
/// `entity_pointer` "" leaves them as they are (a whole document).
http_response edit_problem(const edit_result& result, const std::string& entity_pointer);

/// A refusal from inside an edit: not found, exists, stale If-Match, ...
edit_result refusal(int status, std::string message);
/// A 400 from inside an edit, at `pointer` in the request's body.
edit_result refusal_at(std::string pointer, std::string message);

/// The principal, or answer with the gate's refusal and return null.
const api_principal* admitted(const api_admission& admission, const http_responder& respond);

http_response not_found_response(std::string detail);
/// 400 "invalid-query" naming the parameter in `detail`.
http_response bad_query_response(std::string detail);
/// 400 "invalid-body" with the fields.
http_response bad_body_response(std::vector<problem_field> fields);
/// 400 unless the body is one JSON object (naming the byte where it is not JSON).
std::optional<http_response> object_body_problem(const http_request& req);

/// "/api/v1/campaigns/c1/pause" after "/api/v1/campaigns/" -> {"c1", "pause"},
/// each segment percent-decoded ('+' stays '+'); nullopt for a bad escape or
/// an empty segment.
std::optional<std::vector<std::string>> path_segments(std::string_view path, std::string_view prefix);

/// A JSON string literal of `s`.
std::string json_string(std::string_view s);

/// ?limit= (1..500, default 100) and ?cursor= (opaque: the hex of the last
/// key of the page before).
struct page_request {
  size_t limit = 100;
  std::string after; ///< decoded cursor: items with a greater key
};
inline constexpr size_t max_page_size = 500;
/// The page, or a 400 naming the bad parameter.
std::optional<page_request> page_of(const query_params& params, http_response& failure);
/// The opaque cursor of `key`.
std::string cursor_of(std::string_view key);

/// The If-Match header allows a write to an entity whose canonical text is
/// `entity_text` (absent or "*" always does).
bool if_match_ok(const http_request& req, std::string_view entity_text);

} // namespace ringbid
