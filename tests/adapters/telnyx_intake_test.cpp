// The webhook front door: every verdict, deduplication in bounded memory, and
// the 503 that makes Telnyx retry what the engine could not take.

#include "adapters/telnyx/telnyx_codec.hpp"
#include "adapters/telnyx/telnyx_webhook_intake.hpp"

#include <gtest/gtest.h>

#include <functional>
#include <memory>
#include <string>
#include <vector>

namespace ringbid {
namespace {

constexpr timestamp_us now = 1'800'000'000 * us_per_s;
const std::string ts = "1800000000";

struct Intake : ::testing::Test {
  ed25519_keypair keys = generate_ed25519_keypair();
  std::vector<carrier_event> delivered;
  bool engine_up = true;
  telnyx_webhook_intake intake{*webhook_verifier::create(keys.public_key_b64),
                               [this](carrier_event ev) {
                                 if (!engine_up) return false;
                                 delivered.push_back(std::move(ev));
                                 return true;
                               },
                               4};

  static std::string hook(const std::string& id, const std::string& type, const std::string& cc = "cc-1",
                          const std::string& direction = "incoming", const std::string& client_state = {}) {
    telnyx_webhook w;
    w.event_id = id;
    w.event_type = type;
    w.occurred_at = now;
    w.call_control_id = cc;
    w.direction = direction;
    w.from = "+12125550100";
    w.to = "+18005550101";
    w.state = "parked";
    w.hangup_cause = "normal_clearing";
    w.hangup_source = "caller";
    w.client_state = client_state;
    return encode_webhook(w);
  }

  webhook_verdict send(const std::string& body, const std::string& timestamp = ts) {
    return intake.handle(sign_webhook(keys.secret_key_b64, timestamp, body), timestamp, body, now);
  }
};

TEST_F(Intake, ValidEventIsAcceptedAndDelivered) {
  auto v = send(hook("e1", "call.initiated"));
  EXPECT_EQ(v.status, 200);
  ASSERT_EQ(delivered.size(), 1u);
  EXPECT_EQ(delivered[0].kind, carrier_event_kind::initiated);
  EXPECT_EQ(delivered[0].carrier_call_id, "cc-1");
  EXPECT_EQ(intake.statistics().delivered.load(), 1u);
  EXPECT_EQ(intake.statistics().handling.count(), 1u);
}

TEST_F(Intake, MissingOrWrongSignatureIs401AndNothingIsDelivered) {
  auto body = hook("e1", "call.hangup");
  EXPECT_EQ(intake.handle("", ts, body, now).status, 401);
  EXPECT_EQ(intake.handle(sign_webhook(keys.secret_key_b64, ts, body), "", body, now).status, 401);
  auto other = generate_ed25519_keypair();
  EXPECT_EQ(intake.handle(sign_webhook(other.secret_key_b64, ts, body), ts, body, now).status, 401);
  auto tampered = body;
  tampered[tampered.size() / 2] ^= 1;
  auto v = intake.handle(sign_webhook(keys.secret_key_b64, ts, body), ts, tampered, now);
  EXPECT_EQ(v.status, 401);
  EXPECT_NE(v.body.find("error"), std::string::npos);
  EXPECT_TRUE(delivered.empty());
  EXPECT_EQ(intake.statistics().bad_signature.load(), 4u);
}

TEST_F(Intake, StaleTimestampEitherWayIs403) {
  EXPECT_EQ(send(hook("e1", "call.hangup"), "1799999699").status, 403); // 301 s old
  EXPECT_EQ(send(hook("e2", "call.hangup"), "1800000301").status, 403); // 301 s ahead
  EXPECT_EQ(send(hook("e3", "call.hangup"), "1799999700").status, 200); // exactly 300 s: still fine
  EXPECT_EQ(intake.statistics().stale.load(), 2u);
  EXPECT_EQ(delivered.size(), 1u);
}

TEST_F(Intake, MalformedJsonOrNotAnEventIs400) {
  EXPECT_EQ(send("{\"data\":").status, 400);
  EXPECT_EQ(send("[1,2,3]").status, 400);
  EXPECT_EQ(send(R"({"data":{"record_type":"event","event_type":"call.hangup"}})").status, 400); // no id
  auto v = send("\xff\xfe not utf-8");
  EXPECT_EQ(v.status, 400);
  EXPECT_EQ(intake.statistics().malformed.load(), 4u);
  EXPECT_TRUE(delivered.empty());
}

TEST_F(Intake, OversizedBodyIs413WithoutParsing) {
  std::string big(max_webhook_bytes + 1, ' ');
  EXPECT_EQ(send(big).status, 413);
  EXPECT_EQ(intake.statistics().too_large.load(), 1u);
}

TEST_F(Intake, UnknownTypeIsAcknowledgedAndIgnored) {
  auto v = send(hook("e1", "call.fork.started"));
  EXPECT_EQ(v.status, 200); // a non-2xx would only make Telnyx retry it
  EXPECT_TRUE(delivered.empty());
  EXPECT_EQ(intake.statistics().ignored.load(), 1u);
}

TEST_F(Intake, DuplicateDeliveryIsAcknowledgedOnce) {
  auto body = hook("e1", "call.answered");
  EXPECT_EQ(send(body).status, 200);
  EXPECT_EQ(send(body).status, 200);
  EXPECT_EQ(delivered.size(), 1u);
  EXPECT_EQ(intake.statistics().duplicates.load(), 1u);
}

TEST_F(Intake, DeduplicationMemoryIsBoundedOldestForgottenFirst) {
  for (int i = 1; i <= 5; ++i) EXPECT_EQ(send(hook("e" + std::to_string(i), "call.answered")).status, 200);
  EXPECT_EQ(delivered.size(), 5u);
  send(hook("e5", "call.answered")); // remembered
  EXPECT_EQ(delivered.size(), 5u);
  send(hook("e1", "call.answered")); // beyond the 4 remembered: delivered again
  EXPECT_EQ(delivered.size(), 6u);
}

TEST_F(Intake, BuyerLegStartAndBridgeEchoesAreIgnored) {
  auto buyer_state = encode_client_state("0190c7a0-0000-7000-8000-000000000001", call_leg::buyer, "cc-1");
  EXPECT_EQ(send(hook("e1", "call.initiated", "cc-1:b1", "outgoing", buyer_state)).status, 200);
  EXPECT_EQ(send(hook("e2", "call.bridged", "cc-1:b1", "outgoing", buyer_state)).status, 200);
  EXPECT_TRUE(delivered.empty());
  EXPECT_EQ(send(hook("e3", "call.hangup", "cc-1:b1", "outgoing", buyer_state)).status, 200);
  ASSERT_EQ(delivered.size(), 1u);
  EXPECT_EQ(delivered[0].leg, call_leg::buyer);
  EXPECT_EQ(delivered[0].carrier_call_id, "cc-1"); // routed to the caller's call
  EXPECT_EQ(intake.statistics().ignored.load(), 2u);
}

TEST_F(Intake, EngineNotReadyIs503AndTheRetryIsTaken) {
  engine_up = false;
  auto body = hook("e1", "call.initiated");
  EXPECT_EQ(send(body).status, 503);
  engine_up = true;
  EXPECT_EQ(send(body).status, 200); // not remembered as seen: the retry goes through
  EXPECT_EQ(delivered.size(), 1u);
  EXPECT_EQ(intake.statistics().unavailable.load(), 1u);
}

/// The durable record, scripted: the test says when each note is durable and
/// what it came to.
struct scripted_record final : durable_intake {
  std::vector<carrier_event> starts;
  std::vector<start_done> start_replies;
  std::vector<std::pair<carrier_event, std::string>> kept;
  std::vector<keep_done> keep_replies;
  void note_start(const carrier_event& initiated, start_done done) override {
    starts.push_back(initiated);
    start_replies.push_back(std::move(done));
  }
  void keep(const carrier_event& event, const std::string& event_id, keep_done done) override {
    kept.emplace_back(event, event_id);
    keep_replies.push_back(std::move(done));
  }
};

/// With a durable record, nothing reaches the engine, and nothing is
/// acknowledged, before the record holds it: the carrier's retry is what saves
/// an event the node could not keep, and what it re-delivers is not new.
struct DurableIntake : Intake {
  std::shared_ptr<scripted_record> record = std::make_shared<scripted_record>();
  std::vector<carrier_event> posted; ///< handed on once durable
  std::vector<webhook_verdict> replies;

  DurableIntake() {
    intake.set_durable(
      record, [this] { return engine_up; }, [this](carrier_event ev) { posted.push_back(std::move(ev)); });
  }
  void post(const std::string& body) {
    intake.handle(sign_webhook(keys.secret_key_b64, ts, body), ts, body, now,
                  [this](webhook_verdict v) { replies.push_back(std::move(v)); });
  }
};

TEST_F(DurableIntake, ACallReachesTheEngineOnlyOnceItsStartIsDurable) {
  post(hook("e1", "call.initiated", "cc-7"));
  ASSERT_EQ(record->starts.size(), 1u);
  EXPECT_EQ(record->starts[0].carrier_call_id, "cc-7");
  EXPECT_TRUE(posted.empty()) << "no command can be sent for a call the engine does not have";
  EXPECT_TRUE(replies.empty()) << "no answer before the start is durable";
  auto id = *uuid::parse("0190c7a0-0000-7000-8000-0000000000aa");
  record->start_replies[0](durable_intake::start_outcome::noted, id);
  ASSERT_EQ(posted.size(), 1u);
  EXPECT_EQ(posted[0].call, id) << "the call keeps the id its start was noted under";
  ASSERT_EQ(replies.size(), 1u);
  EXPECT_EQ(replies[0].status, 200);
  EXPECT_NE(replies[0].body.find("accepted"), std::string::npos);
  EXPECT_TRUE(delivered.empty()) << "the undurable path is not used";
  EXPECT_EQ(intake.statistics().handling.count(), 1u);
}

TEST_F(DurableIntake, AStartOfACallThatExistsIsNotANewCall) {
  post(hook("e1", "call.initiated", "cc-7"));
  record->start_replies[0](durable_intake::start_outcome::duplicate, call_id{});
  EXPECT_TRUE(posted.empty());
  ASSERT_EQ(replies.size(), 1u);
  EXPECT_EQ(replies[0].status, 200) << "the carrier must stop re-sending it";
  EXPECT_NE(replies[0].body.find("duplicate"), std::string::npos);
}

TEST_F(DurableIntake, AStoppingNodeRefusesNewCallsSoTheCarrierRetriesThemElsewhere) {
  post(hook("e1", "call.initiated", "cc-7"));
  record->start_replies[0](durable_intake::start_outcome::refused, call_id{});
  ASSERT_EQ(replies.size(), 1u);
  EXPECT_EQ(replies[0].status, 503);
  EXPECT_TRUE(posted.empty());
  post(hook("e1", "call.initiated", "cc-7")); // the retry is not taken for a duplicate
  EXPECT_EQ(record->starts.size(), 2u);
}

TEST_F(DurableIntake, EventsOfALiveCallAreKeptBeforeTheyAreAcknowledged) {
  post(hook("e2", "call.answered", "cc-7"));
  ASSERT_EQ(record->kept.size(), 1u);
  EXPECT_EQ(record->kept[0].second, "e2") << "kept under the carrier's own event id";
  EXPECT_TRUE(replies.empty());
  record->keep_replies[0](41, false);
  ASSERT_EQ(posted.size(), 1u);
  EXPECT_EQ(posted[0].journal_seq, 41u) << "the call records which kept events it handled";
  EXPECT_EQ(replies.at(0).status, 200);
  // Re-delivered after a restart (the memory of ids is gone): kept already.
  post(hook("e3", "call.hangup", "cc-7"));
  record->keep_replies[1](0, true);
  EXPECT_EQ(posted.size(), 1u);
  EXPECT_NE(replies.at(1).body.find("duplicate"), std::string::npos);
  // An event of a call that is not live: acknowledged, handed on unkept.
  post(hook("e4", "call.hangup", "cc-8"));
  record->keep_replies[2](0, false);
  ASSERT_EQ(posted.size(), 2u);
  EXPECT_EQ(posted[1].journal_seq, 0u);
}

TEST_F(DurableIntake, NothingIsRecordedWhileTheEngineCannotTakeIt) {
  engine_up = false;
  post(hook("e3", "call.initiated", "cc-9"));
  post(hook("e4", "call.hangup", "cc-9"));
  ASSERT_EQ(replies.size(), 2u);
  EXPECT_EQ(replies[0].status, 503);
  EXPECT_EQ(replies[1].status, 503);
  EXPECT_TRUE(record->starts.empty());
  EXPECT_TRUE(record->kept.empty());
  // Of no use to the engine: answered at once, nothing recorded.
  engine_up = true;
  auto buyer_state = encode_client_state("0190c7a0-0000-7000-8000-000000000001", call_leg::buyer, "cc-1");
  post(hook("e5", "call.initiated", "cc-1:b1", "outgoing", buyer_state));
  EXPECT_EQ(replies.at(2).status, 200);
  EXPECT_TRUE(record->starts.empty());
}

TEST_F(DurableIntake, TheSynchronousFormNeverWaits) {
  EXPECT_EQ(send(hook("e1", "call.initiated")).status, 200);
  EXPECT_TRUE(record->starts.empty());
}

} // namespace
} // namespace ringbid
