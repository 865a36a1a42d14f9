// `ringbid leads`: the reader's filtered scan, the table / CSV / JSON printers,
// option parsing, and the real executable's exit codes.

#include "actors/core/time_bound.hpp"
#include "tools/cli/leads_command.hpp"

#include "adapters/sqlite/sqlite_lead_reader.hpp"
#include "adapters/sqlite/sqlite_lead_store.hpp"
#include "protocol/money.hpp"
#include "tests/support/process_support.hpp"

#include <gtest/gtest.h>
#include <rapidjson/document.h>
#include <sqlite3.h>

#include <chrono>
#include <filesystem>
#include <fstream>
#include <limits>
#include <sstream>

namespace ringbid {
namespace {

namespace fs = std::filesystem;

timestamp_us at(int y, unsigned m, unsigned d, int64_t seconds_into_day, int64_t extra_us = 0) {
  using namespace std::chrono;
  auto midnight = sys_days{year{y} / month{m} / day{d}};
  return duration_cast<microseconds>(midnight.time_since_epoch()).count() + seconds_into_day * us_per_s + extra_us;
}

// The leads of every test, oldest first. Bounds around the UTC day 2026-11-21.
struct spec {
  const char* campaign;
  const char* source;
  const char* buyer;
  disposition outcome;
  call_state ended_in;
  timestamp_us started;
  int64_t bid, revenue, payout;
  int64_t hold_ms, talk_ms;
  const char* caller_state;
  bool converted;
  const char* billing_note;
  const char* tags;
};

const std::vector<spec> specs{
  // 0: the last microsecond of 2026-11-20
  {"camp-a", "pub-1", "buyer-x", disposition::bridged, call_state::bridged, at(2026, 11, 20, 86'399, 999'999),
   12'500'000, 12'500'000, 8'000'000, 4000, 111'000, "TX", true, "bid", "auto,home"},
  // 1: the first microsecond of 2026-11-21
  {"camp-a", "pub-2", "buyer-y", disposition::bridged, call_state::bridged, at(2026, 11, 21, 0), 20'000'125, 20'000'125,
   5'500'000, 4500, 65'250, "CA", true, "tier 60s", ""},
  // 2: 14:00 sharp
  {"camp-b", "pub-1", "", disposition::abandoned, call_state::hold, at(2026, 11, 21, 14 * 3600), 0, 0, 0, 12'000, 0,
   "NY", false, "", "say \"hi\", ok"},
  // 3: the last microsecond of 2026-11-21; a loss (payout above revenue)
  {"camp-b", "pub-2", "buyer-x", disposition::bridged, call_state::bridged, at(2026, 11, 21, 86'399, 999'999),
   7'250'000, 7'250'000, 7'750'000, 1000, 30'000, "", false, "not converted", "solar"},
  // 4: the first microsecond of 2026-11-22
  {"camp-a", "pub-1", "", disposition::no_buyer, call_state::auction, at(2026, 11, 22, 0), 0, 0, 0, 9000, 0, "FL",
   false, "", ""},
};

uuid id_of(size_t i) { return make_uuid7(1'790'000'000'000 + static_cast<int64_t>(i), 0, 77 + i); }

lead_record make_lead(size_t i) {
  const auto& s = specs[i];
  lead_record x;
  x.id = id_of(i);
  x.carrier_call_id = "v3:call-" + std::to_string(i);
  x.did = "+1800555010" + std::to_string(i);
  x.caller = "+1212555100" + std::to_string(i);
  x.campaign_id = s.campaign;
  x.source_id = s.source;
  x.buyer_id = s.buyer;
  x.destination = *s.buyer ? "+18885550199" : "";
  x.outcome = s.outcome;
  x.ended_in = s.ended_in;
  x.started_at = s.started;
  x.ended_at = s.started + 200 * us_per_s;
  x.hold_ms = s.hold_ms;
  x.talk_ms = s.talk_ms;
  x.bid_micros = s.bid;
  x.price_micros = s.bid;
  x.revenue_micros = s.revenue;
  x.payout_micros = s.payout;
  x.journal = {{s.started, call_state::greeting, "answered"}, {x.ended_at, call_state::done, ""}};
  return x;
}

/// Sets the 0004 columns directly: what the billing code books.
void set_billing_columns(const std::string& path) {
  sqlite3* db = nullptr;
  ASSERT_EQ(sqlite3_open_v2(path.c_str(), &db, SQLITE_OPEN_READWRITE, nullptr), SQLITE_OK);
  sqlite3_stmt* st = nullptr;
  ASSERT_EQ(sqlite3_prepare_v2(db,
                               "UPDATE leads SET caller_state = ?1, converted = ?2, billing_note = ?3, tags = ?4 "
                               "WHERE id_text = ?5",
                               -1, &st, nullptr),
            SQLITE_OK);
  for (size_t i = 0; i < specs.size(); ++i) {
    auto id = id_of(i).to_string();
    sqlite3_bind_text(st, 1, specs[i].caller_state, -1, SQLITE_TRANSIENT);
    sqlite3_bind_int(st, 2, specs[i].converted ? 1 : 0);
    sqlite3_bind_text(st, 3, specs[i].billing_note, -1, SQLITE_TRANSIENT);
    sqlite3_bind_text(st, 4, specs[i].tags, -1, SQLITE_TRANSIENT);
    sqlite3_bind_text(st, 5, id.c_str(), -1, SQLITE_TRANSIENT);
    ASSERT_EQ(sqlite3_step(st), SQLITE_DONE);
    ASSERT_EQ(sqlite3_changes(db), 1);
    sqlite3_reset(st);
  }
  sqlite3_finalize(st);
  sqlite3_close(db);
}

/// "12.50" -> 12'500'000, exactly: the output always has a point and at most 6 decimals.
int64_t micros_of(const std::string& text) {
  EXPECT_NE(text.find('.'), std::string::npos) << text;
  money_parse amount = parse_dollars(text, {.negative = true});
  EXPECT_TRUE(amount.ok()) << text << " " << to_string(amount.error);
  return amount.micros;
}

/// RFC 4180 records (CRLF line ends, quoted fields with doubled quotes).
std::vector<std::vector<std::string>> parse_csv(const std::string& text) {
  std::vector<std::vector<std::string>> records;
  std::vector<std::string> record;
  std::string field;
  bool quoted = false, any = false;
  for (size_t i = 0; i < text.size(); ++i) {
    char c = text[i];
    if (quoted) {
      if (c == '"' && i + 1 < text.size() && text[i + 1] == '"')
        field.push_back('"'), ++i;
      else if (c == '"')
        quoted = false;
      else
        field.push_back(c);
    } else if (c == '"') {
      quoted = true;
    } else if (c == ',') {
      record.push_back(std::move(field));
      field.clear();
    } else if (c == '\r' && i + 1 < text.size() && text[i + 1] == '\n') {
      record.push_back(std::move(field));
      field.clear();
      records.push_back(std::move(record));
      record.clear();
      ++i;
    } else {
      EXPECT_NE(c, '\n') << "bare LF in CSV";
      field.push_back(c);
    }
    any = true;
  }
  EXPECT_FALSE(quoted);
  EXPECT_TRUE(!any || (record.empty() && field.empty())) << "CSV does not end with CRLF";
  return records;
}

class LeadsCommand : public ::testing::Test {
protected:
  static void SetUpTestSuite() {
    dir_ = new std::string(test::temp_dir("leads-command"));
    path_ = new std::string(*dir_ + "/leads.db");
    std::string error;
    sqlite_options options;
    options.path = *path_;
    options.synchronous_full = false;
    auto store = sqlite_lead_store::open(options, &error);
    ASSERT_NE(store, nullptr) << error;
    // Submitted out of order: the report orders by started_at, not insertion.
    for (size_t i : {2u, 0u, 4u, 1u, 3u}) store->submit(make_lead(i));
    store->flush();
    set_billing_columns(*path_);
    // The store stays open (WAL, a writer connection) while the tests read.
    store_ = store.release();
  }
  static void TearDownTestSuite() {
    delete store_;
    fs::remove_all(*dir_);
    delete path_;
    delete dir_;
  }

  std::unique_ptr<sqlite_lead_reader> reader() const {
    std::string error;
    auto r = sqlite_lead_reader::open(*path_, &error);
    EXPECT_NE(r, nullptr) << error;
    return r;
  }

  /// The spec indexes of the rows `q` returns, in order.
  std::vector<size_t> indexes(const lead_query& q) const {
    std::vector<size_t> out;
    for (const auto& row : reader()->list(q).rows) {
      size_t i = 0;
      while (i < specs.size() && id_of(i) != row.id) ++i;
      out.push_back(i);
    }
    return out;
  }

  static lead_query day_range(const char* from, const char* to) {
    lead_query q;
    if (*from) q.from = parse_time_bound(from, false);
    if (*to) q.until = parse_time_bound(to, true);
    return q;
  }

  static inline std::string* dir_ = nullptr;
  static inline std::string* path_ = nullptr;
  static inline sqlite_lead_store* store_ = nullptr;
};

using idx = std::vector<size_t>;

TEST_F(LeadsCommand, ListsEveryLeadNewestFirstWithEveryColumn) {
  auto listing = reader()->list({});
  ASSERT_EQ(listing.rows.size(), 5u);
  EXPECT_EQ(indexes({}), (idx{4, 3, 2, 1, 0}));
  const auto& r = listing.rows.back(); // spec 0
  EXPECT_EQ(r.id, id_of(0));
  EXPECT_EQ(r.started_at, specs[0].started);
  EXPECT_EQ(r.campaign_id, "camp-a");
  EXPECT_EQ(r.source_id, "pub-1");
  EXPECT_EQ(r.did, "+18005550100");
  EXPECT_EQ(r.caller, "+12125551000");
  EXPECT_EQ(r.caller_state, "TX");
  EXPECT_EQ(r.buyer_id, "buyer-x");
  EXPECT_EQ(r.outcome, "bridged");
  EXPECT_EQ(r.ended_in, "bridged");
  EXPECT_EQ(r.hold_ms, 4000);
  EXPECT_EQ(r.talk_ms, 111'000);
  EXPECT_EQ(r.bid_micros, 12'500'000);
  EXPECT_EQ(r.revenue_micros, 12'500'000);
  EXPECT_EQ(r.payout_micros, 8'000'000);
  EXPECT_TRUE(r.converted);
  EXPECT_EQ(r.billing_note, "bid");
  EXPECT_EQ(r.tags, "auto,home");
}

TEST_F(LeadsCommand, TotalsAreOverEveryMatchingLead) {
  auto listing = reader()->list({});
  int64_t revenue = 0, payout = 0;
  for (const auto& s : specs) revenue += s.revenue, payout += s.payout;
  EXPECT_EQ(listing.matching.leads, 5u);
  EXPECT_EQ(listing.matching.revenue_micros, revenue);
  EXPECT_EQ(listing.matching.payout_micros, payout);
  EXPECT_EQ(revenue, 39'750'125);
  EXPECT_EQ(payout, 21'250'000);
  // With a limit the rows are the newest N, the totals still every match.
  lead_query q;
  q.limit = 2;
  auto limited = reader()->list(q);
  EXPECT_EQ(indexes(q), (idx{4, 3}));
  EXPECT_EQ(limited.matching.leads, 5u);
  EXPECT_EQ(limited.matching.revenue_micros, revenue);
  q.limit = 1;
  EXPECT_EQ(indexes(q), (idx{4}));
  q.limit = std::numeric_limits<uint64_t>::max();
  EXPECT_EQ(indexes(q).size(), 5u);
}

TEST_F(LeadsCommand, DaysAreUtcAndInclusive) {
  EXPECT_EQ(indexes(day_range("2026-11-21", "2026-11-21")), (idx{3, 2, 1}));
  EXPECT_EQ(indexes(day_range("2026-11-21", "")), (idx{4, 3, 2, 1}));
  EXPECT_EQ(indexes(day_range("", "2026-11-21")), (idx{3, 2, 1, 0}));
  EXPECT_EQ(indexes(day_range("", "2026-11-20")), (idx{0}));
  EXPECT_EQ(indexes(day_range("2026-11-22", "2026-11-22")), (idx{4}));
  EXPECT_EQ(indexes(day_range("2026-11-20", "2026-11-22")), (idx{4, 3, 2, 1, 0}));
  EXPECT_EQ(indexes(day_range("2026-11-23", "")), (idx{}));
  auto totals = reader()->list(day_range("2026-11-21", "2026-11-21")).matching;
  EXPECT_EQ(totals.leads, 3u);
  EXPECT_EQ(totals.revenue_micros, 20'000'125 + 7'250'000);
  EXPECT_EQ(totals.payout_micros, 5'500'000 + 7'750'000);
}

TEST_F(LeadsCommand, InstantsAreHalfOpen) {
  auto instant = [](const char* text) { return parse_time_bound(text, false); };
  lead_query q;
  q.from = instant("2026-11-21T14:00:00Z");
  EXPECT_EQ(indexes(q), (idx{4, 3, 2}));
  q = {};
  q.until = parse_time_bound("2026-11-21T14:00:00Z", true); // an instant is itself, even as --to
  EXPECT_EQ(indexes(q), (idx{1, 0}));
  q.from = instant("2026-11-21T00:00:00.000001Z");
  EXPECT_EQ(indexes(q), (idx{}));
  q.from = instant("2026-11-20T23:59:59.999999Z");
  EXPECT_EQ(indexes(q), (idx{1, 0}));
  q = {};
  q.from = instant("2026-11-21T16:00:00+02:00");         // 14:00 UTC
  q.until = instant("2026-11-21T09:00:00.000001-05:00"); // 14:00:00.000001 UTC
  EXPECT_EQ(indexes(q), (idx{2}));
}

TEST_F(LeadsCommand, ExactFiltersNarrow) {
  lead_query q;
  q.campaign_id = "camp-a";
  EXPECT_EQ(indexes(q), (idx{4, 1, 0}));
  q = {};
  q.source_id = "pub-2";
  EXPECT_EQ(indexes(q), (idx{3, 1}));
  q = {};
  q.buyer_id = "buyer-x";
  EXPECT_EQ(indexes(q), (idx{3, 0}));
  q = {};
  q.outcome = disposition::bridged;
  EXPECT_EQ(indexes(q), (idx{3, 1, 0}));
  q.outcome = disposition::abandoned;
  EXPECT_EQ(indexes(q), (idx{2}));
  q.outcome = disposition::failed;
  EXPECT_EQ(indexes(q), (idx{}));
  // Together: every condition must hold.
  q = {};
  q.campaign_id = "camp-a";
  q.source_id = "pub-1";
  EXPECT_EQ(indexes(q), (idx{4, 0}));
  q.outcome = disposition::bridged;
  EXPECT_EQ(indexes(q), (idx{0}));
  q.buyer_id = "buyer-y";
  EXPECT_EQ(indexes(q), (idx{}));
  q = day_range("2026-11-21", "2026-11-21");
  q.buyer_id = "buyer-x";
  EXPECT_EQ(indexes(q), (idx{3}));
  // Exact: no prefix or case folding.
  q = {};
  q.campaign_id = "camp";
  EXPECT_EQ(indexes(q), (idx{}));
  q.campaign_id = "CAMP-A";
  EXPECT_EQ(indexes(q), (idx{}));
  auto totals = reader()->list(q).matching;
  EXPECT_EQ(totals.leads, 0u);
  EXPECT_EQ(totals.revenue_micros, 0);
}

TEST(LeadsOptions, TimeBounds) {
  EXPECT_EQ(parse_time_bound("2026-11-21", false), at(2026, 11, 21, 0));
  EXPECT_EQ(parse_time_bound("2026-11-21", true), at(2026, 11, 22, 0));
  EXPECT_EQ(parse_time_bound("2026-12-31", true), at(2027, 1, 1, 0));
  EXPECT_EQ(parse_time_bound("2028-02-29", false), at(2028, 2, 29, 0));
  EXPECT_EQ(parse_time_bound("2026-11-21T14:00:00Z", false), at(2026, 11, 21, 14 * 3600));
  EXPECT_EQ(parse_time_bound("2026-11-21T14:00:00Z", true), at(2026, 11, 21, 14 * 3600));
  EXPECT_EQ(parse_time_bound("2026-11-21T14:00Z", false), at(2026, 11, 21, 14 * 3600));
  EXPECT_EQ(parse_time_bound("2026-11-21T14:00:05.25Z", false), at(2026, 11, 21, 14 * 3600 + 5, 250'000));
  EXPECT_EQ(parse_time_bound("2026-11-21T14:00:05.123456789Z", false),
            at(2026, 11, 21, 14 * 3600 + 5, 123'457)); // rounds up to whole microseconds
  EXPECT_EQ(parse_time_bound("2026-11-21T01:30:00+0200", false), at(2026, 11, 20, 23 * 3600 + 30 * 60));
  EXPECT_EQ(parse_time_bound("2026-11-21t14:00:00z", false), at(2026, 11, 21, 14 * 3600));
  for (const char* bad : {"", "yesterday", "2026-1-21", "2026/11/21", "2026-02-29", "2026-13-01", "2026-11-31",
                          "2026-11-21T14:00:00", "2026-11-21T24:00:00Z", "2026-11-21T14:60:00Z", "2026-11-21T14:00:60Z",
                          "2026-11-21T14Z", "2026-11-21 14:00:00Z", "2026-11-21T14:00:00.Z", "2026-11-21T14:00:00+2",
                          "2026-11-21T14:00:00Zjunk", "2026-11-21T14:00:00.1234567890Z", "2026-11-21x"})
    EXPECT_EQ(parse_time_bound(bad, false), std::nullopt) << bad;
}

TEST(LeadsOptions, DispositionNames) {
  for (int i = 0; i <= static_cast<int>(disposition::interrupted); ++i) {
    auto d = static_cast<disposition>(i);
    EXPECT_EQ(parse_disposition(to_string(d)), d);
    EXPECT_NE(disposition_names().find(std::string(to_string(d))), std::string::npos);
  }
  EXPECT_EQ(parse_disposition("bridge"), std::nullopt);
  EXPECT_EQ(parse_disposition("Bridged"), std::nullopt);
  EXPECT_EQ(parse_disposition(""), std::nullopt);
}

// decimal_dollars moved to protocol/money (tests/core/money_test.cpp, MoneyFormat).
TEST(LeadsOptions, ExactDecimals) {
  EXPECT_EQ(decimal_seconds(4000), "4");
  EXPECT_EQ(decimal_seconds(4500), "4.5");
  EXPECT_EQ(decimal_seconds(65'250), "65.25");
  EXPECT_EQ(decimal_seconds(125), "0.125");
  EXPECT_EQ(decimal_seconds(0), "0");
}

TEST(LeadsOptions, CsvFieldQuoting) {
  EXPECT_EQ(csv_field("plain"), "plain");
  EXPECT_EQ(csv_field(""), "");
  EXPECT_EQ(csv_field("a,b"), "\"a,b\"");
  EXPECT_EQ(csv_field("say \"hi\""), "\"say \"\"hi\"\"\"");
  EXPECT_EQ(csv_field("two\nlines"), "\"two\nlines\"");
  EXPECT_EQ(csv_field("cr\r"), "\"cr\r\"");
}

TEST_F(LeadsCommand, DispositionShowsWhereAbandonedCallsEnded) {
  auto rows = reader()->list({}).rows;
  EXPECT_EQ(disposition_text(rows[0]), "no_buyer");
  EXPECT_EQ(disposition_text(rows[2]), "abandoned in hold");
  EXPECT_EQ(disposition_text(rows[3]), "bridged");
  lead_row interrupted;
  interrupted.outcome = "interrupted";
  interrupted.ended_in = "auction";
  EXPECT_EQ(disposition_text(interrupted), "interrupted in auction");
}

TEST_F(LeadsCommand, CsvQuotesAndRoundTrips) {
  auto listing = reader()->list({});
  std::ostringstream out;
  print_leads_csv(out, listing.rows);
  auto records = parse_csv(out.str());
  ASSERT_EQ(records.size(), 6u);
  EXPECT_EQ(records[0], (std::vector<std::string>{
                          "id",     "started",     "campaign",  "source",       "did",  "caller",  "caller_state",
                          "buyer",  "disposition", "hold_s",    "talk_s",       "bid",  "price",   "revenue",
                          "payout", "profit",      "converted", "billing_note", "tags", "revision"}));
  for (const auto& r : records) EXPECT_EQ(r.size(), 20u);
  EXPECT_EQ(records[5][19], "0") << "leads written before revisions name none";
  // Newest first: spec 4, 3, 2, 1, 0.
  EXPECT_EQ(records[3][18], "say \"hi\", ok");
  EXPECT_EQ(records[3][8], "abandoned in hold");
  EXPECT_EQ(records[3][9], "12");
  EXPECT_EQ(records[5][18], "auto,home");
  EXPECT_EQ(records[5][0], id_of(0).to_string());
  EXPECT_EQ(records[5][1], "2026-11-20T23:59:59.999Z");
  EXPECT_EQ(records[5][5], "+12125551000");
  EXPECT_EQ(records[5][6], "TX");
  EXPECT_EQ(records[5][16], "1");
  EXPECT_EQ(records[4][10], "65.25");
  EXPECT_EQ(records[4][13], "20.000125");
  EXPECT_EQ(records[4][15], "14.500125");
  EXPECT_EQ(records[2][15], "-0.50");
  EXPECT_EQ(records[2][17], "not converted");
  // The raw text quotes exactly what needs it.
  EXPECT_NE(out.str().find(",\"say \"\"hi\"\", ok\",0\r\n"), std::string::npos);
  EXPECT_NE(out.str().find(",\"auto,home\",0\r\n"), std::string::npos);
  int64_t profit = 0;
  for (size_t i = 1; i < records.size(); ++i) {
    EXPECT_EQ(micros_of(records[i][15]), micros_of(records[i][13]) - micros_of(records[i][14]));
    profit += micros_of(records[i][15]);
  }
  EXPECT_EQ(profit, listing.matching.revenue_micros - listing.matching.payout_micros);
}

TEST_F(LeadsCommand, JsonParsesWithExactMoneyAndTotals) {
  auto listing = reader()->list({});
  std::ostringstream out;
  print_leads_json(out, listing.rows, listing.matching);
  rapidjson::Document doc;
  doc.Parse(out.str().c_str());
  ASSERT_FALSE(doc.HasParseError()) << out.str();
  ASSERT_TRUE(doc.IsObject());
  const auto& leads = doc["leads"];
  ASSERT_TRUE(leads.IsArray());
  ASSERT_EQ(leads.Size(), 5u);
  const auto& second = leads[3]; // spec 1
  EXPECT_STREQ(second["id"].GetString(), id_of(1).to_string().c_str());
  EXPECT_STREQ(second["started"].GetString(), "2026-11-21T00:00:00.000Z");
  EXPECT_STREQ(second["campaign"].GetString(), "camp-a");
  EXPECT_STREQ(second["source"].GetString(), "pub-2");
  EXPECT_STREQ(second["buyer"].GetString(), "buyer-y");
  EXPECT_STREQ(second["caller"].GetString(), "+12125551001");
  EXPECT_STREQ(second["caller_state"].GetString(), "CA");
  EXPECT_STREQ(second["disposition"].GetString(), "bridged");
  EXPECT_STREQ(second["bid"].GetString(), "20.000125");
  EXPECT_STREQ(second["revenue"].GetString(), "20.000125");
  EXPECT_STREQ(second["payout"].GetString(), "5.50");
  EXPECT_STREQ(second["profit"].GetString(), "14.500125");
  EXPECT_DOUBLE_EQ(second["hold_s"].GetDouble(), 4.5);
  EXPECT_DOUBLE_EQ(second["talk_s"].GetDouble(), 65.25);
  EXPECT_TRUE(second["converted"].GetBool());
  EXPECT_STREQ(second["billing_note"].GetString(), "tier 60s");
  EXPECT_STREQ(leads[2]["tags"].GetString(), "say \"hi\", ok");
  EXPECT_STREQ(leads[2]["disposition"].GetString(), "abandoned in hold");
  EXPECT_TRUE(leads[2]["hold_s"].IsInt());
  EXPECT_FALSE(leads[2]["converted"].GetBool());
  const auto& totals = doc["totals"];
  EXPECT_EQ(totals["leads"].GetUint64(), 5u);
  EXPECT_EQ(totals["shown"].GetUint64(), 5u);
  EXPECT_STREQ(totals["revenue"].GetString(), "39.750125");
  EXPECT_STREQ(totals["payout"].GetString(), "21.25");
  EXPECT_STREQ(totals["profit"].GetString(), "18.500125");
  int64_t revenue = 0, payout = 0, profit = 0;
  for (const auto& lead : leads.GetArray()) {
    revenue += micros_of(lead["revenue"].GetString());
    payout += micros_of(lead["payout"].GetString());
    profit += micros_of(lead["profit"].GetString());
  }
  EXPECT_EQ(revenue, micros_of(totals["revenue"].GetString()));
  EXPECT_EQ(payout, micros_of(totals["payout"].GetString()));
  EXPECT_EQ(profit, micros_of(totals["profit"].GetString()));
  EXPECT_EQ(profit, revenue - payout);
}

TEST_F(LeadsCommand, TableIsAlignedWithTotals) {
  auto listing = reader()->list({});
  std::ostringstream out;
  print_leads_table(out, listing.rows, listing.matching);
  std::vector<std::string> lines;
  std::istringstream in(out.str());
  for (std::string line; std::getline(in, line);) lines.push_back(line);
  ASSERT_EQ(lines.size(), 7u) << out.str();
  EXPECT_EQ(lines[0].rfind("id", 0), 0u);
  // Aligned: the revenue column ends at the same place on every row.
  auto header_end = lines[0].find("revenue") + std::string("revenue").size();
  for (size_t i = 1; i <= 5; ++i) {
    auto value = format_money(specs[5 - i].revenue);
    ASSERT_GT(header_end, value.size());
    EXPECT_EQ(lines[i].substr(header_end - value.size() - 1, value.size() + 3), " " + value + "  ") << lines[i];
  }
  EXPECT_NE(lines[3].find("abandoned in hold"), std::string::npos);
  EXPECT_NE(lines[3].find("say \"hi\", ok"), std::string::npos);
  EXPECT_NE(lines[2].find("-$0.50"), std::string::npos);
  EXPECT_NE(lines[4].find("$20.000125"), std::string::npos);
  EXPECT_NE(lines[5].find("+12125551000"), std::string::npos);
  EXPECT_EQ(lines[6], "total: 5 leads, revenue $39.750125, payout $21.25, profit $18.500125");

  lead_query q;
  q.limit = 2;
  auto limited = reader()->list(q);
  std::ostringstream short_out;
  print_leads_table(short_out, limited.rows, limited.matching);
  EXPECT_NE(short_out.str().find("showing the newest 2 of 5 matching leads"), std::string::npos) << short_out.str();
  EXPECT_NE(short_out.str().find("total: 5 leads, revenue $39.750125"), std::string::npos);

  std::ostringstream empty_out;
  print_leads_table(empty_out, {}, {});
  EXPECT_NE(empty_out.str().find("total: 0 leads, revenue $0.00, payout $0.00, profit $0.00"), std::string::npos);
}

TEST_F(LeadsCommand, RunChecksOptionsAndStreams) {
  auto run_with = [](leads_options o, std::string* out_text = nullptr, std::string* err_text = nullptr) {
    std::ostringstream out, err;
    int rc = run_leads_command(o, out, err);
    if (out_text) *out_text = out.str();
    if (err_text) *err_text = err.str();
    return rc;
  };
  leads_options o;
  o.db_path = *path_;
  std::string out, err;

  auto bad = o;
  bad.from = "2026-11-32";
  EXPECT_EQ(run_with(bad, &out, &err), 2);
  EXPECT_NE(err.find("--from"), std::string::npos) << err;
  bad = o;
  bad.to = "tomorrow";
  EXPECT_EQ(run_with(bad, &out, &err), 2);
  EXPECT_NE(err.find("--to"), std::string::npos) << err;
  bad = o;
  bad.from = "2026-11-22";
  bad.to = "2026-11-21";
  EXPECT_EQ(run_with(bad, &out, &err), 2);
  bad = o;
  bad.disposition = "sold";
  EXPECT_EQ(run_with(bad, &out, &err), 2);
  EXPECT_NE(err.find("buyer_no_answer"), std::string::npos) << err;
  bad = o;
  bad.db_path = *dir_ + "/missing.db";
  EXPECT_EQ(run_with(bad, &out, &err), 1);
  EXPECT_NE(err.find("missing.db"), std::string::npos) << err;
  EXPECT_FALSE(fs::exists(*dir_ + "/missing.db")); // read-only: never created
  bad.db_path.clear();
  EXPECT_EQ(run_with(bad, &out, &err), 2); // neither --db nor --config

  auto csv = o;
  csv.format = leads_format::csv;
  csv.disposition = "bridged";
  csv.from = "2026-11-21";
  ASSERT_EQ(run_with(csv, &out, &err), 0) << err;
  auto records = parse_csv(out);
  ASSERT_EQ(records.size(), 3u); // header, spec 3, spec 1
  EXPECT_EQ(records[1][0], id_of(3).to_string());
  EXPECT_EQ(records[2][0], id_of(1).to_string());

  auto json = o;
  json.format = leads_format::json;
  json.limit = 1;
  ASSERT_EQ(run_with(json, &out, &err), 0) << err;
  rapidjson::Document doc;
  doc.Parse(out.c_str());
  ASSERT_FALSE(doc.HasParseError()) << out;
  EXPECT_EQ(doc["leads"].Size(), 1u);
  EXPECT_EQ(doc["totals"]["leads"].GetUint64(), 5u);
  EXPECT_EQ(doc["totals"]["shown"].GetUint64(), 1u);

  ASSERT_EQ(run_with(o, &out, &err), 0) << err; // table, default limit 100
  EXPECT_NE(out.find("total: 5 leads"), std::string::npos) << out;
}

TEST(LeadsCommandOldStore, ReadsAStoreWithoutTheBillingColumns) {
  auto dir = test::temp_dir("leads-old-store");
  auto path = dir + "/old.db";
  std::ifstream file(test::src + "/schemas/sql/0001_leads.sql");
  std::stringstream sql;
  sql << file.rdbuf();
  ASSERT_FALSE(sql.str().empty());
  sqlite3* db = nullptr;
  ASSERT_EQ(sqlite3_open(path.c_str(), &db), SQLITE_OK);
  ASSERT_EQ(sqlite3_exec(db, sql.str().c_str(), nullptr, nullptr, nullptr), SQLITE_OK) << sqlite3_errmsg(db);
  ASSERT_EQ(sqlite3_exec(db,
                         "INSERT INTO schema_migrations VALUES (1, 0);"
                         "INSERT INTO leads VALUES (x'0190000000007000800000000000002a', 'old-1', 'c', '+18005550100', "
                         "'+12125550000', 'camp-a', 'pub-1', 'buyer-x', '', 'bridged', 'bridged', 1000000, 0, 0, 0, "
                         "0, 61000, 3000000, 3000000, 1000000, 1, 1, 0, 'normal_clearing', 'caller', '')",
                         nullptr, nullptr, nullptr),
            SQLITE_OK)
    << sqlite3_errmsg(db);
  sqlite3_close(db);
  std::string error;
  auto reader = sqlite_lead_reader::open(path, &error);
  ASSERT_NE(reader, nullptr) << error;
  auto listing = reader->list({});
  ASSERT_EQ(listing.rows.size(), 1u);
  EXPECT_EQ(listing.rows[0].campaign_id, "camp-a");
  EXPECT_EQ(listing.rows[0].caller_state, "");
  EXPECT_FALSE(listing.rows[0].converted);
  EXPECT_EQ(listing.rows[0].tags, "");
  EXPECT_EQ(listing.matching.revenue_micros, 3'000'000);
  fs::remove_all(dir);
}

TEST_F(LeadsCommand, TheExecutable) {
  const auto ringbid = test::bin + "ringbid";
  ASSERT_TRUE(fs::exists(ringbid)) << "build the ringbid target first";
  auto r = test::run(ringbid + " leads --db " + *path_ + " --disposition sold");
  EXPECT_EQ(r.exit_code, 2) << r.output;
  EXPECT_NE(r.output.find("--disposition"), std::string::npos) << r.output;
  r = test::run(ringbid + " leads --db " + *path_ + " --from 2026-11-21T14:00:00");
  EXPECT_EQ(r.exit_code, 2) << r.output;
  EXPECT_NE(r.output.find("--from"), std::string::npos) << r.output;
  r = test::run(ringbid + " leads --db " + *dir_ + "/nothing-here.db");
  EXPECT_EQ(r.exit_code, 1) << r.output;
  r = test::run(ringbid + " leads --db " + *path_ + " --format xml");
  EXPECT_NE(r.exit_code, 0) << r.output;
  r = test::run(ringbid + " leads --db " + *path_ + " --from 2026-11-21 --to 2026-11-21 --buyer buyer-x");
  EXPECT_EQ(r.exit_code, 0) << r.output;
  EXPECT_NE(r.output.find(id_of(3).to_string()), std::string::npos) << r.output;
  EXPECT_NE(r.output.find("total: 1 lead, revenue $7.25, payout $7.75, profit -$0.50"), std::string::npos) << r.output;
  r = test::run(ringbid + " leads --db " + *path_ + " --format csv --limit 2");
  EXPECT_EQ(r.exit_code, 0) << r.output;
  EXPECT_EQ(parse_csv(r.output).size(), 3u) << r.output;
}

} // namespace
} // namespace ringbid
