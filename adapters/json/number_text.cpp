#include "adapters/json/number_text.hpp"

#include <rapidjson/memorystream.h>
#include <rapidjson/reader.h>

#include <vector>

namespace ringbid {

namespace {

/// Walks the document with numbers as text (RawNumber), keeping the pointer of
/// the value at hand.
class recorder : public rapidjson::BaseReaderHandler<rapidjson::UTF8<>, recorder> {
public:
  explicit recorder(std::unordered_map<std::string, std::string>& texts) : texts_(texts) {}

  bool Default() { return value_done(); }
  bool RawNumber(const char* text, rapidjson::SizeType length, bool) {
    texts_.emplace(pointer(), std::string(text, length));
    return value_done();
  }
  bool StartObject() { return enter(false); }
  bool Key(const char* name, rapidjson::SizeType length, bool) {
    std::string& token = path_.back().token;
    token.clear();
    for (char c : std::string_view(name, length)) {
      if (c == '~')
        token += "~0";
      else if (c == '/')
        token += "~1";
      else
        token += c;
    }
    return true;
  }
  bool EndObject(rapidjson::SizeType) { return leave(); }
  bool StartArray() { return enter(true); }
  bool EndArray(rapidjson::SizeType) { return leave(); }

private:
  struct level {
    bool array;
    size_t index = 0;
    std::string token; ///< the member's name, escaped; unused in arrays
  };

  std::string pointer() const {
    std::string out;
    for (const level& l : path_) out += '/' + (l.array ? std::to_string(l.index) : l.token);
    return out;
  }
  bool enter(bool array) {
    path_.push_back(level{array, 0, {}});
    return true;
  }
  bool leave() {
    path_.pop_back();
    return value_done();
  }
  bool value_done() {
    if (!path_.empty() && path_.back().array) ++path_.back().index;
    return true;
  }

  std::unordered_map<std::string, std::string>& texts_;
  std::vector<level> path_;
};

} // namespace

std::optional<json_number_text> json_number_text::read(std::string_view json) {
  json_number_text out;
  recorder handler(out.texts_);
  rapidjson::MemoryStream stream(json.data(), json.size());
  rapidjson::Reader reader;
  constexpr unsigned flags =
    rapidjson::kParseNumbersAsStringsFlag | rapidjson::kParseValidateEncodingFlag | rapidjson::kParseIterativeFlag;
  if (reader.Parse<flags>(stream, handler).IsError()) return std::nullopt;
  return out;
}

std::string_view json_number_text::at(const std::string& pointer) const {
  auto it = texts_.find(pointer);
  return it == texts_.end() ? std::string_view{} : std::string_view(it->second);
}

} // namespace ringbid
