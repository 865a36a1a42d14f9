#pragma once
// The one place where adapters are wired into the supervisor tree:
//
//   root ─┬─ directory
//         ├─ ledger
//         ├─ recorder
//         ├─ bidders ─── bidder × buyers
//         ├─ carrier          (the one carrier actor, in front of the node's carrier port)
//         ├─ analytics        (when the node counts for dashboards)
//         ├─ chaos            (simulations with fault injection only)
//         └─ calls ───── call × live calls

#include "actors/analytics_actor.hpp"
#include "actors/bidder_actor.hpp"
#include "actors/calls_supervisor.hpp"
#include "actors/carrier_actor.hpp"
#include "actors/directory_actor.hpp"
#include "actors/ledger_actor.hpp"
#include "actors/node_context.hpp"
#include "actors/ports/carrier_port.hpp"
#include "actors/ports/ports.hpp"
#include "actors/recorder_actor.hpp"
#include "adapters/redis/redis_did_cache.hpp"
#include "adapters/sim/sim_chaos.hpp"

#include <caf/actor.hpp>
#include <caf/fwd.hpp>

#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <string>

namespace ringbid {

class http_client;

/// The node's durable parts: they outlive any actor restart.
struct node_parts {
  std::shared_ptr<node_context> ctx;
  std::shared_ptr<did_directory> dids; ///< what the directory actor asks
  std::shared_ptr<ledger_memory> ledger;
  std::shared_ptr<call_registry> calls;
  std::shared_ptr<lead_store> store;
  std::map<std::string, std::shared_ptr<bidder_transport>> transports;
  /// The transport of a buyer added by a configuration change (simulated, or
  /// over HTTP when the node pings buyers that have a ping_url).
  std::function<std::shared_ptr<bidder_transport>(const buyer_config&)> make_transport;
  /// Set: an analytics actor counts the calls (its clock is the node's).
  std::optional<analytics_parts> analytics;
};

/// The DID directory on the node's database.
struct did_directory_parts {
  std::shared_ptr<did_directory> directory;    ///< the Redis cache, or else `local`
  std::shared_ptr<sqlite_did_directory> local; ///< the in-process map over SQLite
  std::shared_ptr<redis_did_cache> redis;      ///< null without a Redis URL
  redis_endpoint redis_at;                     ///< where, when `redis`
  did_seed_result seeded;
  std::string error;       ///< empty on success
  bool bad_option = false; ///< the error is the caller's (a bad Redis URL)
};

/// Opens the DID directory in the database at `db_path` (":memory:" for a
/// private one): seeds it from the config's dids[] (a number with a stored row
/// keeps it: `ringbid dids` changes survive restarts), upserts the config's
/// campaigns, sources and buyers, and loads the in-process map, which answers
/// lookups inline. With `redis_url` the Redis cache goes in front of it (its own
/// threads; Redis need not be up yet).
did_directory_parts open_did_directory(const engine_config& config, const std::string& db_path,
                                       const std::string& redis_url = {});

/// Builds the parts for `config`, with simulated bidders seeded by `seed`. The
/// ledger journals to `journal` when one is given. With `bid_client`, buyers
/// that have a ping_url are pinged over HTTP through it (the others stay
/// simulated); the caller stops the client before the actor system goes.
/// `dids` is the DID directory; none: a private in-memory one seeded from the
/// config.
node_parts make_node_parts(std::shared_ptr<const engine_config> config, std::shared_ptr<const wall_clock> clock,
                           std::shared_ptr<lead_store> store, uint64_t seed,
                           std::shared_ptr<cap_journal> journal = nullptr,
                           std::shared_ptr<http_client> bid_client = nullptr,
                           std::shared_ptr<did_directory> dids = nullptr);

struct ledger_restore {
  uint64_t entries = 0;  ///< journal rows replayed
  uint64_t orphaned = 0; ///< reservations left open by the previous run, waiting for their calls
  std::string error;     ///< empty on success
};

/// How long the reservations the previous process left open wait for their
/// calls to be adopted before they expire (longer than a crashed actor's
/// grace: adopting thousands of calls takes a while).
constexpr int64_t adoption_grace_us = 30 * us_per_s;

/// Rebuilds the ledger from the journal in the database at `db_path`. The
/// reservations the previous process left open wait `grace_us` for the calls
/// it adopts (each re-attaches its own), then expire. Call before start_node.
ledger_restore restore_ledger(ledger_memory& ledger, const std::string& db_path, timestamp_us now,
                              int64_t grace_us = adoption_grace_us);

/// Registers every message a node's actors exchange: protocol/, the actors'
/// own (call timers, analytics tick) and the simulator's. Every actor system
/// that runs a node's tree calls it on its config.
void add_node_types(caf::actor_system_config& cfg);

/// Spawns the supervisor tree; returns the root supervisor. The carrier actor
/// attaches itself to `carrier` (see tools/node/carrier_factory for the ports
/// the node can build), which the caller keeps and stops once the tree is down.
caf::actor start_node(caf::actor_system& sys, node_parts& parts, std::shared_ptr<carrier_port> carrier,
                      std::optional<chaos_options> chaos);

} // namespace ringbid
