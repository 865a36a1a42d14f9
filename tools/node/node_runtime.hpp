#pragma once
// `ringbid-node`: the standalone process. Real scheduler, real clock, SQLite
// file in the data directory; the carrier is one of the carrier factory's
// (tools/node/carrier_factory: simulated in-process, or Telnyx with webhooks on
// the HTTP server); bidders are simulated or pinged over HTTP.
// SIGINT/SIGTERM hand the live calls over to the next process (or, with
// --drain-mode finish, end them), flush the records and exit 0. The
// configuration is the database's head revision (tools/node/config_startup);
// every later revision reaches new calls live (tools/node/config_apply), and
// SIGHUP imports the config file again.

#include "actors/core/config.hpp"

#include <cstdint>
#include <map>
#include <string>

namespace ringbid {

/// What SIGTERM (or the end of --run-for) does with the live calls.
enum class drain_mode : uint8_t {
  /// Keep each call's state durably and exit without hanging anyone up; the
  /// next process adopts the calls (with a carrier outside the process).
  hand_over,
  /// End every call (hangup, booked as interrupted unless bridged), then exit.
  finish,
};

struct node_options {
  uint64_t seed = 1;
  double calls_per_second = -1; ///< < 0: the config's carrier_sim rate; 0: no simulated traffic
  int drain_timeout_s = 30;
  drain_mode on_stop = drain_mode::hand_over;
  double run_for_s = 0; ///< > 0: stop by itself after this long (demos, tests)
  /// "HOST:PORT" (port 0 = any free one): publish the node's root supervisor
  /// over CAF's network layer there, for `ringbid caps --node` and other nodes.
  std::string admin;
  /// "HOST:PORT" of the HTTP server (health, readiness, metrics, webhooks);
  /// empty: none. The bound port is logged ("http on HOST:PORT").
  std::string http;
  bool http_bidders = false; ///< ping buyers that have a ping_url over HTTP
  /// Where calls come from: a name of the carrier factory. No default: a
  /// simulated carrier books fake leads into the database.
  std::string carrier;
  /// The config file (imported again on SIGHUP; "" = none), the revision
  /// the node starts on (its digest and number), and the --data-dir
  /// override every revision gets.
  std::string config_path;
  std::string config_revision;
  int64_t config_revision_number = 0;
  std::string data_dir;
  /// The carriers' own flags by name without dashes (e.g. "telnyx-api-key");
  /// unset ones take their carrier's default.
  std::map<std::string, std::string> carrier_flags;
  /// redis://HOST:PORT[/DB]: DID lookups go through Redis, with SQLite behind
  /// it (and invalidations from `ringbid dids --redis`); empty: in-process only.
  std::string redis;
  /// Asked of the dashboard, its API and its stream. Empty: none on loopback,
  /// a random one (logged) when --http listens on another address.
  std::string access_token;
};

/// Blocks until a signal (or run_for_s) ends the node; returns the exit code.
int run_node(const engine_config& config, const node_options& options);

} // namespace ringbid
