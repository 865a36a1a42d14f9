#pragma once
// The live_feed port as Server-Sent Events (GET /api/v1/stream): every call's
// change of state and the metric snapshots go to each subscriber whose filter
// they match. Every event has an id; the latest `replay_events` are kept, so a
// client reconnecting with Last-Event-ID gets what it missed, or a fresh board
// when that is no longer kept. A subscriber that cannot keep up is dropped by
// the HTTP server (its backlog limit); its EventSource reconnects and resumes.

#include "actors/core/analytics_core.hpp"
#include "actors/ports/ports.hpp"
#include "adapters/analytics/analytics_json.hpp"
#include "adapters/http/http_server.hpp"

#include <cstdint>
#include <deque>
#include <functional>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <unordered_map>
#include <vector>

namespace ringbid {

struct sse_hub_options {
  size_t replay_events = 4096;
  int retry_ms = 1000;                ///< the reconnection delay sent to EventSource clients
  known_ids ids;                      ///< listed in every metrics event (unless ids_now is set)
  std::function<known_ids()> ids_now; ///< set: asked for every metrics event (the configuration changes)
  std::function<timestamp_us()> now;  ///< the node's clock (board events)
};

struct sse_hub_stats {
  uint64_t subscribers = 0; ///< open now
  uint64_t subscribed = 0;  ///< ever
  uint64_t resumed = 0;     ///< reconnects served by a replay
  uint64_t reset = 0;       ///< reconnects too far behind: sent a fresh board
  uint64_t dropped = 0;     ///< streams found closed (client gone or too slow)
  uint64_t events = 0;      ///< events published
  uint64_t frames_sent = 0; ///< event frames queued to subscribers
};

class sse_hub : public live_feed {
public:
  explicit sse_hub(sse_hub_options options);

  /// Starts streaming to `stream`: the retry delay, then a replay of what
  /// came after `last_event_id` or (fresh, or too old) the current board.
  void subscribe(std::shared_ptr<http_stream> stream, metrics_filter filter, std::optional<uint64_t> last_event_id);

  void call_changed(const call_card& card) override;
  std::vector<std::pair<std::string, std::string>> watched_filters() const override;
  void snapshot(const metrics_report& report) override;

  /// Closes every stream (node shutdown).
  void close_all();
  sse_hub_stats statistics() const;
  uint64_t last_event_id() const;

private:
  struct event {
    uint64_t id = 0;
    bool metrics = false;   ///< else a call event
    metrics_filter subject; ///< a call's campaign and source, or the snapshot's filter
    std::string frame;      ///< "id: ..\nevent: ..\ndata: ..\n\n"
  };
  struct subscriber {
    std::shared_ptr<http_stream> stream;
    metrics_filter filter;
  };

  static bool wants(const subscriber& s, const event& e);
  void publish(event e); ///< with mutex_ held
  std::string board_frame(const metrics_filter& filter) const;

  sse_hub_options options_;
  mutable std::mutex mutex_;
  uint64_t next_id_;
  std::deque<event> replay_;
  std::vector<subscriber> subscribers_;
  std::unordered_map<call_id, call_card, uuid_hash> board_; ///< calls before ending, for fresh subscribers
  sse_hub_stats stats_;
};

} // namespace ringbid
