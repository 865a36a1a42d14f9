#pragma once
// Normalized carrier events and commands. Every carrier adapter (simulated,
// Telnyx, later Twilio) maps its wire protocol onto exactly these values.

#include "protocol/ids.hpp"
#include "protocol/time.hpp"

#include <caf/meta/type_name.hpp>

#include <cstdint>
#include <string>
#include <string_view>

namespace ringbid {

enum class carrier_event_kind : uint8_t {
  initiated,       ///< a new inbound call (from, to = the dialed DID)
  answered,        ///< our answer took effect
  speak_ended,     ///< text-to-speech finished (detail = status)
  playback_ended,  ///< audio playback finished or was stopped
  bridged,         ///< the caller is connected to the transfer target
  hangup,          ///< a leg ended (cause, source, leg)
  recording_saved, ///< detail = the recording's URL
  dtmf,            ///< detail = the digit
  gather_ended,    ///< detail = the digits gathered
  command_failed,  ///< a command we sent was refused (failed_command, detail)
};

enum class call_leg : uint8_t { caller, buyer };

enum class hangup_cause : uint8_t {
  normal_clearing,
  originator_cancel,
  call_rejected,
  timeout,
  time_limit,
  user_busy,
  not_found,
  no_answer,
  unspecified,
};

/// Who hung up, in the carrier's words: the caller, the callee (for us, whoever
/// the carrier ended the leg for: our own hangup or the buyer), or unknown.
enum class hangup_source : uint8_t { caller, callee, unknown };

enum class command_kind : uint8_t {
  answer,
  speak,
  play,
  stop_play,
  transfer,
  record_start,
  record_stop,
  hangup,
};

std::string_view to_string(carrier_event_kind k) noexcept;
std::string_view to_string(hangup_cause c) noexcept;
std::string_view to_string(hangup_source s) noexcept;
std::string_view to_string(command_kind k) noexcept;

struct carrier_command;
/// The idempotency key of the `n`th command a call sends: the same call, place
/// and command give the same key, so a process that adopts a call and sends a
/// command its predecessor already sent is ignored by the carrier (Telnyx
/// ignores a repeated command_id per call), while any other command is new.
uuid derive_command_id(const call_id& call, uint32_t n, const carrier_command& cmd) noexcept;

struct carrier_event {
  std::string carrier_call_id; ///< the caller leg's id at the carrier
  carrier_event_kind kind = carrier_event_kind::initiated;
  call_leg leg = call_leg::caller;
  timestamp_us occurred_at = 0;
  std::string from; ///< initiated: the caller's number
  std::string to;   ///< initiated: the dialed DID
  hangup_cause cause = hangup_cause::unspecified;
  hangup_source source = hangup_source::unknown;
  command_kind failed_command = command_kind::answer;
  std::string detail;    ///< status, digits, recording URL or failure reason
  uint64_t sequence = 0; ///< per call, set by the calls supervisor when it forwards
  /// Not reported by the carrier but concluded by the adapter (a hangup from a
  /// command refused with "call has already ended"); occurred_at is then 0.
  bool inferred = false;
  /// initiated: the id the node gave the call when it noted its start
  /// durably (nil when the carrier's start was not noted: a simulator).
  call_id call;
  /// The event's place in the node's durable call inbox (0: not kept there).
  /// A call adopted by another process replays the kept events it had not
  /// handled yet (call_snapshot::applied_events).
  uint64_t journal_seq = 0;
};

template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, carrier_event& x) {
  return f(caf::meta::type_name("carrier_event"), x.carrier_call_id, x.kind, x.leg, x.occurred_at, x.from, x.to,
           x.cause, x.source, x.failed_command, x.detail, x.sequence, x.inferred, x.call, x.journal_seq);
}

struct carrier_command {
  call_id call;
  std::string carrier_call_id;
  command_kind kind = command_kind::answer;
  uuid command_id;          ///< idempotency key: a retry reuses it
  std::string payload;      ///< speak: text; play: audio URL; transfer: destination
  std::string voice;        ///< speak
  std::string language;     ///< speak
  std::string from;         ///< transfer: caller id shown to the buyer
  int32_t timeout_secs = 0; ///< transfer: ring timeout
  bool loop = false;        ///< play: loop until stopped
};

template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, carrier_command& x) {
  return f(caf::meta::type_name("carrier_command"), x.call, x.carrier_call_id, x.kind, x.command_id, x.payload, x.voice,
           x.language, x.from, x.timeout_secs, x.loop);
}

/// Carrier port -> carrier actor: one event, named by the port's ticket until
/// the actor has forwarded it (see actors/ports/carrier_port.hpp).
struct carrier_event_posted {
  uint64_t ticket = 0;
  carrier_event event;
};

template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, carrier_event_posted& x) {
  return f(caf::meta::type_name("carrier_event_posted"), x.ticket, x.event);
}

/// The carrier actor's own timer: release a hangup it held back so that events
/// the carrier sent earlier, but delivered later, reach the call first.
struct carrier_event_settled {
  uint64_t ticket = 0;
  carrier_event event;
};

template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, carrier_event_settled& x) {
  return f(caf::meta::type_name("carrier_event_settled"), x.ticket, x.event);
}

} // namespace ringbid
