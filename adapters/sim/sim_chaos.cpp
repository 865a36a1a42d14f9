#include "adapters/sim/sim_chaos.hpp"

#include "adapters/sim/sim_messages.hpp"
#include "protocol/node.hpp"

#include <caf/all.hpp>

#include <chrono>
#include <cmath>
#include <map>
#include <random>

namespace ringbid {

namespace {

struct chaos_state {
  chaos_options opt;
  std::mt19937_64 rng;
  caf::actor ledger;
  caf::actor recorder;
  caf::actor carrier;
  caf::actor calls;
  std::map<std::string, caf::actor> bidders;
  static inline const char* name = "chaos";
};

using chaos_self = caf::stateful_actor<chaos_state>*;

void schedule_next(chaos_self self) {
  std::exponential_distribution<double> d{1.0 / std::max(1.0, self->state.opt.mean_interval_ms)};
  auto after = std::chrono::microseconds{std::llround(d(self->state.rng) * 1000.0) + 1};
  self->delayed_send(self, after, sim_tick{sim_action::chaos, {}, 0});
}

void kill(chaos_self self, const caf::actor& victim) {
  if (!victim) return;
  self->send_exit(victim, caf::exit_reason::kill);
  ++*self->state.opt.kills;
}

void strike(chaos_self self) {
  auto& st = self->state;
  std::vector<int> kinds;
  if (st.opt.bidders && !st.bidders.empty()) kinds.push_back(0);
  if (st.opt.ledger) kinds.push_back(1);
  if (st.opt.recorder) kinds.push_back(2);
  if (st.opt.calls && st.calls) kinds.push_back(3);
  if (st.opt.carrier && st.carrier) kinds.push_back(4);
  if (kinds.empty()) return;
  switch (kinds[std::uniform_int_distribution<size_t>{0, kinds.size() - 1}(st.rng)]) {
    case 0: {
      auto i = st.bidders.begin();
      std::advance(i, static_cast<std::ptrdiff_t>(st.rng() % st.bidders.size()));
      if (i->second) ++*st.opt.bidder_kills;
      kill(self, i->second);
      return;
    }
    case 1: kill(self, st.ledger); return;
    case 2: kill(self, st.recorder); return;
    case 4:
      kill(self, st.carrier);
      ++*st.opt.carrier_kills;
      return;
    default: {
      auto index = std::to_string(st.rng() % 1'000'000);
      self->request(st.calls, std::chrono::seconds{1}, peer_lookup{peer_kind::calls, index})
        .then([=](const peer_handle& h) { kill(self, h.handle); }, [](caf::error&) {});
      return;
    }
  }
}

caf::behavior chaos_actor(chaos_self self, chaos_options opt) {
  self->state.opt = std::move(opt);
  self->state.rng.seed(self->state.opt.seed * 0x5851F42D4C957F2Dull + 3);
  schedule_next(self);
  return {
    [=](const sim_tick&) {
      strike(self);
      schedule_next(self);
    },
    [=](const peer_restarted& msg) {
      auto& st = self->state;
      const auto& p = msg.peer;
      switch (p.kind) {
        case peer_kind::ledger: st.ledger = p.handle; break;
        case peer_kind::recorder: st.recorder = p.handle; break;
        case peer_kind::calls: st.calls = p.handle; break;
        case peer_kind::carrier: st.carrier = p.handle; break;
        case peer_kind::bidder:
          if (!p.key.empty()) st.bidders[p.key] = p.handle;
          break;
        default: break;
      }
    },
  };
}

} // namespace

caf::actor spawn_chaos(caf::local_actor* parent, chaos_options options) {
  return parent->spawn(chaos_actor, std::move(options));
}

} // namespace ringbid
