#include "protocol/carrier.hpp"

namespace ringbid {

std::string_view to_string(carrier_event_kind k) noexcept {
  switch (k) {
    case carrier_event_kind::initiated: return "initiated";
    case carrier_event_kind::answered: return "answered";
    case carrier_event_kind::speak_ended: return "speak_ended";
    case carrier_event_kind::playback_ended: return "playback_ended";
    case carrier_event_kind::bridged: return "bridged";
    case carrier_event_kind::hangup: return "hangup";
    case carrier_event_kind::recording_saved: return "recording_saved";
    case carrier_event_kind::dtmf: return "dtmf";
    case carrier_event_kind::gather_ended: return "gather_ended";
    case carrier_event_kind::command_failed: return "command_failed";
  }
  return "?";
}

std::string_view to_string(hangup_cause c) noexcept {
  switch (c) {
    case hangup_cause::normal_clearing: return "normal_clearing";
    case hangup_cause::originator_cancel: return "originator_cancel";
    case hangup_cause::call_rejected: return "call_rejected";
    case hangup_cause::timeout: return "timeout";
    case hangup_cause::time_limit: return "time_limit";
    case hangup_cause::user_busy: return "user_busy";
    case hangup_cause::not_found: return "not_found";
    case hangup_cause::no_answer: return "no_answer";
    case hangup_cause::unspecified: return "unspecified";
  }
  return "?";
}

std::string_view to_string(hangup_source s) noexcept {
  switch (s) {
    case hangup_source::caller: return "caller";
    case hangup_source::callee: return "callee";
    case hangup_source::unknown: return "unknown";
  }
  return "?";
}

std::string_view to_string(command_kind k) noexcept {
  switch (k) {
    case command_kind::answer: return "answer";
    case command_kind::speak: return "speak";
    case command_kind::play: return "play";
    case command_kind::stop_play: return "stop_play";
    case command_kind::transfer: return "transfer";
    case command_kind::record_start: return "record_start";
    case command_kind::record_stop: return "record_stop";
    case command_kind::hangup: return "hangup";
  }
  return "?";
}

} // namespace ringbid
