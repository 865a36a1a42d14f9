// The generic carrier actor under a real supervisor, on virtual time: events
// reach the calls peer, final hangups wait the port's hold-back, commands go
// to the port, and a killed carrier actor loses no event.

#include "actors/carrier_actor.hpp"
#include "actors/supervisor.hpp"
#include "adapters/clock/sim_clock.hpp"
#include "protocol/node.hpp"
#include "tests/support/deterministic_system.hpp"
#include "tests/support/scripted_carrier.hpp"

#include <gtest/gtest.h>

namespace ringbid {
namespace {

using std::chrono::milliseconds;

/// Stands where the calls supervisor would: keeps what reaches it.
struct calls_probe_state {
  std::shared_ptr<std::vector<carrier_event>> seen;
  static inline const char* name = "calls_probe";
};

caf::behavior calls_probe(caf::stateful_actor<calls_probe_state>* self,
                          std::shared_ptr<std::vector<carrier_event>> seen) {
  self->state.seen = std::move(seen);
  return {[=](const carrier_event& ev) { self->state.seen->push_back(ev); }};
}

struct carrier_tree {
  explicit carrier_tree(milliseconds hold) {
    clock = make_actor_wall_clock(ds.sys, 1'000'000);
    port = std::make_shared<test::scripted_carrier>(clock, hold);
    ctx = std::make_shared<node_context>();
    std::vector<child_spec> children;
    children.push_back({peer_kind::carrier,
                        {},
                        [p = port, c = ctx](caf::local_actor* self) { return spawn_carrier(self, p, c); },
                        true});
    children.push_back(
      {peer_kind::calls, {}, [s = seen](caf::local_actor* self) { return self->spawn(calls_probe, s); }});
    supervisor_options opts;
    opts.max_restarts = 100;
    root = spawn_root_supervisor(ds.sys, std::move(children), opts);
    ds.sched.run();
  }
  ~carrier_tree() {
    caf::anon_send_exit(root, caf::exit_reason::user_shutdown);
    ds.sched.run();
  }

  caf::actor carrier() {
    caf::actor found;
    caf::scoped_actor self{ds.sys};
    auto asked = self->request(root, std::chrono::seconds{1}, peer_lookup{peer_kind::carrier, {}});
    ds.sched.run();
    std::move(asked).receive([&](const peer_handle& h) { found = h.handle; },
                             [&](caf::error& err) { ADD_FAILURE() << ds.sys.render(err); });
    return found;
  }

  std::vector<carrier_event_kind> kinds() const {
    std::vector<carrier_event_kind> out;
    for (const auto& ev : *seen) out.push_back(ev.kind);
    return out;
  }

  testing::deterministic_system ds;
  std::shared_ptr<const wall_clock> clock;
  std::shared_ptr<test::scripted_carrier> port;
  std::shared_ptr<node_context> ctx;
  std::shared_ptr<std::vector<carrier_event>> seen = std::make_shared<std::vector<carrier_event>>();
  caf::actor root;
};

TEST(CarrierActor, ForwardsEventsAndSendsCommandsToThePort) {
  carrier_tree tree{milliseconds{0}};
  ASSERT_TRUE(tree.port->ready());
  tree.port->place_call("c1", "+12125550100", "+18005550100");
  tree.ds.sched.run();
  ASSERT_EQ(tree.kinds(), std::vector{carrier_event_kind::initiated});
  EXPECT_EQ(tree.seen->front().from, "+12125550100");

  carrier_command answer;
  answer.carrier_call_id = "c1";
  answer.kind = command_kind::answer;
  caf::anon_send(tree.carrier(), answer);
  tree.ds.sched.run();
  ASSERT_EQ(tree.port->commands().size(), 1u);
  EXPECT_EQ(tree.kinds(), (std::vector{carrier_event_kind::initiated, carrier_event_kind::answered}));
  EXPECT_EQ(tree.port->metrics().events_pending, 0u);
}

TEST(CarrierActor, HoldsTheCallersHangupBackSoEarlierEventsGoFirst) {
  carrier_tree tree{milliseconds{250}};
  auto hangup = tree.port->event("c1", carrier_event_kind::hangup);
  hangup.cause = hangup_cause::normal_clearing;
  tree.port->post(hangup);
  tree.port->post(tree.port->event("c1", carrier_event_kind::bridged)); // sent earlier, delivered later
  tree.ds.sched.run();
  EXPECT_EQ(tree.kinds(), std::vector{carrier_event_kind::bridged});
  tree.ds.sched.advance_time(milliseconds{249});
  tree.ds.sched.run();
  EXPECT_EQ(tree.kinds(), std::vector{carrier_event_kind::bridged});
  tree.ds.sched.advance_time(milliseconds{1});
  tree.ds.sched.run();
  EXPECT_EQ(tree.kinds(), (std::vector{carrier_event_kind::bridged, carrier_event_kind::hangup}));
}

TEST(CarrierActor, AKilledCarrierActorLosesNoEvent) {
  carrier_tree tree{milliseconds{250}};
  auto first = tree.carrier();
  // One hangup held back, one event in the mailbox of the actor being killed,
  // one posted while no carrier actor is attached.
  auto hangup = tree.port->event("c1", carrier_event_kind::hangup);
  tree.port->post(hangup);
  tree.ds.sched.run();
  caf::anon_send_exit(first, caf::exit_reason::kill);
  tree.port->post(tree.port->event("c1", carrier_event_kind::answered));
  tree.ds.sched.run_once(); // the kill, before the answered event
  tree.port->post(tree.port->event("c1", carrier_event_kind::speak_ended));
  tree.ds.sched.run();
  auto second = tree.carrier();
  ASSERT_TRUE(second);
  EXPECT_NE(second, first) << "restarted";
  EXPECT_TRUE(tree.port->ready());
  tree.ds.sched.advance_time(milliseconds{250});
  tree.ds.sched.run();
  EXPECT_EQ(tree.kinds(),
            (std::vector{carrier_event_kind::answered, carrier_event_kind::speak_ended, carrier_event_kind::hangup}));
  EXPECT_EQ(tree.port->metrics().events_pending, 0u);
}

} // namespace
} // namespace ringbid
