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

/// Keeps what the ledger journals, in order.
struct collecting_journal : cap_journal {
  std::vector<cap_journal_entry> entries;
  void append(std::vector<cap_journal_entry> more) override {
    entries.insert(entries.end(), more.begin(), more.end());
  }
  void flush() override {}
};

struct LedgerActorTest : ::testing::Test, testing::deterministic_system {
  LedgerActorTest() {
    auto engine = std::make_shared<engine_config>();
    buyer_config b;
    b.id = "acme";
    b.daily_cap = 10;
    b.concurrency_cap = 2;
    engine->buyers.push_back(b);
    ctx = node_context::make(engine, make_actor_wall_clock(sys, 0), 1);
    journal = std::make_shared<collecting_journal>();
    memory = ledger_memory::from_config(*engine, journal);
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
  std::shared_ptr<collecting_journal> journal;
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
  EXPECT_EQ(memory->core.report(0).caps.at(1).counted, 1) << "one live call on the concurrency cap";
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

TEST_F(LedgerActorTest, EveryChangeIsJournaledAndTheCapsCanBeQueried) {
  auto ledger = spawn_ledger_actor();
  size_t granted = 0;
  auto a = spawn_holder(ledger, &granted);
  auto b = spawn_holder(ledger, &granted);
  caf::anon_send_exit(a, caf::exit_reason::kill);
  sched.run();
  ASSERT_EQ(journal->entries.size(), 3u);
  EXPECT_EQ(journal->entries[0].op, cap_op::reserve);
  EXPECT_EQ(journal->entries[0].buyer_id, "acme");
  EXPECT_EQ(journal->entries[1].op, cap_op::reserve);
  EXPECT_EQ(journal->entries[2].op, cap_op::release) << "the dead holder's reservation";
  EXPECT_EQ(journal->entries[2].token, journal->entries[0].token);
  EXPECT_EQ(journal->entries[2].seq, 3u);

  caps_report report;
  sys.spawn([&](caf::event_based_actor* self, int) {
    self->request(ledger, std::chrono::seconds{1}, caps_query{})
      .then([&](const caps_report& r) { report = r; }, [](caf::error&) {});
  }, 0);
  sched.run();
  ASSERT_EQ(report.caps.size(), 2u);
  EXPECT_EQ(report.caps[0].measure, "calls");
  EXPECT_EQ(report.caps[0].reserved, 1);
  EXPECT_EQ(report.caps[0].limit, 10);
  EXPECT_EQ(report.caps[1].measure, "concurrency");
  EXPECT_EQ(report.caps[1].counted, 1);
  for (auto& x : {b, ledger}) caf::anon_send_exit(x, caf::exit_reason::kill);
  sched.run();
}

} // namespace
} // namespace ringbid
