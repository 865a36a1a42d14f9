#include "protocol/call_state.hpp"

namespace ringbid {

std::string_view to_string(call_state s) noexcept {
  switch (s) {
    case call_state::greeting: return "greeting";
    case call_state::hold: return "hold";
    case call_state::auction: return "auction";
    case call_state::bridged: return "bridged";
    case call_state::ending: return "ending";
    case call_state::done: return "done";
  }
  return "?";
}

std::string_view to_string(disposition d) noexcept {
  switch (d) {
    case disposition::in_progress: return "in_progress";
    case disposition::bridged: return "bridged";
    case disposition::no_buyer: return "no_buyer";
    case disposition::buyer_no_answer: return "buyer_no_answer";
    case disposition::abandoned: return "abandoned";
    case disposition::unknown_number: return "unknown_number";
    case disposition::failed: return "failed";
    case disposition::interrupted: return "interrupted";
    case disposition::paused: return "paused";
  }
  return "?";
}

} // namespace ringbid
