#include "actors/recorder_actor.hpp"

#include "protocol/call_snapshot.hpp"
#include "protocol/lead.hpp"

#include <caf/all.hpp>

#include <unordered_map>
#include <vector>

namespace ringbid {

namespace {

struct recorder_state {
  std::shared_ptr<lead_store> store;
  /// record_lead requests answered once their lead is committed, by call id.
  std::unordered_map<call_id, std::vector<caf::typed_response_promise<lead_accepted>>, uuid_hash> waiting;
  static inline const char* name = "recorder";
};

caf::behavior recorder_actor(caf::stateful_actor<recorder_state>* self, std::shared_ptr<lead_store> store) {
  self->state.store = std::move(store);
  auto& st = self->state;
  // A restarted recorder takes over the callback; the requests its predecessor
  // left waiting time out at their callers, who ask again (idempotent by id).
  if (st.store->notifies_commits()) {
    st.store->on_committed([addr = caf::actor_cast<caf::actor_addr>(self)](std::vector<call_id> ids) {
      if (auto recorder = caf::actor_cast<caf::actor>(addr)) caf::anon_send(recorder, leads_committed{std::move(ids)});
    });
  }
  return {
    // The store queues the lead for its writer thread and never blocks here;
    // the answer waits for the commit when the store reports commits.
    [=](record_lead& msg) -> caf::result<lead_accepted> {
      auto& s = self->state;
      auto id = msg.lead.id;
      if (!s.store->notifies_commits()) {
        s.store->submit(std::move(msg.lead));
        return lead_accepted{id};
      }
      auto promise = self->make_response_promise<lead_accepted>();
      s.waiting[id].push_back(promise);
      s.store->submit(std::move(msg.lead));
      return promise;
    },
    [=](const leads_committed& done) {
      auto& waiting = self->state.waiting;
      for (const auto& id : done.ids) {
        auto i = waiting.find(id);
        if (i == waiting.end()) continue;
        for (auto& promise : i->second) promise.deliver(lead_accepted{id});
        waiting.erase(i);
      }
    },
    [=](checkpoint_call& msg) { self->state.store->checkpoint(std::move(msg.snapshot), std::move(msg.lead)); },
  };
}

} // namespace

caf::actor spawn_recorder(caf::local_actor* parent, std::shared_ptr<lead_store> store) {
  return parent->spawn(recorder_actor, std::move(store));
}

} // namespace ringbid
