#pragma once
// Spawn functions of the node's long-lived peers: directory, ledger, recorder,
// bidders. Their durable state lives in objects the node owns, so a restarted
// actor picks up where the crashed one stopped.

#include "actors/core/ledger_core.hpp"
#include "actors/node_context.hpp"
#include "actors/ports/ports.hpp"
#include "protocol/directory.hpp"

#include <caf/actor.hpp>
#include <caf/actor_addr.hpp>
#include <caf/fwd.hpp>

#include <map>
#include <memory>
#include <string>
#include <unordered_map>

namespace ringbid {

/// The ledger's counters and reservations, plus the holders to watch.
struct ledger_memory {
  ledger_core core;
  std::unordered_map<uint64_t, caf::actor_addr> holders;
  std::shared_ptr<cap_journal> journal; ///< null: counters live in memory only
  /// The rules of `cfg` (validated already: rules with errors are left out).
  static std::shared_ptr<ledger_memory> from_config(const engine_config& cfg,
                                                    std::shared_ptr<cap_journal> journal = nullptr);
  /// Hands what the core journaled since the last call to the journal port.
  void ship_journal();
};

/// How long a reservation lives unless released: the configured lease, or the
/// longest a call can last.
int64_t ledger_lease_us(const engine_config& cfg);

/// DID -> campaign + source through the did_directory port. The actor never
/// blocks: an answer the port gives later comes back to it as a message.
caf::actor spawn_directory(caf::local_actor* parent, std::shared_ptr<did_directory> directory);
caf::actor spawn_ledger(caf::local_actor* parent, std::shared_ptr<ledger_memory> memory,
                        std::shared_ptr<const node_context> ctx);
caf::actor spawn_recorder(caf::local_actor* parent, std::shared_ptr<lead_store> store);
caf::actor spawn_bidder(caf::local_actor* parent, std::string buyer_id,
                        std::shared_ptr<bidder_transport> transport,
                        std::shared_ptr<const node_context> ctx);

} // namespace ringbid
