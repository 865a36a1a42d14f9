#pragma once
// `ringbid config`: the configuration revisions in a node's database, whether
// the node runs or not (a running node installs a revision committed here
// within a second, without a restart).
//
//   ringbid config [--db FILE | --config CFG] import FILE [--reason TEXT]
//   ringbid config [--db FILE | --config CFG] export [--revision N] [--output FILE]
//   ringbid config [--db FILE | --config CFG] history [--limit N] [--json]
//   ringbid config [--db FILE | --config CFG] diff A B
//   ringbid config [--db FILE | --config CFG] rollback N [--reason TEXT]
//
// import validates FILE exactly as a node start does (every bad field by its
// JSON pointer) and commits nothing when anything is invalid; a file equal to
// the revision in force commits nothing either. export prints the revision
// as a file that imports back to the same revision. rollback commits a new
// revision equal to N. Changes are appended to the audit log.

#include <cstdint>
#include <iosfwd>
#include <string>

namespace ringbid {

struct config_options {
  std::string config_path; ///< the node config: its <data_dir>/<sqlite_file>
  std::string db_path;     ///< or the database directly (wins)
  std::string action;      ///< import, export, history, diff or rollback
  std::string file;        ///< import's input
  std::string output;      ///< export's output ("" = standard output)
  std::string reason;
  int64_t revision = 0; ///< export (0 = in force), rollback
  int64_t other = 0;    ///< diff's second revision
  int limit = 20;       ///< history
  bool json = false;
};

/// Runs the command. 0 on success (import of an unchanged file included);
/// 1 for an unknown revision or a database that fails; 2 for an invalid file
/// or bad options.
int run_config_command(const config_options& options, std::ostream& out, std::ostream& err);

/// The changes of a revision as readable lines: "~ campaign c1 /campaigns/0/floor: 12.0 -> 15.0".
std::string describe_changes(const std::string& changes_json);

} // namespace ringbid
