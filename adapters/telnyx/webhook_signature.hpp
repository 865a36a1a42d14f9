#pragma once
// Telnyx webhook signatures: Ed25519 over the UTF-8 bytes of
// "{telnyx-timestamp}|{raw body}", sent Base64-encoded in the header
// telnyx-signature-ed25519; telnyx-timestamp is Unix seconds. Verify against the
// raw body as received, never against re-serialized JSON. Backed by libsodium;
// also home of the Base64 helpers the Telnyx codec uses for client_state.

#include "protocol/time.hpp"

#include <array>
#include <chrono>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace ringbid {

// -- Base64 (RFC 4648 standard alphabet, with padding) ------------------------

std::string base64_encode(std::string_view bytes);

/// Strict: no whitespace, padding required, non-zero trailing bits refused.
std::optional<std::string> base64_decode(std::string_view text);

// -- keys and signing ---------------------------------------------------------

struct ed25519_keypair {
  std::string public_key_b64; ///< 32 bytes: the key Telnyx shows in Mission Control
  std::string secret_key_b64; ///< 64 bytes: libsodium's secret key (seed || public key)
};

/// A fresh random keypair, e.g. for the carrier simulator.
ed25519_keypair generate_ed25519_keypair();

/// A reproducible keypair from a 32-byte seed (RFC 8032 private key).
ed25519_keypair ed25519_keypair_from_seed(const std::array<uint8_t, 32>& seed);

/// The telnyx-signature-ed25519 value for a webhook. `secret_key_b64` holds the
/// 64-byte secret key or the 32-byte seed. Throws std::invalid_argument when it
/// is neither.
std::string sign_webhook(std::string_view secret_key_b64, std::string_view timestamp, std::string_view body);

// -- verification -------------------------------------------------------------

enum class signature_verdict : uint8_t {
  ok,
  missing_signature,   ///< telnyx-signature-ed25519 absent or empty
  missing_timestamp,   ///< telnyx-timestamp absent or empty
  malformed_signature, ///< not Base64 of exactly 64 bytes
  malformed_timestamp, ///< not 1 to 18 ASCII digits
  stale_timestamp,     ///< |now - timestamp| beyond the tolerance, either direction
  bad_signature,       ///< well-formed but does not match key, timestamp and body
};

/// A message fit for a 4xx response body, e.g. "stale telnyx-timestamp: ...".
std::string_view to_string(signature_verdict v) noexcept;

/// Checks webhook signatures against one account's public key, decoded once.
/// Immutable after creation, so one instance may serve many threads.
class webhook_verifier {
public:
  static constexpr std::chrono::seconds default_tolerance{300};

  /// Decodes and checks `public_key_b64` (Base64 of 32 bytes, a valid Ed25519
  /// point). On failure returns nullopt and, when `error` is given, says why.
  /// A negative tolerance is refused too.
  static std::optional<webhook_verifier> create(std::string_view public_key_b64, std::string* error = nullptr,
                                                std::chrono::seconds tolerance = default_tolerance);

  /// Pass the header values as received; an absent header is an empty view.
  /// Checks, in order: presence, format, freshness against `now`, signature.
  /// A timestamp exactly `tolerance` away is still accepted.
  signature_verdict verify(std::string_view signature_b64, std::string_view timestamp, std::string_view body,
                           timestamp_us now) const;

  std::chrono::seconds tolerance() const noexcept { return tolerance_; }

private:
  webhook_verifier(const std::array<uint8_t, 32>& key, std::chrono::seconds tolerance) noexcept
    : public_key_(key), tolerance_(tolerance) {}

  std::array<uint8_t, 32> public_key_;
  std::chrono::seconds tolerance_;
};

} // namespace ringbid
