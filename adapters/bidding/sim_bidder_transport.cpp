#include "adapters/bidding/sim_bidder_transport.hpp"

#include <algorithm>
#include <chrono>
#include <cmath>
#include <random>

namespace ringbid {

namespace {

uint64_t fnv1a(const std::string& s) {
  uint64_t h = 1469598103934665603ull;
  for (unsigned char c : s) h = (h ^ c) * 1099511628211ull;
  return h;
}

class sim_bidder_transport final : public bidder_transport {
public:
  sim_bidder_transport(const buyer_config& buyer, uint64_t seed) : buyer_(buyer), rng_(seed ^ fnv1a(buyer.id)) {}

  void ping(const ping_request& request, completion done) override {
    const auto& sim = buyer_.sim;
    std::normal_distribution<double> latency{double(sim.latency_mean_ms), double(sim.latency_stddev_ms)};
    auto ms = std::clamp(latency(rng_), 1.0, 10.0 * std::max(1, sim.latency_mean_ms));
    bid_response r;
    r.ping_id = request.ping_id;
    r.round = request.round;
    r.buyer_id = buyer_.id;
    double u = std::uniform_real_distribution<double>{0.0, 1.0}(rng_);
    if (u < sim.error_rate) {
      r.kind = bid_kind::error;
      r.reason = "HTTP 500";
    } else if (u < sim.error_rate + sim.no_bid_rate) {
      r.kind = bid_kind::no_bid;
      r.reason = "not buying this call";
    } else {
      std::normal_distribution<double> amount{double(sim.bid_mean_micros), double(sim.bid_stddev_micros)};
      // Whole cents, at least one: buyers bid in cents.
      auto cents = std::max<int64_t>(1, std::llround(amount(rng_) / 10'000.0));
      r.kind = bid_kind::bid;
      r.amount_micros = cents * 10'000;
      r.expires_in_s = 30;
      r.destination = buyer_.destination;
    }
    done(std::move(r), std::chrono::microseconds{std::llround(ms * 1000.0)});
  }

private:
  buyer_config buyer_;
  std::mt19937_64 rng_;
};

} // namespace

std::shared_ptr<bidder_transport> make_sim_bidder_transport(const buyer_config& buyer, uint64_t seed) {
  return std::make_shared<sim_bidder_transport>(buyer, seed);
}

} // namespace ringbid
