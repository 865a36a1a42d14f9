// Telnyx call information: call status and active calls (see the header).
#include "adapters/telnyx/telnyx_call_info.hpp"

#include "adapters/http/http_query.hpp"
#include "adapters/json/utf8.hpp"
#include "adapters/telnyx/percent_encoding.hpp"
#include "adapters/telnyx/telnyx_codec.hpp"
#include "adapters/telnyx/webhook_signature.hpp"

#include <rapidjson/document.h>
#include <rapidjson/error/en.h>
#include <rapidjson/stringbuffer.h>
#include <rapidjson/writer.h>

namespace ringbid {

namespace {

using json = rapidjson::Value;
using json_writer = rapidjson::Writer<rapidjson::StringBuffer>;

constexpr unsigned parse_flags = rapidjson::kParseValidateEncodingFlag | rapidjson::kParseIterativeFlag;
constexpr std::string_view calls_prefix = "/v2/calls/";
constexpr std::string_view connections_prefix = "/v2/connections/";
constexpr std::string_view active_calls_suffix = "/active_calls";

std::string_view text_of(const json& v) { return {v.GetString(), v.GetStringLength()}; }

/// A single path segment, percent-decoded; nullopt if empty or with a '/'.
std::optional<std::string> segment(std::string_view text) {
  if (text.empty() || text.find('/') != std::string_view::npos) return std::nullopt;
  auto id = percent_decode(text);
  if (!id || id->empty()) return std::nullopt;
  return id;
}

void put_text(json_writer& out, const char* key, std::string_view value) {
  auto fixed = repair_utf8(value);
  std::string_view v = fixed ? std::string_view{*fixed} : value;
  out.Key(key);
  out.String(v.data(), static_cast<rapidjson::SizeType>(v.size()), true);
}

void put_text_or_null(json_writer& out, const char* key, std::string_view value) {
  if (value.empty()) {
    out.Key(key);
    out.Null();
  } else {
    put_text(out, key, value);
  }
}

void put_time(json_writer& out, const char* key, timestamp_us t) {
  put_text_or_null(out, key, t == 0 ? std::string{} : format_telnyx_time(t));
}

/// The fields every call record has; `full` adds is_alive and the times.
void put_call(json_writer& out, const telnyx_call_info& c, bool full) {
  out.StartObject();
  put_text(out, "call_control_id", c.call_control_id);
  put_text(out, "call_leg_id", c.call_leg_id);
  put_text(out, "call_session_id", c.call_session_id);
  put_text_or_null(out, "client_state", c.client_state.empty() ? std::string{} : base64_encode(c.client_state));
  if (full) {
    out.Key("is_alive");
    out.Bool(c.is_alive);
  }
  out.Key("call_duration");
  out.Int64(c.call_duration_s);
  if (full) {
    put_time(out, "start_time", c.start_time);
    put_time(out, "end_time", c.end_time);
  }
  put_text(out, "record_type", "call");
  out.EndObject();
}

std::string finish(rapidjson::StringBuffer& buf) { return {buf.GetString(), buf.GetSize()}; }

/// Parses `body` as a JSON object into `doc`; the error text otherwise.
std::optional<std::string> parse_object(std::string_view body, rapidjson::Document& doc) {
  if (body.size() > max_webhook_bytes) return "the body is too large";
  doc.Parse<parse_flags>(body.data(), body.size());
  if (doc.HasParseError()) return std::string{"malformed JSON: "} + rapidjson::GetParseError_En(doc.GetParseError());
  if (!doc.IsObject()) return "the body is not a JSON object";
  return std::nullopt;
}

/// `obj[key]`, or nullptr when absent.
const json* member(const json& obj, const char* key) {
  auto i = obj.FindMember(key);
  return i == obj.MemberEnd() ? nullptr : &i->value;
}

/// An ISO-8601 time, null or absent (0); an error text for anything else.
std::optional<std::string> read_time(const json& data, const char* key, timestamp_us& out) {
  const json* v = member(data, key);
  if (!v || v->IsNull()) return std::nullopt;
  if (!v->IsString()) return std::string{"data."} + key + " is not a string";
  auto t = parse_telnyx_time(text_of(*v));
  if (!t) return std::string{"data."} + key + " is not an ISO-8601 time: " + std::string{text_of(*v)};
  out = *t;
  return std::nullopt;
}

call_status_reading failed(std::string error) { return {std::nullopt, std::move(error)}; }

call_status_reading read_status_body(std::string_view body, std::string_view asked_id) {
  rapidjson::Document doc;
  if (auto e = parse_object(body, doc)) return failed(*e);
  const json& root = doc;
  const json* data = member(root, "data");
  if (!data || !data->IsObject()) return failed("no data object");
  const json* id = member(*data, "call_control_id");
  if (!id) return failed("data.call_control_id is missing");
  if (!id->IsString()) return failed("data.call_control_id is not a string");
  if (!asked_id.empty() && text_of(*id) != asked_id)
    return failed("data.call_control_id names another call: " + std::string{text_of(*id)});
  if (const json* type = member(*data, "record_type"); type && (!type->IsString() || text_of(*type) != "call"))
    return failed("data.record_type is not \"call\"");
  const json* alive = member(*data, "is_alive");
  if (!alive) return failed("data.is_alive is missing");
  if (!alive->IsBool()) return failed("data.is_alive is not a boolean");
  carrier_call_status s;
  s.state = alive->GetBool() ? carrier_call_status::liveness::alive : carrier_call_status::liveness::ended;
  if (const json* d = member(*data, "call_duration"); d && !d->IsNull()) {
    if (!d->IsInt64() || d->GetInt64() < 0) return failed("data.call_duration is not a whole number of seconds");
    s.duration_s = d->GetInt64();
  }
  if (auto e = read_time(*data, "start_time", s.start_time)) return failed(*e);
  if (auto e = read_time(*data, "end_time", s.end_time)) return failed(*e);
  return {s, {}};
}

} // namespace

// -- paths ------------------------------------------------------------------------

std::string call_status_path(std::string_view call_control_id) {
  return std::string{calls_prefix} + percent_encode(call_control_id);
}

std::string active_calls_path(std::string_view connection_id, std::string_view after, int limit) {
  auto path = std::string{connections_prefix} + percent_encode(connection_id) + std::string{active_calls_suffix};
  path += "?page%5Blimit%5D=" + std::to_string(limit);
  if (!after.empty()) path += "&page%5Bafter%5D=" + percent_encode(after);
  return path;
}

std::optional<std::string> call_id_of_status_path(std::string_view path) {
  path = path.substr(0, path.find('?'));
  if (!path.starts_with(calls_prefix)) return std::nullopt;
  return segment(path.substr(calls_prefix.size()));
}

std::optional<std::string> connection_of_active_calls_path(std::string_view path) {
  path = path.substr(0, path.find('?'));
  if (!path.starts_with(connections_prefix) || !path.ends_with(active_calls_suffix)) return std::nullopt;
  auto middle = path.substr(connections_prefix.size());
  if (middle.size() < active_calls_suffix.size()) return std::nullopt;
  return segment(middle.substr(0, middle.size() - active_calls_suffix.size()));
}

// -- writing ------------------------------------------------------------------------

std::string encode_call_status(const telnyx_call_info& call) {
  rapidjson::StringBuffer buf;
  json_writer out{buf};
  out.StartObject();
  out.Key("data");
  put_call(out, call, true);
  out.EndObject();
  return finish(buf);
}

std::string encode_active_calls(const telnyx_active_calls_page& page) {
  rapidjson::StringBuffer buf;
  json_writer out{buf};
  out.StartObject();
  out.Key("data");
  out.StartArray();
  for (const auto& c : page.calls) put_call(out, c, false);
  out.EndArray();
  out.Key("meta");
  out.StartObject();
  out.Key("cursors");
  out.StartObject();
  if (!page.after.empty()) put_text(out, "after", page.after);
  if (!page.before.empty()) put_text(out, "before", page.before);
  out.EndObject();
  out.Key("total_items");
  out.Uint64(page.total_items);
  if (!page.next.empty()) put_text(out, "next", page.next);
  if (!page.previous.empty()) put_text(out, "previous", page.previous);
  out.EndObject();
  out.EndObject();
  return finish(buf);
}

// -- reading ------------------------------------------------------------------------

call_status_reading read_call_status(int http_status, std::string_view body, std::string_view asked_id) {
  if (http_status == 200) return read_status_body(body, asked_id);
  auto outcome = parse_command_error(http_status, body);
  if (http_status == 422 && outcome.code == "90015") {
    carrier_call_status s;
    s.state = carrier_call_status::liveness::unknown;
    return {s, {}};
  }
  if (outcome.kind == command_outcome_kind::call_ended) {
    carrier_call_status s;
    s.state = carrier_call_status::liveness::ended;
    return {s, {}};
  }
  return failed("HTTP " + std::to_string(http_status) + ": " + outcome.detail);
}

active_calls_reading read_active_calls(int http_status, std::string_view body) {
  active_calls_reading out;
  if (http_status != 200) {
    out.error = "HTTP " + std::to_string(http_status) + ": " + parse_command_error(http_status, body).detail;
    return out;
  }
  rapidjson::Document doc;
  if (auto e = parse_object(body, doc)) {
    out.error = *e;
    return out;
  }
  const json& root = doc;
  const json* data = member(root, "data");
  if (!data || !data->IsArray()) {
    out.error = "no data array";
    return out;
  }
  for (const auto& entry : data->GetArray()) {
    const json* id = entry.IsObject() ? member(entry, "call_control_id") : nullptr;
    if (!id || !id->IsString() || id->GetStringLength() == 0) {
      out.error = "an entry of data has no call_control_id string";
      return out;
    }
    active_call_entry call{std::string{text_of(*id)}, call_leg::caller};
    if (const json* state = member(entry, "client_state"); state && !state->IsNull()) {
      if (!state->IsString()) {
        out.error = "client_state of " + call.call_control_id + " is not a string";
        return out;
      }
      auto decoded = base64_decode(text_of(*state));
      auto engine = decoded ? decode_client_state(*decoded) : std::nullopt;
      if (engine) call.leg = engine->leg;
    }
    out.calls.push_back(std::move(call));
  }
  out.ok = true;
  const json* meta = member(root, "meta");
  if (!meta || !meta->IsObject() || out.calls.empty()) return out;
  const json* next = member(*meta, "next");
  if (!next || !next->IsString() || next->GetStringLength() == 0) return out;
  if (const json* cursors = member(*meta, "cursors"); cursors && cursors->IsObject())
    if (const json* after = member(*cursors, "after"); after && after->IsString() && after->GetStringLength() > 0) {
      out.next_after = std::string{text_of(*after)};
      return out;
    }
  auto next_text = text_of(*next);
  auto q = next_text.find('?');
  auto params = q == std::string_view::npos ? std::nullopt : parse_query(next_text.substr(q + 1));
  out.next_after = params ? param(*params, "page[after]") : std::string{};
  if (out.next_after.empty()) {
    out.ok = false;
    out.calls.clear();
    out.error = "meta.next without a cursor: " + std::string{next_text};
  }
  return out;
}

} // namespace ringbid
