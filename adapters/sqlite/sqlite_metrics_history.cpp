#include "adapters/sqlite/sqlite_metrics_history.hpp"

#include "actors/core/analytics_core.hpp"
#include "adapters/sqlite/sqlite_lead_reader.hpp"

#include <exception>

namespace ringbid {

namespace {

metrics_report failed(const metrics_query& query, timestamp_us now, std::string error) {
  auto report = report_builder{query, now}.finish();
  report.error = std::move(error);
  return report;
}

} // namespace

sqlite_metrics_history::sqlite_metrics_history(std::string path) : path_(std::move(path)) {
  worker_ = std::thread([this] { run(); });
}

sqlite_metrics_history::~sqlite_metrics_history() { stop(); }

void sqlite_metrics_history::load(const metrics_query& query, timestamp_us now, done callback) {
  {
    std::lock_guard lock(mutex_);
    if (!stopping_) {
      jobs_.push_back(job{query, now, std::move(callback)});
      wake_.notify_one();
      return;
    }
  }
  callback(failed(query, now, "the history reader is stopped"));
}

void sqlite_metrics_history::stop() {
  std::deque<job> left;
  {
    std::lock_guard lock(mutex_);
    if (stopping_ && !worker_.joinable()) return;
    stopping_ = true;
    left.swap(jobs_);
    wake_.notify_one();
  }
  if (worker_.joinable()) worker_.join();
  for (auto& j : left) j.callback(failed(j.query, j.now, "the history reader is stopped"));
}

void sqlite_metrics_history::run() {
  for (;;) {
    job next;
    {
      std::unique_lock lock(mutex_);
      wake_.wait(lock, [this] { return stopping_ || !jobs_.empty(); });
      if (stopping_) return;
      next = std::move(jobs_.front());
      jobs_.pop_front();
    }
    next.callback(read(next));
  }
}

metrics_report sqlite_metrics_history::read(const job& j) {
  try {
    if (!reader_) {
      std::string error;
      reader_ = sqlite_lead_reader::open(path_, &error);
      if (!reader_) return failed(j.query, j.now, "cannot read the lead store: " + error);
    }
    report_builder builder{j.query, j.now};
    lead_query q;
    q.from = j.query.from;
    q.until = j.query.until;
    q.campaign_id = j.query.campaign_id;
    q.source_id = j.query.source_id;
    reader_->for_each_booked(q, [&](const booked_call& call) { builder.add(call); });
    return std::move(builder).finish();
  } catch (const std::exception& e) {
    reader_.reset(); // reopened by the next query
    return failed(j.query, j.now, e.what());
  }
}

} // namespace ringbid
