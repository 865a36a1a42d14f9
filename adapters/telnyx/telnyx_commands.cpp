// Telnyx REST commands: encoding for the engine, parsing for the simulator.
// Responses to commands live in telnyx_responses.cpp.
#include "adapters/telnyx/telnyx_codec.hpp"

#include "adapters/json/utf8.hpp"
#include "adapters/telnyx/percent_encoding.hpp"
#include "adapters/telnyx/webhook_signature.hpp"

#include <rapidjson/document.h>
#include <rapidjson/error/en.h>
#include <rapidjson/stringbuffer.h>
#include <rapidjson/writer.h>

#include <algorithm>
#include <array>

namespace ringbid {

namespace {

using json = rapidjson::Value;
using json_writer = rapidjson::Writer<rapidjson::StringBuffer>;

constexpr unsigned parse_flags = rapidjson::kParseValidateEncodingFlag | rapidjson::kParseIterativeFlag;
constexpr std::string_view path_prefix = "/v2/calls/";
constexpr std::string_view actions_infix = "/actions/";
constexpr int32_t min_transfer_timeout_s = 5;
constexpr int32_t max_transfer_timeout_s = 600;

constexpr std::array<std::pair<command_kind, std::string_view>, 8> actions{{
  {command_kind::answer, "answer"},
  {command_kind::speak, "speak"},
  {command_kind::play, "playback_start"},
  {command_kind::stop_play, "playback_stop"},
  {command_kind::transfer, "transfer"},
  {command_kind::record_start, "record_start"},
  {command_kind::record_stop, "record_stop"},
  {command_kind::hangup, "hangup"},
}};

std::string_view text_of(const json& v) { return {v.GetString(), v.GetStringLength()}; }

// -- paths ----------------------------------------------------------------------

std::string action_path(std::string_view call_control_id, std::string_view action) {
  std::string path{path_prefix};
  path += percent_encode(call_control_id);
  path += actions_infix;
  path += action;
  return path;
}

// -- writing ------------------------------------------------------------------

void put(json_writer& out, std::string_view s) {
  auto fixed = repair_utf8(s);
  std::string_view v = fixed ? std::string_view{*fixed} : s;
  out.String(v.data(), static_cast<rapidjson::SizeType>(v.size()), true);
}

void put(json_writer& out, const char* key, std::string_view value) {
  out.Key(key);
  put(out, value);
}

void put_if(json_writer& out, const char* key, std::string_view value) {
  if (!value.empty()) put(out, key, value);
}

/// command_id (omitted when nil: a shared nil id would make Telnyx drop every
/// later command on the call as a duplicate) and client_state.
void put_common(json_writer& out, const uuid& command_id, std::string_view client_state_json) {
  if (!command_id.is_nil()) put(out, "command_id", command_id.to_string());
  if (!client_state_json.empty()) put(out, "client_state", base64_encode(client_state_json));
}

std::string finish(rapidjson::StringBuffer& buf) { return {buf.GetString(), buf.GetSize()}; }

// -- parsing --------------------------------------------------------------------

command_parse_error fail(command_parse_error_kind kind, std::string field, std::string message) {
  return {kind, std::move(field), std::move(message)};
}

struct required_fields {
  std::string_view action;
  std::array<const char*, 3> any_of; ///< at least one must be a non-empty string
  std::array<const char*, 2> all_of; ///< each must be a non-empty string
};

constexpr std::array<required_fields, 5> requirements{{
  {"speak", {"payload", nullptr, nullptr}, {"voice", nullptr}},
  {"playback_start", {"audio_url", "media_name", "playback_content"}, {nullptr, nullptr}},
  {"transfer", {"to", nullptr, nullptr}, {nullptr, nullptr}},
  {"record_start", {"format", nullptr, nullptr}, {"channels", nullptr}},
  {"gather_using_speak", {"payload", nullptr, nullptr}, {"voice", nullptr}},
}};

/// Checks the action's required fields; the error names the first one missing.
std::optional<command_parse_error> check_required(const rapidjson::Document& doc, std::string_view action) {
  auto present = [&doc](const char* key) {
    auto i = doc.FindMember(key);
    return i != doc.MemberEnd() && i->value.IsString() && i->value.GetStringLength() > 0;
  };
  for (const auto& r : requirements) {
    if (r.action != action) continue;
    if (std::none_of(r.any_of.begin(), r.any_of.end(), [&](const char* k) { return k && present(k); }))
      return fail(command_parse_error_kind::missing_field, r.any_of[0],
                  std::string{action} + " requires " + r.any_of[0]);
    for (const char* k : r.all_of)
      if (k && !present(k))
        return fail(command_parse_error_kind::missing_field, k, std::string{action} + " requires " + k);
  }
  return std::nullopt;
}

/// Reads the top-level scalars into `fields` and checks the types of the
/// members the codec interprets.
std::optional<command_parse_error> read_fields(const rapidjson::Document& doc, telnyx_command& cmd) {
  for (const auto& m : doc.GetObject()) {
    std::string key{text_of(m.name)};
    const json& v = m.value;
    if (v.IsString()) {
      cmd.fields[key] = std::string{text_of(v)};
    } else if (!v.IsObject() && !v.IsArray()) {
      rapidjson::StringBuffer buf;
      json_writer out{buf};
      v.Accept(out); // a scalar: no recursion
      cmd.fields[key] = finish(buf);
    }
  }
  auto decoded = [&](const char* key, std::string& into) -> std::optional<command_parse_error> {
    auto i = doc.FindMember(key);
    if (i == doc.MemberEnd() || i->value.IsNull()) return std::nullopt;
    auto bytes = i->value.IsString() ? base64_decode(text_of(i->value)) : std::nullopt;
    if (!bytes) return fail(command_parse_error_kind::invalid_field, key, std::string{key} + " must be Base64");
    into = std::move(*bytes);
    return std::nullopt;
  };
  if (auto e = decoded("client_state", cmd.client_state)) return e;
  if (auto e = decoded("target_leg_client_state", cmd.target_leg_client_state)) return e;
  if (auto i = doc.FindMember("command_id"); i != doc.MemberEnd()) {
    if (!i->value.IsString())
      return fail(command_parse_error_kind::invalid_field, "command_id", "command_id must be a string");
    cmd.command_id = std::string{text_of(i->value)};
  }
  if (auto i = doc.FindMember("timeout_secs"); i != doc.MemberEnd() && !i->value.IsInt())
    return fail(command_parse_error_kind::invalid_field, "timeout_secs", "timeout_secs must be an integer");
  return std::nullopt;
}

carrier_command to_carrier_command(const rapidjson::Document& doc, const telnyx_command& t, command_kind kind) {
  auto field = [&t](std::string_view key) -> std::string {
    auto i = t.fields.find(key);
    return i == t.fields.end() ? std::string{} : i->second;
  };
  carrier_command c;
  c.carrier_call_id = t.call_control_id;
  c.kind = kind;
  c.command_id = uuid::parse(t.command_id).value_or(uuid{});
  auto state = decode_client_state(kind == command_kind::transfer ? t.target_leg_client_state : t.client_state);
  if (!state) state = decode_client_state(t.client_state);
  if (state) c.call = uuid::parse(state->call).value_or(uuid{});
  switch (kind) {
    case command_kind::speak:
      c.payload = field("payload");
      c.voice = field("voice");
      c.language = field("language");
      break;
    case command_kind::play:
      c.payload = field("audio_url");
      if (c.payload.empty()) c.payload = field("media_name");
      c.loop = field("loop") == "infinity";
      break;
    case command_kind::transfer:
      c.payload = field("to");
      c.from = field("from");
      if (auto i = doc.FindMember("timeout_secs"); i != doc.MemberEnd()) c.timeout_secs = i->value.GetInt();
      break;
    case command_kind::answer:
    case command_kind::stop_play:
    case command_kind::record_start:
    case command_kind::record_stop:
    case command_kind::hangup: break;
  }
  return c;
}

} // namespace

// -- actions ----------------------------------------------------------------------

std::string_view telnyx_action(command_kind k) noexcept {
  for (const auto& [kind, name] : actions)
    if (kind == k) return name;
  return "?";
}

std::optional<command_kind> command_kind_of_action(std::string_view action) noexcept {
  for (const auto& [kind, name] : actions)
    if (name == action) return kind;
  return std::nullopt;
}

telnyx_request encode_command(const carrier_command& cmd, std::string_view client_state_json) {
  rapidjson::StringBuffer buf;
  json_writer out{buf};
  out.StartObject();
  switch (cmd.kind) {
    case command_kind::speak:
      put(out, "payload", cmd.payload);
      put(out, "voice", cmd.voice.empty() ? std::string_view{"female"} : std::string_view{cmd.voice});
      put_if(out, "language", cmd.language);
      break;
    case command_kind::play:
      put(out, "audio_url", cmd.payload);
      if (cmd.loop) put(out, "loop", "infinity");
      break;
    case command_kind::transfer:
      put(out, "to", cmd.payload);
      put_if(out, "from", cmd.from);
      if (cmd.timeout_secs > 0) {
        out.Key("timeout_secs");
        out.Int(std::clamp(cmd.timeout_secs, min_transfer_timeout_s, max_transfer_timeout_s));
      }
      put(out, "target_leg_client_state",
          base64_encode(encode_client_state(cmd.call.to_string(), call_leg::buyer, cmd.carrier_call_id)));
      break;
    case command_kind::record_start:
      put(out, "format", "mp3");
      put(out, "channels", "dual");
      break;
    case command_kind::answer:
    case command_kind::stop_play:
    case command_kind::record_stop:
    case command_kind::hangup: break;
  }
  put_common(out, cmd.command_id, client_state_json);
  out.EndObject();
  return {action_path(cmd.carrier_call_id, telnyx_action(cmd.kind)), finish(buf)};
}

telnyx_request encode_gather_using_speak(std::string_view call_control_id, const uuid& command_id,
                                         const gather_using_speak_options& o, std::string_view client_state_json) {
  rapidjson::StringBuffer buf;
  json_writer out{buf};
  out.StartObject();
  put(out, "payload", o.payload);
  put(out, "voice", o.voice);
  put_if(out, "language", o.language);
  put_if(out, "invalid_payload", o.invalid_payload);
  const std::array<std::pair<const char*, int32_t>, 5> numbers{{
    {"minimum_digits", o.minimum_digits},
    {"maximum_digits", o.maximum_digits},
    {"maximum_tries", o.maximum_tries},
    {"timeout_millis", o.timeout_millis},
    {"inter_digit_timeout_millis", o.inter_digit_timeout_millis},
  }};
  for (const auto& [key, value] : numbers) {
    out.Key(key);
    out.Int(value);
  }
  put(out, "terminating_digit", o.terminating_digit);
  put(out, "valid_digits", o.valid_digits);
  put_common(out, command_id, client_state_json);
  out.EndObject();
  return {action_path(call_control_id, "gather_using_speak"), finish(buf)};
}

command_parse_result parse_command(std::string_view path, std::string_view body) {
  path = path.substr(0, path.find('?'));
  auto bad_path = [path] {
    return command_parse_result{
      fail(command_parse_error_kind::bad_path, "", "not /v2/calls/{id}/actions/{action}: " + std::string{path})};
  };
  auto infix = path.find(actions_infix);
  if (!path.starts_with(path_prefix) || infix == std::string_view::npos || infix < path_prefix.size())
    return bad_path();
  auto id_text = path.substr(path_prefix.size(), infix - path_prefix.size());
  auto action = path.substr(infix + actions_infix.size());
  auto id = percent_decode(id_text);
  if (!id || id->empty() || id_text.find('/') != std::string_view::npos || action.empty() ||
      action.find('/') != std::string_view::npos)
    return bad_path();
  telnyx_command cmd;
  cmd.call_control_id = std::move(*id);
  cmd.action = std::string{action};
  rapidjson::Document doc;
  if (body.size() > max_webhook_bytes)
    return {fail(command_parse_error_kind::malformed_json, "", "the body is too large")};
  if (body.empty())
    doc.SetObject(); // e.g. a bare hangup
  else
    doc.Parse<parse_flags>(body.data(), body.size());
  if (doc.HasParseError())
    return {fail(command_parse_error_kind::malformed_json, "",
                 std::string{"malformed JSON: "} + rapidjson::GetParseError_En(doc.GetParseError()))};
  if (!doc.IsObject()) return {fail(command_parse_error_kind::malformed_json, "", "the body is not a JSON object")};
  if (auto e = read_fields(doc, cmd)) return {std::move(*e)};
  if (auto e = check_required(doc, action)) return {std::move(*e)};
  if (auto kind = command_kind_of_action(action)) cmd.command = to_carrier_command(doc, cmd, *kind);
  return {std::move(cmd)};
}

} // namespace ringbid
