#include "actors/ledger_actor.hpp"

#include "protocol/ledger.hpp"

#include <caf/all.hpp>

#include <algorithm>
#include <deque>

namespace ringbid {

int64_t ledger_lease_us(const engine_config& cfg) {
  const auto& t = cfg.timing;
  if (t.ledger_lease_s > 0) return int64_t{t.ledger_lease_s} * us_per_s;
  int64_t transfers = 0;
  for (const auto& c : cfg.campaigns)
    transfers = std::max<int64_t>(transfers, int64_t{c.max_transfer_attempts} *
                                               (c.transfer_timeout_s * 1000 + t.transfer_grace_ms));
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
    [=](const release_call& req) {
      auto& m = *self->state.memory;
      m.core.release_call(req.call, now());
      m.ship_journal();
    },
    [=](const ledger_status_request&) -> ledger_status {
      auto& m = *self->state.memory;
      m.core.expire_due(now());
      m.ship_journal();
      const auto& core = m.core;
      return ledger_status{core.open_reservations(), core.committed_total(), core.denied_total(), core.expired_total()};
    },
    [=](const reload_caps&) -> caps_reloaded {
      auto& m = *self->state.memory;
      auto generation = self->state.ctx->current();
      auto rules = resolve_cap_rules(generation->config()).rules;
      auto count = rules.size();
      auto kept = m.core.replace_rules(std::move(rules));
      return caps_reloaded{count, kept};
    },
    [=](const caps_query&) -> caps_report {
      auto& m = *self->state.memory;
      m.core.expire_due(now());
      m.ship_journal();
      return m.core.report(now());
    },
  };
}

} // namespace

caf::actor spawn_ledger(caf::local_actor* parent, std::shared_ptr<ledger_memory> memory,
                        std::shared_ptr<const node_context> ctx) {
  return parent->spawn(ledger_actor, std::move(memory), std::move(ctx));
}

} // namespace ringbid
