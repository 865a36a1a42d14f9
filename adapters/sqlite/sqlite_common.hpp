#pragma once
// Small RAII helpers shared by the SQLite adapters. Only forward declarations of
// the sqlite3 types appear here; the SQLite header itself is included by .cpp files alone.

#include "protocol/ids.hpp"

#include <array>
#include <cstddef>
#include <cstdint>
#include <memory>
#include <string>
#include <string_view>

struct sqlite3;
struct sqlite3_stmt;

namespace ringbid::sqlite {

struct db_closer {
  void operator()(sqlite3* db) const noexcept;
};

/// An open connection; closing it on destruction.
using db_ptr = std::unique_ptr<sqlite3, db_closer>;

/// Opens `path` with sqlite3_open_v2 `flags`, extended result codes on. On
/// failure returns nullptr and describes why in `*error` (if not null).
db_ptr open_db(const std::string& path, int flags, std::string* error);

/// "message (code N)" for `rc`, using the connection's last message if it has one.
std::string error_text(sqlite3* db, int rc);

/// Creates the parent directory of a database file. False + `*error` on failure.
bool create_parent_directory(const std::string& path, std::string* error);

/// Sets up a writing connection: WAL, synchronous FULL or NORMAL, a 64 MiB page
/// cache, a busy timeout; refuses a read-only database. False + `*error` on failure.
bool configure_writer(sqlite3* db, const std::string& path, bool synchronous_full, int busy_timeout_ms,
                      std::string* error);

/// Runs SQL that returns no rows. Returns the result code; on failure fills `*error`.
int exec(sqlite3* db, const char* sql, std::string* error);

/// A UUID as stored: 16 bytes, hi word then lo word, big-endian, so that
/// byte order (SQLite's BLOB order) equals creation order for UUIDv7.
using uuid_bytes = std::array<unsigned char, 16>;
uuid_bytes to_bytes(const uuid& id) noexcept;
/// Inverse of to_bytes; a blob of any other size gives the nil uuid.
uuid from_bytes(const void* data, size_t size) noexcept;

/// The enumerator whose to_string() is `text` (as stored), or `fallback` (a
/// name written by a newer build). `last` is the highest enumerator.
template <class Enum>
Enum parse_enum(std::string_view text, Enum last, Enum fallback) {
  for (int i = 0; i <= static_cast<int>(last); ++i) {
    auto value = static_cast<Enum>(i);
    if (to_string(value) == text) return value;
  }
  return fallback;
}

/// A prepared statement, finalized on destruction. Binds never copy: whatever is
/// bound must stay alive until the next reset().
class statement {
public:
  statement() = default;

  /// Compiles `sql` (for reuse if `persistent`). False + `*error` on failure.
  bool prepare(sqlite3* db, std::string_view sql, std::string* error, bool persistent = false);

  void bind_int(int index, int64_t value);
  void bind_text(int index, std::string_view text);
  void bind_blob(int index, const uuid_bytes& bytes);

  /// sqlite3_step: SQLITE_ROW, SQLITE_DONE or an error code.
  int step();
  /// Makes the statement runnable again. Bindings are kept.
  void reset();

  int64_t column_int(int column) const;
  std::string column_text(int column) const;
  uuid column_uuid(int column) const;
  bool column_is_null(int column) const;
  double column_double(int column) const;

  sqlite3_stmt* get() const noexcept { return stmt_.get(); }

private:
  struct finalizer {
    void operator()(sqlite3_stmt* stmt) const noexcept;
  };
  std::unique_ptr<sqlite3_stmt, finalizer> stmt_;
};

} // namespace ringbid::sqlite
