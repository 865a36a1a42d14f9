#include "actors/cap_rules.hpp"
#include "adapters/config_json.hpp"

#include <gtest/gtest.h>

#include <algorithm>
#include <string>
#include <vector>

#ifndef RINGBID_SOURCE_DIR
#error "RINGBID_SOURCE_DIR must name the repository root (examples/ lives there)"
#endif

namespace ringbid {
namespace {

std::string example(const std::string& name) {
  return std::string(RINGBID_SOURCE_DIR) + "/examples/" + name;
}

std::vector<std::string> pointers(const config_result& r) {
  std::vector<std::string> out;
  for (const auto& e : r.errors) out.push_back(e.pointer);
  return out;
}

std::string message_at(const config_result& r, const std::string& pointer) {
  for (const auto& e : r.errors)
    if (e.pointer == pointer) return e.message;
  return "<no error at " + pointer + ">";
}

bool contains(const std::string& text, const std::string& part) {
  return text.find(part) != std::string::npos;
}

/// A small valid config; `buyer_extra` and friends are spliced into the objects.
std::string minimal(const std::string& buyer_extra = "", const std::string& campaign_extra = "") {
  return R"({
    "buyers": [{ "id": "b1")" + buyer_extra + R"( }],
    "sources": [{ "id": "s1" }],
    "campaigns": [{ "id": "c1", "buyer_ids": ["b1"])" + campaign_extra + R"( }],
    "dids": [{ "number": "+18005550100", "campaign_id": "c1", "source_id": "s1" }]
  })";
}

// --- The shipped examples ----------------------------------------------------

TEST(ConfigJson, DemoLoadsWithExpectedContents) {
  config_result r = load_config_file(example("demo.json"));
  ASSERT_TRUE(r.ok()) << format_config_errors(r.errors);
  const engine_config& c = *r.config;

  EXPECT_EQ(c.node_name, "ringbid-demo");
  EXPECT_EQ(c.campaigns.size(), 2u);
  EXPECT_EQ(c.sources.size(), 3u);
  EXPECT_EQ(c.buyers.size(), 8u);
  EXPECT_EQ(c.dids.size(), 6u);
  EXPECT_EQ(c.carrier_sim.calls_per_second, 1.5);

  const campaign_config* autos = c.find_campaign("auto-ins-national");
  ASSERT_NE(autos, nullptr);
  EXPECT_EQ(autos->name, "Auto Insurance - National");
  EXPECT_EQ(autos->floor_micros, 12'000'000);
  EXPECT_EQ(autos->auction_deadline_ms, 500);
  EXPECT_TRUE(autos->record);
  EXPECT_FALSE(autos->greeting_text.empty());
  EXPECT_FALSE(autos->ending_text.empty());
  const campaign_config* plumbing = c.find_campaign("plumbing-ca-tx");
  ASSERT_NE(plumbing, nullptr);
  EXPECT_EQ(plumbing->name, "Home Services - Plumbing (CA/TX)");
  EXPECT_EQ(plumbing->floor_micros, 5'000'000);
  EXPECT_EQ(plumbing->voice, "male");

  const buyer_config* harbor = c.find_buyer("harborpoint-ins");
  ASSERT_NE(harbor, nullptr);
  EXPECT_EQ(harbor->destination, "+18885550117");
  EXPECT_EQ(harbor->min_bid_micros, 12'500'000);
  EXPECT_EQ(harbor->daily_cap, 800);
  EXPECT_EQ(harbor->concurrency_cap, 60);
  EXPECT_EQ(harbor->sim.bid_mean_micros, 38'000'000);
  EXPECT_EQ(harbor->sim.bid_stddev_micros, 9'500'000);
  EXPECT_EQ(harbor->sim.latency_mean_ms, 120);
  EXPECT_DOUBLE_EQ(harbor->sim.answer_rate, 0.88);
  EXPECT_EQ(c.find_buyer("metro-call-exchange")->sim.bid_stddev_micros, 7'250'000);
  EXPECT_EQ(c.find_source("brightpath-media")->revenue_share_bp, 6000);

  for (const auto& campaign : c.campaigns) {
    EXPECT_GE(campaign.buyer_ids.size(), 4u) << campaign.id;
    EXPECT_LE(campaign.buyer_ids.size(), 6u) << campaign.id;
  }
  int slow_tails = 0;
  for (const auto& b : c.buyers) {
    EXPECT_GE(b.sim.bid_mean_micros, 8'000'000) << b.id;
    EXPECT_LE(b.sim.bid_mean_micros, 45'000'000) << b.id;
    if (b.sim.latency_mean_ms + 2 * b.sim.latency_stddev_ms > 500) ++slow_tails;
  }
  EXPECT_GE(slow_tails, 2);
  for (const auto& d : c.dids) {
    EXPECT_NE(c.find_campaign(d.campaign_id), nullptr) << d.number;
    EXPECT_NE(c.find_source(d.source_id), nullptr) << d.number;
  }
}

TEST(ConfigJson, InvalidExampleReportsEveryMistake) {
  config_result r = load_config_file(example("invalid.json"));
  EXPECT_FALSE(r.ok());
  EXPECT_FALSE(r.config.has_value());
  EXPECT_EQ(pointers(r), (std::vector<std::string>{
                             "/threads",
                             "/campaigns/0/floor",
                             "/sources/0/revenue_share_bp",
                             "/buyers/0/daily_cap_calls",
                             "/buyers/0/sim/answer_rate",
                         }))
      << format_config_errors(r.errors);
}

// --- Money ---------------------------------------------------------------------

TEST(ConfigJson, MoneyConvertsToExactMicros) {
  config_result r = parse_config(minimal(
      R"(, "min_bid": 0.1, "sim": { "bid_mean": 19.99, "bid_stddev": 1e-6 })",
      R"(, "floor": 0.000001)"));
  ASSERT_TRUE(r.ok()) << format_config_errors(r.errors);
  const buyer_config& b = r.config->buyers[0];
  EXPECT_EQ(b.min_bid_micros, 100'000);
  EXPECT_EQ(b.sim.bid_mean_micros, 19'990'000);
  EXPECT_EQ(b.sim.bid_stddev_micros, 1);
  EXPECT_EQ(r.config->campaigns[0].floor_micros, 1);
}

TEST(ConfigJson, MoneyIsExactAcrossTrickyAmounts) {
  struct sample {
    const char* json;
    int64_t micros;
  };
  for (const sample& s : {sample{"0.29", 290'000}, sample{"1.005", 1'005'000},
                          sample{"4.35", 4'350'000}, sample{"0.3", 300'000},
                          sample{"123456.789012", 123'456'789'012},
                          sample{"999999.999999", 999'999'999'999}, sample{"1000000", 1'000'000'000'000},
                          sample{"0", 0}, sample{"7", 7'000'000}}) {
    config_result r = parse_config(minimal(std::string(R"(, "min_bid": )") + s.json));
    ASSERT_TRUE(r.ok()) << s.json << "\n" << format_config_errors(r.errors);
    EXPECT_EQ(r.config->buyers[0].min_bid_micros, s.micros) << s.json;
  }
}

TEST(ConfigJson, MoneyWithMoreThanSixDecimalsIsRejected) {
  config_result r = parse_config(minimal(R"(, "min_bid": 0.0000001, "sim": { "bid_mean": 2.1234567 })"));
  EXPECT_EQ(pointers(r), (std::vector<std::string>{"/buyers/0/min_bid", "/buyers/0/sim/bid_mean"}))
      << format_config_errors(r.errors);
  EXPECT_TRUE(contains(message_at(r, "/buyers/0/min_bid"), "6 decimal"));
}

// --- One test per kind of error --------------------------------------------------

TEST(ConfigJson, WrongTypeNamesTheField) {
  config_result r = parse_config(R"({ "threads": "2" })");
  EXPECT_EQ(pointers(r), std::vector<std::string>{"/threads"});
  EXPECT_TRUE(contains(message_at(r, "/threads"), "expected integer")) << message_at(r, "/threads");

  r = parse_config(R"({ "buyers": [{ "id": "b1", "active": "yes" }] })");
  EXPECT_EQ(pointers(r), std::vector<std::string>{"/buyers/0/active"});

  r = parse_config(R"({ "buyers": { "id": "b1" } })");
  EXPECT_EQ(pointers(r), std::vector<std::string>{"/buyers"});
}

TEST(ConfigJson, DocumentThatIsNotAnObject) {
  config_result r = parse_config("[1, 2]");
  EXPECT_EQ(pointers(r), std::vector<std::string>{""});
  EXPECT_TRUE(contains(r.errors.at(0).message, "expected object"));
}

TEST(ConfigJson, MissingRequiredIdPointsAtTheObject) {
  config_result r = parse_config(R"({ "buyers": [{ "id": "b1" }, { "name": "No Id Inc." }] })");
  EXPECT_EQ(pointers(r), std::vector<std::string>{"/buyers/1"});
  EXPECT_TRUE(contains(message_at(r, "/buyers/1"), "\"id\"")) << message_at(r, "/buyers/1");

  r = parse_config(R"({ "dids": [{ "number": "+18005550100" }] })");
  EXPECT_EQ(pointers(r), (std::vector<std::string>{"/dids/0", "/dids/0"}));
}

TEST(ConfigJson, OutOfRangeValues) {
  config_result r = parse_config(R"({
    "threads": 0,
    "carrier_sim": { "abandon_rate": 1.2, "calls_per_second": -1 },
    "sources": [{ "id": "s1", "revenue_share_bp": 10001 }]
  })");
  EXPECT_EQ(pointers(r), (std::vector<std::string>{"/threads", "/carrier_sim/abandon_rate",
                                                   "/carrier_sim/calls_per_second",
                                                   "/sources/0/revenue_share_bp"}))
      << format_config_errors(r.errors);
  EXPECT_TRUE(contains(message_at(r, "/threads"), "at least 1"));
  EXPECT_TRUE(contains(message_at(r, "/carrier_sim/abandon_rate"), "at most 1"));
}

TEST(ConfigJson, UnknownKeysAreEachReported) {
  config_result r = parse_config(R"({
    "nodename": "x",
    "buyers": [{ "id": "b1", "flor": 1, "floor_micros": 5, "sim": { "latency_ms": 3 } }]
  })");
  EXPECT_EQ(pointers(r), (std::vector<std::string>{"/nodename", "/buyers/0/flor",
                                                   "/buyers/0/floor_micros", "/buyers/0/sim/latency_ms"}))
      << format_config_errors(r.errors);
  EXPECT_TRUE(contains(message_at(r, "/nodename"), "did you mean \"node_name\""));
}

TEST(ConfigJson, KeysWithSlashesAreEscapedInPointers) {
  config_result r = parse_config(R"({ "timing": { "a/b~c": 1 } })");
  EXPECT_EQ(pointers(r), std::vector<std::string>{"/timing/a~1b~0c"});
}

TEST(ConfigJson, EnumsAndPatterns) {
  config_result r = parse_config(R"({
    "campaigns": [{ "id": "c1", "voice": "robot", "language": "english",
                    "hold_audio_url": "ftp://hold.example/a.mp3" }],
    "buyers": [{ "id": "b 1", "destination": "555-0100" }, { "id": "b2", "destination": "sip:agent@pbx.example" }],
    "dids": [{ "number": "18005550100", "campaign_id": "c1", "source_id": "s1" }]
  })");
  EXPECT_EQ(pointers(r), (std::vector<std::string>{
                             "/campaigns/0/voice", "/campaigns/0/language", "/campaigns/0/hold_audio_url",
                             "/buyers/0/id", "/buyers/0/destination", "/dids/0/number"}))
      << format_config_errors(r.errors);
  EXPECT_TRUE(contains(message_at(r, "/campaigns/0/voice"), "\"female\""));
  EXPECT_TRUE(contains(message_at(r, "/dids/0/number"), "E.164"));
}

TEST(ConfigJson, BuyerPingUrlIsAnHttpUrl) {
  config_result ok = parse_config(minimal(R"(, "ping_url": "https://rtb.buyer.example/ping?src=ringbid")", ""));
  ASSERT_TRUE(ok.ok()) << format_config_errors(ok.errors);
  EXPECT_EQ(ok.config->buyers[0].ping_url, "https://rtb.buyer.example/ping?src=ringbid");
  config_result bad = parse_config(minimal(R"(, "ping_url": "ftp://rtb.buyer.example/ping")", ""));
  EXPECT_EQ(pointers(bad), std::vector<std::string>{"/buyers/0/ping_url"}) << format_config_errors(bad.errors);
}

TEST(ConfigJson, DuplicateIdsPointAtTheSecondOccurrence) {
  config_result r = parse_config(R"({
    "buyers": [{ "id": "b1" }, { "id": "b2" }, { "id": "b1" }],
    "sources": [{ "id": "s1" }, { "id": "s1" }],
    "campaigns": [{ "id": "c1" }, { "id": "c1" }],
    "dids": [{ "number": "+18005550100", "campaign_id": "c1", "source_id": "s1" },
             { "number": "+18005550100", "campaign_id": "c1", "source_id": "s1" }]
  })");
  EXPECT_EQ(pointers(r), (std::vector<std::string>{"/campaigns/1/id", "/sources/1/id", "/buyers/2/id",
                                                   "/dids/1/number"}))
      << format_config_errors(r.errors);
  EXPECT_TRUE(contains(message_at(r, "/buyers/2/id"), "/buyers/0"));
}

TEST(ConfigJson, DuplicateBuyerInACampaign) {
  config_result r = parse_config(R"({ "buyers": [{ "id": "b1" }, { "id": "b2" }],
                                      "campaigns": [{ "id": "c1", "buyer_ids": ["b1", "b2", "b1"] }] })");
  EXPECT_EQ(pointers(r), std::vector<std::string>{"/campaigns/0/buyer_ids/2"});
  EXPECT_TRUE(contains(message_at(r, "/campaigns/0/buyer_ids/2"), "duplicate"));
}

TEST(ConfigJson, UnknownBuyerInACampaign) {
  config_result r = parse_config(R"({ "buyers": [{ "id": "b1" }],
                                      "campaigns": [{ "id": "c1", "buyer_ids": ["b1", "ghost"] }] })");
  EXPECT_EQ(pointers(r), std::vector<std::string>{"/campaigns/0/buyer_ids/1"})
      << format_config_errors(r.errors);
  EXPECT_TRUE(contains(message_at(r, "/campaigns/0/buyer_ids/1"), "\"ghost\""));
}

TEST(ConfigJson, DidNamingUnknownCampaignOrSource) {
  config_result r = parse_config(R"({
    "campaigns": [{ "id": "c1" }],
    "sources": [{ "id": "s1" }],
    "dids": [{ "number": "+18005550100", "campaign_id": "c9", "source_id": "s1" },
             { "number": "+18005550101", "campaign_id": "c1", "source_id": "s9" }]
  })");
  EXPECT_EQ(pointers(r), (std::vector<std::string>{"/dids/0/campaign_id", "/dids/1/source_id"}));
  EXPECT_TRUE(contains(message_at(r, "/dids/0/campaign_id"), "unknown campaign \"c9\""));
}

TEST(ConfigJson, MalformedJsonNamesTheOffset) {
  config_result r = parse_config("{ \"threads\": 2,\n  }");
  ASSERT_EQ(r.errors.size(), 1u);
  EXPECT_EQ(r.errors[0].pointer, "");
  EXPECT_TRUE(contains(r.errors[0].message, "byte 18")) << r.errors[0].message;
  EXPECT_TRUE(contains(r.errors[0].message, "line 2, column 3")) << r.errors[0].message;
  EXPECT_FALSE(r.config.has_value());

  r = parse_config("");
  ASSERT_EQ(r.errors.size(), 1u);
  EXPECT_TRUE(contains(r.errors[0].message, "byte 0")) << r.errors[0].message;
}

TEST(ConfigJson, MissingFileIsADocumentLevelError) {
  config_result r = load_config_file(example("no-such-config.json"));
  ASSERT_EQ(r.errors.size(), 1u);
  EXPECT_EQ(r.errors[0].pointer, "");
  EXPECT_TRUE(contains(r.errors[0].message, "no-such-config.json"));
  EXPECT_FALSE(r.ok());
}

// --- Many errors at once, defaults, formatting -----------------------------------

TEST(ConfigJson, IndependentErrorsAreAllReported) {
  config_result r = parse_config(R"({
    "threads": 999,
    "buyers": [
      { "id": "b1", "daily_cap": -1 },
      { "id": "b2" },
      { "id": "b3", "concurrency_cap": "lots", "sim": { "no_bid_rate": -0.5, "error_rate": 2 } },
      { "name": "anonymous", "typo": true }
    ],
    "timing": { "max_hold_ms": 1.5 },
    "storage": { "data_dir": "" }
  })");
  EXPECT_EQ(pointers(r), (std::vector<std::string>{
                             "/threads", "/buyers/0/daily_cap", "/buyers/2/concurrency_cap",
                             "/buyers/2/sim/no_bid_rate", "/buyers/2/sim/error_rate", "/buyers/3/typo",
                             "/buyers/3", "/timing/max_hold_ms", "/storage/data_dir"}))
      << format_config_errors(r.errors);
  EXPECT_FALSE(r.config.has_value());
}

TEST(ConfigJson, OmittedFieldsKeepTheDefaults) {
  config_result r = parse_config(R"({
    "campaigns": [{ "id": "c1" }],
    "buyers": [{ "id": "b1", "sim": { "bid_mean": 30 } }],
    "timing": { "max_hold_ms": 60000 }
  })");
  ASSERT_TRUE(r.ok()) << format_config_errors(r.errors);
  const engine_config defaults;
  const engine_config& c = *r.config;
  EXPECT_EQ(c.node_name, defaults.node_name);
  EXPECT_EQ(c.threads, defaults.threads);
  EXPECT_EQ(c.not_in_service_text, defaults.not_in_service_text);
  EXPECT_EQ(c.storage.sqlite_file, defaults.storage.sqlite_file);
  EXPECT_EQ(c.supervision.max_restarts, defaults.supervision.max_restarts);
  EXPECT_EQ(c.carrier_sim.calls_per_second, defaults.carrier_sim.calls_per_second);
  EXPECT_EQ(c.timing.max_hold_ms, 60000);
  EXPECT_EQ(c.timing.answer_timeout_ms, defaults.timing.answer_timeout_ms);
  EXPECT_EQ(c.timing.peer_timeout_ms, defaults.timing.peer_timeout_ms);

  const campaign_config campaign_defaults;
  const campaign_config& campaign = c.campaigns.at(0);
  EXPECT_EQ(campaign.floor_micros, campaign_defaults.floor_micros);
  EXPECT_EQ(campaign.auction_deadline_ms, campaign_defaults.auction_deadline_ms);
  EXPECT_EQ(campaign.early_auction, campaign_defaults.early_auction);
  EXPECT_EQ(campaign.voice, campaign_defaults.voice);
  EXPECT_EQ(campaign.language, campaign_defaults.language);
  EXPECT_EQ(campaign.max_rounds, campaign_defaults.max_rounds);
  EXPECT_TRUE(campaign.buyer_ids.empty());

  const buyer_config buyer_defaults;
  const buyer_config& buyer = c.buyers.at(0);
  EXPECT_EQ(buyer.active, buyer_defaults.active);
  EXPECT_EQ(buyer.daily_cap, buyer_defaults.daily_cap);
  EXPECT_EQ(buyer.sim.bid_mean_micros, 30'000'000);
  EXPECT_EQ(buyer.sim.bid_stddev_micros, buyer_defaults.sim.bid_stddev_micros);
  EXPECT_EQ(buyer.sim.latency_mean_ms, buyer_defaults.sim.latency_mean_ms);
  EXPECT_DOUBLE_EQ(buyer.sim.answer_rate, buyer_defaults.sim.answer_rate);
}

TEST(ConfigJson, EmptyObjectIsAValidConfig) {
  config_result r = parse_config("{}");
  ASSERT_TRUE(r.ok()) << format_config_errors(r.errors);
  EXPECT_TRUE(r.config->buyers.empty());
  EXPECT_EQ(r.config->threads, engine_config{}.threads);
}

TEST(ConfigJson, FormatsOneLinePerError) {
  std::vector<config_error> errors{{"/buyers/2/daily_cap", "must be at least 0, got -1"},
                                   {"", "cannot read config file \"x\": it is a directory"}};
  EXPECT_EQ(format_config_errors(errors),
            "/buyers/2/daily_cap: must be at least 0, got -1\n"
            "cannot read config file \"x\": it is a directory\n");
  EXPECT_EQ(format_config_errors({}), "");
}


// --- Caps ---------------------------------------------------------------------

std::string with_caps(const std::string& caps, const std::string& buyer_extra = "") {
  auto base = minimal(buyer_extra);
  return base.substr(0, base.rfind('}')) + R"(, "caps": )" + caps + "}";
}

TEST(ConfigJson, CapsOfEveryKindLoad) {
  config_result r = parse_config(with_caps(R"([
    { "owner": "buyer", "id": "b1", "measure": "calls", "window": "hour", "limit": 5, "counts_on": "routed" },
    { "owner": "campaign", "id": "c1", "measure": "revenue", "window": "month", "budget": 1500.25,
      "time_zone": "Europe/Paris" },
    { "owner": "source", "id": "s1", "measure": "concurrency", "limit": 3 },
    { "owner": "campaign_buyer", "campaign": "c1", "buyer": "b1", "measure": "calls", "window": "rolling",
      "rolling_minutes": 60, "limit": 2, "counts_on": "converted" },
    { "owner": "buyer", "id": "b1", "measure": "spacing", "seconds": 45 }
  ])", R"(, "time_zone": "America/Chicago", "conversion_buffer_s": 90)"));
  ASSERT_TRUE(r.errors.empty()) << format_config_errors(r.errors);
  const auto& c = *r.config;
  ASSERT_EQ(c.caps.size(), 5u);
  EXPECT_EQ(c.buyers[0].time_zone, "America/Chicago");
  EXPECT_EQ(c.buyers[0].conversion_buffer_s, 90);
  EXPECT_EQ(c.caps[0].window, "hour");
  EXPECT_EQ(c.caps[0].counts_on, count_stage::routed);
  EXPECT_EQ(c.caps[1].measure, cap_measure::revenue);
  EXPECT_EQ(c.caps[1].limit, 1'500'250'000);
  EXPECT_EQ(c.caps[1].counts_on, count_stage::bridged);
  EXPECT_EQ(c.caps[2].owner, cap_owner::source);
  EXPECT_EQ(c.caps[3].owner_id, "c1");
  EXPECT_EQ(c.caps[3].buyer_id, "b1");
  EXPECT_EQ(c.caps[3].rolling_minutes, 60);
  EXPECT_EQ(c.caps[4].limit, 45);
  EXPECT_EQ(c.caps[4].counts_on, count_stage::routed) << "spacing counts routed calls unless told otherwise";
  auto rules = resolve_cap_rules(c);
  EXPECT_TRUE(rules.errors.empty());
  EXPECT_EQ(rules.rules.size(), 5u);
}

TEST(ConfigJson, CapMistakesAreEachReportedWithTheirPointer) {
  config_result r = parse_config(with_caps(R"([
    { "owner": "buyer", "id": "ghost", "measure": "calls", "limit": 5 },
    { "owner": "campaign_buyer", "id": "c1", "measure": "calls", "limit": 5 },
    { "owner": "buyer", "id": "b1", "measure": "revenue", "limit": 5 },
    { "owner": "buyer", "id": "b1", "measure": "calls", "window": "rolling", "limit": 1 },
    { "owner": "buyer", "id": "b1", "measure": "concurrency", "limit": 1, "window": "day" },
    { "owner": "buyer", "id": "b1", "measure": "calls", "limit": 1, "time_zone": "Atlantis/Capital" },
    { "owner": "buyer", "id": "b1", "measure": "calls", "window": "fortnight", "limit": 1 }
  ])", R"(, "time_zone": "Mars/Base")"));
  EXPECT_FALSE(r.config);
  EXPECT_TRUE(contains(message_at(r, "/caps/6/window"), "fortnight")) << format_config_errors(r.errors);
  r = parse_config(with_caps(R"([
    { "owner": "buyer", "id": "ghost", "measure": "calls", "limit": 5 },
    { "owner": "campaign_buyer", "id": "c1", "measure": "calls", "limit": 5 },
    { "owner": "buyer", "id": "b1", "measure": "revenue", "limit": 5 },
    { "owner": "buyer", "id": "b1", "measure": "calls", "window": "rolling", "limit": 1 },
    { "owner": "buyer", "id": "b1", "measure": "concurrency", "limit": 1, "window": "day" },
    { "owner": "buyer", "id": "b1", "measure": "calls", "limit": 1, "time_zone": "Atlantis/Capital" }
  ])", R"(, "time_zone": "Mars/Base")"));
  EXPECT_FALSE(r.config);
  auto all = format_config_errors(r.errors);
  EXPECT_TRUE(contains(message_at(r, "/caps/0/id"), "unknown buyer \"ghost\"")) << all;
  EXPECT_TRUE(contains(all, "/caps/1: a campaign_buyer cap needs \"campaign\"")) << all;
  EXPECT_TRUE(contains(message_at(r, "/caps/1/id"), "takes no \"id\"")) << all;
  EXPECT_TRUE(contains(all, "/caps/2: a revenue cap needs \"budget\"")) << all;
  EXPECT_TRUE(contains(message_at(r, "/caps/2/limit"), "takes no \"limit\"")) << all;
  EXPECT_TRUE(contains(all, "/caps/3: a rolling window needs \"rolling_minutes\"")) << all;
  EXPECT_TRUE(contains(message_at(r, "/caps/4/window"), "takes no \"window\"")) << all;
  EXPECT_TRUE(contains(message_at(r, "/caps/5/time_zone"), "Atlantis/Capital")) << all;
  EXPECT_TRUE(contains(message_at(r, "/buyers/0/time_zone"), "unknown time zone \"Mars/Base\"")) << all;
}

} // namespace
} // namespace ringbid
