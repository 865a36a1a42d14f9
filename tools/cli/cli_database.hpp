#pragma once
// What the commands that work on a node's database share: finding the file
// (--db, or the config file's storage), and recording what the command
// changed in the audit log (as token "cli").

#include "protocol/time.hpp"

#include <cstdint>
#include <iosfwd>
#include <string>

namespace ringbid {

/// `db` when given, else <data_dir>/<sqlite_file> of the config file at
/// `config_path`; "" (with a message on `err`, prefixed `command`) when
/// neither names one.
std::string cli_database(const std::string& db, const std::string& config_path, const std::string& command,
                         std::ostream& err);

/// Now, in unix microseconds.
timestamp_us cli_now();

/// Appends an audit entry by "cli"; a failure is a warning on `err`.
void audit_cli_change(const std::string& db, const std::string& action, const std::string& entity_kind,
                      const std::string& entity_id, int64_t revision, std::string detail, const std::string& command,
                      std::ostream& err);

} // namespace ringbid
