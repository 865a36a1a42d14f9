#include "tools/node/wiring.hpp"

#include "actors/actor_types.hpp"
#include "adapters/sim/sim_types.hpp"
#include "protocol/types.hpp"

#include "actors/supervisor.hpp"
#include "adapters/bidding/caller_hash.hpp"
#include "adapters/bidding/http_bidder_transport.hpp"
#include "adapters/bidding/sim_bidder_transport.hpp"
#include "adapters/sqlite/sqlite_cap_journal.hpp"

#include <caf/all.hpp>

#include <algorithm>
#include <stdexcept>

namespace ringbid {

did_directory_parts open_did_directory(const engine_config& config, const std::string& db_path,
                                       const std::string& redis_url) {
  did_directory_parts out;
  redis_endpoint endpoint;
  if (!redis_url.empty() && !parse_redis_url(redis_url, endpoint, &out.error)) {
    out.bad_option = true;
    return out;
  }
  auto store = did_store::open(db_path, &out.error);
  if (!store) return out;
  if (!store->seed(config, &out.seeded, &out.error)) {
    out.error = "cannot seed the DIDs in " + db_path + ": " + out.error;
    return out;
  }
  out.local = sqlite_did_directory::open(store, config, &out.error);
  if (!out.local) {
    out.error = "cannot load the DIDs from " + db_path + ": " + out.error;
    return out;
  }
  out.directory = out.local;
  if (!redis_url.empty()) {
    redis_did_options options;
    options.endpoint = endpoint;
    out.redis_at = endpoint;
    out.redis = std::make_shared<redis_did_cache>(out.local, options);
    out.directory = out.redis;
  }
  return out;
}

node_parts make_node_parts(std::shared_ptr<const engine_config> config, std::shared_ptr<const wall_clock> clock,
                           std::shared_ptr<lead_store> store, uint64_t seed, std::shared_ptr<cap_journal> journal,
                           std::shared_ptr<http_client> bid_client, std::shared_ptr<did_directory> dids) {
  node_parts p;
  p.ctx = node_context::make(config, std::move(clock), seed);
  std::vector<std::string> buyer_ids;
  for (const auto& b : config->buyers) buyer_ids.push_back(b.id);
  p.ctx->hasher =
    make_caller_hasher(config->caller_hash_secret.empty() ? config->node_name : config->caller_hash_secret, buyer_ids);
  if (!dids) {
    auto in_memory = open_did_directory(*config, ":memory:");
    if (!in_memory.directory) throw std::runtime_error("cannot set up the DID directory: " + in_memory.error);
    dids = in_memory.directory;
  }
  p.dids = std::move(dids);
  p.ledger = ledger_memory::from_config(*config, std::move(journal));
  p.calls = std::make_shared<call_registry>();
  p.store = std::move(store);
  p.make_transport = [bid_client, seed](const buyer_config& b) {
    return bid_client && !b.ping_url.empty() ? make_http_bidder_transport(bid_client, b)
                                             : make_sim_bidder_transport(b, seed);
  };
  for (const auto& b : config->buyers) {
    if (b.fixed_payout_micros > 0) continue; // bids its fixed price without a ping: no bidder
    p.transports[b.id] = p.make_transport(b);
  }
  return p;
}

ledger_restore restore_ledger(ledger_memory& ledger, const std::string& db_path, timestamp_us now, int64_t grace_us) {
  ledger_restore out;
  auto ok = read_cap_journal(
    db_path,
    [&](const cap_journal_entry& e) {
      ledger.core.replay(e);
      ++out.entries;
    },
    &out.error);
  if (!ok) return out;
  out.orphaned = ledger.core.orphan_all(now, grace_us);
  ledger.ship_journal();
  return out;
}

caf::actor start_node(caf::actor_system& sys, node_parts& parts, std::shared_ptr<carrier_port> carrier,
                      std::optional<chaos_options> chaos) {
  std::shared_ptr<const node_context> ctx = parts.ctx;
  const auto& sup = ctx->config->supervision;
  supervisor_options opts;
  opts.max_restarts = sup.max_restarts;
  opts.window = std::chrono::milliseconds{sup.window_ms};

  std::vector<child_spec> bidders;
  for (auto& [buyer_id, transport] : parts.transports) {
    bidders.push_back(
      child_spec{peer_kind::bidder, buyer_id,
                 [=, id = buyer_id, t = transport](caf::local_actor* self) { return spawn_bidder(self, id, t, ctx); },
                 false, false});
  }
  auto bidders_opts = opts;
  bidders_opts.name = "bidders";
  // Buyers added by a configuration change get their bidders when the control
  // plane asks (grow_children), from the configuration then in force.
  bidders_opts.grow = [ctx, make = parts.make_transport](const std::vector<std::string>& running) {
    std::vector<child_spec> out;
    auto generation = ctx->current();
    for (const auto& b : generation->config().buyers) {
      if (b.fixed_payout_micros > 0 || b.archived) continue;
      if (std::find(running.begin(), running.end(), b.id) != running.end()) continue;
      auto transport = make(b);
      out.push_back(child_spec{
        peer_kind::bidder, b.id,
        [=, id = b.id](caf::local_actor* self) { return spawn_bidder(self, id, transport, ctx); }, false, false});
    }
    return out;
  };

  std::vector<child_spec> children;
  children.push_back(
    {peer_kind::directory, {}, [dids = parts.dids](caf::local_actor* self) { return spawn_directory(self, dids); }});
  children.push_back({peer_kind::ledger, {}, [memory = parts.ledger, ctx](caf::local_actor* self) {
                        return spawn_ledger(self, memory, ctx);
                      }});
  children.push_back(
    {peer_kind::recorder, {}, [store = parts.store](caf::local_actor* self) { return spawn_recorder(self, store); }});
  children.push_back(
    {peer_kind::bidder,
     {},
     [bidders, bidders_opts](caf::local_actor* self) { return spawn_supervisor(self, bidders, bidders_opts); },
     false,
     true});
  children.push_back({peer_kind::carrier,
                      {},
                      [carrier, ctx](caf::local_actor* self) { return spawn_carrier(self, carrier, ctx); },
                      true,
                      false});
  if (chaos) {
    // Chaos is not a peer anyone looks up; it only listens.
    children.push_back(
      {peer_kind::tool, "chaos", [c = *chaos](caf::local_actor* self) { return spawn_chaos(self, c); }, true, false});
  }
  if (parts.analytics) {
    auto analytics = *parts.analytics;
    if (!analytics.book) analytics.book = std::make_shared<analytics_book>(ctx->clock->now());
    if (!analytics.clock) analytics.clock = ctx->clock;
    children.push_back(
      {peer_kind::analytics, {}, [analytics](caf::local_actor* self) { return spawn_analytics(self, analytics); }});
  }
  children.push_back(
    {peer_kind::calls,
     {},
     [registry = parts.calls, ctx](caf::local_actor* self) { return spawn_calls_supervisor(self, registry, ctx); },
     true,
     false});
  opts.name = "root";
  return spawn_root_supervisor(sys, std::move(children), opts);
}

void add_node_types(caf::actor_system_config& cfg) {
  add_protocol_types(cfg);
  add_actor_types(cfg);
  add_sim_types(cfg);
}

} // namespace ringbid
