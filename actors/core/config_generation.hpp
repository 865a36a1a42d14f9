#pragma once
// One generation of a node's configuration: the config as loaded, its
// revision, and what calls derive from it once (call settings per campaign and
// source, campaign rosters, compiled buyer filters). Immutable once made; a
// call keeps the generation it started with alive (its settings share
// ownership of it), so the raw pointers inside stay valid while any call uses
// them, whatever a reload installs meanwhile.

#include "actors/core/call_machine.hpp"
#include "actors/core/campaign_roster.hpp"
#include "actors/core/config.hpp"
#include "actors/core/eligibility.hpp"
#include "protocol/directory.hpp"

#include <map>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <unordered_map>

namespace ringbid {

class config_generation : public std::enable_shared_from_this<config_generation> {
public:
  /// Throws std::invalid_argument when a buyer's hours or targeting do not
  /// compile (the JSON loader reports those first, with their pointers).
  static std::shared_ptr<const config_generation> make(std::shared_ptr<const engine_config> config,
                                                       std::string revision = {}, int64_t revision_number = 0);

  const engine_config& config() const { return *config_; }
  /// A short digest of the config file's bytes; empty when the config did not
  /// come from a file (simulations, tests).
  const std::string& revision() const { return revision_; }
  /// The stored revision's number (the control plane's); 0 when the config
  /// was not committed as one (simulations, tests).
  int64_t revision_number() const { return revision_number_; }

  /// Where a call from `caller` to `did` goes under this generation: the
  /// number's campaign (after its traffic splits) and source; nullopt when
  /// the config does not list the number (the DID directory is asked then).
  std::optional<did_route> route(const std::string& did, std::string_view caller) const;

  /// The settings of a call from `source_id` to `campaign_id`; the unassigned
  /// settings (campaign and source null) for any other pair. The pointer
  /// shares ownership of this generation.
  std::shared_ptr<const call_settings> settings_for(const std::string& campaign_id, const std::string& source_id) const;
  /// The settings of a call to an unassigned number.
  std::shared_ptr<const call_settings> unassigned() const;
  /// The roster of a campaign, or null for an unknown one; valid while this
  /// generation lives.
  const campaign_roster* roster_for(const std::string& campaign_id) const;

  config_generation(const config_generation&) = delete;
  config_generation& operator=(const config_generation&) = delete;

private:
  config_generation() = default;

  std::shared_ptr<const engine_config> config_;
  std::string revision_;
  int64_t revision_number_ = 0;
  std::unordered_map<std::string, const did_config*> dids_; ///< by number
  std::map<std::string, buyer_filter> filters_;             ///< by buyer id
  std::map<std::string, campaign_roster> rosters_;          ///< by campaign id
  std::map<std::string, call_settings> settings_;           ///< by "campaign|source"
  call_settings unassigned_;
};

} // namespace ringbid
