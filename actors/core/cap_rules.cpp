#include "actors/core/cap_rules.hpp"

#include <fmt/format.h>

namespace ringbid {

std::string_view to_string(cap_owner o) noexcept {
  switch (o) {
    case cap_owner::buyer: return "buyer";
    case cap_owner::campaign: return "campaign";
    case cap_owner::source: return "source";
    case cap_owner::campaign_buyer: return "campaign_buyer";
  }
  return "?";
}

std::string_view to_string(cap_measure m) noexcept {
  switch (m) {
    case cap_measure::calls: return "calls";
    case cap_measure::revenue: return "revenue";
    case cap_measure::concurrency: return "concurrency";
    case cap_measure::spacing: return "spacing";
  }
  return "?";
}

std::string window_text(const cap_rule& rule) {
  if (!rule.windowed()) return {};
  if (rule.rolling) return fmt::format("rolling {}m", rule.rolling_us / (60 * us_per_s));
  return std::string{to_string(rule.window)};
}

namespace {

std::string owner_text(const cap_rule& r) {
  if (r.owner == cap_owner::campaign_buyer) return fmt::format("campaign {} buyer {}", r.owner_id, r.buyer_id);
  return fmt::format("{} {}", to_string(r.owner), r.owner_id);
}

std::string make_label(const cap_rule& r) {
  std::string what;
  switch (r.measure) {
    case cap_measure::calls:
    case cap_measure::revenue: {
      std::string per = r.rolling ? fmt::format("in the last {} min", r.rolling_us / (60 * us_per_s))
                                  : fmt::format("per {}", to_string(r.window));
      what = fmt::format("{} {} (counted when {}, {})", to_string(r.measure), per, to_string(r.stage), r.zone.name());
      break;
    }
    case cap_measure::concurrency: what = "live calls"; break;
    case cap_measure::spacing:
      what = fmt::format("{} s between calls (counted when {})", r.limit / us_per_s, to_string(r.stage));
      break;
  }
  return owner_text(r) + ": " + what;
}

/// The zone a cap's calendar follows when it names none: its owner's.
std::string owner_zone(const engine_config& c, const cap_config& cap) {
  switch (cap.owner) {
    case cap_owner::buyer:
    case cap_owner::campaign_buyer: {
      const auto* b = c.find_buyer(cap.owner == cap_owner::buyer ? cap.owner_id : cap.buyer_id);
      return b ? b->time_zone : "UTC";
    }
    case cap_owner::campaign: {
      const auto* x = c.find_campaign(cap.owner_id);
      return x ? x->time_zone : "UTC";
    }
    case cap_owner::source: {
      const auto* x = c.find_source(cap.owner_id);
      return x ? x->time_zone : "UTC";
    }
  }
  return "UTC";
}

bool owner_known(const engine_config& c, const cap_config& cap) {
  switch (cap.owner) {
    case cap_owner::buyer: return c.find_buyer(cap.owner_id) != nullptr;
    case cap_owner::campaign: return c.find_campaign(cap.owner_id) != nullptr;
    case cap_owner::source: return c.find_source(cap.owner_id) != nullptr;
    case cap_owner::campaign_buyer:
      return c.find_campaign(cap.owner_id) != nullptr && c.find_buyer(cap.buyer_id) != nullptr;
  }
  return false;
}

} // namespace

cap_rules_result resolve_cap_rules(const engine_config& config) {
  cap_rules_result out;
  std::vector<cap_config> caps;
  for (const auto& b : config.buyers) {
    if (b.daily_cap > 0) {
      cap_config c;
      c.owner_id = b.id;
      c.limit = b.daily_cap;
      caps.push_back(c);
    }
    if (b.concurrency_cap > 0) {
      cap_config c;
      c.owner_id = b.id;
      c.measure = cap_measure::concurrency;
      c.limit = b.concurrency_cap;
      caps.push_back(c);
    }
  }
  caps.insert(caps.end(), config.caps.begin(), config.caps.end());

  for (size_t i = 0; i < caps.size(); ++i) {
    const auto& c = caps[i];
    auto where = fmt::format("cap {} ({} {})", i, to_string(c.owner), c.owner_id);
    if (!owner_known(config, c)) {
      out.errors.push_back(where + ": unknown owner");
      continue;
    }
    cap_rule r;
    r.owner = c.owner;
    r.owner_id = c.owner_id;
    if (c.owner == cap_owner::buyer) r.buyer_id = c.owner_id;
    if (c.owner == cap_owner::campaign_buyer) r.buyer_id = c.buyer_id;
    r.measure = c.measure;
    r.stage = c.counts_on == count_stage::none ? count_stage::bridged : c.counts_on;
    r.limit = c.measure == cap_measure::spacing ? c.limit * us_per_s : c.limit;
    auto zone_name = c.time_zone.empty() ? owner_zone(config, c) : c.time_zone;
    auto zone = calendar_zone::find(zone_name);
    if (!zone) {
      out.errors.push_back(where + ": unknown time zone \"" + zone_name + "\"");
      continue;
    }
    r.zone = *zone;
    if (r.windowed()) {
      if (c.window == "rolling") {
        if (c.rolling_minutes <= 0) {
          out.errors.push_back(where + ": a rolling window needs rolling_minutes > 0");
          continue;
        }
        r.rolling = true;
        r.rolling_us = int64_t{c.rolling_minutes} * 60 * us_per_s;
      } else if (auto w = window_kind_from_string(c.window)) {
        r.window = *w;
      } else {
        out.errors.push_back(where + ": unknown window \"" + c.window + "\"");
        continue;
      }
    }
    r.label = make_label(r);
    out.rules.push_back(std::move(r));
  }
  return out;
}

} // namespace ringbid
