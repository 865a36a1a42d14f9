#include "adapters/telnyx/webhook_signature.hpp"

#include <gtest/gtest.h>

#include <array>
#include <string>
#include <thread>
#include <vector>

namespace ringbid {
namespace {

// RFC 8032 section 7.1, TEST 1: the seed and the public key it must give.
constexpr std::array<uint8_t, 32> rfc8032_seed{0x9d, 0x61, 0xb1, 0x9d, 0xef, 0xfd, 0x5a, 0x60, 0xba, 0x84, 0x4a,
                                               0xf4, 0x92, 0xec, 0x2c, 0xc4, 0x44, 0x49, 0xc5, 0x69, 0x7b, 0x32,
                                               0x69, 0x19, 0x70, 0x3b, 0xac, 0x03, 0x1c, 0xae, 0x7f, 0x60};
constexpr const char* rfc8032_public_b64 = "11qYAYKxCrfVS/7TyWQHOg7hcvPapiMlrwIaaPcHURo=";
constexpr const char* rfc8032_seed_b64 = "nWGxne/9WmC6hEr0kuwsxERJxWl7MmkZcDusAxyuf2A=";

// The signature over "1700000000|" + kat_body with that key, computed once with
// Python's `cryptography` (OpenSSL), independently of libsodium.
constexpr const char* kat_body = R"({"data":{"event_type":"call.hangup","id":"0ccc7b54-4df3-4bca-a65a-3da1ecc777f0"}})";
constexpr const char* kat_signature =
  "RmHAa1XgoWQoXUq+UulYKVrfjsxIasWWFupfTB8oXOb7Vx4+abrmL6sacp+LpWglWJ1gsZxl7zCufwt0ZRl1AQ==";

constexpr const char* ts = "1700000000";
constexpr timestamp_us ts_us = 1'700'000'000 * us_per_s;
constexpr const char* body = R"({"data":{"event_type":"call.answered","id":"e1"}})";

webhook_verifier verifier_for(const std::string& public_key_b64) {
  std::string error;
  auto v = webhook_verifier::create(public_key_b64, &error);
  EXPECT_TRUE(v.has_value()) << error;
  return *v;
}

struct SignedWebhook : ::testing::Test {
  ed25519_keypair keys = generate_ed25519_keypair();
  webhook_verifier verifier = verifier_for(keys.public_key_b64);
  std::string signature = sign_webhook(keys.secret_key_b64, ts, body);
};

// --- Base64 ----------------------------------------------------------------------

TEST(Base64, RoundTripsEveryByte) {
  std::string all;
  for (int i = 0; i < 256; ++i) all.push_back(static_cast<char>(i));
  for (size_t n = 0; n <= all.size(); n += 37) {
    auto part = all.substr(0, n);
    EXPECT_EQ(base64_decode(base64_encode(part)), part);
  }
  EXPECT_EQ(base64_encode("hello"), "aGVsbG8=");
  EXPECT_EQ(base64_encode(""), "");
}

TEST(Base64, DecodeIsStrict) {
  EXPECT_EQ(base64_decode("aGVsbG8="), "hello");
  EXPECT_EQ(base64_decode(""), "");
  EXPECT_FALSE(base64_decode("aGVsbG8"));   // padding missing
  EXPECT_FALSE(base64_decode("aGVs bG8=")); // whitespace
  EXPECT_FALSE(base64_decode("aGVsbG9="));  // non-zero trailing bits
  EXPECT_FALSE(base64_decode("aGVs_G8="));  // URL-safe alphabet
  EXPECT_FALSE(base64_decode("!!!!"));
}

// --- keys and known answers --------------------------------------------------------

TEST(Ed25519Keys, SeedGivesTheRfc8032PublicKey) {
  auto keys = ed25519_keypair_from_seed(rfc8032_seed);
  EXPECT_EQ(keys.public_key_b64, rfc8032_public_b64);
  auto secret = base64_decode(keys.secret_key_b64);
  ASSERT_TRUE(secret);
  EXPECT_EQ(secret->size(), 64u);
}

TEST(Ed25519Keys, GeneratedKeysDiffer) {
  auto a = generate_ed25519_keypair();
  auto b = generate_ed25519_keypair();
  EXPECT_NE(a.public_key_b64, b.public_key_b64);
  EXPECT_EQ(base64_decode(a.public_key_b64)->size(), 32u);
}

TEST(WebhookSignature, KnownAnswer) {
  auto keys = ed25519_keypair_from_seed(rfc8032_seed);
  EXPECT_EQ(sign_webhook(keys.secret_key_b64, ts, kat_body), kat_signature);
  EXPECT_EQ(sign_webhook(rfc8032_seed_b64, ts, kat_body), kat_signature); // the bare seed works too
  auto v = verifier_for(rfc8032_public_b64);
  EXPECT_EQ(v.verify(kat_signature, ts, kat_body, ts_us), signature_verdict::ok);
}

TEST(WebhookSignature, SigningRefusesABadSecretKey) {
  EXPECT_THROW(sign_webhook("not base64!", ts, body), std::invalid_argument);
  EXPECT_THROW(sign_webhook(base64_encode("short"), ts, body), std::invalid_argument);
  EXPECT_THROW(sign_webhook("", ts, body), std::invalid_argument);
}

// --- verification ------------------------------------------------------------------

TEST_F(SignedWebhook, RoundTrip) {
  EXPECT_EQ(verifier.verify(signature, ts, body, ts_us), signature_verdict::ok);
  EXPECT_EQ(verifier.tolerance(), webhook_verifier::default_tolerance);
}

TEST_F(SignedWebhook, EmptyBodyIsSignedToo) {
  auto sig = sign_webhook(keys.secret_key_b64, ts, "");
  EXPECT_EQ(verifier.verify(sig, ts, "", ts_us), signature_verdict::ok);
  EXPECT_EQ(verifier.verify(sig, ts, " ", ts_us), signature_verdict::bad_signature);
}

TEST_F(SignedWebhook, TamperedBodyFails) {
  std::string tampered = body;
  tampered[tampered.size() - 3] = 'X';
  EXPECT_EQ(verifier.verify(signature, ts, tampered, ts_us), signature_verdict::bad_signature);
  EXPECT_EQ(verifier.verify(signature, ts, std::string{body} + " ", ts_us), signature_verdict::bad_signature);
}

TEST_F(SignedWebhook, TamperedTimestampFails) {
  EXPECT_EQ(verifier.verify(signature, "1700000001", body, ts_us), signature_verdict::bad_signature);
  // Same number, different bytes: the signature covers the header text.
  EXPECT_EQ(verifier.verify(signature, "01700000000", body, ts_us), signature_verdict::bad_signature);
}

TEST_F(SignedWebhook, TamperedSignatureFails) {
  auto raw = *base64_decode(signature);
  for (size_t i : {size_t{0}, size_t{31}, size_t{32}, size_t{63}}) {
    auto flipped = raw;
    flipped[i] = static_cast<char>(flipped[i] ^ 0x01);
    EXPECT_EQ(verifier.verify(base64_encode(flipped), ts, body, ts_us), signature_verdict::bad_signature) << i;
  }
}

TEST_F(SignedWebhook, WrongKeyFails) {
  auto other = verifier_for(generate_ed25519_keypair().public_key_b64);
  EXPECT_EQ(other.verify(signature, ts, body, ts_us), signature_verdict::bad_signature);
}

TEST_F(SignedWebhook, StaleInBothDirections) {
  auto at = [&](int64_t offset_s) { return verifier.verify(signature, ts, body, ts_us + offset_s * us_per_s); };
  EXPECT_EQ(at(301), signature_verdict::stale_timestamp);  // the webhook is old
  EXPECT_EQ(at(-301), signature_verdict::stale_timestamp); // the webhook is from the future
  EXPECT_EQ(at(299), signature_verdict::ok);
  EXPECT_EQ(at(-299), signature_verdict::ok);
  EXPECT_EQ(at(300), signature_verdict::ok);
  EXPECT_EQ(verifier.verify(signature, ts, body, ts_us + 300 * us_per_s + 1), signature_verdict::stale_timestamp);
}

TEST_F(SignedWebhook, ToleranceIsConfigurable) {
  auto strict = webhook_verifier::create(keys.public_key_b64, nullptr, std::chrono::seconds{10});
  ASSERT_TRUE(strict);
  EXPECT_EQ(strict->verify(signature, ts, body, ts_us + 11 * us_per_s), signature_verdict::stale_timestamp);
  EXPECT_EQ(strict->verify(signature, ts, body, ts_us + 10 * us_per_s), signature_verdict::ok);
  auto lax = webhook_verifier::create(keys.public_key_b64, nullptr, std::chrono::seconds::max());
  ASSERT_TRUE(lax);
  EXPECT_EQ(lax->verify(signature, ts, body, 0), signature_verdict::ok);
  std::string error;
  EXPECT_FALSE(webhook_verifier::create(keys.public_key_b64, &error, std::chrono::seconds{-1}));
  EXPECT_NE(error.find("negative"), std::string::npos);
}

TEST_F(SignedWebhook, EmptyHeaders) {
  EXPECT_EQ(verifier.verify("", ts, body, ts_us), signature_verdict::missing_signature);
  EXPECT_EQ(verifier.verify(signature, "", body, ts_us), signature_verdict::missing_timestamp);
  EXPECT_EQ(verifier.verify("", "", body, ts_us), signature_verdict::missing_signature);
}

TEST_F(SignedWebhook, MalformedTimestamp) {
  for (const char* bad : {"abc", "-1700000000", "1700000000.5", " 1700000000", "1700000000 ", "+1700000000", "1e9",
                          "9999999999999999999", "0x10"})
    EXPECT_EQ(verifier.verify(signature, bad, body, ts_us), signature_verdict::malformed_timestamp) << bad;
}

TEST_F(SignedWebhook, FarAwayTimestampsAreStaleNotOverflows) {
  EXPECT_EQ(verifier.verify(signature, "999999999999999999", body, ts_us), signature_verdict::stale_timestamp);
  EXPECT_EQ(verifier.verify(signature, "0", body, ts_us), signature_verdict::stale_timestamp);
  EXPECT_EQ(verifier.verify(signature, ts, body, INT64_MIN), signature_verdict::stale_timestamp);
}

TEST_F(SignedWebhook, GarbageSignature) {
  for (std::string bad : {std::string{"not base64 at all"}, std::string{"===="}, signature.substr(1),
                          signature + "AAAA", base64_encode(std::string(63, 'x')), base64_encode(std::string(65, 'x')),
                          std::string(100000, 'A'), std::string{"\0\xff", 2}})
    EXPECT_EQ(verifier.verify(bad, ts, body, ts_us), signature_verdict::malformed_signature) << bad.substr(0, 20);
}

TEST_F(SignedWebhook, VerifierIsSharedAcrossThreads) {
  std::vector<std::thread> threads;
  std::vector<int> ok(8, 0);
  for (size_t t = 0; t < ok.size(); ++t)
    threads.emplace_back([&, t] {
      for (int i = 0; i < 50; ++i) ok[t] += verifier.verify(signature, ts, body, ts_us) == signature_verdict::ok;
    });
  for (auto& th : threads) th.join();
  for (int n : ok) EXPECT_EQ(n, 50);
}

TEST(WebhookVerifier, RejectsBadPublicKeys) {
  std::string error;
  EXPECT_FALSE(webhook_verifier::create("", &error));
  EXPECT_NE(error.find("empty"), std::string::npos);
  EXPECT_FALSE(webhook_verifier::create("not base64!", &error));
  EXPECT_NE(error.find("Base64"), std::string::npos);
  EXPECT_FALSE(webhook_verifier::create(base64_encode(std::string(31, 'k')), &error));
  EXPECT_NE(error.find("32 bytes"), std::string::npos);
  // 32 bytes that are not a point on the curve (y = 2 has no x).
  std::string not_a_point(32, '\0');
  not_a_point[0] = 2;
  EXPECT_FALSE(webhook_verifier::create(base64_encode(not_a_point), &error));
  EXPECT_NE(error.find("not a valid Ed25519"), std::string::npos);
  EXPECT_FALSE(webhook_verifier::create(base64_encode(std::string(32, '\0')))); // small order, no error out-param
}

TEST(WebhookVerifier, EveryVerdictHasAMessage) {
  using v = signature_verdict;
  for (auto x : {v::ok, v::missing_signature, v::missing_timestamp, v::malformed_signature, v::malformed_timestamp,
                 v::stale_timestamp, v::bad_signature}) {
    EXPECT_GT(to_string(x).size(), 10u);
  }
  EXPECT_NE(to_string(v::stale_timestamp).find("telnyx-timestamp"), std::string_view::npos);
  EXPECT_NE(to_string(v::missing_signature).find("telnyx-signature-ed25519"), std::string_view::npos);
}

} // namespace
} // namespace ringbid
