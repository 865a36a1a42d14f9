#pragma once
// The audit_log port on the node's SQLite database (migration 0008, table
// audit_log, which refuses UPDATE and DELETE).

#include "actors/ports/audit_log.hpp"

#include <memory>
#include <string>

namespace ringbid {

class sqlite_audit_log final : public audit_log {
public:
  /// Opens (creating and migrating if needed) the database at `path`;
  /// ":memory:" gives a private in-memory one. nullptr + `*error` on failure.
  static std::shared_ptr<sqlite_audit_log> open(const std::string& path, std::string* error);
  ~sqlite_audit_log() override;
  sqlite_audit_log(const sqlite_audit_log&) = delete;
  sqlite_audit_log& operator=(const sqlite_audit_log&) = delete;

  bool append(audit_entry& entry, std::string* error) override;
  bool list(const audit_filter& filter, audit_page& out, std::string* error) override;

private:
  struct impl;
  explicit sqlite_audit_log(std::unique_ptr<impl> state);
  std::unique_ptr<impl> impl_;
};

} // namespace ringbid
