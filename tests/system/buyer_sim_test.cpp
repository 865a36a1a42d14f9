// `ringbid buyer-sim` in-process and as the executable: buyers answer the
// engine's own HTTP transport with bids, no-bids and errors, and every
// misbehaviour comes back from the transport as the error it stands for. No
// test asserts an upper time bound; latencies are checked as lower bounds only.

#include "adapters/bidding/bid_wire.hpp"
#include "adapters/bidding/http_bidder_transport.hpp"
#include "adapters/http/http_client.hpp"
#include "tests/support/process_support.hpp"
#include "tools/sims/buyer_sim.hpp"

#include <gtest/gtest.h>

#include <chrono>
#include <csignal>
#include <filesystem>
#include <fstream>
#include <future>
#include <set>
#include <sstream>
#include <string>
#include <vector>

namespace ringbid {
namespace {

using namespace std::chrono_literals;
using steady = std::chrono::steady_clock;

/// A buyer that always bids at once, exactly `dollars`.
buyer_sim_buyer steady_buyer(std::string id, int64_t micros = 20'000'000) {
  buyer_sim_buyer b;
  b.id = std::move(id);
  b.bid_mean_micros = micros;
  b.bid_stddev_micros = 0;
  b.latency_mean_ms = 0;
  b.latency_stddev_ms = 0;
  b.no_bid_rate = 0;
  b.error_rate = 0;
  return b;
}

buyer_sim_buyer misbehaving(std::string id, buyer_misbehaviour kind) {
  auto b = steady_buyer(std::move(id));
  b.misbehaviour = kind;
  return b;
}

ping_request make_ping(std::chrono::milliseconds tmax = 500ms, uint64_t n = 1) {
  ping_request p;
  p.ping_id.hi = 0x0190c7a000007000ull;
  p.ping_id.lo = 0x8000000000000000ull + n;
  p.round = 1;
  p.buyer_id = "engine-side-id";
  p.campaign_id = "solar-tx";
  p.vertical = "solar";
  p.caller_state = "TX";
  p.area_code = "512";
  p.zip = "78701";
  p.time_left = tmax;
  return p;
}

struct BuyerSim : ::testing::Test {
  std::unique_ptr<buyer_sim_server> sim;
  std::shared_ptr<http_client> client = std::make_shared<http_client>();

  ~BuyerSim() override {
    client->stop();
    if (sim) sim->stop();
  }

  void start(std::vector<buyer_sim_buyer> buyers, uint64_t seed = 1, std::string log = "") {
    buyer_sim_options o;
    o.buyers = std::move(buyers);
    o.seed = seed;
    o.log_pings_path = std::move(log);
    std::string error;
    sim = buyer_sim_server::start(std::move(o), &error);
    ASSERT_TRUE(sim) << error;
    ASSERT_NE(sim->port(), 0);
  }

  /// Through the engine's own transport; the answer and how long it took.
  std::pair<bid_response, std::chrono::milliseconds> ask(const std::string& buyer, const ping_request& p) {
    buyer_config config;
    config.id = p.buyer_id;
    config.ping_url = sim->url_of(buyer);
    auto transport = make_http_bidder_transport(client, config);
    std::promise<bid_response> answer;
    auto got = answer.get_future();
    auto begun = steady::now();
    transport->ping(p, [&answer](bid_response r, caf::timespan) { answer.set_value(std::move(r)); });
    auto r = got.get();
    return {r, std::chrono::duration_cast<std::chrono::milliseconds>(steady::now() - begun)};
  }

  bid_response ask(const std::string& buyer, std::chrono::milliseconds tmax = 500ms) {
    return ask(buyer, make_ping(tmax)).first;
  }

  /// A raw POST with the project's client.
  http_client_response post(const std::string& url, std::string body, std::string method = "POST",
                            std::chrono::milliseconds timeout = 2s, size_t max_bytes = 64 * 1024) {
    http_client_request req;
    req.method = std::move(method);
    req.url = url;
    req.body = std::move(body);
    req.timeout = timeout;
    req.max_response_bytes = max_bytes;
    std::promise<http_client_response> answer;
    auto got = answer.get_future();
    client->send(std::move(req), [&answer](http_client_response r) { answer.set_value(std::move(r)); });
    return got.get();
  }

  buyer_sim_counts counts(const std::string& id) const {
    for (const auto& c : sim->stats().buyers)
      if (c.id == id) return c;
    ADD_FAILURE() << "no buyer " << id;
    return {};
  }
};

bool contains(const std::string& text, const std::string& part) { return text.find(part) != std::string::npos; }

// ---- answers ------------------------------------------------------------------------------------

TEST_F(BuyerSim, BidsAreValidExactAndEchoThePingId) {
  start({steady_buyer("b1", 12'340'000)});
  auto r = ask("b1");
  EXPECT_EQ(r.kind, bid_kind::bid) << r.reason;
  EXPECT_EQ(r.amount_micros, 12'340'000);
  EXPECT_EQ(r.currency, "USD");
  EXPECT_EQ(r.expires_in_s, 60);
  EXPECT_EQ(r.destination, "+15125550100");
  EXPECT_EQ(r.buyer_id, "engine-side-id");

  auto ping = make_ping();
  auto raw = post(sim->url_of("b1"), encode_ping(ping));
  ASSERT_TRUE(raw.ok()) << raw.error_detail;
  EXPECT_EQ(raw.status, 200);
  EXPECT_EQ(raw.header("content-type"), "application/json");
  EXPECT_TRUE(contains(raw.body, "\"ping_id\":\"" + ping.ping_id.to_string() + "\"")) << raw.body;
  EXPECT_EQ(parse_bid_response(ping, raw.status, raw.body).kind, bid_kind::bid);

  auto c = counts("b1");
  EXPECT_EQ(c.pings, 2u);
  EXPECT_EQ(c.bids, 2u);
}

TEST_F(BuyerSim, AmountsAreCentsAndAtLeastACent) {
  auto spread = steady_buyer("spread", 20'000'000);
  spread.bid_stddev_micros = 5'000'000;
  auto tiny = steady_buyer("tiny", 1'000); // $0.001
  auto wide = steady_buyer("wide", 1'000'000);
  wide.bid_stddev_micros = 50'000'000; // mostly below zero: clamped
  start({spread, tiny, wide});
  std::set<int64_t> seen;
  for (uint64_t i = 0; i < 20; ++i) {
    auto [r, took] = ask("spread", make_ping(500ms, i));
    ASSERT_EQ(r.kind, bid_kind::bid) << r.reason;
    EXPECT_EQ(r.amount_micros % 10'000, 0) << r.amount_micros;
    EXPECT_GE(r.amount_micros, 10'000);
    seen.insert(r.amount_micros);
    auto [w, took2] = ask("wide", make_ping(500ms, i));
    ASSERT_EQ(w.kind, bid_kind::bid) << w.reason;
    EXPECT_GE(w.amount_micros, 10'000);
    EXPECT_EQ(w.amount_micros % 10'000, 0);
  }
  EXPECT_GT(seen.size(), 5u); // it does vary
  EXPECT_EQ(ask("tiny").amount_micros, 10'000);
}

TEST_F(BuyerSim, NoBidRateOneGivesNoBids) {
  auto b = steady_buyer("nb");
  b.no_bid_rate = 1;
  start({b});
  for (int i = 0; i < 3; ++i) {
    auto r = ask("nb");
    EXPECT_EQ(r.kind, bid_kind::no_bid);
    EXPECT_EQ(r.reason, "not interested");
  }
  EXPECT_EQ(counts("nb").no_bids, 3u);
}

TEST_F(BuyerSim, ErrorRateOneGives500) {
  auto b = steady_buyer("err");
  b.error_rate = 1;
  b.no_bid_rate = 1; // errors are drawn first
  start({b});
  auto r = ask("err");
  EXPECT_EQ(r.kind, bid_kind::error);
  EXPECT_EQ(r.reason, "HTTP 500");
  auto c = counts("err");
  EXPECT_EQ(c.errors, 1u);
  EXPECT_EQ(c.no_bids, 0u);
}

TEST_F(BuyerSim, LatencyIsHonouredAsALowerBound) {
  auto b = steady_buyer("slow");
  b.latency_mean_ms = 150;
  start({b});
  auto [r, took] = ask("slow", make_ping(3s));
  EXPECT_EQ(r.kind, bid_kind::bid) << r.reason;
  EXPECT_GE(took, 150ms);
}

TEST_F(BuyerSim, SlowBuyersDoNotHoldUpFastOnes) {
  auto slow = steady_buyer("slow");
  slow.latency_mean_ms = 30'000;
  start({slow, steady_buyer("fast")});
  buyer_config config;
  config.id = "x";
  config.ping_url = sim->url_of("slow");
  std::promise<bid_response> slow_answer;
  make_http_bidder_transport(client, config)->ping(make_ping(60s), [&](bid_response r, caf::timespan) {
    slow_answer.set_value(std::move(r));
  });
  ASSERT_TRUE(test::wait_until([&] { return counts("slow").pings == 1; }, 5s));
  // The slow buyer's answer waits on a timer, not on the io thread: the fast one answers first.
  auto fast = ask("fast", 10s);
  EXPECT_EQ(fast.kind, bid_kind::bid);
  auto pending = slow_answer.get_future();
  EXPECT_EQ(pending.wait_for(0s), std::future_status::timeout);
  client->stop(); // gives up on the slow one
  EXPECT_EQ(pending.get().kind, bid_kind::error);
}

// ---- misbehaviours, as the engine's transport reports them --------------------------------------

TEST_F(BuyerSim, GarbageIsMalformed) {
  start({misbehaving("g", buyer_misbehaviour::garbage)});
  auto r = ask("g");
  EXPECT_EQ(r.kind, bid_kind::error);
  EXPECT_TRUE(contains(r.reason, "malformed JSON")) << r.reason;
  EXPECT_EQ(counts("g").misbehaviours, 1u);
}

TEST_F(BuyerSim, Status500IsAStatusError) {
  start({misbehaving("s", buyer_misbehaviour::status_500)});
  auto r = ask("s");
  EXPECT_EQ(r.kind, bid_kind::error);
  EXPECT_EQ(r.reason, "HTTP 500");
}

TEST_F(BuyerSim, OversizedIsTooLarge) {
  start({misbehaving("o", buyer_misbehaviour::oversized)});
  auto r = ask("o");
  EXPECT_EQ(r.kind, bid_kind::error);
  EXPECT_TRUE(r.reason.starts_with("too_large")) << r.reason;
  // Whitespace padding: a client that takes it all reads a valid bid of over 2 MiB.
  auto ping = make_ping();
  auto raw = post(sim->url_of("o"), encode_ping(ping), "POST", 5s, size_t{4} << 20);
  ASSERT_TRUE(raw.ok()) << raw.error_detail;
  EXPECT_GT(raw.body.size(), size_t{2} << 20);
  EXPECT_EQ(raw.body.find_first_not_of(' ', raw.body.find('}') + 2), std::string::npos);
}

TEST_F(BuyerSim, HangLateAndTrickleTimeOut) {
  start({misbehaving("h", buyer_misbehaviour::hang), misbehaving("l", buyer_misbehaviour::late),
         misbehaving("t", buyer_misbehaviour::trickle)});
  for (const char* id : {"h", "l", "t"}) {
    auto [r, took] = ask(id, make_ping(200ms));
    EXPECT_EQ(r.kind, bid_kind::error) << id;
    EXPECT_TRUE(r.reason.starts_with("timeout")) << id << ": " << r.reason;
    EXPECT_GE(took, 200ms) << id;
  }
}

TEST_F(BuyerSim, LateAnswersAfterTwiceTmax) {
  start({misbehaving("l", buyer_misbehaviour::late)});
  auto ping = make_ping(100ms);
  auto begun = steady::now();
  auto raw = post(sim->url_of("l"), encode_ping(ping), "POST", 5s);
  EXPECT_GE(steady::now() - begun, 200ms);
  ASSERT_TRUE(raw.ok()) << raw.error_detail;
  EXPECT_EQ(parse_bid_response(ping, raw.status, raw.body).kind, bid_kind::bid) << raw.body;
}

TEST_F(BuyerSim, TrickleSendsAValidBidOverSeconds) {
  start({misbehaving("t", buyer_misbehaviour::trickle)});
  auto ping = make_ping(100ms);
  auto begun = steady::now();
  auto raw = post(sim->url_of("t"), encode_ping(ping), "POST", 20s);
  EXPECT_GE(steady::now() - begun, 2s);
  ASSERT_TRUE(raw.ok()) << raw.error_detail;
  EXPECT_EQ(parse_bid_response(ping, raw.status, raw.body).kind, bid_kind::bid) << raw.body;
}

TEST_F(BuyerSim, MisbehaviourRateZeroBehaves) {
  auto b = misbehaving("m", buyer_misbehaviour::garbage);
  b.misbehaviour_rate = 0;
  start({b});
  EXPECT_EQ(ask("m").kind, bid_kind::bid);
  EXPECT_EQ(counts("m").misbehaviours, 0u);
}

TEST_F(BuyerSim, HungConnectionsAreFreedWhenTheClientLeavesAndStopDoesNotWait) {
  start({misbehaving("h", buyer_misbehaviour::hang)});
  auto r = ask("h", 100ms);
  EXPECT_TRUE(r.reason.starts_with("timeout")) << r.reason;
  // The client closed its connection on the timeout; the simulator notices and closes its side.
  EXPECT_TRUE(test::wait_until([&] { return sim->stats().open_connections == 0; }, 5s));

  // One still waiting when the simulator stops: it is cut off at once.
  std::promise<http_client_response> answer;
  http_client_request req;
  req.url = sim->url_of("h");
  req.body = encode_ping(make_ping());
  req.timeout = 30s;
  client->send(std::move(req), [&answer](http_client_response a) { answer.set_value(std::move(a)); });
  ASSERT_TRUE(test::wait_until([&] { return counts("h").pings == 2; }, 5s));
  auto begun = steady::now();
  sim->stop();
  EXPECT_LT(steady::now() - begun, 5s);
  auto cut = answer.get_future().get();
  EXPECT_FALSE(cut.ok());
  EXPECT_NE(cut.error, http_client_error::timeout) << to_string(cut.error); // closed, not left hanging
}

// ---- requests that are no pings -----------------------------------------------------------------

TEST_F(BuyerSim, UnknownBuyerMalformedPingAndWrongMethod) {
  start({steady_buyer("b1")});
  auto unknown = post(sim->url_of("nobody"), encode_ping(make_ping()));
  ASSERT_TRUE(unknown.ok());
  EXPECT_EQ(unknown.status, 404);
  EXPECT_EQ(unknown.body, R"({"error":"unknown buyer","buyer":"nobody"})");

  auto bad = post(sim->url_of("b1"), R"({"ping_id":"x","round":1})");
  ASSERT_TRUE(bad.ok());
  EXPECT_EQ(bad.status, 400);
  EXPECT_EQ(bad.header("content-type"), "application/json");
  EXPECT_TRUE(contains(bad.body, "\"error\":\"malformed ping\"")) << bad.body;

  auto not_json = post(sim->url_of("b1"), "hello");
  EXPECT_EQ(not_json.status, 400);

  auto get = post(sim->url_of("b1"), "", "GET");
  ASSERT_TRUE(get.ok());
  EXPECT_EQ(get.status, 405);

  auto stats = sim->stats();
  EXPECT_EQ(stats.unknown_buyer, 1u);
  ASSERT_EQ(stats.buyers.size(), 1u);
  EXPECT_EQ(stats.buyers[0].pings, 2u);
  EXPECT_EQ(stats.buyers[0].malformed, 2u);
}

TEST_F(BuyerSim, LogsEveryPingOnALineOfItsOwn) {
  auto dir = test::temp_dir("buyer-sim-log");
  auto path = dir + "/pings.log";
  start({steady_buyer("b1"), steady_buyer("b2")}, 1, path);
  std::vector<std::string> sent;
  for (uint64_t i = 0; i < 5; ++i) {
    auto p = make_ping(500ms, i);
    sent.push_back(encode_ping(p));
    ask(i % 2 ? "b1" : "b2", p);
  }
  post(sim->url_of("b1"), "{\"pretty\":\n true}"); // a line break in a body stays on its line
  sim->stop();
  std::istringstream in{read_file(path)};
  std::vector<std::string> lines;
  for (std::string line; std::getline(in, line);) lines.push_back(line);
  ASSERT_EQ(lines.size(), 6u);
  for (size_t i = 0; i < sent.size(); ++i) EXPECT_EQ(lines[i], sent[i]);
  EXPECT_EQ(lines[5], "{\"pretty\":  true}");
  for (const auto& line : lines) EXPECT_FALSE(contains(line, "+1")) << line; // never a caller's number
  std::filesystem::remove_all(dir);
}

TEST_F(BuyerSim, TheSameSeedGivesTheSameAnswers) {
  auto b = steady_buyer("b");
  b.bid_stddev_micros = 5'000'000;
  b.no_bid_rate = 0.3;
  auto run = [&](uint64_t seed) {
    start({b}, seed);
    std::vector<int64_t> out;
    for (uint64_t i = 0; i < 12; ++i) {
      auto r = ask("b", make_ping(500ms, i)).first;
      out.push_back(r.kind == bid_kind::bid ? r.amount_micros : -1);
    }
    sim->stop();
    return out;
  };
  auto first = run(7);
  EXPECT_EQ(run(7), first);
  EXPECT_NE(run(8), first);
}

TEST(BuyerSimStart, RejectsInvalidBuyers) {
  std::string error;
  buyer_sim_options o;
  o.buyers = {steady_buyer("a"), steady_buyer("a")};
  EXPECT_FALSE(buyer_sim_server::start(o, &error));
  EXPECT_TRUE(contains(error, "\"a\"")) << error;
  o.buyers = {steady_buyer("a b")};
  EXPECT_FALSE(buyer_sim_server::start(o, &error));
  EXPECT_TRUE(contains(error, "id")) << error;
  o.buyers = {steady_buyer("a")};
  o.address = "not-an-address";
  EXPECT_FALSE(buyer_sim_server::start(o, &error));
  EXPECT_TRUE(contains(error, "invalid address")) << error;
}

// ---- the buyers file ----------------------------------------------------------------------------

std::string error_of(const std::string& text) {
  auto parsed = parse_buyer_sim_json(text);
  if (auto* e = std::get_if<std::string>(&parsed)) return *e;
  return "(parsed)";
}

TEST(BuyerSimFile, ReadsEveryFieldAndAppliesDefaults) {
  auto parsed = parse_buyer_sim_json(R"({"buyers":[
    {"id":"b1","bid_mean":"20.00","bid_stddev":"5.00","latency_mean_ms":80,"latency_stddev_ms":40,
     "no_bid_rate":0.1,"error_rate":0.01,"destination":"+15125550100","expires_in_s":60,
     "misbehaviour":"none","misbehaviour_rate":1.0},
    {"id":"b2","bid_mean":12.345678,"bid_stddev":0,"misbehaviour":"trickle","misbehaviour_rate":0.25,
     "destination":"sip:buyer@example.com"},
    {"id":"b3"}]})");
  auto* buyers = std::get_if<std::vector<buyer_sim_buyer>>(&parsed);
  ASSERT_TRUE(buyers) << std::get<std::string>(parsed);
  ASSERT_EQ(buyers->size(), 3u);
  const auto& b1 = (*buyers)[0];
  EXPECT_EQ(b1.id, "b1");
  EXPECT_EQ(b1.bid_mean_micros, 20'000'000);
  EXPECT_EQ(b1.bid_stddev_micros, 5'000'000);
  EXPECT_EQ(b1.latency_mean_ms, 80);
  EXPECT_EQ(b1.latency_stddev_ms, 40);
  EXPECT_DOUBLE_EQ(b1.no_bid_rate, 0.1);
  EXPECT_DOUBLE_EQ(b1.error_rate, 0.01);
  EXPECT_EQ(b1.expires_in_s, 60);
  EXPECT_EQ(b1.misbehaviour, buyer_misbehaviour::none);
  const auto& b2 = (*buyers)[1];
  EXPECT_EQ(b2.bid_mean_micros, 12'345'678);
  EXPECT_EQ(b2.bid_stddev_micros, 0);
  EXPECT_EQ(b2.misbehaviour, buyer_misbehaviour::trickle);
  EXPECT_DOUBLE_EQ(b2.misbehaviour_rate, 0.25);
  EXPECT_EQ(b2.destination, "sip:buyer@example.com");
  const auto& b3 = (*buyers)[2];
  buyer_sim_buyer defaults;
  EXPECT_EQ(b3.bid_mean_micros, defaults.bid_mean_micros);
  EXPECT_EQ(b3.latency_mean_ms, defaults.latency_mean_ms);
  EXPECT_EQ(b3.destination, defaults.destination);
  EXPECT_EQ(b3.misbehaviour, buyer_misbehaviour::none);
}

TEST(BuyerSimFile, ErrorsNameTheBuyerAndTheField) {
  EXPECT_EQ(error_of(R"({"buyers":[{"id":"b1"},{"bid_mean":"1.00"}]})"), "buyers[1]: id: missing (it is required)");
  EXPECT_EQ(error_of(R"({"buyers":[{"id":"b1","bid_mena":"1.00"}]})"),
            "buyers[0] (\"b1\"): unknown member \"bid_mena\"");
  EXPECT_EQ(error_of(R"({"buyers":[],"extra":1})"), "unknown member \"extra\" (only \"buyers\")");
  // Each bad value is refused with its buyer and field named.
  const std::vector<std::pair<std::string, std::string>> bad = {
    {"bid_mean", R"("20.1234567")"},
    {"bid_mean", R"("abc")"},
    {"bid_mean", R"("-5")"},
    {"bid_mean", R"("1e3")"},
    {"bid_mean", R"(".5")"},
    {"bid_mean", R"("5.")"},
    {"bid_mean", "true"},
    {"bid_mean", "20.1234567"},
    {"bid_mean", "-5"},
    {"bid_stddev", R"("2000000")"},
    {"no_bid_rate", "1.5"},
    {"error_rate", R"("0.1")"},
    {"latency_mean_ms", R"("80")"},
    {"latency_mean_ms", "1.5"},
    {"latency_stddev_ms", "-1"},
    {"expires_in_s", "0"},
    {"expires_in_s", "3601"},
    {"destination", R"("5125550100")"},
    {"misbehaviour", R"("explode")"},
    {"misbehaviour_rate", "2"},
  };
  for (const auto& [field, value] : bad) {
    auto e = error_of(R"({"buyers":[{"id":"b1",")" + field + "\":" + value + "}]}");
    EXPECT_TRUE(e.starts_with("buyers[0] (\"b1\"): " + field + ": ")) << field << " = " << value << " -> " << e;
  }
  EXPECT_TRUE(error_of(R"({"buyers":[{"id":"b 1"}]})").starts_with("buyers[0] (\"b 1\"): id: "));
  EXPECT_TRUE(error_of(R"({"buyers":[{"id":7}]})").starts_with("buyers[0]: id: "));
  EXPECT_EQ(error_of(R"({"buyers":[{"id":"b1"},{"id":"b1"}]})"), "buyers[1] (\"b1\"): id: the same as buyers[0]");
  EXPECT_EQ(error_of(R"({"buyers":[{"id":"b1","error_rate":0.1,"error_rate":0.2}]})"),
            "buyers[0] (\"b1\"): error_rate: given twice");
  EXPECT_EQ(error_of(R"({"buyers":[]})"), "buyers: expected a non-empty array");
  EXPECT_EQ(error_of(R"({})"), "missing \"buyers\"");
  EXPECT_TRUE(error_of("{\"buyers\":[").starts_with("not JSON: ")) << error_of("{\"buyers\":[");
  EXPECT_TRUE(error_of("[]").starts_with("expected an object"));
}

TEST(BuyerSimFile, MoneyIsExact) {
  auto mean_of = [](const std::string& money) -> int64_t {
    auto parsed = parse_buyer_sim_json(R"({"buyers":[{"id":"b","bid_mean":)" + money + "}]}");
    auto* buyers = std::get_if<std::vector<buyer_sim_buyer>>(&parsed);
    return buyers ? (*buyers)[0].bid_mean_micros : -1;
  };
  EXPECT_EQ(mean_of(R"("0.000001")"), 1);
  EXPECT_EQ(mean_of(R"("999999.999999")"), 999'999'999'999);
  EXPECT_EQ(mean_of(R"("007.10")"), 7'100'000);
  EXPECT_EQ(mean_of("0.1"), 100'000);
  EXPECT_EQ(mean_of("25"), 25'000'000);
  EXPECT_EQ(mean_of(R"("1000000")"), -1);
  EXPECT_EQ(mean_of(R"("0")"), -1);
}

TEST(BuyerSimFile, LoadNamesTheFile) {
  auto missing = load_buyer_sim_file("/nonexistent/buyers.json");
  ASSERT_TRUE(std::holds_alternative<std::string>(missing));
  EXPECT_TRUE(contains(std::get<std::string>(missing), "/nonexistent/buyers.json"));
  EXPECT_EQ(parse_buyer_misbehaviour(to_string(buyer_misbehaviour::status_500)), buyer_misbehaviour::status_500);
}

// ---- the executable -----------------------------------------------------------------------------

TEST(BuyerSimCommand, ServesUntilSigtermThenPrintsStats) {
  auto dir = test::temp_dir("buyer-sim-cli");
  {
    std::ofstream f{dir + "/buyers.json"};
    f << R"({"buyers":[{"id":"b1","bid_mean":"15.00","bid_stddev":"0","latency_mean_ms":0,"latency_stddev_ms":0,
             "no_bid_rate":0,"error_rate":0}]})";
  }
  auto log = dir + "/out.log";
  pid_t pid = spawn_logged({test::bin + "ringbid", "buyer-sim", "--listen", "127.0.0.1:0", "--buyers",
                            dir + "/buyers.json", "--seed", "3", "--log-pings", dir + "/pings.log", "--json"},
                           log);
  ASSERT_GT(pid, 0);
  std::string first;
  ASSERT_TRUE(test::wait_until(
    [&] {
      auto text = read_file(log);
      auto end = text.find('\n');
      if (end == std::string::npos) return false;
      first = text.substr(0, end);
      return true;
    },
    10s));
  const std::string prefix = "buyer-sim listening on 127.0.0.1:";
  ASSERT_TRUE(first.starts_with(prefix)) << first;
  auto port = std::stoi(first.substr(prefix.size()));

  http_client client;
  http_client_request req;
  req.url = "http://127.0.0.1:" + std::to_string(port) + "/buyers/b1";
  auto ping = make_ping();
  req.body = encode_ping(ping);
  std::promise<http_client_response> answer;
  client.send(std::move(req), [&answer](http_client_response r) { answer.set_value(std::move(r)); });
  auto r = answer.get_future().get();
  client.stop();
  ASSERT_TRUE(r.ok()) << r.error_detail;
  auto bid = parse_bid_response(ping, r.status, r.body);
  EXPECT_EQ(bid.kind, bid_kind::bid);
  EXPECT_EQ(bid.amount_micros, 15'000'000);

  ::kill(pid, SIGTERM);
  EXPECT_EQ(wait_exit(pid, 10s), 0);
  auto out = read_file(log);
  EXPECT_TRUE(contains(out, "\"id\": \"b1\"")) << out;
  EXPECT_TRUE(contains(out, "\"pings\": 1")) << out;
  EXPECT_TRUE(contains(out, "\"bids\": 1")) << out;
  EXPECT_EQ(read_file(dir + "/pings.log"), encode_ping(ping) + "\n");
  std::filesystem::remove_all(dir);
}

TEST(BuyerSimCommand, ABadBuyersFileExitsWith2) {
  auto dir = test::temp_dir("buyer-sim-bad");
  {
    std::ofstream f{dir + "/buyers.json"};
    f << R"({"buyers":[{"id":"b1","bid_mean":"ten"}]})";
  }
  auto r = test::run(test::bin + "ringbid buyer-sim --buyers " + dir + "/buyers.json");
  EXPECT_EQ(r.exit_code, 2) << r.output;
  EXPECT_TRUE(contains(r.output, "buyers[0] (\"b1\"): bid_mean:")) << r.output;
  std::filesystem::remove_all(dir);
}

} // namespace
} // namespace ringbid
