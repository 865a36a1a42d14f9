// The whole carrier path over real HTTP on loopback, as separate processes:
// `ringbid carrier-sim` plays Telnyx (signed webhooks, duplicated and
// reordered deliveries, the command API), `ringbid-node --carrier telnyx`
// takes the calls with its simulated bidders. Afterwards the carrier's record
// and the node's leads must agree call by call.

#include "adapters/http/http_client.hpp"
#include "adapters/telnyx/telnyx_codec.hpp"
#include "adapters/telnyx/webhook_signature.hpp"
#include "tests/support/process_support.hpp"

#include <gtest/gtest.h>
#include <rapidjson/document.h>
#include <sqlite3.h>

#include <arpa/inet.h>
#include <csignal>
#include <fstream>
#include <future>
#include <map>
#include <netinet/in.h>
#include <sstream>
#include <sys/socket.h>

namespace ringbid {
namespace {

using namespace ringbid::test;
using std::chrono::milliseconds;
using std::chrono::seconds;

struct lead_row {
  std::string outcome;
  std::string destination;
  int64_t answered_at = 0;
  int64_t talk_ms = 0;
};

std::map<std::string, lead_row> read_leads(const std::string& db_path) {
  std::map<std::string, lead_row> out;
  sqlite3* db = nullptr;
  if (sqlite3_open_v2(db_path.c_str(), &db, SQLITE_OPEN_READONLY, nullptr) != SQLITE_OK) {
    ADD_FAILURE() << "cannot open " << db_path;
    sqlite3_close(db);
    return out;
  }
  sqlite3_stmt* st = nullptr;
  sqlite3_prepare_v2(db, "SELECT carrier_call_id, outcome, destination, answered_at, talk_ms FROM leads", -1, &st,
                     nullptr);
  while (sqlite3_step(st) == SQLITE_ROW) {
    lead_row r;
    std::string id = reinterpret_cast<const char*>(sqlite3_column_text(st, 0));
    r.outcome = reinterpret_cast<const char*>(sqlite3_column_text(st, 1));
    r.destination = reinterpret_cast<const char*>(sqlite3_column_text(st, 2));
    r.answered_at = sqlite3_column_int64(st, 3);
    r.talk_ms = sqlite3_column_int64(st, 4);
    EXPECT_TRUE(out.emplace(id, r).second) << "two leads for " << id;
  }
  sqlite3_finalize(st);
  sqlite3_close(db);
  return out;
}

http_client_response http_get(const std::string& url) {
  http_client client;
  http_client_request req;
  req.method = "GET";
  req.url = url;
  req.timeout = milliseconds{3'000};
  req.max_response_bytes = 1 << 20;
  std::promise<http_client_response> p;
  auto f = p.get_future();
  client.send(std::move(req), [&p](http_client_response r) { p.set_value(std::move(r)); });
  return f.get();
}

/// The value of one Prometheus sample, e.g. `ringbid_commands_total{outcome="failed"}`; -1 if absent.
double metric(const std::string& text, const std::string& sample) {
  std::istringstream in{text};
  std::string line;
  while (std::getline(in, line))
    if (line.rfind(sample + " ", 0) == 0) return std::stod(line.substr(sample.size() + 1));
  return -1;
}

TEST(CarrierLoopback, ThousandCallsWithDuplicatedAndReorderedWebhooksAgreeCallByCall) {
  auto dir = temp_dir("loopback");
  auto node_port = free_port();
  auto origin = "http://127.0.0.1:" + std::to_string(node_port);
  auto config = src + "/examples/demo.json";
  const int calls = 1000;

  auto sim_log = dir + "/carrier.log";
  pid_t sim = spawn_logged({bin + "ringbid",    "carrier-sim",
                            "--config",         config,
                            "--webhook-url",    origin + "/webhooks/telnyx",
                            "--listen",         "127.0.0.1:0",
                            "--key-file",       dir + "/key",
                            "--api-key",        "test-key",
                            "--calls",          std::to_string(calls),
                            "--rate",           "200",
                            "--time-scale",     "100",
                            "--duplicate-rate", "0.1",
                            "--reorder-rate",   "0.2",
                            "--reorder-max-ms", "30",
                            "--seed",           "7",
                            "--record",         dir + "/record.json",
                            "--wait-ready",     "60",
                            "--max-run",        "150"},
                           sim_log);
  ASSERT_GT(sim, 0);
  ASSERT_TRUE(wait_until([&] { return !log_value(sim_log, "carrier-sim api: ").empty(); }, seconds{20}))
    << read_file(sim_log);
  auto public_key = log_value(sim_log, "carrier-sim public key: ");
  auto api = log_value(sim_log, "carrier-sim api: ");

  auto node_log = dir + "/node.log";
  pid_t node = spawn_logged({bin + "ringbid-node", "--config", config, "--data-dir", dir, "--http",
                             "127.0.0.1:" + std::to_string(node_port), "--carrier", "telnyx", "--telnyx-api-url", api,
                             "--telnyx-public-key", public_key, "--telnyx-api-key", "test-key"},
                            node_log);
  ASSERT_GT(node, 0);

  int sim_exit = wait_exit(sim, seconds{180});
  http_client_response metrics;
  wait_until(
    [&] {
      metrics = http_get(origin + "/metrics");
      return metrics.ok() && metric(metrics.body, "ringbid_commands_queued") == 0 &&
             metric(metrics.body, "ringbid_calls_total{event=\"finished\"}") == double(calls);
    },
    seconds{30});
  ::kill(node, SIGTERM);
  int node_exit = wait_exit(node, seconds{60});
  ASSERT_EQ(sim_exit, 0) << read_file(sim_log) << read_file(node_log);
  ASSERT_EQ(node_exit, 0) << read_file(node_log);
  ASSERT_TRUE(metrics.ok()) << metrics.error_detail;

  rapidjson::Document record;
  auto record_text = read_file(dir + "/record.json");
  record.Parse(record_text.c_str());
  ASSERT_FALSE(record.HasParseError());
  ASSERT_EQ(record["placed"].GetUint64(), uint64_t(calls));
  ASSERT_EQ(record["ended"].GetUint64(), uint64_t(calls));
  // The run really had duplicated and reordered deliveries, and lost none.
  const auto& hooks = record["webhooks"];
  EXPECT_GT(hooks["duplicates"].GetUint64(), 300u);
  EXPECT_GT(hooks["reordered"].GetUint64(), 600u);
  EXPECT_EQ(hooks["failed"].GetUint64(), 0u);
  EXPECT_EQ(hooks["acknowledged"].GetUint64(), hooks["sent"].GetUint64());

  auto leads = read_leads(dir + "/ringbid-demo.db");
  ASSERT_EQ(leads.size(), size_t(calls)) << "every call the carrier placed is one lead";
  uint64_t executed_commands = 0;
  uint64_t bridged = 0;
  for (const auto& c : record["calls"].GetArray()) {
    std::string id = c["call_control_id"].GetString();
    executed_commands += c["commands"].GetUint();
    auto i = leads.find(id);
    ASSERT_NE(i, leads.end()) << "no lead for " << id;
    const auto& lead = i->second;
    EXPECT_TRUE(c["ended"].GetBool()) << id;
    EXPECT_EQ(c["answered"].GetBool(), lead.answered_at != 0) << id << " " << lead.outcome;
    bool carrier_bridged = c["bridged"].GetBool();
    EXPECT_EQ(carrier_bridged, lead.outcome == "bridged") << id << " " << lead.outcome;
    if (!carrier_bridged) continue;
    ++bridged;
    EXPECT_EQ(std::string{c["bridged_to"].GetString()}, lead.destination) << id;
    // The node times the talk from the webhooks, the carrier from its own clock.
    EXPECT_NEAR(double(lead.talk_ms), double(c["talk_ms"].GetInt64()), 300.0) << id;
  }
  EXPECT_GT(bridged, uint64_t(calls) / 4); // the demo's caps turn many calls away

  // No command was lost, and none was carried out twice: every command the node
  // saw succeed is one the carrier executed, and each repeated command_id the
  // carrier saw came from a retry.
  const auto& m = metrics.body;
  EXPECT_EQ(metric(m, "ringbid_commands_total{outcome=\"failed\"}"), 0) << m;
  EXPECT_EQ(metric(m, "ringbid_commands_total{outcome=\"rejected\"}"), 0) << m;
  EXPECT_EQ(metric(m, "ringbid_commands_total{outcome=\"success\"}"), double(executed_commands)) << m;
  EXPECT_LE(double(record["duplicate_commands"].GetUint64()), metric(m, "ringbid_command_retries_total")) << m;
  EXPECT_EQ(metric(m, "ringbid_webhooks_total{result=\"bad_signature\"}"), 0) << m;
  EXPECT_GT(metric(m, "ringbid_webhooks_total{result=\"duplicate\"}"), 0) << m;
  EXPECT_EQ(metric(m, "ringbid_calls_total{event=\"started\"}"), double(calls)) << m;
}

http_client_response http_post(const std::string& url, std::string body,
                               std::vector<std::pair<std::string, std::string>> headers) {
  http_client client;
  http_client_request req;
  req.url = url;
  req.body = std::move(body);
  req.headers = std::move(headers);
  req.timeout = milliseconds{5'000};
  std::promise<http_client_response> p;
  auto f = p.get_future();
  client.send(std::move(req), [&p](http_client_response r) { p.set_value(std::move(r)); });
  return f.get();
}

/// Writes `request` on a fresh loopback connection and returns what comes back
/// within a second (the node closes after a refusal).
std::string raw_exchange(uint16_t port, const std::string& request) {
  int fd = ::socket(AF_INET, SOCK_STREAM, 0);
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  addr.sin_port = htons(port);
  std::string out;
  if (::connect(fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr) == 0 &&
      ::send(fd, request.data(), request.size(), MSG_NOSIGNAL) == static_cast<ssize_t>(request.size())) {
    timeval limit{1, 0};
    ::setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &limit, sizeof limit);
    char buf[4096];
    ssize_t n = 0;
    while ((n = ::recv(fd, buf, sizeof buf, 0)) > 0) out.append(buf, static_cast<size_t>(n));
  }
  ::close(fd);
  return out;
}

/// A node in Telnyx mode on a free port, with a key pair of the test's own.
struct telnyx_node {
  std::string dir;
  ed25519_keypair keys = generate_ed25519_keypair();
  uint16_t port = free_port();
  pid_t pid = -1;
  std::string log;

  explicit telnyx_node(const std::string& name) : dir(temp_dir(name)), log(dir + "/node.log") {
    pid = spawn_logged({bin + "ringbid-node", "--config", src + "/examples/demo.json", "--data-dir", dir, "--http",
                        "127.0.0.1:" + std::to_string(port), "--carrier", "telnyx", "--telnyx-api-url",
                        "http://127.0.0.1:9", "--telnyx-public-key", keys.public_key_b64},
                       log);
  }
  std::string url(const std::string& path) const { return "http://127.0.0.1:" + std::to_string(port) + path; }

  http_client_response webhook(const std::string& body, std::string timestamp = {}) const {
    if (timestamp.empty())
      timestamp = std::to_string(
        std::chrono::duration_cast<seconds>(std::chrono::system_clock::now().time_since_epoch()).count());
    return http_post(url("/webhooks/telnyx"), body,
                     {{"Content-Type", "application/json"},
                      {"telnyx-timestamp", timestamp},
                      {"telnyx-signature-ed25519", sign_webhook(keys.secret_key_b64, timestamp, body)}});
  }
};

std::string event_body(const std::string& id, const std::string& type, const std::string& cc) {
  telnyx_webhook w;
  w.event_id = id;
  w.event_type = type;
  w.occurred_at = 1'800'000'000 * us_per_s;
  w.call_control_id = cc;
  w.hangup_cause = "normal_clearing";
  w.hangup_source = "caller";
  return encode_webhook(w);
}

// Bad input at the node's door: each gets a clear 4xx, valid but useless
// events get 2xx and are counted, and the node carries on and shuts down clean.
TEST(CarrierLoopback, BadWebhooksGetClear4xxAndUselessOnesAreCounted) {
  telnyx_node node{"bad-input"};
  ASSERT_TRUE(wait_until([&] { return http_get(node.url("/readyz")).status == 200; }, seconds{20}))
    << read_file(node.log);
  EXPECT_EQ(http_get(node.url("/healthz")).status, 200);

  auto body = event_body("bad-1", "call.hangup", "nobody");
  auto now_s = std::chrono::duration_cast<seconds>(std::chrono::system_clock::now().time_since_epoch()).count();
  // No signature at all.
  auto r = http_post(node.url("/webhooks/telnyx"), body, {{"Content-Type", "application/json"}});
  EXPECT_EQ(r.status, 401) << r.body;
  // Signed by someone else.
  auto stranger = generate_ed25519_keypair();
  auto ts = std::to_string(now_s);
  r = http_post(
    node.url("/webhooks/telnyx"), body,
    {{"telnyx-timestamp", ts}, {"telnyx-signature-ed25519", sign_webhook(stranger.secret_key_b64, ts, body)}});
  EXPECT_EQ(r.status, 401) << r.body;
  // Correctly signed, but ten minutes old.
  r = node.webhook(body, std::to_string(now_s - 600));
  EXPECT_EQ(r.status, 403) << r.body;
  EXPECT_NE(r.body.find("stale"), std::string::npos) << r.body;
  // Signed garbage.
  r = node.webhook("{\"data\": [");
  EXPECT_EQ(r.status, 400) << r.body;
  // Two megabytes announced: refused as soon as the header says so, before
  // the body is read (a client still writing it may see the reset instead).
  auto answer = raw_exchange(node.port, "POST /webhooks/telnyx HTTP/1.1\r\nHost: 127.0.0.1\r\n"
                                        "Content-Type: application/json\r\nContent-Length: 2097152\r\n\r\n");
  EXPECT_EQ(answer.rfind("HTTP/1.1 413", 0), 0u) << answer;
  // Valid, but of a type we do not use, and for a call nobody knows.
  EXPECT_EQ(node.webhook(event_body("ok-1", "call.machine.detection.ended", "nobody")).status, 200);
  EXPECT_EQ(node.webhook(body).status, 200);
  EXPECT_EQ(node.webhook(body).status, 200); // and once more: a duplicate

  http_client_response metrics;
  ASSERT_TRUE(wait_until(
    [&] {
      metrics = http_get(node.url("/metrics"));
      return metric(metrics.body, "ringbid_carrier_events_ignored_total") >= 1;
    },
    seconds{10}))
    << metrics.body;
  const auto& m = metrics.body;
  EXPECT_EQ(metric(m, "ringbid_webhooks_total{result=\"bad_signature\"}"), 2) << m;
  EXPECT_EQ(metric(m, "ringbid_webhooks_total{result=\"stale\"}"), 1) << m;
  EXPECT_EQ(metric(m, "ringbid_webhooks_total{result=\"malformed\"}"), 1) << m;
  EXPECT_EQ(metric(m, "ringbid_webhooks_total{result=\"ignored\"}"), 1) << m;
  EXPECT_EQ(metric(m, "ringbid_webhooks_total{result=\"duplicate\"}"), 1) << m;
  EXPECT_EQ(metric(m, "ringbid_webhooks_total{result=\"accepted\"}"), 1) << m;
  EXPECT_EQ(metric(m, "ringbid_carrier_events_ignored_total"), 1) << m;
  EXPECT_GE(metric(m, "ringbid_http_refused_total{reason=\"too_large\"}"), 1) << m;
  EXPECT_EQ(metric(m, "ringbid_calls_live{state=\"greeting\"}"), 0) << m;
  EXPECT_EQ(metric(m, "ringbid_ready"), 1) << m;

  ::kill(node.pid, SIGTERM);
  EXPECT_EQ(wait_exit(node.pid, seconds{30}), 0) << read_file(node.log);
}

// A scheduled run: the calls of the file, to its numbers, at its times; a
// number nobody owns hears the not-in-service message and is booked so.
TEST(CarrierLoopback, ScheduledCallsReachTheirNumbersAndUnknownOnesAreBookedSo) {
  auto dir = temp_dir("schedule");
  std::ofstream{dir + "/calls.csv"} << "# seconds,did\n0,+18445550101\n0.1,+19995550000\n0.2\n";
  auto node_port = free_port();
  auto origin = "http://127.0.0.1:" + std::to_string(node_port);
  auto config = src + "/examples/demo.json";
  auto sim_log = dir + "/carrier.log";
  pid_t sim = spawn_logged({bin + "ringbid", "carrier-sim", "--config", config, "--webhook-url",
                            origin + "/webhooks/telnyx", "--schedule", dir + "/calls.csv", "--time-scale", "100",
                            "--record", dir + "/record.json", "--max-run", "60"},
                           sim_log);
  ASSERT_TRUE(wait_until([&] { return !log_value(sim_log, "carrier-sim api: ").empty(); }, seconds{20}))
    << read_file(sim_log);
  pid_t node = spawn_logged({bin + "ringbid-node", "--config", config, "--data-dir", dir, "--http",
                             "127.0.0.1:" + std::to_string(node_port), "--carrier", "telnyx", "--telnyx-api-url",
                             log_value(sim_log, "carrier-sim api: "), "--telnyx-public-key",
                             log_value(sim_log, "carrier-sim public key: ")},
                            dir + "/node.log");
  ASSERT_EQ(wait_exit(sim, seconds{90}), 0) << read_file(sim_log);
  ::kill(node, SIGTERM);
  ASSERT_EQ(wait_exit(node, seconds{60}), 0) << read_file(dir + "/node.log");

  rapidjson::Document record;
  auto text = read_file(dir + "/record.json");
  record.Parse(text.c_str());
  ASSERT_FALSE(record.HasParseError());
  EXPECT_EQ(record["placed"].GetUint64(), 3u);
  std::map<std::string, std::string> did_of;
  for (const auto& c : record["calls"].GetArray()) did_of[c["call_control_id"].GetString()] = c["did"].GetString();
  ASSERT_EQ(did_of.size(), 3u);
  EXPECT_EQ(did_of["v3:cs1-1"], "+18445550101");
  EXPECT_EQ(did_of["v3:cs1-2"], "+19995550000");
  auto leads = read_leads(dir + "/ringbid-demo.db");
  ASSERT_EQ(leads.size(), 3u);
  EXPECT_EQ(leads["v3:cs1-2"].outcome, "unknown_number");
  EXPECT_NE(leads["v3:cs1-1"].outcome, "unknown_number");
}

TEST(CarrierLoopback, MalformedScheduleIsRefused) {
  auto dir = temp_dir("bad-schedule");
  std::ofstream{dir + "/calls.csv"} << "0,+18445550101\nsoon,+18445550101\n";
  auto r = run(bin + "ringbid carrier-sim --config " + src + "/examples/demo.json --webhook-url http://127.0.0.1:9/x" +
               " --schedule " + dir + "/calls.csv");
  EXPECT_EQ(r.exit_code, 2) << r.output;
  EXPECT_NE(r.output.find("calls.csv:2"), std::string::npos) << r.output;
}

TEST(CarrierLoopback, TelnyxModeRefusesABadPublicKey) {
  auto dir = temp_dir("bad-key");
  auto r = run(bin + "ringbid-node --config " + src + "/examples/demo.json --data-dir " + dir +
               " --http 127.0.0.1:0 --carrier telnyx --telnyx-public-key not-a-key");
  EXPECT_EQ(r.exit_code, 2) << r.output;
  EXPECT_NE(r.output.find("--telnyx-public-key"), std::string::npos) << r.output;
}

} // namespace
} // namespace ringbid
