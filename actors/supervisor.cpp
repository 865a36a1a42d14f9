#include "actors/supervisor.hpp"

#include <caf/all.hpp>

#include <algorithm>
#include <deque>
#include <map>
#include <utility>

namespace ringbid {

namespace {

struct running_child {
  child_spec spec;
  caf::actor handle;
};

struct supervisor_state {
  supervisor_options options;
  std::vector<running_child> children;
  std::deque<caf::actor_clock::time_point> restarts;
  caf::actor parent;
  /// Every peer this supervisor knows, its own children and those its nested
  /// supervisors announced: (kind, key) -> live handle.
  std::map<std::pair<peer_kind, std::string>, caf::actor> known;
  static inline const char* name = "supervisor";
};

using supervisor_self = caf::stateful_actor<supervisor_state>*;

void announce(supervisor_self self, const peer_handle& peer) {
  auto& st = self->state;
  st.known[{peer.kind, peer.key}] = peer.handle;
  for (auto& child : st.children)
    if (child.spec.listener && child.handle && child.handle != peer.handle)
      self->send(child.handle, peer_restarted{peer});
  if (st.parent) self->send(st.parent, peer_restarted{peer});
}

/// A new listener learns every peer known so far.
void brief(supervisor_self self, const caf::actor& listener) {
  for (auto& [id, handle] : self->state.known)
    if (handle != listener) self->send(listener, peer_restarted{peer_handle{id.first, id.second, handle}});
}

void start_child(supervisor_self self, running_child& child) {
  child.handle = child.spec.start(self);
  self->monitor(child.handle);
  announce(self, peer_handle{child.spec.kind, child.spec.key, child.handle});
  if (child.spec.listener) brief(self, child.handle);
}

/// True while restarts stay within the intensity limit.
bool allow_restart(supervisor_self self) {
  auto& st = self->state;
  auto now = self->clock().now();
  st.restarts.push_back(now);
  while (!st.restarts.empty() && now - st.restarts.front() > st.options.window) st.restarts.pop_front();
  return static_cast<int>(st.restarts.size()) <= st.options.max_restarts;
}

caf::behavior supervisor_actor(supervisor_self self, std::vector<child_spec> specs, supervisor_options options,
                               caf::actor parent) {
  auto& st = self->state;
  st.options = std::move(options);
  st.parent = std::move(parent);
  // Children that crash are restarted; the supervisor itself must not die of
  // an exit signal from a child it is linked to (it links to none).
  self->set_down_handler([=](const caf::down_msg& dm) {
    auto& s = self->state;
    for (auto& child : s.children) {
      if (child.handle.address() != dm.source) continue;
      child.handle = nullptr;
      if (dm.reason == caf::exit_reason::normal || dm.reason == caf::exit_reason::user_shutdown) return;
      if (!allow_restart(self)) {
        // Escalate: stop every child and exit; the parent decides what next.
        for (auto& c : s.children)
          if (c.handle) self->send_exit(c.handle, caf::exit_reason::kill);
        self->quit(caf::sec::runtime_error);
        return;
      }
      start_child(self, child);
      return;
    }
  });
  self->set_exit_handler([=](caf::exit_msg& msg) {
    // Shutdown from above: take the children down first.
    for (auto& c : self->state.children)
      if (c.handle) self->send_exit(c.handle, msg.reason);
    self->quit(msg.reason);
  });
  for (auto& spec : specs) st.children.push_back(running_child{std::move(spec), nullptr});
  for (auto& child : st.children) start_child(self, child);
  return {
    [=](const peer_lookup& q) -> caf::result<peer_handle> {
      auto& s = self->state;
      for (auto& child : s.children) {
        if (child.spec.kind != q.kind) continue;
        if (child.spec.supervisor && !q.key.empty()) {
          self->delegate(child.handle, q);
          return caf::delegated<peer_handle>{};
        }
        if (child.spec.key == q.key) return peer_handle{q.kind, q.key, child.handle};
      }
      return peer_handle{q.kind, q.key, nullptr};
    },
    [=](const peer_restarted& msg) {
      // A nested supervisor restarted one of its children: pass it on.
      announce(self, msg.peer);
    },
    [=](const grow_children&) {
      auto& s = self->state;
      children_grown out;
      if (!s.options.grow) return out;
      std::vector<std::string> running;
      for (const auto& child : s.children) running.push_back(child.spec.key);
      for (auto& spec : s.options.grow(running)) {
        if (std::find(running.begin(), running.end(), spec.key) != running.end()) continue;
        running.push_back(spec.key);
        out.started.push_back(spec.key);
        s.children.push_back(running_child{std::move(spec), nullptr});
        start_child(self, s.children.back());
      }
      return out;
    },
  };
}

} // namespace

caf::actor spawn_supervisor(caf::local_actor* parent, std::vector<child_spec> children, supervisor_options options) {
  caf::actor me = caf::actor_cast<caf::actor>(parent->ctrl());
  return parent->spawn(supervisor_actor, std::move(children), std::move(options), me);
}

caf::actor spawn_root_supervisor(caf::actor_system& sys, std::vector<child_spec> children, supervisor_options options) {
  return sys.spawn(supervisor_actor, std::move(children), std::move(options), caf::actor{});
}

} // namespace ringbid
