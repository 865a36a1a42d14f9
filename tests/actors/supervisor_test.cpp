// The supervisor on CAF's deterministic scheduler: one_for_one restarts, the
// restart intensity limit and escalation, and lookups of restarted children.

#include "actors/supervisor.hpp"
// CAF 0.17 dereferences a null shared_ptr<tuple<>> when a function is spawned
// without arguments (UBSan flags it in its header), so every spawned function
// here takes a dummy int.
#include "tests/support/deterministic_system.hpp"

#include <caf/all.hpp>
#include <gtest/gtest.h>

namespace ringbid {
namespace {

caf::behavior idle_child(caf::event_based_actor*, int) {
  return {[](int32_t x) { return x; }};
}

struct SupervisorTest : ::testing::Test, testing::deterministic_system {
  caf::actor lookup(const caf::actor& sup, peer_kind kind) {
    caf::actor found;
    auto asker = sys.spawn(
      [&, sup, kind](caf::event_based_actor* self, int) {
        self->request(sup, std::chrono::seconds{1}, peer_lookup{kind, {}})
          .then([&](const peer_handle& h) { found = h.handle; }, [](caf::error&) {});
      },
      0);
    sched.run();
    return found;
  }
};

TEST_F(SupervisorTest, RestartsACrashedChildUnderANewAddressAndEscalatesPastTheLimit) {
  int starts = 0;
  std::vector<child_spec> children;
  children.push_back({peer_kind::ledger, {}, [&](caf::local_actor* self) {
                        ++starts;
                        return self->spawn(idle_child, 0);
                      }});
  supervisor_options opt;
  opt.max_restarts = 3;
  opt.window = std::chrono::seconds{1};
  auto root = spawn_root_supervisor(sys, std::move(children), opt);
  sched.run();
  ASSERT_EQ(starts, 1);
  auto first = lookup(root, peer_kind::ledger);
  ASSERT_TRUE(first);

  // Three crashes within the window: each is restarted.
  caf::actor previous = first;
  for (int i = 0; i < 3; ++i) {
    caf::anon_send_exit(previous, caf::exit_reason::kill);
    sched.run();
    auto now = lookup(root, peer_kind::ledger);
    ASSERT_TRUE(now);
    EXPECT_NE(now, previous);
    previous = now;
  }
  EXPECT_EQ(starts, 4);

  // The fourth crash within the window exceeds the intensity: the root quits.
  bool root_down = false;
  auto watcher = sys.spawn(
    [&, root](caf::event_based_actor* self, int) -> caf::behavior {
      self->monitor(root);
      self->set_down_handler([&](const caf::down_msg&) { root_down = true; });
      return {[](int32_t) {}}; // stay alive to receive the down message
    },
    0);
  sched.run();
  caf::anon_send_exit(previous, caf::exit_reason::kill);
  sched.run();
  EXPECT_TRUE(root_down);
  EXPECT_EQ(starts, 4);
  caf::anon_send_exit(watcher, caf::exit_reason::user_shutdown);
  sched.run();
}

TEST_F(SupervisorTest, RestartsSpreadOverTimeStayWithinTheLimit) {
  int starts = 0;
  std::vector<child_spec> children;
  children.push_back({peer_kind::recorder, {}, [&](caf::local_actor* self) {
                        ++starts;
                        return self->spawn(idle_child, 0);
                      }});
  supervisor_options opt;
  opt.max_restarts = 2;
  opt.window = std::chrono::seconds{1};
  auto root = spawn_root_supervisor(sys, std::move(children), opt);
  sched.run();
  for (int i = 0; i < 10; ++i) {
    auto child = lookup(root, peer_kind::recorder);
    ASSERT_TRUE(child) << "crash " << i;
    caf::anon_send_exit(child, caf::exit_reason::kill);
    sched.run();
    sched.advance_time(std::chrono::milliseconds{600}); // virtual time: 2 per 1.2 s
    sched.run();
  }
  EXPECT_EQ(starts, 11);
  EXPECT_TRUE(lookup(root, peer_kind::recorder));
  caf::anon_send_exit(root, caf::exit_reason::user_shutdown);
  sched.run();
}

} // namespace
} // namespace ringbid
