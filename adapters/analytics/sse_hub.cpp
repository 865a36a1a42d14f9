#include "adapters/analytics/sse_hub.hpp"

#include <fmt/format.h>

#include <algorithm>

namespace ringbid {

namespace {

std::string frame(uint64_t id, std::string_view kind, const std::string& data) {
  return fmt::format("id: {}\nevent: {}\ndata: {}\n\n", id, kind, data);
}

bool on_board(call_state s) { return s != call_state::ending && s != call_state::done; }

} // namespace

sse_hub::sse_hub(sse_hub_options options) : options_(std::move(options)) {
  if (!options_.now) options_.now = [] { return timestamp_us{0}; };
  // Ids go on from one run of the node to the next (they start at the clock's
  // microseconds), so a client of a previous run is never mistaken for one
  // that is up to date.
  next_id_ = static_cast<uint64_t>(std::max<timestamp_us>(options_.now(), 0)) + 1;
}

bool sse_hub::wants(const subscriber& s, const event& e) {
  if (e.metrics) return s.filter == e.subject;
  return s.filter.matches(e.subject.campaign_id, e.subject.source_id);
}

std::string sse_hub::board_frame(const metrics_filter& filter) const {
  std::vector<call_card> cards;
  for (const auto& [id, card] : board_)
    if (filter.matches(card.campaign_id, card.source_id)) cards.push_back(card);
  std::sort(cards.begin(), cards.end(), started_earlier);
  // The board carries the id of the latest event it includes.
  return frame(next_id_ - 1, "board", board_json(options_.now(), cards));
}

void sse_hub::subscribe(std::shared_ptr<http_stream> stream, metrics_filter filter,
                        std::optional<uint64_t> last_event_id) {
  std::lock_guard lock(mutex_);
  std::string hello = fmt::format("retry: {}\n\n", options_.retry_ms);
  bool replay = last_event_id && *last_event_id < next_id_ &&
                (replay_.empty() ? *last_event_id + 1 >= next_id_ : *last_event_id + 1 >= replay_.front().id);
  subscriber s{std::move(stream), std::move(filter)};
  if (replay) {
    ++stats_.resumed;
    for (const auto& e : replay_)
      if (e.id > *last_event_id && wants(s, e)) hello += e.frame;
  } else {
    if (last_event_id) ++stats_.reset;
    hello += board_frame(s.filter);
  }
  if (!s.stream->send(std::move(hello))) {
    ++stats_.dropped;
    return;
  }
  ++stats_.subscribed;
  subscribers_.push_back(std::move(s));
}

void sse_hub::publish(event e) {
  ++stats_.events;
  for (auto& s : subscribers_) {
    if (s.stream && !s.stream->open()) {
      s.stream.reset(); // the client left
      ++stats_.dropped;
    }
    if (!s.stream || !wants(s, e)) continue;
    if (s.stream->send(e.frame)) {
      ++stats_.frames_sent;
    } else {
      s.stream.reset(); // closed, gone, or too slow: the server has dropped it
      ++stats_.dropped;
    }
  }
  std::erase_if(subscribers_, [](const subscriber& s) { return !s.stream; });
  replay_.push_back(std::move(e));
  while (replay_.size() > options_.replay_events) replay_.pop_front();
}

void sse_hub::call_changed(const call_card& card) {
  std::lock_guard lock(mutex_);
  if (on_board(card.state))
    board_[card.id] = card;
  else
    board_.erase(card.id);
  auto id = next_id_++;
  publish(event{id, false, metrics_filter{card.campaign_id, card.source_id}, frame(id, "call", card_json(card))});
}

std::vector<std::pair<std::string, std::string>> sse_hub::watched_filters() const {
  std::lock_guard lock(mutex_);
  std::vector<std::pair<std::string, std::string>> out;
  for (const auto& s : subscribers_) {
    if (!s.stream || !s.stream->open()) continue;
    std::pair<std::string, std::string> f{s.filter.campaign_id, s.filter.source_id};
    if (std::find(out.begin(), out.end(), f) == out.end()) out.push_back(std::move(f));
  }
  return out;
}

void sse_hub::snapshot(const metrics_report& report) {
  auto data = report_json(report, options_.ids_now ? options_.ids_now()
                                                   : options_.ids); // outside the lock: the biggest piece of work
  std::lock_guard lock(mutex_);
  auto id = next_id_++;
  publish(
    event{id, true, metrics_filter{report.query.campaign_id, report.query.source_id}, frame(id, "metrics", data)});
}

void sse_hub::close_all() {
  std::lock_guard lock(mutex_);
  for (auto& s : subscribers_)
    if (s.stream) s.stream->close();
  subscribers_.clear();
}

sse_hub_stats sse_hub::statistics() const {
  std::lock_guard lock(mutex_);
  auto out = stats_;
  out.subscribers = subscribers_.size();
  return out;
}

uint64_t sse_hub::last_event_id() const {
  std::lock_guard lock(mutex_);
  return next_id_ - 1;
}

} // namespace ringbid
