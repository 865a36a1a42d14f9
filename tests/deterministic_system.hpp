#pragma once
// An actor system on CAF's deterministic test coordinator, for tests that drive
// actors step by step on virtual time.

#include "protocol/types.hpp"

#include <caf/all.hpp>
#include <caf/scheduler/test_coordinator.hpp>

namespace ringbid::testing {

inline caf::actor_system_config& deterministic_config() {
  static caf::actor_system_config cfg;
  static bool once = [] {
    add_protocol_types(cfg);
    cfg.set("scheduler.policy", caf::atom("testing"));
    return true;
  }();
  (void) once;
  return cfg;
}

struct deterministic_system {
  deterministic_system()
    : sys(deterministic_config()), sched(dynamic_cast<caf::scheduler::test_coordinator&>(sys.scheduler())) {}

  caf::actor_system sys;
  caf::scheduler::test_coordinator& sched;
};

} // namespace ringbid::testing
