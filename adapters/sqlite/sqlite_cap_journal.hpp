#pragma once
// The cap_journal port on SQLite (table cap_journal, migration 0002): append()
// only queues; one writer thread commits the queue in batches to the node's
// WAL-mode database. read_cap_journal() hands the rows back in order, to rebuild
// the ledger on start and for `ringbid caps`.

#include "actors/ports/cap_journal.hpp"
#include "adapters/sqlite/sqlite_lead_store.hpp"

#include <cstdint>
#include <functional>
#include <memory>
#include <string>

namespace ringbid {

class sqlite_cap_journal final : public cap_journal {
public:
  /// Opens (creating if needed) the database and applies pending migrations.
  /// Returns nullptr and describes why in `*error` (if not null) on failure.
  /// With `notify_durability`, the writer reports each committed batch through
  /// on_durable() (the node, so commits are acknowledged once durable).
  static std::unique_ptr<sqlite_cap_journal> open(const sqlite_options& options, std::string* error,
                                                  bool notify_durability = false);

  /// Writes what is queued and joins the writer thread.
  ~sqlite_cap_journal() override;

  sqlite_cap_journal(const sqlite_cap_journal&) = delete;
  sqlite_cap_journal& operator=(const sqlite_cap_journal&) = delete;

  void append(std::vector<cap_journal_entry> entries) override;
  void flush() override;
  bool notifies_durability() const override;
  void on_durable(std::function<void(uint64_t)> callback) override;

  /// Entries written so far (a row already present is not counted).
  uint64_t written() const;

private:
  struct impl;
  explicit sqlite_cap_journal(std::unique_ptr<impl> state);
  std::unique_ptr<impl> impl_;
};

/// Calls `visit` for every journal row of the database at `path`, in seq order.
/// A database without the table (or no file at all) has an empty journal.
/// False + `*error` when the file cannot be read or a row is malformed.
bool read_cap_journal(const std::string& path, const std::function<void(const cap_journal_entry&)>& visit,
                      std::string* error);

} // namespace ringbid
