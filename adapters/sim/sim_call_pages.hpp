#pragma once
// The carrier simulator's GET /v2/connections/{id}/active_calls, as Telnyx
// pages it: ascending by call_control_id, page[limit] (or page[size]) 1..250
// calls a page (20 when not given), opaque cursors page[after] / page[before],
// meta.cursors, total_items, next and previous. Pure.

#include "adapters/http/http_server.hpp"
#include "adapters/telnyx/telnyx_call_info.hpp"

#include <string>
#include <vector>

namespace ringbid {

struct sim_page_request {
  std::string connection_id; ///< as in the path
  std::string query;         ///< the request's query string
};

/// The page `request` asks of `calls` (ascending by call_control_id) as the
/// full HTTP answer: 200 with the page; 422 (Telnyx's error format) for a
/// connection that is not `connection_id`, a limit out of range, a cursor this
/// API did not give, a malformed query.
http_response active_calls_response(const std::vector<telnyx_call_info>& calls, const sim_page_request& request,
                                    const std::string& connection_id);

/// The cursor that resumes after (or before) the call `call_control_id`.
std::string sim_page_cursor(const std::string& call_control_id);

} // namespace ringbid
