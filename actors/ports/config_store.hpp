#pragma once
// Where the configuration lives: an append-only series of revisions, each the
// whole document (adapters/config/config_document) with who made it, when,
// why, and what changed from the one before. The newest is in force. Nothing
// is ever deleted: a rollback is a new revision equal to an old one.
//
// Every node reads the head; any writer (the API, the CLI, another node)
// commits with the head it edited as `expected_head`, so two concurrent edits
// never silently overwrite each other.

#include "protocol/time.hpp"

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

namespace ringbid {

struct config_revision_info {
  int64_t number = 0; ///< 1, 2, ...
  timestamp_us at = 0;
  std::string author; ///< a token's label, "cli", "import"
  std::string role;   ///< the author's role ("admin" for the CLI)
  std::string reason;
  std::string digest;  ///< config_revision() of the document: equal settings, equal digest
  int64_t changes = 0; ///< how many changes from the revision before
};

struct stored_config_revision {
  config_revision_info info;
  std::string document;     ///< canonical JSON
  std::string changes_json; ///< adapters/config changes_json() against the revision before
};

/// What commit() did.
enum class commit_outcome {
  committed,
  stale,  ///< the head is no longer `expected_head`: nothing written
  failed, ///< storage failed: nothing written
};

struct config_commit_result {
  commit_outcome outcome = commit_outcome::failed;
  int64_t number = 0; ///< committed: the new revision's; stale: the head's
  std::string error;
};

/// Thread-safe.
class config_store {
public:
  virtual ~config_store() = default;
  /// The newest revision's number; 0 when there is none; -1 when storage failed.
  virtual int64_t head_number() = 0;
  /// A revision; nullopt when there is no such one or storage failed (`*error` set then).
  virtual std::optional<stored_config_revision> revision(int64_t number, std::string* error) = 0;
  /// Revisions newest first, numbers below `before` (0 = from the head), at most `limit`.
  virtual std::vector<config_revision_info> history(int64_t before, int limit, std::string* error) = 0;
  /// Appends `next` (its number and time are set here) if the head is
  /// `expected_head` (0: there is no revision yet). Atomic: all or nothing.
  virtual config_commit_result commit(int64_t expected_head, stored_config_revision next, timestamp_us at) = 0;
};

} // namespace ringbid
