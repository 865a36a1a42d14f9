// The Telnyx codec's shared pieces: time stamps, client_state and UTF-8 repair.
// Webhooks live in telnyx_events.cpp, commands in telnyx_commands.cpp.
#include "adapters/telnyx/telnyx_codec.hpp"

#include "adapters/json/utf8.hpp"

#include <rapidjson/document.h>
#include <rapidjson/encodings.h>
#include <rapidjson/memorystream.h>
#include <rapidjson/stringbuffer.h>
#include <rapidjson/writer.h>

#include <chrono>
#include <cstdio>

namespace ringbid {

namespace {

/// `n` ASCII digits at `pos`, or -1.
int digits_at(std::string_view s, size_t pos, size_t n) noexcept {
  if (pos + n > s.size()) return -1;
  int v = 0;
  for (size_t i = pos; i < pos + n; ++i) {
    if (s[i] < '0' || s[i] > '9') return -1;
    v = v * 10 + (s[i] - '0');
  }
  return v;
}

bool is_digit(char c) noexcept { return c >= '0' && c <= '9'; }

} // namespace

// -- time ---------------------------------------------------------------------

std::optional<timestamp_us> parse_telnyx_time(std::string_view s) {
  // "YYYY-MM-DDTHH:MM:SS" is 19 characters; a zone designator must follow.
  if (s.size() < 20 || s[4] != '-' || s[7] != '-' || (s[10] != 'T' && s[10] != 't') || s[13] != ':' || s[16] != ':')
    return std::nullopt;
  int y = digits_at(s, 0, 4), mo = digits_at(s, 5, 2), d = digits_at(s, 8, 2);
  int h = digits_at(s, 11, 2), mi = digits_at(s, 14, 2), sec = digits_at(s, 17, 2);
  if (y < 0 || mo < 0 || d < 0 || h < 0 || mi < 0 || sec < 0 || h > 23 || mi > 59 || sec > 60) return std::nullopt;
  size_t pos = 19;
  int64_t frac_us = 0;
  if (s[pos] == '.') {
    size_t start = ++pos;
    int64_t scale = 100000;
    for (; pos < s.size() && is_digit(s[pos]); ++pos) {
      frac_us += (s[pos] - '0') * scale; // digits past the sixth add 0
      scale /= 10;
    }
    if (pos == start || pos - start > 9) return std::nullopt;
  }
  if (pos >= s.size()) return std::nullopt;
  int64_t offset_s = 0;
  if (s[pos] == 'Z' || s[pos] == 'z') {
    ++pos;
  } else if (s[pos] == '+' || s[pos] == '-') {
    int oh = digits_at(s, pos + 1, 2), om = digits_at(s, pos + 4, 2);
    if (oh < 0 || om < 0 || s[pos + 3] != ':' || oh > 23 || om > 59) return std::nullopt;
    offset_s = (s[pos] == '-' ? -1 : 1) * (oh * 3600 + om * 60);
    pos += 6;
  } else {
    return std::nullopt;
  }
  if (pos != s.size()) return std::nullopt;
  std::chrono::year_month_day ymd{std::chrono::year{y}, std::chrono::month{static_cast<unsigned>(mo)},
                                  std::chrono::day{static_cast<unsigned>(d)}};
  if (!ymd.ok()) return std::nullopt;
  int64_t days = std::chrono::sys_days{ymd}.time_since_epoch().count();
  int64_t secs = days * 86400 + h * 3600 + mi * 60 + sec - offset_s;
  return secs * us_per_s + frac_us;
}

std::string format_telnyx_time(timestamp_us t) {
  using namespace std::chrono;
  sys_time<microseconds> tp{microseconds{t}};
  auto day = floor<days>(tp);
  year_month_day ymd{day};
  hh_mm_ss hms{tp - day};
  char buf[48];
  std::snprintf(buf, sizeof buf, "%04d-%02u-%02uT%02d:%02d:%02d.%06lldZ", static_cast<int>(ymd.year()),
                static_cast<unsigned>(ymd.month()), static_cast<unsigned>(ymd.day()),
                static_cast<int>(hms.hours().count()), static_cast<int>(hms.minutes().count()),
                static_cast<int>(hms.seconds().count()), static_cast<long long>(hms.subseconds().count()));
  return buf;
}

// -- UTF-8 --------------------------------------------------------------------

// -- client_state ---------------------------------------------------------------

std::string encode_client_state(std::string_view call_id_text, call_leg leg, std::string_view carrier_call_id) {
  rapidjson::StringBuffer buf;
  rapidjson::Writer<rapidjson::StringBuffer> w{buf};
  auto put = [&w](std::string_view text) {
    auto fixed = repair_utf8(text);
    std::string_view v = fixed ? std::string_view{*fixed} : text;
    w.String(v.data(), static_cast<rapidjson::SizeType>(v.size()), true);
  };
  w.StartObject();
  w.Key("call");
  put(call_id_text);
  w.Key("leg");
  put(leg == call_leg::buyer ? "buyer" : "caller");
  if (!carrier_call_id.empty()) {
    w.Key("carrier_call_id");
    put(carrier_call_id);
  }
  w.EndObject();
  return {buf.GetString(), buf.GetSize()};
}

std::optional<engine_client_state> decode_client_state(std::string_view json) {
  if (json.empty() || json.size() > max_webhook_bytes) return std::nullopt;
  rapidjson::Document doc;
  doc.Parse<rapidjson::kParseValidateEncodingFlag | rapidjson::kParseIterativeFlag>(json.data(), json.size());
  if (doc.HasParseError() || !doc.IsObject()) return std::nullopt;
  const rapidjson::Value& root = doc; // const iterators: clang finds == on mutable ones ambiguous
  auto text = [&root](const char* key) -> std::optional<std::string> {
    auto i = root.FindMember(key);
    if (i == root.MemberEnd() || !i->value.IsString()) return std::nullopt;
    return std::string{i->value.GetString(), i->value.GetStringLength()};
  };
  auto call = text("call");
  auto leg = text("leg");
  if (!call || !leg || (*leg != "caller" && *leg != "buyer")) return std::nullopt;
  engine_client_state out;
  out.call = std::move(*call);
  out.leg = *leg == "buyer" ? call_leg::buyer : call_leg::caller;
  out.carrier_call_id = text("carrier_call_id").value_or("");
  return out;
}

} // namespace ringbid
