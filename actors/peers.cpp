#include "actors/peers.hpp"

#include "protocol/bidding.hpp"
#include "protocol/ledger.hpp"
#include "protocol/lead.hpp"

#include <caf/all.hpp>

#include <algorithm>
#include <deque>
#include <mutex>
#include <optional>
#include <unordered_map>
#include <vector>

namespace ringbid {

int64_t ledger_lease_us(const engine_config& cfg) {
  const auto& t = cfg.timing;
  if (t.ledger_lease_s > 0) return int64_t{t.ledger_lease_s} * us_per_s;
  int64_t transfers = 0;
  for (const auto& c : cfg.campaigns)
    transfers = std::max<int64_t>(transfers, int64_t{c.max_transfer_attempts} * (c.transfer_timeout_s * 1000 + t.transfer_grace_ms));
  int64_t ms = int64_t{t.answer_timeout_ms} + t.greeting_timeout_ms + t.max_hold_ms + transfers + t.max_talk_ms +
               t.ending_timeout_ms + 60'000;
  return ms * us_per_ms;
}

std::shared_ptr<ledger_memory> ledger_memory::from_config(const engine_config& cfg,
                                                          std::shared_ptr<cap_journal> journal) {
  auto m = std::make_shared<ledger_memory>();
  m->core = ledger_core{resolve_cap_rules(cfg).rules, ledger_lease_us(cfg)};
  m->journal = std::move(journal);
  return m;
}

void ledger_memory::ship_journal() {
  auto entries = core.take_journal();
  if (journal && !entries.empty()) journal->append(std::move(entries));
}

namespace {

// -- directory ------------------------------------------------------------------

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
      if (a.ok) i->second.deliver(std::move(a.route));
      else i->second.deliver(directory_unavailable());
      waiting.erase(i);
    },
  };
}

// -- ledger ---------------------------------------------------------------------

struct ledger_state {
  std::shared_ptr<ledger_memory> memory;
  std::shared_ptr<const node_context> ctx;
  /// Commits acknowledged once their journal entry is durable, by seq.
  struct waiting_ack {
    uint64_t seq;
    caf::typed_response_promise<ledger_ack> promise;
    ledger_ack ack;
  };
  std::deque<waiting_ack> waiting;
  uint64_t durable_seq = 0;
  static inline const char* name = "ledger";
};

using ledger_self = caf::stateful_actor<ledger_state>*;

caf::behavior ledger_actor(ledger_self self, std::shared_ptr<ledger_memory> memory,
                           std::shared_ptr<const node_context> ctx) {
  self->state.memory = std::move(memory);
  self->state.ctx = std::move(ctx);
  auto now = [=] { return self->state.ctx->clock->now(); };
  // A holder's death releases its reservations, after a grace period in which
  // the call's restarted actor may adopt them. After a ledger restart, watch
  // again every holder the previous instance watched: a holder that died
  // meanwhile is reported at once.
  self->set_down_handler([=](const caf::down_msg& dm) {
    auto& m = *self->state.memory;
    auto id = dm.source.id();
    auto grace = int64_t{self->state.ctx->config->timing.ledger_orphan_grace_ms} * us_per_ms;
    m.core.orphan_holder(id, now(), grace);
    m.holders.erase(id);
    m.ship_journal();
  });
  for (auto& [id, addr] : self->state.memory->holders) self->monitor(addr);
  auto& journal = self->state.memory->journal;
  if (journal && journal->notifies_durability()) {
    journal->on_durable([addr = caf::actor_cast<caf::actor_addr>(self)](uint64_t seq) {
      if (auto ledger = caf::actor_cast<caf::actor>(addr)) caf::anon_send(ledger, journal_durable{seq});
    });
  }
  return {
    [=](reserve_request& req) -> reserve_reply {
      auto& m = *self->state.memory;
      auto holder = caf::actor_cast<caf::actor_addr>(self->current_sender());
      auto id = holder.id();
      auto reply = m.core.reserve(req, id, now());
      if (!reply.granted.empty() && m.holders.emplace(id, holder).second) self->monitor(holder);
      m.ship_journal();
      return reply;
    },
    [=](const hold_request& req) -> hold_reply {
      auto& m = *self->state.memory;
      auto reply = m.core.hold(req, now());
      m.ship_journal();
      return reply;
    },
    // A commit is acknowledged only once its journal entry is durable, so an
    // acknowledged count survives kill -9.
    [=](const commit_request& req) -> caf::result<ledger_ack> {
      auto& st = self->state;
      auto& m = *st.memory;
      ledger_ack ack{req.token, m.core.commit(req, now())};
      m.ship_journal();
      auto seq = m.core.last_seq();
      if (!m.journal || !m.journal->notifies_durability() || seq <= st.durable_seq) return ack;
      auto promise = self->make_response_promise<ledger_ack>();
      st.waiting.push_back({seq, promise, ack});
      return promise;
    },
    [=](const journal_durable& d) {
      auto& st = self->state;
      st.durable_seq = std::max(st.durable_seq, d.seq);
      while (!st.waiting.empty() && st.waiting.front().seq <= st.durable_seq) {
        st.waiting.front().promise.deliver(st.waiting.front().ack);
        st.waiting.pop_front();
      }
    },
    [=](const release_request& req) -> ledger_ack {
      auto& m = *self->state.memory;
      ledger_ack ack{req.token, m.core.release(req.token, now())};
      m.ship_journal();
      return ack;
    },
    [=](const ledger_status_request&) -> ledger_status {
      auto& m = *self->state.memory;
      m.core.expire_due(now());
      m.ship_journal();
      const auto& core = m.core;
      return ledger_status{core.open_reservations(), core.committed_total(), core.denied_total(),
                           core.expired_total()};
    },
    [=](const caps_query&) -> caps_report {
      auto& m = *self->state.memory;
      m.core.expire_due(now());
      m.ship_journal();
      return m.core.report(now());
    },
  };
}

// -- recorder -------------------------------------------------------------------

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
    [=](track_call& msg) { self->state.store->track(std::move(msg.lead), msg.state); },
  };
}

// -- bidder ---------------------------------------------------------------------

struct bidder_state {
  std::string buyer_id;
  std::shared_ptr<bidder_transport> transport;
  std::shared_ptr<const node_context> ctx;
  uint64_t pinged = 0;
  static inline const char* name = "bidder";
};

caf::behavior bidder_actor(caf::stateful_actor<bidder_state>* self, std::string buyer_id,
                           std::shared_ptr<bidder_transport> transport,
                           std::shared_ptr<const node_context> ctx) {
  self->state.buyer_id = std::move(buyer_id);
  self->state.transport = std::move(transport);
  self->state.ctx = std::move(ctx);
  return {
    [=](ping_request& ping) {
      auto& st = self->state;
      ++st.pinged;
      auto reply_to = caf::actor_cast<caf::actor>(self->current_sender());
      caf::actor me = self;
      auto time_left = ping.time_left;
      auto shared = st.ctx;
      auto buyer = st.buyer_id;
      st.transport->ping(ping, [me, reply_to, time_left, shared, buyer](bid_response answer, caf::timespan after) {
        // A simulated answer's latency is its delay; a real one was measured.
        if (after.count() > 0 && answer.latency_us == 0)
          answer.latency_us = std::chrono::duration_cast<std::chrono::microseconds>(after).count();
        bool late = answer.latency_us > std::chrono::duration_cast<std::chrono::microseconds>(time_left).count();
        if (after.count() > 0) { // simulated: the answer travels as a delayed message through this actor
          caf::delayed_anon_send(me, after, bid_delivery{reply_to, std::move(answer), late});
          return;
        }
        // A real answer, on the transport's thread: the breaker board is
        // thread-safe, so the answer goes straight to the call, saving a hop.
        shared->breakers->record(buyer, answer.kind != bid_kind::error && !late, shared->clock->now());
        caf::anon_send(reply_to, std::move(answer));
      });
    },
    [=](bid_delivery& d) {
      auto& st = self->state;
      // Errors and answers past the buyer's time count against its breaker.
      bool failed = d.response.kind == bid_kind::error || d.late;
      st.ctx->breakers->record(st.buyer_id, !failed, st.ctx->clock->now());
      self->send(d.reply_to, std::move(d.response));
    },
  };
}

} // namespace

caf::actor spawn_directory(caf::local_actor* parent, std::shared_ptr<did_directory> directory) {
  return parent->spawn(directory_actor, std::move(directory));
}

caf::actor spawn_ledger(caf::local_actor* parent, std::shared_ptr<ledger_memory> memory,
                        std::shared_ptr<const node_context> ctx) {
  return parent->spawn(ledger_actor, std::move(memory), std::move(ctx));
}

caf::actor spawn_recorder(caf::local_actor* parent, std::shared_ptr<lead_store> store) {
  return parent->spawn(recorder_actor, std::move(store));
}

caf::actor spawn_bidder(caf::local_actor* parent, std::string buyer_id,
                        std::shared_ptr<bidder_transport> transport,
                        std::shared_ptr<const node_context> ctx) {
  return parent->spawn(bidder_actor, std::move(buyer_id), std::move(transport), std::move(ctx));
}

} // namespace ringbid
