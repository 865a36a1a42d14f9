#pragma once
// `ringbid dids`: the tracked numbers of a node's configuration, whether the
// node runs or not.
//
//   ringbid dids [--db FILE | --config CFG] list [--json]
//   ringbid dids [--db FILE | --config CFG] [--redis URL] assign NUMBER --campaign C --source S [--tags a,b]
//   ringbid dids [--db FILE | --config CFG] [--redis URL] unassign NUMBER
//
// A change is a new configuration revision (adapters/config/config_plane),
// validated like any other: a campaign or source that does not exist, or an
// archived one, is refused and nothing changes. Running nodes on the same
// database install it within a second, with or without Redis; with --redis
// the number's cached entry is also dropped for nodes that route through
// the Redis directory.

#include <iosfwd>
#include <string>

namespace ringbid {

struct dids_options {
  std::string config_path; ///< the node config: its <data_dir>/<sqlite_file>
  std::string db_path;     ///< or the database directly (wins)
  std::string redis_url;   ///< "" = no invalidation
  std::string action;      ///< list, assign or unassign
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
int run_dids_command(const dids_options& options, std::ostream& out, std::ostream& err);

} // namespace ringbid
