#include "adapters/sqlite/sqlite_lead_reader.hpp"

#include "adapters/sqlite/sqlite_common.hpp"

#include <rapidjson/document.h>
#include <sqlite3.h>

#include <algorithm>
#include <limits>
#include <mutex>
#include <stdexcept>
#include <string_view>

namespace ringbid {

namespace {

std::vector<std::string> split_tags(const std::string& text) {
  std::vector<std::string> out;
  size_t start = 0;
  while (start < text.size()) {
    auto comma = text.find(',', start);
    if (comma == std::string::npos) comma = text.size();
    out.push_back(text.substr(start, comma - start));
    start = comma + 1;
  }
  return out;
}

/// IVR answers from their stored JSON object; nothing for '' or a broken value.
std::vector<ivr_answer> parse_ivr(const std::string& text) {
  std::vector<ivr_answer> out;
  rapidjson::Document doc;
  if (text.empty() || doc.Parse(text.c_str(), text.size()).HasParseError() || !doc.IsObject()) return out;
  for (const auto& m : doc.GetObject())
    if (m.value.IsString()) out.push_back(ivr_answer{m.name.GetString(), m.value.GetString()});
  return out;
}

constexpr const char* select_lead_sql =
  "SELECT id, carrier_call_id, did, caller, campaign_id, source_id, buyer_id, destination, outcome, "
  "ended_in, started_at, answered_at, bridged_at, ended_at, hold_ms, talk_ms, bid_micros, "
  "revenue_micros, payout_micros, auction_rounds, transfer_attempts, auction_latency_us, hangup_cause, "
  "hangup_source, recording_url, caller_state, area_code, converted, billing_note, caller_hash, tags, ivr, "
  "price_micros FROM leads WHERE id = ?1";

constexpr const char* select_journal_sql = "SELECT at, state, note FROM call_events WHERE call_id = ?1 ORDER BY seq";

constexpr const char* select_rounds_sql =
  "SELECT round, strategy, clearing, opened_at, closed_at, deadline_ms, floor_micros, winner, "
  "winning_bid_micros, clearing_price_micros FROM auction_rounds WHERE call_id = ?1 ORDER BY round";

constexpr const char* select_entries_sql =
  "SELECT round, buyer_id, verdict, reason, bid_micros, price_micros, latency_us, transport_us, rank, fixed "
  "FROM auction_entries WHERE call_id = ?1 ORDER BY round, seq";

// ?1 is always the name of disposition::bridged.
constexpr const char* totals_sql =
  "SELECT count(*), coalesce(sum(revenue_micros), 0), coalesce(sum(payout_micros), 0), "
  "coalesce(sum(CASE WHEN outcome = ?1 THEN bid_micros END), 0), "
  "avg(CASE WHEN outcome = ?1 THEN talk_ms END), "
  "avg(CASE WHEN hold_ms > 0 OR outcome = ?1 THEN hold_ms END), "
  "count(CASE WHEN auction_latency_us >= 0 THEN 1 END) FROM leads";

constexpr const char* outcomes_sql = "SELECT outcome, count(*) FROM leads GROUP BY outcome";

constexpr const char* wins_sql =
  "SELECT buyer_id, count(*), coalesce(sum(revenue_micros), 0) FROM leads WHERE outcome = ?1 "
  "GROUP BY buyer_id ORDER BY buyer_id";

constexpr const char* latency_rank_sql = "SELECT auction_latency_us FROM leads WHERE auction_latency_us >= 0 "
                                         "ORDER BY auction_latency_us LIMIT 1 OFFSET ?1";

[[noreturn]] void fail(sqlite3* db, int rc, const char* what) {
  throw std::runtime_error(std::string("sqlite_lead_reader: ") + what + ": " + sqlite::error_text(db, rc));
}

/// The WHERE clause of a lead_query; parameters ?1..?6 as bound by bind_query.
std::string where_clause(const lead_query& q) {
  std::string sql;
  auto add = [&](const char* condition) {
    sql += sql.empty() ? " WHERE " : " AND ";
    sql += condition;
  };
  if (q.from) add("started_at >= ?1");
  if (q.until) add("started_at < ?2");
  if (!q.campaign_id.empty()) add("campaign_id = ?3");
  if (!q.source_id.empty()) add("source_id = ?4");
  if (!q.buyer_id.empty()) add("buyer_id = ?5");
  if (q.outcome) add("outcome = ?6");
  return sql;
}

/// Binds what where_clause() refers to. Texts are bound without copying: `q`
/// must outlive the statement's use.
void bind_query(sqlite::statement& s, const lead_query& q) {
  if (q.from) s.bind_int(1, *q.from);
  if (q.until) s.bind_int(2, *q.until);
  if (!q.campaign_id.empty()) s.bind_text(3, q.campaign_id);
  if (!q.source_id.empty()) s.bind_text(4, q.source_id);
  if (!q.buyer_id.empty()) s.bind_text(5, q.buyer_id);
  if (q.outcome) s.bind_text(6, to_string(*q.outcome)); // a static string
}

uint64_t* outcome_counter(lead_summary& s, disposition d) {
  switch (d) {
    case disposition::in_progress: return &s.in_progress;
    case disposition::bridged: return &s.bridged;
    case disposition::no_buyer: return &s.no_buyer;
    case disposition::buyer_no_answer: return &s.buyer_no_answer;
    case disposition::abandoned: return &s.abandoned;
    case disposition::unknown_number: return &s.unknown_number;
    case disposition::failed: return &s.failed;
    case disposition::interrupted: return &s.interrupted;
    case disposition::paused: return &s.paused;
  }
  return nullptr;
}

} // namespace

struct sqlite_lead_reader::impl {
  sqlite::db_ptr db;
  mutable std::mutex mutex; ///< one snapshot at a time on the connection

  sqlite::statement prepare(const char* sql) const {
    sqlite::statement s;
    std::string error;
    if (!s.prepare(db.get(), sql, &error)) throw std::runtime_error("sqlite_lead_reader: " + error);
    return s;
  }

  /// Steps a statement expected to yield exactly one row.
  void one_row(sqlite::statement& s, const char* what) const {
    if (int rc = s.step(); rc != SQLITE_ROW) fail(db.get(), rc, what);
  }

  int64_t latency_at_rank(uint64_t n, uint64_t percent) const;
  /// Whether the leads table has `column` (the 0004 columns are missing in
  /// a store no build with migration 0004 has opened yet).
  bool has_lead_column(const char* column) const;
  void read_outcomes(lead_summary& out) const;
};

namespace {

/// A read transaction: the queries inside it see one snapshot.
class snapshot {
public:
  explicit snapshot(sqlite3* db) : db_(db) {
    if (int rc = sqlite::exec(db_, "BEGIN", nullptr); rc != SQLITE_OK) fail(db_, rc, "begin");
  }
  ~snapshot() { sqlite::exec(db_, "COMMIT", nullptr); }
  snapshot(const snapshot&) = delete;
  snapshot& operator=(const snapshot&) = delete;

private:
  sqlite3* db_;
};

} // namespace

/// Nearest rank: the value at position ceil(percent/100 * n), counting from 1.
int64_t sqlite_lead_reader::impl::latency_at_rank(uint64_t n, uint64_t percent) const {
  if (n == 0) return -1;
  uint64_t rank = (n * percent + 99) / 100;
  if (rank == 0) rank = 1;
  auto s = prepare(latency_rank_sql);
  s.bind_int(1, static_cast<int64_t>(rank - 1));
  one_row(s, "latency percentile");
  return s.column_int(0);
}

bool sqlite_lead_reader::impl::has_lead_column(const char* column) const {
  auto s = prepare("SELECT count(*) FROM pragma_table_info('leads') WHERE name = ?1");
  s.bind_text(1, column);
  one_row(s, "table info");
  return s.column_int(0) > 0;
}

void sqlite_lead_reader::impl::read_outcomes(lead_summary& out) const {
  auto s = prepare(outcomes_sql);
  int rc;
  while ((rc = s.step()) == SQLITE_ROW) {
    auto d = sqlite::parse_enum(s.column_text(0), last_disposition, disposition::in_progress);
    if (to_string(d) != s.column_text(0)) continue; // unknown name: in `leads` only
    *outcome_counter(out, d) += static_cast<uint64_t>(s.column_int(1));
  }
  if (rc != SQLITE_DONE) fail(db.get(), rc, "outcomes");
}

std::unique_ptr<sqlite_lead_reader> sqlite_lead_reader::open(const std::string& path, std::string* error) {
  std::string scratch;
  std::string* err = error ? error : &scratch;
  auto state = std::make_unique<impl>();
  state->db = sqlite::open_db(path, SQLITE_OPEN_READONLY | SQLITE_OPEN_FULLMUTEX, err);
  if (!state->db) return nullptr;
  sqlite3_busy_timeout(state->db.get(), 5000);
  // Proves the file is a lead store (and readable) before anyone relies on it.
  sqlite::statement probe;
  if (!probe.prepare(state->db.get(), "SELECT max(version) FROM schema_migrations", err)) {
    *err = path + ": not a lead store: " + *err;
    return nullptr;
  }
  if (int rc = probe.step(); rc != SQLITE_ROW || probe.column_is_null(0)) {
    *err = path + ": not a lead store: " +
           (rc == SQLITE_ROW ? std::string("no migration applied") : sqlite::error_text(state->db.get(), rc));
    return nullptr;
  }
  return std::unique_ptr<sqlite_lead_reader>(new sqlite_lead_reader(std::move(state)));
}

sqlite_lead_reader::sqlite_lead_reader(std::unique_ptr<impl> state) : impl_(std::move(state)) {}

sqlite_lead_reader::~sqlite_lead_reader() = default;

lead_summary sqlite_lead_reader::summarize() const {
  std::lock_guard lock(impl_->mutex);
  snapshot snap(impl_->db.get());
  const auto bridged = to_string(disposition::bridged);
  lead_summary out;
  auto totals = impl_->prepare(totals_sql);
  totals.bind_text(1, bridged);
  impl_->one_row(totals, "totals");
  out.leads = static_cast<uint64_t>(totals.column_int(0));
  out.revenue_micros = totals.column_int(1);
  out.payout_micros = totals.column_int(2);
  out.bid_sum_bridged_micros = totals.column_int(3);
  out.mean_talk_ms = totals.column_double(4); // NULL (no such call) reads as 0
  out.mean_hold_ms = totals.column_double(5);
  auto with_latency = static_cast<uint64_t>(totals.column_int(6));
  out.auction_latency_p50_us = impl_->latency_at_rank(with_latency, 50);
  out.auction_latency_p99_us = impl_->latency_at_rank(with_latency, 99);
  impl_->read_outcomes(out);
  auto wins = impl_->prepare(wins_sql);
  wins.bind_text(1, bridged);
  int rc;
  while ((rc = wins.step()) == SQLITE_ROW)
    out.wins.push_back({wins.column_text(0), static_cast<uint64_t>(wins.column_int(1)), wins.column_int(2)});
  if (rc != SQLITE_DONE) fail(impl_->db.get(), rc, "wins");
  return out;
}

uint64_t sqlite_lead_reader::count() const {
  std::lock_guard lock(impl_->mutex);
  auto s = impl_->prepare("SELECT count(*) FROM leads");
  impl_->one_row(s, "count");
  return static_cast<uint64_t>(s.column_int(0));
}

uint64_t sqlite_lead_reader::count_duplicate_ids() const {
  std::lock_guard lock(impl_->mutex);
  auto s =
    impl_->prepare("SELECT coalesce(sum(n - 1), 0) FROM (SELECT count(*) AS n FROM leads GROUP BY id HAVING n > 1)");
  impl_->one_row(s, "duplicates");
  return static_cast<uint64_t>(s.column_int(0));
}

lead_totals sqlite_lead_reader::scan(const lead_query& query, const std::function<void(const lead_row&)>& visit) const {
  std::lock_guard lock(impl_->mutex);
  snapshot snap(impl_->db.get());
  const auto where = where_clause(query);
  lead_totals totals;
  {
    auto t = impl_->prepare(
      ("SELECT count(*), coalesce(sum(revenue_micros), 0), coalesce(sum(payout_micros), 0) FROM leads" + where)
        .c_str());
    bind_query(t, query);
    impl_->one_row(t, "lead totals");
    totals.leads = static_cast<uint64_t>(t.column_int(0));
    totals.revenue_micros = t.column_int(1);
    totals.payout_micros = t.column_int(2);
  }
  auto column_or = [&](const char* column, const char* fallback) {
    return std::string(impl_->has_lead_column(column) ? column : fallback);
  };
  const auto sql = "SELECT id, started_at, campaign_id, source_id, did, caller, " + column_or("caller_state", "''") +
                   ", buyer_id, outcome, ended_in, hold_ms, talk_ms, bid_micros, revenue_micros, payout_micros, " +
                   column_or("converted", "0") + ", " + column_or("billing_note", "''") + ", " +
                   column_or("tags", "''") + ", " + column_or("price_micros", "0") + ", " +
                   column_or("config_revision", "0") + " FROM leads" + where +
                   " ORDER BY started_at DESC, id DESC LIMIT ?7";
  auto s = impl_->prepare(sql.c_str());
  bind_query(s, query);
  constexpr uint64_t no_limit = 0;
  const auto max = static_cast<uint64_t>(std::numeric_limits<int64_t>::max());
  s.bind_int(7, query.limit == no_limit ? -1 : static_cast<int64_t>(std::min(query.limit, max)));
  lead_row row;
  int rc;
  while ((rc = s.step()) == SQLITE_ROW) {
    row.id = s.column_uuid(0);
    row.started_at = s.column_int(1);
    row.campaign_id = s.column_text(2);
    row.source_id = s.column_text(3);
    row.did = s.column_text(4);
    row.caller = s.column_text(5);
    row.caller_state = s.column_text(6);
    row.buyer_id = s.column_text(7);
    row.outcome = s.column_text(8);
    row.ended_in = s.column_text(9);
    row.hold_ms = s.column_int(10);
    row.talk_ms = s.column_int(11);
    row.bid_micros = s.column_int(12);
    row.revenue_micros = s.column_int(13);
    row.payout_micros = s.column_int(14);
    row.converted = s.column_int(15) != 0;
    row.billing_note = s.column_text(16);
    row.tags = s.column_text(17);
    row.price_micros = s.column_int(18);
    row.config_revision = s.column_int(19);
    visit(row);
  }
  if (rc != SQLITE_DONE) fail(impl_->db.get(), rc, "scan leads");
  return totals;
}

uint64_t sqlite_lead_reader::for_each_booked(const lead_query& query,
                                             const std::function<void(const booked_call&)>& visit) const {
  std::lock_guard lock(impl_->mutex);
  snapshot snap(impl_->db.get());
  // Round winners joined by the unit separator, in round order.
  const auto sql = "SELECT id, campaign_id, source_id, buyer_id, outcome, started_at, ended_at, talk_ms, bid_micros, "
                   "revenue_micros, payout_micros, auction_latency_us, "
                   "(SELECT group_concat(winner, char(31)) FROM (SELECT winner FROM auction_rounds r "
                   "WHERE r.call_id = leads.id AND winner <> '' ORDER BY round)) FROM leads" +
                   where_clause(query);
  auto s = impl_->prepare(sql.c_str());
  bind_query(s, query);
  booked_call call;
  uint64_t n = 0;
  int rc;
  while ((rc = s.step()) == SQLITE_ROW) {
    call.id = s.column_uuid(0);
    call.campaign_id = s.column_text(1);
    call.source_id = s.column_text(2);
    call.buyer_id = s.column_text(3);
    call.outcome = sqlite::parse_enum(s.column_text(4), last_disposition, disposition::interrupted);
    call.started_at = s.column_int(5);
    call.ended_at = s.column_int(6);
    call.talk_ms = s.column_int(7);
    call.bid_micros = s.column_int(8);
    call.revenue_micros = s.column_int(9);
    call.payout_micros = s.column_int(10);
    call.auction_latency_us = s.column_int(11);
    call.round_winners.clear();
    auto winners = s.column_text(12);
    for (size_t start = 0; start < winners.size();) {
      auto end = winners.find('\x1f', start);
      if (end == std::string::npos) end = winners.size();
      call.round_winners.push_back(winners.substr(start, end - start));
      start = end + 1;
    }
    visit(call);
    ++n;
  }
  if (rc != SQLITE_DONE) fail(impl_->db.get(), rc, "booked leads");
  return n;
}

lead_listing sqlite_lead_reader::list(const lead_query& query) const {
  lead_listing out;
  out.matching = scan(query, [&](const lead_row& row) { out.rows.push_back(row); });
  return out;
}

std::optional<lead_record> sqlite_lead_reader::find(const call_id& id) const {
  std::lock_guard lock(impl_->mutex);
  snapshot snap(impl_->db.get());
  auto key = sqlite::to_bytes(id);
  auto s = impl_->prepare(select_lead_sql);
  s.bind_blob(1, key);
  int rc = s.step();
  if (rc == SQLITE_DONE) return std::nullopt;
  if (rc != SQLITE_ROW) fail(impl_->db.get(), rc, "find");
  lead_record x;
  x.id = s.column_uuid(0);
  x.carrier_call_id = s.column_text(1);
  x.did = s.column_text(2);
  x.caller = s.column_text(3);
  x.campaign_id = s.column_text(4);
  x.source_id = s.column_text(5);
  x.buyer_id = s.column_text(6);
  x.destination = s.column_text(7);
  x.outcome = sqlite::parse_enum(s.column_text(8), last_disposition, disposition::in_progress);
  x.ended_in = sqlite::parse_enum(s.column_text(9), call_state::done, call_state::greeting);
  x.started_at = s.column_int(10);
  x.answered_at = s.column_int(11);
  x.bridged_at = s.column_int(12);
  x.ended_at = s.column_int(13);
  x.hold_ms = s.column_int(14);
  x.talk_ms = s.column_int(15);
  x.bid_micros = s.column_int(16);
  x.revenue_micros = s.column_int(17);
  x.payout_micros = s.column_int(18);
  x.auction_rounds = static_cast<uint32_t>(s.column_int(19));
  x.transfer_attempts = static_cast<uint32_t>(s.column_int(20));
  x.auction_latency_us = s.column_int(21);
  x.cause = sqlite::parse_enum(s.column_text(22), hangup_cause::unspecified, hangup_cause::unspecified);
  x.source = sqlite::parse_enum(s.column_text(23), hangup_source::unknown, hangup_source::unknown);
  x.recording_url = s.column_text(24);
  x.caller_state = s.column_text(25);
  x.area_code = s.column_text(26);
  x.converted = s.column_int(27) != 0;
  x.billing_note = s.column_text(28);
  x.caller_hash = s.column_text(29);
  x.tags = split_tags(s.column_text(30));
  x.ivr = parse_ivr(s.column_text(31));
  x.price_micros = s.column_int(32);
  auto j = impl_->prepare(select_journal_sql);
  j.bind_blob(1, key);
  while ((rc = j.step()) == SQLITE_ROW)
    x.journal.push_back({j.column_int(0), sqlite::parse_enum(j.column_text(1), call_state::done, call_state::greeting),
                         j.column_text(2)});
  if (rc != SQLITE_DONE) fail(impl_->db.get(), rc, "find journal");
  auto r = impl_->prepare(select_rounds_sql);
  r.bind_blob(1, key);
  while ((rc = r.step()) == SQLITE_ROW) {
    auction_record a;
    a.round = static_cast<uint32_t>(r.column_int(0));
    a.strategy = r.column_text(1);
    a.clearing = r.column_text(2);
    a.opened_at = r.column_int(3);
    a.closed_at = r.column_int(4);
    a.deadline_ms = static_cast<int32_t>(r.column_int(5));
    a.floor_micros = r.column_int(6);
    a.winner = r.column_text(7);
    a.winning_bid_micros = r.column_int(8);
    a.clearing_price_micros = r.column_int(9);
    x.auctions.push_back(std::move(a));
  }
  if (rc != SQLITE_DONE) fail(impl_->db.get(), rc, "find auctions");
  auto e = impl_->prepare(select_entries_sql);
  e.bind_blob(1, key);
  while ((rc = e.step()) == SQLITE_ROW) {
    auto round = static_cast<uint32_t>(e.column_int(0));
    auto a =
      std::find_if(x.auctions.begin(), x.auctions.end(), [&](const auction_record& y) { return y.round == round; });
    if (a == x.auctions.end()) continue;
    auction_entry entry;
    entry.buyer_id = e.column_text(1);
    if (!from_string(e.column_text(2), entry.verdict)) entry.verdict = bidder_verdict::error;
    entry.reason = e.column_text(3);
    entry.bid_micros = e.column_int(4);
    entry.price_micros = e.column_int(5);
    entry.latency_us = e.column_int(6);
    entry.transport_us = e.column_int(7);
    entry.rank = static_cast<int32_t>(e.column_int(8));
    entry.fixed = e.column_int(9) != 0;
    a->entries.push_back(std::move(entry));
  }
  if (rc != SQLITE_DONE) fail(impl_->db.get(), rc, "find auction entries");
  return x;
}

} // namespace ringbid
