// carrier-sim's wire in-process, on 127.0.0.1: the simulated carrier, its
// webhook emitter and its REST API, with the Telnyx carrier port asking it
// what a node adopting calls asks (a call's status, the calls alive, over
// several pages), repeated command_ids, and the webhook retry policy
// (retrying across a gap, or delivering once).
#include "actors/actor_types.hpp"
#include "adapters/clock/sim_clock.hpp"
#include "adapters/http/http_client.hpp"
#include "adapters/http/http_server.hpp"
#include "adapters/sim/carrier_sim_api.hpp"
#include "adapters/sim/carrier_sim_wire.hpp"
#include "adapters/sim/sim_carrier.hpp"
#include "adapters/sim/sim_types.hpp"
#include "adapters/telnyx/telnyx_call_info.hpp"
#include "adapters/telnyx/telnyx_carrier_port.hpp"
#include "adapters/telnyx/telnyx_codec.hpp"
#include "adapters/telnyx/webhook_signature.hpp"
#include "protocol/node.hpp"
#include "protocol/types.hpp"

#include <caf/all.hpp>
#include <gtest/gtest.h>

#include <algorithm>
#include <atomic>
#include <functional>
#include <future>
#include <thread>

namespace ringbid {
namespace {

using namespace std::chrono_literals;
using liveness = carrier_call_status::liveness;
constexpr const char* api_key = "test-key";

/// Polls `ready` until it holds or `limit` passes.
bool wait_until(const std::function<bool()>& ready, std::chrono::milliseconds limit = 10s) {
  auto deadline = std::chrono::steady_clock::now() + limit;
  while (!ready()) {
    if (std::chrono::steady_clock::now() > deadline) return false;
    std::this_thread::sleep_for(5ms);
  }
  return true;
}

struct sim_wire {
  static caf::actor_system_config& prepare(caf::actor_system_config& cfg) {
    add_protocol_types(cfg);
    add_actor_types(cfg);
    add_sim_types(cfg);
    cfg.set("scheduler.max-threads", size_t{2});
    cfg.set("logger.verbosity", caf::atom("quiet"));
    return cfg;
  }

  caf::actor_system_config cfg;
  caf::actor_system sys{prepare(cfg)};
  http_server webhooks{http_server_limits{}, 1}; ///< the node's side: answers `webhook_status`
  std::atomic<int> webhook_status{200};
  std::atomic<int> webhook_posts{0};
  std::shared_ptr<http_client> client = std::make_shared<http_client>();
  std::shared_ptr<wire_emitter_stats> stats = std::make_shared<wire_emitter_stats>();
  std::shared_ptr<wire_command_desk> desk = std::make_shared<wire_command_desk>();
  std::shared_ptr<sim_carrier_report> report = std::make_shared<sim_carrier_report>();
  http_server api{http_server_limits{}, 1};
  std::string api_url;
  caf::actor world;
  caf::actor emitter;
  std::string prefix = "v3:t-";

  /// `calls` callers at once, who never give up and whose transfers ring long.
  explicit sim_wire(int calls, std::function<void(wire_emitter_options&)> tune = {}) {
    webhooks.route("POST", "/webhooks/telnyx", [this](http_request&&, http_responder respond) {
      ++webhook_posts;
      http_response r;
      r.status = webhook_status.load();
      respond(std::move(r));
    });
    auto hooks = webhooks.listen("127.0.0.1", 0);
    EXPECT_TRUE(hooks.ok()) << hooks.error;

    auto config = std::make_shared<engine_config>();
    sim_carrier_options o;
    o.config = config;
    o.report = report;
    o.behavior.abandon_rate = 0;
    o.behavior.ring_ms_mean = 1'000'000;
    o.call_id_prefix = prefix;
    for (int i = 0; i < calls; ++i) o.schedule.push_back({0.0, "+1800555000" + std::to_string(i)});
    world = spawn_sim_carrier(sys, o, make_actor_wall_clock(sys, system_now()));

    wire_emitter_options w;
    w.webhook_url = "http://127.0.0.1:" + std::to_string(hooks.port) + "/webhooks/telnyx";
    w.secret_key_b64 = generate_ed25519_keypair().secret_key_b64;
    w.connection_id = "conn-1";
    if (tune) tune(w);
    emitter = spawn_wire_emitter(sys, w, client, stats, desk, world);
    mount_carrier_sim_api(api, api_key, emitter, desk);
    auto bound = api.listen("127.0.0.1", 0);
    EXPECT_TRUE(bound.ok()) << bound.error;
    api_url = "http://127.0.0.1:" + std::to_string(bound.port);
    caf::anon_send(world, peer_restarted{peer_handle{peer_kind::calls, {}, emitter}});
  }

  ~sim_wire() {
    api.stop();
    stop_world();
    webhooks.stop();
    client->stop();
  }

  /// Ends the carrier's actors; its record is complete afterwards.
  void stop_world() {
    if (!world) return;
    caf::scoped_actor self{sys};
    self->send_exit(world, caf::exit_reason::user_shutdown);
    self->send_exit(emitter, caf::exit_reason::user_shutdown);
    self->wait_for(world, emitter);
    world = nullptr;
  }

  std::string call(int n) const { return prefix + std::to_string(n); }

  http_client_response request(std::string method, const std::string& path, std::string body = {},
                               bool with_key = true) {
    http_client_request req;
    req.method = std::move(method);
    req.url = api_url + path;
    req.body = std::move(body);
    req.timeout = 5s;
    req.max_response_bytes = 1 << 20;
    req.headers = {{"Content-Type", "application/json"}};
    if (with_key) req.headers.emplace_back("Authorization", std::string{"Bearer "} + api_key);
    std::promise<http_client_response> p;
    auto f = p.get_future();
    client->send(std::move(req), [&p](http_client_response r) { p.set_value(std::move(r)); });
    return f.get();
  }

  http_client_response command(command_kind kind, int n, uuid id, std::string payload = {}) {
    carrier_command cmd;
    cmd.kind = kind;
    cmd.carrier_call_id = call(n);
    cmd.command_id = id;
    cmd.call = uuid{42, static_cast<uint64_t>(n)};
    cmd.payload = std::move(payload);
    cmd.timeout_secs = 600;
    auto state = encode_client_state(cmd.call.to_string(), call_leg::caller, cmd.carrier_call_id);
    auto wire = encode_command(cmd, state);
    return request("POST", wire.path, wire.body);
  }
};

/// The Telnyx port, pointed at the simulator; pages of two calls.
std::unique_ptr<telnyx_carrier_port> telnyx_port(sim_wire& sim) {
  auto verifier = webhook_verifier::create(generate_ed25519_keypair().public_key_b64);
  EXPECT_TRUE(verifier);
  telnyx_api_options api;
  api.base_url = sim.api_url;
  api.api_key = api_key;
  telnyx_query_options queries;
  queries.connection_id = "conn-1";
  queries.page_limit = 2;
  return std::make_unique<telnyx_carrier_port>(api, std::move(*verifier), make_actor_wall_clock(sim.sys, system_now()),
                                               nullptr, queries);
}

std::optional<carrier_call_status> status_of(carrier_port& port, const std::string& id) {
  std::promise<std::optional<carrier_call_status>> p;
  auto f = p.get_future();
  port.call_status(id, [&p](std::optional<carrier_call_status> s) { p.set_value(s); });
  return f.get();
}

std::optional<std::vector<std::string>> active_of(carrier_port& port) {
  std::promise<std::optional<std::vector<std::string>>> p;
  auto f = p.get_future();
  port.active_calls([&p](std::optional<std::vector<std::string>> ids) { p.set_value(std::move(ids)); });
  return f.get();
}

TEST(CarrierSimApi, TelnyxPortAsksStatusOfLiveEndedAndUnknownCalls) {
  sim_wire sim{5};
  auto port = telnyx_port(sim);
  std::optional<std::vector<std::string>> ids;
  ASSERT_TRUE(wait_until([&] {
    ids = active_of(*port);
    return ids && ids->size() == 5;
  }))
    << "five calls alive";
  std::vector<std::string> expected;
  for (int n = 1; n <= 5; ++n) expected.push_back(sim.call(n));
  EXPECT_EQ(*ids, expected) << "every page followed (two calls a page)";
  EXPECT_GE(sim.stats->queries.load(), 3u);

  auto live = status_of(*port, sim.call(1));
  ASSERT_TRUE(live);
  EXPECT_EQ(live->state, liveness::alive);
  EXPECT_GT(live->start_time, 0);
  EXPECT_EQ(live->end_time, 0);

  ASSERT_EQ(sim.command(command_kind::hangup, 2, uuid{9, 2}).status, 200);
  std::optional<carrier_call_status> ended;
  ASSERT_TRUE(wait_until([&] {
    ended = status_of(*port, sim.call(2));
    return ended && ended->state == liveness::ended;
  }));
  EXPECT_GE(ended->end_time, ended->start_time);
  EXPECT_GT(ended->start_time, 0);

  auto unknown = status_of(*port, "v3:never-placed");
  ASSERT_TRUE(unknown);
  EXPECT_EQ(unknown->state, liveness::unknown);

  ids = active_of(*port);
  ASSERT_TRUE(ids);
  EXPECT_EQ(*ids, (std::vector<std::string>{sim.call(1), sim.call(3), sim.call(4), sim.call(5)}));
  port->stop();
  EXPECT_FALSE(status_of(*port, sim.call(1))) << "a stopped port cannot ask";
}

TEST(CarrierSimApi, StatusBodyIsTelnyxsAndBuyerLegsAreListedButNotAdopted) {
  sim_wire sim{2};
  auto port = telnyx_port(sim);
  ASSERT_TRUE(wait_until([&] { return sim.request("GET", call_status_path(sim.call(2))).status == 200; }));
  ASSERT_EQ(sim.command(command_kind::transfer, 1, uuid{9, 1}, "+15550001111").status, 200);

  auto raw = sim.request("GET", call_status_path(sim.call(1)));
  ASSERT_EQ(raw.status, 200) << raw.body;
  for (const char* field :
       {"\"call_control_id\":", "\"call_leg_id\":", "\"call_session_id\":", "\"client_state\":\"", "\"is_alive\":true",
        "\"call_duration\":", "\"start_time\":\"", "\"end_time\":null", "\"record_type\":\"call\""})
    EXPECT_NE(raw.body.find(field), std::string::npos) << field << " in " << raw.body;

  auto buyer = sim.call(1) + ":b1";
  auto leg = sim.request("GET", call_status_path(buyer));
  ASSERT_EQ(leg.status, 200) << leg.body;
  EXPECT_NE(leg.body.find("\"is_alive\":true"), std::string::npos) << leg.body;

  auto listed = sim.request("GET", active_calls_path("conn-1", "", 250));
  ASSERT_EQ(listed.status, 200) << listed.body;
  auto page = read_active_calls(listed.status, listed.body);
  ASSERT_TRUE(page.ok) << page.error;
  ASSERT_EQ(page.calls.size(), 3u) << listed.body;
  EXPECT_EQ(page.calls[1].call_control_id, buyer);
  EXPECT_EQ(page.calls[1].leg, call_leg::buyer);

  auto ids = active_of(*port);
  ASSERT_TRUE(ids);
  EXPECT_EQ(*ids, (std::vector<std::string>{sim.call(1), sim.call(2)})) << "caller legs only";
}

TEST(CarrierSimApi, QueriesCheckKeyPathAndPageParameters) {
  sim_wire sim{1};
  EXPECT_EQ(sim.request("GET", call_status_path(sim.call(1)), {}, false).status, 401);
  EXPECT_EQ(sim.request("GET", active_calls_path("conn-1", "", 2), {}, false).status, 401);
  EXPECT_EQ(sim.request("GET", "/v2/calls/").status, 404);
  EXPECT_EQ(sim.request("GET", "/v2/connections/conn-1/other").status, 404);
  auto wrong = sim.request("GET", active_calls_path("conn-2", "", 2));
  EXPECT_EQ(wrong.status, 422);
  EXPECT_NE(wrong.body.find("10015"), std::string::npos) << wrong.body;
  EXPECT_EQ(sim.request("GET", "/v2/connections/conn-1/active_calls?page%5Blimit%5D=0").status, 422);
  EXPECT_EQ(sim.request("GET", "/v2/connections/conn-1/active_calls?page%5Bsize%5D=251").status, 422);
  EXPECT_EQ(sim.request("GET", "/v2/connections/conn-1/active_calls?page%5Blimit%5D=x").status, 422);
  EXPECT_EQ(sim.request("GET", active_calls_path("conn-1", "not-a-cursor", 2)).status, 422);
  EXPECT_EQ(sim.request("GET", "/v2/connections/conn-1/active_calls?page%5Bsize%5D=5").status, 200);
  auto unknown = sim.request("GET", call_status_path("v3:nobody"));
  EXPECT_EQ(unknown.status, 422);
  EXPECT_NE(unknown.body.find("90015"), std::string::npos) << unknown.body;
}

TEST(CarrierSimApi, ARepeatedCommandIdIsAnsweredOkAndTakesEffectOnce) {
  sim_wire sim{1};
  ASSERT_TRUE(wait_until([&] { return sim.request("GET", call_status_path(sim.call(1))).status == 200; }));
  auto first = sim.command(command_kind::answer, 1, uuid{5, 5});
  auto again = sim.command(command_kind::answer, 1, uuid{5, 5}); // a restarted node re-sends it
  EXPECT_EQ(first.status, 200) << first.body;
  EXPECT_EQ(again.status, 200) << again.body;
  EXPECT_EQ(again.body, encode_command_ok());
  sim.stop_world();
  EXPECT_EQ(sim.report->duplicate_commands, 1u);
  EXPECT_EQ(sim.report->calls[sim.call(1)].commands, 1u);
}

TEST(CarrierSimApi, DeliverOnceGivesUpAFailedWebhookWithoutRetrying) {
  sim_wire sim{2, [](wire_emitter_options& w) { w.max_attempts = 1; }};
  sim.webhook_status = 500;
  ASSERT_TRUE(wait_until([&] { return sim.stats->failed.load() >= 2 && sim.stats->pending.load() == 0; }));
  EXPECT_EQ(sim.stats->failed.load(), sim.stats->webhooks.load());
  EXPECT_EQ(sim.stats->deliveries.load(), sim.stats->webhooks.load()) << "one post each";
  EXPECT_EQ(sim.stats->retries.load(), 0u);
}

TEST(CarrierSimApi, RetriesCarryAWebhookAcrossAGapInTheNode) {
  sim_wire sim{2, [](wire_emitter_options& w) {
                 w.retry_initial = 10ms; // the default policy, scaled down
                 w.retry_max = 50ms;
                 w.give_up_after = 10s;
               }};
  sim.webhook_status = 503; // the node is restarting
  ASSERT_TRUE(wait_until([&] { return sim.stats->retries.load() >= 8; }));
  sim.webhook_status = 200; // and back
  ASSERT_TRUE(wait_until([&] { return sim.stats->webhooks.load() >= 2 && sim.stats->pending.load() == 0; }));
  EXPECT_EQ(sim.stats->acknowledged.load(), sim.stats->webhooks.load());
  EXPECT_EQ(sim.stats->failed.load(), 0u);
}

TEST(CarrierSimApi, DefaultRetryPolicyOutlastsAThirtySecondRestart) {
  wire_emitter_options w;
  // The posts a refused webhook gets: the waits between them, as the emitter computes them.
  auto waited = 0ms;
  int posts = 1;
  for (uint32_t attempt = 1; posts < w.max_attempts; ++attempt, ++posts) {
    auto backoff =
      std::min<std::chrono::milliseconds>(w.retry_max, w.retry_initial * (1 << std::min(attempt - 1, 10u)));
    if (waited + backoff > w.give_up_after) break;
    waited += backoff;
  }
  EXPECT_GE(waited, 30s) << "the last post comes this long after the first";
  EXPECT_GE(posts, 10);
}

} // namespace
} // namespace ringbid
