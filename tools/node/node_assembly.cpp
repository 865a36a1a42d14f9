#include "tools/node/node_assembly.hpp"

#include "adapters/clock/sim_clock.hpp"

#include <caf/all.hpp>

#include <filesystem>

namespace ringbid {

namespace {

void remove_database(const std::string& path) {
  std::error_code ec;
  for (const char* suffix : {"", "-wal", "-shm"}) std::filesystem::remove(path + suffix, ec);
}

} // namespace

std::unique_ptr<node_assembly> node_assembly::build(caf::actor_system& sys, const engine_config& config,
                                                    assembly_options options, std::string* error, bool* bad_option) {
  auto fail = [&](std::string why, bool options_at_fault) -> std::unique_ptr<node_assembly> {
    if (error) *error = std::move(why);
    if (bad_option) *bad_option = options_at_fault;
    return nullptr;
  };
  std::unique_ptr<node_assembly> a{new node_assembly};
  a->system = &sys;
  a->config = std::make_shared<const engine_config>(config);

  // The records: leads (and live calls), the cap journal.
  if (options.replace_database) remove_database(options.db_path);
  sqlite_options db;
  db.path = options.db_path;
  db.batch_max = config.storage.batch_max;
  db.batch_interval_ms = config.storage.batch_interval_ms;
  db.synchronous_full = options.durable; // a simulation's leads are disposable; a node's are not
  db.notify_commits = options.durable;   // a node's call gets its lead acknowledged once durable
  std::string why;
  a->store = sqlite_lead_store::open(db, &why);
  if (!a->store) return fail("cannot open " + options.db_path + ": " + why, false);
  a->journal = sqlite_cap_journal::open(db, &why, options.durable);
  if (!a->journal) return fail("cannot open " + options.db_path + ": " + why, false);

  // Where numbers belong. Inside the actor system's life: Redis's threads send to actors.
  a->dids = open_did_directory(config, options.db_path, options.redis_url);
  if (!a->dids.directory) return fail((a->dids.bad_option ? "--redis: " : "") + a->dids.error, a->dids.bad_option);

  if (options.http_bidders) {
    http_client_options client_options;
    client_options.max_connections_per_host = 64;
    a->bid_client = std::make_shared<http_client>(client_options);
  }
  a->clock = make_actor_wall_clock(sys, options.epoch != 0 ? options.epoch : system_now());

  auto made = options.carrier(sys, a->clock, a->store);
  if (!made.port) return fail(made.error, true);
  a->carrier = made.port;

  a->parts = make_node_parts(a->config, a->clock, a->store, options.seed, a->journal, a->bid_client, a->dids.directory);
  return a;
}

node_assembly::~node_assembly() {
  stop([](const caf::actor& tree) { caf::anon_send_exit(tree, caf::exit_reason::user_shutdown); });
}

void node_assembly::count_calls(std::shared_ptr<analytics_book> book, std::shared_ptr<sse_hub> feed,
                                std::shared_ptr<sqlite_metrics_history> older, caf::timespan tick) {
  hub = feed;
  history = older;
  parts.analytics = analytics_parts{std::move(book), clock, std::move(feed), std::move(older), tick};
}

caf::actor node_assembly::start(std::optional<chaos_options> chaos) {
  root = start_node(*system, parts, carrier, std::move(chaos));
  return root;
}

void node_assembly::stop(const std::function<void(const caf::actor& tree)>& await) {
  if (stopped) return;
  stopped = true;
  if (hub) hub->close_all();
  if (history) history->stop(); // no history answers into a tree going away
  if (root) await(root);
  if (dids.redis) dids.redis->stop();   // no lookup answers either
  if (bid_client) bid_client->stop();   // its last callbacks still find the actor system
  if (carrier) carrier->stop();         // its last events find no carrier actor: the tree is down
  if (journal) journal->on_durable({}); // no callbacks into an actor system that is going away
  if (store) store->on_committed({});
  root = nullptr;
}

} // namespace ringbid
