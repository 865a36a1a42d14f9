// The ledger actor releases the reservations of a call actor that dies, also
// when the ledger itself was restarted in between.

#include "actors/peers.hpp"
#include "adapters/sim_clock.hpp"
#include "protocol/ledger.hpp"
#include "tests/deterministic_system.hpp"

#include <caf/all.hpp>
#include <gtest/gtest.h>

namespace ringbid {
namespace {

struct LedgerActorTest : ::testing::Test, testing::deterministic_system {
  LedgerActorTest() {
    auto engine = std::make_shared<engine_config>();
    buyer_config b;
    b.id = "acme";
    b.daily_cap = 10;
    b.concurrency_cap = 2;
    engine->buyers.push_back(b);
    ctx = node_context::make(engine, make_actor_wall_clock(sys, 0), 1);
    memory = ledger_memory::from_config(*engine);
  }

  caf::actor spawn_ledger_actor() {
    caf::actor result;
    sys.spawn([&](caf::event_based_actor* self, int) { result = spawn_ledger(self, memory, ctx); }, 0);
    sched.run();
    return result;
  }

  /// A stand-in call actor that reserves one slot and then idles.
  caf::actor spawn_holder(const caf::actor& ledger, size_t* granted) {
    auto holder = sys.spawn([=](caf::event_based_actor* self, int) -> caf::behavior {
      reserve_request req;
      req.buyer_ids = {"acme"};
      self->request(ledger, std::chrono::seconds{1}, req)
        .then([=](const reserve_reply& r) { *granted += r.granted.size(); }, [](caf::error&) {});
      return {[](int32_t) {}};
    }, 0);
    sched.run();
    return holder;
  }

  std::shared_ptr<node_context> ctx;
  std::shared_ptr<ledger_memory> memory;
};

TEST_F(LedgerActorTest, HolderDeathReleasesItsReservations) {
  auto ledger = spawn_ledger_actor();
  size_t granted = 0;
  auto a = spawn_holder(ledger, &granted);
  auto b = spawn_holder(ledger, &granted);
  auto c = spawn_holder(ledger, &granted); // over the concurrency cap of 2
  EXPECT_EQ(granted, 2u);
  EXPECT_EQ(memory->core.open_reservations(), 2u);
  caf::anon_send_exit(a, caf::exit_reason::kill);
  sched.run();
  EXPECT_EQ(memory->core.open_reservations(), 1u);
  EXPECT_EQ(memory->core.live("acme"), 1);
  for (auto& x : {b, c, ledger}) caf::anon_send_exit(x, caf::exit_reason::kill);
  sched.run();
}

TEST_F(LedgerActorTest, RestartedLedgerStillReleasesForHoldersThatDieLater) {
  auto ledger = spawn_ledger_actor();
  size_t granted = 0;
  auto a = spawn_holder(ledger, &granted);
  ASSERT_EQ(granted, 1u);
  caf::anon_send_exit(ledger, caf::exit_reason::kill); // the ledger crashes...
  sched.run();
  auto restarted = spawn_ledger_actor(); // ...and is restarted on the same memory
  EXPECT_EQ(memory->core.open_reservations(), 1u);
  caf::anon_send_exit(a, caf::exit_reason::kill); // then the holder dies
  sched.run();
  EXPECT_EQ(memory->core.open_reservations(), 0u);
  caf::anon_send_exit(restarted, caf::exit_reason::kill);
  sched.run();
}

} // namespace
} // namespace ringbid
