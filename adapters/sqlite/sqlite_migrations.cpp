#include "adapters/sqlite/sqlite_migrations.hpp"

#include "adapters/sqlite/sqlite_common.hpp"
#include "generated/migration_0001.hpp"
#include "generated/migration_0002.hpp"
#include "generated/migration_0003.hpp"
#include "generated/migration_0004.hpp"
#include "generated/migration_0005.hpp"
#include "generated/migration_0006.hpp"
#include "generated/migration_0007.hpp"
#include "generated/migration_0008.hpp"
#include "generated/migration_0009.hpp"

#include <sqlite3.h>

#include <array>
#include <chrono>
#include <string>

namespace ringbid {

namespace {

// The SQL files in schemas/sql/ are compiled in at build time (cmake/EmbedText.cmake).
constexpr std::string_view migration_0001 = embedded::migration_0001;
constexpr std::string_view migration_0002 = embedded::migration_0002;
constexpr std::string_view migration_0003 = embedded::migration_0003;
constexpr std::string_view migration_0004 = embedded::migration_0004;
constexpr std::string_view migration_0005 = embedded::migration_0005;
constexpr std::string_view migration_0006 = embedded::migration_0006;
constexpr std::string_view migration_0007 = embedded::migration_0007;
constexpr std::string_view migration_0008 = embedded::migration_0008;
constexpr std::string_view migration_0009 = embedded::migration_0009;

constexpr std::array<migration, 9> migrations{{
  {1, migration_0001},
  {2, migration_0002},
  {3, migration_0003},
  {4, migration_0004},
  {5, migration_0005},
  {6, migration_0006},
  {7, migration_0007},
  {8, migration_0008},
  {9, migration_0009},
}};

int64_t unix_now_us() {
  using namespace std::chrono;
  return duration_cast<microseconds>(system_clock::now().time_since_epoch()).count();
}

/// The highest applied migration, 0 on a fresh database, -1 on error.
int schema_version(sqlite3* db, std::string* error) {
  sqlite::statement exists;
  if (!exists.prepare(db,
                      "SELECT count(*) FROM sqlite_master WHERE type='table' AND "
                      "name='schema_migrations'",
                      error))
    return -1;
  if (exists.step() != SQLITE_ROW) return -1;
  if (exists.column_int(0) == 0) return 0;
  sqlite::statement latest;
  if (!latest.prepare(db, "SELECT coalesce(max(version), 0) FROM schema_migrations", error)) return -1;
  if (latest.step() != SQLITE_ROW) return -1;
  return static_cast<int>(latest.column_int(0));
}

bool apply_pending(sqlite3* db, std::string* error) {
  int current = schema_version(db, error);
  if (current < 0) return false;
  auto all = lead_store_migrations();
  if (!all.empty() && current > all.back().version) {
    *error =
      "schema version " + std::to_string(current) + " is newer than this build's " + std::to_string(all.back().version);
    return false;
  }
  for (const auto& step : all) {
    if (step.version <= current) continue;
    std::string sql{step.sql};
    if (sqlite::exec(db, sql.c_str(), error) != SQLITE_OK) {
      *error = "migration " + std::to_string(step.version) + ": " + *error;
      return false;
    }
    sqlite::statement record;
    if (!record.prepare(db, "INSERT INTO schema_migrations (version, applied_at) VALUES (?1, ?2)", error)) return false;
    record.bind_int(1, step.version);
    record.bind_int(2, unix_now_us());
    if (int rc = record.step(); rc != SQLITE_DONE) {
      *error = sqlite::error_text(db, rc);
      return false;
    }
  }
  return true;
}

} // namespace

bool apply_lead_store_migrations(sqlite3* db, std::string* error) {
  std::string scratch;
  if (error == nullptr) error = &scratch;
  if (sqlite::exec(db, "BEGIN IMMEDIATE", error) != SQLITE_OK) return false;
  if (!apply_pending(db, error) || sqlite::exec(db, "COMMIT", error) != SQLITE_OK) {
    sqlite::exec(db, "ROLLBACK", nullptr);
    return false;
  }
  return true;
}

std::span<const migration> lead_store_migrations() { return migrations; }

sqlite::db_ptr open_migrated_writer(const std::string& path, bool synchronous_full, int busy_timeout_ms,
                                    std::string* error) {
  if (path.empty()) {
    *error = "no database path given";
    return nullptr;
  }
  if (!sqlite::create_parent_directory(path, error)) return nullptr;
  auto db = sqlite::open_db(path, SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE | SQLITE_OPEN_NOMUTEX, error);
  if (!db) return nullptr;
  if (!sqlite::configure_writer(db.get(), path, synchronous_full, busy_timeout_ms, error) ||
      !apply_lead_store_migrations(db.get(), error)) {
    *error = path + ": " + *error;
    return nullptr;
  }
  return db;
}

} // namespace ringbid
