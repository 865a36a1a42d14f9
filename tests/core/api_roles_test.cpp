// Roles, rights, scopes and what each caller sees of a lead (actors/core/api_roles).

#include "actors/core/api_roles.hpp"

#include <gtest/gtest.h>

#include <array>
#include <set>

namespace ringbid {
namespace {

constexpr std::array all_roles{api_role::admin, api_role::manager, api_role::reporting, api_role::publisher,
                               api_role::buyer};
constexpr std::array all_rights{api_right::read_config, api_right::write_config,  api_right::read_figures,
                                api_right::read_leads,  api_right::manage_tokens, api_right::read_audit};

// The table the issue gives, written out by hand: one row per role, one column per right
// (read_config, write_config, read_figures, read_leads, manage_tokens, read_audit).
struct expected_rights {
  api_role role;
  std::array<bool, api_right_count> may;
};
constexpr std::array<expected_rights, api_role_count> table{{
  {api_role::admin, {true, true, true, true, true, true}},
  {api_role::manager, {true, true, true, true, false, true}},
  {api_role::reporting, {false, false, true, true, false, false}},
  {api_role::publisher, {false, false, true, true, false, false}},
  {api_role::buyer, {false, false, true, true, false, false}},
}};

TEST(ApiRoles, EveryRoleHasExactlyTheRightsOfTheTable) {
  ASSERT_EQ(all_roles.size(), size_t(api_role_count));
  ASSERT_EQ(all_rights.size(), size_t(api_right_count));
  for (const auto& row : table)
    for (size_t r = 0; r < all_rights.size(); ++r)
      EXPECT_EQ(role_may(row.role, all_rights[r]), row.may[r])
        << to_string(row.role) << " x " << to_string(all_rights[r]);
}

TEST(ApiRoles, APrincipalHasItsRolesRights) {
  for (auto role : all_roles)
    for (auto right : all_rights) {
      api_principal p;
      p.role = role;
      EXPECT_EQ(p.may(right), role_may(role, right));
    }
}

TEST(ApiRoles, NamesRoundTripAndNothingElseParses) {
  std::set<std::string_view> names;
  for (auto role : all_roles) {
    names.insert(to_string(role));
    EXPECT_EQ(parse_api_role(to_string(role)), role);
  }
  EXPECT_EQ(names, (std::set<std::string_view>{"admin", "manager", "reporting", "publisher", "buyer"}));
  for (auto bad : {"", "Admin", "root", "admin ", "publishers"}) EXPECT_FALSE(parse_api_role(bad)) << bad;
  std::set<std::string_view> rights;
  for (auto right : all_rights) rights.insert(to_string(right));
  EXPECT_EQ(rights.size(), all_rights.size());
  EXPECT_EQ(to_string(api_right::manage_tokens), "manage_tokens");
}

TEST(ApiRoles, ScopesFitTheirRoles) {
  for (auto kind : {"", "campaign", "source", "buyer"}) {
    EXPECT_TRUE(is_scope_kind(kind));
    EXPECT_EQ(scope_problem(api_role::admin, kind).empty(), std::string_view(kind).empty()) << kind;
    EXPECT_EQ(scope_problem(api_role::manager, kind).empty(), std::string_view(kind).empty()) << kind;
    EXPECT_EQ(scope_problem(api_role::reporting, kind).empty(),
              std::string_view(kind).empty() || std::string_view(kind) == "campaign")
      << kind;
    EXPECT_EQ(scope_problem(api_role::publisher, kind).empty(), std::string_view(kind) == "source") << kind;
    EXPECT_EQ(scope_problem(api_role::buyer, kind).empty(), std::string_view(kind) == "buyer") << kind;
  }
  EXPECT_FALSE(is_scope_kind("did"));
  for (auto role : all_roles) EXPECT_FALSE(scope_problem(role, "did").empty());
}

api_principal principal(api_role role, std::string kind = {}, std::string id = {}) {
  api_principal p;
  p.token_id = "tk_1";
  p.role = role;
  p.scope_kind = std::move(kind);
  p.scope_id = std::move(id);
  return p;
}

TEST(LeadVisibility, AdminManagerAndReportingSeeEverything) {
  for (auto role : {api_role::admin, api_role::manager, api_role::reporting}) {
    auto v = visibility_of(principal(role));
    EXPECT_TRUE(v.everything()) << to_string(role);
    EXPECT_TRUE(v.caller_numbers && v.buyer_names && v.revenue);
  }
  api_principal open;
  open.open = true;
  EXPECT_TRUE(visibility_of(open).everything());
}

TEST(LeadVisibility, AReportingTokenOfOneCampaignSeesThatCampaignOnly) {
  auto v = visibility_of(principal(api_role::reporting, "campaign", "plumbing"));
  EXPECT_FALSE(v.everything());
  EXPECT_EQ(v.only_campaign, "plumbing");
  EXPECT_TRUE(v.caller_numbers && v.buyer_names && v.revenue);
  EXPECT_FALSE(v.nothing);
}

TEST(LeadVisibility, APublisherSeesItsSourceWithoutBuyersRevenueOrCallers) {
  auto v = visibility_of(principal(api_role::publisher, "source", "summit"));
  EXPECT_FALSE(v.everything());
  EXPECT_FALSE(v.caller_numbers);
  EXPECT_FALSE(v.buyer_names);
  EXPECT_FALSE(v.revenue);
  EXPECT_EQ(v.only_source, "summit");
  EXPECT_EQ(v.only_buyer, "");
  EXPECT_EQ(v.only_campaign, "");
  EXPECT_FALSE(v.nothing);
}

TEST(LeadVisibility, ABuyerSeesItsOwnCallsWithoutCallersOrOtherBuyers) {
  auto v = visibility_of(principal(api_role::buyer, "buyer", "acme"));
  EXPECT_FALSE(v.everything());
  EXPECT_FALSE(v.caller_numbers);
  EXPECT_FALSE(v.buyer_names);
  EXPECT_TRUE(v.revenue); // what it pays itself
  EXPECT_EQ(v.only_buyer, "acme");
  EXPECT_EQ(v.only_source, "");
  EXPECT_FALSE(v.nothing);
}

TEST(LeadVisibility, AScopedRoleWithoutItsScopeSeesNothing) {
  EXPECT_TRUE(visibility_of(principal(api_role::publisher)).nothing);
  EXPECT_TRUE(visibility_of(principal(api_role::publisher, "buyer", "acme")).nothing);
  EXPECT_TRUE(visibility_of(principal(api_role::buyer, "buyer", "")).nothing);
  EXPECT_TRUE(visibility_of(principal(api_role::reporting, "campaign", "")).nothing);
  EXPECT_FALSE(visibility_of(principal(api_role::publisher)).everything());
}

} // namespace
} // namespace ringbid
