#include "adapters/sqlite/sqlite_cap_journal.hpp"

#include "adapters/sqlite/sqlite_common.hpp"
#include "adapters/sqlite/sqlite_migrations.hpp"

#include <sqlite3.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <condition_variable>
#include <cstdio>
#include <filesystem>
#include <mutex>
#include <optional>
#include <thread>
#include <vector>

namespace ringbid {

namespace {

using steady = std::chrono::steady_clock;
using std::chrono::milliseconds;

constexpr const char* insert_sql =
  "INSERT OR IGNORE INTO cap_journal (seq, at, op, token, call_id, campaign_id, source_id, buyer_id, "
  "lease_until, stage, amount_micros) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11)";

constexpr const char* select_sql =
  "SELECT seq, at, op, token, call_id, campaign_id, source_id, buyer_id, lease_until, stage, amount_micros "
  "FROM cap_journal ORDER BY seq";

void log_line(const std::string& text) { std::fprintf(stderr, "ringbid sqlite_cap_journal: %s\n", text.c_str()); }

std::optional<cap_op> op_from(std::string_view s) {
  for (auto op : {cap_op::reserve, cap_op::hold, cap_op::commit, cap_op::release, cap_op::expire, cap_op::renew})
    if (to_string(op) == s) return op;
  return std::nullopt;
}

std::optional<count_stage> stage_from(std::string_view s) {
  for (auto st : {count_stage::none, count_stage::routed, count_stage::bridged, count_stage::converted})
    if (to_string(st) == s) return st;
  return std::nullopt;
}

} // namespace

struct sqlite_cap_journal::impl {
  sqlite_options options;
  size_t batch_max = 1;
  sqlite::db_ptr db;
  sqlite::statement begin, commit, rollback, insert;

  std::mutex mutex;
  std::condition_variable work_ready;
  std::condition_variable work_done;
  std::vector<cap_journal_entry> queue; ///< guarded by mutex, like the four below
  uint64_t appended = 0;
  uint64_t settled = 0;
  int flush_waiters = 0;
  bool stopping = false;
  std::atomic<uint64_t> written{0};
  bool notify = false;
  std::mutex callback_mutex;
  std::function<void(uint64_t)> durable; ///< guarded by callback_mutex

  std::vector<cap_journal_entry> batch; ///< writer thread only
  std::thread writer;

  bool prepare(std::string* error) {
    auto* raw = db.get();
    return begin.prepare(raw, "BEGIN IMMEDIATE", error, true) && commit.prepare(raw, "COMMIT", error, true) &&
           rollback.prepare(raw, "ROLLBACK", error, true) && insert.prepare(raw, insert_sql, error, true);
  }

  void run() {
    std::unique_lock lock(mutex);
    for (;;) {
      work_ready.wait(lock, [this] { return stopping || !queue.empty(); });
      if (queue.empty()) return;
      if (options.batch_interval_ms > 0) // group commit: let a partial batch fill up
        work_ready.wait_for(lock, milliseconds(options.batch_interval_ms),
                            [this] { return stopping || flush_waiters > 0 || queue.size() >= batch_max; });
      batch.swap(queue);
      queue.clear();
      lock.unlock();
      if (write_with_retry()) report_durable();
      lock.lock();
      settled += batch.size();
      batch.clear();
      work_done.notify_all();
    }
  }

  /// Retries a failing batch with back-off, logging each kind of failure once;
  /// when closing, gives up after shutdown_retry_ms (loudly).
  void report_durable() {
    if (!notify || batch.empty()) return;
    uint64_t seq = 0;
    for (const auto& e : batch) seq = std::max(seq, e.seq);
    std::lock_guard guard(callback_mutex);
    if (durable) durable(seq);
  }

  /// True once the batch is written; false when it was given up on.
  bool write_with_retry() {
    auto delay = milliseconds{10};
    std::optional<steady::time_point> give_up_at;
    int logged_rc = SQLITE_OK;
    for (;;) {
      std::string error;
      int rc = write_batch(error);
      if (rc == SQLITE_OK) {
        if (logged_rc != SQLITE_OK) log_line("writes recovered");
        return true;
      }
      if (rc != logged_rc)
        log_line("writing " + std::to_string(batch.size()) + " entries failed, will retry: " + error);
      logged_rc = rc;
      bool closing;
      {
        std::unique_lock lock(mutex);
        closing = work_ready.wait_for(lock, delay, [this] { return stopping; });
      }
      if (closing) {
        auto now = steady::now();
        if (!give_up_at) give_up_at = now + milliseconds(std::max(0, options.shutdown_retry_ms));
        if (now >= *give_up_at) {
          log_line("closing: giving up on " + std::to_string(batch.size()) + " unwritten journal entries");
          return false;
        }
        std::this_thread::sleep_for(delay);
      }
      delay = std::min(delay * 2, milliseconds{1000});
    }
  }

  int write_batch(std::string& error) {
    auto* raw = db.get();
    int rc = begin.step();
    begin.reset();
    if (rc != SQLITE_DONE) {
      error = sqlite::error_text(raw, rc);
      return rc;
    }
    uint64_t inserted = 0;
    for (const auto& e : batch) {
      auto op = to_string(e.op);
      auto stage = to_string(e.stage);
      auto call = e.call.to_string();
      insert.bind_int(1, static_cast<int64_t>(e.seq));
      insert.bind_int(2, e.at);
      insert.bind_text(3, op);
      insert.bind_int(4, static_cast<int64_t>(e.token));
      insert.bind_text(5, call);
      insert.bind_text(6, e.campaign_id);
      insert.bind_text(7, e.source_id);
      insert.bind_text(8, e.buyer_id);
      insert.bind_int(9, e.lease_until);
      insert.bind_text(10, stage);
      insert.bind_int(11, e.amount_micros);
      rc = insert.step();
      insert.reset();
      if (rc != SQLITE_DONE) {
        error = sqlite::error_text(raw, rc);
        rollback.step();
        rollback.reset();
        return rc;
      }
      inserted += static_cast<uint64_t>(sqlite3_changes(raw));
    }
    rc = commit.step();
    commit.reset();
    if (rc != SQLITE_DONE) {
      error = sqlite::error_text(raw, rc);
      rollback.step();
      rollback.reset();
      return rc;
    }
    written.fetch_add(inserted, std::memory_order_relaxed);
    return SQLITE_OK;
  }
};

std::unique_ptr<sqlite_cap_journal> sqlite_cap_journal::open(const sqlite_options& options, std::string* error,
                                                             bool notify_durability) {
  std::string scratch;
  std::string* err = error ? error : &scratch;
  auto state = std::make_unique<impl>();
  state->options = options;
  state->batch_max = static_cast<size_t>(std::max(1, options.batch_max));
  state->notify = notify_durability;
  state->db = open_migrated_writer(options.path, options.synchronous_full, options.busy_timeout_ms, err);
  if (!state->db) return nullptr;
  if (!state->prepare(err)) {
    *err = options.path + ": " + *err;
    return nullptr;
  }
  std::unique_ptr<sqlite_cap_journal> journal{new sqlite_cap_journal(std::move(state))};
  auto* self = journal->impl_.get();
  self->writer = std::thread([self] { self->run(); });
  return journal;
}

sqlite_cap_journal::sqlite_cap_journal(std::unique_ptr<impl> state) : impl_(std::move(state)) {}

sqlite_cap_journal::~sqlite_cap_journal() {
  {
    std::lock_guard lock(impl_->mutex);
    impl_->stopping = true;
  }
  impl_->work_ready.notify_all();
  if (impl_->writer.joinable()) impl_->writer.join();
}

void sqlite_cap_journal::append(std::vector<cap_journal_entry> entries) {
  if (entries.empty()) return;
  bool was_empty;
  {
    std::lock_guard lock(impl_->mutex);
    impl_->appended += entries.size();
    was_empty = impl_->queue.empty();
    if (was_empty)
      impl_->queue = std::move(entries);
    else
      impl_->queue.insert(impl_->queue.end(), std::make_move_iterator(entries.begin()),
                          std::make_move_iterator(entries.end()));
  }
  // The writer waits for a non-empty queue (then lingers for the batch), so
  // only the first entry of a batch needs to wake it: no syscall per decision.
  if (was_empty) impl_->work_ready.notify_one();
}

void sqlite_cap_journal::flush() {
  std::unique_lock lock(impl_->mutex);
  auto target = impl_->appended;
  ++impl_->flush_waiters;
  impl_->work_ready.notify_all();
  impl_->work_done.wait(lock, [&] { return impl_->settled >= target; });
  --impl_->flush_waiters;
}

bool sqlite_cap_journal::notifies_durability() const { return impl_->notify; }

void sqlite_cap_journal::on_durable(std::function<void(uint64_t)> callback) {
  std::lock_guard guard(impl_->callback_mutex);
  impl_->durable = std::move(callback);
}

uint64_t sqlite_cap_journal::written() const { return impl_->written.load(std::memory_order_relaxed); }

bool read_cap_journal(const std::string& path, const std::function<void(const cap_journal_entry&)>& visit,
                      std::string* error) {
  std::string scratch;
  std::string* err = error ? error : &scratch;
  std::error_code ec;
  if (!std::filesystem::exists(path, ec)) return true; // nothing journaled yet
  auto db = sqlite::open_db(path, SQLITE_OPEN_READONLY | SQLITE_OPEN_NOMUTEX, err);
  if (!db) return false;
  sqlite3_busy_timeout(db.get(), 5000);
  sqlite::statement exists;
  if (!exists.prepare(db.get(), "SELECT count(*) FROM sqlite_master WHERE type='table' AND name='cap_journal'", err))
    return false;
  if (exists.step() != SQLITE_ROW) {
    *err = sqlite::error_text(db.get(), SQLITE_ERROR);
    return false;
  }
  if (exists.column_int(0) == 0) return true;
  sqlite::statement rows;
  if (!rows.prepare(db.get(), select_sql, err)) return false;
  int rc;
  while ((rc = rows.step()) == SQLITE_ROW) {
    cap_journal_entry e;
    e.seq = static_cast<uint64_t>(rows.column_int(0));
    e.at = rows.column_int(1);
    auto op = op_from(rows.column_text(2));
    auto stage = stage_from(rows.column_text(9));
    if (!op || !stage) {
      *err = path + ": cap_journal row " + std::to_string(e.seq) + " is malformed";
      return false;
    }
    e.op = *op;
    e.token = static_cast<uint64_t>(rows.column_int(3));
    auto call = rows.column_text(4);
    auto id = uuid::parse(call);
    if (!id && !call.empty()) {
      *err = path + ": cap_journal row " + std::to_string(e.seq) + " has a malformed call id";
      return false;
    }
    e.call = id.value_or(uuid{});
    e.campaign_id = rows.column_text(5);
    e.source_id = rows.column_text(6);
    e.buyer_id = rows.column_text(7);
    e.lease_until = rows.column_int(8);
    e.stage = *stage;
    e.amount_micros = rows.column_int(10);
    visit(e);
  }
  if (rc != SQLITE_DONE) {
    *err = sqlite::error_text(db.get(), rc);
    return false;
  }
  return true;
}

} // namespace ringbid
