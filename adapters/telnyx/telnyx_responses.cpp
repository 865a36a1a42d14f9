// Telnyx command responses: the bodies the simulator answers with and the
// engine's classification of what came back (success, call ended, retry...).
#include "adapters/telnyx/telnyx_codec.hpp"

#include "adapters/json/utf8.hpp"

#include <rapidjson/document.h>
#include <rapidjson/stringbuffer.h>
#include <rapidjson/writer.h>

#include <algorithm>
#include <chrono>
#include <vector>

namespace ringbid {

namespace {

using json_writer = rapidjson::Writer<rapidjson::StringBuffer>;

constexpr unsigned parse_flags = rapidjson::kParseValidateEncodingFlag | rapidjson::kParseIterativeFlag;

std::string_view text_of(const rapidjson::Value& v) { return {v.GetString(), v.GetStringLength()}; }

void put(json_writer& out, const char* key, std::string_view value) {
  auto fixed = repair_utf8(value);
  std::string_view v = fixed ? std::string_view{*fixed} : value;
  out.Key(key);
  out.String(v.data(), static_cast<rapidjson::SizeType>(v.size()), true);
}

std::string finish(rapidjson::StringBuffer& buf) { return {buf.GetString(), buf.GetSize()}; }

struct error_entry {
  std::string code, title, detail;
};

std::vector<error_entry> read_errors(std::string_view body) {
  std::vector<error_entry> out;
  if (body.empty() || body.size() > max_webhook_bytes) return out;
  rapidjson::Document doc;
  doc.Parse<parse_flags>(body.data(), body.size());
  if (doc.HasParseError() || !doc.IsObject()) return out;
  const rapidjson::Value& root = doc; // const iterators: clang finds == on mutable ones ambiguous
  auto errors = root.FindMember("errors");
  if (errors == root.MemberEnd() || !errors->value.IsArray()) return out;
  for (const auto& e : errors->value.GetArray()) {
    if (!e.IsObject()) continue;
    auto str = [&e](const char* key) -> std::string {
      auto i = e.FindMember(key);
      if (i == e.MemberEnd()) return {};
      if (i->value.IsString()) return std::string{text_of(i->value)};
      if (i->value.IsInt64()) return std::to_string(i->value.GetInt64());
      return {};
    };
    out.push_back({str("code"), str("title"), str("detail")});
  }
  return out;
}

/// "title: detail (code)", leaving out what is empty.
std::string describe(const error_entry& e) {
  std::string out = e.title;
  if (!e.detail.empty()) out += (out.empty() ? "" : ": ") + e.detail;
  if (!e.code.empty()) out += out.empty() ? "code " + e.code : " (" + e.code + ")";
  return out;
}

} // namespace

// -- bodies -------------------------------------------------------------------

std::string encode_command_ok() {
  rapidjson::StringBuffer buf;
  json_writer out{buf};
  out.StartObject();
  out.Key("data");
  out.StartObject();
  put(out, "result", "ok");
  out.EndObject();
  out.EndObject();
  return finish(buf);
}

std::string encode_command_error(std::string_view code, std::string_view title, std::string_view detail) {
  rapidjson::StringBuffer buf;
  json_writer out{buf};
  out.StartObject();
  out.Key("errors");
  out.StartArray();
  out.StartObject();
  put(out, "code", code);
  put(out, "title", title);
  if (!detail.empty()) put(out, "detail", detail);
  out.EndObject();
  out.EndArray();
  out.EndObject();
  return finish(buf);
}

// -- responses --------------------------------------------------------------------

std::string_view to_string(command_outcome_kind k) noexcept {
  switch (k) {
    case command_outcome_kind::success: return "success";
    case command_outcome_kind::call_ended: return "call_ended";
    case command_outcome_kind::rate_limited: return "rate_limited";
    case command_outcome_kind::retryable: return "retryable";
    case command_outcome_kind::rejected: return "rejected";
  }
  return "?";
}

command_outcome parse_command_error(int http_status, std::string_view body) {
  if (http_status >= 200 && http_status < 300) return {};
  auto errors = read_errors(body);
  auto pick = errors.empty() ? error_entry{} : errors.front();
  command_outcome out;
  if (http_status == 422) {
    auto ended = std::find_if(errors.begin(), errors.end(), [](const error_entry& e) { return e.code == "90018"; });
    if (ended != errors.end()) {
      out.kind = command_outcome_kind::call_ended;
      pick = *ended;
    } else {
      out.kind = command_outcome_kind::rejected;
    }
  } else if (http_status == 429) {
    out.kind = command_outcome_kind::rate_limited;
  } else if (http_status >= 500 && http_status < 600) {
    out.kind = command_outcome_kind::retryable;
  } else {
    out.kind = command_outcome_kind::rejected;
  }
  out.code = pick.code;
  out.detail = describe(pick);
  if (out.detail.empty()) out.detail = "HTTP " + std::to_string(http_status);
  return out;
}

std::optional<caf::timespan> parse_ratelimit_reset(std::string_view v) {
  while (!v.empty() && (v.front() == ' ' || v.front() == '\t')) v.remove_prefix(1);
  while (!v.empty() && (v.back() == ' ' || v.back() == '\t')) v.remove_suffix(1);
  auto dot = v.find('.');
  auto whole = v.substr(0, dot);
  auto frac = dot == std::string_view::npos ? std::string_view{} : v.substr(dot + 1);
  auto all_digits = [](std::string_view s) {
    return std::all_of(s.begin(), s.end(), [](char c) { return c >= '0' && c <= '9'; });
  };
  if (whole.empty() || whole.size() > 9 || !all_digits(whole) || !all_digits(frac) ||
      (dot != std::string_view::npos && frac.empty()))
    return std::nullopt;
  int64_t ns = 0;
  for (char c : whole) ns = ns * 10 + (c - '0');
  ns *= 1'000'000'000;
  int64_t scale = 100'000'000;
  for (char c : frac) {
    ns += (c - '0') * scale; // digits past the ninth add 0
    scale /= 10;
  }
  return caf::timespan{std::chrono::nanoseconds{ns}};
}

} // namespace ringbid
