#include "adapters/sqlite/sqlite_config_store.hpp"

#include "adapters/sqlite/sqlite_common.hpp"
#include "adapters/sqlite/sqlite_migrations.hpp"

#include <sqlite3.h>

#include <mutex>

namespace ringbid {

namespace {

constexpr int busy_timeout_ms = 5'000;
constexpr const char* info_columns = "number, at, author, role, reason, digest, change_count";

config_revision_info read_info(const sqlite::statement& s) {
  config_revision_info i;
  i.number = s.column_int(0);
  i.at = s.column_int(1);
  i.author = s.column_text(2);
  i.role = s.column_text(3);
  i.reason = s.column_text(4);
  i.digest = s.column_text(5);
  i.changes = s.column_int(6);
  return i;
}

} // namespace

struct sqlite_config_store::impl {
  std::mutex mutex;
  sqlite::db_ptr db;
  sqlite::statement head, one, page, insert;

  bool prepare(std::string* error) {
    auto* d = db.get();
    return head.prepare(d, "SELECT coalesce(max(number), 0) FROM config_revisions", error, true) &&
           one.prepare(
             d, std::string{"SELECT "} + info_columns + ", document, changes FROM config_revisions WHERE number = ?1",
             error, true) &&
           page.prepare(d,
                        std::string{"SELECT "} + info_columns +
                          " FROM config_revisions WHERE ?1 = 0 OR number < ?1 ORDER BY number DESC LIMIT ?2",
                        error, true) &&
           insert.prepare(d,
                          "INSERT INTO config_revisions (number, at, author, role, reason, digest, document, changes, "
                          "change_count) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9)",
                          error, true);
  }

  /// The head, or -1 (with `*error`) when it cannot be read.
  int64_t read_head(std::string* error) {
    head.reset();
    int rc = head.step();
    int64_t n = rc == SQLITE_ROW ? head.column_int(0) : -1;
    if (rc != SQLITE_ROW && error != nullptr) *error = sqlite::error_text(db.get(), rc);
    head.reset();
    return n;
  }
};

sqlite_config_store::sqlite_config_store(std::unique_ptr<impl> state, std::string path)
  : impl_(std::move(state)), path_(std::move(path)) {}
sqlite_config_store::~sqlite_config_store() = default;

std::shared_ptr<sqlite_config_store> sqlite_config_store::open(const std::string& path, std::string* error) {
  auto state = std::make_unique<impl>();
  state->db = open_migrated_writer(path, true, busy_timeout_ms, error);
  if (!state->db) return nullptr;
  if (!state->prepare(error)) {
    *error = path + ": " + *error;
    return nullptr;
  }
  return std::shared_ptr<sqlite_config_store>(new sqlite_config_store(std::move(state), path));
}

int64_t sqlite_config_store::head_number() {
  std::lock_guard guard{impl_->mutex};
  return impl_->read_head(nullptr);
}

std::optional<stored_config_revision> sqlite_config_store::revision(int64_t number, std::string* error) {
  std::lock_guard guard{impl_->mutex};
  auto& s = impl_->one;
  s.reset();
  s.bind_int(1, number);
  int rc = s.step();
  std::optional<stored_config_revision> out;
  if (rc == SQLITE_ROW) {
    out.emplace();
    out->info = read_info(s);
    out->document = s.column_text(7);
    out->changes_json = s.column_text(8);
  } else if (rc != SQLITE_DONE && error != nullptr) {
    *error = sqlite::error_text(impl_->db.get(), rc);
  }
  s.reset();
  return out;
}

std::vector<config_revision_info> sqlite_config_store::history(int64_t before, int limit, std::string* error) {
  std::lock_guard guard{impl_->mutex};
  auto& s = impl_->page;
  s.reset();
  s.bind_int(1, before);
  s.bind_int(2, limit);
  std::vector<config_revision_info> out;
  int rc = SQLITE_ROW;
  while ((rc = s.step()) == SQLITE_ROW) out.push_back(read_info(s));
  if (rc != SQLITE_DONE && error != nullptr) *error = sqlite::error_text(impl_->db.get(), rc);
  s.reset();
  return out;
}

config_commit_result sqlite_config_store::commit(int64_t expected_head, stored_config_revision next, timestamp_us at) {
  std::lock_guard guard{impl_->mutex};
  auto* db = impl_->db.get();
  config_commit_result out;
  // IMMEDIATE: the write lock is taken before the head is read, so no other
  // writer (another process on this file) can commit between the two.
  if (sqlite::exec(db, "BEGIN IMMEDIATE", &out.error) != SQLITE_OK) return out;
  auto head = impl_->read_head(&out.error);
  if (head < 0) {
    sqlite::exec(db, "ROLLBACK", nullptr);
    return out;
  }
  if (head != expected_head) {
    sqlite::exec(db, "ROLLBACK", nullptr);
    out.outcome = commit_outcome::stale;
    out.number = head;
    return out;
  }
  auto& s = impl_->insert;
  s.reset();
  s.bind_int(1, head + 1);
  s.bind_int(2, at);
  s.bind_text(3, next.info.author);
  s.bind_text(4, next.info.role);
  s.bind_text(5, next.info.reason);
  s.bind_text(6, next.info.digest);
  s.bind_text(7, next.document);
  s.bind_text(8, next.changes_json);
  s.bind_int(9, next.info.changes);
  int rc = s.step();
  s.reset();
  if (rc != SQLITE_DONE) {
    out.error = sqlite::error_text(db, rc);
    sqlite::exec(db, "ROLLBACK", nullptr);
    return out;
  }
  if (sqlite::exec(db, "COMMIT", &out.error) != SQLITE_OK) {
    sqlite::exec(db, "ROLLBACK", nullptr);
    return out;
  }
  out.outcome = commit_outcome::committed;
  out.number = head + 1;
  return out;
}

} // namespace ringbid
