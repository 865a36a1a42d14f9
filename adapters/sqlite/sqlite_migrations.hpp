#pragma once
// The lead store's schema migrations, embedded in the binary. The readable
// sources are schemas/sql/NNNN_*.sql; a test checks the two never drift.

#include "adapters/sqlite/sqlite_common.hpp"

#include <span>
#include <string>
#include <string_view>

struct sqlite3;

namespace ringbid {

/// One forward-only schema step: run `sql` to go from `version - 1` to `version`.
struct migration {
  int version;
  std::string_view sql;
};

/// Every migration, in ascending version order starting at 1.
std::span<const migration> lead_store_migrations();

/// Applies every migration newer than the database's schema, recording each in
/// schema_migrations, all in one transaction: all of them or none. Refuses a
/// database whose schema is newer than this build. False + `*error` on failure.
bool apply_lead_store_migrations(sqlite3* db, std::string* error);

/// Opens the node's database at `path` for writing: creates it and its
/// directory if needed, configures it (WAL, `synchronous_full` or NORMAL, busy
/// timeout) and applies pending migrations. nullptr + `*error` on failure.
sqlite::db_ptr open_migrated_writer(const std::string& path, bool synchronous_full, int busy_timeout_ms,
                                    std::string* error);

} // namespace ringbid
