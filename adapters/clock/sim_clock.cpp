#include "adapters/clock/sim_clock.hpp"

#include <caf/actor_clock.hpp>
#include <caf/actor_system.hpp>

#include <chrono>

namespace ringbid {

namespace {

class actor_wall_clock final : public wall_clock {
public:
  actor_wall_clock(caf::actor_clock& clock, timestamp_us epoch) : clock_(clock), start_(clock.now()), epoch_(epoch) {}

  timestamp_us now() const override {
    auto elapsed = std::chrono::duration_cast<std::chrono::microseconds>(clock_.now() - start_);
    return epoch_ + elapsed.count();
  }

private:
  caf::actor_clock& clock_;
  caf::actor_clock::time_point start_;
  timestamp_us epoch_;
};

} // namespace

std::shared_ptr<wall_clock> make_actor_wall_clock(caf::actor_system& sys, timestamp_us epoch) {
  return std::make_shared<actor_wall_clock>(sys.clock(), epoch);
}

timestamp_us system_now() {
  using namespace std::chrono;
  return duration_cast<microseconds>(system_clock::now().time_since_epoch()).count();
}

} // namespace ringbid
