// The ledger actor releases the reservations of a call actor that dies, also
// when the ledger itself was restarted in between.

#include "actors/ledger_actor.hpp"
#include "adapters/clock/sim_clock.hpp"
#include "protocol/ledger.hpp"
#include "tests/support/deterministic_system.hpp"

#include <caf/all.hpp>
#include <gtest/gtest.h>

namespace ringbid {
namespace {

/// Keeps what the ledger journals, in order.
struct collecting_journal : cap_journal {
  std::vector<cap_journal_entry> entries;
  void append(std::vector<cap_journal_entry> more) override { entries.insert(entries.end(), more.begin(), more.end()); }
  void flush() override {}
};

/// A journal whose writer reports durability only when the test says so.
struct manual_journal : collecting_journal {
  std::function<void(uint64_t)> callback;
  bool notifies_durability() const override { return true; }
  void on_durable(std::function<void(uint64_t)> f) override { callback = std::move(f); }
};

struct LedgerActorTest : ::testing::Test, testing::deterministic_system {
  LedgerActorTest() {
    auto engine = std::make_shared<engine_config>();
    buyer_config b;
    b.id = "acme";
    b.daily_cap = 10;
    b.concurrency_cap = 2;
    engine->buyers.push_back(b);
    engine->timing.ledger_orphan_grace_ms = 0; // the grace period has its own test
    config = engine;
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
  caf::actor spawn_holder(const caf::actor& ledger, size_t* granted, uint64_t call = 0,
                          reserve_mode mode = reserve_mode::normal, uint64_t* token = nullptr) {
    if (call == 0) call = ++calls;
    auto holder = sys.spawn(
      [=](caf::event_based_actor* self, int) -> caf::behavior {
        reserve_request req;
        req.call = uuid{0, call};
        req.buyer_ids = {"acme"};
        req.mode = mode;
        self->request(ledger, std::chrono::seconds{1}, req)
          .then(
            [=](const reserve_reply& r) {
              *granted += r.granted.size();
              if (token && !r.granted.empty()) *token = r.granted.front().token;
            },
            [](caf::error&) {});
        return {[](int32_t) {}};
      },
      0);
    sched.run();
    return holder;
  }

  /// Open reservations once leases due by now (orphans past their grace) expired.
  uint64_t open_now() {
    memory->core.expire_due(ctx->clock->now());
    return memory->core.open_reservations();
  }

  std::shared_ptr<engine_config> config;
  uint64_t calls = 0;
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
  EXPECT_EQ(open_now(), 1u);
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
  EXPECT_EQ(open_now(), 0u);
  caf::anon_send_exit(restarted, caf::exit_reason::kill);
  sched.run();
}

TEST_F(LedgerActorTest, ARestartedCallAdoptsItsReservationWithinTheGracePeriod) {
  config->timing.ledger_orphan_grace_ms = 5'000;
  auto ledger = spawn_ledger_actor();
  size_t granted = 0;
  uint64_t original = 0;
  auto a = spawn_holder(ledger, &granted, 77, reserve_mode::normal, &original);
  auto b = spawn_holder(ledger, &granted);
  ASSERT_EQ(granted, 2u);
  caf::anon_send_exit(a, caf::exit_reason::kill); // the call actor crashes...
  sched.run();
  auto c = spawn_holder(ledger, &granted);
  EXPECT_EQ(granted, 2u) << "its unit is still held: a third call does not get it";
  uint64_t adopted = 0;
  auto restarted = spawn_holder(ledger, &granted, 77, reserve_mode::adopt, &adopted); // ...and restarts
  EXPECT_EQ(adopted, original) << "the same reservation, re-attached";
  EXPECT_EQ(memory->core.unchecked_adoptions(), 0u);
  sched.advance_time(std::chrono::seconds{10});
  EXPECT_EQ(open_now(), 2u) << "adopted: no longer orphaned";
  caf::anon_send_exit(b, caf::exit_reason::kill); // a call that is not restarted
  sched.run();
  EXPECT_EQ(open_now(), 2u) << "within its grace";
  sched.advance_time(std::chrono::seconds{5});
  EXPECT_EQ(open_now(), 1u) << "grace over: released";
  for (auto& x : {c, restarted, ledger}) caf::anon_send_exit(x, caf::exit_reason::kill);
  sched.run();
}

TEST_F(LedgerActorTest, ACommitIsAcknowledgedOnlyOnceItsJournalEntryIsDurable) {
  auto durable = std::make_shared<manual_journal>();
  memory = ledger_memory::from_config(*config, durable);
  auto ledger = spawn_ledger_actor();
  ASSERT_TRUE(durable->callback) << "the ledger asked to hear about durability";
  size_t granted = 0;
  uint64_t token = 0;
  auto holder = spawn_holder(ledger, &granted, 0, reserve_mode::normal, &token);
  ASSERT_EQ(granted, 1u) << "reservations are answered at once";
  bool acked = false;
  sys.spawn(
    [&](caf::event_based_actor* self, int) {
      self->request(ledger, std::chrono::seconds{1}, commit_request{token, count_stage::bridged, 0})
        .then([&](const ledger_ack& a) { acked = a.known; }, [](caf::error&) {});
    },
    0);
  sched.run();
  EXPECT_FALSE(acked) << "not durable yet";
  ASSERT_EQ(durable->entries.size(), 2u);
  durable->callback(1); // the reserve is durable, not the commit
  sched.run();
  EXPECT_FALSE(acked);
  durable->callback(2);
  sched.run();
  EXPECT_TRUE(acked);
  for (auto& x : {holder, ledger}) caf::anon_send_exit(x, caf::exit_reason::kill);
  sched.run();
}

TEST_F(LedgerActorTest, EveryChangeIsJournaledAndTheCapsCanBeQueried) {
  auto ledger = spawn_ledger_actor();
  size_t granted = 0;
  auto a = spawn_holder(ledger, &granted);
  auto b = spawn_holder(ledger, &granted);
  caf::anon_send_exit(a, caf::exit_reason::kill);
  sched.run();
  open_now();
  memory->ship_journal();
  ASSERT_EQ(journal->entries.size(), 4u);
  EXPECT_EQ(journal->entries[0].op, cap_op::reserve);
  EXPECT_EQ(journal->entries[0].buyer_id, "acme");
  EXPECT_EQ(journal->entries[1].op, cap_op::reserve);
  EXPECT_EQ(journal->entries[2].op, cap_op::renew) << "the dead holder's reservation waits its grace";
  EXPECT_EQ(journal->entries[3].op, cap_op::expire);
  EXPECT_EQ(journal->entries[3].token, journal->entries[0].token);
  EXPECT_EQ(journal->entries[3].seq, 4u);

  caps_report report;
  sys.spawn(
    [&](caf::event_based_actor* self, int) {
      self->request(ledger, std::chrono::seconds{1}, caps_query{})
        .then([&](const caps_report& r) { report = r; }, [](caf::error&) {});
    },
    0);
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
