#pragma once
// The control plane's write path: every change to the configuration (an API
// edit, an import, a rollback, `ringbid dids assign`) is made here. A change
// is applied to the head document, the whole result is validated exactly as
// a config file is (every bad field by its JSON pointer), and only a valid
// result is committed, as one new revision, atomically. A commit that loses a
// race with another writer is redone on the new head, so no change is lost
// and none overwrites another unseen.
//
// Readers take the head (or any revision) parsed, cached by number.

#include "actors/core/config.hpp"
#include "actors/ports/config_store.hpp"
#include "adapters/config/config_document.hpp"
#include "adapters/config/config_json.hpp"

#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace ringbid {

/// A revision, parsed.
struct config_snapshot {
  config_revision_info info;
  std::shared_ptr<const config_document> document;
  std::shared_ptr<const engine_config> config;
  std::string changes_json;
};

/// Who makes a change, and why.
struct config_author {
  std::string name = "cli"; ///< a token's label, "cli", "import"
  std::string role = "admin";
  std::string reason;
};

enum class edit_status {
  committed, ///< a new revision is in force
  unchanged, ///< the result equals the head: nothing committed
  refused,   ///< the change itself refused (not found, a precondition): see `problem_status`
  invalid,   ///< the result is not a valid configuration: `errors` (400)
  conflict,  ///< valid values that contradict another part of the configuration: `errors` (422)
  failed,    ///< storage failed: nothing committed
};

struct edit_result {
  edit_status status = edit_status::failed;
  int64_t number = 0; ///< committed / unchanged: the revision in force
  std::vector<config_error> errors;
  std::vector<config_change> changes;
  int problem_status = 0; ///< refused: the HTTP status that says why (404, 412, ...)
  std::string message;    ///< refused, failed: why
};

/// A change to a document: nullopt to go on, or a refusal (status refused).
using config_edit = std::function<std::optional<edit_result>(config_document&)>;

class config_plane {
public:
  /// `now` stamps revisions (injected: tests and simulations).
  config_plane(std::shared_ptr<config_store> store, std::function<timestamp_us()> now);

  /// The head, parsed; nullptr when there is no revision yet or it cannot be
  /// read (`*error` set then).
  std::shared_ptr<const config_snapshot> head(std::string* error = nullptr);
  /// Revision `number`, parsed; nullptr when there is none (`*error` empty) or
  /// it cannot be read.
  std::shared_ptr<const config_snapshot> revision(int64_t number, std::string* error = nullptr);

  /// Applies `edit` to the head and commits the result.
  edit_result edit(const config_edit& edit, const config_author& author);
  /// Replaces the whole configuration with `text` (a config file).
  edit_result import_text(std::string_view text, const config_author& author);
  /// A new revision equal to revision `number`.
  edit_result rollback(int64_t number, const config_author& author);

  /// Called after every commit made through this plane (any thread), with the new number.
  void on_commit(std::function<void(int64_t)> callback);

  config_store& store() { return *store_; }

private:
  std::shared_ptr<const config_snapshot> parse(stored_config_revision stored, std::string* error);
  edit_result commit_document(const config_document& next, const std::shared_ptr<const config_snapshot>& base,
                              const config_author& author);

  std::shared_ptr<config_store> store_;
  std::function<timestamp_us()> now_;
  std::mutex mutex_;
  std::map<int64_t, std::shared_ptr<const config_snapshot>> cache_; ///< a few recent revisions
  std::function<void(int64_t)> on_commit_;
};

/// The errors of a configuration, split into the status they give.
edit_status status_of(const std::vector<config_error>& errors);

} // namespace ringbid
