#include "tools/node/carrier_factory.hpp"

#include "adapters/sim/sim_carrier_port.hpp"
#include "adapters/telnyx/telnyx_carrier_port.hpp"

namespace ringbid {

const std::vector<carrier_entry>& carrier_entries() {
  static const std::vector<carrier_entry> entries{
    {"sim", "simulated callers in-process, booked as leads in the database", {}, make_sim_carrier},
    {"telnyx", "webhooks on --http, commands to its API", telnyx_carrier_flags(), make_telnyx_carrier},
  };
  return entries;
}

carrier_made make_carrier(const std::string& name, const carrier_setup& setup) {
  std::string known;
  for (const auto& entry : carrier_entries()) {
    if (entry.name == name) {
      auto filled = setup;
      for (const auto& flag : entry.flags)
        if (filled.flag(flag.name).empty()) filled.flags[flag.name] = flag.default_value;
      return entry.make(filled);
    }
    known += (known.empty() ? "" : ", ") + entry.name;
  }
  carrier_made none;
  none.error = "--carrier: no carrier called \"" + name + "\" (known: " + known + ")";
  return none;
}

} // namespace ringbid
