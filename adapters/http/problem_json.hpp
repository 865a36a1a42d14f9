#pragma once
// The API's answers: JSON bodies, 204s, and errors as RFC 9457 problem
// details (application/problem+json):
//   {"type": "https://ringbid.dev/problems/invalid-body", "title": "...",
//    "status": 400, "detail": "...", "errors": [{"pointer": "/floor", "detail": "..."}]}
// A value that is fine on its own but contradicts another part of the
// configuration (422) also names that other side:
//    {"pointer": "/buyer_ids/0", "detail": "unknown buyer \"b9\"", "conflicts_with": "/buyers"}
// One place builds them, so every route names its bad fields the same way.

#include "adapters/http/http_server.hpp"

#include <string>
#include <vector>

namespace ringbid {

/// One bad value of a request, by its JSON pointer into the body ("" = the
/// whole body, or a query parameter named in `detail`).
struct problem_field {
  std::string pointer;
  std::string detail;
  /// The other side of a conflict: a JSON pointer into the whole configuration
  /// document (what the config file would say), "" when there is none.
  std::string conflicts_with = {};
};

struct problem {
  int status = 400;
  std::string type;   ///< a short slug, e.g. "invalid-body"; the document's `type` is a URI made from it
  std::string title;  ///< the same for every problem of this type
  std::string detail; ///< this occurrence, in a sentence
  std::vector<problem_field> errors;
};

/// The problem as its JSON document.
std::string problem_body(const problem& p);

/// The problem as a response: status, application/problem+json, no-store.
http_response problem_response(const problem& p);

/// A JSON answer of the API: `status`, application/json, no-store.
http_response json_response(int status, std::string body);

/// 204 No Content, no-store.
http_response no_content_response();

/// The `type` URI of a slug.
std::string problem_type_uri(const std::string& slug);

} // namespace ringbid
