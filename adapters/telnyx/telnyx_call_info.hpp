#pragma once
// Telnyx call information, both directions (the carrier simulator writes, the
// engine reads). Pure functions, no I/O; RapidJSON stays in the .cpp.
//
//   GET /v2/calls/{call_control_id}
//     200 {"data":{call_control_id, call_leg_id, call_session_id, client_state,
//                  is_alive, call_duration, start_time, end_time, record_type:"call"}}
//     422 {"errors":[{"code":"90015","title":"Invalid Call Control ID",…}]} for
//         a call the carrier does not know (never existed, or ended more than
//         10 minutes ago: Telnyx keeps a call's data that long)
//   GET /v2/connections/{connection_id}/active_calls?page[after]=…&page[limit]=…
//     200 {"data":[{call_control_id, call_leg_id, call_session_id, client_state,
//                   call_duration, record_type:"call"}…],
//          "meta":{"cursors":{"after","before"},"total_items","next","previous"}}

#include "actors/ports/carrier_port.hpp"
#include "protocol/carrier.hpp"
#include "protocol/time.hpp"

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace ringbid {

// -- paths ------------------------------------------------------------------------

/// "/v2/calls/{id}", the id percent-encoded.
std::string call_status_path(std::string_view call_control_id);
/// "/v2/connections/{id}/active_calls?page[limit]=N[&page[after]=CURSOR]", escaped.
std::string active_calls_path(std::string_view connection_id, std::string_view after, int limit);
/// The call_control_id of "/v2/calls/{id}" (percent-decoded; a query is
/// ignored); nullopt for any other path (an action's, say).
std::optional<std::string> call_id_of_status_path(std::string_view path);
/// The connection id of "/v2/connections/{id}/active_calls"; nullopt otherwise.
std::optional<std::string> connection_of_active_calls_path(std::string_view path);

// -- what the carrier writes ---------------------------------------------------------

/// One call leg as Telnyx describes it.
struct telnyx_call_info {
  std::string call_control_id;
  std::string call_leg_id;
  std::string call_session_id;
  std::string client_state; ///< decoded (the JSON the engine sent); written as Base64, null when empty
  bool is_alive = false;
  int64_t call_duration_s = 0; ///< whole seconds: start to end, or to now while alive
  timestamp_us start_time = 0; ///< written as ISO-8601 (null when 0)
  timestamp_us end_time = 0;   ///< null while alive
};

/// {"data":{…,"record_type":"call"}}
std::string encode_call_status(const telnyx_call_info& call);

struct telnyx_active_calls_page {
  std::vector<telnyx_call_info> calls; ///< written without is_alive, start_time, end_time
  std::string after;                   ///< cursor of the next page; "" on the last page (no "next")
  std::string before;                  ///< cursor of the previous page; "" on the first
  uint64_t total_items = 0;
  std::string next;     ///< meta.next, e.g. "/v2/connections/7/active_calls?page[after]=…"; "" = none
  std::string previous; ///< meta.previous; "" = none
};

std::string encode_active_calls(const telnyx_active_calls_page& page);

// -- what the engine reads ----------------------------------------------------------------

/// A GET /v2/calls/{id} answer, read. `status` is nullopt when it tells
/// nothing sure (then `error` says why):
///  - 200 with a readable call: alive or ended, as is_alive says; the times
///    and call_duration as given (absent or null: 0). The body must name
///    `asked_id` (when not empty) as its call_control_id.
///  - 422 code 90015 (invalid call_control_id): unknown. 422 code 90018 (the
///    call has ended): ended, without times. Any other 4xx, a 5xx, a body that
///    is not JSON or lacks data / call_control_id / is_alive, a field of the
///    wrong type, a time that is not ISO-8601: nullopt. A 404 too: a wrong
///    base URL must not make every call look gone.
struct call_status_reading {
  std::optional<carrier_call_status> status;
  std::string error;
};

call_status_reading read_call_status(int http_status, std::string_view body, std::string_view asked_id = {});

/// A leg listed as active; `leg` from an engine client_state (the buyer leg a
/// transfer creates says "buyer"), caller when it has none.
struct active_call_entry {
  std::string call_control_id;
  call_leg leg = call_leg::caller;
};

/// One page of GET …/active_calls, read. `ok` false (with `error`) for a
/// non-200, a body that is not JSON, no data array, an entry without a string
/// call_control_id, a client_state that is neither null nor a string. The
/// next page's cursor is meta.cursors.after (else page[after] of meta.next)
/// when meta.next is a non-empty string and this page listed calls; "" ends.
struct active_calls_reading {
  bool ok = false;
  std::vector<active_call_entry> calls;
  std::string next_after;
  std::string error;
};

active_calls_reading read_active_calls(int http_status, std::string_view body);

} // namespace ringbid
