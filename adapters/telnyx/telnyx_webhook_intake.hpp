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

#include "adapters/http/latency_histogram.hpp"
#include "adapters/telnyx/webhook_signature.hpp"
#include "protocol/carrier.hpp"
#include "protocol/time.hpp"

#include <atomic>
#include <cstddef>
#include <cstdint>
#include <deque>
#include <functional>
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

  /// Notes a call's start durably and then calls `durable` (on any thread).
  using durable_start_fn = std::function<void(const carrier_event& initiated, std::function<void()> durable)>;

  /// One webhook: the two signature headers as received (empty when absent),
  /// the raw body, and the time now. Thread-safe.
  webhook_verdict handle(std::string_view signature, std::string_view timestamp, std::string_view body,
                         timestamp_us now);

  /// As above, answering through `reply` (exactly once, possibly on another
  /// thread). With a durable-start step set, a call.initiated for the engine is
  /// answered 2xx only once the call's start is durable, so a call the carrier
  /// saw acknowledged survives a crash of the node.
  void handle(std::string_view signature, std::string_view timestamp, std::string_view body, timestamp_us now,
              std::function<void(webhook_verdict)> reply);

  /// Sets the durable-start step; before the first webhook.
  void set_durable_start(durable_start_fn step) { durable_start_ = std::move(step); }

  const webhook_intake_stats& statistics() const noexcept { return stats_; }

private:
  /// True the first time `id` is seen; remembers it (forgetting the oldest
  /// beyond capacity).
  bool remember(const std::string& id);
  void forget(const std::string& id);

  /// The verdict, and the accepted call.initiated when its answer has to wait
  /// for durability (then the verdict is the one to give once it is durable).
  webhook_verdict decide(std::string_view signature, std::string_view timestamp, std::string_view body,
                         timestamp_us now, const std::function<void(webhook_verdict)>* reply);

  webhook_verifier verifier_;
  deliver_fn deliver_;
  durable_start_fn durable_start_;
  size_t capacity_;
  std::mutex mutex_;
  std::unordered_set<std::string> seen_;
  std::deque<std::string> order_; ///< oldest first; may hold ids already forgotten
  webhook_intake_stats stats_;
};

} // namespace ringbid
