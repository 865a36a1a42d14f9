#include "adapters/config/marked_json_detail.hpp"

#include <rapidjson/error/en.h>
#include <rapidjson/prettywriter.h>
#include <rapidjson/reader.h>
#include <rapidjson/stringbuffer.h>
#include <rapidjson/writer.h>

namespace ringbid::marked_json {

namespace {

constexpr char number_mark = '\x01';

/// Feeds a document, marking numbers and real strings that start with the mark.
struct marking_handler {
  document& d;
  bool Null() { return d.Null(); }
  bool Bool(bool b) { return d.Bool(b); }
  bool Int(int) { return false; }
  bool Uint(unsigned) { return false; }
  bool Int64(int64_t) { return false; }
  bool Uint64(uint64_t) { return false; }
  bool Double(double) { return false; }
  bool RawNumber(const char* s, rapidjson::SizeType n, bool) { return marked(s, n); }
  bool String(const char* s, rapidjson::SizeType n, bool copy) {
    if (n > 0 && s[0] == number_mark) return marked(s, n);
    return d.String(s, n, copy);
  }
  bool StartObject() { return d.StartObject(); }
  bool Key(const char* s, rapidjson::SizeType n, bool copy) { return d.Key(s, n, copy); }
  bool EndObject(rapidjson::SizeType n) { return d.EndObject(n); }
  bool StartArray() { return d.StartArray(); }
  bool EndArray(rapidjson::SizeType n) { return d.EndArray(n); }

  bool marked(const char* s, rapidjson::SizeType n) {
    std::string text(1, number_mark);
    text.append(s, n);
    return d.String(text.data(), static_cast<rapidjson::SizeType>(text.size()), true);
  }
};

template <class Writer>
void write(const value& v, Writer& w) {
  switch (v.GetType()) {
    case rapidjson::kNullType: w.Null(); return;
    case rapidjson::kFalseType: w.Bool(false); return;
    case rapidjson::kTrueType: w.Bool(true); return;
    case rapidjson::kNumberType: w.Double(v.GetDouble()); return; // never made by read()
    case rapidjson::kStringType:
      if (is_number(v))
        w.RawValue(v.GetString() + 1, v.GetStringLength() - 1, rapidjson::kNumberType);
      else if (v.GetStringLength() > 0 && v.GetString()[0] == number_mark)
        w.String(v.GetString() + 1, v.GetStringLength() - 1);
      else
        w.String(v.GetString(), v.GetStringLength());
      return;
    case rapidjson::kObjectType:
      w.StartObject();
      for (const auto& m : v.GetObject()) {
        w.Key(m.name.GetString(), m.name.GetStringLength());
        write(m.value, w);
      }
      w.EndObject();
      return;
    case rapidjson::kArrayType:
      w.StartArray();
      for (const auto& e : v.GetArray()) write(e, w);
      w.EndArray();
      return;
  }
}

} // namespace

bool read(std::string_view text, document& out, size_t* offset, std::string* message) {
  rapidjson::MemoryStream stream{text.data(), text.size()};
  rapidjson::Reader reader;
  bool ok = true;
  auto generate = [&](document& d) {
    marking_handler h{d};
    constexpr unsigned flags = rapidjson::kParseNumbersAsStringsFlag | rapidjson::kParseValidateEncodingFlag;
    ok = !reader.Parse<flags>(stream, h).IsError();
    return ok;
  };
  out.Populate(generate);
  if (!ok) {
    if (offset != nullptr) *offset = reader.GetErrorOffset();
    if (message != nullptr) *message = rapidjson::GetParseError_En(reader.GetParseErrorCode());
  }
  return ok;
}

bool is_number(const value& v) {
  return v.IsString() && v.GetStringLength() >= 2 && v.GetString()[0] == number_mark && v.GetString()[1] != number_mark;
}

std::string plain_string(const value& v) {
  if (!v.IsString() || is_number(v)) return {};
  if (v.GetStringLength() > 0 && v.GetString()[0] == number_mark) return {v.GetString() + 1, v.GetStringLength() - 1};
  return {v.GetString(), v.GetStringLength()};
}

std::string compact(const value& v) {
  rapidjson::StringBuffer out;
  rapidjson::Writer<rapidjson::StringBuffer> w{out};
  write(v, w);
  return {out.GetString(), out.GetSize()};
}

std::string pretty(const value& v) {
  rapidjson::StringBuffer out;
  rapidjson::PrettyWriter<rapidjson::StringBuffer> w{out};
  w.SetIndent(' ', 2);
  write(v, w);
  return std::string{out.GetString(), out.GetSize()} + "\n";
}

} // namespace ringbid::marked_json
