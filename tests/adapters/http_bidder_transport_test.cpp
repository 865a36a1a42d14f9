// The HTTP bidder transport against a buyer endpoint on loopback: a bid comes
// back as a bid, and every way a buyer can fail comes back as an error with
// its reason, never later than the ping's own deadline allows.

#include "adapters/bidding/bid_wire.hpp"
#include "adapters/bidding/http_bidder_transport.hpp"
#include "adapters/http/http_client.hpp"
#include "adapters/http/http_server.hpp"

#include <gtest/gtest.h>

#include <chrono>
#include <future>
#include <thread>

namespace ringbid {
namespace {

using namespace std::chrono_literals;

struct BidderTransport : ::testing::Test {
  http_server server;
  std::shared_ptr<http_client> client = std::make_shared<http_client>();
  std::string last_body;
  std::vector<http_responder> parked; ///< answers never given (a hanging buyer)
  std::mutex mutex;
  uint16_t port = 0;

  void serve(std::function<http_response(const http_request&)> answer, bool hang = false) {
    server.route("POST", "/ping", [this, answer, hang](http_request&& req, http_responder respond) {
      std::lock_guard lock{mutex};
      last_body = req.body;
      if (hang) {
        parked.push_back(std::move(respond));
        return;
      }
      respond(answer(req));
    });
    port = server.listen("127.0.0.1", 0).port;
  }

  ~BidderTransport() override {
    client->stop();
    server.stop();
  }

  ping_request ping(std::chrono::milliseconds left = 300ms) const {
    ping_request p;
    p.ping_id.hi = 0x0190c7a000007000ull;
    p.ping_id.lo = 0x8000000000000001ull;
    p.round = 1;
    p.buyer_id = "buyer-a";
    p.campaign_id = "auto";
    p.vertical = "auto_insurance";
    p.caller_state = "TX";
    p.area_code = "512";
    p.time_left = left;
    return p;
  }

  std::pair<bid_response, std::chrono::milliseconds> ask(const ping_request& p) {
    buyer_config buyer;
    buyer.id = "buyer-a";
    buyer.ping_url = "http://127.0.0.1:" + std::to_string(port) + "/ping";
    auto transport = make_http_bidder_transport(client, buyer);
    std::promise<bid_response> answer;
    auto got = answer.get_future();
    auto start = std::chrono::steady_clock::now();
    transport->ping(p, [&answer](bid_response r, caf::timespan after) {
      EXPECT_EQ(after.count(), 0); // a real transport has already waited
      answer.set_value(std::move(r));
    });
    auto r = got.get();
    return {r, std::chrono::duration_cast<std::chrono::milliseconds>(std::chrono::steady_clock::now() - start)};
  }
};

http_response json(int status, std::string body) {
  http_response r;
  r.status = status;
  r.content_type = "application/json";
  r.body = std::move(body);
  return r;
}

TEST_F(BidderTransport, BidComesBackExactWithThePingsIds) {
  serve([](const http_request&) { return json(200, encode_bid(23'450'000, "USD", 30, "+15125550100")); });
  auto [r, took] = ask(ping());
  EXPECT_EQ(r.kind, bid_kind::bid) << r.reason;
  EXPECT_EQ(r.amount_micros, 23'450'000);
  EXPECT_EQ(r.destination, "+15125550100");
  EXPECT_EQ(r.buyer_id, "buyer-a");
  EXPECT_EQ(r.round, 1u);
  // The ping on the wire is the anonymous one, with the buyer's time left.
  EXPECT_NE(last_body.find("\"tmax_ms\":300"), std::string::npos) << last_body;
  EXPECT_EQ(last_body.find("buyer-a"), std::string::npos) << last_body;
}

TEST_F(BidderTransport, NoBidIsNoBid) {
  serve([](const http_request&) { return json(200, encode_no_bid("outside hours")); });
  auto [r, took] = ask(ping());
  EXPECT_EQ(r.kind, bid_kind::no_bid);
  EXPECT_EQ(r.reason, "outside hours");
}

TEST_F(BidderTransport, ServerErrorAndGarbageAreErrorsWithTheirReason) {
  serve([](const http_request& req) {
    // The engine's first round is round 0 on the wire.
    return req.body.find("\"round\":0") != std::string::npos ? json(500, "oops") : json(200, "{not json");
  });
  auto [failed, t1] = ask(ping());
  EXPECT_EQ(failed.kind, bid_kind::error);
  EXPECT_NE(failed.reason.find("500"), std::string::npos) << failed.reason;
  auto second = ping();
  second.round = 2;
  auto [garbage, t2] = ask(second);
  EXPECT_EQ(garbage.kind, bid_kind::error);
  EXPECT_NE(garbage.reason.find("JSON"), std::string::npos) << garbage.reason;
}

TEST_F(BidderTransport, HangingBuyerTimesOutAtThePingsDeadline) {
  serve({}, true);
  auto [r, took] = ask(ping(80ms));
  EXPECT_EQ(r.kind, bid_kind::error);
  EXPECT_NE(r.reason.find("timeout"), std::string::npos) << r.reason;
  EXPECT_GE(took, 70ms);
}

TEST_F(BidderTransport, OversizedAnswerIsRefused) {
  serve([](const http_request&) { return json(200, std::string(max_bid_response_bytes * 4, ' ')); });
  auto [r, took] = ask(ping());
  EXPECT_EQ(r.kind, bid_kind::error);
  EXPECT_NE(r.reason.find("too_large"), std::string::npos) << r.reason;
}

TEST_F(BidderTransport, RefusedConnectionIsAnError) {
  port = 9; // discard: nobody listens on loopback
  auto [r, took] = ask(ping());
  EXPECT_EQ(r.kind, bid_kind::error);
  EXPECT_FALSE(r.reason.empty());
}

} // namespace
} // namespace ringbid
