#include "tools/bench/bench_leads.hpp"
#include "tools/bench/bench_percentile.hpp"

#include "adapters/redis/redis_did_cache.hpp"
#include "adapters/sqlite/did_store.hpp"
#include "adapters/sqlite/sqlite_common.hpp"
#include "adapters/sqlite/sqlite_lead_store.hpp"
#include "adapters/sqlite/sqlite_migrations.hpp"
#include "protocol/lead.hpp"
#include "tools/bench/bench_config.hpp"
#include "tools/node/wiring.hpp"
#include "tools/support/child_process.hpp"

#include <fmt/format.h>
#include <hiredis/hiredis.h>
#include <sqlite3.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <csignal>
#include <cstdlib>
#include <ctime>
#include <filesystem>
#include <functional>
#include <iostream>
#include <iterator>
#include <latch>
#include <memory>
#include <mutex>
#include <optional>
#include <random>
#include <span>
#include <stdexcept>
#include <string>
#include <string_view>
#include <thread>
#include <unistd.h>
#include <utility>
#include <vector>

namespace ringbid {
namespace {

using clock_type = std::chrono::steady_clock;
using std::chrono::microseconds;
using std::chrono::milliseconds;

double seconds_since(clock_type::time_point start) {
  return std::chrono::duration<double>(clock_type::now() - start).count();
}

/// CPU time of the whole process (every thread), in seconds.
double process_cpu_seconds() {
  timespec t{};
  ::clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &t);
  return double(t.tv_sec) + double(t.tv_nsec) / 1e9;
}

/// A timed run: wall and process CPU seconds. The CPU figure still means
/// something when other work on the machine slows the wall clock down.
struct timed_run {
  double seconds = 0;
  double cpu_seconds = 0;
};

int64_t nanoseconds_between(clock_type::time_point from, clock_type::time_point to) {
  return std::chrono::duration_cast<std::chrono::nanoseconds>(to - from).count();
}

/// Runs body(0..threads-1) on that many threads released at once; returns when
/// all are done. `released` runs just before they are released (to start a clock).
void run_threads(int threads, const std::function<void(int)>& body, const std::function<void()>& released) {
  std::latch go{1};
  std::vector<std::thread> pool;
  for (int t = 0; t < threads; ++t)
    pool.emplace_back([&, t] {
      go.wait();
      body(t);
    });
  released();
  go.count_down();
  for (auto& th : pool) th.join();
}

// == leads =========================================================================

constexpr int64_t base_ms = 1'767'225'600'000; // 2026-01-01T00:00:00Z
constexpr const char* buyer_names[] = {"metro-call-exchange", "summit-insurance-group", "lone-star-leads",
                                       "bluebonnet-direct", "capitol-agency"};
constexpr size_t buyer_count = std::size(buyer_names);

/// The journal of a call bridged to `winner`: six entries, as the call actor
/// writes them.
std::vector<journal_entry> bridged_journal(timestamp_us start, const std::string& winner) {
  return {{start, call_state::greeting, "routed"},
          {start + 150'000, call_state::greeting, "answered"},
          {start + 1'900'000, call_state::greeting, "round 1 closed: 5 pinged, 3 answered, 3 valid, 0 capped"},
          {start + 4'100'000, call_state::auction, "transfer to " + winner},
          {start + 9'000'000, call_state::bridged, "bridged to " + winner},
          {start + 120'000'000, call_state::done, "caller hung up in bridged"}};
}

/// One first-price round over the five buyers: a winner, two ranked behind
/// it, a no-bid and a buyer that missed the deadline.
auction_record first_round(timestamp_us start, uint64_t n) {
  auction_record a;
  a.round = 1;
  a.strategy = "auction";
  a.clearing = "first_price";
  a.opened_at = start + 200'000;
  a.closed_at = start + 1'900'000;
  a.deadline_ms = 500;
  a.floor_micros = 5'000'000;
  auto bid = [n](size_t k) { return int64_t(18'000'000 + ((n + k) % 9) * 250'000); };
  for (size_t k = 0; k < buyer_count; ++k) {
    auction_entry e;
    e.buyer_id = buyer_names[(n + k) % buyer_count];
    e.latency_us = int64_t(40'000 + (n * 7 + k * 13'001) % 300'000);
    e.transport_us = e.latency_us - 1'200;
    if (k < 3) {
      e.verdict = k == 0 ? bidder_verdict::won : bidder_verdict::ranked;
      e.reason = k == 0 ? "highest valid bid" : "outbid by " + std::string{buyer_names[n % buyer_count]};
      e.bid_micros = bid(0) - int64_t(k) * 500'000;
      e.price_micros = e.bid_micros;
      e.rank = int32_t(k + 1);
    } else if (k == 3) {
      e.verdict = bidder_verdict::no_bid;
      e.reason = "answered no-bid";
    } else {
      e.verdict = bidder_verdict::no_answer;
      e.reason = "no answer within 500 ms";
      e.latency_us = -1;
      e.transport_us = -1;
    }
    a.entries.push_back(std::move(e));
  }
  a.winner = a.entries[0].buyer_id;
  a.winning_bid_micros = a.entries[0].bid_micros;
  a.clearing_price_micros = a.entries[0].price_micros;
  return a;
}

/// A bridged, converted call as the engine books it: every column filled,
/// six journal entries, one auction round of five entries.
lead_record realistic_lead(uint64_t n, uuid id) {
  lead_record x;
  x.id = id;
  auto start = (base_ms + int64_t(n) * 50) * 1000;
  x.carrier_call_id = fmt::format("v3:{:016x}{:06x}", id.lo, n & 0xFFFFFF);
  x.did = fmt::format("+1800555{:04}", n % 4);
  x.caller = fmt::format("+1512{:07}", (n * 7'919) % 10'000'000);
  x.caller_state = "TX";
  x.area_code = "512";
  x.campaign_id = "auto-ins-national";
  x.source_id = "summit-search";
  x.auctions.push_back(first_round(start, n));
  x.buyer_id = x.auctions[0].winner;
  x.destination = fmt::format("+1512555{:04}", n % buyer_count);
  x.outcome = disposition::bridged;
  x.ended_in = call_state::bridged;
  x.started_at = start;
  x.answered_at = start + 150'000;
  x.bridged_at = start + 9'000'000;
  x.ended_at = start + 120'000'000;
  x.hold_ms = 8'850;
  x.talk_ms = 111'000;
  x.bid_micros = x.auctions[0].winning_bid_micros;
  x.revenue_micros = x.bid_micros;
  x.payout_micros = x.bid_micros * 7 / 10;
  x.converted = true;
  x.billing_note = "bid";
  x.caller_hash = fmt::format("{:016x}{:016x}{:016x}{:016x}", id.hi, id.lo, n * 0x9E3779B97F4A7C15ull, ~id.lo);
  x.tags = {"spanish", "mobile"};
  x.auction_rounds = 1;
  x.transfer_attempts = 1;
  x.auction_latency_us = 1'700'000;
  x.cause = hangup_cause::normal_clearing;
  x.source = hangup_source::caller;
  x.journal = bridged_journal(start, x.buyer_id);
  return x;
}

/// `count` leads with time-ordered ids, 20 calls a millisecond.
std::vector<lead_record> make_leads(uint64_t count, uint64_t seed) {
  uuid7_generator ids{seed};
  std::vector<lead_record> out;
  out.reserve(count);
  for (uint64_t n = 0; n < count; ++n) out.push_back(realistic_lead(n, ids.next(base_ms + int64_t(n / 20))));
  return out;
}

struct row_counts {
  int64_t leads = 0;
  int64_t events = 0;
  int64_t rounds = 0;
  int64_t entries = 0;
  friend bool operator==(const row_counts&, const row_counts&) = default;
  std::string text() const {
    return fmt::format("{} leads, {} call_events, {} auction_rounds, {} auction_entries", leads, events, rounds,
                       entries);
  }
};

row_counts expected_rows(const std::vector<lead_record>& leads) {
  row_counts c;
  for (const auto& l : leads) {
    ++c.leads;
    c.events += int64_t(l.journal.size());
    c.rounds += int64_t(l.auctions.size());
    for (const auto& a : l.auctions) c.entries += int64_t(a.entries.size());
  }
  return c;
}

int64_t count_rows(sqlite3* db, const std::string& table) {
  sqlite::statement s;
  std::string error;
  if (!s.prepare(db, "SELECT count(*) FROM " + table, &error)) throw std::runtime_error(error);
  if (s.step() != SQLITE_ROW) throw std::runtime_error("cannot count " + table);
  return s.column_int(0);
}

/// What a database file holds, read back through a fresh connection.
row_counts stored_rows(const std::string& path) {
  std::string error;
  auto db = sqlite::open_db(path, SQLITE_OPEN_READONLY, &error);
  if (!db) throw std::runtime_error("cannot read back " + path + ": " + error);
  return {count_rows(db.get(), "leads"), count_rows(db.get(), "call_events"), count_rows(db.get(), "auction_rounds"),
          count_rows(db.get(), "auction_entries")};
}

void expect_stored(const std::string& path, const row_counts& expected, const std::string& who) {
  auto got = stored_rows(path);
  if (got != expected)
    throw std::runtime_error(who + " stored " + got.text() + " in " + path + ", expected " + expected.text());
}

/// The store as the node opens it, but on `path`: synchronous=FULL, WAL, the
/// config's default group commit.
std::unique_ptr<sqlite_lead_store> open_store(const std::string& path) {
  storage_config defaults;
  sqlite_options options;
  options.path = path;
  options.synchronous_full = true;
  options.batch_max = defaults.batch_max;
  options.batch_interval_ms = defaults.batch_interval_ms;
  std::string error;
  auto store = sqlite_lead_store::open(options, &error);
  if (!store) throw std::runtime_error("cannot open the lead store at " + path + ": " + error);
  return store;
}

void expect_committed(const sqlite_lead_store& store, uint64_t expected, const std::string& run) {
  if (store.committed() != expected || store.duplicates() != 0)
    throw std::runtime_error(fmt::format("{}: the store committed {} of {} leads ({} duplicates)", run,
                                         store.committed(), expected, store.duplicates()));
}

/// sqlite_lead_store writing `leads`: `producers` threads submit (moving their
/// leads in, as the recorder does), then flush(); timed from the first submit
/// to flush's return.
///
/// The producers take the next lead from a shared cursor, so the store receives
/// them in about the order the baseline writes them. The order matters: every
/// table is keyed by the lead's time-ordered id, and ids arriving out of order
/// (one producer running ahead of another) cost SQLite far more page writes.
timed_run engine_write(std::vector<lead_record> leads, int producers, const std::string& path) {
  auto store = open_store(path);
  const uint64_t count = leads.size();
  std::atomic<size_t> cursor{0};
  clock_type::time_point start;
  double cpu_start = 0;
  run_threads(
    producers,
    [&](int) {
      for (auto i = cursor.fetch_add(1); i < leads.size(); i = cursor.fetch_add(1)) store->submit(std::move(leads[i]));
    },
    [&] {
      cpu_start = process_cpu_seconds();
      start = clock_type::now();
    });
  store->flush();
  timed_run run{seconds_since(start), process_cpu_seconds() - cpu_start};
  expect_committed(*store, count, "leads benchmark");
  return run;
}

// -- the baseline: a bare batched INSERT loop ------------------------------------------
// The same statements as adapters/sqlite/sqlite_lead_store.cpp, copied on purpose: the
// baseline must not change when the store does.

constexpr const char* baseline_lead_sql =
  "INSERT OR IGNORE INTO leads (id, id_text, carrier_call_id, did, caller, campaign_id, source_id, "
  "buyer_id, destination, outcome, ended_in, started_at, answered_at, bridged_at, ended_at, hold_ms, "
  "talk_ms, bid_micros, revenue_micros, payout_micros, auction_rounds, transfer_attempts, "
  "auction_latency_us, hangup_cause, hangup_source, recording_url, caller_state, area_code, converted, "
  "billing_note, caller_hash, tags, ivr) "
  "VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13, ?14, ?15, ?16, ?17, ?18, ?19, "
  "?20, ?21, ?22, ?23, ?24, ?25, ?26, ?27, ?28, ?29, ?30, ?31, ?32, ?33)";

constexpr const char* baseline_event_sql =
  "INSERT OR IGNORE INTO call_events (call_id, seq, at, state, note) VALUES (?1, ?2, ?3, ?4, ?5)";

constexpr const char* baseline_round_sql =
  "INSERT OR IGNORE INTO auction_rounds (call_id, round, strategy, clearing, opened_at, closed_at, deadline_ms, "
  "floor_micros, winner, winning_bid_micros, clearing_price_micros) "
  "VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11)";

constexpr const char* baseline_entry_sql =
  "INSERT OR IGNORE INTO auction_entries (call_id, round, seq, buyer_id, verdict, reason, bid_micros, "
  "price_micros, latency_us, transport_us, rank, fixed) "
  "VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12)";

constexpr size_t baseline_batch = 1'000;

class bare_lead_writer {
public:
  explicit bare_lead_writer(const std::string& path) {
    std::string error;
    db_ = open_migrated_writer(path, true /* synchronous FULL */, 5'000, &error);
    auto* raw = db_.get();
    if (!raw || !begin_.prepare(raw, "BEGIN IMMEDIATE", &error, true) ||
        !commit_.prepare(raw, "COMMIT", &error, true) || !lead_.prepare(raw, baseline_lead_sql, &error, true) ||
        !event_.prepare(raw, baseline_event_sql, &error, true) ||
        !round_.prepare(raw, baseline_round_sql, &error, true) ||
        !entry_.prepare(raw, baseline_entry_sql, &error, true))
      throw std::runtime_error("baseline: cannot open " + path + ": " + error);
  }

  /// Writes the leads in transactions of `baseline_batch`.
  void write(const std::vector<lead_record>& leads) {
    for (size_t first = 0; first < leads.size(); first += baseline_batch) {
      run(begin_);
      auto last = std::min(leads.size(), first + baseline_batch);
      for (size_t i = first; i < last; ++i) insert(leads[i]);
      run(commit_);
    }
  }

private:
  void run(sqlite::statement& s) {
    int rc = s.step();
    s.reset();
    if (rc != SQLITE_DONE) throw std::runtime_error("baseline: " + sqlite::error_text(db_.get(), rc));
  }

  void insert(const lead_record& lead) {
    auto id = sqlite::to_bytes(lead.id);
    auto id_text = lead.id.to_string();
    auto tags = join_tags(lead.tags);
    bind_lead(lead, id, id_text, tags);
    run(lead_);
    for (size_t seq = 0; seq < lead.journal.size(); ++seq) {
      const auto& j = lead.journal[seq];
      event_.bind_blob(1, id);
      event_.bind_int(2, int64_t(seq));
      event_.bind_int(3, j.at);
      event_.bind_text(4, to_string(j.state));
      event_.bind_text(5, j.note);
      run(event_);
    }
    for (const auto& a : lead.auctions) insert_round(id, a);
  }

  void bind_lead(const lead_record& lead, const sqlite::uuid_bytes& id, const std::string& id_text,
                 const std::string& tags) {
    auto& s = lead_;
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
    s.bind_text(32, tags);
    s.bind_text(33, ""); // no IVR answers in these leads: the store writes '' too
  }

  void insert_round(const sqlite::uuid_bytes& id, const auction_record& a) {
    round_.bind_blob(1, id);
    round_.bind_int(2, a.round);
    round_.bind_text(3, a.strategy);
    round_.bind_text(4, a.clearing);
    round_.bind_int(5, a.opened_at);
    round_.bind_int(6, a.closed_at);
    round_.bind_int(7, a.deadline_ms);
    round_.bind_int(8, a.floor_micros);
    round_.bind_text(9, a.winner);
    round_.bind_int(10, a.winning_bid_micros);
    round_.bind_int(11, a.clearing_price_micros);
    run(round_);
    for (size_t seq = 0; seq < a.entries.size(); ++seq) {
      const auto& e = a.entries[seq];
      entry_.bind_blob(1, id);
      entry_.bind_int(2, a.round);
      entry_.bind_int(3, int64_t(seq));
      entry_.bind_text(4, e.buyer_id);
      entry_.bind_text(5, to_string(e.verdict));
      entry_.bind_text(6, e.reason);
      entry_.bind_int(7, e.bid_micros);
      entry_.bind_int(8, e.price_micros);
      entry_.bind_int(9, e.latency_us);
      entry_.bind_int(10, e.transport_us);
      entry_.bind_int(11, e.rank);
      entry_.bind_int(12, e.fixed ? 1 : 0);
      run(entry_);
    }
  }

  sqlite::db_ptr db_;
  sqlite::statement begin_, commit_, lead_, event_, round_, entry_;
};

/// The bare loop writing `leads`: one thread, 1000 leads per transaction.
timed_run baseline_write(const std::vector<lead_record>& leads, const std::string& path) {
  bare_lead_writer writer{path};
  auto cpu_start = process_cpu_seconds();
  auto start = clock_type::now();
  writer.write(leads);
  return {seconds_since(start), process_cpu_seconds() - cpu_start};
}

// -- submit -> committed latency ---------------------------------------------------------
// The store only tells how many leads it has committed, but it commits them in
// queue order (FIFO batches, no duplicates here): lead k of the queue is
// committed once committed() > k. Submits go through one mutex so the queue
// order is known, and a poller stamps each lead when the count passes it. The
// stamp is late by at most one poll interval.

constexpr microseconds commit_poll_interval{100};

/// Stamps committed_at[k] when store.committed() first exceeds k, until all
/// are stamped or `abandon` is set.
void stamp_commits(const sqlite_lead_store& store, std::vector<clock_type::time_point>& committed_at,
                   const std::atomic<bool>& abandon) {
  size_t seen = 0;
  while (seen < committed_at.size() && !abandon.load()) {
    auto now_committed = std::min<size_t>(store.committed(), committed_at.size());
    auto now = clock_type::now();
    for (; seen < now_committed; ++seen) committed_at[seen] = now;
    std::this_thread::sleep_for(commit_poll_interval);
  }
}

/// Submit -> committed latencies (ns) of leads submitted by `producers`
/// threads at `rate` per second in total.
std::vector<int64_t> paced_commit_latencies(std::vector<lead_record> leads, int producers, double rate,
                                            const std::string& path) {
  auto store = open_store(path);
  const size_t count = leads.size();
  std::vector<clock_type::time_point> submitted_at(count), committed_at(count);
  std::mutex queue_order;
  size_t queued = 0;
  std::atomic<bool> abandon{false};
  std::thread poller{[&] { stamp_commits(*store, committed_at, abandon); }};
  clock_type::time_point start;
  const auto step = static_cast<size_t>(producers);
  run_threads(
    producers,
    [&](int t) {
      for (size_t i = static_cast<size_t>(t); i < count; i += step) {
        std::this_thread::sleep_until(
          start + std::chrono::duration_cast<clock_type::duration>(std::chrono::duration<double>(double(i) / rate)));
        std::lock_guard lock{queue_order};
        submitted_at[queued++] = clock_type::now();
        store->submit(std::move(leads[i]));
      }
    },
    [&] { start = clock_type::now(); });
  store->flush();
  if (store->committed() != count) abandon = true;
  poller.join();
  expect_committed(*store, count, "paced leads run");
  std::vector<int64_t> out;
  out.reserve(count);
  for (size_t k = 0; k < count; ++k) out.push_back(nanoseconds_between(submitted_at[k], committed_at[k]));
  return out;
}

// == DIDs ============================================================================

/// bench_config's node with `count` more numbers, all assigned (two tags each).
engine_config directory_config(int count) {
  auto cfg = bench_config(1, 500, 40);
  for (int i = 0; i < count; ++i)
    cfg.dids.push_back(did_config{fmt::format("+1512{:07}", i), "bench", "pub", {"spanish", "mobile"}});
  return cfg;
}

/// `count` numbers drawn uniformly from the config's DIDs (fixed seed).
std::vector<std::string> random_numbers(const engine_config& cfg, uint64_t count) {
  std::mt19937_64 rng{7};
  std::uniform_int_distribution<size_t> pick{0, cfg.dids.size() - 1};
  std::vector<std::string> out;
  out.reserve(count);
  for (uint64_t i = 0; i < count; ++i) out.push_back(cfg.dids[pick(rng)].number);
  return out;
}

did_directory_parts open_directory(const engine_config& cfg, const std::string& db, const std::string& redis_url) {
  auto parts = open_did_directory(cfg, db, redis_url);
  if (!parts.directory) throw std::runtime_error("cannot open the DID directory in " + db + ": " + parts.error);
  return parts;
}

void expect_found(bool found, const std::string& number) {
  if (!found) throw std::runtime_error("DID lookup of " + number + " found no route");
}

/// Lookup -> callback times (ns) of a directory that answers inline.
std::vector<int64_t> time_inline_lookups(did_directory& directory, const std::vector<std::string>& numbers) {
  std::vector<int64_t> out;
  out.reserve(numbers.size());
  for (const auto& number : numbers) {
    clock_type::time_point answered{};
    bool found = false;
    auto start = clock_type::now();
    directory.lookup(number, [&](std::optional<did_route> route) {
      answered = clock_type::now();
      found = route && route->found;
    });
    if (answered == clock_type::time_point{})
      throw std::runtime_error("the in-process directory did not answer inline");
    expect_found(found, number);
    out.push_back(nanoseconds_between(start, answered));
  }
  return out;
}

/// Lookup -> callback times (ns), one lookup in flight, the callback on
/// whichever thread the directory answers from. The time is taken in the
/// callback, so waking this thread afterwards is not counted.
std::vector<int64_t> time_async_lookups(did_directory& directory, std::span<const std::string> numbers) {
  struct answer {
    std::atomic<bool> ready{false};
    clock_type::time_point at;
    bool found = false;
  };
  // Shared with the callback: it still notifies after this thread may have
  // seen `ready` and moved on.
  auto a = std::make_shared<answer>();
  std::vector<int64_t> out;
  out.reserve(numbers.size());
  for (const auto& number : numbers) {
    a->ready.store(false);
    auto start = clock_type::now();
    directory.lookup(number, [a](std::optional<did_route> route) {
      a->at = clock_type::now();
      a->found = route && route->found;
      a->ready.store(true);
      a->ready.notify_one();
    });
    a->ready.wait(false);
    expect_found(a->found, number);
    out.push_back(nanoseconds_between(start, a->at));
  }
  return out;
}

// -- Redis ------------------------------------------------------------------------------

struct redis_freer {
  void operator()(redisContext* c) const noexcept { redisFree(c); }
};
using redis_connection = std::unique_ptr<redisContext, redis_freer>;

redis_connection connect_redis(uint16_t port) {
  redis_connection c{redisConnectWithTimeout("127.0.0.1", port, timeval{1, 0})};
  if (c && c->err) c.reset();
  return c;
}

bool answers_ping(uint16_t port) {
  auto c = connect_redis(port);
  if (!c) return false;
  auto* reply = static_cast<redisReply*>(redisCommand(c.get(), "PING"));
  bool pong = reply && reply->type == REDIS_REPLY_STATUS && std::string_view{reply->str, reply->len} == "PONG";
  if (reply) freeReplyObject(reply);
  return pong;
}

/// redis-server on PATH (or in /usr/bin); "" when it is not installed.
std::string find_redis_server() {
  std::string_view path = std::getenv("PATH") ? std::getenv("PATH") : "";
  while (true) {
    auto colon = path.find(':');
    auto dir = path.substr(0, colon);
    if (!dir.empty()) {
      auto candidate = std::filesystem::path{dir} / "redis-server";
      if (::access(candidate.c_str(), X_OK) == 0) return candidate.string();
    }
    if (colon == std::string_view::npos) break;
    path.remove_prefix(colon + 1);
  }
  return ::access("/usr/bin/redis-server", X_OK) == 0 ? "/usr/bin/redis-server" : "";
}

/// A redis-server child on a free loopback port, without persistence; stopped
/// (SIGTERM, then SIGKILL after 5 s) when this goes.
class redis_server {
public:
  /// Starts it and waits until it answers PING. Throws when it never does.
  redis_server(const std::string& binary, const std::string& dir) {
    for (int attempt = 0; attempt < 3; ++attempt) {
      port_ = free_port(); // another process may take it first: hence the attempts
      pid_ = spawn_logged({binary, "--port", std::to_string(port_), "--bind", "127.0.0.1", "--save", "", "--appendonly",
                           "no", "--daemonize", "no"},
                          dir + "/redis-" + std::to_string(attempt) + ".log");
      if (wait_until_answering()) return;
      stop();
    }
    throw std::runtime_error("redis-server did not start; see " + dir + "/redis-*.log");
  }
  ~redis_server() { stop(); }
  redis_server(const redis_server&) = delete;
  redis_server& operator=(const redis_server&) = delete;

  uint16_t port() const { return port_; }
  std::string url() const { return "redis://127.0.0.1:" + std::to_string(port_); }

private:
  bool wait_until_answering() {
    auto until = clock_type::now() + std::chrono::seconds{10};
    while (clock_type::now() < until) {
      if (answers_ping(port_)) return true;
      int status = 0;
      if (::waitpid(pid_, &status, WNOHANG) == pid_) {
        pid_ = -1; // exited (port taken?)
        return false;
      }
      std::this_thread::sleep_for(milliseconds{20});
    }
    return false;
  }

  void stop() {
    if (pid_ <= 0) return;
    ::kill(pid_, SIGTERM);
    wait_exit(pid_, milliseconds{5'000}); // SIGKILLs it after that
    pid_ = -1;
  }

  pid_t pid_ = -1;
  uint16_t port_ = 0;
};

/// A bare hiredis connection: synchronous GETs, timed.
class bare_redis_client {
public:
  explicit bare_redis_client(uint16_t port) : connection_(connect_redis(port)) {
    if (!connection_) throw std::runtime_error("baseline: cannot connect to Redis");
  }

  /// One GET round trip (ns), up to the parsed reply. Throws unless the key has a value.
  int64_t timed_get(const std::string& key) {
    const char* argv[] = {"GET", key.c_str()};
    const size_t lengths[] = {3, key.size()};
    auto start = clock_type::now();
    auto* reply = static_cast<redisReply*>(redisCommandArgv(connection_.get(), 2, argv, lengths));
    auto done = clock_type::now();
    bool hit = reply && reply->type == REDIS_REPLY_STRING;
    if (reply) freeReplyObject(reply);
    if (!hit) throw std::runtime_error("baseline: GET " + key + " found nothing");
    return nanoseconds_between(start, done);
  }

private:
  redis_connection connection_;
};

template <class Predicate>
bool wait_until(Predicate ready, milliseconds limit) {
  auto until = clock_type::now() + limit;
  while (!ready()) {
    if (clock_type::now() >= until) return false;
    std::this_thread::sleep_for(milliseconds{10});
  }
  return true;
}

/// The cache connected for lookups and subscribed for invalidations (whose
/// first subscription reloads the whole map: not to be timed).
void wait_until_ready(const redis_did_cache& cache) {
  bool ready = wait_until([&] { return cache.stats().connected.load() && cache.stats().subscriptions.load() > 0; },
                          milliseconds{10'000});
  if (!ready) throw std::runtime_error("the Redis DID cache did not connect and subscribe within 10 s");
}

struct redis_counts {
  uint64_t hits = 0, misses = 0, fallbacks = 0;
};

redis_counts counts_of(const redis_did_cache& cache) {
  return {cache.stats().redis_hits.load(), cache.stats().redis_misses.load(), cache.stats().fallbacks.load()};
}

/// Fails unless every one of `lookups` since `before` was answered by a Redis hit.
void expect_all_hits(const redis_did_cache& cache, const redis_counts& before, uint64_t lookups) {
  auto after = counts_of(cache);
  if (after.hits - before.hits != lookups || after.misses != before.misses || after.fallbacks != before.fallbacks)
    throw std::runtime_error(fmt::format("Redis lookups did not all hit: {} hits, {} misses, {} fallbacks of {}",
                                         after.hits - before.hits, after.misses - before.misses,
                                         after.fallbacks - before.fallbacks, lookups));
}

struct redis_measurements {
  std::vector<int64_t> engine_ns;
  std::vector<int64_t> bare_ns;
  uint64_t warm_misses = 0;
};

/// Lookups per block: the engine and the bare client take turns, so whatever
/// else loads the machine falls on both alike.
constexpr size_t redis_block = 5'000;

/// Through the node's Redis cache (warmed: every number looked up once, so each
/// is SET), and bare GETs of the same keys in the same order, block by block.
redis_measurements measure_redis(const engine_config& cfg, const std::string& db, const redis_server& server,
                                 const std::vector<std::string>& numbers) {
  redis_measurements out;
  auto parts = open_directory(cfg, db, server.url());
  auto& cache = *parts.redis;
  wait_until_ready(cache);
  std::vector<std::string> every_number;
  for (const auto& d : cfg.dids) every_number.push_back(d.number);
  time_async_lookups(cache, every_number);
  out.warm_misses = counts_of(cache).misses;

  bare_redis_client bare{server.port()};
  std::vector<std::string> keys;
  for (const auto& n : numbers) keys.push_back(redis_did_key(n));
  auto before = counts_of(cache);
  for (size_t first = 0; first < numbers.size(); first += redis_block) {
    auto last = std::min(numbers.size(), first + redis_block);
    auto engine = time_async_lookups(cache, std::span{numbers}.subspan(first, last - first));
    out.engine_ns.insert(out.engine_ns.end(), engine.begin(), engine.end());
    for (auto i = first; i < last; ++i) out.bare_ns.push_back(bare.timed_get(keys[i]));
  }
  expect_all_hits(cache, before, numbers.size());
  // Its threads would call back into state that is about to go.
  cache.stop();
  return out;
}

} // namespace

// == the benchmarks ====================================================================

std::vector<result_row> bench_leads(const leads_bench_options& options) {
  auto leads = make_leads(options.leads, 11);
  auto expected = expected_rows(leads);

  // The baseline first: the engine run moves the leads out of the vector.
  auto baseline_db = options.work_dir + "/leads-baseline.db";
  auto baseline = baseline_write(leads, baseline_db);
  expect_stored(baseline_db, expected, "the baseline");

  auto engine_db = options.work_dir + "/leads-engine.db";
  auto engine = engine_write(std::move(leads), options.producers, engine_db);
  expect_stored(engine_db, expected, "sqlite_lead_store");
  double engine_rate = double(options.leads) / engine.seconds;
  double baseline_rate = double(options.leads) / baseline.seconds;

  auto latencies = paced_commit_latencies(make_leads(options.paced_leads, 13), options.producers, options.paced_rate,
                                          options.work_dir + "/leads-paced.db");
  auto [p50, p99] = p50_p99_us(latencies);
  auto cpu_us_per_lead = [&](const timed_run& r) { return r.cpu_seconds * 1e6 / double(options.leads); };
  std::cerr << fmt::format("leads: {} leads of {} rows each; engine {:.0f}/s ({:.1f} us CPU a lead), bare loop "
                           "{:.0f}/s ({:.1f} us CPU a lead); paced {} at {:.0f}/s: submit->committed p50 {:.0f} us, "
                           "p99 {:.0f} us, max {:.0f} us\n",
                           options.leads, (expected.events + expected.rounds + expected.entries) / expected.leads + 1,
                           engine_rate, cpu_us_per_lead(engine), baseline_rate, cpu_us_per_lead(baseline),
                           options.paced_leads, options.paced_rate, p50, p99, double(latencies.back()) / 1e3);

  std::vector<result_row> rows;
  rows.push_back(result_row{fmt::format("durable leads/s, {} producers, group commit", options.producers), engine_rate,
                            "leads/s", baseline_rate, "bare INSERT loop, 1 thread, 1000/txn",
                            baseline_rate > 0 ? engine_rate / baseline_rate : 0});
  auto paced = fmt::format("{:.0f} leads/s", options.paced_rate);
  rows.push_back(result_row{"lead submit->committed p50, " + paced, p50, "us", 0, "-", 0});
  rows.push_back(result_row{"lead submit->committed p99, " + paced, p99, "us", 0, "-", 0});
  return rows;
}

std::vector<result_row> bench_dids(const dids_bench_options& options) {
  auto cfg = directory_config(options.dids);
  auto numbers = random_numbers(cfg, options.lookups);
  std::vector<result_row> rows;

  auto local = open_directory(cfg, options.work_dir + "/dids.db", "");
  auto inline_ns = time_inline_lookups(*local.directory, numbers);
  auto [local_p50, local_p99] = p50_p99_us(inline_ns);
  auto size = fmt::format("{} DIDs", cfg.dids.size());
  rows.push_back(result_row{"DID lookup p50, in-process map, " + size, local_p50, "us", 0, "-", 0});
  rows.push_back(result_row{"DID lookup p99, in-process map, " + size, local_p99, "us", 0, "-", 0});
  std::cerr << fmt::format("dids: in-process p50 {} ns, p99 {} ns, max {} ns over {} lookups\n",
                           percentile(inline_ns, 50), percentile(inline_ns, 99), inline_ns.back(), numbers.size());

  auto binary = find_redis_server();
  if (binary.empty()) {
    std::cerr << "dids: redis-server is not installed: the Redis rows are skipped\n";
    return rows;
  }
  redis_server server{binary, options.work_dir};
  auto redis = measure_redis(cfg, options.work_dir + "/dids-redis.db", server, numbers);
  auto [engine_p50, engine_p99] = p50_p99_us(redis.engine_ns);
  auto [bare_p50, bare_p99] = p50_p99_us(redis.bare_ns);
  std::cerr << fmt::format("dids: Redis warmed with {} misses; {} hits p50 {:.1f} us, p99 {:.1f} us; "
                           "bare GET p50 {:.1f} us, p99 {:.1f} us\n",
                           redis.warm_misses, redis.engine_ns.size(), engine_p50, engine_p99, bare_p50, bare_p99);
  rows.push_back(result_row{"DID lookup p50, Redis hit", engine_p50, "us", bare_p50, "bare hiredis GET round trip p50",
                            bare_p50 > 0 ? engine_p50 / bare_p50 : 0});
  rows.push_back(result_row{"DID lookup p99, Redis hit", engine_p99, "us", bare_p99, "bare hiredis GET round trip p99",
                            bare_p99 > 0 ? engine_p99 / bare_p99 : 0});
  return rows;
}

} // namespace ringbid
