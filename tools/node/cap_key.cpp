#include "tools/node/cap_key.hpp"

#include "actors/core/cap_rules.hpp"

namespace ringbid {

namespace {

std::string joined(std::string_view owner, const std::string& owner_id, std::string_view measure,
                   const std::string& window, const std::string& counts_on) {
  std::string out{owner};
  out += ':';
  out += owner_id;
  out += ':';
  out += measure;
  out += ':';
  out += window.empty() ? "-" : window;
  out += ':';
  out += counts_on.empty() ? "-" : counts_on;
  return out;
}

} // namespace

std::string cap_key(const cap_config& cap) {
  bool windowed = cap.measure == cap_measure::calls || cap.measure == cap_measure::revenue;
  std::string window;
  if (windowed) window = cap.window == "rolling" ? "rolling" + std::to_string(cap.rolling_minutes) + "m" : cap.window;
  std::string counts_on = cap.measure == cap_measure::concurrency ? "" : std::string{to_string(cap.counts_on)};
  auto owner_id = cap.owner == cap_owner::campaign_buyer ? cap.owner_id + "~" + cap.buyer_id : cap.owner_id;
  return joined(to_string(cap.owner), owner_id, to_string(cap.measure), window, counts_on);
}

std::string cap_key(const cap_standing& s) {
  auto owner_id = s.owner_id;
  if (auto slash = owner_id.find('/'); slash != std::string::npos) owner_id[slash] = '~';
  std::string window;
  for (char c : s.window)
    if (c != ' ') window += c; // "rolling 60m" -> "rolling60m"
  return joined(s.owner, owner_id, s.measure, window, s.counts_on);
}

} // namespace ringbid
