#pragma once
// `ringbid tokens`: the node's API tokens, in its database, whether the node
// runs or not (a running node looks tokens up in the same file, so a token
// made here works at once and one revoked here is refused within a second).
//
//   ringbid tokens [--db FILE | --config CFG] create --role ROLE [--campaign ID | --source ID | --buyer ID]
//                                                    [--label TEXT] [--json]
//   ringbid tokens [--db FILE | --config CFG] list [--json]
//   ringbid tokens [--db FILE | --config CFG] revoke ID
//
// `create` prints the token's secret once; only its hash is kept. Every
// creation and revocation is appended to the audit log (token "cli").

#include <iosfwd>
#include <string>

namespace ringbid {

struct tokens_options {
  std::string config_path; ///< the node config: its <data_dir>/<sqlite_file>
  std::string db_path;     ///< or the database directly (wins over config_path)
  std::string action;      ///< create, list or revoke
  std::string role;
  std::string campaign, source, buyer; ///< at most one: the token's scope
  std::string label;
  std::string id; ///< revoke's
  bool json = false;
};

/// Runs the command. 0 on success; 1 for an unknown id or a database that
/// fails; 2 for a bad role, scope or label, or no database given.
int run_tokens_command(const tokens_options& options, std::ostream& out, std::ostream& err);

} // namespace ringbid
