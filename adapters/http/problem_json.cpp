#include "adapters/http/problem_json.hpp"

#include <rapidjson/stringbuffer.h>
#include <rapidjson/writer.h>

namespace ringbid {

std::string problem_type_uri(const std::string& slug) { return "https://ringbid.dev/problems/" + slug; }

std::string problem_body(const problem& p) {
  rapidjson::StringBuffer out;
  rapidjson::Writer<rapidjson::StringBuffer> w{out};
  auto text = [&](const std::string& s) { w.String(s.data(), static_cast<rapidjson::SizeType>(s.size())); };
  w.StartObject();
  w.Key("type");
  text(problem_type_uri(p.type.empty() ? "error" : p.type));
  w.Key("title");
  text(p.title);
  w.Key("status");
  w.Int(p.status);
  if (!p.detail.empty()) {
    w.Key("detail");
    text(p.detail);
  }
  if (!p.errors.empty()) {
    w.Key("errors");
    w.StartArray();
    for (const auto& e : p.errors) {
      w.StartObject();
      w.Key("pointer");
      text(e.pointer);
      w.Key("detail");
      text(e.detail);
      if (!e.conflicts_with.empty()) {
        w.Key("conflicts_with");
        text(e.conflicts_with);
      }
      w.EndObject();
    }
    w.EndArray();
  }
  w.EndObject();
  return {out.GetString(), out.GetSize()};
}

http_response json_response(int status, std::string body) {
  http_response r;
  r.status = status;
  r.content_type = "application/json";
  r.headers.emplace_back("Cache-Control", "no-store");
  r.body = std::move(body);
  return r;
}

http_response no_content_response() {
  http_response r;
  r.status = 204;
  r.content_type.clear();
  r.headers.emplace_back("Cache-Control", "no-store");
  return r;
}

http_response problem_response(const problem& p) {
  http_response r;
  r.status = p.status;
  r.content_type = "application/problem+json";
  r.headers.emplace_back("Cache-Control", "no-store");
  r.body = problem_body(p);
  return r;
}

} // namespace ringbid
