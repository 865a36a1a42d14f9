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

/// What keep_event did with an event.
struct event_keeping {
  uint64_t seq = 0;       ///< its place in the inbox; 0: not kept
  bool duplicate = false; ///< not kept: the same carrier event id is kept already
  /// Not kept and not a duplicate: its call is not live (over, or unknown).
  bool call_not_live() const { return seq == 0 && !duplicate; }
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

  /// Keeps the call's whole state (adopted from it after a restart) with its
  /// provisional lead. Thread-safe; never blocks on I/O.
  void checkpoint(call_snapshot snapshot, lead_record provisional) override;

  /// Notes durably that the carrier announced a call, as call `id`, before the
  /// engine hears of it. `durable(noted)` runs on the writer's thread once
  /// committed (never, if the store gives up on it while closing): noted is
  /// false when the carrier call id is live already or has its lead (within 10
  /// minutes): then it is not a new call. A node that dies after this adopts
  /// the call on restart. Thread-safe.
  void note_call_started(const carrier_event& initiated, call_id id, timestamp_us at,
                         std::function<void(bool noted)> durable);

  /// Keeps a carrier event of a live call in the call inbox (replayed to the
  /// call if another process adopts it before handling it). `durable` runs on
  /// the writer's thread once committed. Thread-safe.
  void keep_event(carrier_event event, std::string event_id, std::function<void(event_keeping)> durable);

  /// Starts incarnation n+1 of `node` and makes it the owner of every live
  /// call in the database; every live row written from now on carries it, and
  /// a row written by a newer incarnation is never overwritten (the fence).
  /// Blocks until committed; returns the incarnation (0 if the store gave up).
  uint64_t claim_live_calls(const std::string& node);
  uint64_t incarnation() const;

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
