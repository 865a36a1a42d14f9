#include "adapters/bidding/bid_wire.hpp"

#include <rapidjson/document.h>
#include <rapidjson/schema.h>

#include <gtest/gtest.h>

#include <atomic>
#include <chrono>
#include <cstdint>
#include <fstream>
#include <iterator>
#include <set>
#include <string>
#include <thread>
#include <vector>

#ifndef RINGBID_SOURCE_DIR
#error "RINGBID_SOURCE_DIR must name the repository root (schemas/ lives there)"
#endif

namespace ringbid {
namespace {

using namespace std::chrono_literals;

constexpr const char* ping_text = "01890a5d-ac96-774b-bcce-b302099a8057";

uuid ping_uuid() { return *uuid::parse(ping_text); }

ping_request full_ping() {
  ping_request p;
  p.ping_id = ping_uuid();
  p.call = make_uuid7(1'700'000'000'000, 7, 42);
  p.round = 3;
  p.buyer_id = "acme";
  p.campaign_id = "solar-tx";
  p.vertical = "solar";
  p.caller_state = "TX";
  p.area_code = "512";
  p.zip = "78701";
  p.tags = {"spanish", "daytime"};
  p.time_left = 350ms;
  return p;
}

ping_request minimal_ping() {
  ping_request p;
  p.ping_id = ping_uuid();
  p.buyer_id = "acme";
  return p;
}

rapidjson::Document parsed(const std::string& text) {
  rapidjson::Document doc;
  doc.Parse(text.c_str(), text.size());
  EXPECT_FALSE(doc.HasParseError()) << text;
  return doc;
}

std::set<std::string> keys_of(const rapidjson::Value& object) {
  std::set<std::string> keys;
  for (const auto& m : object.GetObject()) keys.emplace(m.name.GetString(), m.name.GetStringLength());
  return keys;
}

std::string read_source(const std::string& relative) {
  std::ifstream in(std::string{RINGBID_SOURCE_DIR} + "/" + relative, std::ios::binary);
  EXPECT_TRUE(in) << relative;
  return {std::istreambuf_iterator<char>(in), {}};
}

/// Validates `instance` against a schema file with a plain RapidJSON validator,
/// independently of the codec.
bool valid_against(const std::string& schema_file, const std::string& instance) {
  rapidjson::Document schema = parsed(read_source(schema_file));
  rapidjson::SchemaDocument compiled(schema);
  rapidjson::SchemaValidator validator(compiled);
  return parsed(instance).Accept(validator);
}

ping_request ok(const std::variant<ping_request, wire_error>& r) {
  if (auto* e = std::get_if<wire_error>(&r)) {
    ADD_FAILURE() << "parse_ping failed: " << e->pointer << ": " << e->message;
    return {};
  }
  return std::get<ping_request>(r);
}

wire_error error_of(const std::string& body) {
  auto r = parse_ping(body);
  if (auto* e = std::get_if<wire_error>(&r)) return *e;
  ADD_FAILURE() << "expected parse_ping to refuse " << body;
  return {};
}

bid_response answer(const std::string& body, int status = 200) { return parse_bid_response(full_ping(), status, body); }

/// A bid body with the given raw amount text.
std::string bid_with_amount(const std::string& amount) {
  return R"({"bid":{"amount":)" + amount + R"(,"currency":"USD","expires_in_s":30,"destination":"+15125550100"}})";
}

std::string bid_with_destination(const std::string& destination_json) {
  return R"({"bid":{"amount":1,"currency":"USD","expires_in_s":30,"destination":)" + destination_json + "}}";
}

/// The reason of an answer that must be an error.
std::string error_reason(const std::string& body, int status = 200) {
  auto r = answer(body, status);
  EXPECT_EQ(r.kind, bid_kind::error) << body;
  return r.reason;
}

// --- pings ---------------------------------------------------------------------

TEST(Ping, RoundTrip) {
  ping_request sent = full_ping();
  ping_request back = ok(parse_ping(encode_ping(sent)));
  EXPECT_EQ(back.ping_id, sent.ping_id);
  EXPECT_EQ(back.round, 3u);
  EXPECT_EQ(back.campaign_id, "solar-tx");
  EXPECT_EQ(back.vertical, "solar");
  EXPECT_EQ(back.caller_state, "TX");
  EXPECT_EQ(back.area_code, "512");
  EXPECT_EQ(back.zip, "78701");
  EXPECT_EQ(back.tags, sent.tags);
  EXPECT_EQ(back.time_left, caf::timespan{350ms});
  // Not on the wire.
  EXPECT_TRUE(back.call.is_nil());
  EXPECT_EQ(back.buyer_id, "");
}

TEST(Ping, TheWireCountsACallsRoundsFromZeroAsTheSchemaSays) {
  auto p = minimal_ping();
  p.round = 1; // the engine's first round
  auto json = encode_ping(p);
  EXPECT_NE(json.find(R"("round":0)"), std::string::npos) << json;
  EXPECT_TRUE(valid_against("schemas/ping.schema.json", json));
  p.round = 2;
  EXPECT_NE(encode_ping(p).find(R"("round":1)"), std::string::npos);
  EXPECT_EQ(ok(parse_ping(encode_ping(p))).round, 2u) << "the engine's count again";
}

TEST(Ping, ExactShape) {
  EXPECT_EQ(encode_ping(full_ping()),
            R"({"ping_id":"01890a5d-ac96-774b-bcce-b302099a8057","round":2,"campaign_id":"solar-tx",)"
            R"("vertical":"solar","geo":{"state":"TX","area_code":"512","zip":"78701"},)"
            R"("tags":["spanish","daytime"],"tmax_ms":350})");
}

TEST(Ping, EmptyMembersAreLeftOut) {
  std::string json = encode_ping(minimal_ping());
  EXPECT_EQ(json, R"({"ping_id":"01890a5d-ac96-774b-bcce-b302099a8057","round":0,"tmax_ms":0})");
  EXPECT_TRUE(valid_against("schemas/ping.schema.json", json));

  ping_request p = minimal_ping();
  p.area_code = "512";
  p.tags = {"", ""}; // only empty tags: no "tags" at all
  EXPECT_EQ(encode_ping(p),
            R"({"ping_id":"01890a5d-ac96-774b-bcce-b302099a8057","round":0,"geo":{"area_code":"512"},"tmax_ms":0})");
  ping_request back = ok(parse_ping(encode_ping(p)));
  EXPECT_EQ(back.area_code, "512");
  EXPECT_EQ(back.caller_state, "");
  EXPECT_TRUE(back.tags.empty());
}

TEST(Ping, ValidatesAgainstSchemaWithOnlyListedMembers) {
  std::string json = encode_ping(full_ping());
  EXPECT_TRUE(valid_against("schemas/ping.schema.json", json)) << json;
  auto doc = parsed(json);
  EXPECT_EQ(keys_of(doc),
            (std::set<std::string>{"ping_id", "round", "campaign_id", "vertical", "geo", "tags", "tmax_ms"}));
  EXPECT_EQ(keys_of(doc["geo"]), (std::set<std::string>{"state", "area_code", "zip"}));
  // Nothing that reads as a phone number: no run of 7 or more digits anywhere.
  size_t run = 0, longest = 0;
  for (char c : json) {
    run = (c >= '0' && c <= '9') ? run + 1 : 0;
    longest = std::max(longest, run);
  }
  EXPECT_LT(longest, 7u) << json;
  // And the schema itself refuses a caller number should one ever be added.
  std::string with_caller = json;
  with_caller.insert(1, R"("caller":"+15125550100",)");
  EXPECT_FALSE(valid_against("schemas/ping.schema.json", with_caller));
}

TEST(Ping, MalformedGeoIsLeftOutNotSent) {
  ping_request p = minimal_ping();
  p.caller_state = "Texas";
  p.area_code = "ano"; // "+1anonymous"
  p.zip = "787";
  std::string json = encode_ping(p);
  EXPECT_EQ(json.find("geo"), std::string::npos) << json;
  EXPECT_TRUE(valid_against("schemas/ping.schema.json", json));
  p.zip = "78701";
  EXPECT_NE(encode_ping(p).find(R"("geo":{"zip":"78701"})"), std::string::npos);
}

TEST(Ping, TmaxRoundsDownAndStaysInBounds) {
  ping_request p = minimal_ping();
  auto tmax = [&p](caf::timespan left) {
    p.time_left = left;
    return parsed(encode_ping(p))["tmax_ms"].GetInt64();
  };
  EXPECT_EQ(tmax(350ms), 350);
  EXPECT_EQ(tmax(350ms + 999us), 350);
  EXPECT_EQ(tmax(999us), 0);
  EXPECT_EQ(tmax(-5ms), 0);
  EXPECT_EQ(tmax(std::chrono::hours{24 * 365}), 2'147'483'647);
  p.time_left = std::chrono::hours{24 * 365};
  EXPECT_TRUE(valid_against("schemas/ping.schema.json", encode_ping(p)));
}

TEST(Ping, StringsAreEscapedAndSurvive) {
  ping_request p = minimal_ping();
  p.campaign_id = "q\"uote\\back\nline\x01";
  p.vertical = "caf\u00e9 \u4e2d \U0001F600";
  p.tags = {"</script>", "tab\there"};
  ping_request back = ok(parse_ping(encode_ping(p)));
  EXPECT_EQ(back.campaign_id, p.campaign_id);
  EXPECT_EQ(back.vertical, p.vertical);
  EXPECT_EQ(back.tags, p.tags);
  // Invalid UTF-8 is repaired rather than making the ping unparsable.
  p.vertical = "bad\xff";
  EXPECT_EQ(ok(parse_ping(encode_ping(p))).vertical, "bad\xEF\xBF\xBD");
}

TEST(Ping, ParseRefusesWhatTheSchemaRefuses) {
  const std::string id = std::string(R"("ping_id":")") + ping_text + '"';
  auto e = error_of("{" + id + R"(,"round":0,"tmax_ms":1,"caller":"+15125550100"})");
  EXPECT_EQ(e.pointer, "/caller");
  EXPECT_NE(e.message.find("additionalProperties"), std::string::npos) << e.message;

  e = error_of(R"({"round":0,"tmax_ms":1})");
  EXPECT_EQ(e.pointer, "");
  EXPECT_NE(e.message.find("required"), std::string::npos) << e.message;

  EXPECT_EQ(error_of("{" + id + R"(,"round":-1,"tmax_ms":1})").pointer, "/round");
  EXPECT_EQ(error_of("{" + id + R"(,"round":0,"tmax_ms":1.5})").pointer, "/tmax_ms");
  EXPECT_EQ(error_of("{" + id + R"(,"round":0,"tmax_ms":-1})").pointer, "/tmax_ms");
  EXPECT_EQ(error_of("{" + id + R"(,"round":0,"tmax_ms":1,"tags":[]})").pointer, "/tags");
  EXPECT_EQ(error_of("{" + id + R"(,"round":0,"tmax_ms":1,"tags":["a",7]})").pointer, "/tags/1");
  EXPECT_EQ(error_of("{" + id + R"(,"round":0,"tmax_ms":1,"geo":{}})").pointer, "/geo");
  EXPECT_EQ(error_of("{" + id + R"(,"round":0,"tmax_ms":1,"geo":{"phone":"5550100"}})").pointer, "/geo/phone");
  EXPECT_EQ(error_of("{" + id + R"(,"round":0,"tmax_ms":1,"campaign_id":""})").pointer, "/campaign_id");
}

TEST(Ping, ParseChecksFormatsInCode) {
  auto e = error_of(R"({"ping_id":"01890a5d-ac96-774b-bcce-b302099a805g","round":0,"tmax_ms":1})");
  EXPECT_EQ(e.pointer, "/ping_id");
  EXPECT_NE(e.message.find("UUID"), std::string::npos) << e.message;
  const std::string head = std::string(R"({"ping_id":")") + ping_text + R"(","round":0,"tmax_ms":1,"geo":)";
  EXPECT_EQ(error_of(head + R"({"state":"tx"}})").pointer, "/geo/state");
  EXPECT_EQ(error_of(head + R"({"area_code":"5a2"}})").pointer, "/geo/area_code");
  EXPECT_EQ(error_of(head + R"({"zip":"7870a"}})").pointer, "/geo/zip");
  e = error_of(std::string(R"({"ping_id":")") + ping_text + R"(","round":0,"round":1,"tmax_ms":1})");
  EXPECT_EQ(e.pointer, "/round");
  EXPECT_EQ(e.message, "duplicate member");
}

TEST(Ping, ParseRefusesMalformedJson) {
  for (const char* bad : {"", "{", "[]x", "{\"ping_id\":\"\xff\"}"}) {
    auto e = error_of(bad);
    EXPECT_EQ(e.pointer, "");
    EXPECT_EQ(e.message.rfind("malformed JSON: ", 0), 0u) << e.message;
  }
  EXPECT_EQ(error_of("[]").pointer, ""); // valid JSON, not an object
}

// --- bid responses: money ------------------------------------------------------

TEST(BidMoney, ExactFromText) {
  struct exact {
    const char* text;
    int64_t micros;
  };
  for (auto [text, micros] : {exact{"0.000001", 1}, exact{"12.5", 12'500'000}, exact{"12.345678", 12'345'678},
                              exact{"999999.999999", 999'999'999'999}, exact{"20", 20'000'000}, exact{"0.1", 100'000},
                              exact{"19.99", 19'990'000}, exact{"12.500000", 12'500'000}, exact{"0.300000", 300'000},
                              exact{"1.000001", 1'000'001}}) {
    auto r = answer(bid_with_amount(text));
    EXPECT_EQ(r.kind, bid_kind::bid) << text << ": " << r.reason;
    EXPECT_EQ(r.amount_micros, micros) << text;
  }
}

TEST(BidMoney, RefusesInexactOrOutOfRange) {
  for (const char* text :
       {"1e2", "1E2", "1.5e0", "12e-1", "-1", "-0.5", "0", "0.0", "0.000000", "-0", "12.3456789", "12.5000000",
        "0.0000001", "1000000", "1000000.0", "1000000.000001", "999999.9999999", "12345678", "1e400"}) {
    auto r = answer(bid_with_amount(text));
    EXPECT_EQ(r.kind, bid_kind::error) << text;
    EXPECT_NE(r.reason, "") << text;
    EXPECT_EQ(r.amount_micros, 0) << text;
  }
  EXPECT_EQ(error_reason(bid_with_amount("12.3456789")), "amount 12.3456789 has more than 6 decimals");
  EXPECT_EQ(error_reason(bid_with_amount("1e2")), "amount 1e2 has an exponent");
  EXPECT_EQ(error_reason(bid_with_amount("0")), "schema: /bid/amount: minimum");
  EXPECT_EQ(error_reason(bid_with_amount("-1")), "schema: /bid/amount: minimum");
  EXPECT_EQ(error_reason(bid_with_amount("1000000")), "schema: /bid/amount: maximum");
  EXPECT_EQ(error_reason(bid_with_amount("\"12.5\"")), "schema: /bid/amount: type");
}

TEST(BidMoney, EncodeIsExactText) {
  auto amount_of = [](int64_t micros) {
    std::string json = encode_bid(micros, "USD", 30, "+15125550100");
    auto from = json.find(R"("amount":)") + 9;
    return json.substr(from, json.find(',', from) - from);
  };
  EXPECT_EQ(amount_of(12'500'000), "12.5");
  EXPECT_EQ(amount_of(1), "0.000001");
  EXPECT_EQ(amount_of(20'000'000), "20");
  EXPECT_EQ(amount_of(12'345'678), "12.345678");
  EXPECT_EQ(amount_of(100'000), "0.1");
  EXPECT_EQ(amount_of(999'999'999'999), "999999.999999");
  EXPECT_EQ(amount_of(0), "0");
  EXPECT_EQ(amount_of(-1'500'000), "-1.5");
}

TEST(BidMoney, EncodeParseRoundTripsEveryTrickyValue) {
  std::vector<int64_t> values = {1,
                                 9,
                                 10,
                                 99,
                                 100,
                                 101,
                                 999,
                                 1000,
                                 99'999,
                                 100'000,
                                 100'001,
                                 999'999,
                                 1'000'000,
                                 1'000'001,
                                 1'100'000,
                                 12'345'678,
                                 19'990'000,
                                 29'990'000,
                                 33'333'333,
                                 100'000'000,
                                 123'456'789'012,
                                 999'999'000'000,
                                 999'999'999'999};
  // Values whose nearest double is off (0.1, 0.3, 1.005, ...) and a sweep of
  // the fraction around powers of ten.
  for (int64_t dollars : {0LL, 1LL, 7LL, 4503LL, 999'998LL})
    for (int64_t cents : {1LL, 3LL, 5LL, 7LL, 10LL, 29LL, 30LL, 33LL, 49LL, 50LL, 51LL, 99LL})
      for (int64_t scale : {1LL, 10LL, 100LL, 1000LL, 10'000LL}) values.push_back(dollars * 1'000'000 + cents * scale);
  uint64_t x = 0x9E3779B97F4A7C15ull; // and pseudo-random ones over the whole range
  for (int i = 0; i < 2000; ++i) {
    x ^= x << 13;
    x ^= x >> 7;
    x ^= x << 17;
    values.push_back(1 + static_cast<int64_t>(x % 999'999'999'999ull));
  }
  for (int64_t micros : values) {
    auto r = answer(encode_bid(micros, "USD", 30, "+15125550100"));
    ASSERT_EQ(r.kind, bid_kind::bid) << micros << ": " << r.reason;
    ASSERT_EQ(r.amount_micros, micros);
  }
}

// --- bid responses: the rest ---------------------------------------------------

TEST(BidResponse, ValidBid) {
  auto r = answer(R"({"bid":{"amount":12.5,"currency":"USD","expires_in_s":30,"destination":"+15125550100"}})");
  EXPECT_EQ(r.kind, bid_kind::bid) << r.reason;
  EXPECT_EQ(r.ping_id, ping_uuid());
  EXPECT_EQ(r.round, 3u);
  EXPECT_EQ(r.buyer_id, "acme");
  EXPECT_EQ(r.amount_micros, 12'500'000);
  EXPECT_EQ(r.currency, "USD");
  EXPECT_EQ(r.expires_in_s, 30);
  EXPECT_EQ(r.destination, "+15125550100");
  EXPECT_EQ(r.reason, "");
  // Whitespace and member order do not matter; the encoder's output is valid.
  r = answer(" {\n \"bid\" : {\"destination\":\"sip:a@b\", \"expires_in_s\":3600, \"currency\":\"USD\", "
             "\"amount\":0.5}}\n");
  EXPECT_EQ(r.kind, bid_kind::bid) << r.reason;
  EXPECT_EQ(r.expires_in_s, 3600);
  std::string encoded = encode_bid(12'500'000, "USD", 30, "+15125550100");
  EXPECT_EQ(encoded, R"({"bid":{"amount":12.5,"currency":"USD","expires_in_s":30,"destination":"+15125550100"}})");
  EXPECT_TRUE(valid_against("schemas/bid_response.schema.json", encoded));
}

TEST(BidResponse, Destinations) {
  for (const char* good : {"+15125550100", "+12345678", "+123456789012345", "sip:a", "sip:buyer@example.com:5061",
                           "sips:buyer@example.com;transport=tls", "sip:+15125550100@sip.telnyx.com"}) {
    auto r = answer(encode_bid(1'000'000, "USD", 30, good));
    EXPECT_EQ(r.kind, bid_kind::bid) << good << ": " << r.reason;
    EXPECT_EQ(r.destination, good);
  }
  for (const char* bad : {"", "+", "+1234567", "+1234567890123456", "15125550100", "+1512555010a", "+1 5125550100",
                          "sip:", "sips:", "sip: a@b", "sip:a@b\\n", "sip:a@b\\t", "sip:a\\u0000b", "SIP:a@b",
                          "tel:+15125550100", "http://example.com", "sip:a\\u00a0b", "sip:a\\u2028b"}) {
    auto r = answer(bid_with_destination('"' + std::string(bad) + '"'));
    EXPECT_EQ(r.kind, bid_kind::error) << bad;
    EXPECT_EQ(r.destination, "") << bad;
  }
  EXPECT_EQ(error_reason(bid_with_destination(R"("15125550100")")),
            "destination 15125550100 is neither E.164 (+ and 8..15 digits) nor a sip:/sips: URI");
  // The buyer's text in a reason is kept to one printable line.
  EXPECT_EQ(error_reason(bid_with_destination(R"("sip:a\nb\u00e9")")),
            "destination sip:a?b?? is neither E.164 (+ and 8..15 digits) nor a sip:/sips: URI");
}

TEST(BidResponse, NoBid) {
  auto r = answer(encode_no_bid("outside hours"));
  EXPECT_EQ(r.kind, bid_kind::no_bid) << r.reason;
  EXPECT_EQ(r.reason, "outside hours");
  EXPECT_EQ(r.ping_id, ping_uuid());
  EXPECT_EQ(r.buyer_id, "acme");
  EXPECT_EQ(encode_no_bid("outside hours"), R"({"no_bid":{"reason":"outside hours"}})");
  EXPECT_EQ(answer(R"({"no_bid":{"reason":""}})").kind, bid_kind::no_bid);
}

TEST(BidResponse, ReasonEscapingAndUnicodeSurvive) {
  std::string nasty = "a\"b\\c\nd\te/\x01\x1f<>&'\u00e9\u4e2d\U0001F600";
  std::string json = encode_no_bid(nasty);
  EXPECT_TRUE(valid_against("schemas/bid_response.schema.json", json)) << json;
  auto r = answer(json);
  EXPECT_EQ(r.kind, bid_kind::no_bid) << r.reason;
  EXPECT_EQ(r.reason, nasty);
  // Escapes written by others decode too, surrogate pairs included.
  r = answer(R"({"no_bid":{"reason":"caf\u00e9 \ud83d\ude00 \"q\""}})");
  EXPECT_EQ(r.reason, "caf\u00e9 \U0001F600 \"q\"");
  // Invalid UTF-8 is repaired on the way out.
  EXPECT_EQ(answer(encode_no_bid("bad\xfe")).reason, "bad\xEF\xBF\xBD");
}

TEST(BidResponse, HttpStatusOtherThan200) {
  std::string body = encode_no_bid("x");
  EXPECT_EQ(error_reason(body, 500), "HTTP 500");
  EXPECT_EQ(error_reason("", 204), "HTTP 204");
  EXPECT_EQ(error_reason(body, 201), "HTTP 201");
  auto r = answer(encode_bid(1'000'000, "USD", 30, "+15125550100"), 302);
  EXPECT_EQ(r.kind, bid_kind::error);
  EXPECT_EQ(r.amount_micros, 0);
  EXPECT_EQ(r.ping_id, ping_uuid());
  EXPECT_EQ(r.round, 3u);
  EXPECT_EQ(r.buyer_id, "acme");
}

TEST(BidResponse, Oversized) {
  std::string head = R"({"no_bid":{"reason":")";
  std::string tail = R"("}})";
  std::string at_limit = head + std::string(max_bid_response_bytes - head.size() - tail.size(), 'x') + tail;
  ASSERT_EQ(at_limit.size(), max_bid_response_bytes);
  EXPECT_EQ(answer(at_limit).kind, bid_kind::no_bid);
  std::string over = head + std::string(max_bid_response_bytes + 1 - head.size() - tail.size(), 'x') + tail;
  EXPECT_EQ(error_reason(over).rfind("response too large", 0), 0u);
  // Refused before parsing: not even JSON.
  EXPECT_EQ(error_reason(std::string(max_bid_response_bytes + 1, '{')).rfind("response too large", 0), 0u);
}

TEST(BidResponse, MalformedJson) {
  EXPECT_EQ(error_reason(R"({"no_bid":)"), "malformed JSON: Invalid value. at offset 10");
  EXPECT_EQ(error_reason(""), "malformed JSON: The document is empty. at offset 0");
  for (const char* bad :
       {"{", "not json", R"({"no_bid":{"reason":"x"}} trailing)", "{\"no_bid\":{\"reason\":\"\xff\"}}",
        R"({'no_bid':{}})", "[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[["})
    EXPECT_EQ(error_reason(bad).rfind("malformed JSON: ", 0), 0u) << bad;
}

TEST(BidResponse, SchemaErrorsNameThePointer) {
  EXPECT_EQ(error_reason(R"({"bid":{"amount":1,"expires_in_s":30,"destination":"+15125550100"}})"),
            "schema: /bid: required");
  EXPECT_EQ(error_reason(R"({"bid":{"amount":1,"currency":"EUR","expires_in_s":30,"destination":"+15125550100"}})"),
            "schema: /bid/currency: enum");
  EXPECT_EQ(error_reason(R"({"bid":{"amount":1,"currency":"USD","expires_in_s":0,"destination":"+15125550100"}})"),
            "schema: /bid/expires_in_s: minimum");
  EXPECT_EQ(error_reason(R"({"bid":{"amount":1,"currency":"USD","expires_in_s":3601,"destination":"+15125550100"}})"),
            "schema: /bid/expires_in_s: maximum");
  EXPECT_EQ(error_reason(R"({"bid":{"amount":1,"currency":"USD","expires_in_s":30.5,"destination":"+15125550100"}})"),
            "schema: /bid/expires_in_s: type");
  EXPECT_EQ(error_reason(R"({"no_bid":{}})"), "schema: /no_bid: required");
  EXPECT_EQ(error_reason(R"({"no_bid":{"reason":7}})"), "schema: /no_bid/reason: type");
  EXPECT_EQ(error_reason(R"({})"), "schema: (root): oneOf");
  EXPECT_EQ(error_reason(R"([])"), "schema: (root): type");
  EXPECT_EQ(error_reason(R"({"no_bid":{"reason":"x"},"bid":{"amount":1,"currency":"USD","expires_in_s":30,)"
                         R"("destination":"+15125550100"}})"),
            "schema: (root): oneOf");
}

TEST(BidResponse, ExtraMembersAreRefused) {
  EXPECT_EQ(error_reason(R"({"no_bid":{"reason":"x"},"price":2})"), "schema: /price: additionalProperties");
  EXPECT_EQ(error_reason(R"({"no_bid":{"reason":"x","code":7}})"), "schema: /no_bid/code: additionalProperties");
  EXPECT_EQ(error_reason(R"({"bid":{"amount":1,"currency":"USD","expires_in_s":30,"destination":"+15125550100",)"
                         R"("caller":"+15125550199"}})"),
            "schema: /bid/caller: additionalProperties");
}

TEST(BidResponse, DuplicateMembersAreRefused) {
  EXPECT_EQ(error_reason(R"({"bid":{"amount":1,"amount":100,"currency":"USD","expires_in_s":30,)"
                         R"("destination":"+15125550100"}})"),
            "duplicate member /bid/amount");
  EXPECT_EQ(error_reason(R"({"no_bid":{"reason":"a"},"no_bid":{"reason":"b"}})"), "duplicate member /no_bid");
}

TEST(BidResponse, EchoedPingId) {
  std::string bid_tail = R"("bid":{"amount":1,"currency":"USD","expires_in_s":30,"destination":"+15125550100"}})";
  auto r = answer(std::string(R"({"ping_id":")") + ping_text + R"(",)" + bid_tail);
  EXPECT_EQ(r.kind, bid_kind::bid) << r.reason;
  r = answer(R"({"ping_id":"01890A5D-AC96-774B-BCCE-B302099A8057",)" + bid_tail); // case is not identity
  EXPECT_EQ(r.kind, bid_kind::bid) << r.reason;
  EXPECT_EQ(error_reason(R"({"ping_id":"01890a5d-ac96-774b-bcce-b302099a8058",)" + bid_tail), "ping_id mismatch");
  EXPECT_EQ(error_reason(R"({"ping_id":"nope",)" + bid_tail), "ping_id mismatch");
  EXPECT_EQ(error_reason(R"({"ping_id":"01890a5d-ac96-774b-bcce-b302099a8058","no_bid":{"reason":"x"}})"),
            "ping_id mismatch");
  EXPECT_EQ(error_reason(R"({"ping_id":7,"no_bid":{"reason":"x"}})"), "schema: /ping_id: type");
}

TEST(BidResponse, ConcurrentParsesShareTheSchemas) {
  // The compiled schemas are process-wide; each parse validates on its own.
  std::atomic<int> wrong{0};
  std::vector<std::thread> threads;
  for (int t = 0; t < 4; ++t) {
    threads.emplace_back([t, &wrong] {
      for (int i = 0; i < 300; ++i) {
        int64_t micros = 1 + t * 1'000'003 + i;
        auto r = answer(encode_bid(micros, "USD", 30, "sip:buyer@example.com"));
        if (r.kind != bid_kind::bid || r.amount_micros != micros) ++wrong;
        if (answer(R"({"bid":{}})").kind != bid_kind::error) ++wrong;
        if (!std::holds_alternative<ping_request>(parse_ping(encode_ping(full_ping())))) ++wrong;
      }
    });
  }
  for (auto& th : threads) th.join();
  EXPECT_EQ(wrong.load(), 0);
}

} // namespace
} // namespace ringbid
