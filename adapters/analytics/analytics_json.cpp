#include "adapters/analytics/analytics_json.hpp"

#include "actors/core/analytics_core.hpp"

#include <rapidjson/stringbuffer.h>
#include <rapidjson/writer.h>

namespace ringbid {

namespace {

using json_writer = rapidjson::Writer<rapidjson::StringBuffer>;

void text(json_writer& w, const char* key, const std::string& value) {
  w.Key(key);
  w.String(value.data(), static_cast<rapidjson::SizeType>(value.size()));
}

void integer(json_writer& w, const char* key, int64_t value) {
  w.Key(key);
  w.Int64(value);
}

void count(json_writer& w, const char* key, uint64_t value) {
  w.Key(key);
  w.Uint64(value);
}

/// Instants as ISO 8601 UTC with milliseconds.
void instant(json_writer& w, const char* key, timestamp_us t) { text(w, key, format_iso8601(t)); }

void write_card(json_writer& w, const call_card& c) {
  w.StartObject();
  text(w, "id", c.id.to_string());
  text(w, "campaign", c.campaign_id);
  text(w, "source", c.source_id);
  text(w, "state", std::string(to_string(c.state)));
  integer(w, "since_ms", c.since / us_per_ms);
  integer(w, "started_ms", c.started_at / us_per_ms);
  text(w, "buyer", c.buyer_id);
  integer(w, "bid_micros", c.bid_micros);
  text(w, "outcome", std::string(to_string(c.outcome)));
  w.EndObject();
}

void write_ids(json_writer& w, const char* key, const std::vector<std::string>& ids) {
  w.Key(key);
  w.StartArray();
  for (const auto& id : ids) w.String(id.data(), static_cast<rapidjson::SizeType>(id.size()));
  w.EndArray();
}

void write_buyers(json_writer& w, const metrics_figures& f) {
  w.Key("buyers");
  w.StartArray();
  for (const auto& [id, b] : f.buyers) {
    w.StartObject();
    text(w, "buyer_id", id);
    count(w, "won", b.won);
    count(w, "offered", b.offered);
    count(w, "answered", b.answered);
    w.Key("answer_rate");
    w.Double(b.offered == 0 ? 0.0 : double(b.answered) / double(b.offered));
    integer(w, "revenue_micros", b.revenue_micros);
    w.EndObject();
  }
  w.EndArray();
}

void write_latency(json_writer& w, const metrics_figures& f) {
  w.Key("auction_latency_ms");
  auto summary = summarize_latency(f.latency_ms);
  if (!summary) {
    w.Null();
    return;
  }
  w.StartObject();
  count(w, "count", summary->count);
  integer(w, "p50", summary->p50);
  integer(w, "p90", summary->p90);
  integer(w, "p99", summary->p99);
  integer(w, "max", summary->max);
  w.EndObject();
}

uint64_t state_count(const metrics_report& r, call_state s) {
  auto i = static_cast<size_t>(s);
  return i < r.active.size() ? r.active[i] : 0;
}

} // namespace

std::string report_json(const metrics_report& r, const known_ids& ids, bool money) {
  rapidjson::StringBuffer buffer;
  json_writer w(buffer);
  const auto& f = r.figures;
  w.StartObject();
  instant(w, "from", r.query.from);
  instant(w, "to", r.query.until);
  text(w, "campaign", r.query.campaign_id);
  text(w, "source", r.query.source_id);
  instant(w, "generated_at", r.generated_at);
  w.Key("calls");
  w.StartObject();
  count(w, "total", f.total);
  count(w, "answered", f.answered);
  count(w, "missed", f.missed);
  count(w, "abandoned", f.abandoned);
  count(w, "other", f.other);
  count(w, "paused", f.paused);
  w.EndObject();
  w.Key("active");
  w.StartObject();
  uint64_t live = 0;
  for (auto s : {call_state::greeting, call_state::hold, call_state::auction, call_state::bridged, call_state::ending})
    live += state_count(r, s);
  count(w, "total", live);
  for (auto s : {call_state::greeting, call_state::hold, call_state::auction, call_state::bridged, call_state::ending})
    count(w, std::string(to_string(s)).c_str(), state_count(r, s));
  w.EndObject();
  w.Key("talk");
  w.StartObject();
  integer(w, "total_ms", f.talk_ms);
  integer(w, "average_ms", f.answered == 0 ? 0 : f.talk_ms / static_cast<int64_t>(f.answered));
  w.EndObject();
  if (money) {
    w.Key("money");
    w.StartObject();
    integer(w, "revenue_micros", f.revenue_micros);
    integer(w, "payout_micros", f.payout_micros);
    integer(w, "profit_micros", f.revenue_micros - f.payout_micros);
    w.EndObject();
    write_buyers(w, f);
  }
  write_latency(w, f);
  w.Key("per_minute");
  w.StartArray();
  for (const auto& m : r.per_minute) {
    w.StartObject();
    instant(w, "minute", m.minute);
    count(w, "total", m.total);
    count(w, "answered", m.answered);
    w.EndObject();
  }
  w.EndArray();
  w.Key("recent");
  w.StartArray();
  for (const auto& c : r.recent) {
    w.StartObject();
    text(w, "id", c.id.to_string());
    instant(w, "started_at", c.started_at);
    text(w, "campaign", c.campaign_id);
    text(w, "source", c.source_id);
    if (money) text(w, "buyer", c.buyer_id);
    text(w, "outcome", std::string(to_string(c.outcome)));
    integer(w, "talk_ms", c.talk_ms);
    if (money) {
      integer(w, "bid_micros", c.bid_micros);
      integer(w, "revenue_micros", c.revenue_micros);
      integer(w, "payout_micros", c.payout_micros);
    }
    w.EndObject();
  }
  w.EndArray();
  write_ids(w, "campaigns", ids.campaigns);
  write_ids(w, "sources", ids.sources);
  w.EndObject();
  return {buffer.GetString(), buffer.GetSize()};
}

std::string card_json(const call_card& card) {
  rapidjson::StringBuffer buffer;
  json_writer w(buffer);
  write_card(w, card);
  return {buffer.GetString(), buffer.GetSize()};
}

std::string board_json(timestamp_us generated_at, const std::vector<call_card>& cards) {
  rapidjson::StringBuffer buffer;
  json_writer w(buffer);
  w.StartObject();
  integer(w, "generated_at_ms", generated_at / us_per_ms);
  w.Key("calls");
  w.StartArray();
  for (const auto& c : cards) write_card(w, c);
  w.EndArray();
  w.EndObject();
  return {buffer.GetString(), buffer.GetSize()};
}

std::string error_json(const std::string& message) {
  rapidjson::StringBuffer buffer;
  json_writer w(buffer);
  w.StartObject();
  text(w, "error", message);
  w.EndObject();
  return {buffer.GetString(), buffer.GetSize()};
}

} // namespace ringbid
