#pragma once
// `ringbid dids`: the DID directory in a node's database (SQLite, the source of
// truth), whether the node runs or not.
//
//   ringbid dids --config CFG [--db FILE] list [--json]
//   ringbid dids --config CFG [--db FILE] [--redis URL] assign NUMBER --campaign C --source S [--tags a,b]
//   ringbid dids --config CFG [--db FILE] [--redis URL] unassign NUMBER
//
// Every run first seeds the table from the config exactly as a node start does
// (numbers without a row are inserted, stored rows are kept), so the table
// shows what a node would serve. A change is written to SQLite; with --redis the
// number's key is then deleted and the number published on `ringbid:dids`, so
// running nodes started with --redis drop their cached entry at once. Nodes
// without Redis load the table when they start.

#include "actors/core/config.hpp"

#include <iosfwd>
#include <string>

namespace ringbid {

struct dids_options {
  std::string db_path;   ///< "" = <data_dir>/<sqlite_file> of the config
  std::string redis_url; ///< "" = no invalidation
  std::string action;    ///< list, assign or unassign
  std::string number;
  std::string campaign_id;
  std::string source_id;
  std::string tags; ///< comma-separated
  bool json = false;
};

/// Runs the command. 0 on success; 1 when unassigning a number that is not
/// assigned, or the database fails; 2 for a bad number, campaign, source,
/// tag or Redis URL. A change that Redis could not be told about still
/// succeeds (0), with a warning on `err`.
int run_dids_command(const engine_config& config, const dids_options& options, std::ostream& out, std::ostream& err);

} // namespace ringbid
