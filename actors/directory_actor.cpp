#include "actors/directory_actor.hpp"

#include "protocol/directory.hpp"

#include <caf/all.hpp>

#include <mutex>
#include <optional>
#include <unordered_map>

namespace ringbid {

namespace {

/// A lookup's answer that came from another thread, back in the actor. Local only.
struct directory_answer {
  uint64_t id = 0;
  bool ok = false; ///< false: the directory could not answer
  did_route route;
};

template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, directory_answer& x) {
  return f(caf::meta::type_name("directory_answer"), x.id, x.ok, x.route);
}

/// Where a lookup's callback leaves an answer given before lookup() returned.
struct inline_answer {
  std::mutex mutex;
  bool returned = false; ///< lookup() has returned: answer by message
  bool answered = false;
  std::optional<did_route> route;
};

struct directory_state {
  std::shared_ptr<did_directory> directory;
  uint64_t next_id = 0;
  std::unordered_map<uint64_t, caf::typed_response_promise<did_route>> waiting;
  static inline const char* name = "directory";
};

caf::error directory_unavailable() {
  return caf::make_error(caf::sec::runtime_error, "the DID directory could not answer");
}

caf::behavior directory_actor(caf::stateful_actor<directory_state>* self, std::shared_ptr<did_directory> directory) {
  self->state.directory = std::move(directory);
  return {
    // An answer given inline (the in-process directory; the simulation) is
    // returned at once, exactly as a plain handler would. One given later, on
    // another thread, comes back as a directory_answer for a response promise.
    [=](const did_lookup& q) -> caf::result<did_route> {
      auto& st = self->state;
      auto id = ++st.next_id;
      auto slot = std::make_shared<inline_answer>();
      auto me = caf::actor_cast<caf::actor_addr>(self);
      st.directory->lookup(q.did, [slot, me, id](std::optional<did_route> route) {
        {
          std::lock_guard<std::mutex> guard{slot->mutex};
          if (!slot->returned) {
            slot->answered = true;
            slot->route = std::move(route);
            return;
          }
        }
        if (auto dest = caf::actor_cast<caf::actor>(me))
          caf::anon_send(dest, directory_answer{id, route.has_value(), route ? std::move(*route) : did_route{}});
      });
      {
        std::lock_guard<std::mutex> guard{slot->mutex};
        slot->returned = true;
        if (slot->answered) {
          if (!slot->route) return directory_unavailable();
          return std::move(*slot->route);
        }
      }
      auto promise = self->make_response_promise<did_route>();
      st.waiting.emplace(id, promise);
      return promise;
    },
    [=](directory_answer& a) {
      auto& waiting = self->state.waiting;
      auto i = waiting.find(a.id);
      if (i == waiting.end()) return;
      if (a.ok)
        i->second.deliver(std::move(a.route));
      else
        i->second.deliver(directory_unavailable());
      waiting.erase(i);
    },
  };
}

} // namespace

caf::actor spawn_directory(caf::local_actor* parent, std::shared_ptr<did_directory> directory) {
  return parent->spawn(directory_actor, std::move(directory));
}

} // namespace ringbid
