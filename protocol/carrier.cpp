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

namespace ringbid {

namespace {

uint64_t mix(uint64_t h, uint64_t v) noexcept {
  // FNV-1a over the value's bytes, then a splitmix finalizer per step.
  for (int i = 0; i < 8; ++i) h = (h ^ ((v >> (8 * i)) & 0xff)) * 1099511628211ull;
  h ^= h >> 30;
  h *= 0xbf58476d1ce4e5b9ull;
  h ^= h >> 27;
  return h;
}

uint64_t mix(uint64_t h, std::string_view text) noexcept {
  h = mix(h, text.size());
  for (unsigned char c : text) h = (h ^ c) * 1099511628211ull;
  return h;
}

} // namespace

uuid derive_command_id(const call_id& call, uint32_t n, const carrier_command& cmd) noexcept {
  uint64_t h = mix(mix(call.hi, call.lo), n);
  h = mix(h, static_cast<uint64_t>(cmd.kind));
  h = mix(mix(mix(h, cmd.payload), cmd.from), cmd.voice);
  uint64_t g = mix(h ^ 0x9E3779B97F4A7C15ull, static_cast<uint64_t>(cmd.timeout_secs) + (cmd.loop ? 1u << 31 : 0));
  // A version-8 (custom) UUID, RFC 9562: version nibble 8, variant 10.
  uuid id;
  id.hi = (h & ~0xF000ull) | 0x8000ull;
  id.lo = (g & 0x3FFFFFFFFFFFFFFFull) | 0x8000000000000000ull;
  return id;
}

} // namespace ringbid
