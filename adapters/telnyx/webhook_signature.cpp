#include "adapters/telnyx/webhook_signature.hpp"

#include <sodium.h>

#include <algorithm>
#include <charconv>
#include <limits>
#include <stdexcept>

namespace ringbid {

namespace {

constexpr int b64_variant = sodium_base64_VARIANT_ORIGINAL;
constexpr size_t signature_bytes = crypto_sign_BYTES;
constexpr size_t max_timestamp_digits = 18; // always fits int64

static_assert(crypto_sign_PUBLICKEYBYTES == 32 && crypto_sign_SEEDBYTES == 32);

/// sodium_init() exactly once, thread-safe through the static's initialization.
void ensure_sodium() {
  static const int rc = sodium_init();
  if (rc < 0) throw std::runtime_error("libsodium failed to initialize");
}

const unsigned char* bytes(std::string_view s) noexcept { return reinterpret_cast<const unsigned char*>(s.data()); }

/// The signed message: "{timestamp}|{body}".
std::string signed_message(std::string_view timestamp, std::string_view body) {
  std::string msg;
  msg.reserve(timestamp.size() + 1 + body.size());
  msg.append(timestamp).append(1, '|').append(body);
  return msg;
}

std::optional<int64_t> parse_unix_seconds(std::string_view text) {
  if (text.empty() || text.size() > max_timestamp_digits) return std::nullopt;
  for (char c : text)
    if (c < '0' || c > '9') return std::nullopt;
  int64_t value = 0;
  auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), value);
  if (ec != std::errc{} || end != text.data() + text.size()) return std::nullopt;
  return value;
}

bool is_stale(int64_t ts_s, timestamp_us now, std::chrono::seconds tolerance) {
  constexpr int64_t max = std::numeric_limits<int64_t>::max();
  if (ts_s > max / us_per_s) return true;
  int64_t diff = 0;
  if (__builtin_sub_overflow(now, ts_s * us_per_s, &diff)) return true;
  int64_t tol = tolerance.count() >= max / us_per_s ? max : tolerance.count() * us_per_s;
  return diff > tol || diff < -tol;
}

ed25519_keypair encode_keypair(unsigned char (&pk)[crypto_sign_PUBLICKEYBYTES],
                               unsigned char (&sk)[crypto_sign_SECRETKEYBYTES]) {
  ed25519_keypair out;
  out.public_key_b64 = base64_encode({reinterpret_cast<const char*>(pk), sizeof pk});
  out.secret_key_b64 = base64_encode({reinterpret_cast<const char*>(sk), sizeof sk});
  sodium_memzero(sk, sizeof sk);
  return out;
}

} // namespace

// -- Base64 -------------------------------------------------------------------

std::string base64_encode(std::string_view data) {
  std::string out(sodium_base64_ENCODED_LEN(data.size(), b64_variant), '\0');
  sodium_bin2base64(out.data(), out.size(), bytes(data), data.size(), b64_variant);
  out.pop_back(); // the terminating NUL sodium writes
  return out;
}

std::optional<std::string> base64_decode(std::string_view text) {
  std::string out(text.size() / 4 * 3 + 3, '\0');
  size_t len = 0;
  if (sodium_base642bin(reinterpret_cast<unsigned char*>(out.data()), out.size(), text.data(), text.size(), nullptr,
                        &len, nullptr, b64_variant) != 0)
    return std::nullopt;
  out.resize(len);
  return out;
}

// -- keys and signing ---------------------------------------------------------

ed25519_keypair generate_ed25519_keypair() {
  ensure_sodium();
  unsigned char pk[crypto_sign_PUBLICKEYBYTES];
  unsigned char sk[crypto_sign_SECRETKEYBYTES];
  crypto_sign_keypair(pk, sk);
  return encode_keypair(pk, sk);
}

ed25519_keypair ed25519_keypair_from_seed(const std::array<uint8_t, 32>& seed) {
  ensure_sodium();
  unsigned char pk[crypto_sign_PUBLICKEYBYTES];
  unsigned char sk[crypto_sign_SECRETKEYBYTES];
  crypto_sign_seed_keypair(pk, sk, seed.data());
  return encode_keypair(pk, sk);
}

std::string sign_webhook(std::string_view secret_key_b64, std::string_view timestamp, std::string_view body) {
  ensure_sodium();
  auto key = base64_decode(secret_key_b64);
  if (!key || (key->size() != crypto_sign_SECRETKEYBYTES && key->size() != crypto_sign_SEEDBYTES))
    throw std::invalid_argument("sign_webhook: the secret key must be Base64 of a 64-byte Ed25519 "
                                "secret key or a 32-byte seed");
  unsigned char sk[crypto_sign_SECRETKEYBYTES];
  if (key->size() == crypto_sign_SEEDBYTES) {
    unsigned char pk[crypto_sign_PUBLICKEYBYTES];
    crypto_sign_seed_keypair(pk, sk, bytes(*key));
  } else {
    std::copy(key->begin(), key->end(), reinterpret_cast<char*>(sk));
  }
  sodium_memzero(key->data(), key->size());
  auto msg = signed_message(timestamp, body);
  unsigned char sig[signature_bytes];
  crypto_sign_detached(sig, nullptr, bytes(msg), msg.size(), sk);
  sodium_memzero(sk, sizeof sk);
  return base64_encode({reinterpret_cast<const char*>(sig), sizeof sig});
}

// -- verification -------------------------------------------------------------

std::string_view to_string(signature_verdict v) noexcept {
  switch (v) {
    case signature_verdict::ok: return "signature valid";
    case signature_verdict::missing_signature: return "missing telnyx-signature-ed25519 header";
    case signature_verdict::missing_timestamp: return "missing telnyx-timestamp header";
    case signature_verdict::malformed_signature:
      return "malformed telnyx-signature-ed25519: expected Base64 of a 64-byte Ed25519 signature";
    case signature_verdict::malformed_timestamp:
      return "malformed telnyx-timestamp: expected Unix time in whole seconds";
    case signature_verdict::stale_timestamp:
      return "stale telnyx-timestamp: too far from the current time (possible replay)";
    case signature_verdict::bad_signature:
      return "invalid signature: does not match the timestamp and body for the configured public key";
  }
  return "unknown signature verdict";
}

std::optional<webhook_verifier> webhook_verifier::create(std::string_view public_key_b64, std::string* error,
                                                         std::chrono::seconds tolerance) {
  auto fail = [error](const char* why) -> std::optional<webhook_verifier> {
    if (error) *error = why;
    return std::nullopt;
  };
  ensure_sodium();
  if (tolerance.count() < 0) return fail("the timestamp tolerance must not be negative");
  if (public_key_b64.empty()) return fail("the Telnyx public key is empty");
  auto key = base64_decode(public_key_b64);
  if (!key) return fail("the Telnyx public key is not valid Base64");
  if (key->size() != crypto_sign_PUBLICKEYBYTES) return fail("the Telnyx public key must decode to 32 bytes");
  std::array<uint8_t, 32> raw{};
  std::copy(key->begin(), key->end(), reinterpret_cast<char*>(raw.data()));
  if (crypto_core_ed25519_is_valid_point(raw.data()) != 1)
    return fail("the Telnyx public key is not a valid Ed25519 public key");
  return webhook_verifier{raw, tolerance};
}

signature_verdict webhook_verifier::verify(std::string_view signature_b64, std::string_view timestamp,
                                           std::string_view body, timestamp_us now) const {
  if (signature_b64.empty()) return signature_verdict::missing_signature;
  if (timestamp.empty()) return signature_verdict::missing_timestamp;
  auto ts = parse_unix_seconds(timestamp);
  if (!ts) return signature_verdict::malformed_timestamp;
  unsigned char sig[signature_bytes];
  size_t sig_len = 0;
  if (sodium_base642bin(sig, sizeof sig, signature_b64.data(), signature_b64.size(), nullptr, &sig_len, nullptr,
                        b64_variant) != 0 ||
      sig_len != sizeof sig)
    return signature_verdict::malformed_signature;
  if (is_stale(*ts, now, tolerance_)) return signature_verdict::stale_timestamp;
  auto msg = signed_message(timestamp, body);
  if (crypto_sign_verify_detached(sig, bytes(msg), msg.size(), public_key_.data()) != 0)
    return signature_verdict::bad_signature;
  return signature_verdict::ok;
}

} // namespace ringbid
