// Telnyx webhooks: parse_webhook for the engine, encode_webhook for the simulator.
#include "adapters/telnyx/telnyx_codec.hpp"

#include "adapters/json/utf8.hpp"
#include "adapters/telnyx/webhook_signature.hpp"

#include <rapidjson/document.h>
#include <rapidjson/error/en.h>
#include <rapidjson/stringbuffer.h>
#include <rapidjson/writer.h>

#include <array>

namespace ringbid {

namespace {

using json = rapidjson::Value;
using json_writer = rapidjson::Writer<rapidjson::StringBuffer>;

constexpr unsigned parse_flags = rapidjson::kParseValidateEncodingFlag | rapidjson::kParseIterativeFlag;

struct known_event {
  std::string_view type;
  std::optional<carrier_event_kind> kind; ///< nullopt: known, nothing to forward
};

constexpr std::array<known_event, 12> known_events{{
  {"call.initiated", carrier_event_kind::initiated},
  {"call.answered", carrier_event_kind::answered},
  {"call.bridged", carrier_event_kind::bridged},
  {"call.hangup", carrier_event_kind::hangup},
  {"call.speak.started", std::nullopt},
  {"call.speak.ended", carrier_event_kind::speak_ended},
  {"call.playback.started", std::nullopt},
  {"call.playback.ended", carrier_event_kind::playback_ended},
  {"call.dtmf.received", carrier_event_kind::dtmf},
  {"call.gather.ended", carrier_event_kind::gather_ended},
  {"call.recording.saved", carrier_event_kind::recording_saved},
  {"call.recording.error", carrier_event_kind::command_failed},
}};

const known_event* find_known(std::string_view type) {
  for (const auto& k : known_events)
    if (k.type == type) return &k;
  return nullptr;
}

hangup_cause cause_of(std::string_view text) {
  using c = hangup_cause;
  for (auto v : {c::normal_clearing, c::originator_cancel, c::call_rejected, c::timeout, c::time_limit, c::user_busy,
                 c::not_found, c::no_answer})
    if (to_string(v) == text) return v;
  return c::unspecified;
}

hangup_source source_of(std::string_view text) {
  if (text == "caller") return hangup_source::caller;
  if (text == "callee") return hangup_source::callee;
  return hangup_source::unknown;
}

// -- reading ------------------------------------------------------------------

const json* member(const json* obj, const char* key) {
  if (!obj || !obj->IsObject()) return nullptr;
  auto i = obj->FindMember(key);
  return i == obj->MemberEnd() ? nullptr : &i->value;
}

/// The string at `key`; empty when absent, null or not a string.
std::string text(const json* obj, const char* key) {
  auto v = member(obj, key);
  if (!v || !v->IsString()) return {};
  return {v->GetString(), v->GetStringLength()};
}

webhook_parse_error fail(webhook_error kind, std::string field, std::string message) {
  return {kind, std::move(field), std::move(message)};
}

/// Reads a required non-empty string into `into`, or says why it cannot.
std::optional<webhook_parse_error> required(const json* obj, const char* key, const std::string& path,
                                            std::string& into) {
  auto v = member(obj, key);
  if (!v || v->IsNull() || (v->IsString() && v->GetStringLength() == 0))
    return fail(webhook_error::missing_field, path, path + " is missing");
  if (!v->IsString()) return fail(webhook_error::invalid_field, path, path + " is not a string");
  into.assign(v->GetString(), v->GetStringLength());
  return std::nullopt;
}

void read_payload(const json* p, telnyx_webhook& w) {
  w.call_leg_id = text(p, "call_leg_id");
  w.call_session_id = text(p, "call_session_id");
  w.connection_id = text(p, "connection_id");
  w.client_state = base64_decode(text(p, "client_state")).value_or("");
  w.direction = text(p, "direction");
  w.state = text(p, "state");
  w.from = text(p, "from");
  w.to = text(p, "to");
  w.status = text(p, "status");
  w.digits = text(p, "digit");
  if (w.digits.empty()) w.digits = text(p, "digits");
  w.media_url = text(p, "media_url");
  w.reason = text(p, "reason");
  w.hangup_cause = text(p, "hangup_cause");
  w.hangup_source = text(p, "hangup_source");
  w.sip_hangup_cause = text(p, "sip_hangup_cause");
  w.channels = text(p, "channels");
  const json* urls = member(p, "recording_urls");
  const json* pub = member(p, "public_recording_urls");
  w.recording_mp3_url = text(urls, "mp3");
  if (w.recording_mp3_url.empty()) w.recording_mp3_url = text(pub, "mp3");
  w.recording_wav_url = text(urls, "wav");
  if (w.recording_wav_url.empty()) w.recording_wav_url = text(pub, "wav");
}

carrier_event normalize(const telnyx_webhook& w, carrier_event_kind kind,
                        const std::optional<engine_client_state>& state) {
  carrier_event ev;
  ev.kind = kind;
  ev.occurred_at = w.occurred_at;
  ev.carrier_call_id = state && !state->carrier_call_id.empty() ? state->carrier_call_id : w.call_control_id;
  if (state)
    ev.leg = state->leg;
  else if (kind == carrier_event_kind::initiated)
    ev.leg = w.direction == "incoming" ? call_leg::caller : call_leg::buyer;
  else if (w.direction == "outgoing")
    ev.leg = call_leg::buyer;
  switch (kind) {
    case carrier_event_kind::initiated:
      ev.from = w.from;
      ev.to = w.to;
      break;
    case carrier_event_kind::speak_ended:
    case carrier_event_kind::playback_ended: ev.detail = w.status; break;
    case carrier_event_kind::hangup:
      ev.cause = cause_of(w.hangup_cause);
      ev.source = source_of(w.hangup_source);
      break;
    case carrier_event_kind::recording_saved:
      ev.detail = w.recording_mp3_url.empty() ? w.recording_wav_url : w.recording_mp3_url;
      break;
    case carrier_event_kind::dtmf:
    case carrier_event_kind::gather_ended: ev.detail = w.digits; break;
    case carrier_event_kind::command_failed: // call.recording.error
      ev.failed_command = command_kind::record_start;
      ev.detail = w.reason.empty() ? "recording failed" : w.reason;
      break;
    case carrier_event_kind::answered:
    case carrier_event_kind::bridged: break;
  }
  return ev;
}

webhook_parse_result parse_document(const rapidjson::Document& doc) {
  if (!doc.IsObject()) return {fail(webhook_error::not_an_event, "", "the body is not a JSON object")};
  const json* data = member(&doc, "data");
  if (!data || !data->IsObject()) return {fail(webhook_error::not_an_event, "data", "no data object")};
  if (auto rt = member(data, "record_type"); rt && !rt->IsNull() && text(data, "record_type") != "event")
    return {fail(webhook_error::not_an_event, "data.record_type", "data.record_type is not \"event\"")};
  telnyx_webhook w;
  if (auto e = required(data, "id", "data.id", w.event_id)) return {std::move(*e)};
  if (auto e = required(data, "event_type", "data.event_type", w.event_type)) return {std::move(*e)};
  const known_event* known = find_known(w.event_type);
  w.known_type = known != nullptr;
  std::string at;
  auto at_error = required(data, "occurred_at", "data.occurred_at", at);
  auto occurred_at = parse_telnyx_time(at);
  w.occurred_at = occurred_at.value_or(0);
  const json* meta = member(&doc, "meta");
  if (auto a = member(meta, "attempt"); a && a->IsUint()) w.attempt = a->GetUint();
  w.delivered_to = text(meta, "delivered_to");
  const json* payload = member(data, "payload");
  if (payload && !payload->IsObject()) payload = nullptr;
  read_payload(payload, w);
  if (!known) { // acknowledged and ignored: take what is there
    w.call_control_id = text(payload, "call_control_id");
    return {std::move(w)};
  }
  if (at_error) return {std::move(*at_error)};
  if (!occurred_at)
    return {fail(webhook_error::invalid_field, "data.occurred_at", "data.occurred_at is not an ISO 8601 time")};
  if (!payload) return {fail(webhook_error::missing_field, "data.payload", "data.payload is missing")};
  auto state = decode_client_state(w.client_state);
  auto ccid_error = required(payload, "call_control_id", "data.payload.call_control_id", w.call_control_id);
  bool routed_by_state = w.event_type == "call.recording.saved" && state && !state->carrier_call_id.empty();
  if (ccid_error && !routed_by_state) return {std::move(*ccid_error)};
  if (w.event_type == "call.initiated" && w.direction.empty())
    return {fail(webhook_error::missing_field, "data.payload.direction", "data.payload.direction is missing")};
  if (known->kind) w.event = normalize(w, *known->kind, state);
  return {std::move(w)};
}

// -- writing ------------------------------------------------------------------

void put(json_writer& out, std::string_view s) {
  auto fixed = repair_utf8(s);
  std::string_view v = fixed ? std::string_view{*fixed} : s;
  out.String(v.data(), static_cast<rapidjson::SizeType>(v.size()), true);
}

/// "key": "value" when value is non-empty.
void put_if(json_writer& out, const char* key, std::string_view value) {
  if (value.empty()) return;
  out.Key(key);
  put(out, value);
}

void put_or_null(json_writer& out, const char* key, std::string_view value) {
  out.Key(key);
  if (value.empty())
    out.Null();
  else
    put(out, value);
}

void write_payload(json_writer& out, const telnyx_webhook& w) {
  out.StartObject();
  put_if(out, "call_control_id", w.call_control_id);
  put_if(out, "call_leg_id", w.call_leg_id);
  put_if(out, "call_session_id", w.call_session_id);
  put_if(out, "connection_id", w.connection_id);
  put_or_null(out, "client_state", w.client_state.empty() ? std::string{} : base64_encode(w.client_state));
  put_if(out, "direction", w.direction);
  put_if(out, "state", w.state);
  put_if(out, "from", w.from);
  put_if(out, "to", w.to);
  put_if(out, "status", w.status);
  put_if(out, w.event_type == "call.dtmf.received" ? "digit" : "digits", w.digits);
  put_if(out, "media_url", w.media_url);
  put_if(out, "reason", w.reason);
  put_if(out, "hangup_cause", w.hangup_cause);
  put_if(out, "hangup_source", w.hangup_source);
  put_if(out, "sip_hangup_cause", w.sip_hangup_cause);
  put_if(out, "channels", w.channels);
  if (!w.recording_mp3_url.empty() || !w.recording_wav_url.empty()) {
    out.Key("recording_urls");
    out.StartObject();
    put_or_null(out, "mp3", w.recording_mp3_url);
    put_or_null(out, "wav", w.recording_wav_url);
    out.EndObject();
    out.Key("public_recording_urls");
    out.StartObject();
    put_or_null(out, "mp3", {});
    put_or_null(out, "wav", {});
    out.EndObject();
  }
  out.EndObject();
}

} // namespace

std::string_view to_string(webhook_error e) noexcept {
  switch (e) {
    case webhook_error::too_large: return "too_large";
    case webhook_error::malformed_json: return "malformed_json";
    case webhook_error::not_an_event: return "not_an_event";
    case webhook_error::missing_field: return "missing_field";
    case webhook_error::invalid_field: return "invalid_field";
  }
  return "?";
}

webhook_parse_result parse_webhook(std::string_view body) {
  if (body.size() > max_webhook_bytes)
    return {
      fail(webhook_error::too_large, "", "the body is longer than " + std::to_string(max_webhook_bytes) + " bytes")};
  rapidjson::Document doc;
  doc.Parse<parse_flags>(body.data(), body.size());
  if (doc.HasParseError())
    return {fail(webhook_error::malformed_json, "",
                 std::string{"malformed JSON at offset "} + std::to_string(doc.GetErrorOffset()) + ": " +
                   rapidjson::GetParseError_En(doc.GetParseError()))};
  return parse_document(doc);
}

std::string encode_webhook(const telnyx_webhook& w) {
  rapidjson::StringBuffer buf;
  json_writer out{buf};
  out.StartObject();
  out.Key("data");
  out.StartObject();
  put_or_null(out, "event_type", w.event_type);
  put_or_null(out, "id", w.event_id);
  out.Key("occurred_at");
  put(out, format_telnyx_time(w.occurred_at));
  out.Key("record_type");
  out.String("event");
  out.Key("payload");
  write_payload(out, w);
  out.EndObject();
  out.Key("meta");
  out.StartObject();
  out.Key("attempt");
  out.Uint(w.attempt);
  put_if(out, "delivered_to", w.delivered_to);
  out.EndObject();
  out.EndObject();
  return {buf.GetString(), buf.GetSize()};
}

} // namespace ringbid
