// The auction over real HTTP, as a user runs it: `ringbid buyer-sim` serves
// well-behaved and misbehaving buyers on loopback, `ringbid simulate --bidders
// http` places calls that ping them. Checked from the leads and auction rounds
// the run wrote, and from every ping body buyer-sim received.
//
// Every round must close near its deadline: within close_slack_us, room for a
// loaded 2-core machine running other tests, yet far below what a round that
// waited for its slow buyers would take (the late buyer answers after twice its
// time left, about 500 ms; the hanging and trickling ones take seconds).

#include "tests/support/process_support.hpp"

#include <gtest/gtest.h>
#include <sqlite3.h>

#include <csignal>
#include <fstream>
#include <map>
#include <regex>
#include <set>
#include <sstream>

namespace ringbid::test {
namespace {

constexpr int deadline_ms = 300;
constexpr int64_t close_slack_us = 100'000;

const char* const well_behaved[] = {"steady", "quick", "pricey", "choosy"};
const char* const misbehaving[] = {"garbage", "status_500", "hang", "trickle", "oversized", "late"};

std::string buyers_file() {
  std::ostringstream out;
  out << R"({"buyers":[
    {"id":"steady","bid_mean":"18.00","bid_stddev":"3.00","latency_mean_ms":40,"latency_stddev_ms":15,"no_bid_rate":0.1,"error_rate":0},
    {"id":"quick","bid_mean":"15.00","bid_stddev":"4.00","latency_mean_ms":5,"latency_stddev_ms":2,"no_bid_rate":0.1,"error_rate":0},
    {"id":"pricey","bid_mean":"30.00","bid_stddev":"6.00","latency_mean_ms":150,"latency_stddev_ms":60,"no_bid_rate":0.3,"error_rate":0.05},
    {"id":"choosy","bid_mean":"22.00","bid_stddev":"2.00","latency_mean_ms":80,"latency_stddev_ms":30,"no_bid_rate":0.6,"error_rate":0})";
  for (const char* m : misbehaving)
    out << ",\n    {\"id\":\"" << m << "\",\"bid_mean\":\"99.00\",\"misbehaviour\":\"" << m
        << "\",\"misbehaviour_rate\":1.0,\"latency_mean_ms\":10,\"latency_stddev_ms\":0}";
  out << "\n  ]}\n";
  return out.str();
}

std::string engine_config(uint16_t port, const std::string& data_dir) {
  std::ostringstream buyers, ids;
  bool first = true;
  auto add = [&](const std::string& id, const std::string& extra) {
    if (!first) {
      buyers << ",\n";
      ids << ", ";
    }
    first = false;
    buyers << R"(    {"id": ")" << id << R"(", "name": ")" << id << R"(", "destination": "+15125550100")" << extra
           << "}";
    ids << '"' << id << '"';
  };
  for (const char* b : well_behaved)
    add(b, ", \"ping_url\": \"http://127.0.0.1:" + std::to_string(port) + "/buyers/" + b + "\"");
  for (const char* b : misbehaving)
    add(b, ", \"ping_url\": \"http://127.0.0.1:" + std::to_string(port) + "/buyers/" + b + "\"");
  add("flat-rate", R"(, "fixed_payout": 4.0)");
  std::ostringstream out;
  out << R"({
  "node_name": "auction-http-test",
  "campaigns": [{
    "id": "solar", "name": "Solar", "vertical": "solar", "buyer_ids": [)"
      << ids.str() << R"(],
    "floor": 2.0, "auction_deadline_ms": )"
      << deadline_ms << R"(, "clearing": "second_price", "price_increment": 0.05,
    "greeting_text": "Thanks for calling.", "ending_text": "Goodbye.", "max_rounds": 2, "max_transfer_attempts": 3
  }],
  "sources": [{"id": "pub", "name": "Publisher", "revenue_share_bp": 5000}],
  "buyers": [
)" << buyers.str()
      << R"(
  ],
  "dids": [{"number": "+18005550100", "campaign_id": "solar", "source_id": "pub"},
           {"number": "+18005550101", "campaign_id": "solar", "source_id": "pub"}],
  "carrier_sim": {"calls_per_second": 20, "unknown_did_rate": 0, "answer_delay_ms": 100, "ring_ms_mean": 2000,
                  "talk_s_mean": 60, "abandon_rate": 0.05, "patience_s_mean": 20},
  "storage": {"data_dir": ")"
      << data_dir << R"("}
})";
  return out.str();
}

struct db_handle {
  sqlite3* db = nullptr;
  explicit db_handle(const std::string& path) { sqlite3_open_v2(path.c_str(), &db, SQLITE_OPEN_READONLY, nullptr); }
  ~db_handle() { sqlite3_close(db); }
  /// Every row of `sql`, each as its text columns.
  std::vector<std::vector<std::string>> rows(const std::string& sql) const {
    std::vector<std::vector<std::string>> out;
    sqlite3_stmt* s = nullptr;
    if (sqlite3_prepare_v2(db, sql.c_str(), -1, &s, nullptr) != SQLITE_OK) {
      ADD_FAILURE() << sql << ": " << sqlite3_errmsg(db);
      return out;
    }
    while (sqlite3_step(s) == SQLITE_ROW) {
      std::vector<std::string> row;
      for (int i = 0; i < sqlite3_column_count(s); ++i) {
        const auto* text = sqlite3_column_text(s, i);
        row.emplace_back(text ? reinterpret_cast<const char*>(text) : "");
      }
      out.push_back(std::move(row));
    }
    sqlite3_finalize(s);
    return out;
  }
};

TEST(AuctionOverHttp, MisbehavingBuyersNeverBreakTheAuction) {
  auto dir = temp_dir("auction-http");
  {
    std::ofstream f(dir + "/buyers.json");
    f << buyers_file();
  }
  auto ping_log = dir + "/pings.log";
  auto sim_log = dir + "/buyer-sim.log";
  auto pid = spawn_logged({bin + "ringbid", "buyer-sim", "--listen", "127.0.0.1:0", "--buyers", dir + "/buyers.json",
                           "--log-pings", ping_log, "--seed", "5"},
                          sim_log);
  ASSERT_GT(pid, 0);
  const std::string prefix = "buyer-sim listening on 127.0.0.1:";
  ASSERT_TRUE(
    wait_until([&] { return read_file(sim_log).find(prefix) != std::string::npos; }, std::chrono::seconds{20}))
    << read_file(sim_log);
  auto text = read_file(sim_log);
  auto port = static_cast<uint16_t>(std::stoi(text.substr(text.find(prefix) + prefix.size())));
  {
    std::ofstream f(dir + "/config.json");
    f << engine_config(port, dir);
  }
  constexpr int calls = 150;
  auto db = dir + "/leads.db";
  auto r = run(bin + "ringbid simulate --config " + dir + "/config.json --bidders http --time-scale 60 --calls " +
               std::to_string(calls) + " --rate 20 --seed 9 --json --db " + db);
  ::kill(pid, SIGTERM);
  EXPECT_EQ(wait_exit(pid, std::chrono::seconds{10}), 0) << read_file(sim_log);
  ASSERT_EQ(r.exit_code, 0) << r.output;
  EXPECT_NE(r.output.find("\"completed\": " + std::to_string(calls)), std::string::npos) << r.output;

  db_handle leads{db};
  ASSERT_EQ(leads.rows("SELECT id FROM leads").size(), size_t{calls});
  auto rounds = leads.rows("SELECT closed_at - opened_at, deadline_ms, winner FROM auction_rounds");
  ASSERT_GE(rounds.size(), size_t{calls} * 9 / 10); // abandoned callers may leave before a round
  // Every round closes by its deadline (+ the slack): the late, hanging and
  // trickling buyers are never waited for.
  int64_t slowest = 0;
  for (const auto& row : rounds) slowest = std::max<int64_t>(slowest, std::stoll(row[0]));
  EXPECT_LE(slowest, int64_t{deadline_ms} * 1000 + close_slack_us);
  // ...yet the hanging buyer was waited for until its time ran out (the
  // deadline less the 50 ms network allowance and the ledger's time), not given
  // up on early.
  EXPECT_GE(slowest, int64_t{deadline_ms - 60} * 1000);

  // Misbehaving buyers never win or even rank; each lost with its reason.
  // After 5 failures in a row their circuit breaker opens and they are no
  // longer pinged (skipped), until a probe after 30 s.
  auto bad = leads.rows("SELECT buyer_id, verdict, reason FROM auction_entries WHERE buyer_id IN "
                        "('garbage','status_500','hang','trickle','oversized','late')");
  ASSERT_FALSE(bad.empty());
  std::map<std::string, std::set<std::string>> verdicts;
  for (const auto& row : bad) {
    if (row[1] == "skipped")
      EXPECT_EQ(row[2], "circuit open: too many failures or timeouts") << row[0];
    else
      EXPECT_TRUE(row[1] == "error" || row[1] == "no_answer") << row[0] << ": " << row[1] << " " << row[2];
    EXPECT_FALSE(row[2].empty()) << row[0];
    verdicts[row[0]].insert(row[1]);
  }
  for (const char* m : misbehaving) {
    EXPECT_TRUE(verdicts[m].count("skipped")) << m << ": its breaker never opened";
    EXPECT_EQ(verdicts[m].size(), 2u) << m; // failed first, then skipped
  }
  auto reasons = [&](const std::string& buyer) {
    std::set<std::string> out;
    for (const auto& row : bad)
      if (row[0] == buyer && row[1] != "skipped") out.insert(row[2]);
    return out;
  };
  for (const auto& reason : reasons("garbage")) EXPECT_NE(reason.find("malformed"), std::string::npos) << reason;
  for (const auto& reason : reasons("status_500")) EXPECT_NE(reason.find("500"), std::string::npos) << reason;
  for (const auto& reason : reasons("oversized")) EXPECT_NE(reason.find("too"), std::string::npos) << reason;
  for (const auto& reason : reasons("hang")) EXPECT_NE(reason.find("timeout"), std::string::npos) << reason;

  // Late bids never win: every winner and fallback answered before the deadline.
  auto ranked =
    leads.rows("SELECT e.buyer_id, e.latency_us, r.deadline_ms FROM auction_entries e JOIN auction_rounds r "
               "ON e.call_id = r.call_id AND e.round = r.round WHERE e.verdict IN ('won', 'ranked') AND e.fixed = 0");
  ASSERT_FALSE(ranked.empty());
  for (const auto& row : ranked) EXPECT_LE(std::stoll(row[1]), std::stoll(row[2]) * 1000) << row[0];
  // The well-behaved buyers did win, and the fixed-payout buyer took part without a ping.
  EXPECT_FALSE(leads.rows("SELECT 1 FROM leads WHERE buyer_id IN ('steady','quick','pricey','choosy')").empty());
  EXPECT_FALSE(leads
                 .rows("SELECT 1 FROM auction_entries WHERE buyer_id = 'flat-rate' AND fixed = 1 AND "
                       "verdict IN ('won','ranked')")
                 .empty());

  // No ping carries the caller's number, in any form.
  auto pings = read_file(ping_log);
  ASSERT_FALSE(pings.empty());
  auto callers = leads.rows("SELECT DISTINCT caller FROM leads");
  ASSERT_FALSE(callers.empty());
  std::istringstream lines(pings);
  std::string line;
  size_t count = 0;
  // A run of 10 digits (11 with a leading 1) standing alone; the hex of ids
  // and hashes never stands alone at that length.
  const std::regex phone{R"((^|[^0-9a-f])\+?1?\d{10}([^0-9a-f]|$))"};
  while (std::getline(lines, line)) {
    ++count;
    for (const auto& c : callers) {
      ASSERT_EQ(line.find(c[0]), std::string::npos) << line;
      ASSERT_EQ(line.find(c[0].substr(2)), std::string::npos) << line; // without +1
    }
    EXPECT_FALSE(std::regex_search(line, phone)) << line;
  }
  EXPECT_GT(count, size_t{calls});
}

} // namespace
} // namespace ringbid::test
