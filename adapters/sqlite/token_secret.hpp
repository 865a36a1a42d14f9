#pragma once
// The secrets of API tokens and sessions, and how they are stored (libsodium):
// a secret is 32 random bytes; a store keeps only the SHA-256 of its text.
// Every token_store implementation hashes the same way, so one database's
// tokens stay valid whichever store reads them.

#include <cstddef>
#include <string>
#include <string_view>

namespace ringbid {

/// "rb_" + 32 random bytes in unpadded base64url (43 characters).
std::string mint_token_secret();

/// A session id: 32 random bytes in unpadded base64url.
std::string mint_session_id();

/// `prefix` + `bytes` random bytes as lowercase hex, e.g. "tk_3f9a0c1d2e4b".
std::string random_public_id(std::string_view prefix, size_t bytes);

/// SHA-256 of `text` as 64 lowercase hex digits: what stores keep of a secret.
std::string secret_hash(std::string_view text);

} // namespace ringbid
