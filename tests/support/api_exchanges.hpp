#pragma once
// The API tests' exchanges, for the OpenAPI check: with RINGBID_API_EXCHANGES=FILE
// set, each request a test makes and the answer it got are appended to FILE as
// one JSON line {method, path, request_body, status, content_type, body}, which
// tests/web/openapi_test.mjs validates against schemas/openapi.json.

#include "adapters/http/http_client.hpp"

#include <rapidjson/stringbuffer.h>
#include <rapidjson/writer.h>

#include <cstdlib>
#include <fstream>
#include <string>
#include <string_view>

namespace ringbid::test {

inline void record_exchange(const std::string& method, const std::string& path, const std::string& request_body,
                            const http_client_response& r) {
  const char* file = std::getenv("RINGBID_API_EXCHANGES");
  if (file == nullptr || *file == '\0' || !r.ok()) return;
  rapidjson::StringBuffer out;
  rapidjson::Writer<rapidjson::StringBuffer> w{out};
  auto text = [&](std::string_view s) { w.String(s.data(), static_cast<rapidjson::SizeType>(s.size())); };
  w.StartObject();
  w.Key("method");
  text(method);
  w.Key("path");
  text(path);
  w.Key("request_body");
  text(request_body);
  w.Key("status");
  w.Int(r.status);
  w.Key("content_type");
  text(r.header("content-type"));
  w.Key("body");
  text(r.body);
  w.EndObject();
  std::ofstream{file, std::ios::app} << out.GetString() << "\n";
}

} // namespace ringbid::test
