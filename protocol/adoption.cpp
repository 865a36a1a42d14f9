#include "protocol/adoption.hpp"

namespace ringbid {

std::string_view to_string(carrier_verdict v) noexcept {
  switch (v) {
    case carrier_verdict::alive: return "alive";
    case carrier_verdict::ended: return "ended";
    case carrier_verdict::unknown: return "unknown";
    case carrier_verdict::unasked: return "unasked";
  }
  return "?";
}

} // namespace ringbid
