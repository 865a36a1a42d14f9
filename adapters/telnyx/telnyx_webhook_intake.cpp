#include "adapters/telnyx/telnyx_webhook_intake.hpp"

#include "adapters/telnyx/telnyx_codec.hpp"

#include <chrono>
#include <optional>

namespace ringbid {

namespace {

std::string error_body(std::string_view message) {
  std::string out = R"({"error":")";
  for (char c : message) {
    if (c == '"' || c == '\\') out += '\\';
    if (static_cast<unsigned char>(c) >= 0x20) out += c;
  }
  out += "\"}";
  return out;
}

webhook_verdict verdict(int status, std::string body) { return webhook_verdict{status, std::move(body)}; }

} // namespace

telnyx_webhook_intake::telnyx_webhook_intake(webhook_verifier verifier, deliver_fn deliver, size_t remembered_ids)
  : verifier_(verifier), deliver_(std::move(deliver)), capacity_(std::max<size_t>(1, remembered_ids)) {}

bool telnyx_webhook_intake::remember(const std::string& id) {
  std::lock_guard lock{mutex_};
  if (!seen_.insert(id).second) return false;
  order_.push_back(id);
  while (seen_.size() > capacity_ && !order_.empty()) {
    seen_.erase(order_.front());
    order_.pop_front();
  }
  return true;
}

void telnyx_webhook_intake::forget(const std::string& id) {
  std::lock_guard lock{mutex_};
  seen_.erase(id); // its entry in order_ goes when it reaches the front
  if (order_.size() > 2 * capacity_) {
    std::erase_if(order_, [this](const std::string& x) { return !seen_.count(x); });
  }
}

webhook_verdict telnyx_webhook_intake::handle(std::string_view signature, std::string_view timestamp,
                                              std::string_view body, timestamp_us now) {
  auto started = std::chrono::steady_clock::now();
  auto out = decide(signature, timestamp, body, now, nullptr);
  stats_.handling.record(
    std::chrono::duration_cast<std::chrono::microseconds>(std::chrono::steady_clock::now() - started));
  return out;
}

void telnyx_webhook_intake::handle(std::string_view signature, std::string_view timestamp, std::string_view body,
                                   timestamp_us now, std::function<void(webhook_verdict)> reply) {
  auto started = std::chrono::steady_clock::now();
  std::function<void(webhook_verdict)> timed = [this, started, reply = std::move(reply)](webhook_verdict v) {
    stats_.handling.record(
      std::chrono::duration_cast<std::chrono::microseconds>(std::chrono::steady_clock::now() - started));
    reply(std::move(v));
  };
  auto out = decide(signature, timestamp, body, now, &timed);
  if (out.status != 0) timed(std::move(out));
}

webhook_verdict telnyx_webhook_intake::decide(std::string_view signature, std::string_view timestamp,
                                              std::string_view body, timestamp_us now,
                                              const std::function<void(webhook_verdict)>* reply) {
  if (body.size() > max_webhook_bytes) {
    stats_.too_large++;
    return verdict(413, error_body("webhook body too large"));
  }
  auto check = verifier_.verify(signature, timestamp, body, now);
  if (check == signature_verdict::stale_timestamp) {
    stats_.stale++;
    return verdict(403, error_body(to_string(check)));
  }
  if (check != signature_verdict::ok) {
    stats_.bad_signature++;
    return verdict(401, error_body(to_string(check)));
  }
  auto parsed = parse_webhook(body);
  if (!parsed.ok()) {
    const auto& e = *parsed.error();
    if (e.kind == webhook_error::too_large) {
      stats_.too_large++;
      return verdict(413, error_body(e.message));
    }
    stats_.malformed++;
    auto what = std::string{to_string(e.kind)};
    if (!e.field.empty()) what += " " + e.field;
    if (!e.message.empty()) what += ": " + e.message;
    return verdict(400, error_body(what));
  }
  auto& hook = std::get<telnyx_webhook>(parsed.value);
  if (!remember(hook.event_id)) {
    stats_.duplicates++;
    return verdict(200, R"({"status":"duplicate"})");
  }
  // A transfer's new leg announces itself with call.initiated too, and
  // call.bridged comes for both legs: the call exists, and needs one bridge.
  bool buyer_leg_echo =
    hook.event && hook.event->leg == call_leg::buyer &&
    (hook.event->kind == carrier_event_kind::initiated || hook.event->kind == carrier_event_kind::bridged);
  if (!hook.event || buyer_leg_echo) {
    stats_.ignored++;
    return verdict(200, R"({"status":"ignored"})");
  }
  if (reply != nullptr && record_) {
    if (!ready_()) {
      forget(hook.event_id);
      stats_.unavailable++;
      return verdict(503, error_body("engine not ready; retry"));
    }
    record_then_deliver(std::move(*hook.event), hook.event_id, *reply);
    return verdict(0, {}); // answered once durable
  }
  if (!deliver_(std::move(*hook.event))) {
    forget(hook.event_id);
    stats_.unavailable++;
    return verdict(503, error_body("engine not ready; retry"));
  }
  stats_.delivered++;
  return verdict(200, R"({"status":"accepted"})");
}

void telnyx_webhook_intake::record_then_deliver(carrier_event event, const std::string& event_id,
                                                std::function<void(webhook_verdict)> reply) {
  if (event.kind == carrier_event_kind::initiated) {
    auto id = event_id;
    record_->note_start(event, [this, event, id, reply](durable_intake::start_outcome outcome, call_id call) mutable {
      switch (outcome) {
        case durable_intake::start_outcome::refused:
          forget(id);
          stats_.unavailable++;
          reply(verdict(503, error_body("not taking new calls; retry")));
          return;
        case durable_intake::start_outcome::duplicate:
          stats_.duplicates++;
          reply(verdict(200, R"({"status":"duplicate"})"));
          return;
        case durable_intake::start_outcome::noted:
          event.call = call;
          post_(std::move(event));
          stats_.delivered++;
          reply(verdict(200, R"({"status":"accepted"})"));
          return;
      }
    });
    return;
  }
  record_->keep(event, event_id, [this, event, reply](uint64_t seq, bool duplicate) mutable {
    if (duplicate) {
      stats_.duplicates++;
      reply(verdict(200, R"({"status":"duplicate"})"));
      return;
    }
    // Not kept (seq 0): the call is not live here; the engine ignores it too.
    event.journal_seq = seq;
    post_(std::move(event));
    stats_.delivered++;
    reply(verdict(200, R"({"status":"accepted"})"));
  });
}

} // namespace ringbid
