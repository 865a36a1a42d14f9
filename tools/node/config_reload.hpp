#pragma once
// SIGHUP: the node re-reads its config file. An invalid file (each bad field
// logged with its JSON pointer) or a change the running node cannot honour
// (actors/core/config_reload) keeps the current config. A valid one becomes
// the generation new calls start with; live calls keep theirs. Changes built
// into the node at start are logged, each with its pointer, as needing a
// restart.

#include "actors/node_context.hpp"

#include <string>

namespace ringbid {

struct config_source {
  std::string path;     ///< the config file, read again on every reload
  std::string data_dir; ///< --data-dir: overrides storage.data_dir of every read; empty: none
};

/// Reads `source` again and installs it in `ctx` when it may be; logs what it
/// did. Returns the revision the node runs on afterwards.
std::string reload_config(node_context& ctx, const config_source& source);

} // namespace ringbid
