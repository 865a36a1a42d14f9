#include "actors/core/config_reload.hpp"

#include "actors/core/billing.hpp"

#include <algorithm>

namespace ringbid {

namespace {

template <class T>
const T* by_id(const std::vector<T>& items, const std::string& id) {
  auto i = std::find_if(items.begin(), items.end(), [&](const T& x) { return x.id == id; });
  return i == items.end() ? nullptr : &*i;
}

std::string at(const char* list, size_t index) { return std::string{"/"} + list + "/" + std::to_string(index); }

struct reviewer {
  const engine_config& old;
  const engine_config& next;
  reload_review out;

  void restart(std::string pointer, std::string note) {
    out.needs_restart.push_back({std::move(pointer), std::move(note)});
  }

  template <class T>
  void field(const T& a, const T& b, std::string pointer, const char* what) {
    if (!(a == b)) restart(std::move(pointer), what);
  }

  void node_wide() {
    field(old.node_name, next.node_name, "/node_name", "the node's name");
    field(old.threads, next.threads, "/threads", "the scheduler's threads");
    field(old.caller_hash_secret, next.caller_hash_secret, "/caller_hash_secret", "the caller hash keys");
    field(old.storage, next.storage, "/storage", "storage (the database file and its writer)");
    field(old.supervision, next.supervision, "/supervision", "restart limits of the supervisors");
    field(old.carrier_sim, next.carrier_sim, "/carrier_sim", "the simulated carrier's callers");
    field(old.timing.ledger_lease_s, next.timing.ledger_lease_s, "/timing/ledger_lease_s", "the cap ledger's lease");
    field(old.timing.ledger_orphan_grace_ms, next.timing.ledger_orphan_grace_ms, "/timing/ledger_orphan_grace_ms",
          "the cap ledger's grace for crashed calls");
  }

  /// A buyer that had a bidder at start keeps its transport and breaker.
  void buyers() {
    auto kept_window = largest_duplicate_window(old.buyers);
    for (size_t i = 0; i < next.buyers.size(); ++i) {
      const auto& b = next.buyers[i];
      auto p = at("buyers", i);
      const auto* was = by_id(old.buyers, b.id);
      if (was != nullptr && was->fixed_payout_micros == 0) {
        field(was->ping_url, b.ping_url, p + "/ping_url", "the buyer's bidder transport");
        field(was->sim, b.sim, p + "/sim", "the simulated buyer's bidder");
        field(was->breaker, b.breaker, p + "/breaker", "the buyer's circuit breaker");
      }
      if (b.duplicate_window_days > kept_window &&
          (was == nullptr || b.duplicate_window_days != was->duplicate_window_days))
        restart(p + "/duplicate_window_days",
                "the duplicate-caller window remembers callers for " + std::to_string(kept_window) + " days");
    }
  }
};

} // namespace

reload_review review_reload(const engine_config& started, const engine_config& next) {
  reviewer r{started, next, {}};
  r.node_wide();
  r.buyers();
  return std::move(r.out);
}

} // namespace ringbid
