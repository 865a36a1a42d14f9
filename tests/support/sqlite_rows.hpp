#pragma once
// Reading a node's SQLite database from a test while the node may still be
// writing it (read-only, waiting out its locks).

#include <sqlite3.h>

#include <string>
#include <vector>

namespace ringbid::test {

/// Rows of one query on the node's database, each as its text columns.
inline std::vector<std::vector<std::string>> query(const std::string& db_path, const std::string& sql) {
  std::vector<std::vector<std::string>> rows;
  sqlite3* db = nullptr;
  if (sqlite3_open_v2(db_path.c_str(), &db, SQLITE_OPEN_READONLY, nullptr) != SQLITE_OK) {
    sqlite3_close(db);
    return rows;
  }
  sqlite3_busy_timeout(db, 5000);
  sqlite3_stmt* st = nullptr;
  if (sqlite3_prepare_v2(db, sql.c_str(), -1, &st, nullptr) == SQLITE_OK) {
    while (sqlite3_step(st) == SQLITE_ROW) {
      std::vector<std::string> row;
      for (int i = 0; i < sqlite3_column_count(st); ++i) {
        auto text = sqlite3_column_text(st, i);
        row.emplace_back(text ? reinterpret_cast<const char*>(text) : "");
      }
      rows.push_back(std::move(row));
    }
  }
  sqlite3_finalize(st);
  sqlite3_close(db);
  return rows;
}

inline size_t count_rows(const std::string& db_path, const std::string& table) {
  auto rows = query(db_path, "SELECT count(*) FROM " + table);
  return rows.empty() ? 0 : std::stoul(rows[0][0]);
}

} // namespace ringbid::test
