#pragma once
// Telnyx Call Control v2 wire codec: webhooks in and REST commands out for the
// engine, plus the reverse directions for the carrier simulator. Pure functions,
// no I/O, no state; RapidJSON stays inside the .cpp files.
//
// Legs and client_state. Telnyx names every leg by its own call_control_id; the
// engine names a call by the caller leg's id (carrier_event::carrier_call_id).
// The codec recognises legs without state, through client_state, which Telnyx
// echoes in every later webhook of a leg:
//  - encode_command(transfer) always sets target_leg_client_state to
//    encode_client_state(call id, buyer, caller's call_control_id), so every
//    webhook of the new buyer leg says "buyer" and names the caller leg;
//  - the engine should pass encode_client_state(call id, caller, caller's
//    call_control_id) with its commands on the caller leg; call.recording.saved
//    has no call_control_id in the spec, so it is routed by this state alone.
// parse_webhook then decides, in order:
//  1. client_state is an engine state: its leg; carrier_call_id = its
//     carrier_call_id (when non-empty);
//  2. call.initiated (direction is required): caller only for "incoming", so
//     the outgoing leg a transfer creates is the buyer even without state;
//  3. any other event: buyer if its direction is "outgoing", else caller.
// carrier_call_id falls back to the event's own call_control_id. An adapter that
// wants a second opinion can map call_session_id, which groups both legs.

#include "protocol/carrier.hpp"
#include "protocol/ids.hpp"
#include "protocol/time.hpp"

#include <caf/timespan.hpp>

#include <cstdint>
#include <functional>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <variant>

namespace ringbid {

// -- time ---------------------------------------------------------------------

/// Parses "2025-11-23T03:30:00.076316Z": 0 to 9 fractional digits (truncated to
/// microseconds), then 'Z' or a "+HH:MM"/"-HH:MM" offset. nullopt if malformed.
std::optional<timestamp_us> parse_telnyx_time(std::string_view text);

/// Formats like Telnyx: six fractional digits and 'Z'.
std::string format_telnyx_time(timestamp_us t);

// -- client_state ---------------------------------------------------------------

/// The engine's own client_state: the JSON {"call":"<engine call id>",
/// "leg":"caller"|"buyer","carrier_call_id":"<caller leg's call_control_id>"}.
struct engine_client_state {
  std::string call;
  call_leg leg = call_leg::caller;
  std::string carrier_call_id; ///< may be empty
};

/// The JSON text above (not yet Base64: encode_command does that).
std::string encode_client_state(std::string_view call_id_text, call_leg leg, std::string_view carrier_call_id = {});

/// nullopt unless `json` is an object with a string "call" and a "leg" of
/// "caller" or "buyer".
std::optional<engine_client_state> decode_client_state(std::string_view json);

// -- webhooks -----------------------------------------------------------------

/// Bodies beyond this are refused unparsed.
constexpr size_t max_webhook_bytes = 1 << 20;

enum class webhook_error : uint8_t {
  too_large,      ///< longer than max_webhook_bytes
  malformed_json, ///< not JSON, not UTF-8, or trailing garbage
  not_an_event,   ///< no "data" object, or data.record_type is not "event"
  missing_field,  ///< a required field is absent or null
  invalid_field,  ///< a required field has the wrong type or format
};

std::string_view to_string(webhook_error e) noexcept;

struct webhook_parse_error {
  webhook_error kind = webhook_error::malformed_json;
  std::string field; ///< e.g. "data.payload.call_control_id"; empty if not about a field
  std::string message;
};

/// One webhook as Telnyx sends it, flattened. parse_webhook fills every field;
/// encode_webhook writes the wire fields and ignores `known_type` and `event`.
/// Empty strings mean absent (client_state: null).
struct telnyx_webhook {
  // -- envelope
  std::string event_id;   ///< data.id: deduplicate on it
  std::string event_type; ///< data.event_type, e.g. "call.hangup"
  timestamp_us occurred_at = 0;
  uint32_t attempt = 1;     ///< meta.attempt
  std::string delivered_to; ///< meta.delivered_to
  // -- payload, common to call events
  std::string call_control_id;
  std::string call_leg_id;
  std::string call_session_id;
  std::string connection_id;
  std::string client_state; ///< decoded from Base64; empty if null or not Base64
  // -- payload, per event type
  std::string direction; ///< call.initiated: "incoming" or "outgoing"
  std::string state;     ///< "parked", "bridging", "answered", "hangup"
  std::string from;
  std::string to;
  std::string status;        ///< speak/playback/gather .ended
  std::string digits;        ///< "digit" of call.dtmf.received, "digits" of call.gather.ended
  std::string media_url;     ///< playback
  std::string reason;        ///< call.recording.error
  std::string hangup_cause;  ///< Telnyx's enum; same spelling as ringbid::hangup_cause
  std::string hangup_source; ///< "caller", "callee", "unknown"
  std::string sip_hangup_cause;
  std::string channels;          ///< recording: "single" or "dual"
  std::string recording_mp3_url; ///< recording_urls.mp3 (else public_recording_urls.mp3)
  std::string recording_wav_url; ///< recording_urls.wav (else public_recording_urls.wav)
  // -- derived by parse_webhook
  /// The codec maps this event_type: call.initiated, .answered, .bridged,
  /// .hangup, .speak.started/.ended, .playback.started/.ended, .dtmf.received,
  /// .gather.ended, .recording.saved, .recording.error. Other types are valid
  /// webhooks to acknowledge (2xx) and ignore.
  bool known_type = false;
  /// The normalized event to forward. Absent for unknown types and for the known
  /// types without a normalized equivalent (call.speak.started,
  /// call.playback.started). call.recording.error becomes command_failed with
  /// failed_command = record_start and detail = reason.
  std::optional<carrier_event> event;
};

struct webhook_parse_result {
  std::variant<telnyx_webhook, webhook_parse_error> value;

  bool ok() const noexcept { return std::holds_alternative<telnyx_webhook>(value); }
  const telnyx_webhook* webhook() const noexcept { return std::get_if<telnyx_webhook>(&value); }
  const webhook_parse_error* error() const noexcept { return std::get_if<webhook_parse_error>(&value); }
};

/// Requires data.id and data.event_type for every event; for known types also
/// data.occurred_at and data.payload.call_control_id (call.recording.saved may
/// do without it when client_state names the caller leg). Unknown hangup causes
/// become unspecified, unknown sources unknown.
webhook_parse_result parse_webhook(std::string_view body);

/// The exact envelope {"data":{event_type,id,occurred_at,record_type,payload},
/// "meta":{attempt,delivered_to}}. Writes every non-empty wire field (the
/// simulator fills those the reference lists for the event type) and
/// client_state always (null when empty).
std::string encode_webhook(const telnyx_webhook& w);

// -- commands -------------------------------------------------------------------

/// A POST to https://api.telnyx.com{path} with a JSON body.
struct telnyx_request {
  std::string path; ///< "/v2/calls/{call_control_id}/actions/answer"; the id percent-encoded
  std::string body;
};

/// "answer", "speak", "playback_start", "playback_stop", "transfer",
/// "record_start", "record_stop", "hangup".
std::string_view telnyx_action(command_kind k) noexcept;
std::optional<command_kind> command_kind_of_action(std::string_view action) noexcept;

/// Every body carries command_id (the uuid's text; left out when nil, since
/// Telnyx drops a repeated command_id on the same call as a duplicate) and, when
/// `client_state_json` is non-empty, client_state (its Base64). Per kind:
///  - speak: payload, voice ("female" when empty), language when non-empty;
///  - play: audio_url = payload, loop "infinity" when cmd.loop;
///  - transfer: to = payload, from when non-empty, timeout_secs clamped to
///    5..600 when positive, target_leg_client_state (see the top of this file);
///  - record_start: format "mp3", channels "dual".
telnyx_request encode_command(const carrier_command& cmd, std::string_view client_state_json);

/// gather_using_speak: speak a prompt, then collect DTMF (call.gather.ended).
/// Has no command_kind yet. All options are written.
struct gather_using_speak_options {
  std::string payload;
  std::string voice = "female";
  std::string language;        ///< omitted when empty
  std::string invalid_payload; ///< omitted when empty
  int32_t minimum_digits = 1;
  int32_t maximum_digits = 128;
  int32_t maximum_tries = 3;
  int32_t timeout_millis = 60000;
  int32_t inter_digit_timeout_millis = 5000;
  std::string terminating_digit = "#";
  std::string valid_digits = "0123456789#*";
};

telnyx_request encode_gather_using_speak(std::string_view call_control_id, const uuid& command_id,
                                         const gather_using_speak_options& options, std::string_view client_state_json);

/// A command as the carrier receives it (for the simulator).
struct telnyx_command {
  std::string call_control_id;         ///< percent-decoded
  std::string action;                  ///< last path segment, e.g. "gather_using_speak"
  std::string command_id;              ///< as sent; empty when absent
  std::string client_state;            ///< decoded
  std::string target_leg_client_state; ///< decoded (transfer)
  /// For the eight actions with a command_kind. `call` comes from an engine
  /// client_state (target_leg_client_state for transfer) and is nil otherwise;
  /// command_id is nil unless the sent one is a UUID.
  std::optional<carrier_command> command;
  /// Every top-level scalar member: strings as their text, numbers, booleans
  /// and null as JSON. Objects and arrays are left out.
  std::map<std::string, std::string, std::less<>> fields;
};

enum class command_parse_error_kind : uint8_t { bad_path, malformed_json, missing_field, invalid_field };

struct command_parse_error {
  command_parse_error_kind kind = command_parse_error_kind::bad_path;
  std::string field; ///< e.g. "voice"
  std::string message;
};

struct command_parse_result {
  std::variant<telnyx_command, command_parse_error> value;

  bool ok() const noexcept { return std::holds_alternative<telnyx_command>(value); }
  const telnyx_command* command() const noexcept { return std::get_if<telnyx_command>(&value); }
  const command_parse_error* error() const noexcept { return std::get_if<command_parse_error>(&value); }
};

/// `path` is "/v2/calls/{id}/actions/{action}" (a query string is ignored).
/// Checks the required fields of the actions in the reference's table
/// (speak: payload, voice; playback_start: audio_url, media_name or
/// playback_content; transfer: to; record_start: format, channels;
/// gather_using_speak: payload, voice) and that client_state is Base64.
command_parse_result parse_command(std::string_view path, std::string_view body);

/// {"data":{"result":"ok"}}
std::string encode_command_ok();

/// {"errors":[{"code":…,"title":…,"detail":…}]}, e.g. ("90018", "Call has
/// already ended", "This call is no longer active and can't receive commands.").
std::string encode_command_error(std::string_view code, std::string_view title, std::string_view detail);

// -- command responses ------------------------------------------------------------

enum class command_outcome_kind : uint8_t {
  success,      ///< 2xx
  call_ended,   ///< 422 with errors[].code "90018": the leg is gone, do not retry
  rate_limited, ///< 429: retry after x-ratelimit-reset
  retryable,    ///< 5xx: retry at once with the same command_id
  rejected,     ///< any other status: a permanent refusal
};

std::string_view to_string(command_outcome_kind k) noexcept;

struct command_outcome {
  command_outcome_kind kind = command_outcome_kind::success;
  std::string code;   ///< the first errors[].code, or the matching one for call_ended
  std::string detail; ///< "title: detail (code)" of that error, else "HTTP <status>"
};

/// Classifies a command's HTTP response; `body` may be anything, even empty.
command_outcome parse_command_error(int http_status, std::string_view body);

/// x-ratelimit-reset is the number of seconds until the rate-limit window
/// resets (Telnyx "Rate limiting" page), not a Unix time. Returns that delay;
/// nullopt when the value is empty or not a non-negative decimal number below
/// 10^9 (fractions allowed, e.g. "1.5"). Callers should still cap the wait.
std::optional<caf::timespan> parse_ratelimit_reset(std::string_view header_value);

} // namespace ringbid
