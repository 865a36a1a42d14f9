#include "adapters/sqlite_lead_store.hpp"

#include "adapters/sqlite_common.hpp"
#include "adapters/sqlite_migrations.hpp"

#include <sqlite3.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <condition_variable>
#include <cstdio>
#include <deque>
#include <filesystem>
#include <mutex>
#include <optional>
#include <set>
#include <thread>
#include <vector>

namespace ringbid {

namespace {

using steady = std::chrono::steady_clock;
using std::chrono::milliseconds;

constexpr const char* insert_lead_sql =
  "INSERT OR IGNORE INTO leads (id, id_text, carrier_call_id, did, caller, campaign_id, source_id, "
  "buyer_id, destination, outcome, ended_in, started_at, answered_at, bridged_at, ended_at, hold_ms, "
  "talk_ms, bid_micros, revenue_micros, payout_micros, auction_rounds, transfer_attempts, "
  "auction_latency_us, hangup_cause, hangup_source, recording_url, caller_state, area_code, converted, "
  "billing_note, caller_hash, tags, ivr) "
  "VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13, ?14, ?15, ?16, ?17, ?18, ?19, "
  "?20, ?21, ?22, ?23, ?24, ?25, ?26, ?27, ?28, ?29, ?30, ?31, ?32, ?33)";

constexpr const char* insert_event_sql =
  "INSERT OR IGNORE INTO call_events (call_id, seq, at, state, note) VALUES (?1, ?2, ?3, ?4, ?5)";

constexpr const char* insert_round_sql =
  "INSERT OR IGNORE INTO auction_rounds (call_id, round, strategy, clearing, opened_at, closed_at, deadline_ms, "
  "floor_micros, winner, winning_bid_micros, clearing_price_micros) "
  "VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11)";

constexpr const char* insert_entry_sql =
  "INSERT OR IGNORE INTO auction_entries (call_id, round, seq, buyer_id, verdict, reason, bid_micros, "
  "price_micros, latency_us, transport_us, rank, fixed) "
  "VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12)";

constexpr milliseconds first_backoff{10};
constexpr milliseconds max_backoff{1000};

std::string join_tags(const std::vector<std::string>& tags) {
  std::string out;
  for (const auto& t : tags) {
    if (!out.empty()) out += ',';
    out += t;
  }
  return out;
}

/// IVR answers as a JSON object ({"zip":"78701"}), '' when there are none.
std::string ivr_json(const std::vector<ivr_answer>& answers) {
  if (answers.empty()) return {};
  auto quoted = [](const std::string& s) {
    std::string out = "\"";
    for (char c : s) {
      if (c == '"' || c == '\\') out += '\\';
      if (static_cast<unsigned char>(c) < 0x20) {
        char buf[8];
        std::snprintf(buf, sizeof buf, "\\u%04x", static_cast<unsigned char>(c));
        out += buf;
        continue;
      }
      out += c;
    }
    return out + "\"";
  };
  std::string out = "{";
  for (size_t i = 0; i < answers.size(); ++i) {
    if (i > 0) out += ',';
    out += quoted(answers[i].key) + ':' + quoted(answers[i].value);
  }
  return out + "}";
}

void log_line(const std::string& text) {
  std::fprintf(stderr, "ringbid sqlite_lead_store: %s\n", text.c_str());
}

} // namespace

// -- writer state --------------------------------------------------------------

struct sqlite_lead_store::impl {
  sqlite_options options;
  size_t batch_max = 1;
  sqlite::db_ptr db;
  sqlite::statement begin, commit, rollback, insert_lead, insert_event, insert_round, insert_entry;

  std::mutex mutex;
  std::condition_variable work_ready; ///< wakes the writer
  std::condition_variable work_done;  ///< wakes flush()
  std::deque<lead_record> queue;      ///< guarded by mutex, like the four below
  uint64_t submitted = 0;
  uint64_t settled = 0; ///< leads committed, found duplicate or given up on
  int flush_waiters = 0;
  bool stopping = false;

  std::atomic<uint64_t> committed{0};
  std::atomic<uint64_t> duplicates{0};

  // Writer thread only.
  std::vector<lead_record> batch;
  std::set<int> logged_failures;
  std::optional<steady::time_point> give_up_at;
  std::thread writer;

  bool prepare(std::string* error);
  void run();
  void linger(std::unique_lock<std::mutex>& lock);
  void write_with_retry();
  int write_batch(uint64_t& inserted, std::string& error);
  int write_lead(const lead_record& lead, bool& inserted);
  int write_auctions(const lead_record& lead, const sqlite::uuid_bytes& id);
  bool sleep_unless_stopping(milliseconds delay);
  void give_up(const std::string& error);
};

bool sqlite_lead_store::impl::prepare(std::string* error) {
  auto* raw = db.get();
  return begin.prepare(raw, "BEGIN IMMEDIATE", error, true) && commit.prepare(raw, "COMMIT", error, true) &&
         rollback.prepare(raw, "ROLLBACK", error, true) &&
         insert_lead.prepare(raw, insert_lead_sql, error, true) &&
         insert_event.prepare(raw, insert_event_sql, error, true) &&
         insert_round.prepare(raw, insert_round_sql, error, true) &&
         insert_entry.prepare(raw, insert_entry_sql, error, true);
}

void sqlite_lead_store::impl::run() {
  std::unique_lock lock(mutex);
  for (;;) {
    work_ready.wait(lock, [this] { return stopping || !queue.empty(); });
    if (queue.empty()) return; // stopping, and everything is written
    linger(lock);
    size_t n = std::min(queue.size(), batch_max);
    batch.clear();
    for (size_t i = 0; i < n; ++i) {
      batch.push_back(std::move(queue.front()));
      queue.pop_front();
    }
    lock.unlock();
    write_with_retry();
    lock.lock();
    settled += n;
    work_done.notify_all();
  }
}

/// Group commit: give a partial batch up to batch_interval_ms to fill up, unless
/// someone is flushing or the store is closing.
void sqlite_lead_store::impl::linger(std::unique_lock<std::mutex>& lock) {
  if (options.batch_interval_ms <= 0) return;
  auto deadline = steady::now() + milliseconds(options.batch_interval_ms);
  work_ready.wait_until(lock, deadline,
                        [this] { return stopping || flush_waiters > 0 || queue.size() >= batch_max; });
}

/// Writes `batch` until it commits. A failure is logged once per kind (result
/// code); the batch is kept and retried with exponential back-off. Only when
/// closing, after shutdown_retry_ms of failures, are leads given up on (loudly).
void sqlite_lead_store::impl::write_with_retry() {
  auto delay = first_backoff;
  bool failed = false;
  for (;;) {
    uint64_t inserted = 0;
    std::string error;
    int rc = write_batch(inserted, error);
    if (rc == SQLITE_OK) {
      committed.fetch_add(inserted, std::memory_order_relaxed);
      duplicates.fetch_add(batch.size() - inserted, std::memory_order_relaxed);
      if (failed) log_line("writes recovered; " + std::to_string(batch.size()) + " leads committed");
      give_up_at.reset();
      return;
    }
    failed = true;
    if (logged_failures.insert(rc).second)
      log_line("writing " + std::to_string(batch.size()) + " leads failed, will retry: " + error);
    if (sleep_unless_stopping(delay)) {
      auto now = steady::now();
      if (!give_up_at) give_up_at = now + milliseconds(std::max(0, options.shutdown_retry_ms));
      if (now >= *give_up_at) return give_up(error);
      std::this_thread::sleep_for(std::min<steady::duration>(delay, *give_up_at - now));
    }
    delay = std::min(delay * 2, max_backoff);
  }
}

/// True (at once) if the store is closing, else false after `delay`.
bool sqlite_lead_store::impl::sleep_unless_stopping(milliseconds delay) {
  std::unique_lock lock(mutex);
  return work_ready.wait_for(lock, delay, [this] { return stopping; });
}

void sqlite_lead_store::impl::give_up(const std::string& error) {
  std::string ids;
  for (const auto& lead : batch) ids += (ids.empty() ? "" : " ") + lead.id.to_string();
  log_line("closing: giving up on " + std::to_string(batch.size()) + " unwritten leads (" + error +
           "): " + ids);
}

/// One transaction for the whole batch. SQLITE_OK, or the failing result code
/// with `error` filled in and the transaction rolled back.
int sqlite_lead_store::impl::write_batch(uint64_t& inserted, std::string& error) {
  int rc = begin.step();
  begin.reset();
  if (rc == SQLITE_DONE) {
    rc = SQLITE_OK;
    uint64_t count = 0;
    for (const auto& lead : batch) {
      bool added = false;
      rc = write_lead(lead, added);
      if (rc != SQLITE_OK) break;
      count += added ? 1 : 0;
    }
    if (rc == SQLITE_OK) {
      rc = commit.step();
      commit.reset();
      if (rc == SQLITE_DONE) {
        inserted = count;
        return SQLITE_OK;
      }
    }
  }
  error = sqlite::error_text(db.get(), rc);
  if (sqlite3_get_autocommit(db.get()) == 0) {
    rollback.step();
    rollback.reset();
  }
  return rc;
}

int sqlite_lead_store::impl::write_lead(const lead_record& lead, bool& inserted) {
  auto id = sqlite::to_bytes(lead.id);
  auto id_text = lead.id.to_string();
  auto& s = insert_lead;
  s.bind_blob(1, id);
  s.bind_text(2, id_text);
  s.bind_text(3, lead.carrier_call_id);
  s.bind_text(4, lead.did);
  s.bind_text(5, lead.caller);
  s.bind_text(6, lead.campaign_id);
  s.bind_text(7, lead.source_id);
  s.bind_text(8, lead.buyer_id);
  s.bind_text(9, lead.destination);
  s.bind_text(10, to_string(lead.outcome));
  s.bind_text(11, to_string(lead.ended_in));
  s.bind_int(12, lead.started_at);
  s.bind_int(13, lead.answered_at);
  s.bind_int(14, lead.bridged_at);
  s.bind_int(15, lead.ended_at);
  s.bind_int(16, lead.hold_ms);
  s.bind_int(17, lead.talk_ms);
  s.bind_int(18, lead.bid_micros);
  s.bind_int(19, lead.revenue_micros);
  s.bind_int(20, lead.payout_micros);
  s.bind_int(21, lead.auction_rounds);
  s.bind_int(22, lead.transfer_attempts);
  s.bind_int(23, lead.auction_latency_us);
  s.bind_text(24, to_string(lead.cause));
  s.bind_text(25, to_string(lead.source));
  s.bind_text(26, lead.recording_url);
  s.bind_text(27, lead.caller_state);
  s.bind_text(28, lead.area_code);
  s.bind_int(29, lead.converted ? 1 : 0);
  s.bind_text(30, lead.billing_note);
  s.bind_text(31, lead.caller_hash);
  auto tags = join_tags(lead.tags);
  s.bind_text(32, tags);
  auto ivr = ivr_json(lead.ivr);
  s.bind_text(33, ivr);
  int rc = s.step();
  s.reset();
  if (rc != SQLITE_DONE) return rc;
  // OR IGNORE skipped the row if the id exists; its journal is stored already.
  inserted = sqlite3_changes(db.get()) == 1;
  if (!inserted) return SQLITE_OK;
  auto& e = insert_event;
  for (size_t seq = 0; seq < lead.journal.size(); ++seq) {
    const auto& entry = lead.journal[seq];
    e.bind_blob(1, id);
    e.bind_int(2, static_cast<int64_t>(seq));
    e.bind_int(3, entry.at);
    e.bind_text(4, to_string(entry.state));
    e.bind_text(5, entry.note);
    rc = e.step();
    e.reset();
    if (rc != SQLITE_DONE) return rc;
  }
  return write_auctions(lead, id);
}

int sqlite_lead_store::impl::write_auctions(const lead_record& lead, const sqlite::uuid_bytes& id) {
  for (const auto& a : lead.auctions) {
    auto& r = insert_round;
    r.bind_blob(1, id);
    r.bind_int(2, a.round);
    r.bind_text(3, a.strategy);
    r.bind_text(4, a.clearing);
    r.bind_int(5, a.opened_at);
    r.bind_int(6, a.closed_at);
    r.bind_int(7, a.deadline_ms);
    r.bind_int(8, a.floor_micros);
    r.bind_text(9, a.winner);
    r.bind_int(10, a.winning_bid_micros);
    r.bind_int(11, a.clearing_price_micros);
    int rc = r.step();
    r.reset();
    if (rc != SQLITE_DONE) return rc;
    for (size_t seq = 0; seq < a.entries.size(); ++seq) {
      const auto& e = a.entries[seq];
      auto& s = insert_entry;
      s.bind_blob(1, id);
      s.bind_int(2, a.round);
      s.bind_int(3, static_cast<int64_t>(seq));
      s.bind_text(4, e.buyer_id);
      s.bind_text(5, to_string(e.verdict));
      s.bind_text(6, e.reason);
      s.bind_int(7, e.bid_micros);
      s.bind_int(8, e.price_micros);
      s.bind_int(9, e.latency_us);
      s.bind_int(10, e.transport_us);
      s.bind_int(11, e.rank);
      s.bind_int(12, e.fixed ? 1 : 0);
      rc = s.step();
      s.reset();
      if (rc != SQLITE_DONE) return rc;
    }
  }
  return SQLITE_OK;
}

// -- public interface -----------------------------------------------------------

std::unique_ptr<sqlite_lead_store> sqlite_lead_store::open(const sqlite_options& options,
                                                           std::string* error) {
  std::string scratch;
  std::string* err = error ? error : &scratch;
  auto state = std::make_unique<impl>();
  state->options = options;
  state->batch_max = static_cast<size_t>(std::max(1, options.batch_max));
  state->db = open_migrated_writer(options.path, options.synchronous_full, options.busy_timeout_ms, err);
  if (!state->db) return nullptr;
  if (!state->prepare(err)) {
    *err = options.path + ": " + *err;
    return nullptr;
  }
  state->batch.reserve(state->batch_max);
  std::unique_ptr<sqlite_lead_store> store{new sqlite_lead_store(std::move(state))};
  auto* self = store->impl_.get();
  self->writer = std::thread([self] { self->run(); });
  return store;
}

sqlite_lead_store::sqlite_lead_store(std::unique_ptr<impl> state) : impl_(std::move(state)) {}

sqlite_lead_store::~sqlite_lead_store() {
  {
    std::lock_guard lock(impl_->mutex);
    impl_->stopping = true;
  }
  impl_->work_ready.notify_all();
  if (impl_->writer.joinable()) impl_->writer.join();
}

void sqlite_lead_store::submit(lead_record lead) {
  bool wake = false;
  {
    std::lock_guard lock(impl_->mutex);
    impl_->queue.push_back(std::move(lead));
    ++impl_->submitted;
    wake = impl_->queue.size() == 1 || impl_->queue.size() == impl_->batch_max;
  }
  if (wake) impl_->work_ready.notify_one();
}

void sqlite_lead_store::flush() {
  std::unique_lock lock(impl_->mutex);
  uint64_t target = impl_->submitted;
  if (impl_->settled >= target) return;
  ++impl_->flush_waiters;
  impl_->work_ready.notify_one();
  impl_->work_done.wait(lock, [&] { return impl_->settled >= target; });
  --impl_->flush_waiters;
}

uint64_t sqlite_lead_store::committed() const { return impl_->committed.load(std::memory_order_relaxed); }

uint64_t sqlite_lead_store::duplicates() const { return impl_->duplicates.load(std::memory_order_relaxed); }

} // namespace ringbid
