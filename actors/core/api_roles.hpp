#pragma once
// Who may do what through the API: the roles a token carries, the rights each
// role has, and what of a lead each caller may see. Pure rules; the HTTP gate
// (adapters/http/api_gate) finds the caller, the routes ask these rules.
//
//   admin      everything
//   manager    the configuration (read, write), figures and leads, the audit log
//   reporting  figures and leads (optionally of one campaign)
//   publisher  its own source's figures and leads: no buyer names, no revenue, no caller numbers
//   buyer      its own calls: no caller numbers, no other buyers

#include <optional>
#include <string>
#include <string_view>

namespace ringbid {

enum class api_role { admin, manager, reporting, publisher, buyer };
inline constexpr int api_role_count = 5;

enum class api_right { read_config, write_config, read_figures, read_leads, manage_tokens, read_audit };
inline constexpr int api_right_count = 6;

/// "admin", "manager", "reporting", "publisher", "buyer".
std::string_view to_string(api_role role);
/// The role named `name` (exactly as to_string prints it); nullopt otherwise.
std::optional<api_role> parse_api_role(std::string_view name);
/// "read_config", "write_config", ...
std::string_view to_string(api_right right);

/// Whether a token of `role` has `right`. What it may see of a lead is
/// visibility_of's answer, not a right.
bool role_may(api_role role, api_right right);

/// The scope kinds a token may carry: "" (none), "campaign", "source", "buyer".
bool is_scope_kind(std::string_view kind);

/// Why `role` cannot carry scope `kind` ("" when it can): a publisher needs a
/// source, a buyer its buyer; reporting may be limited to a campaign; admin and
/// manager are never scoped.
std::string scope_problem(api_role role, std::string_view kind);

/// The caller of a request.
struct api_principal {
  std::string token_id; ///< the token's public id; "" for the open mode, "bootstrap" for --access-token
  api_role role = api_role::admin;
  std::string scope_kind; ///< "", "campaign", "source" or "buyer"
  std::string scope_id;
  std::string label;
  /// Anonymous on a node that listens on loopback only and asks for no token.
  bool open = false;

  bool may(api_right right) const { return role_may(role, right); }
};

/// What of a lead (and of figures built from leads) a caller sees. Filters
/// are "" when the caller sees every campaign, source or buyer.
struct lead_visibility {
  bool caller_numbers = true;
  bool buyer_names = true; ///< names of buyers other than `only_buyer`'s own
  bool revenue = true;     ///< what buyers pay (and so the profit)
  std::string only_source;
  std::string only_buyer;
  std::string only_campaign;
  /// Sees no lead at all: a publisher or buyer token whose scope is missing
  /// (rules fail closed, never open).
  bool nothing = false;

  /// Nothing hidden, nothing filtered out.
  bool everything() const;
};

lead_visibility visibility_of(const api_principal& principal);

} // namespace ringbid
