#include "actors/analytics_actor.hpp"

#include "actors/analytics_messages.hpp"

#include <caf/all.hpp>

#include <unordered_map>

namespace ringbid {

namespace {

/// A query waiting for its history part.
struct pending_query {
  caf::response_promise promise;
  metrics_report memory;
};

struct analytics_state {
  analytics_parts parts;
  uint64_t next_request = 1;
  std::unordered_map<uint64_t, pending_query> pending;
  static inline const char* name = "analytics";
};

using analytics_self = caf::stateful_actor<analytics_state>*;

void publish_snapshots(analytics_self self) {
  auto& st = self->state;
  auto now = st.parts.clock->now();
  st.parts.book->roll(now);
  if (!st.parts.feed) return;
  auto day = utc_day_start(now);
  for (auto& [campaign, source] : st.parts.feed->watched_filters()) {
    metrics_query today{day, day + us_per_day_analytics, campaign, source};
    st.parts.feed->snapshot(st.parts.book->report(today, now));
  }
}

caf::result<metrics_report> answer(analytics_self self, const metrics_query& query) {
  auto& st = self->state;
  auto now = st.parts.clock->now();
  auto report = st.parts.book->report(query, now);
  auto since = st.parts.book->memory_since();
  if (query.from >= since || !st.parts.history) return report;
  // Older calls are in the lead store: ask the history port for that part.
  auto older = query;
  older.until = std::min(query.until, since);
  auto id = st.next_request++;
  auto promise = self->make_response_promise<metrics_report>();
  st.pending.emplace(id, pending_query{promise, std::move(report)});
  st.parts.history->load(older, now, [id, addr = caf::actor_cast<caf::actor>(self)](metrics_report part) {
    caf::anon_send(addr, history_loaded{id, std::move(part)});
  });
  return promise;
}

caf::behavior analytics_actor(analytics_self self, analytics_parts parts) {
  self->state.parts = std::move(parts);
  if (self->state.parts.tick.count() > 0) self->delayed_send(self, self->state.parts.tick, analytics_tick{});
  return {
    [=](const call_progress& p) {
      auto& st = self->state;
      st.parts.book->progress(p.card);
      if (st.parts.feed) st.parts.feed->call_changed(p.card);
    },
    [=](const call_booked& b) {
      auto& st = self->state;
      if (st.parts.book->booked(b.call) && st.parts.feed) st.parts.feed->call_changed(final_card(b.call));
    },
    [=](const metrics_query& q) -> caf::result<metrics_report> { return answer(self, q); },
    [=](history_loaded& h) {
      auto& st = self->state;
      auto i = st.pending.find(h.request);
      if (i == st.pending.end()) return;
      auto report = std::move(i->second.memory);
      merge_reports(report, h.report);
      i->second.promise.deliver(std::move(report));
      st.pending.erase(i);
    },
    [=](const live_board_query& q) -> live_board {
      auto& st = self->state;
      return live_board{st.parts.clock->now(), st.parts.book->live(metrics_filter{q.campaign_id, q.source_id})};
    },
    [=](analytics_tick) {
      publish_snapshots(self);
      self->delayed_send(self, self->state.parts.tick, analytics_tick{});
    },
  };
}

} // namespace

caf::actor spawn_analytics(caf::local_actor* parent, analytics_parts parts) {
  return parent->spawn(analytics_actor, std::move(parts));
}

} // namespace ringbid
