#include "actors/core/cap_rules.hpp"
#include "adapters/config/config_json.hpp"

#include <gtest/gtest.h>

#include <algorithm>
#include <string>
#include <vector>

#ifndef RINGBID_SOURCE_DIR
#error "RINGBID_SOURCE_DIR must name the repository root (examples/ lives there)"
#endif

namespace ringbid {
namespace {

std::string example(const std::string& name) { return std::string(RINGBID_SOURCE_DIR) + "/examples/" + name; }

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

bool contains(const std::string& text, const std::string& part) { return text.find(part) != std::string::npos; }

/// A small valid config; `buyer_extra` and friends are spliced into the objects.
std::string minimal(const std::string& buyer_extra = "", const std::string& campaign_extra = "") {
  return R"({
    "buyers": [{ "id": "b1")" +
         buyer_extra + R"( }],
    "sources": [{ "id": "s1" }],
    "campaigns": [{ "id": "c1", "buyer_ids": ["b1"])" +
         campaign_extra + R"( }],
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
  config_result r = parse_config(
    minimal(R"(, "min_bid": 0.1, "sim": { "bid_mean": 19.99, "bid_stddev": 1e-6 })", R"(, "floor": 0.000001)"));
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
  for (const sample& s :
       {sample{"0.29", 290'000}, sample{"1.005", 1'005'000}, sample{"4.35", 4'350'000}, sample{"0.3", 300'000},
        sample{"123456.789012", 123'456'789'012}, sample{"999999.999999", 999'999'999'999},
        sample{"1000000", 1'000'000'000'000}, sample{"0", 0}, sample{"7", 7'000'000}}) {
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

TEST(ConfigJson, MoneyIsReadFromItsTextNeverThroughADouble) {
  // Through a double, 0.1 + 0.2 is not 0.3; read from the text it is.
  config_result r = parse_config(minimal(R"(, "min_bid": 0.1, "sim": { "bid_mean": 0.2, "bid_stddev": 0.3 })"));
  ASSERT_TRUE(r.ok()) << format_config_errors(r.errors);
  const buyer_config& b = r.config->buyers[0];
  EXPECT_EQ(b.min_bid_micros + b.sim.bid_mean_micros, b.sim.bid_stddev_micros);
  EXPECT_EQ(b.sim.bid_stddev_micros, 300'000);
  // Exponents are JSON numbers like any other, read exactly.
  struct sample {
    const char* json;
    int64_t micros;
  };
  for (const sample& s :
       {sample{"1.25e2", 125'000'000}, sample{"12E-1", 1'200'000}, sample{"5e-6", 5}, sample{"0.000001e6", 1'000'000},
        sample{"1e+6", 1'000'000'000'000}, sample{"19.990000", 19'990'000}}) {
    r = parse_config(minimal(std::string(R"(, "min_bid": )") + s.json));
    ASSERT_TRUE(r.ok()) << s.json << "\n" << format_config_errors(r.errors);
    EXPECT_EQ(r.config->buyers[0].min_bid_micros, s.micros) << s.json;
  }
  r = parse_config(minimal(R"(, "min_bid": 1.5e-6, "sim": { "bid_mean": 19.9900001 })"));
  EXPECT_EQ(pointers(r), (std::vector<std::string>{"/buyers/0/min_bid", "/buyers/0/sim/bid_mean"}))
    << format_config_errors(r.errors);
  EXPECT_EQ(message_at(r, "/buyers/0/min_bid"), "money takes at most 6 decimal places, got 1.5e-6");
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
                                                   "/carrier_sim/calls_per_second", "/sources/0/revenue_share_bp"}))
    << format_config_errors(r.errors);
  EXPECT_TRUE(contains(message_at(r, "/threads"), "at least 1"));
  EXPECT_TRUE(contains(message_at(r, "/carrier_sim/abandon_rate"), "at most 1"));
}

TEST(ConfigJson, UnknownKeysAreEachReported) {
  config_result r = parse_config(R"({
    "nodename": "x",
    "buyers": [{ "id": "b1", "flor": 1, "floor_micros": 5, "sim": { "latency_ms": 3 } }]
  })");
  EXPECT_EQ(pointers(r), (std::vector<std::string>{"/nodename", "/buyers/0/flor", "/buyers/0/floor_micros",
                                                   "/buyers/0/sim/latency_ms"}))
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
  EXPECT_EQ(pointers(r),
            (std::vector<std::string>{"/campaigns/0/voice", "/campaigns/0/language", "/campaigns/0/hold_audio_url",
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
  EXPECT_EQ(pointers(r),
            (std::vector<std::string>{"/campaigns/1/id", "/sources/1/id", "/buyers/2/id", "/dids/1/number"}))
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
  EXPECT_EQ(pointers(r), std::vector<std::string>{"/campaigns/0/buyer_ids/1"}) << format_config_errors(r.errors);
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
  EXPECT_EQ(pointers(r),
            (std::vector<std::string>{"/threads", "/buyers/0/daily_cap", "/buyers/2/concurrency_cap",
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
  EXPECT_EQ(format_config_errors(errors), "/buyers/2/daily_cap: must be at least 0, got -1\n"
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
  ])",
                                           R"(, "time_zone": "America/Chicago", "conversion_buffer_s": 90)"));
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
  ])",
                                           R"(, "time_zone": "Mars/Base")"));
  EXPECT_FALSE(r.config);
  EXPECT_TRUE(contains(message_at(r, "/caps/6/window"), "fortnight")) << format_config_errors(r.errors);
  r = parse_config(with_caps(R"([
    { "owner": "buyer", "id": "ghost", "measure": "calls", "limit": 5 },
    { "owner": "campaign_buyer", "id": "c1", "measure": "calls", "limit": 5 },
    { "owner": "buyer", "id": "b1", "measure": "revenue", "limit": 5 },
    { "owner": "buyer", "id": "b1", "measure": "calls", "window": "rolling", "limit": 1 },
    { "owner": "buyer", "id": "b1", "measure": "concurrency", "limit": 1, "window": "day" },
    { "owner": "buyer", "id": "b1", "measure": "calls", "limit": 1, "time_zone": "Atlantis/Capital" }
  ])",
                             R"(, "time_zone": "Mars/Base")"));
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

// --- Routing: hours, targeting, breakers, strategies, tags ----------------------

/// A buyer "b1" whose body is `buyer_body` (after the id), in the minimal config.
std::string with_buyer(const std::string& buyer_body) { return minimal(", " + buyer_body); }

/// Every error, formatted, for failure messages.
std::string all_errors(const config_result& r) { return format_config_errors(r.errors); }

TEST(ConfigJson, RoutingFieldsAreAllRead) {
  config_result r = parse_config(R"({
    "caller_hash_secret": "s3cret-key",
    "buyers": [
      { "id": "b1", "fixed_payout": 27.5, "priority": 2, "weight": 30,
        "breaker": { "failure_threshold": 0, "open_ms": 1500 },
        "hours": {
          "weekly": [
            { "days": ["mon", "tue", "wed", "thu", "fri"], "open": "08:30", "close": "17:45" },
            { "days": ["sat", "sun"], "open": "22:00", "close": "02:00" },
            { "days": ["wed"], "open": "18:00", "close": "24:00" },
            { "days": ["thu"] }
          ],
          "exceptions": [
            { "date": "2026-12-25", "note": "Christmas" },
            { "date": "2026-12-24", "closed": false, "open": "09:00", "close": "13:00", "note": "Christmas Eve" },
            { "date": "2028-02-29", "closed": true }
          ]
        },
        "target": {
          "states": ["TX", "CA"], "excluded_states": ["NY"],
          "area_codes": ["512", "737"], "excluded_area_codes": ["212"],
          "verticals": ["auto_insurance", "solar"],
          "rules": [
            { "field": "caller_state", "op": "equals", "value": "TX" },
            { "field": "zip", "op": "not_equals", "value": "78701" },
            { "field": "day_of_week", "op": "in", "values": ["mon", "FRI"] },
            { "field": "tag", "op": "not_in", "values": ["spam", "test"] },
            { "field": "ivr.zip", "op": "regex", "value": "787[0-9]{2}" },
            { "field": "time_of_day", "op": "range", "min": 900, "max": 1730.5 },
            { "field": "ivr.age", "op": "range", "min": -1, "max": -1 },
            { "field": "area_code", "op": "in", "values": ["512"] }
          ]
        } },
      { "id": "b2", "ping_url": "https://rtb.example/ping", "fixed_payout": 0 }
    ],
    "sources": [{ "id": "s1", "tags": ["organic", "search"] }],
    "campaigns": [
      { "id": "c1", "active": false, "strategy": "weighted", "clearing": "second_price",
        "price_increment": 0.25, "buyer_ids": ["b1", "b2"] },
      { "id": "c2", "strategy": "round_robin", "price_increment": 0 },
      { "id": "c3", "strategy": "waterfall", "clearing": "first_price" },
      { "id": "c4", "strategy": "auction" }
    ],
    "dids": [{ "number": "+18005550100", "campaign_id": "c1", "source_id": "s1", "tags": ["spanish"] }]
  })");
  ASSERT_TRUE(r.ok()) << all_errors(r);
  const engine_config& c = *r.config;
  EXPECT_EQ(c.caller_hash_secret, "s3cret-key");

  const buyer_config& b = c.buyers.at(0);
  EXPECT_EQ(b.fixed_payout_micros, 27'500'000);
  EXPECT_EQ(b.priority, 2);
  EXPECT_EQ(b.weight, 30);
  EXPECT_EQ(b.breaker.failure_threshold, 0);
  EXPECT_EQ(b.breaker.open_ms, 1500);

  ASSERT_EQ(b.hours.weekly.size(), 4u);
  EXPECT_EQ(b.hours.weekly[0].days, (std::vector<int32_t>{1, 2, 3, 4, 5}));
  EXPECT_EQ(b.hours.weekly[0].open_minute, 8 * 60 + 30);
  EXPECT_EQ(b.hours.weekly[0].close_minute, 17 * 60 + 45);
  EXPECT_EQ(b.hours.weekly[1].days, (std::vector<int32_t>{6, 0})) << "sat = 6, sun = 0";
  EXPECT_EQ(b.hours.weekly[1].open_minute, 22 * 60);
  EXPECT_EQ(b.hours.weekly[1].close_minute, 2 * 60) << "overnight: close before open is kept as is";
  EXPECT_EQ(b.hours.weekly[2].close_minute, 1440);
  EXPECT_EQ(b.hours.weekly[3].days, std::vector<int32_t>{4});
  EXPECT_EQ(b.hours.weekly[3].open_minute, 0) << "open defaults to 00:00";
  EXPECT_EQ(b.hours.weekly[3].close_minute, 1440) << "close defaults to 24:00";

  ASSERT_EQ(b.hours.exceptions.size(), 3u);
  EXPECT_EQ(b.hours.exceptions[0].date, "2026-12-25");
  EXPECT_TRUE(b.hours.exceptions[0].closed) << "closed defaults to true";
  EXPECT_EQ(b.hours.exceptions[0].note, "Christmas");
  EXPECT_EQ(b.hours.exceptions[1].date, "2026-12-24");
  EXPECT_FALSE(b.hours.exceptions[1].closed);
  EXPECT_EQ(b.hours.exceptions[1].open_minute, 9 * 60);
  EXPECT_EQ(b.hours.exceptions[1].close_minute, 13 * 60);
  EXPECT_EQ(b.hours.exceptions[1].note, "Christmas Eve");
  EXPECT_EQ(b.hours.exceptions[2].date, "2028-02-29") << "a leap day is a real date";
  EXPECT_TRUE(b.hours.exceptions[2].note.empty());

  const targeting& t = b.target;
  EXPECT_EQ(t.states, (std::vector<std::string>{"TX", "CA"}));
  EXPECT_EQ(t.excluded_states, std::vector<std::string>{"NY"});
  EXPECT_EQ(t.area_codes, (std::vector<std::string>{"512", "737"}));
  EXPECT_EQ(t.excluded_area_codes, std::vector<std::string>{"212"});
  EXPECT_EQ(t.verticals, (std::vector<std::string>{"auto_insurance", "solar"}));
  ASSERT_EQ(t.rules.size(), 8u);
  EXPECT_EQ(t.rules[0].field, "caller_state");
  EXPECT_EQ(t.rules[0].op, rule_operator::equals);
  EXPECT_EQ(t.rules[0].values, std::vector<std::string>{"TX"});
  EXPECT_EQ(t.rules[1].field, "zip");
  EXPECT_EQ(t.rules[1].op, rule_operator::not_equals);
  EXPECT_EQ(t.rules[1].values, std::vector<std::string>{"78701"});
  EXPECT_EQ(t.rules[2].op, rule_operator::in);
  EXPECT_EQ(t.rules[2].values, (std::vector<std::string>{"mon", "FRI"}));
  EXPECT_EQ(t.rules[3].field, "tag");
  EXPECT_EQ(t.rules[3].op, rule_operator::not_in);
  EXPECT_EQ(t.rules[3].values, (std::vector<std::string>{"spam", "test"}));
  EXPECT_EQ(t.rules[4].field, "ivr.zip");
  EXPECT_EQ(t.rules[4].op, rule_operator::regex);
  EXPECT_EQ(t.rules[4].values, std::vector<std::string>{"787[0-9]{2}"});
  EXPECT_EQ(t.rules[5].field, "time_of_day");
  EXPECT_EQ(t.rules[5].op, rule_operator::range);
  EXPECT_TRUE(t.rules[5].values.empty());
  EXPECT_DOUBLE_EQ(t.rules[5].min, 900);
  EXPECT_DOUBLE_EQ(t.rules[5].max, 1730.5);
  EXPECT_DOUBLE_EQ(t.rules[6].min, -1);
  EXPECT_DOUBLE_EQ(t.rules[6].max, -1);
  EXPECT_EQ(t.rules[7].field, "area_code");

  EXPECT_EQ(c.buyers.at(1).fixed_payout_micros, 0) << "0 = a bidding buyer, which may have a ping_url";
  EXPECT_EQ(c.buyers.at(1).ping_url, "https://rtb.example/ping");

  EXPECT_EQ(c.sources.at(0).tags, (std::vector<std::string>{"organic", "search"}));
  EXPECT_EQ(c.dids.at(0).tags, std::vector<std::string>{"spanish"});

  const campaign_config& c1 = c.campaigns.at(0);
  EXPECT_FALSE(c1.active);
  EXPECT_EQ(c1.strategy, routing_strategy::weighted);
  EXPECT_EQ(c1.clearing, clearing_rule::second_price);
  EXPECT_EQ(c1.price_increment_micros, 250'000);
  EXPECT_EQ(c.campaigns.at(1).strategy, routing_strategy::round_robin);
  EXPECT_EQ(c.campaigns.at(1).price_increment_micros, 0);
  EXPECT_EQ(c.campaigns.at(2).strategy, routing_strategy::waterfall);
  EXPECT_EQ(c.campaigns.at(2).clearing, clearing_rule::first_price);
  EXPECT_EQ(c.campaigns.at(3).strategy, routing_strategy::auction);
}

TEST(ConfigJson, RoutingFieldsDefaultWhenAbsent) {
  config_result r = parse_config(minimal());
  ASSERT_TRUE(r.ok()) << all_errors(r);
  const engine_config& c = *r.config;
  EXPECT_TRUE(c.caller_hash_secret.empty());

  const buyer_config& b = c.buyers.at(0);
  EXPECT_EQ(b.fixed_payout_micros, 0);
  EXPECT_EQ(b.priority, 1);
  EXPECT_EQ(b.weight, 1);
  EXPECT_EQ(b.breaker.failure_threshold, 5);
  EXPECT_EQ(b.breaker.open_ms, 30'000);
  EXPECT_TRUE(b.hours.weekly.empty());
  EXPECT_TRUE(b.hours.exceptions.empty());
  EXPECT_TRUE(b.target.states.empty());
  EXPECT_TRUE(b.target.excluded_states.empty());
  EXPECT_TRUE(b.target.area_codes.empty());
  EXPECT_TRUE(b.target.excluded_area_codes.empty());
  EXPECT_TRUE(b.target.verticals.empty());
  EXPECT_TRUE(b.target.rules.empty());
  EXPECT_TRUE(c.sources.at(0).tags.empty());
  EXPECT_TRUE(c.dids.at(0).tags.empty());

  const campaign_config& campaign = c.campaigns.at(0);
  EXPECT_TRUE(campaign.active);
  EXPECT_EQ(campaign.strategy, routing_strategy::auction);
  EXPECT_EQ(campaign.clearing, clearing_rule::first_price);
  EXPECT_EQ(campaign.price_increment_micros, 10'000);

  // Empty objects keep the defaults too.
  r = parse_config(with_buyer(R"("hours": {}, "target": {}, "breaker": { "open_ms": 5 })"));
  ASSERT_TRUE(r.ok()) << all_errors(r);
  EXPECT_EQ(r.config->buyers[0].breaker.failure_threshold, 5);
  EXPECT_EQ(r.config->buyers[0].breaker.open_ms, 5);
  EXPECT_TRUE(r.config->buyers[0].hours.weekly.empty());
}

TEST(ConfigJson, HoursMistakes) {
  config_result r = parse_config(with_buyer(R"("hours": { "weekly": [
      { "days": ["mon", "Tue", "tues", "mon"], "open": "9:00", "close": "24:30" },
      { "days": [], "open": "24:00", "close": "12:60" },
      { "open": "08:00", "close": "17:00" }
    ] })"));
  EXPECT_EQ(pointers(r), (std::vector<std::string>{"/buyers/0/hours/weekly/0/days/3", "/buyers/0/hours/weekly/0/days/1",
                                                   "/buyers/0/hours/weekly/0/days/2", "/buyers/0/hours/weekly/0/open",
                                                   "/buyers/0/hours/weekly/0/close", "/buyers/0/hours/weekly/1/days",
                                                   "/buyers/0/hours/weekly/1/open", "/buyers/0/hours/weekly/1/close",
                                                   "/buyers/0/hours/weekly/2"}))
    << all_errors(r);
  EXPECT_TRUE(contains(message_at(r, "/buyers/0/hours/weekly/0/days/1"), "\"mon\"")) << all_errors(r);
  EXPECT_TRUE(contains(message_at(r, "/buyers/0/hours/weekly/0/days/1"), "\"Tue\"")) << all_errors(r);
  EXPECT_TRUE(contains(message_at(r, "/buyers/0/hours/weekly/0/days/3"), "duplicate")) << all_errors(r);
  EXPECT_TRUE(contains(message_at(r, "/buyers/0/hours/weekly/0/open"), "HH:MM")) << all_errors(r);
  EXPECT_TRUE(contains(message_at(r, "/buyers/0/hours/weekly/2"), "\"days\"")) << all_errors(r);
  EXPECT_FALSE(r.config);
}

TEST(ConfigJson, DateExceptionMistakes) {
  // The format is the schema's; real dates and the open/close pairing are checked after.
  config_result r = parse_config(with_buyer(R"("hours": { "exceptions": [
      { "date": "2026-2-3" }, { "date": "Christmas" }, { "note": "no date" }
    ] })"));
  EXPECT_EQ(pointers(r),
            (std::vector<std::string>{"/buyers/0/hours/exceptions/0/date", "/buyers/0/hours/exceptions/1/date",
                                      "/buyers/0/hours/exceptions/2"}))
    << all_errors(r);
  EXPECT_TRUE(contains(message_at(r, "/buyers/0/hours/exceptions/0/date"), "YYYY-MM-DD")) << all_errors(r);

  r = parse_config(with_buyer(R"("hours": { "exceptions": [
      { "date": "2026-02-30" },
      { "date": "2025-02-29", "closed": true },
      { "date": "2026-13-01" },
      { "date": "2026-12-24", "closed": false },
      { "date": "2026-12-31", "closed": false, "open": "10:00" },
      { "date": "2026-12-25", "open": "10:00", "close": "14:00" },
      { "date": "2026-12-26", "closed": false, "open": "22:00", "close": "02:00" },
      { "date": "2026-12-24", "closed": false, "open": "10:00", "close": "10:00" },
      { "date": "2026-04-31" },
      { "date": "0000-01-01" },
      { "date": "2026-07-04", "closed": false, "open": "00:00", "close": "24:00" }
    ] })"));
  const std::string at = "/buyers/0/hours/exceptions/";
  EXPECT_EQ(pointers(r), (std::vector<std::string>{at + "0/date", at + "1/date", at + "2/date", at + "3", at + "3",
                                                   at + "4", at + "5/open", at + "5/close", at + "6/close",
                                                   at + "7/date", at + "7/close", at + "8/date", at + "9/date"}))
    << all_errors(r);
  EXPECT_TRUE(contains(message_at(r, at + "0/date"), "\"2026-02-30\" is not a real date")) << all_errors(r);
  EXPECT_TRUE(contains(message_at(r, at + "3"), "\"closed\": false needs \"open\"")) << all_errors(r);
  EXPECT_TRUE(contains(all_errors(r), at + "3: a date with \"closed\": false needs \"close\"")) << all_errors(r);
  EXPECT_TRUE(contains(message_at(r, at + "4"), "needs \"close\"")) << all_errors(r);
  EXPECT_TRUE(contains(message_at(r, at + "5/open"), "a closed date takes no \"open\"")) << all_errors(r);
  EXPECT_TRUE(contains(message_at(r, at + "6/close"), "after open (22:00)")) << all_errors(r);
  EXPECT_TRUE(contains(message_at(r, at + "7/date"), "duplicate date \"2026-12-24\" (first at " + at + "3/date)"))
    << all_errors(r);
  EXPECT_FALSE(r.config);
}

TEST(ConfigJson, TargetListMistakes) {
  config_result r = parse_config(with_buyer(R"("target": {
      "states": ["tx", "Texas", "CA", "CA"], "excluded_states": ["T1"],
      "area_codes": ["51", "5125"], "excluded_area_codes": ["abc"],
      "verticals": [""], "nope": 1 })"));
  const std::string at = "/buyers/0/target";
  EXPECT_EQ(pointers(r),
            (std::vector<std::string>{at + "/nope", at + "/states/3", at + "/states/0", at + "/states/1",
                                      at + "/excluded_states/0", at + "/area_codes/0", at + "/area_codes/1",
                                      at + "/excluded_area_codes/0", at + "/verticals/0"}))
    << all_errors(r);
  EXPECT_TRUE(contains(message_at(r, at + "/states/0"), "two-letter")) << all_errors(r);
  EXPECT_TRUE(contains(message_at(r, at + "/area_codes/0"), "three-digit")) << all_errors(r);

  // A state or area code both accepted and excluded can never match.
  r = parse_config(with_buyer(R"("target": { "states": ["TX", "CA"], "excluded_states": ["NY", "CA"],
                                              "area_codes": ["512"], "excluded_area_codes": ["512"] })"));
  EXPECT_EQ(pointers(r), (std::vector<std::string>{at + "/excluded_states/1", at + "/excluded_area_codes/0"}))
    << all_errors(r);
  EXPECT_TRUE(contains(message_at(r, at + "/excluded_states/1"), "\"CA\" is also in \"states\"")) << all_errors(r);
}

TEST(ConfigJson, RuleFieldsAndOperatorsAreChecked) {
  config_result r = parse_config(with_buyer(R"("target": { "rules": [
      { "field": "colour", "op": "equals", "value": "red" },
      { "field": "ivr.", "op": "equals", "value": "x" },
      { "field": "zip", "op": "like", "value": "787%" },
      { "field": "zip" },
      { "field": "zip", "op": "in", "values": [] },
      { "field": "zip", "op": "equals", "value": "" },
      { "field": "zip", "op": "range", "min": "1", "max": 2 }
    ] })"));
  const std::string at = "/buyers/0/target/rules/";
  EXPECT_EQ(pointers(r), (std::vector<std::string>{at + "0/field", at + "1/field", at + "2/op", at + "3",
                                                   at + "4/values", at + "5/value", at + "6/min"}))
    << all_errors(r);
  EXPECT_TRUE(contains(message_at(r, at + "0/field"), "ivr.<key>")) << all_errors(r);
  EXPECT_TRUE(contains(message_at(r, at + "2/op"), "\"not_equals\"")) << all_errors(r);
  EXPECT_TRUE(contains(message_at(r, at + "3"), "\"op\"")) << all_errors(r);
}

TEST(ConfigJson, RuleOperandsMustMatchTheOperator) {
  config_result r = parse_config(with_buyer(R"("target": { "rules": [
      { "field": "zip", "op": "in", "value": "78701" },
      { "field": "zip", "op": "equals", "values": ["78701"] },
      { "field": "zip", "op": "regex", "value": "787.*", "min": 1 },
      { "field": "ivr.age", "op": "range", "min": 18 },
      { "field": "ivr.age", "op": "range", "min": 18, "max": 65, "value": "x", "values": ["y"] },
      { "field": "zip", "op": "not_in", "values": ["78701"], "max": 3 }
    ] })"));
  const std::string at = "/buyers/0/target/rules/";
  EXPECT_EQ(pointers(r), (std::vector<std::string>{at + "0", at + "0/value", at + "1", at + "1/values", at + "2/min",
                                                   at + "3", at + "4/value", at + "4/values", at + "5/max"}))
    << all_errors(r);
  EXPECT_EQ(message_at(r, at + "0"), "op \"in\" needs \"values\"");
  EXPECT_EQ(message_at(r, at + "0/value"), "op \"in\" takes \"values\" (an array of strings), not \"value\"");
  EXPECT_EQ(message_at(r, at + "1"), "op \"equals\" needs \"value\"");
  EXPECT_EQ(message_at(r, at + "1/values"), "op \"equals\" takes \"value\" (a string), not \"values\"");
  EXPECT_EQ(message_at(r, at + "2/min"), "op \"regex\" takes \"value\" (a string), not \"min\"");
  EXPECT_EQ(message_at(r, at + "3"), "op \"range\" needs \"max\"");
  EXPECT_EQ(message_at(r, at + "4/value"), "op \"range\" takes \"min\" and \"max\" (numbers), not \"value\"");
  EXPECT_FALSE(r.config);
}

TEST(ConfigJson, RuleValuesMustMakeSenseForTheirField) {
  config_result r = parse_config(with_buyer(R"j("target": { "rules": [
      { "field": "zip", "op": "regex", "value": "787(0|1" },
      { "field": "ivr.zip", "op": "regex", "value": "[9-0]" },
      { "field": "ivr.age", "op": "range", "min": 65, "max": 18 },
      { "field": "time_of_day", "op": "range", "min": 900, "max": 900 },
      { "field": "day_of_week", "op": "in", "values": ["mon", "Fri", "funday"] },
      { "field": "day_of_week", "op": "range", "min": 1, "max": 5 },
      { "field": "time_of_day", "op": "equals", "value": "9:30" },
      { "field": "caller_state", "op": "not_in", "values": ["Texas", "CA"] },
      { "field": "area_code", "op": "equals", "value": "51" },
      { "field": "day_of_week", "op": "regex", "value": "(sat|sun)" },
      { "field": "tag", "op": "range", "min": 1, "max": 2 }
    ] })j"));
  const std::string at = "/buyers/0/target/rules/";
  EXPECT_EQ(pointers(r), (std::vector<std::string>{at + "0/value", at + "1/value", at + "2/min", at + "4/values/2",
                                                   at + "5/op", at + "6/value", at + "7/values/0", at + "8/value"}))
    << all_errors(r);
  EXPECT_TRUE(contains(message_at(r, at + "0/value"), "bad regex \"787(0|1\"")) << all_errors(r);
  EXPECT_EQ(message_at(r, at + "2/min"), "range min 65 is greater than max 18");
  EXPECT_TRUE(contains(message_at(r, at + "4/values/2"), "\"funday\" is not a day")) << all_errors(r);
  EXPECT_TRUE(contains(message_at(r, at + "5/op"), "day_of_week")) << all_errors(r);
  EXPECT_TRUE(contains(message_at(r, at + "6/value"), "HHMM")) << all_errors(r);
  EXPECT_FALSE(r.config);
}

TEST(ConfigJson, FixedPayoutBuyerHasNoPingUrl) {
  config_result r = parse_config(with_buyer(R"("fixed_payout": 30, "ping_url": "https://rtb.example/ping")"));
  EXPECT_EQ(pointers(r), std::vector<std::string>{"/buyers/0/ping_url"}) << all_errors(r);
  EXPECT_TRUE(contains(message_at(r, "/buyers/0/ping_url"), "fixed-payout buyer has no RTB endpoint")) << all_errors(r);

  r = parse_config(with_buyer(R"("fixed_payout": 12.3456789)"));
  EXPECT_EQ(pointers(r), std::vector<std::string>{"/buyers/0/fixed_payout"}) << all_errors(r);
  EXPECT_TRUE(contains(message_at(r, "/buyers/0/fixed_payout"), "6 decimal")) << all_errors(r);

  r = parse_config(with_buyer(R"("fixed_payout": -1, "priority": 0, "weight": 0,
                                 "breaker": { "failure_threshold": -1, "open_ms": 0 })"));
  EXPECT_EQ(pointers(r), (std::vector<std::string>{"/buyers/0/fixed_payout", "/buyers/0/priority", "/buyers/0/weight",
                                                   "/buyers/0/breaker/failure_threshold", "/buyers/0/breaker/open_ms"}))
    << all_errors(r);
  EXPECT_TRUE(contains(message_at(r, "/buyers/0/weight"), "at least 1")) << all_errors(r);
}

TEST(ConfigJson, CampaignRoutingMistakes) {
  config_result r = parse_config(minimal("", R"(, "strategy": "highest_bid", "clearing": "vickrey",
                                                "price_increment": -0.01, "active": "yes")"));
  EXPECT_EQ(pointers(r), (std::vector<std::string>{"/campaigns/0/strategy", "/campaigns/0/clearing",
                                                   "/campaigns/0/price_increment", "/campaigns/0/active"}))
    << all_errors(r);
  EXPECT_TRUE(contains(message_at(r, "/campaigns/0/strategy"), "\"round_robin\"")) << all_errors(r);
  EXPECT_TRUE(contains(message_at(r, "/campaigns/0/strategy"), "\"highest_bid\"")) << all_errors(r);
  EXPECT_TRUE(contains(message_at(r, "/campaigns/0/clearing"), "\"second_price\"")) << all_errors(r);
  EXPECT_TRUE(contains(message_at(r, "/campaigns/0/price_increment"), "at least 0")) << all_errors(r);

  r = parse_config(minimal("", R"(, "price_increment": 0.0000001)"));
  EXPECT_EQ(pointers(r), std::vector<std::string>{"/campaigns/0/price_increment"}) << all_errors(r);
}

TEST(ConfigJson, TagsAndSecretMistakes) {
  config_result r = parse_config(R"({
    "caller_hash_secret": 42,
    "sources": [{ "id": "s1", "tags": ["a", ""] }],
    "dids": [{ "number": "+18005550100", "campaign_id": "c1", "source_id": "s1", "tags": ["x", "x"] },
             { "number": "+18005550101", "campaign_id": "c1", "source_id": "s1", "tags": "x" }]
  })");
  EXPECT_EQ(pointers(r),
            (std::vector<std::string>{"/caller_hash_secret", "/sources/0/tags/1", "/dids/0/tags/1", "/dids/1/tags"}))
    << all_errors(r);
}

// --- Billing: duplicate windows, duration tiers, source payouts -------------------

/// The minimal config with source "s1"'s body `source_body` (after the id).
std::string with_source(const std::string& source_body) {
  return R"({
    "buyers": [{ "id": "b1" }],
    "sources": [{ "id": "s1", )" +
         source_body + R"( }],
    "campaigns": [{ "id": "c1", "buyer_ids": ["b1"] }],
    "dids": [{ "number": "+18005550100", "campaign_id": "c1", "source_id": "s1" }]
  })";
}

TEST(ConfigJson, BillingFieldsAreRead) {
  config_result r = parse_config(R"({
    "buyers": [
      { "id": "b1", "conversion_buffer_s": 90, "duplicate_window_days": 30,
        "duration_tiers": [{ "min_talk_s": 0, "price": 2.5 }, { "min_talk_s": 60, "price": 19.99 },
                           { "min_talk_s": 120, "price": 0.000001 }] },
      { "id": "b2", "duplicate_window_days": 365, "duration_tiers": [] }
    ],
    "sources": [
      { "id": "s1", "payout_mode": "fixed", "fixed_payout": 12.5, "pay_on": "bridged" },
      { "id": "s2", "payout_mode": "fixed", "fixed_payout": 0.1 },
      { "id": "s3", "payout_mode": "revenue_share", "revenue_share_bp": 6000 },
      { "id": "s4", "payout_mode": "fixed", "fixed_payout": 0 }
    ],
    "campaigns": [{ "id": "c1", "buyer_ids": ["b1", "b2"] }],
    "dids": [{ "number": "+18005550100", "campaign_id": "c1", "source_id": "s1" }]
  })");
  ASSERT_TRUE(r.ok()) << all_errors(r);
  const engine_config& c = *r.config;

  const buyer_config& b1 = c.buyers.at(0);
  EXPECT_EQ(b1.conversion_buffer_s, 90);
  EXPECT_EQ(b1.duplicate_window_days, 30);
  ASSERT_EQ(b1.duration_tiers.size(), 3u);
  EXPECT_EQ(b1.duration_tiers[0].min_talk_s, 0);
  EXPECT_EQ(b1.duration_tiers[0].price_micros, 2'500'000);
  EXPECT_EQ(b1.duration_tiers[1].min_talk_s, 60);
  EXPECT_EQ(b1.duration_tiers[1].price_micros, 19'990'000);
  EXPECT_EQ(b1.duration_tiers[2].min_talk_s, 120);
  EXPECT_EQ(b1.duration_tiers[2].price_micros, 1);
  EXPECT_EQ(c.buyers.at(1).duplicate_window_days, 365);
  EXPECT_TRUE(c.buyers.at(1).duration_tiers.empty());

  const source_config& s1 = c.sources.at(0);
  EXPECT_EQ(s1.payout_mode, payout_kind::fixed);
  EXPECT_EQ(s1.fixed_payout_micros, 12'500'000);
  EXPECT_EQ(s1.pay_on, payout_trigger::bridged);
  const source_config& s2 = c.sources.at(1);
  EXPECT_EQ(s2.payout_mode, payout_kind::fixed);
  EXPECT_EQ(s2.fixed_payout_micros, 100'000);
  EXPECT_EQ(s2.pay_on, payout_trigger::converted);
  const source_config& s3 = c.sources.at(2);
  EXPECT_EQ(s3.payout_mode, payout_kind::revenue_share);
  EXPECT_EQ(s3.revenue_share_bp, 6000);
  EXPECT_EQ(s3.fixed_payout_micros, 0);
  EXPECT_EQ(c.sources.at(3).payout_mode, payout_kind::fixed);
  EXPECT_EQ(c.sources.at(3).fixed_payout_micros, 0);
}

TEST(ConfigJson, BillingFieldsDefaultWhenAbsent) {
  config_result r = parse_config(minimal());
  ASSERT_TRUE(r.ok()) << all_errors(r);
  const buyer_config& b = r.config->buyers.at(0);
  EXPECT_EQ(b.duplicate_window_days, 0);
  EXPECT_TRUE(b.duration_tiers.empty());
  const source_config& s = r.config->sources.at(0);
  EXPECT_EQ(s.payout_mode, payout_kind::revenue_share);
  EXPECT_EQ(s.revenue_share_bp, 0);
  EXPECT_EQ(s.fixed_payout_micros, 0);
  EXPECT_EQ(s.pay_on, payout_trigger::converted);
}

TEST(ConfigJson, DurationTiersMustStrictlyIncrease) {
  config_result r = parse_config(with_buyer(R"("duration_tiers": [
      { "min_talk_s": 60, "price": 5 }, { "min_talk_s": 60, "price": 6 }, { "min_talk_s": 30, "price": 7 },
      { "min_talk_s": 90, "price": 8 }, { "min_talk_s": 120, "price": 9 }, { "min_talk_s": 0, "price": 1 }
    ])"));
  const std::string at = "/buyers/0/duration_tiers/";
  EXPECT_EQ(pointers(r), (std::vector<std::string>{at + "1/min_talk_s", at + "2/min_talk_s", at + "5/min_talk_s"}))
    << all_errors(r);
  EXPECT_EQ(message_at(r, at + "1/min_talk_s"),
            "must be greater than the previous tier's min_talk_s (60), got 60: tiers go in increasing talk time");
  EXPECT_TRUE(contains(message_at(r, at + "2/min_talk_s"), "previous tier's min_talk_s (60), got 30")) << all_errors(r);
  EXPECT_TRUE(contains(message_at(r, at + "5/min_talk_s"), "previous tier's min_talk_s (120), got 0")) << all_errors(r);
  EXPECT_FALSE(r.config);

  r =
    parse_config(with_buyer(R"("duration_tiers": [{ "min_talk_s": 0, "price": 1 }, { "min_talk_s": 1, "price": 1 }])"));
  EXPECT_TRUE(r.ok()) << all_errors(r);
}

TEST(ConfigJson, DurationTierAndWindowMistakes) {
  config_result r = parse_config(with_buyer(R"("duplicate_window_days": 366, "duration_tiers": [
      { "min_talk_s": -1, "price": 5 },
      { "price": 5 },
      { "min_talk_s": 10 },
      { "min_talk_s": 1.5, "price": -1, "prize": 3 },
      { "min_talk_s": 86401, "price": "5" }
    ])"));
  const std::string at = "/buyers/0/duration_tiers/";
  EXPECT_EQ(pointers(r), (std::vector<std::string>{"/buyers/0/duplicate_window_days", at + "0/min_talk_s", at + "1",
                                                   at + "2", at + "3/prize", at + "3/min_talk_s", at + "3/price",
                                                   at + "4/min_talk_s", at + "4/price"}))
    << all_errors(r);
  EXPECT_TRUE(contains(message_at(r, "/buyers/0/duplicate_window_days"), "at most 365")) << all_errors(r);
  EXPECT_TRUE(contains(message_at(r, at + "1"), "missing required property \"min_talk_s\"")) << all_errors(r);
  EXPECT_TRUE(contains(message_at(r, at + "2"), "missing required property \"price\"")) << all_errors(r);
  EXPECT_TRUE(contains(message_at(r, at + "3/prize"), "did you mean \"price\"")) << all_errors(r);
  EXPECT_TRUE(contains(message_at(r, at + "3/min_talk_s"), "expected integer")) << all_errors(r);

  r = parse_config(with_buyer(R"("duplicate_window_days": -1, "duration_tiers": { "min_talk_s": 0, "price": 1 })"));
  EXPECT_EQ(pointers(r), (std::vector<std::string>{"/buyers/0/duplicate_window_days", "/buyers/0/duration_tiers"}))
    << all_errors(r);
  EXPECT_TRUE(contains(message_at(r, "/buyers/0/duration_tiers"), "expected array")) << all_errors(r);

  r = parse_config(with_buyer(R"("duration_tiers": [{ "min_talk_s": 0, "price": 1.0000001 },
                                                    { "min_talk_s": 5, "price": 2 }])"));
  EXPECT_EQ(pointers(r), std::vector<std::string>{at + "0/price"}) << all_errors(r);
  EXPECT_TRUE(contains(message_at(r, at + "0/price"), "6 decimal")) << all_errors(r);
}

TEST(ConfigJson, SourcePayoutModeMistakes) {
  config_result r = parse_config(with_source(R"("payout_mode": "cpa", "pay_on": "answered")"));
  EXPECT_EQ(pointers(r), (std::vector<std::string>{"/sources/0/payout_mode", "/sources/0/pay_on"})) << all_errors(r);
  EXPECT_EQ(message_at(r, "/sources/0/payout_mode"), "must be one of \"revenue_share\", \"fixed\", got \"cpa\"");
  EXPECT_EQ(message_at(r, "/sources/0/pay_on"), "must be one of \"converted\", \"bridged\", got \"answered\"");

  // A fixed payout needs its amount, and takes no share.
  r = parse_config(with_source(R"("payout_mode": "fixed", "revenue_share_bp": 5000, "pay_on": "bridged")"));
  EXPECT_EQ(pointers(r), (std::vector<std::string>{"/sources/0", "/sources/0/revenue_share_bp"})) << all_errors(r);
  EXPECT_EQ(message_at(r, "/sources/0"), "payout_mode \"fixed\" needs \"fixed_payout\" (dollars per call)");
  EXPECT_TRUE(contains(message_at(r, "/sources/0/revenue_share_bp"), "takes no \"revenue_share_bp\"")) << all_errors(r);
  EXPECT_FALSE(r.config);

  // A revenue share (the default) takes no fixed amount and no pay_on.
  for (const std::string mode : {"", R"("payout_mode": "revenue_share", )"}) {
    r = parse_config(with_source(mode + R"("revenue_share_bp": 10, "fixed_payout": 3, "pay_on": "converted")"));
    EXPECT_EQ(pointers(r), (std::vector<std::string>{"/sources/0/fixed_payout", "/sources/0/pay_on"})) << all_errors(r);
    EXPECT_EQ(
      message_at(r, "/sources/0/pay_on"),
      "payout_mode \"revenue_share\" takes no \"pay_on\"; set \"payout_mode\": \"fixed\" to pay a fixed amount");
  }

  r = parse_config(with_source(R"("payout_mode": "fixed", "fixed_payout": 2.1234567)"));
  EXPECT_EQ(pointers(r), std::vector<std::string>{"/sources/0/fixed_payout"}) << all_errors(r);
  EXPECT_TRUE(contains(message_at(r, "/sources/0/fixed_payout"), "6 decimal")) << all_errors(r);

  r = parse_config(with_source(R"("payout_mode": "fixed", "fixed_payout": -1, "pay_on": 1)"));
  EXPECT_EQ(pointers(r), (std::vector<std::string>{"/sources/0/fixed_payout", "/sources/0/pay_on"})) << all_errors(r);
  EXPECT_TRUE(contains(message_at(r, "/sources/0/fixed_payout"), "at least 0")) << all_errors(r);
}

} // namespace
} // namespace ringbid
