#pragma once
// Messages of the node's own plumbing: finding the current instance of a
// supervised peer, and shutting the calls down.

#include <caf/actor.hpp>
#include <caf/meta/type_name.hpp>

#include <cstdint>
#include <string>
#include <string_view>

namespace ringbid {

enum class peer_kind : uint8_t { directory, ledger, recorder, bidder, calls, carrier, tool, analytics };

std::string_view to_string(peer_kind k) noexcept;

/// Asks a supervisor for the live instance of a child. A restarted child has a
/// new address, so callers cache handles and ask again when a request fails.
struct peer_lookup {
  peer_kind kind = peer_kind::directory;
  std::string key; ///< the buyer id for bidders
};

template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, peer_lookup& x) {
  return f(caf::meta::type_name("peer_lookup"), x.kind, x.key);
}

struct peer_handle {
  peer_kind kind = peer_kind::directory;
  std::string key;
  caf::actor handle; ///< invalid when no such peer exists
};

template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, peer_handle& x) {
  return f(caf::meta::type_name("peer_handle"), x.kind, x.key, x.handle);
}

/// Supervisor -> interested actors: a child was restarted under a new address.
struct peer_restarted {
  peer_handle peer;
};

template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, peer_restarted& x) {
  return f(caf::meta::type_name("peer_restarted"), x.peer);
}

/// Node -> calls supervisor: stop taking calls and end the live ones. Replied to
/// with `calls_status` once no call is live.
struct drain_calls {};

template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, drain_calls&) {
  return f(caf::meta::type_name("drain_calls"));
}

/// Node -> calls supervisor: a deploy. Every live call keeps its state
/// durably and its actor stops, leaving the call up at the carrier for the
/// next process to adopt. Replied to with `calls_status` once none is left.
struct hand_over_calls {};

template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, hand_over_calls&) {
  return f(caf::meta::type_name("hand_over_calls"));
}

struct calls_status_request {};

template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, calls_status_request&) {
  return f(caf::meta::type_name("calls_status_request"));
}

struct calls_status {
  uint64_t live = 0;
  uint64_t started = 0;
  uint64_t finished = 0;
  uint64_t restarted = 0;   ///< call actors restarted from their checkpoint
  uint64_t interrupted = 0; ///< calls finalized as interrupted by the supervisor
  uint64_t adopted = 0;     ///< taken over from a process that was gone
  uint64_t handed_over = 0; ///< left live to the next process
};

template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, calls_status& x) {
  return f(caf::meta::type_name("calls_status"), x.live, x.started, x.finished, x.restarted, x.interrupted, x.adopted,
           x.handed_over);
}

/// Control plane -> a supervisor that can grow (the bidders'): start the
/// children the current configuration needs that it does not run yet (the
/// bidders of buyers added since). Answered with `children_grown`.
struct grow_children {
  int64_t revision = 0; ///< the configuration revision that asks for them (logs)
};

template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, grow_children& x) {
  return f(caf::meta::type_name("grow_children"), x.revision);
}

struct children_grown {
  std::vector<std::string> started; ///< the keys of the children started
};

template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, children_grown& x) {
  return f(caf::meta::type_name("children_grown"), x.started);
}

} // namespace ringbid
