#pragma once
// Cap-ledger protocol: reserve capacity before pinging, commit when the call
// counts, release otherwise. Tokens are plain integers, independent of the store.

#include "protocol/ids.hpp"

#include <caf/meta/type_name.hpp>

#include <cstdint>
#include <string>
#include <vector>

namespace ringbid {

/// How a reservation is taken. `normal` respects every cap. The two adopt modes
/// re-attach a call that is already physically live (a restarted call actor):
/// they never fail, and `adopt_committed` takes a concurrency slot without
/// counting the call again.
enum class reserve_mode : uint8_t { normal, adopt_pending, adopt_committed };

struct reserve_request {
  call_id call;
  std::string campaign_id;
  std::vector<std::string> buyer_ids;
  reserve_mode mode = reserve_mode::normal;
};

template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, reserve_request& x) {
  return f(caf::meta::type_name("reserve_request"), x.call, x.campaign_id, x.buyer_ids, x.mode);
}

struct reservation_grant {
  std::string buyer_id;
  uint64_t token = 0;
};

template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, reservation_grant& x) {
  return f(caf::meta::type_name("reservation_grant"), x.buyer_id, x.token);
}

struct reservation_denial {
  std::string buyer_id;
  std::string cap; ///< "daily" or "concurrency"
  int64_t value = 0;
  int64_t limit = 0;
};

template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, reservation_denial& x) {
  return f(caf::meta::type_name("reservation_denial"), x.buyer_id, x.cap, x.value, x.limit);
}

struct reserve_reply {
  call_id call;
  std::vector<reservation_grant> granted;
  std::vector<reservation_denial> denied;
};

template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, reserve_reply& x) {
  return f(caf::meta::type_name("reserve_reply"), x.call, x.granted, x.denied);
}

struct commit_request {
  uint64_t token = 0;
};

template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, commit_request& x) {
  return f(caf::meta::type_name("commit_request"), x.token);
}

struct release_request {
  uint64_t token = 0;
};

template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, release_request& x) {
  return f(caf::meta::type_name("release_request"), x.token);
}

/// Reply to commit and release: idempotent, so `known` is false for a token the
/// ledger no longer holds (already released, or released with its dead holder).
struct ledger_ack {
  uint64_t token = 0;
  bool known = false;
};

template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, ledger_ack& x) {
  return f(caf::meta::type_name("ledger_ack"), x.token, x.known);
}

/// Asks the ledger how many reservations are open (tests, shutdown checks).
struct ledger_status_request {};

template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, ledger_status_request&) {
  return f(caf::meta::type_name("ledger_status_request"));
}

struct ledger_status {
  uint64_t open_reservations = 0;
  uint64_t committed_total = 0;
  uint64_t denied_total = 0;
};

template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, ledger_status& x) {
  return f(caf::meta::type_name("ledger_status"), x.open_reservations, x.committed_total, x.denied_total);
}

} // namespace ringbid
