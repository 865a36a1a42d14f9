#include "adapters/telnyx/telnyx_codec.hpp"

#include "adapters/json/utf8.hpp"
#include "adapters/telnyx/webhook_signature.hpp"

#include <rapidjson/document.h>

#include <gtest/gtest.h>

#include <chrono>
#include <random>
#include <string>
#include <tuple>
#include <vector>

namespace ringbid {
namespace {

using namespace std::chrono_literals;

constexpr const char* caller_ccid = "v3:2EC-70CTEjlUq3tDM0CxKXIt5-5N4iP4wo7_-PfH-qub97Sk4EqO5w";
constexpr const char* buyer_ccid = "v3:buyerLeg-XYZ_123";
constexpr const char* engine_call = "01890a5d-ac96-774b-bcce-b302099a8057";

// The real call.initiated of the reference ([CAP]), verbatim.
constexpr const char* cap_initiated = R"({
  "data": {
    "event_type": "call.initiated",
    "id": "b97d4d5e-6fe7-4432-911f-79637bf6ebb7",
    "occurred_at": "2025-11-23T03:30:00.076316Z",
    "record_type": "event",
    "payload": {
      "call_control_id": "v3:2EC-70CTEjlUq3tDM0CxKXIt5-5N4iP4wo7_-PfH-qub97Sk4EqO5w",
      "call_leg_id": "b0e6224c-c81c-11f0-afbb-02420aef93a0",
      "call_session_id": "b0e6141e-c81c-11f0-abac-02420aef93a0",
      "caller_id_name": "+18124040851",
      "calling_party_type": "pstn",
      "client_state": null,
      "connection_codecs": "PCMA,PCMU,VP8,H264",
      "connection_id": "2811212257810187875",
      "direction": "incoming",
      "from": "+18124040851",
      "from_sip_uri": "8124040851@206.147.72.186:5060",
      "offered_codecs": "PCMU,G729",
      "start_time": "2025-11-23T03:30:00.076316Z",
      "state": "parked",
      "to": "+13057864498",
      "to_sip_uri": "+13057864498@192.76.120.10:5060"
    }
  },
  "meta": { "attempt": 1, "delivered_to": "https://example.com/telnyx-webhook" }
})";

// The [SPEC] call.hangup example of the reference, verbatim (ids elided with "…").
constexpr const char* spec_hangup =
  R"({"data":{"event_type":"call.hangup","id":"0ccc7b54-4df3-4bca-a65a-3da1ecc777f0","occurred_at":"2018-02-02T22:25:27.521992Z","record_type":"event",
 "payload":{"call_control_id":"v3:MdI91X4l…","call_leg_id":"428c31b6-…","call_session_id":"428c31b6-…","client_state":"aGF2ZSBhIG5pY2UgZGF5ID1d",
 "connection_id":"7267xxxxxxxxxxxxxx","from":"+35319605860","to":"+35319605860","start_time":"2018-02-02T22:20:27.521992Z","state":"hangup",
 "hangup_cause":"call_rejected","hangup_source":"caller","sip_hangup_cause":"603",
 "call_quality_stats":{"inbound":{"mos":"4.50","packet_count":"591","skip_packet_count":"9","jitter_max_variance":"2.74","jitter_packet_count":"0"},"outbound":{"packet_count":"0","skip_packet_count":"0"}}}},
 "meta":{"attempt":1,"delivered_to":"https://…"}})";

/// A webhook body in the reference's shape: `extra` is spliced into the payload.
std::string webhook(const std::string& type, const std::string& extra = "", const std::string& client_state = "null",
                    const std::string& ccid = caller_ccid) {
  return R"({"data":{"event_type":")" + type +
         R"(","id":"ev-1","occurred_at":"2026-01-02T03:04:05.678901Z","record_type":"event","payload":{)" +
         R"("call_control_id":")" + ccid +
         R"(","call_leg_id":"leg-1","call_session_id":"sess-1","connection_id":"123","client_state":)" + client_state +
         (extra.empty() ? "" : "," + extra) + R"(}},"meta":{"attempt":2}})";
}

std::string quoted_state(const std::string& json) { return '"' + base64_encode(json) + '"'; }

std::string buyer_state() { return quoted_state(encode_client_state(engine_call, call_leg::buyer, caller_ccid)); }

const telnyx_webhook& ok(const webhook_parse_result& r) {
  if (!r.ok()) ADD_FAILURE() << "parse failed: " << r.error()->field << ": " << r.error()->message;
  static const telnyx_webhook none;
  return r.ok() ? *r.webhook() : none;
}

carrier_event event_of(const std::string& body) {
  auto r = parse_webhook(body);
  const auto& w = ok(r);
  if (!w.event) ADD_FAILURE() << "no normalized event for " << w.event_type;
  return w.event.value_or(carrier_event{});
}

webhook_parse_error error_of(const std::string& body) {
  auto r = parse_webhook(body);
  if (r.ok()) {
    ADD_FAILURE() << "expected an error for " << body.substr(0, 200);
    return {};
  }
  return *r.error();
}

constexpr timestamp_us fixture_time = 1767323045678901; // 2026-01-02T03:04:05.678901Z

// --- time ------------------------------------------------------------------------

TEST(TelnyxTime, FractionalDigits) {
  EXPECT_EQ(parse_telnyx_time("2024-02-29T23:59:59Z"), 1709251199000000);
  EXPECT_EQ(parse_telnyx_time("2024-02-29T23:59:59.123Z"), 1709251199123000);
  EXPECT_EQ(parse_telnyx_time("2025-11-23T03:30:00.076316Z"), 1763868600076316);
  EXPECT_EQ(parse_telnyx_time("2025-11-23T03:30:00.076316999Z"), 1763868600076316); // truncated
  EXPECT_EQ(parse_telnyx_time("2025-11-23T03:30:00.5Z"), 1763868600500000);
  EXPECT_EQ(parse_telnyx_time("1970-01-01T00:00:00Z"), 0);
  EXPECT_EQ(parse_telnyx_time("1969-12-31T23:59:59.5Z"), -500000);
}

TEST(TelnyxTime, Offsets) {
  EXPECT_EQ(parse_telnyx_time("2024-02-29T23:59:59.123+00:00"), 1709251199123000);
  EXPECT_EQ(parse_telnyx_time("2024-03-01T01:29:59.123+01:30"), 1709251199123000);
  EXPECT_EQ(parse_telnyx_time("2024-02-29T18:59:59.123-05:00"), 1709251199123000);
  EXPECT_EQ(parse_telnyx_time("2024-02-29t23:59:59z"), 1709251199000000);
}

TEST(TelnyxTime, RejectsMalformed) {
  for (const char* bad : {"",
                          "2024-02-29",
                          "2024-02-29T23:59:59",
                          "2024-02-29 23:59:59Z",
                          "2024-02-30T00:00:00Z",
                          "2023-02-29T00:00:00Z",
                          "2024-13-01T00:00:00Z",
                          "2024-00-01T00:00:00Z",
                          "2024-01-01T24:00:00Z",
                          "2024-01-01T00:60:00Z",
                          "2024-01-01T00:00:61Z",
                          "2024-01-01T00:00:00.Z",
                          "2024-01-01T00:00:00.1234567890Z",
                          "2024-01-01T00:00:00ZZ",
                          "2024-01-01T00:00:00+0100",
                          "2024-01-01T00:00:00+01:",
                          "2024-1-01T00:00:00Z",
                          "+024-01-01T00:00:00Z",
                          "2024-01-01T00:00:00.12a4Z",
                          " 2024-01-01T00:00:00Z"})
    EXPECT_FALSE(parse_telnyx_time(bad)) << bad;
}

TEST(TelnyxTime, FormatRoundTrips) {
  EXPECT_EQ(format_telnyx_time(1763868600076316), "2025-11-23T03:30:00.076316Z");
  EXPECT_EQ(format_telnyx_time(0), "1970-01-01T00:00:00.000000Z");
  EXPECT_EQ(format_telnyx_time(-500000), "1969-12-31T23:59:59.500000Z");
  for (timestamp_us t : {timestamp_us{0}, timestamp_us{1}, timestamp_us{-1}, fixture_time, 4102444799999999})
    EXPECT_EQ(parse_telnyx_time(format_telnyx_time(t)), t) << t;
}

// --- client_state --------------------------------------------------------------------

TEST(ClientState, RoundTripWithCharactersNeedingEscapes) {
  std::string nasty = "a\"b\\c\nd\te/\x01\x1f<>&'\u00e9\u4e2d\U0001F600";
  auto json = encode_client_state(nasty, call_leg::buyer, nasty + "!");
  auto back = decode_client_state(json);
  ASSERT_TRUE(back);
  EXPECT_EQ(back->call, nasty);
  EXPECT_EQ(back->leg, call_leg::buyer);
  EXPECT_EQ(back->carrier_call_id, nasty + "!");
  // And through a webhook, Base64 and all.
  auto ev = event_of(webhook("call.answered", "", quoted_state(json)));
  EXPECT_EQ(ev.carrier_call_id, nasty + "!");
  EXPECT_EQ(ev.leg, call_leg::buyer);
}

TEST(ClientState, ShapeAndOptionalCarrierId) {
  EXPECT_EQ(encode_client_state(engine_call, call_leg::buyer),
            std::string{R"({"call":")"} + engine_call + R"(","leg":"buyer"})");
  auto back = decode_client_state(encode_client_state("c", call_leg::caller));
  ASSERT_TRUE(back);
  EXPECT_EQ(back->leg, call_leg::caller);
  EXPECT_EQ(back->carrier_call_id, "");
}

TEST(ClientState, InvalidUtf8IsRepaired) {
  auto json = encode_client_state("bad\xff\xfe", call_leg::caller);
  auto back = decode_client_state(json);
  ASSERT_TRUE(back);
  EXPECT_EQ(back->call, "bad\xEF\xBF\xBD\xEF\xBF\xBD");
  EXPECT_FALSE(repair_utf8("plain \u00e9"));
  EXPECT_EQ(repair_utf8("\xed\xa0\x80"), "\xEF\xBF\xBD\xEF\xBF\xBD\xEF\xBF\xBD"); // a surrogate
  EXPECT_EQ(repair_utf8("ok\xe4\xb8"), "ok\xEF\xBF\xBD\xEF\xBF\xBD");             // truncated
}

TEST(ClientState, DecodeRejectsForeignStates) {
  for (const char* bad : {"", "have a nice day =]", "[]", R"({"leg":"buyer"})", R"({"call":"x"})",
                          R"({"call":"x","leg":"B"})", R"({"call":1,"leg":"buyer"})", R"({"call":"x","leg":"buyer"}x)"})
    EXPECT_FALSE(decode_client_state(bad)) << bad;
}

// --- webhooks: the reference's examples --------------------------------------------------

TEST(ParseWebhook, CapturedInitiated) {
  auto r = parse_webhook(cap_initiated);
  const auto& w = ok(r);
  EXPECT_EQ(w.event_id, "b97d4d5e-6fe7-4432-911f-79637bf6ebb7");
  EXPECT_EQ(w.event_type, "call.initiated");
  EXPECT_EQ(w.call_control_id, caller_ccid);
  EXPECT_EQ(w.call_leg_id, "b0e6224c-c81c-11f0-afbb-02420aef93a0");
  EXPECT_EQ(w.call_session_id, "b0e6141e-c81c-11f0-abac-02420aef93a0");
  EXPECT_EQ(w.connection_id, "2811212257810187875");
  EXPECT_EQ(w.client_state, "");
  EXPECT_EQ(w.direction, "incoming");
  EXPECT_EQ(w.state, "parked");
  EXPECT_EQ(w.attempt, 1u);
  EXPECT_EQ(w.delivered_to, "https://example.com/telnyx-webhook");
  EXPECT_EQ(w.occurred_at, 1763868600076316);
  EXPECT_TRUE(w.known_type);
  ASSERT_TRUE(w.event);
  EXPECT_EQ(w.event->kind, carrier_event_kind::initiated);
  EXPECT_EQ(w.event->leg, call_leg::caller);
  EXPECT_EQ(w.event->carrier_call_id, caller_ccid);
  EXPECT_EQ(w.event->from, "+18124040851");
  EXPECT_EQ(w.event->to, "+13057864498");
  EXPECT_EQ(w.event->occurred_at, 1763868600076316);
}

TEST(ParseWebhook, SpecHangup) {
  auto r = parse_webhook(spec_hangup);
  const auto& w = ok(r);
  EXPECT_EQ(w.client_state, "have a nice day =]"); // not ours: the caller leg by default
  EXPECT_EQ(w.sip_hangup_cause, "603");
  ASSERT_TRUE(w.event);
  EXPECT_EQ(w.event->kind, carrier_event_kind::hangup);
  EXPECT_EQ(w.event->cause, hangup_cause::call_rejected);
  EXPECT_EQ(w.event->source, hangup_source::caller);
  EXPECT_EQ(w.event->leg, call_leg::caller);
  EXPECT_EQ(w.event->carrier_call_id, "v3:MdI91X4l…");
  EXPECT_EQ(w.event->occurred_at, 1517610327521992);
}

// --- webhooks: every event type --------------------------------------------------------

TEST(ParseWebhook, Answered) {
  auto ev = event_of(webhook("call.answered", R"("from":"+1","to":"+2","state":"answered")"));
  EXPECT_EQ(ev.kind, carrier_event_kind::answered);
  EXPECT_EQ(ev.leg, call_leg::caller);
  EXPECT_EQ(ev.carrier_call_id, caller_ccid);
  EXPECT_EQ(ev.occurred_at, fixture_time);
}

TEST(ParseWebhook, SpeakAndPlaybackStartedAreKnownButNotForwarded) {
  for (const char* type : {"call.speak.started", "call.playback.started"}) {
    auto r = parse_webhook(webhook(type, R"("media_url":"https://a/b.mp3","overlay":false)"));
    const auto& w = ok(r);
    EXPECT_TRUE(w.known_type) << type;
    EXPECT_FALSE(w.event) << type;
  }
}

TEST(ParseWebhook, SpeakEnded) {
  for (const char* status : {"completed", "call_hangup", "cancelled_amd"}) {
    auto ev = event_of(webhook("call.speak.ended", std::string{R"("status":")"} + status + '"'));
    EXPECT_EQ(ev.kind, carrier_event_kind::speak_ended);
    EXPECT_EQ(ev.detail, status);
  }
}

TEST(ParseWebhook, PlaybackEnded) {
  auto r = parse_webhook(webhook("call.playback.ended",
                                 R"("media_url":"https://h/hold.mp3","overlay":false,"status":"file_not_found",)"
                                 R"("status_detail":"Received curl error 22 HTTP error code 404")"));
  const auto& w = ok(r);
  EXPECT_EQ(w.media_url, "https://h/hold.mp3");
  ASSERT_TRUE(w.event);
  EXPECT_EQ(w.event->kind, carrier_event_kind::playback_ended);
  EXPECT_EQ(w.event->detail, "file_not_found");
}

TEST(ParseWebhook, BridgedOnBothLegs) {
  auto a = event_of(webhook("call.bridged", R"("from":"+1","to":"+2")"));
  EXPECT_EQ(a.kind, carrier_event_kind::bridged);
  EXPECT_EQ(a.leg, call_leg::caller);
  auto b = event_of(webhook("call.bridged", R"("from":"+1","to":"+2")", buyer_state(), buyer_ccid));
  EXPECT_EQ(b.kind, carrier_event_kind::bridged);
  EXPECT_EQ(b.leg, call_leg::buyer);
  EXPECT_EQ(b.carrier_call_id, caller_ccid);
}

TEST(ParseWebhook, Dtmf) {
  auto ev = event_of(webhook("call.dtmf.received", R"("digit":"#","from":"+1","to":"+2")"));
  EXPECT_EQ(ev.kind, carrier_event_kind::dtmf);
  EXPECT_EQ(ev.detail, "#");
}

TEST(ParseWebhook, GatherEnded) {
  auto ev = event_of(webhook("call.gather.ended", R"("digits":"5503","status":"valid","from":"+1","to":"+2")"));
  EXPECT_EQ(ev.kind, carrier_event_kind::gather_ended);
  EXPECT_EQ(ev.detail, "5503");
}

TEST(ParseWebhook, RecordingSavedPrefersMp3) {
  auto ev = event_of(webhook("call.recording.saved",
                             R"("channels":"dual","recording_urls":{"mp3":"https://r/a.mp3","wav":"https://r/a.wav"},)"
                             R"("public_recording_urls":{"mp3":null,"wav":null},)"
                             R"("recording_started_at":"2026-01-02T03:00:00Z")"));
  EXPECT_EQ(ev.kind, carrier_event_kind::recording_saved);
  EXPECT_EQ(ev.detail, "https://r/a.mp3");
  auto wav_only = R"("recording_urls":{"mp3":null,"wav":"https://r/a.wav"})";
  EXPECT_EQ(event_of(webhook("call.recording.saved", wav_only)).detail, "https://r/a.wav");
  auto public_only = R"("recording_urls":{"mp3":null,"wav":null},)"
                     R"("public_recording_urls":{"mp3":"https://p/a.mp3","wav":null})";
  EXPECT_EQ(event_of(webhook("call.recording.saved", public_only)).detail, "https://p/a.mp3");
}

TEST(ParseWebhook, RecordingSavedWithoutCallControlIdIsRoutedByClientState) {
  // [SPEC] lists no call_control_id for call.recording.saved.
  std::string state = quoted_state(encode_client_state(engine_call, call_leg::caller, caller_ccid));
  std::string body = R"({"data":{"event_type":"call.recording.saved","id":"e","occurred_at":"2026-01-02T03:04:05Z",)"
                     R"("record_type":"event","payload":{"call_leg_id":"l","call_session_id":"s","client_state":)" +
                     state + R"(,"channels":"dual","recording_urls":{"mp3":"https://r/x.mp3","wav":null}}}})";
  auto ev = event_of(body);
  EXPECT_EQ(ev.carrier_call_id, caller_ccid);
  EXPECT_EQ(ev.detail, "https://r/x.mp3");
  // Without state it cannot be routed.
  auto e = error_of(R"({"data":{"event_type":"call.recording.saved","id":"e",)"
                    R"("occurred_at":"2026-01-02T03:04:05Z","payload":{"client_state":null}}})");
  EXPECT_EQ(e.kind, webhook_error::missing_field);
  EXPECT_EQ(e.field, "data.payload.call_control_id");
}

TEST(ParseWebhook, RecordingErrorIsARecordStartFailure) {
  auto ev = event_of(webhook("call.recording.error", R"("reason":"Internal server error")"));
  EXPECT_EQ(ev.kind, carrier_event_kind::command_failed);
  EXPECT_EQ(ev.failed_command, command_kind::record_start);
  EXPECT_EQ(ev.detail, "Internal server error");
}

TEST(ParseWebhook, HangupCausesAndSources) {
  using c = hangup_cause;
  for (auto cause : {c::call_rejected, c::normal_clearing, c::originator_cancel, c::timeout, c::time_limit,
                     c::user_busy, c::not_found, c::no_answer, c::unspecified}) {
    auto ev = event_of(webhook("call.hangup", R"("hangup_cause":")" + std::string{to_string(cause)} +
                                                R"(","hangup_source":"callee","sip_hangup_cause":"486")"));
    EXPECT_EQ(ev.cause, cause);
    EXPECT_EQ(ev.source, hangup_source::callee);
  }
  auto odd = event_of(webhook("call.hangup", R"("hangup_cause":"alien_abduction","hangup_source":"cosmic")"));
  EXPECT_EQ(odd.cause, c::unspecified);
  EXPECT_EQ(odd.source, hangup_source::unknown);
  auto none = event_of(webhook("call.hangup", R"("hangup_cause":null,"call_quality_stats":null)"));
  EXPECT_EQ(none.cause, c::unspecified);
  EXPECT_EQ(none.source, hangup_source::unknown);
}

// --- webhooks: legs ------------------------------------------------------------------

TEST(ParseWebhook, OutgoingInitiatedIsTheBuyerLeg) {
  auto outgoing = R"("direction":"outgoing","state":"bridging","from":"+1","to":"+2")";
  auto with_state = event_of(webhook("call.initiated", outgoing, buyer_state(), buyer_ccid));
  EXPECT_EQ(with_state.leg, call_leg::buyer);
  EXPECT_EQ(with_state.carrier_call_id, caller_ccid);
  auto without = event_of(webhook("call.initiated", outgoing, "null", buyer_ccid));
  EXPECT_EQ(without.leg, call_leg::buyer);
  EXPECT_EQ(without.carrier_call_id, buyer_ccid);
  auto odd = event_of(webhook("call.initiated", R"("direction":"sideways")"));
  EXPECT_EQ(odd.leg, call_leg::buyer); // only "incoming" is a new inbound call
}

TEST(ParseWebhook, BuyerLegEventsNameTheCallerLeg) {
  for (const char* type : {"call.answered", "call.hangup", "call.speak.ended"}) {
    auto extra = R"("hangup_cause":"user_busy","hangup_source":"callee")";
    auto ev = event_of(webhook(type, extra, buyer_state(), buyer_ccid));
    EXPECT_EQ(ev.leg, call_leg::buyer) << type;
    EXPECT_EQ(ev.carrier_call_id, caller_ccid) << type;
  }
}

TEST(ParseWebhook, CallerStateKeepsTheCallerLeg) {
  auto state = quoted_state(encode_client_state(engine_call, call_leg::caller, caller_ccid));
  auto ev = event_of(webhook("call.hangup", R"("hangup_cause":"normal_clearing","hangup_source":"caller")", state));
  EXPECT_EQ(ev.leg, call_leg::caller);
  EXPECT_EQ(ev.carrier_call_id, caller_ccid);
}

TEST(ParseWebhook, ClientStateThatIsNotBase64IsDropped) {
  auto r = parse_webhook(webhook("call.answered", "", R"("not base64!")"));
  EXPECT_EQ(ok(r).client_state, "");
  auto r2 = parse_webhook(webhook("call.answered", "", "42"));
  EXPECT_EQ(ok(r2).client_state, "");
}

// --- webhooks: unknown types and errors -------------------------------------------------

TEST(ParseWebhook, UnknownTypesAreValidButIgnored) {
  auto r = parse_webhook(webhook("call.machine.detection.ended", R"("result":"human")"));
  const auto& w = ok(r);
  EXPECT_FALSE(w.known_type);
  EXPECT_FALSE(w.event);
  EXPECT_EQ(w.call_control_id, caller_ccid);
  // Not even a call event, no occurred_at, no payload: still acknowledged.
  auto r2 = parse_webhook(R"({"data":{"event_type":"number_order.status_update","id":"n1","record_type":"event"}})");
  EXPECT_FALSE(ok(r2).known_type);
}

TEST(ParseWebhook, MalformedJson) {
  for (const char* bad : {"", "{", "not json", R"({"data":{}} trailing)", R"({"data":{"id":"a",}})", "\xff\xfe{}",
                          R"({"data":{"event_type":"call.answered\xff","id":"x"}})"})
    EXPECT_EQ(error_of(bad).kind, webhook_error::malformed_json) << bad;
}

TEST(ParseWebhook, NotAnEvent) {
  for (const char* bad : {"[]", "42", R"("data")", "null", "{}", R"({"data":[]})", R"({"data":"x"})",
                          R"({"data":{"record_type":"call","id":"a","event_type":"call.answered"}})",
                          R"({"data":{"record_type":7,"id":"a","event_type":"call.answered"}})"})
    EXPECT_EQ(error_of(bad).kind, webhook_error::not_an_event) << bad;
}

TEST(ParseWebhook, MissingAndInvalidFields) {
  auto expect = [](const std::string& body, webhook_error kind, const std::string& field) {
    auto e = error_of(body);
    EXPECT_EQ(e.kind, kind) << body;
    EXPECT_EQ(e.field, field) << body;
    EXPECT_NE(e.message.find(field), std::string::npos) << e.message;
  };
  std::string good = webhook("call.answered");
  auto without = [&good](const std::string& part) {
    auto s = good;
    s.erase(s.find(part), part.size());
    return s;
  };
  expect(without(R"("id":"ev-1",)"), webhook_error::missing_field, "data.id");
  expect(without(R"("event_type":"call.answered",)"), webhook_error::missing_field, "data.event_type");
  expect(without(R"("call_control_id":")" + std::string{caller_ccid} + "\","), webhook_error::missing_field,
         "data.payload.call_control_id");
  expect(without(R"("occurred_at":"2026-01-02T03:04:05.678901Z",)"), webhook_error::missing_field, "data.occurred_at");
  expect(R"({"data":{"id":null,"event_type":"call.answered"}})", webhook_error::missing_field, "data.id");
  expect(R"({"data":{"id":"","event_type":"call.answered"}})", webhook_error::missing_field, "data.id");
  expect(R"({"data":{"id":7,"event_type":"call.answered"}})", webhook_error::invalid_field, "data.id");
  expect(R"({"data":{"id":"a","event_type":["call.answered"]}})", webhook_error::invalid_field, "data.event_type");
  expect(R"({"data":{"id":"a","event_type":"call.answered","occurred_at":"yesterday","payload":{}}})",
         webhook_error::invalid_field, "data.occurred_at");
  expect(R"({"data":{"id":"a","event_type":"call.answered","occurred_at":"2026-01-02T03:04:05Z"}})",
         webhook_error::missing_field, "data.payload");
  expect(R"({"data":{"id":"a","event_type":"call.answered","occurred_at":"2026-01-02T03:04:05Z",)"
         R"("payload":{"call_control_id":5}}})",
         webhook_error::invalid_field, "data.payload.call_control_id");
  expect(webhook("call.initiated", R"("from":"+1","to":"+2")"), webhook_error::missing_field, "data.payload.direction");
  EXPECT_EQ(to_string(webhook_error::missing_field), "missing_field");
}

TEST(ParseWebhook, HugeAndDeepGarbageDoesNotCrash) {
  EXPECT_EQ(error_of(std::string(max_webhook_bytes + 1, ' ')).kind, webhook_error::too_large);
  EXPECT_EQ(error_of(std::string(200000, '[')).kind, webhook_error::malformed_json);
  EXPECT_EQ(error_of(std::string(200000, '{')).kind, webhook_error::malformed_json);
  std::string deep_array = std::string(300000, '[') + std::string(300000, ']');
  EXPECT_EQ(error_of(deep_array).kind, webhook_error::not_an_event);
  // Deep nesting inside an otherwise valid webhook is parsed and ignored.
  std::string nested = std::string(200000, '[') + std::string(200000, ']');
  std::string deep = webhook("call.answered", R"("custom_headers":)" + nested);
  EXPECT_TRUE(parse_webhook(deep).ok());
  std::string long_string = webhook("call.answered", R"("from":")" + std::string(900000, 'x') + '"');
  EXPECT_EQ(ok(parse_webhook(long_string)).from.size(), 900000u);
}

TEST(ParseWebhook, MutatedBodiesNeverCrash) {
  std::mt19937 rng{12345};
  std::vector<std::string> seeds{cap_initiated, spec_hangup,
                                 webhook("call.recording.saved", R"("recording_urls":{"mp3":"u"})")};
  int parsed = 0;
  for (int i = 0; i < 3000; ++i) {
    std::string s = seeds[static_cast<size_t>(i) % seeds.size()];
    int edits = 1 + static_cast<int>(rng() % 4);
    for (int k = 0; k < edits && !s.empty(); ++k) {
      size_t at = rng() % s.size();
      switch (rng() % 3) {
        case 0: s[at] = static_cast<char>(rng() % 256); break;
        case 1: s.erase(at, 1 + rng() % 8); break;
        default: s.insert(at, 1, "{}[]\",:\\0"[rng() % 9]); break;
      }
    }
    auto r = parse_webhook(s);
    parsed += r.ok();
  }
  EXPECT_GT(parsed, 0); // some edits land in strings and still parse
}

// --- webhooks: encode -> parse ---------------------------------------------------------

auto wire(const telnyx_webhook& w) {
  return std::tie(w.event_id, w.event_type, w.occurred_at, w.attempt, w.delivered_to, w.call_control_id, w.call_leg_id,
                  w.call_session_id, w.connection_id, w.client_state, w.direction, w.state, w.from, w.to, w.status,
                  w.digits, w.media_url, w.reason, w.hangup_cause, w.hangup_source, w.sip_hangup_cause, w.channels,
                  w.recording_mp3_url, w.recording_wav_url);
}

telnyx_webhook base(const std::string& type) {
  telnyx_webhook w;
  w.event_id = "7d6a9a0e-0b2c-4d8e-9f3a-1b2c3d4e5f60";
  w.event_type = type;
  w.occurred_at = fixture_time;
  w.attempt = 3;
  w.delivered_to = "https://engine.example/telnyx";
  w.call_control_id = caller_ccid;
  w.call_leg_id = "b0e6224c-c81c-11f0-afbb-02420aef93a0";
  w.call_session_id = "b0e6141e-c81c-11f0-abac-02420aef93a0";
  w.connection_id = "2811212257810187875";
  w.client_state = encode_client_state(engine_call, call_leg::caller, caller_ccid);
  return w;
}

std::vector<telnyx_webhook> every_webhook() {
  std::vector<telnyx_webhook> all;
  auto add = [&all](telnyx_webhook w) { all.push_back(std::move(w)); };
  auto w = base("call.initiated");
  w.client_state.clear();
  w.direction = "incoming", w.state = "parked", w.from = "+18124040851", w.to = "+13057864498";
  add(w);
  w = base("call.initiated");
  w.call_control_id = buyer_ccid;
  w.client_state = encode_client_state(engine_call, call_leg::buyer, caller_ccid);
  w.direction = "outgoing", w.state = "bridging", w.from = "+13057864498", w.to = "sip:buyer@example.com";
  add(w);
  w = base("call.answered"), w.from = "+1", w.to = "+2", w.state = "answered";
  add(w);
  w = base("call.bridged"), w.from = "+1", w.to = "+2";
  add(w);
  add(base("call.speak.started"));
  w = base("call.speak.ended"), w.status = "completed";
  add(w);
  w = base("call.playback.started"), w.media_url = "https://audio/hold.mp3";
  add(w);
  w = base("call.playback.ended"), w.media_url = "https://audio/hold.mp3", w.status = "call_hangup";
  add(w);
  w = base("call.dtmf.received"), w.digits = "#", w.from = "+1", w.to = "+2";
  add(w);
  w = base("call.gather.ended"), w.digits = "5503", w.status = "valid";
  add(w);
  w = base("call.hangup"), w.hangup_cause = "normal_clearing", w.hangup_source = "caller";
  w.sip_hangup_cause = "unspecified", w.state = "hangup", w.from = "+1", w.to = "+2";
  add(w);
  w = base("call.recording.saved"), w.call_control_id.clear(), w.channels = "dual";
  w.recording_mp3_url = "https://rec/a.mp3?sig=\"x\"&y=1", w.recording_wav_url = "https://rec/a.wav";
  add(w);
  w = base("call.recording.error"), w.reason = "Internal server error";
  add(w);
  w = base("call.machine.detection.ended");
  add(w);
  return all;
}

TEST(EncodeWebhook, EveryTypeRoundTrips) {
  for (const auto& w : every_webhook()) {
    auto body = encode_webhook(w);
    auto r = parse_webhook(body);
    const auto& back = ok(r);
    EXPECT_EQ(wire(back), wire(w)) << body;
    EXPECT_EQ(back.known_type, w.event_type != "call.machine.detection.ended") << w.event_type;
    bool forwarded = back.known_type && w.event_type != "call.speak.started" && w.event_type != "call.playback.started";
    EXPECT_EQ(back.event.has_value(), forwarded) << w.event_type;
    if (back.event) {
      EXPECT_EQ(back.event->carrier_call_id, caller_ccid) << w.event_type;
      EXPECT_EQ(back.event->occurred_at, fixture_time) << w.event_type;
    }
  }
}

TEST(EncodeWebhook, EnvelopeMatchesTheReference) {
  auto all = every_webhook();
  rapidjson::Document doc;
  doc.Parse(encode_webhook(all[0]).c_str());
  ASSERT_FALSE(doc.HasParseError());
  const auto& data = doc["data"];
  EXPECT_STREQ(data["record_type"].GetString(), "event");
  EXPECT_STREQ(data["event_type"].GetString(), "call.initiated");
  EXPECT_STREQ(data["occurred_at"].GetString(), "2026-01-02T03:04:05.678901Z");
  EXPECT_TRUE(data["payload"]["client_state"].IsNull());
  EXPECT_STREQ(data["payload"]["direction"].GetString(), "incoming");
  EXPECT_EQ(doc["meta"]["attempt"].GetInt(), 3);
  EXPECT_STREQ(doc["meta"]["delivered_to"].GetString(), "https://engine.example/telnyx");

  doc.Parse(encode_webhook(all[8]).c_str()); // dtmf: "digit", not "digits"
  EXPECT_STREQ(doc["data"]["payload"]["digit"].GetString(), "#");
  EXPECT_FALSE(doc["data"]["payload"].HasMember("digits"));

  doc.Parse(encode_webhook(all[11]).c_str()); // recording.saved: the [SPEC] set, no call_control_id
  const auto& p = doc["data"]["payload"];
  EXPECT_FALSE(p.HasMember("call_control_id"));
  EXPECT_STREQ(p["recording_urls"]["mp3"].GetString(), "https://rec/a.mp3?sig=\"x\"&y=1");
  EXPECT_TRUE(p["public_recording_urls"]["mp3"].IsNull());
  EXPECT_EQ(base64_decode(p["client_state"].GetString()), all[11].client_state);
}

TEST(EncodeWebhook, SignedEncodedWebhookVerifies) {
  auto keys = generate_ed25519_keypair();
  auto body = encode_webhook(every_webhook()[2]);
  auto sig = sign_webhook(keys.secret_key_b64, "1767323045", body);
  auto v = webhook_verifier::create(keys.public_key_b64);
  ASSERT_TRUE(v);
  EXPECT_EQ(v->verify(sig, "1767323045", body, fixture_time), signature_verdict::ok);
}

// --- commands: encode -> parse -------------------------------------------------------

carrier_command command(command_kind kind) {
  carrier_command c;
  c.call = *uuid::parse(engine_call);
  c.carrier_call_id = caller_ccid;
  c.kind = kind;
  c.command_id = *uuid::parse("01890a5d-ac96-7000-8000-000000000042");
  switch (kind) {
    case command_kind::speak:
      c.payload = "Thanks for calling \"Acme\"\nPlease hold… ☎";
      c.voice = "Polly.Joanna";
      c.language = "en-US";
      break;
    case command_kind::play:
      c.payload = "https://audio.example/hold music.mp3";
      c.loop = true;
      break;
    case command_kind::transfer:
      c.payload = "+18005550199";
      c.from = "+13057864498";
      c.timeout_secs = 25;
      break;
    default: break;
  }
  return c;
}

auto fields(const carrier_command& c) {
  return std::tie(c.call, c.carrier_call_id, c.kind, c.command_id, c.payload, c.voice, c.language, c.from,
                  c.timeout_secs, c.loop);
}

const telnyx_command& ok(const command_parse_result& r) {
  if (!r.ok()) ADD_FAILURE() << "parse_command failed: " << r.error()->field << ": " << r.error()->message;
  static const telnyx_command none;
  return r.ok() ? *r.command() : none;
}

TEST(EncodeCommand, EveryKindRoundTrips) {
  using k = command_kind;
  for (auto kind :
       {k::answer, k::speak, k::play, k::stop_play, k::transfer, k::record_start, k::record_stop, k::hangup}) {
    auto cmd = command(kind);
    auto state = encode_client_state(engine_call, call_leg::caller, caller_ccid);
    auto req = encode_command(cmd, state);
    EXPECT_EQ(req.path, "/v2/calls/" + std::string{caller_ccid} + "/actions/" + std::string{telnyx_action(kind)});
    auto r = parse_command(req.path, req.body);
    const auto& t = ok(r);
    EXPECT_EQ(t.action, telnyx_action(kind));
    EXPECT_EQ(t.command_id, cmd.command_id.to_string());
    EXPECT_EQ(t.client_state, state);
    ASSERT_TRUE(t.command) << req.body;
    EXPECT_EQ(fields(*t.command), fields(cmd)) << req.body;
  }
}

TEST(EncodeCommand, ExactBodies) {
  auto state = encode_client_state(engine_call, call_leg::caller);
  auto b64 = base64_encode(state);
  auto id = std::string{"01890a5d-ac96-7000-8000-000000000042"};
  EXPECT_EQ(encode_command(command(command_kind::answer), state).body,
            R"({"command_id":")" + id + R"(","client_state":")" + b64 + R"("})");
  EXPECT_EQ(encode_command(command(command_kind::hangup), "").body, R"({"command_id":")" + id + R"("})");
  EXPECT_EQ(encode_command(command(command_kind::record_start), "").body,
            R"({"format":"mp3","channels":"dual","command_id":")" + id + R"("})");
  EXPECT_EQ(encode_command(command(command_kind::play), "").body,
            R"({"audio_url":"https://audio.example/hold music.mp3","loop":"infinity","command_id":")" + id + R"("})");
  EXPECT_EQ(encode_command(command(command_kind::stop_play), "").path,
            "/v2/calls/" + std::string{caller_ccid} + "/actions/playback_stop");
}

TEST(EncodeCommand, TransferCarriesTheBuyerLegState) {
  auto req = encode_command(command(command_kind::transfer), "");
  auto t = ok(parse_command(req.path, req.body));
  auto state = decode_client_state(t.target_leg_client_state);
  ASSERT_TRUE(state);
  EXPECT_EQ(state->call, engine_call);
  EXPECT_EQ(state->leg, call_leg::buyer);
  EXPECT_EQ(state->carrier_call_id, caller_ccid);
  EXPECT_EQ(t.fields.at("timeout_secs"), "25");
  EXPECT_EQ(t.client_state, ""); // the caller leg's state is left alone
  EXPECT_EQ(t.command->call, *uuid::parse(engine_call));
}

TEST(EncodeCommand, TransferTimeoutIsClampedOrLeftOut) {
  auto timeout_of = [](int32_t secs) {
    auto c = command(command_kind::transfer);
    c.timeout_secs = secs;
    auto req = encode_command(c, "");
    auto t = ok(parse_command(req.path, req.body));
    auto i = t.fields.find("timeout_secs");
    return i == t.fields.end() ? std::string{"absent"} : i->second;
  };
  EXPECT_EQ(timeout_of(3), "5");
  EXPECT_EQ(timeout_of(900), "600");
  EXPECT_EQ(timeout_of(30), "30");
  EXPECT_EQ(timeout_of(0), "absent");
  EXPECT_EQ(timeout_of(-4), "absent");
}

TEST(EncodeCommand, DefaultsAndOmissions) {
  auto c = command(command_kind::speak);
  c.voice.clear();
  c.language.clear();
  c.command_id = uuid{};
  auto t = ok(parse_command(encode_command(c, "").path, encode_command(c, "").body));
  EXPECT_EQ(t.fields.at("voice"), "female");
  EXPECT_FALSE(t.fields.count("language"));
  EXPECT_FALSE(t.fields.count("command_id")); // never the nil id: Telnyx would dedupe on it
  EXPECT_FALSE(t.fields.count("client_state"));
  auto p = command(command_kind::play);
  p.loop = false;
  EXPECT_EQ(encode_command(p, "").body.find("loop"), std::string::npos);
}

TEST(EncodeCommand, InvalidUtf8IsRepairedNotPassedOn) {
  auto c = command(command_kind::speak);
  c.payload = "caf\xe9 \xff";
  auto req = encode_command(c, "");
  auto t = ok(parse_command(req.path, req.body));
  EXPECT_EQ(t.command->payload, "caf\xEF\xBF\xBD \xEF\xBF\xBD");
}

TEST(EncodeCommand, CallControlIdIsPercentEncoded) {
  auto c = command(command_kind::hangup);
  c.carrier_call_id = "v2:a/b?c%d e#f";
  auto req = encode_command(c, "");
  EXPECT_EQ(req.path, "/v2/calls/v2:a%2Fb%3Fc%25d%20e%23f/actions/hangup");
  EXPECT_EQ(ok(parse_command(req.path, req.body)).call_control_id, c.carrier_call_id);
}

TEST(EncodeCommand, GatherUsingSpeak) {
  gather_using_speak_options o;
  o.payload = "Press 1 for sales, 2 for \"support\"";
  o.language = "en-US";
  o.maximum_digits = 1;
  o.valid_digits = "12";
  auto id = *uuid::parse("01890a5d-ac96-7000-8000-000000000043");
  auto state = encode_client_state(engine_call, call_leg::caller, caller_ccid);
  auto req = encode_gather_using_speak(caller_ccid, id, o, state);
  EXPECT_EQ(req.path, "/v2/calls/" + std::string{caller_ccid} + "/actions/gather_using_speak");
  auto t = ok(parse_command(req.path, req.body));
  EXPECT_EQ(t.action, "gather_using_speak");
  EXPECT_FALSE(t.command); // no command_kind for it yet
  EXPECT_EQ(t.command_id, id.to_string());
  EXPECT_EQ(t.client_state, state);
  EXPECT_EQ(t.fields.at("payload"), o.payload);
  EXPECT_EQ(t.fields.at("voice"), "female");
  EXPECT_EQ(t.fields.at("language"), "en-US");
  EXPECT_FALSE(t.fields.count("invalid_payload"));
  EXPECT_EQ(t.fields.at("minimum_digits"), "1");
  EXPECT_EQ(t.fields.at("maximum_digits"), "1");
  EXPECT_EQ(t.fields.at("maximum_tries"), "3");
  EXPECT_EQ(t.fields.at("timeout_millis"), "60000");
  EXPECT_EQ(t.fields.at("inter_digit_timeout_millis"), "5000");
  EXPECT_EQ(t.fields.at("terminating_digit"), "#");
  EXPECT_EQ(t.fields.at("valid_digits"), "12");
}

// --- commands: parse errors -----------------------------------------------------------

TEST(ParseCommand, Paths) {
  auto t = ok(parse_command("/v2/calls/v3:abc/actions/hangup?foo=bar", ""));
  EXPECT_EQ(t.call_control_id, "v3:abc");
  EXPECT_EQ(t.action, "hangup");
  EXPECT_EQ(t.command->kind, command_kind::hangup);
  EXPECT_TRUE(t.command->call.is_nil());
  auto other = ok(parse_command("/v2/calls/v3:abc/actions/bridge", R"({"call_control_id":"v3:other"})"));
  EXPECT_FALSE(other.command);
  EXPECT_EQ(other.fields.at("call_control_id"), "v3:other");
  for (const char* bad :
       {"", "/", "/v2/calls/", "/v2/calls//actions/hangup", "/v2/calls/abc/actions/", "/v2/calls/abc/hangup",
        "/v1/calls/abc/actions/hangup", "/v2/calls/a/b/actions/hangup", "/v2/calls/abc/actions/hangup/extra",
        "/v2/calls/a%2/actions/hangup", "/v2/calls/a%zz/actions/hangup", "/v2/calls/actions/hangup"}) {
    auto r = parse_command(bad, "{}");
    ASSERT_FALSE(r.ok()) << bad;
    EXPECT_EQ(r.error()->kind, command_parse_error_kind::bad_path) << bad;
  }
}

TEST(ParseCommand, BodyErrors) {
  auto error = [](std::string_view action, std::string_view body) {
    auto r = parse_command("/v2/calls/v3:x/actions/" + std::string{action}, body);
    return r.ok() ? command_parse_error{command_parse_error_kind::bad_path, "<ok>", ""} : *r.error();
  };
  EXPECT_EQ(error("answer", "{").kind, command_parse_error_kind::malformed_json);
  EXPECT_EQ(error("answer", "[]").kind, command_parse_error_kind::malformed_json);
  EXPECT_EQ(error("answer", std::string(300000, '[')).kind, command_parse_error_kind::malformed_json);
  EXPECT_EQ(error("speak", R"({"payload":"hi"})").field, "voice");
  EXPECT_EQ(error("speak", R"({"voice":"female"})").field, "payload");
  EXPECT_EQ(error("speak", R"({"payload":"","voice":"female"})").field, "payload");
  EXPECT_EQ(error("playback_start", "{}").field, "audio_url");
  EXPECT_EQ(error("transfer", R"({"from":"+1"})").field, "to");
  EXPECT_EQ(error("record_start", R"({"format":"mp3"})").field, "channels");
  EXPECT_EQ(error("gather_using_speak", R"({"voice":"female"})").field, "payload");
  EXPECT_EQ(error("answer", R"({"client_state":"not base64!"})").kind, command_parse_error_kind::invalid_field);
  EXPECT_EQ(error("answer", R"({"client_state":5})").field, "client_state");
  EXPECT_EQ(error("transfer", R"({"to":"+1","target_leg_client_state":"%%"})").field, "target_leg_client_state");
  EXPECT_EQ(error("answer", R"({"command_id":42})").field, "command_id");
  EXPECT_EQ(error("transfer", R"({"to":"+1","timeout_secs":"30"})").field, "timeout_secs");
  EXPECT_EQ(error("playback_start", R"({"media_name":"hold"})").field, "<ok>");
  EXPECT_EQ(error("answer", R"({"client_state":null,"webhook_urls":{"call.hangup":"x"}})").field, "<ok>");
}

TEST(ParseCommand, ForeignCommandIdIsKeptAsText) {
  auto t = ok(parse_command("/v2/calls/v3:x/actions/answer", R"({"command_id":"my-retry-key-1"})"));
  EXPECT_EQ(t.command_id, "my-retry-key-1");
  EXPECT_TRUE(t.command->command_id.is_nil());
}

// --- command responses -------------------------------------------------------------------

TEST(CommandOutcome, Classification) {
  using k = command_outcome_kind;
  EXPECT_EQ(parse_command_error(200, encode_command_ok()).kind, k::success);
  EXPECT_EQ(parse_command_error(204, "").kind, k::success);
  // pipecat-ai/pipecat#2054, verbatim.
  auto ended = parse_command_error(
    422,
    R"({"errors":[{"code":"90018","title":"Call has already ended","detail":"This call is no longer active and can't receive commands."}]})");
  EXPECT_EQ(ended.kind, k::call_ended);
  EXPECT_EQ(ended.code, "90018");
  EXPECT_EQ(ended.detail, "Call has already ended: This call is no longer active and can't receive commands. (90018)");
  auto second = parse_command_error(
    422,
    R"({"errors":[{"code":"10004","title":"Missing required parameter"},{"code":"90018","title":"Call has already ended"}]})");
  EXPECT_EQ(second.kind, k::call_ended);
  EXPECT_EQ(parse_command_error(422, R"({"errors":[{"code":90018,"title":"Call has already ended"}]})").kind,
            k::call_ended);
  auto invalid = parse_command_error(
    422, R"({"errors":[{"code":"90015","title":"Invalid Call Control ID","source":{"pointer":"/call_control_id"}}]})");
  EXPECT_EQ(invalid.kind, k::rejected);
  EXPECT_EQ(invalid.detail, "Invalid Call Control ID (90015)");
  EXPECT_EQ(parse_command_error(404, R"({"errors":[{"code":"90018","title":"x"}]})").kind, k::rejected);
  auto limited = parse_command_error(
    429,
    R"({"errors":[{"code":"10011","title":"Too many requests","detail":"You have exceeded the maximum number of allowed requests."}]})");
  EXPECT_EQ(limited.kind, k::rate_limited);
  EXPECT_EQ(limited.code, "10011");
  EXPECT_EQ(parse_command_error(500, encode_command_error("10007", "Unexpected error", "")).kind, k::retryable);
  EXPECT_EQ(parse_command_error(503, "").kind, k::retryable);
  auto html = parse_command_error(400, "<html>bad gateway</html>");
  EXPECT_EQ(html.kind, k::rejected);
  EXPECT_EQ(html.detail, "HTTP 400");
  EXPECT_EQ(parse_command_error(302, "").kind, k::rejected);
  EXPECT_EQ(parse_command_error(422, "{\"errors\":[{\"detail\":\"only detail\"}]}").detail, "only detail");
  EXPECT_EQ(to_string(k::call_ended), "call_ended");
}

TEST(CommandOutcome, SimulatorErrorBodyRoundTrips) {
  auto body = encode_command_error("90018", "Call has already ended",
                                   "This call is no longer active and can't receive commands.");
  EXPECT_EQ(
    body,
    R"({"errors":[{"code":"90018","title":"Call has already ended","detail":"This call is no longer active and can't receive commands."}]})");
  EXPECT_EQ(parse_command_error(422, body).kind, command_outcome_kind::call_ended);
  EXPECT_EQ(encode_command_ok(), R"({"data":{"result":"ok"}})");
}

TEST(RateLimitReset, SecondsUntilReset) {
  EXPECT_EQ(parse_ratelimit_reset("30"), caf::timespan{30s});
  EXPECT_EQ(parse_ratelimit_reset("0"), caf::timespan{0s});
  EXPECT_EQ(parse_ratelimit_reset(" 2 "), caf::timespan{2s});
  EXPECT_EQ(parse_ratelimit_reset("1.5"), caf::timespan{1500ms});
  EXPECT_EQ(parse_ratelimit_reset("0.0000000019"), caf::timespan{1ns});
  for (const char* bad : {"", " ", "-1", "abc", "1.", ".5", "1e3", "1,5", "1234567890", "2 s"})
    EXPECT_FALSE(parse_ratelimit_reset(bad)) << bad;
}

} // namespace
} // namespace ringbid
