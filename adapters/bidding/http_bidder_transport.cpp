#include "adapters/bidding/http_bidder_transport.hpp"

#include "adapters/bidding/bid_wire.hpp"
#include "adapters/http/http_client.hpp"

#include <algorithm>
#include <chrono>

namespace ringbid {

namespace {

class http_bidder_transport final : public bidder_transport {
public:
  http_bidder_transport(std::shared_ptr<http_client> client, std::string url)
    : client_(std::move(client)), url_(std::move(url)) {}

  void ping(const ping_request& request, completion done) override {
    http_client_request req;
    req.url = url_;
    req.headers = {{"Content-Type", "application/json"}, {"Accept", "application/json"}};
    req.body = encode_ping(request);
    // The buyer's own deadline: an answer after it could not win anyway.
    auto left = std::chrono::duration_cast<std::chrono::milliseconds>(request.time_left);
    req.timeout = std::max(left, std::chrono::milliseconds{1});
    req.max_response_bytes = max_bid_response_bytes;
    auto sent = std::chrono::steady_clock::now();
    client_->send(std::move(req), [ping = request, done = std::move(done), sent](http_client_response r) {
      auto took = std::chrono::duration_cast<std::chrono::microseconds>(std::chrono::steady_clock::now() - sent);
      auto latency_us = std::max<int64_t>(took.count(), 1);
      if (!r.ok()) {
        bid_response failed;
        failed.ping_id = ping.ping_id;
        failed.round = ping.round;
        failed.buyer_id = ping.buyer_id;
        failed.kind = bid_kind::error;
        failed.reason = std::string{to_string(r.error)};
        if (!r.error_detail.empty()) failed.reason += ": " + r.error_detail;
        failed.latency_us = latency_us;
        done(std::move(failed), caf::timespan{0});
        return;
      }
      auto answer = parse_bid_response(ping, r.status, r.body);
      answer.latency_us = latency_us;
      done(std::move(answer), caf::timespan{0});
    });
  }

private:
  std::shared_ptr<http_client> client_;
  std::string url_;
};

} // namespace

std::shared_ptr<bidder_transport> make_http_bidder_transport(std::shared_ptr<http_client> client,
                                                             const buyer_config& buyer) {
  return std::make_shared<http_bidder_transport>(std::move(client), buyer.ping_url);
}

} // namespace ringbid
