#pragma once
// The lead_store port on SQLite: submit() only queues; one writer thread commits
// the queue in batches (group commit) to a WAL-mode database.

#include "actors/ports/ports.hpp"

#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <vector>

namespace ringbid {

struct sqlite_options {
  std::string path;             ///< the database file; its parent directory is created
  int batch_max = 1000;         ///< most leads written in one transaction
  int batch_interval_ms = 5;    ///< how long a partial batch waits for more leads
  bool synchronous_full = true; ///< synchronous=FULL (survives power loss) or NORMAL
  int busy_timeout_ms = 5000;   ///< how long a write waits for another connection's lock
  /// When closing with writes failing (disk full...), how long to keep retrying
  /// before giving up on the unwritten leads, whose ids are then logged to stderr.
  int shutdown_retry_ms = 30000;
  /// Report commits through on_committed() (the node: a call's lead is
  /// acknowledged only once durable). Off, a submitted lead counts at once.
  bool notify_commits = false;
};

/// A call the previous process left live, booked as interrupted on start.
struct recovered_call {
  std::string carrier_call_id;
  call_id id;
  call_state last_state = call_state::greeting; ///< the last state the dead node knew of
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

  /// Replaces the call's provisional lead in live_calls (unless a newer one or
  /// the call's lead is stored). Thread-safe; never blocks on I/O.
  void track(lead_record provisional, call_state state) override;

  bool notifies_commits() const override;
  void on_committed(std::function<void(std::vector<call_id>)> callback) override;

  /// Notes durably that the carrier announced a call, before the engine has
  /// named it; `durable` runs on the writer's thread once that is committed
  /// (never, if the store gives up on it while closing). A node that dies after
  /// this books the call as interrupted on restart. Thread-safe.
  void note_call_started(std::string carrier_call_id, std::string did, std::string caller, timestamp_us at,
                         std::function<void()> durable);

  /// Books every call the previous process left live as an interrupted lead
  /// with its last known state, deleting its live_calls row in the same
  /// transaction, and blocks until that is committed. Call once at start,
  /// before any call is taken (a live call of this process would be booked
  /// too). Idempotent: a crash midway is recovered by the next start. On a read
  /// failure returns nothing and fills `*error`.
  std::vector<recovered_call> recover_interrupted(timestamp_us now, std::string* error);

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
