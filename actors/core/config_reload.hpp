#pragma once
// What a config reload (SIGHUP) may change in a running node. New calls take
// the new config's per-call parts at once: campaign texts, strategy, floor,
// deadline and buyer lists, call timing, sources' tags and payouts, buyers'
// bids, targeting, hours, priorities and prices. The rest was built into the
// node when it started (the bidder actors and their transports, the cap
// ledger, the DID directory, storage, threads, supervision, the simulated
// carrier) and changes only at the next start: review_reload names each such
// change, so the node can log it rather than ignore it. A change the running
// node cannot honour at all (a campaign or source that DIDs may route to
// removed) refuses the reload.

#include "actors/core/config.hpp"

#include <string>
#include <vector>

namespace ringbid {

struct config_change {
  std::string pointer; ///< JSON pointer into the new config (or its parent, for a removal)
  std::string note;    ///< what changed and why it waits (or was refused)
};

struct reload_review {
  /// The reload is refused: the node keeps running on its current config.
  std::vector<config_change> refused;
  /// Changed, but built into the node at start: the running node keeps the
  /// value it started with until it is restarted.
  std::vector<config_change> needs_restart;
};

/// Compares the config the node started with against the one a reload read.
reload_review review_reload(const engine_config& started, const engine_config& next);

} // namespace ringbid
