#pragma once
// What a node asks Telnyx when it adopts calls: one call's status
// (GET /v2/calls/{id}) and the calls alive on the Call Control connection
// (GET /v2/connections/{id}/active_calls, every page). Over its own
// http_client, with the API base URL and key the command sender uses; each
// request is one attempt with a finite timeout, and whatever goes wrong (no
// answer, a 5xx, a body it cannot read) answers nullopt: the asker decides
// whether to ask again. The HTTP client stays in the .cpp.

#include "actors/ports/carrier_port.hpp"
#include "adapters/telnyx/telnyx_command_sender.hpp"

#include <atomic>
#include <chrono>
#include <cstdint>
#include <memory>
#include <string>

namespace ringbid {

struct telnyx_query_options {
  std::string connection_id;                        ///< the Call Control connection; "" = active_calls cannot be asked
  std::chrono::milliseconds request_timeout{3'000}; ///< per request (one page, one status)
  int page_limit = 250;                             ///< page[limit] asked for
  int max_pages = 1'000;                            ///< active_calls gives up (nullopt) beyond
};

struct telnyx_query_stats {
  std::atomic<uint64_t> requests{0}; ///< HTTP requests made
  std::atomic<uint64_t> failed{0};   ///< questions answered nullopt
};

class telnyx_call_queries {
public:
  /// `api`: base URL, key, TLS settings (its retry settings are not used).
  telnyx_call_queries(telnyx_api_options api, telnyx_query_options options);
  ~telnyx_call_queries(); ///< stop()s
  telnyx_call_queries(const telnyx_call_queries&) = delete;
  telnyx_call_queries& operator=(const telnyx_call_queries&) = delete;

  /// Never blocks; `done` runs once, on an io thread (at once with nullopt after stop()).
  void call_status(const std::string& call_control_id, call_status_done done);
  /// The caller legs alive now (buyer legs, told by their client_state, are
  /// left out), following meta.next up to max_pages. Never blocks; `done`
  /// runs once, on an io thread.
  void active_calls(active_calls_done done);
  /// Answers every question in flight with nullopt. Idempotent; not from `done`.
  void stop();

  const telnyx_query_stats& statistics() const noexcept;

private:
  struct impl;
  std::shared_ptr<impl> impl_;
};

} // namespace ringbid
