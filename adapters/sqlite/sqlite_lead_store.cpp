#include "adapters/sqlite/sqlite_lead_store.hpp"

#include "adapters/sqlite/caf_blob.hpp"
#include "adapters/sqlite/sqlite_common.hpp"
#include "adapters/sqlite/sqlite_migrations.hpp"

#include <sqlite3.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <condition_variable>
#include <cstdio>
#include <deque>
#include <filesystem>
#include <functional>
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
  "billing_note, caller_hash, tags, ivr, price_micros, config_revision) "
  "VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13, ?14, ?15, ?16, ?17, ?18, ?19, "
  "?20, ?21, ?22, ?23, ?24, ?25, ?26, ?27, ?28, ?29, ?30, ?31, ?32, ?33, ?34, ?35)";

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

constexpr const char* lead_exists_sql = "SELECT 1 FROM leads WHERE id = ?1";

constexpr const char* forget_live_sql = "DELETE FROM live_calls WHERE carrier_call_id = ?1";

constexpr const char* forget_inbox_sql = "DELETE FROM call_inbox WHERE carrier_call_id = ?1";

// An update never replaces a newer one (a higher version: a longer journal),
// nor one written by a newer incarnation (the call's new owner: the fence).
constexpr const char* upsert_live_sql =
  "INSERT INTO live_calls (carrier_call_id, call_id, did, caller, campaign_id, source_id, state, started_at, "
  "updated_at, version, lead, snapshot, owner, incarnation) "
  "VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13, ?14) "
  "ON CONFLICT (carrier_call_id) DO UPDATE SET call_id = excluded.call_id, did = excluded.did, "
  "caller = excluded.caller, campaign_id = excluded.campaign_id, source_id = excluded.source_id, "
  "state = excluded.state, updated_at = excluded.updated_at, version = excluded.version, lead = excluded.lead, "
  "snapshot = coalesce(excluded.snapshot, live_calls.snapshot), owner = excluded.owner, "
  "incarnation = excluded.incarnation "
  "WHERE excluded.version >= live_calls.version AND excluded.incarnation >= live_calls.incarnation";

// Noted before the event goes to the engine, with the id the call will have.
// A call is one call per carrier call id: none is noted while a row for it
// is live, nor when its lead is stored. A lead of the same carrier id more
// than 10 minutes away is another call (simulated carriers reuse ids from run
// to run; Telnyx forgets a call 10 minutes after it ends).
constexpr const char* note_started_sql =
  "INSERT OR IGNORE INTO live_calls (carrier_call_id, call_id, did, caller, campaign_id, source_id, state, "
  "started_at, updated_at, version, lead, owner, incarnation) "
  "SELECT ?1, ?5, ?2, ?3, '', '', 'greeting', ?4, ?4, 0, NULL, ?6, ?7 "
  "WHERE NOT EXISTS (SELECT 1 FROM leads WHERE carrier_call_id = ?1 "
  "AND started_at BETWEEN ?4 - 600000000 AND ?4 + 600000000)";

// Kept only for a live call, and once per carrier event id.
constexpr const char* keep_event_sql =
  "INSERT OR IGNORE INTO call_inbox (carrier_call_id, event_id, event) SELECT ?1, ?2, ?3 "
  "WHERE EXISTS (SELECT 1 FROM live_calls WHERE carrier_call_id = ?1)";

constexpr const char* event_known_sql = "SELECT 1 FROM call_inbox WHERE event_id = ?1";

constexpr const char* next_incarnation_sql =
  "INSERT INTO node_incarnations (node, incarnation) VALUES (?1, 1) "
  "ON CONFLICT (node) DO UPDATE SET incarnation = incarnation + 1 RETURNING incarnation";

// A single node owns every call in its own database, and those of a node
// that wrote them under another name.
constexpr const char* claim_calls_sql = "UPDATE live_calls SET owner = ?1, incarnation = ?2";

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

/// What the writer is asked to do, in order.
struct queued_write {
  enum class kind {
    lead,    ///< a call's lead: insert it, forget the call's live row and inbox
    live,    ///< a live call's provisional lead (and snapshot): replace its live row
    started, ///< a call the carrier announced: note its live row
    event,   ///< a carrier event of a live call: keep it in the inbox
    claim,   ///< a node starts: take the next incarnation, own the live calls
  };
  kind what = kind::lead;
  lead_record lead;
  /// `started`, `event` and `claim`: run once committed with `result`.
  std::function<void(uint64_t)> durable;
  call_state state = call_state::greeting; ///< `live` only: the state the call is in
  std::optional<call_snapshot> snapshot;   ///< `live` only
  carrier_event event;                     ///< `event` only
  std::string event_id;                    ///< `event` only; `claim`: the node's name
  uint64_t result = 0; ///< started: 1 noted, 0 not; event: its seq, 0 not kept, max duplicate; claim: incarnation
};

constexpr uint64_t duplicate_event = UINT64_MAX;

void log_line(const std::string& text) { std::fprintf(stderr, "ringbid sqlite_lead_store: %s\n", text.c_str()); }

} // namespace

// -- writer state --------------------------------------------------------------

struct sqlite_lead_store::impl {
  sqlite_options options;
  size_t batch_max = 1;
  sqlite::db_ptr db;
  sqlite::statement begin, commit, rollback, insert_lead, insert_event, insert_round, insert_entry;
  sqlite::statement lead_exists, forget_live, upsert_live, note_started;
  sqlite::statement forget_inbox, keep_event, event_known, next_incarnation, claim_calls;
  /// Who writes: stamped on every live row (the fence). Writer thread only,
  /// set by a claim.
  std::string owner;
  std::atomic<uint64_t> incarnation{0};

  std::mutex mutex;
  std::condition_variable work_ready; ///< wakes the writer
  std::condition_variable work_done;  ///< wakes flush()
  std::deque<queued_write> queue;     ///< guarded by mutex, like the five below
  std::function<void(std::vector<call_id>)> committed_callback;
  uint64_t submitted = 0;
  uint64_t settled = 0; ///< writes committed, found duplicate or given up on
  int flush_waiters = 0;
  bool stopping = false;

  std::atomic<uint64_t> committed{0};
  std::atomic<uint64_t> duplicates{0};

  // Writer thread only.
  std::vector<queued_write> batch;
  std::set<int> logged_failures;
  std::optional<steady::time_point> give_up_at;
  std::thread writer;

  bool prepare(std::string* error);
  void run();
  void linger(std::unique_lock<std::mutex>& lock);
  void enqueue(queued_write write);
  bool write_with_retry();
  void report_commit();
  int write_batch(uint64_t& inserted, std::string& error);
  int write_one(queued_write& write, bool& inserted);
  int write_lead(const lead_record& lead, bool& inserted);
  int write_live(lead_record& provisional, call_state state, std::optional<call_snapshot>& snapshot);
  int write_started(queued_write& write);
  int write_event(queued_write& write);
  int write_claim(queued_write& write);
  int write_auctions(const lead_record& lead, const sqlite::uuid_bytes& id);
  bool sleep_unless_stopping(milliseconds delay);
  void give_up(const std::string& error);
};

bool sqlite_lead_store::impl::prepare(std::string* error) {
  auto* raw = db.get();
  return begin.prepare(raw, "BEGIN IMMEDIATE", error, true) && commit.prepare(raw, "COMMIT", error, true) &&
         rollback.prepare(raw, "ROLLBACK", error, true) && insert_lead.prepare(raw, insert_lead_sql, error, true) &&
         insert_event.prepare(raw, insert_event_sql, error, true) &&
         insert_round.prepare(raw, insert_round_sql, error, true) &&
         insert_entry.prepare(raw, insert_entry_sql, error, true) &&
         lead_exists.prepare(raw, lead_exists_sql, error, true) &&
         forget_live.prepare(raw, forget_live_sql, error, true) &&
         upsert_live.prepare(raw, upsert_live_sql, error, true) &&
         note_started.prepare(raw, note_started_sql, error, true) &&
         forget_inbox.prepare(raw, forget_inbox_sql, error, true) &&
         keep_event.prepare(raw, keep_event_sql, error, true) &&
         event_known.prepare(raw, event_known_sql, error, true) &&
         next_incarnation.prepare(raw, next_incarnation_sql, error, true) &&
         claim_calls.prepare(raw, claim_calls_sql, error, true);
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
    if (write_with_retry()) report_commit();
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
  work_ready.wait_until(lock, deadline, [this] { return stopping || flush_waiters > 0 || queue.size() >= batch_max; });
}

/// Tells whoever waits that the batch is durable: the recorder (the leads' ids)
/// and the webhook intake (the calls' starts).
void sqlite_lead_store::impl::report_commit() {
  std::vector<call_id> ids;
  for (auto& write : batch) {
    if (write.what == queued_write::kind::lead) ids.push_back(write.lead.id);
    if (write.durable) write.durable(write.result);
  }
  if (ids.empty()) return;
  std::function<void(std::vector<call_id>)> callback;
  {
    std::lock_guard lock(mutex);
    callback = committed_callback;
  }
  if (callback) callback(std::move(ids));
}

/// Writes `batch` until it commits (true). A failure is logged once per kind
/// (result code); the batch is kept and retried with exponential back-off. Only
/// when closing, after shutdown_retry_ms of failures, are writes given up on
/// (loudly; false).
bool sqlite_lead_store::impl::write_with_retry() {
  auto delay = first_backoff;
  bool failed = false;
  for (;;) {
    uint64_t inserted = 0;
    std::string error;
    int rc = write_batch(inserted, error);
    if (rc == SQLITE_OK) {
      auto leads = static_cast<uint64_t>(std::count_if(
        batch.begin(), batch.end(), [](const queued_write& w) { return w.what == queued_write::kind::lead; }));
      committed.fetch_add(inserted, std::memory_order_relaxed);
      duplicates.fetch_add(leads - inserted, std::memory_order_relaxed);
      if (failed) log_line("writes recovered; " + std::to_string(leads) + " leads committed");
      give_up_at.reset();
      return true;
    }
    failed = true;
    if (logged_failures.insert(rc).second)
      log_line("writing " + std::to_string(batch.size()) + " leads failed, will retry: " + error);
    if (sleep_unless_stopping(delay)) {
      auto now = steady::now();
      if (!give_up_at) give_up_at = now + milliseconds(std::max(0, options.shutdown_retry_ms));
      if (now >= *give_up_at) {
        give_up(error);
        return false;
      }
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
  size_t leads = 0;
  for (const auto& write : batch) {
    if (write.what != queued_write::kind::lead) continue;
    ids += (ids.empty() ? "" : " ") + write.lead.id.to_string();
    ++leads;
  }
  log_line("closing: giving up on " + std::to_string(leads) + " unwritten leads and " +
           std::to_string(batch.size() - leads) + " live-call updates (" + error + "): " + ids);
}

/// One transaction for the whole batch. SQLITE_OK, or the failing result code
/// with `error` filled in and the transaction rolled back.
int sqlite_lead_store::impl::write_batch(uint64_t& inserted, std::string& error) {
  int rc = begin.step();
  begin.reset();
  if (rc == SQLITE_DONE) {
    rc = SQLITE_OK;
    uint64_t count = 0;
    for (auto& write : batch) {
      bool added = false;
      rc = write_one(write, added);
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

int sqlite_lead_store::impl::write_one(queued_write& write, bool& inserted) {
  switch (write.what) {
    case queued_write::kind::lead: {
      int rc = write_lead(write.lead, inserted);
      if (rc != SQLITE_OK) return rc;
      // The call has its lead: it is no longer live.
      for (auto* s : {&forget_live, &forget_inbox}) {
        s->bind_text(1, write.lead.carrier_call_id);
        rc = s->step();
        s->reset();
        if (rc != SQLITE_DONE) return rc;
      }
      return SQLITE_OK;
    }
    case queued_write::kind::live: return write_live(write.lead, write.state, write.snapshot);
    case queued_write::kind::started: return write_started(write);
    case queued_write::kind::event: return write_event(write);
    case queued_write::kind::claim: return write_claim(write);
  }
  return SQLITE_MISUSE;
}

int sqlite_lead_store::impl::write_live(lead_record& provisional, call_state state,
                                        std::optional<call_snapshot>& snapshot) {
  auto id = sqlite::to_bytes(provisional.id);
  lead_exists.bind_blob(1, id);
  int rc = lead_exists.step();
  lead_exists.reset();
  if (rc == SQLITE_ROW) return SQLITE_OK; // the call's lead is stored: it is over
  if (rc != SQLITE_DONE) return rc;
  auto encoded = sqlite::encode_blob(provisional);
  auto& s = upsert_live;
  s.bind_text(1, provisional.carrier_call_id);
  s.bind_blob(2, id);
  s.bind_text(3, provisional.did);
  s.bind_text(4, provisional.caller);
  s.bind_text(5, provisional.campaign_id);
  s.bind_text(6, provisional.source_id);
  s.bind_text(7, to_string(state));
  s.bind_int(8, provisional.started_at);
  s.bind_int(9, provisional.ended_at);
  s.bind_int(10, static_cast<int64_t>(provisional.journal.size()));
  if (encoded.empty())
    sqlite3_bind_null(s.get(), 11);
  else
    sqlite3_bind_blob(s.get(), 11, encoded.data(), static_cast<int>(encoded.size()), SQLITE_STATIC);
  std::vector<char> state_blob;
  if (snapshot) state_blob = sqlite::encode_blob(*snapshot);
  if (state_blob.empty())
    sqlite3_bind_null(s.get(), 12);
  else
    sqlite3_bind_blob(s.get(), 12, state_blob.data(), static_cast<int>(state_blob.size()), SQLITE_STATIC);
  s.bind_text(13, owner);
  s.bind_int(14, static_cast<int64_t>(incarnation.load()));
  rc = s.step();
  s.reset();
  return rc == SQLITE_DONE ? SQLITE_OK : rc;
}

int sqlite_lead_store::impl::write_started(queued_write& write) {
  const auto& call = write.lead;
  auto& s = note_started;
  s.bind_text(1, call.carrier_call_id);
  s.bind_text(2, call.did);
  s.bind_text(3, call.caller);
  s.bind_int(4, call.started_at);
  auto id = sqlite::to_bytes(call.id);
  s.bind_blob(5, id);
  s.bind_text(6, owner);
  s.bind_int(7, static_cast<int64_t>(incarnation.load()));
  int rc = s.step();
  s.reset();
  if (rc != SQLITE_DONE) return rc;
  write.result = sqlite3_changes(db.get()) == 1 ? 1 : 0;
  return SQLITE_OK;
}

int sqlite_lead_store::impl::write_event(queued_write& write) {
  auto blob = sqlite::encode_blob(write.event);
  auto& s = keep_event;
  s.bind_text(1, write.event.carrier_call_id);
  s.bind_text(2, write.event_id);
  sqlite3_bind_blob(s.get(), 3, blob.data(), static_cast<int>(blob.size()), SQLITE_STATIC);
  int rc = s.step();
  s.reset();
  if (rc != SQLITE_DONE) return rc;
  if (sqlite3_changes(db.get()) == 1) {
    write.result = static_cast<uint64_t>(sqlite3_last_insert_rowid(db.get()));
    return SQLITE_OK;
  }
  event_known.bind_text(1, write.event_id);
  rc = event_known.step();
  event_known.reset();
  if (rc != SQLITE_ROW && rc != SQLITE_DONE) return rc;
  write.result = rc == SQLITE_ROW ? duplicate_event : 0;
  return SQLITE_OK;
}

int sqlite_lead_store::impl::write_claim(queued_write& write) {
  next_incarnation.bind_text(1, write.event_id);
  int rc = next_incarnation.step();
  if (rc != SQLITE_ROW) {
    next_incarnation.reset();
    return rc;
  }
  auto number = next_incarnation.column_int(0);
  rc = next_incarnation.step();
  next_incarnation.reset();
  if (rc != SQLITE_DONE) return rc;
  claim_calls.bind_text(1, write.event_id);
  claim_calls.bind_int(2, number);
  rc = claim_calls.step();
  claim_calls.reset();
  if (rc != SQLITE_DONE) return rc;
  write.result = static_cast<uint64_t>(number);
  // The writer's own: every row it writes from now on carries them.
  owner = write.event_id;
  incarnation.store(write.result);
  return SQLITE_OK;
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
  s.bind_int(34, lead.price_micros);
  s.bind_int(35, lead.config_revision);
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

std::unique_ptr<sqlite_lead_store> sqlite_lead_store::open(const sqlite_options& options, std::string* error) {
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

void sqlite_lead_store::impl::enqueue(queued_write write) {
  bool wake = false;
  {
    std::lock_guard lock(mutex);
    queue.push_back(std::move(write));
    ++submitted;
    wake = queue.size() == 1 || queue.size() == batch_max;
  }
  if (wake) work_ready.notify_one();
}

void sqlite_lead_store::submit(lead_record lead) {
  queued_write write;
  write.what = queued_write::kind::lead;
  write.lead = std::move(lead);
  write.state = call_state::done;
  impl_->enqueue(std::move(write));
}

void sqlite_lead_store::track(lead_record provisional, call_state state) {
  queued_write write;
  write.what = queued_write::kind::live;
  write.lead = std::move(provisional);
  write.state = state;
  impl_->enqueue(std::move(write));
}

void sqlite_lead_store::checkpoint(call_snapshot snapshot, lead_record provisional) {
  queued_write write;
  write.what = queued_write::kind::live;
  write.lead = std::move(provisional);
  write.state = snapshot.state;
  write.snapshot = std::move(snapshot);
  impl_->enqueue(std::move(write));
}

void sqlite_lead_store::note_call_started(const carrier_event& initiated, call_id id, timestamp_us at,
                                          std::function<void(bool noted)> durable) {
  queued_write write;
  write.what = queued_write::kind::started;
  write.lead.id = id;
  write.lead.carrier_call_id = initiated.carrier_call_id;
  write.lead.did = initiated.to;
  write.lead.caller = initiated.from;
  write.lead.started_at = at;
  write.durable = [done = std::move(durable)](uint64_t noted) { done(noted == 1); };
  impl_->enqueue(std::move(write));
}

void sqlite_lead_store::keep_event(carrier_event event, std::string event_id,
                                   std::function<void(event_keeping)> durable) {
  queued_write write;
  write.what = queued_write::kind::event;
  write.event = std::move(event);
  write.event_id = std::move(event_id);
  write.durable = [done = std::move(durable)](uint64_t result) {
    event_keeping out;
    if (result == duplicate_event)
      out.duplicate = true;
    else
      out.seq = result;
    done(out);
  };
  impl_->enqueue(std::move(write));
}

uint64_t sqlite_lead_store::claim_live_calls(const std::string& node) {
  auto promise = std::make_shared<std::atomic<uint64_t>>(0);
  queued_write write;
  write.what = queued_write::kind::claim;
  write.event_id = node;
  write.durable = [promise](uint64_t number) { promise->store(number); };
  impl_->enqueue(std::move(write));
  flush();
  return promise->load();
}

uint64_t sqlite_lead_store::incarnation() const { return impl_->incarnation.load(); }

bool sqlite_lead_store::notifies_commits() const { return impl_->options.notify_commits; }

void sqlite_lead_store::on_committed(std::function<void(std::vector<call_id>)> callback) {
  std::lock_guard lock(impl_->mutex);
  impl_->committed_callback = std::move(callback);
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
