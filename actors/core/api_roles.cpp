#include "actors/core/api_roles.hpp"

#include <array>

namespace ringbid {

namespace {

constexpr std::array<std::string_view, api_role_count> role_names{"admin", "manager", "reporting", "publisher",
                                                                  "buyer"};
constexpr std::array<std::string_view, api_right_count> right_names{"read_config", "write_config",  "read_figures",
                                                                    "read_leads",  "manage_tokens", "read_audit"};

} // namespace

std::string_view to_string(api_role role) { return role_names[static_cast<size_t>(role)]; }

std::optional<api_role> parse_api_role(std::string_view name) {
  for (size_t i = 0; i < role_names.size(); ++i)
    if (role_names[i] == name) return static_cast<api_role>(i);
  return std::nullopt;
}

std::string_view to_string(api_right right) { return right_names[static_cast<size_t>(right)]; }

bool role_may(api_role role, api_right right) {
  switch (role) {
    case api_role::admin: return true;
    case api_role::manager: return right != api_right::manage_tokens;
    case api_role::reporting:
    case api_role::publisher:
    case api_role::buyer: return right == api_right::read_figures || right == api_right::read_leads;
  }
  return false;
}

bool is_scope_kind(std::string_view kind) {
  return kind.empty() || kind == "campaign" || kind == "source" || kind == "buyer";
}

std::string scope_problem(api_role role, std::string_view kind) {
  if (!is_scope_kind(kind)) return "a scope is a campaign, a source or a buyer";
  switch (role) {
    case api_role::admin:
    case api_role::manager:
      return kind.empty() ? "" : std::string(to_string(role)) + " tokens see everything: they take no scope";
    case api_role::reporting:
      return kind.empty() || kind == "campaign" ? "" : "a reporting token may be limited to a campaign only";
    case api_role::publisher: return kind == "source" ? "" : "a publisher token needs its source";
    case api_role::buyer: return kind == "buyer" ? "" : "a buyer token needs its buyer";
  }
  return "unknown role";
}

bool lead_visibility::everything() const {
  return !nothing && caller_numbers && buyer_names && revenue && only_source.empty() && only_buyer.empty() &&
         only_campaign.empty();
}

lead_visibility visibility_of(const api_principal& principal) {
  lead_visibility v;
  switch (principal.role) {
    case api_role::admin:
    case api_role::manager: break;
    case api_role::reporting:
      if (principal.scope_kind == "campaign") {
        v.only_campaign = principal.scope_id;
        v.nothing = principal.scope_id.empty();
      }
      break;
    case api_role::publisher:
      v.caller_numbers = false;
      v.buyer_names = false;
      v.revenue = false;
      v.only_source = principal.scope_id;
      v.nothing = principal.scope_kind != "source" || principal.scope_id.empty();
      break;
    case api_role::buyer:
      v.caller_numbers = false;
      v.buyer_names = false;
      v.only_buyer = principal.scope_id;
      v.nothing = principal.scope_kind != "buyer" || principal.scope_id.empty();
      break;
  }
  return v;
}

} // namespace ringbid
