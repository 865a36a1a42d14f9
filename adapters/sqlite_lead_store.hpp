#pragma once
// The lead_store port on SQLite: submit() only queues; one writer thread commits
// the queue in batches (group commit) to a WAL-mode database.

#include "actors/ports.hpp"

#include <cstdint>
#include <memory>
#include <string>

namespace ringbid {

struct sqlite_options {
  std::string path;           ///< the database file; its parent directory is created
  int batch_max = 1000;       ///< most leads written in one transaction
  int batch_interval_ms = 5;  ///< how long a partial batch waits for more leads
  bool synchronous_full = true; ///< synchronous=FULL (survives power loss) or NORMAL
  int busy_timeout_ms = 5000; ///< how long a write waits for another connection's lock
  /// When closing with writes failing (disk full...), how long to keep retrying
  /// before giving up on the unwritten leads, whose ids are then logged to stderr.
  int shutdown_retry_ms = 30000;
};

class sqlite_lead_store final : public lead_store {
public:
  /// Opens (creating if needed) the database and applies pending migrations.
  /// Returns nullptr and describes why in `*error` (if not null) on failure.
  static std::unique_ptr<sqlite_lead_store> open(const sqlite_options& options, std::string* error);

  /// Drains the queue, commits it and joins the writer thread. submit() must not
  /// race with destruction.
  ~sqlite_lead_store() override;

  sqlite_lead_store(const sqlite_lead_store&) = delete;
  sqlite_lead_store& operator=(const sqlite_lead_store&) = delete;

  /// Queues a lead; never blocks on I/O. Thread-safe. A lead whose id is already
  /// stored is a no-op (its journal is not written again either).
  void submit(lead_record lead) override;

  /// Blocks until every lead submitted before the call is committed (or found to
  /// be a duplicate). While writes fail, this waits for them to succeed.
  void flush() override;

  /// Leads inserted so far (duplicates not counted).
  uint64_t committed() const;

  /// Submitted leads found already stored, and so ignored.
  uint64_t duplicates() const;

private:
  struct impl;
  explicit sqlite_lead_store(std::unique_ptr<impl> state);
  std::unique_ptr<impl> impl_;
};

} // namespace ringbid
