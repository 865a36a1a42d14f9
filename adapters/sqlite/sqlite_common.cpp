#include "adapters/sqlite/sqlite_common.hpp"

#include <sqlite3.h>

#include <algorithm>
#include <filesystem>

namespace ringbid::sqlite {

bool create_parent_directory(const std::string& path, std::string* error) {
  auto parent = std::filesystem::path(path).parent_path();
  if (parent.empty()) return true;
  std::error_code ec;
  std::filesystem::create_directories(parent, ec);
  if (ec) {
    *error = "cannot create directory " + parent.string() + ": " + ec.message();
    return false;
  }
  return true;
}

bool configure_writer(sqlite3* db, const std::string& path, bool synchronous_full, int busy_timeout_ms,
                      std::string* error) {
  sqlite3_busy_timeout(db, std::max(0, busy_timeout_ms));
  statement mode;
  if (!mode.prepare(db, "PRAGMA journal_mode=WAL", error)) return false;
  int rc = mode.step();
  if (rc != SQLITE_ROW) {
    *error = error_text(db, rc);
    return false;
  }
  auto journal = mode.column_text(0);
  if (journal != "wal" && !(path == ":memory:" && journal == "memory")) {
    *error = "cannot switch to WAL (journal_mode is " + journal + ")";
    return false;
  }
  const char* sync = synchronous_full ? "PRAGMA synchronous=FULL" : "PRAGMA synchronous=NORMAL";
  if (exec(db, sync, error) != SQLITE_OK) return false;
  if (exec(db, "PRAGMA cache_size=-65536", error) != SQLITE_OK) return false; // KiB
  if (sqlite3_db_readonly(db, "main") == 1) {
    *error = "database is read-only";
    return false;
  }
  return true;
}

void db_closer::operator()(sqlite3* db) const noexcept { sqlite3_close_v2(db); }

void statement::finalizer::operator()(sqlite3_stmt* stmt) const noexcept { sqlite3_finalize(stmt); }

db_ptr open_db(const std::string& path, int flags, std::string* error) {
  sqlite3* raw = nullptr;
  int rc = sqlite3_open_v2(path.c_str(), &raw, flags, nullptr);
  db_ptr db{raw};
  if (rc != SQLITE_OK) {
    if (error) *error = "cannot open " + path + ": " + error_text(raw, rc);
    return nullptr;
  }
  sqlite3_extended_result_codes(raw, 1);
  return db;
}

std::string error_text(sqlite3* db, int rc) {
  bool current = db && (sqlite3_extended_errcode(db) == rc || sqlite3_errcode(db) == rc);
  std::string text = current ? sqlite3_errmsg(db) : sqlite3_errstr(rc);
  return text + " (code " + std::to_string(rc) + ")";
}

int exec(sqlite3* db, const char* sql, std::string* error) {
  int rc = sqlite3_exec(db, sql, nullptr, nullptr, nullptr);
  if (rc != SQLITE_OK && error) *error = error_text(db, rc);
  return rc;
}

uuid_bytes to_bytes(const uuid& id) noexcept {
  uuid_bytes out{};
  for (int i = 0; i < 8; ++i) {
    out[static_cast<size_t>(i)] = static_cast<unsigned char>(id.hi >> (56 - 8 * i));
    out[static_cast<size_t>(i + 8)] = static_cast<unsigned char>(id.lo >> (56 - 8 * i));
  }
  return out;
}

uuid from_bytes(const void* data, size_t size) noexcept {
  uuid id;
  if (data == nullptr || size != 16) return id;
  auto bytes = static_cast<const unsigned char*>(data);
  for (size_t i = 0; i < 8; ++i) {
    id.hi = (id.hi << 8) | bytes[i];
    id.lo = (id.lo << 8) | bytes[i + 8];
  }
  return id;
}

bool statement::prepare(sqlite3* db, std::string_view sql, std::string* error, bool persistent) {
  sqlite3_stmt* raw = nullptr;
  unsigned flags = persistent ? SQLITE_PREPARE_PERSISTENT : 0;
  int rc = sqlite3_prepare_v3(db, sql.data(), static_cast<int>(sql.size()), flags, &raw, nullptr);
  stmt_.reset(raw);
  if (rc != SQLITE_OK || raw == nullptr) {
    if (error) *error = error_text(db, rc);
    return false;
  }
  return true;
}

void statement::bind_int(int index, int64_t value) {
  sqlite3_bind_int64(stmt_.get(), index, static_cast<sqlite3_int64>(value));
}

void statement::bind_text(int index, std::string_view text) {
  // A non-null pointer even for "": a null one would bind NULL, not ''.
  sqlite3_bind_text64(stmt_.get(), index, text.empty() ? "" : text.data(), text.size(), SQLITE_STATIC, SQLITE_UTF8);
}

void statement::bind_blob(int index, const uuid_bytes& bytes) {
  sqlite3_bind_blob(stmt_.get(), index, bytes.data(), static_cast<int>(bytes.size()), SQLITE_STATIC);
}

int statement::step() { return sqlite3_step(stmt_.get()); }

void statement::reset() { sqlite3_reset(stmt_.get()); }

int64_t statement::column_int(int column) const {
  return static_cast<int64_t>(sqlite3_column_int64(stmt_.get(), column));
}

std::string statement::column_text(int column) const {
  auto text = sqlite3_column_text(stmt_.get(), column);
  auto size = sqlite3_column_bytes(stmt_.get(), column);
  if (text == nullptr) return {};
  return std::string(reinterpret_cast<const char*>(text), static_cast<size_t>(size));
}

uuid statement::column_uuid(int column) const {
  auto data = sqlite3_column_blob(stmt_.get(), column);
  auto size = sqlite3_column_bytes(stmt_.get(), column);
  return from_bytes(data, static_cast<size_t>(size));
}

bool statement::column_is_null(int column) const { return sqlite3_column_type(stmt_.get(), column) == SQLITE_NULL; }

double statement::column_double(int column) const { return sqlite3_column_double(stmt_.get(), column); }

} // namespace ringbid::sqlite
