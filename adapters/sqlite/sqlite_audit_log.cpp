#include "adapters/sqlite/sqlite_audit_log.hpp"

#include "adapters/sqlite/sqlite_common.hpp"
#include "adapters/sqlite/sqlite_migrations.hpp"

#include <sqlite3.h>

#include <algorithm>
#include <mutex>

namespace ringbid {

namespace {

constexpr int busy_timeout_ms = 5'000;
constexpr size_t max_page = 1'000;

} // namespace

struct sqlite_audit_log::impl {
  std::mutex mutex;
  sqlite::db_ptr db;
  sqlite::statement insert, select;

  bool prepare(std::string* error) {
    auto* raw = db.get();
    // One query for every filter: a parameter left at 0 or '' selects anything.
    return insert.prepare(raw,
                          "INSERT INTO audit_log (at, token_id, role, address, action, entity_kind, entity_id, "
                          "revision, detail) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9)",
                          error, true) &&
           select.prepare(raw,
                          "SELECT id, at, token_id, role, address, action, entity_kind, entity_id, revision, detail "
                          "FROM audit_log WHERE (?1 = 0 OR at >= ?1) AND (?2 = 0 OR at < ?2) "
                          "AND (?3 = '' OR entity_kind = ?3) AND (?4 = '' OR entity_id = ?4) "
                          "AND (?5 = '' OR token_id = ?5) AND (?6 = 0 OR id < ?6) ORDER BY id DESC LIMIT ?7",
                          error, true);
  }
};

sqlite_audit_log::sqlite_audit_log(std::unique_ptr<impl> state) : impl_(std::move(state)) {}

sqlite_audit_log::~sqlite_audit_log() = default;

std::shared_ptr<sqlite_audit_log> sqlite_audit_log::open(const std::string& path, std::string* error) {
  auto state = std::make_unique<impl>();
  state->db = open_migrated_writer(path, true, busy_timeout_ms, error);
  if (!state->db) return nullptr;
  if (!state->prepare(error)) {
    *error = path + ": " + *error;
    return nullptr;
  }
  return std::shared_ptr<sqlite_audit_log>(new sqlite_audit_log(std::move(state)));
}

bool sqlite_audit_log::append(audit_entry& entry, std::string* error) {
  if (entry.detail.empty()) entry.detail = "{}";
  std::lock_guard guard{impl_->mutex};
  auto& s = impl_->insert;
  s.bind_int(1, entry.at);
  s.bind_text(2, entry.token_id);
  s.bind_text(3, entry.role);
  s.bind_text(4, entry.address);
  s.bind_text(5, entry.action);
  s.bind_text(6, entry.entity_kind);
  s.bind_text(7, entry.entity_id);
  s.bind_int(8, entry.revision);
  s.bind_text(9, entry.detail);
  int rc = s.step();
  s.reset();
  if (rc != SQLITE_DONE) {
    if (error) *error = sqlite::error_text(impl_->db.get(), rc);
    return false;
  }
  entry.id = sqlite3_last_insert_rowid(impl_->db.get());
  return true;
}

bool sqlite_audit_log::list(const audit_filter& filter, audit_page& out, std::string* error) {
  out = {};
  auto limit = std::min(std::max<size_t>(filter.limit, 1), max_page);
  std::lock_guard guard{impl_->mutex};
  auto& s = impl_->select;
  s.bind_int(1, filter.since);
  s.bind_int(2, filter.until);
  s.bind_text(3, filter.entity_kind);
  s.bind_text(4, filter.entity_id);
  s.bind_text(5, filter.token_id);
  s.bind_int(6, filter.before_id);
  s.bind_int(7, static_cast<int64_t>(limit + 1)); // one more says whether a next page exists
  int rc = 0;
  while ((rc = s.step()) == SQLITE_ROW) {
    audit_entry e;
    e.id = s.column_int(0);
    e.at = s.column_int(1);
    e.token_id = s.column_text(2);
    e.role = s.column_text(3);
    e.address = s.column_text(4);
    e.action = s.column_text(5);
    e.entity_kind = s.column_text(6);
    e.entity_id = s.column_text(7);
    e.revision = s.column_int(8);
    e.detail = s.column_text(9);
    out.items.push_back(std::move(e));
  }
  s.reset();
  if (rc != SQLITE_DONE) {
    out = {};
    if (error) *error = sqlite::error_text(impl_->db.get(), rc);
    return false;
  }
  if (out.items.size() > limit) {
    out.items.resize(limit);
    out.next_cursor = out.items.back().id;
  }
  return true;
}

} // namespace ringbid
