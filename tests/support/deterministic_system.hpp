#pragma once
// An actor system on CAF's deterministic test coordinator, for tests that drive
// actors step by step on virtual time. Each system gets its own config: CAF
// takes parts of a config over when it builds a system, so none is reused.

#include "actors/actor_types.hpp"
#include "protocol/types.hpp"

#include <caf/all.hpp>
#include <caf/scheduler/test_coordinator.hpp>

namespace ringbid::testing {

struct deterministic_system {
  static caf::actor_system_config& prepare(caf::actor_system_config& cfg) {
    add_protocol_types(cfg);
    add_actor_types(cfg);
    cfg.set("scheduler.policy", caf::atom("testing"));
    return cfg;
  }

  caf::actor_system_config cfg;
  caf::actor_system sys{prepare(cfg)};
  caf::scheduler::test_coordinator& sched{dynamic_cast<caf::scheduler::test_coordinator&>(sys.scheduler())};
};

} // namespace ringbid::testing
