// The dashboard's HTTP API on a running node: the access token, bad requests,
// the summary against its JSON schema, and the figures after a restart (read
// back from SQLite) against the leads table, today and over a range reaching
// into the history.

#include "adapters/http/http_client.hpp"
#include "tests/support/http_get.hpp"
#include "tests/support/process_support.hpp"

#include <gtest/gtest.h>
#include <rapidjson/document.h>
#include <rapidjson/schema.h>
#include <sqlite3.h>

#include <csignal>
#include <fstream>
#include <future>

namespace ringbid {
namespace {

using namespace ringbid::test;
using std::chrono::seconds;

/// The demo config with calls short enough to finish within seconds.
std::string quick_config(const std::string& dir) {
  auto text = read_file(src + "/examples/demo.json");
  for (auto [from, to] : {std::pair{"\"ring_ms_mean\": 4000", "\"ring_ms_mean\": 300"},
                          std::pair{"\"talk_s_mean\": 150", "\"talk_s_mean\": 2"}}) {
    auto at = text.find(from);
    EXPECT_NE(at, std::string::npos) << from;
    if (at != std::string::npos) text.replace(at, std::string(from).size(), to);
  }
  auto path = dir + "/quick.json";
  std::ofstream{path} << text;
  return path;
}

struct lead_totals_row {
  int64_t total = 0, answered = 0, missed = 0, talk_ms = 0, revenue = 0, payout = 0;
};

lead_totals_row leads_since(const std::string& db_path, int64_t from_us) {
  lead_totals_row t;
  sqlite3* db = nullptr;
  EXPECT_EQ(sqlite3_open_v2(db_path.c_str(), &db, SQLITE_OPEN_READONLY, nullptr), SQLITE_OK);
  sqlite3_stmt* st = nullptr;
  sqlite3_prepare_v2(db,
                     "SELECT count(*), count(CASE WHEN outcome = 'bridged' THEN 1 END), "
                     "count(CASE WHEN outcome IN ('no_buyer', 'buyer_no_answer') THEN 1 END), "
                     "coalesce(sum(talk_ms), 0), coalesce(sum(revenue_micros), 0), coalesce(sum(payout_micros), 0) "
                     "FROM leads WHERE started_at >= ?1",
                     -1, &st, nullptr);
  sqlite3_bind_int64(st, 1, from_us);
  if (sqlite3_step(st) == SQLITE_ROW) {
    t = {sqlite3_column_int64(st, 0), sqlite3_column_int64(st, 1), sqlite3_column_int64(st, 2),
         sqlite3_column_int64(st, 3), sqlite3_column_int64(st, 4), sqlite3_column_int64(st, 5)};
  }
  sqlite3_finalize(st);
  sqlite3_close(db);
  return t;
}

int64_t number(const rapidjson::Value& doc, const char* group, const char* key) { return doc[group][key].GetInt64(); }

class DashboardApi : public ::testing::Test {
protected:
  void start(const std::string& rate) {
    log_ = dir_ + "/node-" + std::to_string(++runs_) + ".log";
    pid_ = spawn_logged({bin + "ringbid-node", "--config", config_, "--carrier", "sim", "--data-dir", dir_, "--rate",
                         rate, "--http", "127.0.0.1:0", "--access-token", "s3cret"},
                        log_);
    ASSERT_GT(pid_, 0);
    ASSERT_TRUE(wait_until([&] { return !log_value(log_, "http on 127.0.0.1:").empty(); }, seconds{30}))
      << read_file(log_);
    auto rest = log_value(log_, "http on 127.0.0.1:");
    origin_ = "http://127.0.0.1:" + rest.substr(0, rest.find_first_not_of("0123456789"));
  }
  void stop() {
    if (pid_ <= 0) return;
    ::kill(pid_, SIGTERM);
    EXPECT_EQ(wait_exit(pid_, std::chrono::milliseconds{60'000}), 0) << read_file(log_);
    pid_ = -1;
  }
  void SetUp() override {
    dir_ = temp_dir("dashboard-api");
    config_ = quick_config(dir_);
  }
  void TearDown() override {
    if (pid_ > 0) {
      ::kill(pid_, SIGKILL);
      wait_exit(pid_, std::chrono::milliseconds{10'000});
    }
  }
  http_client_response api(const std::string& target) {
    return http_get(origin_ + target, {{"Authorization", "Bearer s3cret"}});
  }
  rapidjson::Document summary(const std::string& query = {}) {
    auto r = api("/api/v1/metrics/summary" + query);
    EXPECT_EQ(r.status, 200) << r.body;
    rapidjson::Document doc;
    doc.Parse(r.body.c_str());
    EXPECT_FALSE(doc.HasParseError()) << r.body;
    return doc;
  }

  std::string dir_, config_, log_, origin_;
  pid_t pid_ = -1;
  int runs_ = 0;
};

TEST_F(DashboardApi, TokenBadRequestsSchemaAndFiguresAfterARestart) {
  ASSERT_NO_FATAL_FAILURE(start("25"));
  // The token: asked of the page, the API and the stream; never of health checks.
  EXPECT_EQ(http_get(origin_ + "/").status, 302) << "to the sign-in page";
  EXPECT_EQ(http_get(origin_ + "/api/v1/metrics/summary").status, 401);
  EXPECT_EQ(http_get(origin_ + "/api/v1/stream").status, 401);
  EXPECT_EQ(http_get(origin_ + "/api/v1/calls/live", {{"Authorization", "Bearer wrong"}}).status, 401);
  EXPECT_EQ(http_get(origin_ + "/healthz").status, 200);
  auto page = http_get(origin_ + "/?token=s3cret");
  EXPECT_EQ(page.status, 200);
  EXPECT_NE(page.body.find("<html"), std::string::npos);
  EXPECT_NE(std::string(page.header("set-cookie")).find("ringbid_token=s3cret"), std::string::npos);
  EXPECT_EQ(http_get(origin_ + "/assets/uPlot.iife.min.js", {{"Cookie", "ringbid_token=s3cret"}}).status, 200);
  EXPECT_EQ(http_get(origin_ + "/assets/nope.js", {{"Cookie", "ringbid_token=s3cret"}}).status, 404);
  // Bad requests get a clear error.
  auto bad_day = api("/api/v1/metrics/summary?from=2026-13-01");
  EXPECT_EQ(bad_day.status, 400);
  EXPECT_NE(bad_day.body.find("from=2026-13-01"), std::string::npos) << bad_day.body;
  EXPECT_EQ(api("/api/v1/metrics/summary?from=2026-05-02&to=2026-05-01").status, 400);
  EXPECT_EQ(api("/api/v1/metrics/summary?campaign=%zz").status, 400);
  auto unknown = api("/api/v1/metrics/summary?campaign=nope");
  EXPECT_EQ(unknown.status, 404);
  EXPECT_NE(unknown.body.find("unknown campaign 'nope'"), std::string::npos);
  EXPECT_EQ(api("/api/v1/stream?source=nope").status, 404);

  // Calls complete; the summary follows and matches its schema.
  rapidjson::Document schema_doc;
  schema_doc.Parse(read_file(src + "/schemas/metrics_summary.schema.json").c_str());
  ASSERT_FALSE(schema_doc.HasParseError());
  rapidjson::SchemaDocument schema{schema_doc};
  ASSERT_TRUE(wait_until([&] { return number(summary(), "calls", "total") >= 40; }, seconds{60})) << read_file(log_);
  for (const std::string q : {"", "?campaign=plumbing-ca-tx", "?source=summit-search&from=2020-01-01"}) {
    auto doc = summary(q);
    rapidjson::SchemaValidator validator{schema};
    EXPECT_TRUE(doc.Accept(validator)) << q << ": " << validator.GetInvalidSchemaKeyword();
  }
  auto live = api("/api/v1/calls/live?campaign=auto-ins-national");
  EXPECT_EQ(live.status, 200);
  EXPECT_EQ(live.body.find("plumbing-ca-tx"), std::string::npos) << "filtered";

  // After a restart today's figures come back from SQLite and equal the leads.
  stop();
  ASSERT_NO_FATAL_FAILURE(start("0"));
  auto doc = summary();
  auto db = dir_ + "/ringbid-demo.db";
  int64_t day_start_us =
    (std::chrono::duration_cast<std::chrono::microseconds>(std::chrono::system_clock::now().time_since_epoch())
       .count() /
     86'400'000'000LL) *
    86'400'000'000LL;
  auto want = leads_since(db, day_start_us);
  ASSERT_GT(want.total, 40);
  EXPECT_EQ(number(doc, "calls", "total"), want.total);
  EXPECT_EQ(number(doc, "calls", "answered"), want.answered);
  EXPECT_EQ(number(doc, "calls", "missed"), want.missed);
  EXPECT_EQ(number(doc, "talk", "total_ms"), want.talk_ms);
  EXPECT_EQ(number(doc, "money", "revenue_micros"), want.revenue);
  EXPECT_EQ(number(doc, "money", "profit_micros"), want.revenue - want.payout);
  EXPECT_EQ(number(doc, "active", "total"), 0);
  // A range reaching back into the history (the SQLite path) adds nothing older.
  auto wide = summary("?from=2020-01-01");
  EXPECT_EQ(number(wide, "calls", "total"), want.total);
  EXPECT_EQ(number(wide, "money", "revenue_micros"), want.revenue);
  auto past = summary("?from=2020-01-01&to=2020-01-31");
  EXPECT_EQ(number(past, "calls", "total"), 0);
  stop();
}

} // namespace
} // namespace ringbid
