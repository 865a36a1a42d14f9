#include "actors/bidder_actor.hpp"

#include "protocol/bidding.hpp"

#include <caf/all.hpp>

namespace ringbid {

namespace {

struct bidder_state {
  std::string buyer_id;
  std::shared_ptr<bidder_transport> transport;
  std::shared_ptr<const node_context> ctx;
  uint64_t pinged = 0;
  static inline const char* name = "bidder";
};

caf::behavior bidder_actor(caf::stateful_actor<bidder_state>* self, std::string buyer_id,
                           std::shared_ptr<bidder_transport> transport, std::shared_ptr<const node_context> ctx) {
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

caf::actor spawn_bidder(caf::local_actor* parent, std::string buyer_id, std::shared_ptr<bidder_transport> transport,
                        std::shared_ptr<const node_context> ctx) {
  return parent->spawn(bidder_actor, std::move(buyer_id), std::move(transport), std::move(ctx));
}

} // namespace ringbid
