// The call actor's orchestration on CAF's deterministic coordinator, against
// scripted peers (tests/support/fake_peers.hpp): what it sends, to which
// instance, and what the lead says, when reservations are denied, a budget
// refuses an offer, a bidder crashes mid-round, answers come late, the carrier
// restarts between commands, and when the calls supervisor forwards restarts.

#include "actors/call_actor.hpp"
#include "actors/calls_supervisor.hpp"
#include "adapters/clock/sim_clock.hpp"
#include "tests/support/deterministic_system.hpp"
#include "tests/support/fake_peers.hpp"

#include <caf/all.hpp>
#include <gtest/gtest.h>

#include <algorithm>
#include <chrono>
#include <set>

namespace ringbid {
namespace {

using namespace std::chrono_literals;
using testing::fake_world;

constexpr timestamp_us t0 = 1'767'621'600LL * us_per_s; // Monday 2026-01-05 14:00 UTC
const std::string carrier_id = "cc-1";

const auction_entry* entry_of(const lead_record& lead, size_t round, const std::string& buyer) {
  if (round >= lead.auctions.size()) return nullptr;
  for (const auto& e : lead.auctions[round].entries)
    if (e.buyer_id == buyer) return &e;
  return nullptr;
}

struct CallActorTest : ::testing::Test, testing::deterministic_system {
  std::shared_ptr<fake_world> world = std::make_shared<fake_world>();
  std::shared_ptr<engine_config> config = std::make_shared<engine_config>();
  std::shared_ptr<node_context> ctx;
  peer_set peers;
  std::map<std::string, int> bidder_starts;
  int carrier_starts = 0;
  caf::actor call;

  CallActorTest() {
    campaign_config c;
    c.id = "c1";
    c.vertical = "solar";
    c.buyer_ids = {"a", "b", "c"};
    c.floor_micros = 1'000'000;
    c.auction_deadline_ms = 500;
    c.max_rounds = 2;
    config->campaigns.push_back(c);
    source_config s;
    s.id = "s1";
    config->sources.push_back(s);
    for (std::string id : {"a", "b", "c"}) {
      buyer_config b;
      b.id = id;
      b.destination = "+1555000000" + std::to_string(id[0] - 'a');
      config->buyers.push_back(b);
    }
  }

  campaign_config& campaign() { return config->campaigns.front(); }

  caf::actor start_carrier() {
    auto h = sys.spawn(testing::fake_carrier, world, carrier_starts++);
    world->live[{peer_kind::carrier, ""}] = h;
    return h;
  }

  caf::actor start_bidder(const std::string& buyer) {
    auto h = sys.spawn(testing::fake_bidder, world, bidder_starts[buyer]++);
    world->live[{peer_kind::bidder, buyer}] = h;
    return h;
  }

  /// The peers, as a calls supervisor hands them to a new call.
  void start_peers() {
    ctx = node_context::make(config, make_actor_wall_clock(sys, t0), 1);
    peers.root = sys.spawn(testing::fake_root, world);
    peers.directory = sys.spawn(testing::fake_directory, world);
    peers.ledger = sys.spawn(testing::fake_ledger, world);
    peers.recorder = sys.spawn(testing::fake_recorder, world);
    peers.calls = sys.spawn(testing::fake_calls, world);
    peers.carrier = start_carrier();
    for (const auto& b : config->buyers) peers.bidders[b.id] = start_bidder(b.id);
    sched.run();
  }

  /// A new call, routed to campaign c1: it answers the caller.
  void start_call() {
    start_peers();
    call_actor_args args{ctx, std::make_shared<const peer_set>(peers),
                         make_call(uuid{1, 2}, carrier_id, "+12125550100", "+18005550000", t0), false};
    sys.spawn([&](caf::event_based_actor* self, int) { call = spawn_call_actor(self, args); }, 0);
    sched.run();
    ASSERT_EQ(world->command_kinds(), (std::vector<command_kind>{command_kind::answer}));
  }

  carrier_event event(carrier_event_kind kind, call_leg leg = call_leg::caller) {
    carrier_event ev;
    ev.carrier_call_id = carrier_id;
    ev.kind = kind;
    ev.leg = leg;
    ev.occurred_at = ctx->clock->now();
    return ev;
  }

  void send_event(carrier_event ev) {
    caf::anon_send(call, std::move(ev));
    sched.run();
  }

  /// The carrier answered: the round starts (no greeting: the caller holds).
  void answered() { send_event(event(carrier_event_kind::answered)); }

  void bid(const std::string& buyer, int64_t amount, uint32_t round = 1) {
    bid_response r;
    r.buyer_id = buyer;
    r.round = round;
    r.kind = bid_kind::bid;
    r.amount_micros = amount;
    r.expires_in_s = 60;
    caf::anon_send(call, r);
    sched.run();
  }

  void hung_up(call_leg leg = call_leg::caller) {
    auto ev = event(carrier_event_kind::hangup, leg);
    ev.cause = hangup_cause::normal_clearing;
    ev.source = hangup_source::caller;
    send_event(ev);
  }

  void pass(caf::timespan d) {
    sched.advance_time(d);
    sched.run();
  }

  const carrier_command* last_command(command_kind kind) const {
    for (auto i = world->commands.rbegin(); i != world->commands.rend(); ++i)
      if (i->msg.kind == kind) return &i->msg;
    return nullptr;
  }

  /// The fake ledger hands out tokens from 101, in the order buyers are reserved.
  uint64_t token_of(const std::string& buyer, size_t reserve = 0) const {
    const auto& ids = world->reserves.at(reserve).buyer_ids;
    auto at = std::find(ids.begin(), ids.end(), buyer) - ids.begin();
    uint64_t before = 0;
    for (size_t r = 0; r < reserve; ++r) before += world->reserves[r].buyer_ids.size();
    return 101 + before + static_cast<uint64_t>(at);
  }

  bool released(uint64_t token) const {
    return std::find(world->releases.begin(), world->releases.end(), token) != world->releases.end();
  }

  ~CallActorTest() override {
    for (auto h : {call, peers.root, peers.directory, peers.ledger, peers.recorder, peers.calls})
      if (h) caf::anon_send_exit(h, caf::exit_reason::kill);
    for (auto& [key, h] : world->live) caf::anon_send_exit(h, caf::exit_reason::kill);
    sched.run();
  }
};

TEST_F(CallActorTest, AWholeCallReservesPingsTransfersToTheBestOfferAndBooksIt) {
  start_call();
  answered();
  ASSERT_EQ(world->reserves.size(), 1u);
  EXPECT_EQ(world->reserves[0].buyer_ids, (std::vector<std::string>{"a", "b", "c"}));
  EXPECT_EQ(world->pinged_buyers(), (std::vector<std::string>{"a", "b", "c"}));
  EXPECT_EQ(world->pings[0].msg.time_left, 450ms) << "the campaign's 500 ms less the 50 ms allowance";
  EXPECT_EQ(world->pings[0].msg.area_code, "212");
  bid("a", 5'000'000);
  bid("b", 9'000'000);
  EXPECT_EQ(last_command(command_kind::transfer), nullptr) << "c has not answered yet";
  bid("c", 7'000'000);
  const auto* transfer = last_command(command_kind::transfer);
  ASSERT_NE(transfer, nullptr);
  EXPECT_EQ(transfer->payload, "+15550000001");
  ASSERT_EQ(world->commits.size(), 1u);
  EXPECT_EQ(world->commits[0].token, token_of("b"));
  EXPECT_EQ(world->commits[0].stage, count_stage::routed);
  EXPECT_EQ(world->commits[0].amount_micros, 9'000'000);
  send_event(event(carrier_event_kind::bridged, call_leg::buyer));
  hung_up();
  ASSERT_EQ(world->leads.size(), 1u);
  const auto& lead = world->leads[0];
  EXPECT_EQ(lead.outcome, disposition::bridged);
  EXPECT_EQ(lead.buyer_id, "b");
  EXPECT_EQ(lead.price_micros, 9'000'000);
  ASSERT_EQ(lead.auctions.size(), 1u);
  EXPECT_EQ(lead.auctions[0].winner, "b");
  EXPECT_TRUE(released(token_of("a")) && released(token_of("c"))) << "the fallback offers, once bridged and ended";
  ASSERT_EQ(world->finished.size(), 1u);
  EXPECT_EQ(world->finished[0].outcome, disposition::bridged);
  EXPECT_TRUE(world->lookups.empty()) << "every peer alive: nothing to look up";
}

TEST_F(CallActorTest, ADeniedBuyerIsNotPingedAndItsCapIsExplained) {
  world->on_reserve = [w = world.get()](const reserve_request& req) {
    reserve_reply reply;
    for (const auto& b : req.buyer_ids) {
      if (b == "b")
        reply.denied.push_back(reservation_denial{b, "buyer b: calls per day (UTC)", 3, 3, 0});
      else
        reply.granted.push_back(reservation_grant{b, ++w->tokens, -1});
    }
    return reply;
  };
  start_call();
  answered();
  EXPECT_EQ(world->pinged_buyers(), (std::vector<std::string>{"a", "c"}));
  bid("a", 5'000'000);
  bid("c", 6'000'000);
  ASSERT_NE(last_command(command_kind::transfer), nullptr);
  EXPECT_EQ(last_command(command_kind::transfer)->payload, "+15550000002");
  hung_up();
  ASSERT_EQ(world->leads.size(), 1u);
  const auto* b = entry_of(world->leads[0], 0, "b");
  ASSERT_NE(b, nullptr);
  EXPECT_EQ(b->verdict, bidder_verdict::capped);
  EXPECT_EQ(b->reason, "cap full: buyer b: calls per day (UTC) (3 of 3)");
}

TEST_F(CallActorTest, ReservationDeniedForEveryBuyerEndsTheCallWithNoBuyer) {
  world->on_reserve = [](const reserve_request& req) {
    reserve_reply reply;
    for (const auto& b : req.buyer_ids)
      reply.denied.push_back(reservation_denial{b, "buyer " + b + ": concurrency", 1, 1, 0});
    return reply;
  };
  start_call();
  answered();
  EXPECT_TRUE(world->pings.empty());
  EXPECT_EQ(world->reserves.size(), 2u) << "a second round, then no more (max_rounds 2)";
  ASSERT_NE(last_command(command_kind::hangup), nullptr);
  EXPECT_EQ(last_command(command_kind::transfer), nullptr);
  hung_up(); // the carrier confirms
  ASSERT_EQ(world->leads.size(), 1u);
  const auto& lead = world->leads[0];
  EXPECT_EQ(lead.outcome, disposition::no_buyer);
  ASSERT_EQ(lead.auctions.size(), 2u);
  EXPECT_EQ(entry_of(lead, 1, "c")->verdict, bidder_verdict::capped);
  EXPECT_TRUE(world->releases.empty()) << "nothing was granted";
}

TEST_F(CallActorTest, ARunnerUpItsBudgetRefusesNeitherWinsNorSetsTheWinnersPrice) {
  campaign().clearing = clearing_rule::second_price;
  campaign().price_increment_micros = 10'000;
  world->on_reserve = [w = world.get()](const reserve_request& req) {
    reserve_reply reply;
    for (const auto& b : req.buyer_ids)
      reply.granted.push_back(reservation_grant{b, ++w->tokens, b == "b" ? 50'000'000 : -1});
    return reply;
  };
  world->on_hold = [](const hold_request& req) { return hold_reply{req.call, {}, {}}; }; // b's budget is spent
  start_call();
  answered();
  bid("a", 20'000'000);
  bid("b", 15'000'000);
  bid("c", 9'000'000);
  ASSERT_EQ(world->holds.size(), 1u);
  ASSERT_EQ(world->holds[0].holds.size(), 1u);
  EXPECT_EQ(world->holds[0].holds[0].token, token_of("b"));
  EXPECT_EQ(world->holds[0].holds[0].amount_micros, 9'010'000);
  ASSERT_NE(last_command(command_kind::transfer), nullptr);
  EXPECT_EQ(last_command(command_kind::transfer)->payload, "+15550000000") << "a wins";
  ASSERT_EQ(world->commits.size(), 1u);
  EXPECT_EQ(world->commits[0].amount_micros, 9'010'000) << "priced against c: the refused b prices nothing";
  EXPECT_TRUE(released(token_of("b")));
  send_event(event(carrier_event_kind::bridged, call_leg::buyer));
  hung_up();
  ASSERT_EQ(world->leads.size(), 1u);
  const auto& lead = world->leads[0];
  EXPECT_EQ(lead.price_micros, 9'010'000);
  EXPECT_EQ(lead.auctions[0].clearing_price_micros, 9'010'000);
  EXPECT_EQ(entry_of(lead, 0, "b")->verdict, bidder_verdict::rejected);
  EXPECT_EQ(entry_of(lead, 0, "b")->reason, "refused by a revenue budget");
}

TEST_F(CallActorTest, ABidderCrashingMidRoundMissesTheDeadlineAndItsReservationIsReleased) {
  start_call();
  answered();
  ASSERT_EQ(world->pings.size(), 3u);
  caf::anon_send_exit(peers.bidders.at("b"), caf::exit_reason::kill); // with b's ping in flight
  sched.run();
  bid("a", 5'000'000);
  bid("c", 6'000'000);
  EXPECT_EQ(last_command(command_kind::transfer), nullptr) << "still waiting for b";
  pass(500ms);
  ASSERT_NE(last_command(command_kind::transfer), nullptr);
  EXPECT_EQ(last_command(command_kind::transfer)->payload, "+15550000002");
  EXPECT_TRUE(released(token_of("b")));
  hung_up();
  ASSERT_EQ(world->leads.size(), 1u);
  EXPECT_EQ(entry_of(world->leads[0], 0, "b")->verdict, bidder_verdict::no_answer);
  EXPECT_EQ(entry_of(world->leads[0], 0, "b")->reason, "no answer within 500 ms");
  EXPECT_EQ(world->leads[0].auctions[0].closed_at - world->leads[0].auctions[0].opened_at, 500'000);
}

TEST_F(CallActorTest, APingToACrashedBidderReachesItsRestartedInstance) {
  start_call();
  caf::anon_send_exit(peers.bidders.at("b"), caf::exit_reason::kill);
  sched.run();
  start_bidder("b"); // restarted; the call has not heard of it
  sched.run();
  answered();
  EXPECT_EQ(world->pinged_buyers(0), (std::vector<std::string>{"a", "c"}));
  EXPECT_EQ(world->pinged_buyers(1), (std::vector<std::string>{"b"})) << "bounced, looked up, sent again";
  ASSERT_EQ(world->lookups.size(), 1u);
  EXPECT_EQ(world->lookups[0].kind, peer_kind::bidder);
  EXPECT_EQ(world->lookups[0].key, "b");
  bid("a", 5'000'000);
  bid("c", 6'000'000);
  bid("b", 8'000'000);
  ASSERT_NE(last_command(command_kind::transfer), nullptr);
  EXPECT_EQ(last_command(command_kind::transfer)->payload, "+15550000001") << "its answer counts";
}

TEST_F(CallActorTest, LateAnswersNeverWinAndTheRecordSaysHowLateTheyCame) {
  start_call();
  answered();
  bid("a", 5'000'000);
  pass(500ms);
  ASSERT_NE(last_command(command_kind::transfer), nullptr);
  auto commands = world->commands.size();
  pass(100ms);
  bid("b", 50'000'000); // 600 ms after the round opened
  bid("c", 40'000'000);
  EXPECT_EQ(world->commands.size(), commands) << "no new transfer";
  EXPECT_EQ(world->commits.size(), 1u);
  EXPECT_EQ(world->commits[0].token, token_of("a"));
  EXPECT_TRUE(released(token_of("b")) && released(token_of("c"))) << "released at the close";
  hung_up();
  ASSERT_EQ(world->leads.size(), 1u);
  const auto* b = entry_of(world->leads[0], 0, "b");
  EXPECT_EQ(b->verdict, bidder_verdict::no_answer);
  EXPECT_EQ(b->reason, "late: answered after 600 ms, past the 500 ms deadline");
  EXPECT_EQ(b->bid_micros, 50'000'000);
  EXPECT_EQ(world->leads[0].auctions[0].winner, "a");
}

TEST_F(CallActorTest, ALateAnswerIsExplainedAlsoOnceTheNextRoundOpened) {
  start_call();
  answered();
  pass(500ms); // nobody answered: round 1 closes empty, round 2 opens at once
  ASSERT_EQ(world->reserves.size(), 2u);
  pass(100ms);
  bid("b", 12'000'000, 1); // round 1's answer, 600 ms after it opened
  EXPECT_EQ(last_command(command_kind::transfer), nullptr) << "a late answer never wins";
  bid("c", 7'000'000, 2);
  pass(500ms); // round 2 closes with c
  ASSERT_NE(last_command(command_kind::transfer), nullptr);
  EXPECT_EQ(last_command(command_kind::transfer)->payload, "+15550000002");
  hung_up();
  ASSERT_EQ(world->leads.size(), 1u);
  ASSERT_EQ(world->leads[0].auctions.size(), 2u);
  const auto* b = entry_of(world->leads[0], 0, "b");
  EXPECT_EQ(b->reason, "late: answered after 600 ms, past the 500 ms deadline");
  EXPECT_EQ(b->bid_micros, 12'000'000);
}

TEST_F(CallActorTest, ACarrierRestartBetweenCommandsLosesNoneAndKeepsTheirOrder) {
  campaign().buyer_ids = {"a"};
  campaign().hold_audio_url = "https://example.com/hold.mp3";
  campaign().record = true;
  start_call(); // answer -> carrier 0
  caf::anon_send_exit(peers.carrier, caf::exit_reason::kill);
  sched.run();
  start_carrier(); // carrier 1, unknown to the call
  sched.run();
  answered(); // play the hold audio: bounces off carrier 0, goes to carrier 1
  EXPECT_EQ(world->command_kinds(1), (std::vector<command_kind>{command_kind::play}));
  ASSERT_EQ(world->lookups.size(), 1u);
  EXPECT_EQ(world->lookups[0].kind, peer_kind::carrier);
  bid("a", 5'000'000); // straight to carrier 1, now known
  EXPECT_EQ(world->command_kinds(1), (std::vector<command_kind>{command_kind::play, command_kind::transfer}));
  caf::anon_send_exit(world->live.at({peer_kind::carrier, ""}), caf::exit_reason::kill);
  sched.run();
  start_carrier(); // carrier 2
  sched.run();
  // Bridged: stop the hold audio, start recording. Both bounce; both reach carrier 2, in order.
  send_event(event(carrier_event_kind::bridged, call_leg::buyer));
  EXPECT_EQ(world->command_kinds(2), (std::vector<command_kind>{command_kind::stop_play, command_kind::record_start}));
  EXPECT_EQ(world->lookups.size(), 2u);
  hung_up();
  auto saved = event(carrier_event_kind::recording_saved);
  saved.detail = "https://example.com/rec.mp3";
  send_event(saved);
  ASSERT_EQ(world->leads.size(), 1u);
  EXPECT_EQ(world->leads[0].outcome, disposition::bridged);
  auto kinds = world->command_kinds();
  ASSERT_GE(kinds.size(), 5u);
  EXPECT_EQ(std::vector<command_kind>(kinds.begin(), kinds.begin() + 5),
            (std::vector<command_kind>{command_kind::answer, command_kind::play, command_kind::transfer,
                                       command_kind::stop_play, command_kind::record_start}))
    << "each command carried out once, in order";
  std::set<uuid> ids;
  for (const auto& c : world->commands) EXPECT_TRUE(ids.insert(c.msg.command_id).second) << "no command twice";
}

TEST_F(CallActorTest, TheCallsSupervisorForwardsPeerRestartsSoLiveCallsNeverUseADeadAddress) {
  start_peers();
  auto registry = std::make_shared<call_registry>();
  caf::actor calls;
  sys.spawn([&](caf::event_based_actor* self, int) { calls = spawn_calls_supervisor(self, registry, ctx); }, 0);
  sched.run();
  // The root announces every peer, as the supervisor does at start.
  auto announce = [&](peer_kind kind, std::string key, caf::actor h) {
    caf::send_as(peers.root, calls, peer_restarted{peer_handle{kind, std::move(key), std::move(h)}});
    sched.run();
  };
  announce(peer_kind::directory, {}, peers.directory);
  announce(peer_kind::ledger, {}, peers.ledger);
  announce(peer_kind::recorder, {}, peers.recorder);
  announce(peer_kind::carrier, {}, peers.carrier);
  for (const auto& [buyer, h] : peers.bidders) announce(peer_kind::bidder, buyer, h);
  auto initiated = [&] {
    carrier_event ev;
    ev.carrier_call_id = carrier_id;
    ev.kind = carrier_event_kind::initiated;
    ev.from = "+12125550100";
    ev.to = "+18005550000";
    return ev;
  }();
  caf::anon_send(calls, initiated);
  sched.run();
  ASSERT_EQ(world->command_kinds(0), (std::vector<command_kind>{command_kind::answer}));
  ASSERT_EQ(registry->by_carrier_id.size(), 1u);
  call = registry->by_carrier_id.begin()->second.actor;

  // The carrier and bidder b restart while the call is live.
  caf::anon_send_exit(peers.carrier, caf::exit_reason::kill);
  caf::anon_send_exit(peers.bidders.at("b"), caf::exit_reason::kill);
  sched.run();
  announce(peer_kind::carrier, {}, start_carrier());
  announce(peer_kind::bidder, "b", start_bidder("b"));
  caf::anon_send(calls, event(carrier_event_kind::answered));
  sched.run();
  EXPECT_EQ(world->pinged_buyers(0), (std::vector<std::string>{"a", "c"}));
  EXPECT_EQ(world->pinged_buyers(1), (std::vector<std::string>{"b"}));
  bid("b", 8'000'000);
  bid("a", 5'000'000);
  bid("c", 6'000'000);
  EXPECT_EQ(world->command_kinds(1), (std::vector<command_kind>{command_kind::transfer}));
  EXPECT_TRUE(world->lookups.empty()) << "told, not bounced: no message went to a dead address";
  auto hangup = event(carrier_event_kind::hangup);
  hangup.source = hangup_source::caller;
  caf::anon_send(calls, hangup);
  sched.run();
  EXPECT_TRUE(registry->by_carrier_id.empty()) << "booked and finished";
  ASSERT_EQ(world->leads.size(), 1u);
  EXPECT_EQ(world->leads[0].outcome, disposition::abandoned);
  caf::anon_send_exit(calls, caf::exit_reason::kill);
  call = nullptr;
  sched.run();
}

TEST_F(CallActorTest, ARestartedCallsSupervisorGetsTheCheckpointsAndTheEndOfItsLiveCalls) {
  start_peers();
  auto registry = std::make_shared<call_registry>();
  auto spawn_calls = [&] {
    caf::actor calls;
    sys.spawn([&](caf::event_based_actor* self, int) { calls = spawn_calls_supervisor(self, registry, ctx); }, 0);
    sched.run();
    for (auto [kind, h] : {std::pair{peer_kind::directory, peers.directory},
                           {peer_kind::ledger, peers.ledger},
                           {peer_kind::recorder, peers.recorder},
                           {peer_kind::carrier, peers.carrier}})
      caf::send_as(peers.root, calls, peer_restarted{peer_handle{kind, {}, h}});
    for (const auto& [buyer, h] : peers.bidders)
      caf::send_as(peers.root, calls, peer_restarted{peer_handle{peer_kind::bidder, buyer, h}});
    sched.run();
    return calls;
  };
  auto first = spawn_calls();
  carrier_event initiated;
  initiated.carrier_call_id = carrier_id;
  initiated.kind = carrier_event_kind::initiated;
  initiated.from = "+12125550100";
  initiated.to = "+18005550000";
  caf::anon_send(first, initiated);
  sched.run();
  ASSERT_EQ(registry->by_carrier_id.size(), 1u);
  call = registry->by_carrier_id.begin()->second.actor;
  caf::anon_send(first, event(carrier_event_kind::answered));
  sched.run();

  caf::anon_send_exit(first, caf::exit_reason::kill); // the calls supervisor crashes; its call lives on
  sched.run();
  auto second = spawn_calls(); // restarted on the same registry: it tells the call
  bid("a", 5'000'000);
  bid("b", 9'000'000);
  bid("c", 7'000'000);
  EXPECT_EQ(registry->by_carrier_id.begin()->second.snapshot.current.buyer_id, "b")
    << "the transfer's checkpoint reached the live supervisor";
  auto hangup = event(carrier_event_kind::hangup);
  hangup.source = hangup_source::caller;
  caf::anon_send(second, hangup);
  sched.run();
  EXPECT_TRUE(registry->by_carrier_id.empty()) << "its end reached the live supervisor";
  EXPECT_EQ(registry->restarted, 0u) << "a call that ended is not taken for a crash";
  EXPECT_EQ(world->leads.size(), 1u) << "booked once";
  caf::anon_send_exit(second, caf::exit_reason::kill);
  call = nullptr;
  sched.run();
}

// SIGHUP installs a new config generation: a call keeps the one it started
// with (its deadline, its campaign's buyers, the buyer it books against), and a
// call that starts after the reload takes the new one.
TEST_F(CallActorTest, ACallKeepsTheConfigItStartedWithAndTheNextCallTakesTheReloadedOne) {
  start_call();
  auto next = std::make_shared<engine_config>(*config);
  next->campaigns[0].auction_deadline_ms = 1000;
  next->campaigns[0].buyer_ids = {"a", "c"};
  next->timing.network_allowance_ms = 100;
  ctx->install(config_generation::make(next, "rev-2"));
  config.reset(); // the first generation lives on only through the live call
  ASSERT_EQ(ctx->current()->revision(), "rev-2");

  answered(); // the first call's round, on the config it started with
  EXPECT_EQ(world->pinged_buyers(), (std::vector<std::string>{"a", "b", "c"}));
  ASSERT_FALSE(world->pings.empty());
  EXPECT_EQ(world->pings[0].msg.time_left, 450ms);
  bid("a", 5'000'000);
  bid("b", 9'000'000);
  bid("c", 7'000'000);
  ASSERT_NE(last_command(command_kind::transfer), nullptr);
  send_event(event(carrier_event_kind::bridged, call_leg::buyer));
  hung_up();
  ASSERT_EQ(world->leads.size(), 1u);
  EXPECT_EQ(world->leads[0].buyer_id, "b") << "b is not in the new config's campaign, but was in the call's";
  EXPECT_EQ(world->leads[0].revenue_micros, 9'000'000) << "charged against b's terms of the call's generation";

  // A call that starts now.
  world->pings.clear();
  caf::actor second;
  call_actor_args args{ctx, std::make_shared<const peer_set>(peers),
                       make_call(uuid{1, 3}, "cc-2", "+12125550101", "+18005550000", ctx->clock->now()), false};
  sys.spawn([&](caf::event_based_actor* self, int) { second = spawn_call_actor(self, args); }, 0);
  sched.run();
  auto ev = event(carrier_event_kind::answered);
  ev.carrier_call_id = "cc-2";
  caf::anon_send(second, ev);
  sched.run();
  EXPECT_EQ(world->pinged_buyers(), (std::vector<std::string>{"a", "c"}));
  ASSERT_FALSE(world->pings.empty());
  EXPECT_EQ(world->pings[0].msg.time_left, 900ms) << "the new deadline less the new allowance";
  caf::anon_send_exit(second, caf::exit_reason::kill);
  sched.run();
}

} // namespace
} // namespace ringbid
