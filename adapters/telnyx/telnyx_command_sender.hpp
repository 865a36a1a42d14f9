#pragma once
// Sends Telnyx Call Control commands over HTTP, reliably and in order:
//  - commands for one call (one call_control_id) go out one at a time, in the
//    order submitted; different calls never wait on each other;
//  - a 5xx, a timeout (no answer within attempt_timeout, 500 ms as Telnyx
//    advises) or a connection error is retried with the same body, hence the
//    same command_id, after an exponential backoff;
//  - 429 waits for x-ratelimit-reset (capped) before the same retry;
//  - 422 code 90018 ("call has already ended") ends the call: that command and
//    every command still queued for the call are reported call_ended, unsent;
//  - any other 4xx is a permanent refusal, reported at once; the queue goes on.
// Boost.Asio (the retry timers) and the HTTP client stay in the .cpp file.

#include "adapters/http/latency_histogram.hpp"
#include "adapters/telnyx/telnyx_codec.hpp"
#include "protocol/carrier.hpp"

#include <atomic>
#include <chrono>
#include <cstddef>
#include <cstdint>
#include <functional>
#include <memory>
#include <string>

namespace ringbid {

struct telnyx_api_options {
  /// Where the API lives, e.g. "https://api.telnyx.com" or "http://127.0.0.1:8790";
  /// the request paths ("/v2/calls/…") are appended.
  std::string base_url = "https://api.telnyx.com";
  std::string api_key; ///< sent as "Authorization: Bearer <key>"; not sent when empty
  std::chrono::milliseconds attempt_timeout{500};
  int max_attempts = 6;                          ///< attempts per command, the first one included
  std::chrono::milliseconds backoff_initial{50}; ///< before the 2nd attempt; doubles after each
  std::chrono::milliseconds backoff_max{2'000};
  std::chrono::milliseconds rate_limit_max_wait{30'000}; ///< cap on an x-ratelimit-reset wait
  /// A 429 without a usable x-ratelimit-reset waits this long.
  std::chrono::milliseconds rate_limit_default_wait{1'000};
  size_t max_pending_per_call = 256; ///< beyond: reported rejected ("too many queued commands")
  size_t max_connections = 32;       ///< keep-alive pool towards the API host
  int io_threads = 1;
  bool verify_tls = true;
  std::string ca_file; ///< PEM trust anchors for https; "" = system default
};

/// One command to send: the engine's command (for the report) and its wire form.
struct telnyx_job {
  carrier_command command; ///< command.carrier_call_id is the ordering key
  telnyx_request request;  ///< path and JSON body, command_id inside the body
};

/// How one command ended. Exactly one report per submitted job.
struct telnyx_command_report {
  carrier_command command;
  command_outcome outcome;              ///< success, call_ended, rejected; or retryable/rate_limited when
                                        ///< max_attempts ran out (then detail says why the last attempt failed)
  int attempts = 0;                     ///< HTTP requests made for it (0: dropped unsent after a call_ended)
  int http_status = 0;                  ///< of the last attempt; 0 if it had no response
  std::chrono::microseconds latency{0}; ///< submit() to report
};

struct telnyx_sender_stats {
  std::atomic<uint64_t> submitted{0};
  std::atomic<uint64_t> attempts{0}; ///< HTTP requests sent
  std::atomic<uint64_t> retries{0};  ///< attempts after the first, for any reason
  std::atomic<uint64_t> succeeded{0};
  std::atomic<uint64_t> call_ended{0};   ///< 90018, and the commands dropped after it
  std::atomic<uint64_t> rate_limited{0}; ///< 429 responses seen
  std::atomic<uint64_t> rejected{0};     ///< permanent refusals (other 4xx, queue full)
  std::atomic<uint64_t> failed{0};       ///< gave up after max_attempts
  std::atomic<int64_t> queued{0};        ///< submitted and not yet reported
  latency_histogram latency;             ///< submit() to report, per command
};

class telnyx_command_sender {
public:
  using report_fn = std::function<void(telnyx_command_report)>;

  /// `on_report` runs on an io thread (must not block): hand the report to an actor.
  telnyx_command_sender(telnyx_api_options options, report_fn on_report);
  ~telnyx_command_sender(); ///< stop()s
  telnyx_command_sender(const telnyx_command_sender&) = delete;
  telnyx_command_sender& operator=(const telnyx_command_sender&) = delete;

  /// Thread-safe, never blocks.
  void submit(telnyx_job job);

  /// Reports every queued and in-flight command as failed ("sender stopped"),
  /// joins the io threads. Idempotent; not from inside on_report.
  void stop();

  const telnyx_sender_stats& statistics() const noexcept;

private:
  struct impl;
  std::shared_ptr<impl> impl_;
};

} // namespace ringbid
