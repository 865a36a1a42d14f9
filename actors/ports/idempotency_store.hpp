#pragma once
// Answers to POST requests sent with an Idempotency-Key, kept per token: a
// retry with the same key and the same request gets the first answer again;
// the same key with a different request is refused by the API (422). Written
// once, never changed. Implemented on SQLite (adapters/sqlite, migration 0008
// table api_idempotency).

#include "protocol/time.hpp"

#include <optional>
#include <string>
#include <utility>
#include <vector>

namespace ringbid {

struct idempotent_answer {
  std::string request_hash; ///< a digest of the method, the path and the body
  int status = 0;
  std::vector<std::pair<std::string, std::string>> headers; ///< Content-Type included
  std::string body;
  timestamp_us at = 0;
};

/// Thread-safe.
class idempotency_store {
public:
  virtual ~idempotency_store() = default;
  /// The answer stored under (`token_id`, `key`); nullopt when there is none,
  /// or when storage failed (`*error` set then).
  virtual std::optional<idempotent_answer> find(const std::string& token_id, const std::string& key,
                                                std::string* error) = 0;
  /// Stores the answer under (`token_id`, `key`) unless one is there already
  /// (the first one stays). False + `*error` when storage failed.
  virtual bool remember(const std::string& token_id, const std::string& key, const idempotent_answer& answer,
                        std::string* error) = 0;
};

} // namespace ringbid
