#pragma once
// The node's carriers by `--carrier` name. Each entry names the function of
// its adapter that builds the carrier port, and the flags it reads; adding a
// carrier is its adapter folder and one line in carrier_factory.cpp.

#include "adapters/carrier/carrier_setup.hpp"

#include <string>
#include <vector>

namespace ringbid {

struct carrier_entry {
  std::string name;
  std::string summary;             ///< for --help: where its calls come from
  std::vector<carrier_flag> flags; ///< registered on ringbid-node's command line
  carrier_maker make;
};

/// Every carrier, in the order --help lists them (there is no default).
const std::vector<carrier_entry>& carrier_entries();

/// The carrier called `name`; an error naming the known ones when there is none.
carrier_made make_carrier(const std::string& name, const carrier_setup& setup);

} // namespace ringbid
