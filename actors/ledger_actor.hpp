#pragma once
// The cap-ledger actor in front of the pure ledger_core. Its counters and
// reservations live in ledger_memory, which the node owns, so a restarted
// ledger continues where the crashed one stopped.

#include "actors/core/ledger_core.hpp"
#include "actors/node_context.hpp"
#include "actors/ports/cap_journal.hpp"

#include <caf/actor.hpp>
#include <caf/actor_addr.hpp>
#include <caf/fwd.hpp>

#include <memory>
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

caf::actor spawn_ledger(caf::local_actor* parent, std::shared_ptr<ledger_memory> memory,
                        std::shared_ptr<const node_context> ctx);

} // namespace ringbid
