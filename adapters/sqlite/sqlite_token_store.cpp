#include "adapters/sqlite/sqlite_token_store.hpp"

#include "adapters/sqlite/sqlite_common.hpp"
#include "adapters/sqlite/sqlite_migrations.hpp"
#include "adapters/sqlite/token_secret.hpp"

#include <sqlite3.h>

#include <mutex>

namespace ringbid {

namespace {

constexpr int busy_timeout_ms = 5'000;
constexpr const char* token_columns = "id, role, scope_kind, scope_id, label, created_at, created_by, "
                                      "coalesce(revoked_at, 0), coalesce(last_used_at, 0)";

api_token read_token(const sqlite::statement& s) {
  api_token t;
  t.id = s.column_text(0);
  t.role = s.column_text(1);
  t.scope_kind = s.column_text(2);
  t.scope_id = s.column_text(3);
  t.label = s.column_text(4);
  t.created_at = s.column_int(5);
  t.created_by = s.column_text(6);
  t.revoked_at = s.column_int(7);
  t.last_used_at = s.column_int(8);
  return t;
}

} // namespace

struct sqlite_token_store::impl {
  std::mutex mutex;
  sqlite::db_ptr db;
  sqlite::statement insert, list, find, find_by_hash, mark_used, revoke, end_sessions, insert_session, find_session,
    delete_session, sweep_sessions;

  bool prepare(std::string* error) {
    auto* raw = db.get();
    auto select = [](const char* where) {
      return std::string("SELECT ") + token_columns + " FROM api_tokens " + where;
    };
    return insert.prepare(raw,
                          "INSERT INTO api_tokens (id, secret_hash, role, scope_kind, scope_id, label, created_at, "
                          "created_by) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8)",
                          error, true) &&
           list.prepare(raw, select("ORDER BY created_at, id"), error, true) &&
           find.prepare(raw, select("WHERE id = ?1"), error, true) &&
           find_by_hash.prepare(raw, select("WHERE secret_hash = ?1"), error, true) &&
           mark_used.prepare(raw, "UPDATE api_tokens SET last_used_at = ?2 WHERE id = ?1", error, true) &&
           revoke.prepare(raw, "UPDATE api_tokens SET revoked_at = ?2 WHERE id = ?1 AND revoked_at IS NULL", error,
                          true) &&
           end_sessions.prepare(raw, "DELETE FROM api_sessions WHERE token_id = ?1", error, true) &&
           insert_session.prepare(
             raw, "INSERT INTO api_sessions (session_hash, token_id, expires_at) VALUES (?1, ?2, ?3)", error, true) &&
           find_session.prepare(raw,
                                "SELECT token_id, expires_at FROM api_sessions WHERE session_hash = ?1 AND "
                                "expires_at > ?2",
                                error, true) &&
           delete_session.prepare(raw, "DELETE FROM api_sessions WHERE session_hash = ?1", error, true) &&
           sweep_sessions.prepare(raw, "DELETE FROM api_sessions WHERE expires_at <= ?1", error, true);
  }

  /// Runs a prepared write to completion; resets it either way.
  bool run(sqlite::statement& s, std::string* error) {
    int rc = s.step();
    s.reset();
    if (rc != SQLITE_DONE) {
      if (error) *error = sqlite::error_text(db.get(), rc);
      return false;
    }
    return true;
  }

  /// Runs a prepared query for at most one token.
  bool one(sqlite::statement& s, std::optional<api_token>& out, std::string* error) {
    out.reset();
    int rc = s.step();
    if (rc == SQLITE_ROW) {
      out = read_token(s);
      rc = SQLITE_DONE;
    }
    s.reset();
    if (rc != SQLITE_DONE) {
      if (error) *error = sqlite::error_text(db.get(), rc);
      return false;
    }
    return true;
  }
};

sqlite_token_store::sqlite_token_store(std::unique_ptr<impl> state) : impl_(std::move(state)) {}

sqlite_token_store::~sqlite_token_store() = default;

std::shared_ptr<sqlite_token_store> sqlite_token_store::open(const std::string& path, std::string* error) {
  auto state = std::make_unique<impl>();
  state->db = open_migrated_writer(path, true, busy_timeout_ms, error);
  if (!state->db) return nullptr;
  if (!state->prepare(error)) {
    *error = path + ": " + *error;
    return nullptr;
  }
  return std::shared_ptr<sqlite_token_store>(new sqlite_token_store(std::move(state)));
}

std::optional<minted_token> sqlite_token_store::create(const api_token_request& request, timestamp_us now,
                                                       std::string* error) {
  minted_token made;
  made.secret = mint_token_secret();
  auto hash = secret_hash(made.secret);
  auto& t = made.token;
  t.id = random_public_id("tk_", 6);
  t.role = request.role;
  t.scope_kind = request.scope_kind;
  t.scope_id = request.scope_id;
  t.label = request.label;
  t.created_at = now;
  t.created_by = request.created_by;
  std::lock_guard guard{impl_->mutex};
  auto& s = impl_->insert;
  s.bind_text(1, t.id);
  s.bind_text(2, hash);
  s.bind_text(3, t.role);
  s.bind_text(4, t.scope_kind);
  s.bind_text(5, t.scope_id);
  s.bind_text(6, t.label);
  s.bind_int(7, t.created_at);
  s.bind_text(8, t.created_by);
  if (!impl_->run(s, error)) return std::nullopt;
  return made;
}

bool sqlite_token_store::list(std::vector<api_token>& out, std::string* error) {
  std::lock_guard guard{impl_->mutex};
  auto& s = impl_->list;
  out.clear();
  int rc = 0;
  while ((rc = s.step()) == SQLITE_ROW) out.push_back(read_token(s));
  s.reset();
  if (rc != SQLITE_DONE) {
    if (error) *error = sqlite::error_text(impl_->db.get(), rc);
    return false;
  }
  return true;
}

bool sqlite_token_store::find(const std::string& id, std::optional<api_token>& out, std::string* error) {
  std::lock_guard guard{impl_->mutex};
  impl_->find.bind_text(1, id);
  return impl_->one(impl_->find, out, error);
}

bool sqlite_token_store::find_by_secret(std::string_view secret, std::optional<api_token>& out, std::string* error) {
  auto hash = secret_hash(secret);
  std::lock_guard guard{impl_->mutex};
  impl_->find_by_hash.bind_text(1, hash);
  return impl_->one(impl_->find_by_hash, out, error);
}

bool sqlite_token_store::mark_used(const std::string& id, timestamp_us at, std::string* error) {
  std::lock_guard guard{impl_->mutex};
  auto& s = impl_->mark_used;
  s.bind_text(1, id);
  s.bind_int(2, at);
  return impl_->run(s, error);
}

token_store::revoke_result sqlite_token_store::revoke(const std::string& id, timestamp_us now, std::string* error) {
  std::lock_guard guard{impl_->mutex};
  auto* db = impl_->db.get();
  if (sqlite::exec(db, "BEGIN IMMEDIATE", error) != SQLITE_OK) return revoke_result::failed;
  auto& r = impl_->revoke;
  r.bind_text(1, id);
  r.bind_int(2, now);
  bool ok = impl_->run(r, error);
  bool changed = ok && sqlite3_changes(db) > 0;
  if (ok) {
    impl_->end_sessions.bind_text(1, id);
    ok = impl_->run(impl_->end_sessions, error);
  }
  if (!ok || sqlite::exec(db, "COMMIT", error) != SQLITE_OK) {
    sqlite::exec(db, "ROLLBACK", nullptr);
    return revoke_result::failed;
  }
  if (changed) return revoke_result::revoked;
  std::optional<api_token> row;
  impl_->find.bind_text(1, id);
  if (!impl_->one(impl_->find, row, error)) return revoke_result::failed;
  return row ? revoke_result::already_revoked : revoke_result::unknown;
}

std::optional<std::string> sqlite_token_store::create_session(const std::string& token_id, timestamp_us now,
                                                              timestamp_us expires_at, std::string* error) {
  auto id = mint_session_id();
  auto hash = secret_hash(id);
  std::lock_guard guard{impl_->mutex};
  impl_->sweep_sessions.bind_int(1, now);
  if (!impl_->run(impl_->sweep_sessions, error)) return std::nullopt;
  auto& s = impl_->insert_session;
  s.bind_text(1, hash);
  s.bind_text(2, token_id);
  s.bind_int(3, expires_at);
  if (!impl_->run(s, error)) return std::nullopt;
  return id;
}

bool sqlite_token_store::find_session(std::string_view session_id, timestamp_us now, std::optional<api_session>& out,
                                      std::string* error) {
  auto hash = secret_hash(session_id);
  std::lock_guard guard{impl_->mutex};
  auto& s = impl_->find_session;
  s.bind_text(1, hash);
  s.bind_int(2, now);
  out.reset();
  int rc = s.step();
  if (rc == SQLITE_ROW) {
    out = api_session{s.column_text(0), s.column_int(1)};
    rc = SQLITE_DONE;
  }
  s.reset();
  if (rc != SQLITE_DONE) {
    if (error) *error = sqlite::error_text(impl_->db.get(), rc);
    return false;
  }
  return true;
}

bool sqlite_token_store::delete_session(std::string_view session_id, std::string* error) {
  auto hash = secret_hash(session_id);
  std::lock_guard guard{impl_->mutex};
  impl_->delete_session.bind_text(1, hash);
  return impl_->run(impl_->delete_session, error);
}

} // namespace ringbid
