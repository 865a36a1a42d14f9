// The simulated carrier port answers what a node adopting calls asks: a call's
// status (alive, ended with its times, unknown; forgotten 10 minutes after it
// ended) and the calls alive now. On CAF's deterministic coordinator.
#include "adapters/sim/sim_carrier_port.hpp"

#include "actors/actor_types.hpp"
#include "adapters/clock/sim_clock.hpp"
#include "adapters/sim/sim_types.hpp"
#include "protocol/types.hpp"

#include <caf/all.hpp>
#include <caf/scheduler/test_coordinator.hpp>
#include <gtest/gtest.h>

#include <algorithm>
#include <optional>

namespace ringbid {
namespace {

using namespace std::chrono_literals;
using liveness = carrier_call_status::liveness;

constexpr timestamp_us t0 = 1'700'000'000'000'000;

struct null_sink final : carrier_event_sink {
  void deliver(uint64_t, carrier_event) override {}
};

struct sim_port_fixture : ::testing::Test {
  static caf::actor_system_config& prepare(caf::actor_system_config& cfg) {
    add_protocol_types(cfg);
    add_actor_types(cfg);
    add_sim_types(cfg);
    cfg.set("scheduler.policy", caf::atom("testing"));
    return cfg;
  }

  caf::actor_system_config cfg;
  caf::actor_system sys{prepare(cfg)};
  caf::scheduler::test_coordinator& sched{dynamic_cast<caf::scheduler::test_coordinator&>(sys.scheduler())};
  std::shared_ptr<sim_carrier_port> port;
  std::shared_ptr<null_sink> sink = std::make_shared<null_sink>();

  /// Three calls, at 0 s, 1 s and 2 s, whose callers never give up.
  void SetUp() override {
    sim_carrier_options o;
    o.config = std::make_shared<engine_config>();
    o.behavior.abandon_rate = 0;
    o.schedule = {{0.0, "+18005550001"}, {1.0, "+18005550002"}, {2.0, "+18005550003"}};
    o.call_id_prefix = "sim-";
    port = std::make_shared<sim_carrier_port>(sys, o, make_actor_wall_clock(sys, t0));
  }

  void TearDown() override {
    port->stop();
    sched.run();
  }

  /// Virtual time goes on in steps, so what a delayed message schedules falls
  /// due within the same pass.
  void pass(caf::timespan d) {
    constexpr caf::timespan step = std::chrono::milliseconds{100};
    for (; d > step; d -= step) {
      sched.advance_time(step);
      sched.run();
    }
    sched.advance_time(d);
    sched.run();
  }

  std::optional<carrier_call_status> status(const std::string& id) {
    std::optional<carrier_call_status> got;
    bool answered = false;
    port->call_status(id, [&](std::optional<carrier_call_status> s) {
      got = s;
      answered = true;
    });
    sched.run();
    EXPECT_TRUE(answered) << id;
    return got;
  }

  std::optional<std::vector<std::string>> active() {
    std::optional<std::vector<std::string>> got;
    bool answered = false;
    port->active_calls([&](std::optional<std::vector<std::string>> ids) {
      got = std::move(ids);
      answered = true;
    });
    sched.run();
    EXPECT_TRUE(answered);
    return got;
  }

  void hang_up(const std::string& id) {
    carrier_command cmd;
    cmd.kind = command_kind::hangup;
    cmd.carrier_call_id = id;
    cmd.command_id = uuid{7, 7};
    port->send(cmd);
    sched.run();
  }
};

TEST_F(sim_port_fixture, BeforeTheWorldExistsNoCallIsInIt) {
  // The world places its own calls: none of an earlier process can be in it,
  // so a node adopting them books them rather than waiting on them.
  auto s = status("sim-1");
  ASSERT_TRUE(s);
  EXPECT_EQ(s->state, liveness::unknown);
  auto listed = active();
  ASSERT_TRUE(listed);
  EXPECT_TRUE(listed->empty());
}

TEST_F(sim_port_fixture, LiveEndedAndUnknownCalls) {
  port->attach(sink);
  sched.run();
  pass(2500ms); // all three placed
  auto ids = active();
  ASSERT_TRUE(ids);
  EXPECT_EQ(*ids, (std::vector<std::string>{"sim-1", "sim-2", "sim-3"}));

  auto s = status("sim-2");
  ASSERT_TRUE(s);
  EXPECT_EQ(s->state, liveness::alive);
  EXPECT_GE(s->start_time, t0 + 1'000'000);
  EXPECT_EQ(s->end_time, 0);
  EXPECT_EQ(s->duration_s, 1); // placed at ~1 s, asked at 2.5 s

  hang_up("sim-2");
  pass(100ms); // the hangup takes effect after 20 ms
  s = status("sim-2");
  ASSERT_TRUE(s);
  EXPECT_EQ(s->state, liveness::ended);
  EXPECT_GT(s->end_time, s->start_time);
  ids = active();
  ASSERT_TRUE(ids);
  EXPECT_EQ(*ids, (std::vector<std::string>{"sim-1", "sim-3"}));

  auto unknown = status("sim-99");
  ASSERT_TRUE(unknown);
  EXPECT_EQ(unknown->state, liveness::unknown);
}

TEST_F(sim_port_fixture, AnEndedCallIsForgottenAfterTenMinutes) {
  port->attach(sink);
  sched.run();
  pass(500ms);
  hang_up("sim-1");
  pass(100ms);
  pass(9min);
  auto s = status("sim-1");
  ASSERT_TRUE(s);
  EXPECT_EQ(s->state, liveness::ended) << "still known 9 minutes after";
  pass(61s);
  s = status("sim-1");
  ASSERT_TRUE(s);
  EXPECT_EQ(s->state, liveness::unknown) << "forgotten after 10 minutes";
  s = status("sim-2");
  ASSERT_TRUE(s);
  EXPECT_EQ(s->state, liveness::alive) << "a live call is never forgotten";
}

TEST_F(sim_port_fixture, ARepeatedCommandIdTakesEffectOnceWithinAMinute) {
  port->attach(sink);
  sched.run();
  pass(2500ms);
  carrier_command answer;
  answer.kind = command_kind::answer;
  answer.carrier_call_id = "sim-1";
  answer.command_id = uuid{1, 2};
  port->send(answer);
  port->send(answer); // a restarted node sends it again
  sched.run();
  auto other_call = answer;
  other_call.carrier_call_id = "sim-2"; // the same id for another call is another command
  port->send(other_call);
  sched.run();
  EXPECT_EQ(port->report()->duplicate_commands, 1u);
  EXPECT_EQ(port->report()->calls["sim-1"].commands, 1u);
  EXPECT_EQ(port->report()->calls["sim-2"].commands, 1u);
  pass(61s);
  port->send(answer); // past Telnyx's 60 s: carried out again
  sched.run();
  EXPECT_EQ(port->report()->duplicate_commands, 1u);
  EXPECT_EQ(port->report()->calls["sim-1"].commands, 2u);
}

TEST_F(sim_port_fixture, AStoppedPortCannotBeAsked) {
  port->attach(sink);
  sched.run();
  port->stop();
  sched.run();
  EXPECT_FALSE(status("sim-1"));
  EXPECT_FALSE(active());
}

} // namespace
} // namespace ringbid
