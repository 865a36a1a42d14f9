// The layering rules: each arrow of the architecture allowed, each reverse or
// skipping arrow refused, and the vendor-header rules.

#include "tools/lint/include_rules.hpp"

#include <gtest/gtest.h>

namespace ringbid::lint {
namespace {

std::vector<include_violation> check(std::string_view path, std::string_view include_line) {
  return check_includes(path, std::string{"// a file\n"} + std::string{include_line} + "\n");
}

bool allowed(std::string_view path, std::string_view include_line) { return check(path, include_line).empty(); }

TEST(IncludeRules, LayersOfPaths) {
  EXPECT_EQ(layer_of("protocol/carrier.hpp"), "protocol");
  EXPECT_EQ(layer_of("actors/core/call_machine.cpp"), "core");
  EXPECT_EQ(layer_of("actors/ports/ports.hpp"), "ports");
  EXPECT_EQ(layer_of("actors/call_actor.cpp"), "actors");
  EXPECT_EQ(layer_of("adapters/telnyx/telnyx_codec.cpp"), "adapters/telnyx");
  EXPECT_EQ(layer_of("adapters/loose.cpp"), "adapters");
  EXPECT_EQ(layer_of("tools/node/wiring.cpp"), "node");
  EXPECT_EQ(layer_of("tools/cli/ringbid_main.cpp"), "cli");
  EXPECT_EQ(layer_of("tests/core/billing_test.cpp"), "tests");
  EXPECT_EQ(layer_of("README.md"), "");
}

TEST(IncludeRules, CoreIncludingAnActorOrAdapterIsAViolation) {
  auto found = check("actors/core/auction_round.cpp", "#include \"actors/node_context.hpp\"");
  ASSERT_EQ(found.size(), 1u);
  EXPECT_EQ(found[0].file, "actors/core/auction_round.cpp");
  EXPECT_EQ(found[0].line, 2);
  EXPECT_EQ(found[0].included, "actors/node_context.hpp");
  EXPECT_EQ(to_string(found[0]),
            "actors/core/auction_round.cpp:2: includes actors/node_context.hpp: layer core may not depend on actors");
  EXPECT_FALSE(allowed("actors/core/billing.hpp", "#include \"adapters/sqlite/sqlite_common.hpp\""));
  EXPECT_FALSE(allowed("actors/core/billing.hpp", "  #  include \"tools/node/wiring.hpp\""));
}

TEST(IncludeRules, EveryArrowOfTheArchitectureIsAllowed) {
  EXPECT_TRUE(allowed("actors/core/billing.hpp", "#include \"protocol/money.hpp\""));
  EXPECT_TRUE(allowed("actors/core/ledger_core.hpp", "#include \"actors/ports/cap_journal.hpp\""));
  EXPECT_TRUE(allowed("actors/call_actor.cpp", "#include \"actors/core/call_machine.hpp\""));
  EXPECT_TRUE(allowed("adapters/sqlite/did_store.cpp", "#include \"actors/ports/ports.hpp\""));
  EXPECT_TRUE(allowed("adapters/redis/redis_did_cache.hpp", "#include \"adapters/sqlite/did_store.hpp\""));
  EXPECT_TRUE(allowed("tools/node/wiring.cpp", "#include \"adapters/telnyx/telnyx_carrier_port.hpp\""));
  EXPECT_TRUE(allowed("tools/cli/ringbid_main.cpp", "#include \"tools/node/simulation.hpp\""));
  EXPECT_TRUE(allowed("tests/core/billing_test.cpp", "#include \"tools/node/wiring.hpp\""));
}

TEST(IncludeRules, ReverseAndSkippingArrowsAreViolations) {
  EXPECT_FALSE(allowed("protocol/lead.hpp", "#include \"actors/core/config.hpp\""));
  EXPECT_FALSE(allowed("actors/ports/ports.hpp", "#include \"actors/core/config.hpp\""));
  EXPECT_FALSE(allowed("actors/call_actor.cpp", "#include \"adapters/telnyx/telnyx_codec.hpp\""));
  EXPECT_FALSE(allowed("adapters/sqlite/did_store.cpp", "#include \"adapters/redis/redis_did_cache.hpp\""));
  EXPECT_FALSE(allowed("adapters/bidding/bid_wire.cpp", "#include \"adapters/telnyx/telnyx_codec.hpp\""));
  EXPECT_FALSE(allowed("adapters/http/http_server.cpp", "#include \"actors/node_context.hpp\""));
  // Carriers share adapters/carrier; it knows none of them.
  EXPECT_TRUE(allowed("adapters/telnyx/telnyx_carrier_port.hpp", "#include \"adapters/carrier/carrier_inbox.hpp\""));
  EXPECT_FALSE(allowed("adapters/carrier/carrier_inbox.cpp", "#include \"adapters/telnyx/telnyx_codec.hpp\""));
  EXPECT_FALSE(allowed("actors/ports/carrier_port.hpp", "#include <caf/actor.hpp>"));
  EXPECT_FALSE(allowed("tools/node/node_dashboard.cpp", "#include \"tools/cli/leads_command.hpp\""));
  EXPECT_FALSE(allowed("actors/call_actor.cpp", "#include \"tests/support/lead_compare.hpp\""));
  EXPECT_FALSE(allowed("actors/call_actor.cpp", "#include \"call_machine.hpp\""));
}

TEST(IncludeRules, TheCoreUsesNoCafActorHeaderAndNoIoLibrary) {
  EXPECT_TRUE(allowed("actors/core/call_machine.hpp", "#include <caf/timespan.hpp>"));
  EXPECT_TRUE(allowed("actors/core/cap_window.cpp", "#include <date/tz.h>"));
  EXPECT_FALSE(allowed("actors/core/call_machine.cpp", "#include <caf/all.hpp>"));
  EXPECT_FALSE(allowed("actors/core/call_machine.hpp", "#include <caf/actor.hpp>"));
  EXPECT_FALSE(allowed("actors/core/eligibility.cpp", "#include <rapidjson/document.h>"));
  EXPECT_FALSE(allowed("actors/core/eligibility.hpp", "#include <fmt/format.h>"));
  EXPECT_FALSE(allowed("protocol/carrier.cpp", "#include <sqlite3.h>"));
  EXPECT_FALSE(allowed("actors/recorder_actor.cpp", "#include <sqlite3.h>"));
  EXPECT_TRUE(allowed("actors/recorder_actor.cpp", "#include <caf/all.hpp>"));
  EXPECT_TRUE(allowed("actors/core/billing.cpp", "#include <algorithm>"));
}

TEST(IncludeRules, VendorHeadersStayOutOfPublicHeaders) {
  EXPECT_FALSE(allowed("adapters/http/http_server.hpp", "#include <boost/asio/io_context.hpp>"));
  EXPECT_TRUE(allowed("adapters/http/http_server_detail.hpp", "#include <boost/asio/io_context.hpp>"));
  EXPECT_TRUE(allowed("adapters/http/http_server.cpp", "#include <boost/beast/http.hpp>"));
  EXPECT_TRUE(allowed("adapters/sim/sim_carrier_port.hpp", "#include <caf/actor.hpp>"));
  EXPECT_FALSE(allowed("tools/node/wiring.hpp", "#include <spdlog/spdlog.h>"));
  EXPECT_TRUE(allowed("tests/adapters/http_server_test.cpp", "#include <boost/asio.hpp>"));
}

TEST(IncludeRules, OnlyIncludeDirectivesCount) {
  std::string text = "// #include \"adapters/x/y.hpp\" in a comment\n"
                     "auto s = \"#include <caf/all.hpp>\";\n"
                     "#pragma once\n"
                     "#include \"generated/config_schema.hpp\"\n";
  EXPECT_TRUE(check_includes("actors/core/config.cpp", text).empty());
  auto found = check_includes("actors/core/config.cpp", "#include <string>\n\n#include \"actors/call_actor.hpp\"\n");
  ASSERT_EQ(found.size(), 1u);
  EXPECT_EQ(found[0].line, 3);
}

} // namespace
} // namespace ringbid::lint
