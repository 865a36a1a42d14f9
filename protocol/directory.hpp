#pragma once
// DID directory: which campaign and source a dialed number belongs to.

#include <caf/meta/type_name.hpp>

#include <string>
#include <vector>

namespace ringbid {

struct did_lookup {
  std::string did;
};

template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, did_lookup& x) {
  return f(caf::meta::type_name("did_lookup"), x.did);
}

struct did_route {
  std::string did;
  bool found = false; ///< false: unassigned, the call gets the not-in-service message
  std::string campaign_id;
  std::string source_id;
  std::vector<std::string> tags; ///< the number's tags, sent in pings
};

template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, did_route& x) {
  return f(caf::meta::type_name("did_route"), x.did, x.found, x.campaign_id, x.source_id, x.tags);
}

} // namespace ringbid
