#pragma once
// `ringbid carrier-sim`: plays Telnyx on loopback. Owns an Ed25519 key pair,
// places inbound calls to the configured DIDs, POSTs signed webhooks to the
// node, serves the Call Control command endpoints, and keeps its own record of
// every call to compare with the node's leads.

#include "actors/core/config.hpp"

#include <cstdint>
#include <functional>
#include <string>

namespace ringbid {

struct carrier_sim_options {
  std::string listen = "127.0.0.1:0"; ///< the command API (port 0: any free one)
  std::string webhook_url;            ///< the node's POST /webhooks/telnyx
  std::string api_key;                ///< when set, commands must carry "Authorization: Bearer <key>"
  std::string key_file;               ///< Ed25519 secret key (Base64); created when missing; "" = fresh key
  uint64_t calls = 1000;              ///< 0: until stopped
  /// A file of calls to place instead of calls at a rate: one per line,
  /// "SECONDS[,DID]" (seconds after the first call, ascending; any DID when
  /// left out). Blank lines and lines starting with '#' are skipped.
  std::string schedule_path;
  double calls_per_second = -1; ///< < 0: the config's carrier_sim rate
  double time_scale = 1;        ///< divides every simulated delay
  uint64_t seed = 1;
  double duplicate_rate = 0;
  double reorder_rate = 0;
  int reorder_max_ms = 50;
  /// Posts of a webhook after the first one that failed (refused, timed out,
  /// not 2xx), within a minute of the first (see wire_emitter_options); 0:
  /// every webhook is delivered once, and one that fails is given up.
  int webhook_retries = 19;
  std::string connection_id = "carrier-sim"; ///< the Call Control connection named in webhooks and active_calls
  double wait_ready_s = 30;                  ///< wait this long for the node's /readyz before the first call
  double max_run_s = 0;                      ///< give up after this long (0: no limit)
  std::string record_path;                   ///< write the record here (JSON)
  bool json = false;                         ///< print the summary as JSON
  /// Lines for whoever started us: the public key and the API URL, as soon as known.
  std::function<void(const std::string&)> announce;
};

/// Blocks until every call ended and every webhook was acknowledged or given
/// up (or a signal, or max_run_s); returns the exit code: 0 complete, 1 not
/// complete or webhooks lost (given up while retrying; with webhook_retries 0
/// they are only counted), 2 bad options.
int run_carrier_sim(const engine_config& config, const carrier_sim_options& options);

} // namespace ringbid
