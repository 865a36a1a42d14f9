#pragma once
// Which configuration a node starts on. The database's head revision, after
// `--config FILE` is imported when the file changed since it was last
// imported: a restart with the same file keeps every change made since
// through the API or the CLI; an edited file is imported as a new revision
// (validated as always: nothing is imported when anything is invalid).
// SIGHUP imports the file whenever it differs from the head.

#include "adapters/config/config_plane.hpp"

#include <memory>
#include <string>

namespace ringbid {

struct startup_config {
  std::shared_ptr<const config_snapshot> head; ///< null: see error
  std::string note;                            ///< what was done, for the log
  std::string error;                           ///< a message for stderr
  int exit_code = 0;                           ///< 2: the file is invalid; 1: storage or no config
};

/// The text of `path`; nullopt + `*error` when it cannot be read.
std::optional<std::string> read_config_text(const std::string& path, std::string* error);

/// Imports `path` (when not empty) if it changed since its last import, then
/// reads the head. The first import into `db_path` keeps the DID assignments
/// stored there before revisions existed (`ringbid dids` of older builds).
startup_config open_startup_config(config_plane& plane, const std::string& path, const std::string& db_path);

/// SIGHUP: imports `path` if it differs from the head. Logs what it did;
/// returns whether a new revision was committed.
bool reimport_config(config_plane& plane, const std::string& path);

} // namespace ringbid
