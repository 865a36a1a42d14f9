// The call-information codec: GET /v2/calls/{id} and …/active_calls, written
// by the simulator, read by the engine; good bodies and every kind of bad one.
#include "adapters/telnyx/telnyx_call_info.hpp"

#include "adapters/telnyx/telnyx_codec.hpp"
#include "adapters/telnyx/webhook_signature.hpp"

#include <gtest/gtest.h>

#include <string>

namespace ringbid {
namespace {

using liveness = carrier_call_status::liveness;

constexpr timestamp_us t0 = 1'700'000'000'000'000; // 2023-11-14T22:13:20Z

telnyx_call_info live_call() {
  telnyx_call_info c;
  c.call_control_id = "v3:abc-1";
  c.call_leg_id = "leg-1";
  c.call_session_id = "session-1";
  c.client_state = encode_client_state("0190f1c2-0000-7000-8000-000000000001", call_leg::caller, "v3:abc-1");
  c.is_alive = true;
  c.call_duration_s = 42;
  c.start_time = t0 + 123'456;
  return c;
}

/// A status body with `data` as given (the members inside the braces).
std::string status_body(const std::string& members) { return R"({"data":{)" + members + "}}"; }

// -- paths --------------------------------------------------------------------------

TEST(CallInfoPaths, StatusPathEncodesAndDecodesTheId) {
  EXPECT_EQ(call_status_path("v3:a/b c"), "/v2/calls/v3:a%2Fb%20c");
  EXPECT_EQ(call_id_of_status_path("/v2/calls/v3:a%2Fb%20c"), "v3:a/b c");
  EXPECT_EQ(call_id_of_status_path("/v2/calls/v3:x?foo=1"), "v3:x");
  EXPECT_FALSE(call_id_of_status_path("/v2/calls/"));
  EXPECT_FALSE(call_id_of_status_path("/v2/calls/v3:x/actions/answer"));
  EXPECT_FALSE(call_id_of_status_path("/v2/calls/%zz"));
  EXPECT_FALSE(call_id_of_status_path("/v2/other/v3:x"));
}

TEST(CallInfoPaths, ActiveCallsPathCarriesLimitAndCursor) {
  EXPECT_EQ(active_calls_path("123", "", 250), "/v2/connections/123/active_calls?page%5Blimit%5D=250");
  EXPECT_EQ(active_calls_path("c 1", "v1:a=b", 20),
            "/v2/connections/c%201/active_calls?page%5Blimit%5D=20&page%5Bafter%5D=v1:a%3Db");
  EXPECT_EQ(connection_of_active_calls_path("/v2/connections/c%201/active_calls?page%5Blimit%5D=20"), "c 1");
  EXPECT_FALSE(connection_of_active_calls_path("/v2/connections//active_calls"));
  EXPECT_FALSE(connection_of_active_calls_path("/v2/connections/a/b/active_calls"));
  EXPECT_FALSE(connection_of_active_calls_path("/v2/connections/active_calls"));
  EXPECT_FALSE(connection_of_active_calls_path("/v2/connections/7"));
}

// -- call status ----------------------------------------------------------------------

TEST(CallStatus, LiveCallRoundTripsWithNullEndTime) {
  auto body = encode_call_status(live_call());
  EXPECT_NE(body.find(R"("end_time":null)"), std::string::npos) << body;
  EXPECT_NE(body.find(R"("record_type":"call")"), std::string::npos) << body;
  EXPECT_NE(body.find(R"("start_time":"2023-11-14T22:13:20.123456Z")"), std::string::npos) << body;
  EXPECT_NE(body.find(base64_encode(live_call().client_state)), std::string::npos) << body;
  auto r = read_call_status(200, body, "v3:abc-1");
  ASSERT_TRUE(r.status) << r.error;
  EXPECT_EQ(r.status->state, liveness::alive);
  EXPECT_EQ(r.status->start_time, t0 + 123'456);
  EXPECT_EQ(r.status->end_time, 0);
  EXPECT_EQ(r.status->duration_s, 42);
}

TEST(CallStatus, EndedCallHasItsTimes) {
  auto c = live_call();
  c.is_alive = false;
  c.end_time = t0 + 50 * us_per_s;
  c.call_duration_s = 50;
  c.client_state.clear();
  auto body = encode_call_status(c);
  EXPECT_NE(body.find(R"("client_state":null)"), std::string::npos) << body;
  auto r = read_call_status(200, body);
  ASSERT_TRUE(r.status) << r.error;
  EXPECT_EQ(r.status->state, liveness::ended);
  EXPECT_EQ(r.status->end_time, t0 + 50 * us_per_s);
  EXPECT_EQ(r.status->duration_s, 50);
}

TEST(CallStatus, TelnyxDocumentationExampleReads) {
  auto body = status_body(R"("call_control_id":"v3:MdI91X4lWFEs7IgbBEOT9M4AigoY08M0WWZFISt1Yw2axZ_IiE4pqg",
    "call_leg_id":"2dc6fc34-f9e0-11ea-b68e-02420a0f7768","call_session_id":"2dc1b3c8-f9e0-11ea-bc5a-02420a0f7768",
    "client_state":"aGF2ZSBhIG5pY2UgZGF5ID1d","is_alive":false,"call_duration":50,
    "start_time":"2019-01-23T18:10:02.574Z","end_time":"2019-01-23T18:11:52.574Z","record_type":"call")");
  auto r = read_call_status(200, body);
  ASSERT_TRUE(r.status) << r.error;
  EXPECT_EQ(r.status->state, liveness::ended);
  EXPECT_EQ(r.status->end_time - r.status->start_time, 110 * us_per_s);
  EXPECT_EQ(r.status->duration_s, 50);
}

TEST(CallStatus, OptionalFieldsMayBeAbsentOrNull) {
  auto r = read_call_status(200, status_body(R"("call_control_id":"x","is_alive":true)"));
  ASSERT_TRUE(r.status) << r.error;
  EXPECT_EQ(r.status->state, liveness::alive);
  EXPECT_EQ(r.status->start_time, 0);
  EXPECT_EQ(r.status->duration_s, 0);
  r = read_call_status(
    200,
    status_body(R"("call_control_id":"x","is_alive":false,"call_duration":null,"start_time":null,"end_time":null)"));
  ASSERT_TRUE(r.status) << r.error;
  EXPECT_EQ(r.status->state, liveness::ended);
  EXPECT_EQ(r.status->end_time, 0);
}

TEST(CallStatus, UnknownCallIs422Code90015) {
  auto body = encode_command_error("90015", "Invalid Call Control ID", "The call_control_id is invalid.");
  auto r = read_call_status(422, body);
  ASSERT_TRUE(r.status) << r.error;
  EXPECT_EQ(r.status->state, liveness::unknown);
}

TEST(CallStatus, CallHasAlreadyEndedIsEndedWithoutTimes) {
  auto r = read_call_status(422, encode_command_error("90018", "Call has already ended", ""));
  ASSERT_TRUE(r.status) << r.error;
  EXPECT_EQ(r.status->state, liveness::ended);
  EXPECT_EQ(r.status->end_time, 0);
}

TEST(CallStatus, WhatTellsNothingSureIsNoAnswer) {
  struct bad {
    int status;
    std::string body;
    std::string error_has;
  };
  const bad cases[] = {
    {500, encode_command_error("10007", "Unexpected error", ""), "HTTP 500"},
    {503, "", "HTTP 503"},
    {404, encode_command_error("10005", "Resource not found", ""), "HTTP 404"},
    {401, encode_command_error("10009", "Authentication failed", ""), "HTTP 401"},
    {422, encode_command_error("10004", "Missing required parameter", ""), "HTTP 422"},
    {422, "not json", "HTTP 422"},
    {429, "", "HTTP 429"},
    {200, "", "malformed JSON"},
    {200, "{", "malformed JSON"},
    {200, "[]", "not a JSON object"},
    {200, R"({"data":[]})", "no data object"},
    {200, R"({"errors":[]})", "no data object"},
    {200, status_body(R"("is_alive":true)"), "call_control_id is missing"},
    {200, status_body(R"("call_control_id":7,"is_alive":true)"), "call_control_id is not a string"},
    {200, status_body(R"("call_control_id":"x")"), "is_alive is missing"},
    {200, status_body(R"("call_control_id":"x","is_alive":"true")"), "is_alive is not a boolean"},
    {200, status_body(R"("call_control_id":"x","is_alive":null)"), "is_alive is not a boolean"},
    {200, status_body(R"("call_control_id":"x","is_alive":true,"call_duration":"50")"), "call_duration"},
    {200, status_body(R"("call_control_id":"x","is_alive":true,"call_duration":1.5)"), "call_duration"},
    {200, status_body(R"("call_control_id":"x","is_alive":true,"call_duration":-1)"), "call_duration"},
    {200, status_body(R"("call_control_id":"x","is_alive":true,"start_time":1548267002)"),
     "start_time is not a string"},
    {200, status_body(R"("call_control_id":"x","is_alive":true,"start_time":"2019-01-23 18:10:02")"), "ISO-8601"},
    {200, status_body(R"("call_control_id":"x","is_alive":false,"end_time":"yesterday")"), "ISO-8601"},
    {200, status_body(R"("call_control_id":"x","is_alive":false,"end_time":"2019-02-30T00:00:00Z")"), "ISO-8601"},
    {200, status_body(R"("call_control_id":"x","is_alive":true,"record_type":"event")"), "record_type"},
    {200, status_body(R"("call_control_id":"other","is_alive":true)"), "another call"},
  };
  for (const auto& c : cases) {
    auto r = read_call_status(c.status, c.body, c.error_has == "another call" ? "x" : "");
    EXPECT_FALSE(r.status) << c.status << " " << c.body;
    EXPECT_NE(r.error.find(c.error_has), std::string::npos) << c.body << " -> " << r.error;
  }
}

TEST(CallStatus, InvalidUtf8AndHugeBodiesAreRefused) {
  std::string bad_utf8 = status_body("\"call_control_id\":\"\xff\",\"is_alive\":true");
  EXPECT_FALSE(read_call_status(200, bad_utf8).status);
  std::string huge(max_webhook_bytes + 1, ' ');
  EXPECT_FALSE(read_call_status(200, huge).status);
}

// -- active calls ---------------------------------------------------------------------

TEST(ActiveCalls, PageRoundTripsAndBuyerLegsAreTold) {
  telnyx_active_calls_page page;
  page.calls.push_back(live_call());
  auto buyer = live_call();
  buyer.call_control_id = "v3:abc-1:b1";
  buyer.client_state = encode_client_state("0190f1c2-0000-7000-8000-000000000001", call_leg::buyer, "v3:abc-1");
  page.calls.push_back(buyer);
  auto stranger = live_call();
  stranger.call_control_id = "v3:other";
  stranger.client_state.clear();
  page.calls.push_back(stranger);
  page.after = "v1:next";
  page.total_items = 7;
  page.next = "/v2/connections/7/active_calls?page[after]=v1:next";
  auto body = encode_active_calls(page);
  EXPECT_NE(body.find(R"("total_items":7)"), std::string::npos) << body;
  EXPECT_EQ(body.find("is_alive"), std::string::npos) << body;
  auto r = read_active_calls(200, body);
  ASSERT_TRUE(r.ok) << r.error;
  ASSERT_EQ(r.calls.size(), 3u);
  EXPECT_EQ(r.calls[0].call_control_id, "v3:abc-1");
  EXPECT_EQ(r.calls[0].leg, call_leg::caller);
  EXPECT_EQ(r.calls[1].leg, call_leg::buyer);
  EXPECT_EQ(r.calls[2].leg, call_leg::caller);
  EXPECT_EQ(r.next_after, "v1:next");
}

TEST(ActiveCalls, LastPageHasNoCursor) {
  telnyx_active_calls_page page;
  page.calls.push_back(live_call());
  page.before = "v1:prev";
  page.previous = "/v2/connections/7/active_calls?page[before]=v1:prev";
  auto r = read_active_calls(200, encode_active_calls(page));
  ASSERT_TRUE(r.ok) << r.error;
  EXPECT_EQ(r.calls.size(), 1u);
  EXPECT_EQ(r.next_after, "");
}

TEST(ActiveCalls, EmptyPageEndsEvenWithANext) {
  auto r = read_active_calls(200, R"({"data":[],"meta":{"cursors":{"after":"v1:x"},"next":"/v2/x?page[after]=v1:x"}})");
  ASSERT_TRUE(r.ok) << r.error;
  EXPECT_TRUE(r.calls.empty());
  EXPECT_EQ(r.next_after, "");
}

TEST(ActiveCalls, CursorComesFromNextWhenCursorsLackIt) {
  auto r = read_active_calls(
    200,
    R"({"data":[{"call_control_id":"a"}],"meta":{"next":"/v2/connections/7/active_calls?page%5Bafter%5D=v1%3Ag3"}})");
  ASSERT_TRUE(r.ok) << r.error;
  EXPECT_EQ(r.next_after, "v1:g3");
  r = read_active_calls(200, R"({"data":[{"call_control_id":"a"}],"meta":{"next":"/v2/connections/7/active_calls"}})");
  EXPECT_FALSE(r.ok);
  EXPECT_NE(r.error.find("without a cursor"), std::string::npos) << r.error;
}

TEST(ActiveCalls, NoMetaIsOnePage) {
  auto r = read_active_calls(200, R"({"data":[{"call_control_id":"a","client_state":"not base64!"}]})");
  ASSERT_TRUE(r.ok) << r.error;
  ASSERT_EQ(r.calls.size(), 1u);
  EXPECT_EQ(r.calls[0].leg, call_leg::caller);
  EXPECT_EQ(r.next_after, "");
}

TEST(ActiveCalls, MalformedPagesAreRefused) {
  struct bad {
    int status;
    std::string body;
    std::string error_has;
  };
  const bad cases[] = {
    {500, encode_command_error("10007", "Unexpected error", ""), "HTTP 500"},
    {422, encode_command_error("10015", "Invalid value for connection_id", ""), "HTTP 422"},
    {200, "", "malformed JSON"},
    {200, "[]", "not a JSON object"},
    {200, "{}", "no data array"},
    {200, R"({"data":{}})", "no data array"},
    {200, R"({"data":[7]})", "no call_control_id"},
    {200, R"({"data":[{}]})", "no call_control_id"},
    {200, R"({"data":[{"call_control_id":""}]})", "no call_control_id"},
    {200, R"({"data":[{"call_control_id":5}]})", "no call_control_id"},
    {200, R"({"data":[{"call_control_id":"a","client_state":{}}]})", "not a string"},
  };
  for (const auto& c : cases) {
    auto r = read_active_calls(c.status, c.body);
    EXPECT_FALSE(r.ok) << c.body;
    EXPECT_TRUE(r.calls.empty()) << c.body;
    EXPECT_NE(r.error.find(c.error_has), std::string::npos) << c.body << " -> " << r.error;
  }
}

} // namespace
} // namespace ringbid
