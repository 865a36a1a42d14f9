#pragma once
// Scripted stand-ins for a call's peers (root supervisor, directory, ledger,
// recorder, carrier, bidders, calls supervisor), for actor tests on the
// deterministic coordinator. Each writes what it receives into a shared
// `fake_world` and answers as the world's scripts say.

#include "actors/node_context.hpp"
#include "protocol/bidding.hpp"
#include "protocol/call_snapshot.hpp"
#include "protocol/carrier.hpp"
#include "protocol/directory.hpp"
#include "protocol/lead.hpp"
#include "protocol/ledger.hpp"
#include "protocol/node.hpp"

#include <caf/all.hpp>

#include <functional>
#include <map>
#include <memory>
#include <string>
#include <utility>
#include <vector>

namespace ringbid::testing {

/// A message and the instance (of its kind) that received it: 0 for the first
/// instance, 1 for the one started after the first crash, and so on.
template <class T>
struct received {
  int instance = 0;
  T msg;
};

struct fake_world {
  // -- scripts -------------------------------------------------------------------
  std::function<reserve_reply(const reserve_request&)> on_reserve = [this](const reserve_request& req) {
    reserve_reply reply;
    reply.call = req.call;
    for (const auto& b : req.buyer_ids) reply.granted.push_back(reservation_grant{b, ++tokens, -1});
    return reply;
  };
  std::function<hold_reply(const hold_request&)> on_hold = [](const hold_request& req) {
    hold_reply reply;
    reply.call = req.call;
    for (const auto& h : req.holds) reply.held.push_back(h.token);
    return reply;
  };
  did_route route{"", true, "c1", "s1", {}};

  // -- what the peers saw --------------------------------------------------------
  uint64_t tokens = 100;
  std::vector<reserve_request> reserves;
  std::vector<hold_request> holds;
  std::vector<commit_request> commits;
  std::vector<uint64_t> releases;
  std::vector<call_id> released_calls; ///< release_call: what a finished call still held
  std::vector<received<carrier_command>> commands;
  std::vector<received<ping_request>> pings;
  std::vector<lead_record> leads;
  std::vector<call_snapshot> checkpoints;
  std::vector<call_finished> finished;
  std::vector<peer_lookup> lookups;

  /// The live instance of each peer, as the root answers lookups.
  std::map<std::pair<peer_kind, std::string>, caf::actor> live;

  std::vector<std::string> pinged_buyers(int instance = -1) const {
    std::vector<std::string> out;
    for (const auto& p : pings)
      if (instance < 0 || p.instance == instance) out.push_back(p.msg.buyer_id);
    return out;
  }
  std::vector<command_kind> command_kinds(int instance = -1) const {
    std::vector<command_kind> out;
    for (const auto& c : commands)
      if (instance < 0 || c.instance == instance) out.push_back(c.msg.kind);
    return out;
  }
};

using world_ptr = std::shared_ptr<fake_world>;

inline caf::behavior fake_root(caf::event_based_actor* self, world_ptr w) {
  (void)self;
  return {[=](const peer_lookup& q) {
    w->lookups.push_back(q);
    auto i = w->live.find({q.kind, q.key});
    return peer_handle{q.kind, q.key, i == w->live.end() ? caf::actor{} : i->second};
  }};
}

inline caf::behavior fake_directory(caf::event_based_actor*, world_ptr w) {
  return {[=](const did_lookup& q) {
    auto r = w->route;
    r.did = q.did;
    return r;
  }};
}

inline caf::behavior fake_ledger(caf::event_based_actor*, world_ptr w) {
  return {
    [=](const reserve_request& req) {
      w->reserves.push_back(req);
      return w->on_reserve(req);
    },
    [=](const hold_request& req) {
      w->holds.push_back(req);
      return w->on_hold(req);
    },
    [=](const commit_request& req) {
      w->commits.push_back(req);
      return ledger_ack{req.token, true};
    },
    [=](const release_request& req) {
      w->releases.push_back(req.token);
      return ledger_ack{req.token, true};
    },
    [=](const release_call& req) { w->released_calls.push_back(req.call); },
  };
}

inline caf::behavior fake_recorder(caf::event_based_actor*, world_ptr w) {
  return {
    [](const checkpoint_call&) {},
    [=](const record_lead& r) {
      w->leads.push_back(r.lead);
      return lead_accepted{r.lead.id};
    },
  };
}

inline caf::behavior fake_carrier(caf::event_based_actor*, world_ptr w, int instance) {
  return {[=](const carrier_command& cmd) { w->commands.push_back({instance, cmd}); }};
}

inline caf::behavior fake_bidder(caf::event_based_actor*, world_ptr w, int instance) {
  return {[=](const ping_request& ping) { w->pings.push_back({instance, ping}); }};
}

inline caf::behavior fake_calls(caf::event_based_actor*, world_ptr w) {
  return {
    [=](const call_checkpoint& cp) { w->checkpoints.push_back(cp.snapshot); },
    [=](const call_finished& f) { w->finished.push_back(f); },
  };
}

} // namespace ringbid::testing
