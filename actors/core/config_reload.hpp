#pragma once
// What a configuration change (a new revision from the control plane, or
// SIGHUP re-importing the config file) may change in a running node. New
// calls take the new revision at once: campaigns (new, paused, archived,
// edited), sources, DIDs and traffic splits, buyers (new ones get their
// bidders), caps (the ledger takes them, keeping what it counted), call
// timing. The rest was built into the node when it started (storage,
// threads, supervision, the simulated carrier, the transports of existing
// buyers, the caller hash keys) and changes only at the next start:
// review_reload names each such change, so the node can log it rather than
// ignore it.

#include "actors/core/config.hpp"

#include <string>
#include <vector>

namespace ringbid {

struct restart_note {
  std::string pointer; ///< JSON pointer into the new config (or its parent, for a removal)
  std::string note;    ///< what changed and why it waits (or was refused)
};

struct reload_review {
  /// Changed, but built into the node at start: the running node keeps the
  /// value it started with until it is restarted.
  std::vector<restart_note> needs_restart;
};

/// Compares the config the node started with against the one a reload read.
reload_review review_reload(const engine_config& started, const engine_config& next);

} // namespace ringbid
