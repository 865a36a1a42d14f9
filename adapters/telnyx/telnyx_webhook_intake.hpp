#pragma once
// The front door for Telnyx webhooks, independent of any HTTP server: checks
// the Ed25519 signature and its timestamp, parses, drops the deliveries seen
// before (Telnyx may deliver an event twice; deduplicated on data.id, in
// bounded memory) and hands the normalized event on. It answers at once; the
// call actors process the event asynchronously.
//
// Status codes. 2xx tells Telnyx to stop retrying, so every validly signed
// webhook gets one, even when it is of no use to us (unknown type, a buyer
// leg's call.initiated or call.bridged, a duplicate); those are counted. Bad signatures get
// 401, stale timestamps 403, bodies that are not a Telnyx event 400, oversized
// ones 413. 503 when the engine cannot take the event right now (then the
// event is not remembered, so Telnyx's retry is processed).

#include "actors/ports/durable_intake.hpp"
#include "adapters/http/latency_histogram.hpp"
#include "adapters/telnyx/webhook_signature.hpp"
#include "protocol/carrier.hpp"
#include "protocol/time.hpp"

#include <atomic>
#include <cstddef>
#include <cstdint>
#include <deque>
#include <functional>
#include <memory>
#include <mutex>
#include <string>
#include <string_view>
#include <unordered_set>

namespace ringbid {

struct webhook_intake_stats {
  std::atomic<uint64_t> received{0};
  std::atomic<uint64_t> delivered{0};     ///< handed to the engine
  std::atomic<uint64_t> duplicates{0};    ///< data.id seen before
  std::atomic<uint64_t> ignored{0};       ///< valid, but nothing for the engine
  std::atomic<uint64_t> bad_signature{0}; ///< missing, malformed or wrong: 401
  std::atomic<uint64_t> stale{0};         ///< timestamp beyond the tolerance: 403
  std::atomic<uint64_t> malformed{0};     ///< 400
  std::atomic<uint64_t> too_large{0};     ///< 413
  std::atomic<uint64_t> unavailable{0};   ///< 503
  latency_histogram handling;             ///< from the call of handle() to its verdict
};

struct webhook_verdict {
  int status = 200;
  std::string body; ///< JSON, e.g. {"status":"accepted"} or {"error":"…"}
};

class telnyx_webhook_intake {
public:
  /// Takes an event for the engine; false if it cannot right now. Thread-safe.
  using deliver_fn = std::function<bool(carrier_event)>;

  telnyx_webhook_intake(webhook_verifier verifier, deliver_fn deliver, size_t remembered_ids = 200'000);

  /// Hands an event to the engine, kept until the engine has it (used once
  /// the durable record holds the event). Thread-safe.
  using post_fn = std::function<void(carrier_event)>;
  /// Whether the engine can take events now. Thread-safe.
  using ready_fn = std::function<bool()>;

  /// One webhook: the two signature headers as received (empty when absent),
  /// the raw body, and the time now. Thread-safe.
  webhook_verdict handle(std::string_view signature, std::string_view timestamp, std::string_view body,
                         timestamp_us now);

  /// As above, answering through `reply` (exactly once, possibly on another
  /// thread). With a durable record set, an event for the engine goes to it,
  /// and is answered 2xx, only once the record holds it (a call's start, or
  /// an event of a live call): nothing the carrier saw acknowledged is lost
  /// with the node, and nothing it re-delivers is handled twice.
  void handle(std::string_view signature, std::string_view timestamp, std::string_view body, timestamp_us now,
              std::function<void(webhook_verdict)> reply);

  /// Sets the durable record, and how events reach the engine once it holds
  /// them; before the first webhook.
  void set_durable(std::shared_ptr<durable_intake> record, ready_fn ready, post_fn post) {
    record_ = std::move(record);
    ready_ = std::move(ready);
    post_ = std::move(post);
  }

  const webhook_intake_stats& statistics() const noexcept { return stats_; }

private:
  /// True the first time `id` is seen; remembers it (forgetting the oldest
  /// beyond capacity).
  bool remember(const std::string& id);
  void forget(const std::string& id);

  /// The verdict; status 0 when `reply` answers later (once durable).
  webhook_verdict decide(std::string_view signature, std::string_view timestamp, std::string_view body,
                         timestamp_us now, const std::function<void(webhook_verdict)>* reply);
  /// Through the durable record: answers `reply` once it holds the event.
  void record_then_deliver(carrier_event event, const std::string& event_id,
                           std::function<void(webhook_verdict)> reply);

  webhook_verifier verifier_;
  deliver_fn deliver_;
  std::shared_ptr<durable_intake> record_;
  ready_fn ready_;
  post_fn post_;
  size_t capacity_;
  std::mutex mutex_;
  std::unordered_set<std::string> seen_;
  std::deque<std::string> order_; ///< oldest first; may hold ids already forgotten
  webhook_intake_stats stats_;
};

} // namespace ringbid
