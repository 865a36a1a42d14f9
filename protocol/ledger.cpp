#include "protocol/ledger.hpp"

namespace ringbid {

std::string_view to_string(count_stage s) noexcept {
  switch (s) {
    case count_stage::none: return "none";
    case count_stage::routed: return "routed";
    case count_stage::bridged: return "bridged";
    case count_stage::converted: return "converted";
  }
  return "?";
}

} // namespace ringbid
