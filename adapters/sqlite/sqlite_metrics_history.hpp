#pragma once
// The metrics_history port over the lead store: reports on booked calls older
// than the analytics actor's memory, read on a worker thread of its own so no
// actor and no HTTP thread waits for SQLite.

#include "actors/ports/ports.hpp"

#include <condition_variable>
#include <deque>
#include <memory>
#include <mutex>
#include <string>
#include <thread>

namespace ringbid {

class sqlite_lead_reader;

class sqlite_metrics_history : public metrics_history {
public:
  /// Reads the lead store at `path` (opened on first use, read-only).
  explicit sqlite_metrics_history(std::string path);
  ~sqlite_metrics_history() override; ///< stop()s
  sqlite_metrics_history(const sqlite_metrics_history&) = delete;
  sqlite_metrics_history& operator=(const sqlite_metrics_history&) = delete;

  void load(const metrics_query& query, timestamp_us now, done callback) override;
  /// Answers what is queued with an error and joins the worker. Idempotent;
  /// later loads are answered at once with an error.
  void stop();

private:
  struct job {
    metrics_query query;
    timestamp_us now = 0;
    done callback;
  };
  void run();
  metrics_report read(const job& j);

  std::string path_;
  std::unique_ptr<sqlite_lead_reader> reader_; ///< the worker's own
  std::mutex mutex_;
  std::condition_variable wake_;
  std::deque<job> jobs_;
  bool stopping_ = false;
  std::thread worker_;
};

} // namespace ringbid
