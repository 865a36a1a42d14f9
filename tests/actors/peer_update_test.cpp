// Which peer a restart announcement replaces in a call's peer set.

#include "actors/peer_update.hpp"
#include "tests/support/deterministic_system.hpp"

#include <caf/all.hpp>
#include <gtest/gtest.h>

namespace ringbid {
namespace {

caf::behavior idle(caf::event_based_actor*, int) {
  return {[](int32_t x) { return x; }};
}

struct PeerUpdateTest : ::testing::Test, testing::deterministic_system {
  caf::actor fresh() { return sys.spawn(idle, 0); }
  ~PeerUpdateTest() override {
    for (auto& h : spawned) caf::anon_send_exit(h, caf::exit_reason::kill);
    sched.run();
  }
  caf::actor track(caf::actor h) {
    spawned.push_back(h);
    return h;
  }
  std::vector<caf::actor> spawned;
};

TEST_F(PeerUpdateTest, EveryPeerACallTalksToIsReplaced) {
  peer_set peers;
  for (auto kind :
       {peer_kind::directory, peer_kind::ledger, peer_kind::recorder, peer_kind::carrier, peer_kind::analytics}) {
    auto h = track(fresh());
    EXPECT_TRUE(update_peer(peers, peer_handle{kind, {}, h})) << to_string(kind);
  }
  EXPECT_EQ(peers.directory, spawned[0]);
  EXPECT_EQ(peers.ledger, spawned[1]);
  EXPECT_EQ(peers.recorder, spawned[2]);
  EXPECT_EQ(peers.carrier, spawned[3]);
  EXPECT_EQ(peers.analytics, spawned[4]);
  auto b = track(fresh());
  EXPECT_TRUE(update_peer(peers, peer_handle{peer_kind::bidder, "acme", b}));
  EXPECT_EQ(peers.bidders.at("acme"), b);
  auto b2 = track(fresh());
  EXPECT_TRUE(update_peer(peers, peer_handle{peer_kind::bidder, "acme", b2}));
  EXPECT_EQ(peers.bidders.at("acme"), b2) << "the restarted bidder replaces the dead one";
  EXPECT_EQ(peers.bidders.size(), 1u);
  auto calls = track(fresh());
  EXPECT_TRUE(update_peer(peers, peer_handle{peer_kind::calls, {}, calls})) << "a restarted calls supervisor";
  EXPECT_EQ(peers.calls, calls);
}

TEST_F(PeerUpdateTest, PeersACallDoesNotTalkToLeaveTheSetAlone) {
  peer_set peers;
  auto h = track(fresh());
  EXPECT_FALSE(update_peer(peers, peer_handle{peer_kind::bidder, "", h})) << "the bidders' supervisor";
  EXPECT_FALSE(update_peer(peers, peer_handle{peer_kind::tool, "chaos", h}));
  EXPECT_TRUE(peers.bidders.empty());
  EXPECT_FALSE(peers.calls);
  EXPECT_FALSE(peers.directory);
}

} // namespace
} // namespace ringbid
