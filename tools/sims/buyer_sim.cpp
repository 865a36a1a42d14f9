#include "tools/sims/buyer_sim.hpp"

#include "tools/node/host_port.hpp"

#include "adapters/bidding/bid_wire.hpp"
#include "adapters/http/http_server.hpp"
#include "adapters/json/number_text.hpp"
#include "protocol/money.hpp"

#include <fmt/format.h>
#include <rapidjson/document.h>
#include <rapidjson/error/en.h>
#include <rapidjson/ostreamwrapper.h>
#include <rapidjson/prettywriter.h>
#include <rapidjson/stringbuffer.h>
#include <rapidjson/writer.h>

#include <algorithm>
#include <array>
#include <atomic>
#include <chrono>
#include <cmath>
#include <condition_variable>
#include <csignal>
#include <cstdio>
#include <fstream>
#include <functional>
#include <iterator>
#include <mutex>
#include <ostream>
#include <pthread.h>
#include <random>
#include <set>
#include <thread>
#include <unordered_map>
#include <utility>

namespace ringbid {

namespace {

using clock_type = std::chrono::steady_clock;
using std::chrono::microseconds;
using std::chrono::milliseconds;

constexpr std::string_view buyers_prefix = "/buyers/";
constexpr int64_t max_money_micros = 1'000'000 * micros_per_dollar; // exclusive, as the bid schema
constexpr int64_t cent_micros = 10'000;
constexpr int32_t max_latency_ms = 600'000;
constexpr size_t oversized_padding = size_t{2} << 20;
constexpr size_t trickle_piece_bytes = 4;
constexpr milliseconds trickle_min_total{3'000};
constexpr milliseconds trickle_max_total{20'000};

constexpr std::array<std::pair<buyer_misbehaviour, std::string_view>, 7> misbehaviour_names{{
  {buyer_misbehaviour::none, "none"},
  {buyer_misbehaviour::garbage, "garbage"},
  {buyer_misbehaviour::status_500, "status_500"},
  {buyer_misbehaviour::hang, "hang"},
  {buyer_misbehaviour::trickle, "trickle"},
  {buyer_misbehaviour::oversized, "oversized"},
  {buyer_misbehaviour::late, "late"},
}};

// ---- randomness ---------------------------------------------------------------------------------
// Our own uniform and normal draws (std's distributions differ between standard libraries), over
// std::mt19937_64, whose sequence the standard fixes.

uint64_t splitmix64(uint64_t x) {
  x += 0x9e3779b97f4a7c15ull;
  x = (x ^ (x >> 30)) * 0xbf58476d1ce4e5b9ull;
  x = (x ^ (x >> 27)) * 0x94d049bb133111ebull;
  return x ^ (x >> 31);
}

uint64_t fnv1a(std::string_view s) {
  uint64_t h = 0xcbf29ce484222325ull;
  for (unsigned char c : s) {
    h ^= c;
    h *= 0x100000001b3ull;
  }
  return h;
}

double uniform01(std::mt19937_64& g) { return static_cast<double>(g() >> 11) * 0x1.0p-53; } // [0, 1)

double standard_normal(std::mt19937_64& g) { // Box-Muller, one of the pair
  const double u1 = 1.0 - uniform01(g);      // (0, 1]
  const double u2 = uniform01(g);
  return std::sqrt(-2.0 * std::log(u1)) * std::cos(2.0 * 3.14159265358979323846 * u2);
}

// ---- checks -------------------------------------------------------------------------------------

bool is_id_char(char c) {
  return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '.' || c == '_' ||
         c == '-' || c == '~';
}

bool is_destination(std::string_view d) {
  if (d.starts_with('+')) {
    auto digits = d.substr(1);
    return digits.size() >= 8 && digits.size() <= 15 &&
           std::all_of(digits.begin(), digits.end(), [](char c) { return c >= '0' && c <= '9'; });
  }
  std::string_view rest;
  if (d.starts_with("sip:"))
    rest = d.substr(4);
  else if (d.starts_with("sips:"))
    rest = d.substr(5);
  else
    return false;
  return !rest.empty() && std::all_of(rest.begin(), rest.end(), [](char c) { return c > ' ' && c < 0x7F; });
}

std::optional<buyer_sim_field_error> check_rate(const char* field, double v) {
  if (!std::isfinite(v) || v < 0 || v > 1) return buyer_sim_field_error{field, fmt::format("must be 0..1, got {}", v)};
  return std::nullopt;
}

std::optional<buyer_sim_field_error> check_range(const char* field, int64_t v, int64_t lo, int64_t hi) {
  if (v < lo || v > hi) return buyer_sim_field_error{field, fmt::format("must be {}..{}, got {}", lo, hi, v)};
  return std::nullopt;
}

// ---- the buyers file ----------------------------------------------------------------------------

using json = rapidjson::Value;

std::string shown(const json& v) {
  if (v.IsString()) return fmt::format("\"{}\"", std::string_view(v.GetString(), v.GetStringLength()));
  rapidjson::StringBuffer buffer;
  rapidjson::Writer<rapidjson::StringBuffer> w(buffer);
  v.Accept(w);
  std::string text(buffer.GetString(), buffer.GetSize());
  return text.size() > 40 ? text.substr(0, 40) + "..." : text;
}

/// Reads the buyers of a parsed document; the error text names the buyer and the field.
class buyers_reader {
public:
  explicit buyers_reader(const json_number_text& numbers) : numbers_(numbers) {}

  std::variant<std::vector<buyer_sim_buyer>, std::string> read(const rapidjson::Document& doc) {
    if (!doc.IsObject()) return std::string("expected an object {\"buyers\":[...]}");
    std::set<std::string_view> seen;
    for (const auto& m : doc.GetObject()) {
      std::string_view name(m.name.GetString(), m.name.GetStringLength());
      if (!seen.insert(name).second) return fmt::format("duplicate member \"{}\"", name);
      if (name != "buyers") return fmt::format("unknown member \"{}\" (only \"buyers\")", name);
    }
    auto it = doc.FindMember("buyers");
    if (it == doc.MemberEnd()) return std::string("missing \"buyers\"");
    if (!it->value.IsArray() || it->value.Empty()) return std::string("buyers: expected a non-empty array");
    std::vector<buyer_sim_buyer> out;
    std::unordered_map<std::string, size_t> index;
    for (rapidjson::SizeType i = 0; i < it->value.Size(); ++i) {
      buyer_sim_buyer b;
      if (auto error = read_buyer(it->value[i], i, b)) return *error;
      auto [at, fresh] = index.emplace(b.id, i);
      if (!fresh) return fmt::format("buyers[{}] (\"{}\"): id: the same as buyers[{}]", i, b.id, at->second);
      out.push_back(std::move(b));
    }
    return out;
  }

private:
  std::optional<std::string> read_buyer(const json& v, rapidjson::SizeType i, buyer_sim_buyer& b) {
    if (!v.IsObject()) return fmt::format("buyers[{}]: expected an object, got {}", i, shown(v));
    auto id = v.FindMember("id");
    if (id == v.MemberEnd()) return fmt::format("buyers[{}]: id: missing (it is required)", i);
    if (!id->value.IsString()) return fmt::format("buyers[{}]: id: expected a string, got {}", i, shown(id->value));
    b.id.assign(id->value.GetString(), id->value.GetStringLength());
    const std::string where = fmt::format("buyers[{}] (\"{}\")", i, b.id);
    auto fail = [&](std::string_view field, const std::string& message) {
      return fmt::format("{}: {}: {}", where, field, message);
    };
    std::set<std::string_view> seen;
    for (const auto& m : v.GetObject()) {
      std::string_view name(m.name.GetString(), m.name.GetStringLength());
      const json& value = m.value;
      if (!seen.insert(name).second) return fail(name, "given twice");
      std::optional<std::string> bad;
      if (name == "id") {
        // read above
      } else if (name == "bid_mean") {
        bad = money(value, number_text(i, name), b.bid_mean_micros);
      } else if (name == "bid_stddev") {
        bad = money(value, number_text(i, name), b.bid_stddev_micros);
      } else if (name == "latency_mean_ms") {
        bad = integer(value, b.latency_mean_ms);
      } else if (name == "latency_stddev_ms") {
        bad = integer(value, b.latency_stddev_ms);
      } else if (name == "expires_in_s") {
        bad = integer(value, b.expires_in_s);
      } else if (name == "no_bid_rate") {
        bad = number(value, b.no_bid_rate);
      } else if (name == "error_rate") {
        bad = number(value, b.error_rate);
      } else if (name == "misbehaviour_rate") {
        bad = number(value, b.misbehaviour_rate);
      } else if (name == "destination") {
        if (value.IsString())
          b.destination.assign(value.GetString(), value.GetStringLength());
        else
          bad = "expected a string, got " + shown(value);
      } else if (name == "misbehaviour") {
        std::optional<buyer_misbehaviour> kind;
        if (value.IsString()) kind = parse_buyer_misbehaviour({value.GetString(), value.GetStringLength()});
        if (kind)
          b.misbehaviour = *kind;
        else
          bad = "expected one of \"none\", \"garbage\", \"status_500\", \"hang\", \"trickle\", \"oversized\", "
                "\"late\"; got " +
                shown(value);
      } else {
        return fmt::format("{}: unknown member \"{}\"", where, name);
      }
      if (bad) return fail(name, *bad);
    }
    if (auto wrong = check_buyer_sim_buyer(b)) return fail(wrong->field, wrong->message);
    return std::nullopt;
  }

  /// The source text of the number at buyers[i].name ("" if it is no number).
  std::string_view number_text(rapidjson::SizeType i, std::string_view name) const {
    return numbers_.at(fmt::format("/buyers/{}/{}", i, name));
  }

  /// Dollars as decimal text ("20.00") or as a JSON number (20, 1e-6), read
  /// exactly from the text; the range is check_buyer_sim_buyer's.
  static std::optional<std::string> money(const json& v, std::string_view number, int64_t& out) {
    const std::string expected = "expected dollars as a decimal string (\"20.00\") or number, at most 6 decimals, got ";
    std::string_view text = v.IsString() ? std::string_view(v.GetString(), v.GetStringLength()) : number;
    if (!v.IsString() && !v.IsNumber()) return expected + shown(v);
    money_parse amount = parse_dollars(text, {.negative = true, .exponent = v.IsNumber()});
    if (amount.error == money_error::too_large) return "must be below 1000000 dollars, got " + shown(v);
    if (!amount.ok()) return expected + shown(v) + ": it " + std::string(to_string(amount.error));
    out = amount.micros;
    return std::nullopt;
  }

  static std::optional<std::string> integer(const json& v, int32_t& out) {
    if (!v.IsInt64()) return "expected an integer, got " + shown(v);
    auto x = v.GetInt64();
    if (x < INT32_MIN || x > INT32_MAX) return "out of range: " + shown(v);
    out = static_cast<int32_t>(x);
    return std::nullopt;
  }

  static std::optional<std::string> number(const json& v, double& out) {
    if (!v.IsNumber()) return "expected a number, got " + shown(v);
    out = v.GetDouble();
    return std::nullopt;
  }

  const json_number_text& numbers_;
};

// ---- the ping log -------------------------------------------------------------------------------

/// Request bodies, one a line, written by a thread of its own.
class ping_log {
public:
  ~ping_log() { stop(); }

  bool open(const std::string& path, std::string& error) {
    file_ = std::fopen(path.c_str(), "a");
    if (!file_) {
      error = "cannot open " + path + " for appending";
      return false;
    }
    writer_ = std::thread([this] { run(); });
    return true;
  }

  void append(std::string_view body) {
    std::string line(body);
    std::replace_if(
      line.begin(), line.end(), [](char c) { return c == '\n' || c == '\r'; }, ' ');
    line += '\n';
    bool was_empty = false;
    {
      std::lock_guard lock(mutex_);
      was_empty = pending_.empty();
      pending_ += line;
    }
    if (was_empty) wake_.notify_one();
  }

  /// Writes what is pending, closes the file. Idempotent.
  void stop() {
    {
      std::lock_guard lock(mutex_);
      stopping_ = true;
    }
    wake_.notify_one();
    if (writer_.joinable()) writer_.join();
    if (file_) {
      std::fclose(file_);
      file_ = nullptr;
    }
  }

private:
  void run() {
    std::string batch;
    std::unique_lock lock(mutex_);
    for (;;) {
      wake_.wait(lock, [this] { return stopping_ || !pending_.empty(); });
      if (pending_.empty()) return; // stopping, all written
      batch.swap(pending_);
      lock.unlock();
      std::fwrite(batch.data(), 1, batch.size(), file_);
      std::fflush(file_);
      batch.clear();
      lock.lock();
    }
  }

  std::FILE* file_ = nullptr;
  std::thread writer_;
  std::mutex mutex_;
  std::condition_variable wake_;
  std::string pending_;
  bool stopping_ = false;
};

// ---- delayed answers ----------------------------------------------------------------------------

/// Runs jobs at their time on one thread of its own; jobs must be quick. stop() drops the jobs not
/// yet run (destroying them on the caller's thread).
class timer_queue {
public:
  ~timer_queue() { stop(); }

  void start() {
    thread_ = std::thread([this] { run(); });
  }

  void at(clock_type::time_point when, std::function<void()> job) {
    {
      std::lock_guard lock(mutex_);
      if (stopping_) return;
      jobs_.push_back({when, next_++, std::move(job)});
      std::push_heap(jobs_.begin(), jobs_.end(), later);
    }
    wake_.notify_one();
  }

  void stop() {
    {
      std::lock_guard lock(mutex_);
      stopping_ = true;
    }
    wake_.notify_one();
    if (thread_.joinable()) thread_.join();
    std::vector<entry> dropped;
    {
      std::lock_guard lock(mutex_);
      dropped.swap(jobs_);
    }
  }

private:
  struct entry {
    clock_type::time_point when;
    uint64_t order = 0;
    std::function<void()> job;
  };

  static bool later(const entry& a, const entry& b) { // for a min-heap
    return a.when != b.when ? a.when > b.when : a.order > b.order;
  }

  void run() {
    std::unique_lock lock(mutex_);
    while (!stopping_) {
      if (jobs_.empty()) {
        wake_.wait(lock);
        continue;
      }
      if (auto due = jobs_.front().when; clock_type::now() < due) {
        wake_.wait_until(lock, due);
        continue;
      }
      std::pop_heap(jobs_.begin(), jobs_.end(), later);
      auto job = std::move(jobs_.back().job);
      jobs_.pop_back();
      lock.unlock();
      try {
        job();
      } catch (...) { // a job's failure must not end the others
      }
      job = nullptr; // releases what it held (a responder) outside the lock
      lock.lock();
    }
  }

  std::mutex mutex_;
  std::condition_variable wake_;
  std::vector<entry> jobs_; // a heap by `later`
  uint64_t next_ = 0;
  bool stopping_ = false;
  std::thread thread_;
};

// ---- answers ------------------------------------------------------------------------------------

struct buyer_state {
  buyer_sim_buyer config;
  std::mutex mutex; // guards rng
  std::mt19937_64 rng;
  std::atomic<uint64_t> pings{0}, bids{0}, no_bids{0}, errors{0}, misbehaviours{0}, malformed{0};
};

/// One ping's dice, always all of them, so a buyer's sequence never depends on what they said.
struct draws {
  double misbehave = 0, error = 0, no_bid = 0, amount_z = 0, latency_z = 0;
};

draws roll(buyer_state& b) {
  std::lock_guard lock(b.mutex);
  draws d;
  d.misbehave = uniform01(b.rng);
  d.error = uniform01(b.rng);
  d.no_bid = uniform01(b.rng);
  d.amount_z = standard_normal(b.rng);
  d.latency_z = standard_normal(b.rng);
  return d;
}

http_response json_response(int status, std::string body) {
  http_response r;
  r.status = status;
  r.content_type = "application/json";
  r.body = std::move(body);
  return r;
}

/// {"error": message, key: value...}
http_response json_error(int status, std::string_view message,
                         std::initializer_list<std::pair<const char*, std::string_view>> extra = {}) {
  rapidjson::StringBuffer buffer;
  rapidjson::Writer<rapidjson::StringBuffer> w(buffer);
  w.StartObject();
  w.Key("error");
  w.String(message.data(), static_cast<rapidjson::SizeType>(message.size()));
  for (const auto& [key, value] : extra) {
    w.Key(key);
    w.String(value.data(), static_cast<rapidjson::SizeType>(value.size()));
  }
  w.EndObject();
  return json_response(status, std::string(buffer.GetString(), buffer.GetSize()));
}

/// `{"bid":…}` or `{"no_bid":…}` from bid_wire, with the ping's id echoed in front.
std::string with_ping_id(const ping_request& ping, const std::string& encoded) {
  return "{\"ping_id\":\"" + ping.ping_id.to_string() + "\"," + encoded.substr(1);
}

int64_t bid_amount(const buyer_sim_buyer& b, double z) {
  double micros = double(b.bid_mean_micros) + double(b.bid_stddev_micros) * z;
  double cents = std::round(micros / double(cent_micros));
  cents = std::clamp(cents, 1.0, double(max_money_micros / cent_micros - 1));
  return static_cast<int64_t>(cents) * cent_micros;
}

microseconds latency_of(const buyer_sim_buyer& b, double z) {
  double ms = double(b.latency_mean_ms) + double(b.latency_stddev_ms) * z;
  return microseconds{std::llround(std::max(0.0, ms) * 1000.0)};
}

} // namespace

// ---- public helpers -----------------------------------------------------------------------------

std::string_view to_string(buyer_misbehaviour m) noexcept {
  for (const auto& [kind, name] : misbehaviour_names)
    if (kind == m) return name;
  return "unknown";
}

std::optional<buyer_misbehaviour> parse_buyer_misbehaviour(std::string_view name) noexcept {
  for (const auto& [kind, text] : misbehaviour_names)
    if (text == name) return kind;
  return std::nullopt;
}

std::optional<buyer_sim_field_error> check_buyer_sim_buyer(const buyer_sim_buyer& b) {
  if (b.id.empty() || b.id.size() > 64 || !std::all_of(b.id.begin(), b.id.end(), is_id_char))
    return buyer_sim_field_error{"id", "must be 1..64 of A-Z a-z 0-9 . _ - ~"};
  if (b.bid_mean_micros <= 0 || b.bid_mean_micros >= max_money_micros)
    return buyer_sim_field_error{"bid_mean", "must be above 0 and below 1000000 dollars, got " +
                                               decimal_dollars(b.bid_mean_micros)};
  if (b.bid_stddev_micros < 0 || b.bid_stddev_micros >= max_money_micros)
    return buyer_sim_field_error{"bid_stddev", "must be 0 or more and below 1000000 dollars, got " +
                                                 decimal_dollars(b.bid_stddev_micros)};
  if (auto e = check_range("latency_mean_ms", b.latency_mean_ms, 0, max_latency_ms)) return e;
  if (auto e = check_range("latency_stddev_ms", b.latency_stddev_ms, 0, max_latency_ms)) return e;
  if (auto e = check_rate("no_bid_rate", b.no_bid_rate)) return e;
  if (auto e = check_rate("error_rate", b.error_rate)) return e;
  if (!is_destination(b.destination))
    return buyer_sim_field_error{"destination", "must be E.164 (+ and 8..15 digits) or a sip:/sips: URI, got \"" +
                                                  b.destination + "\""};
  if (auto e = check_range("expires_in_s", b.expires_in_s, 1, 3600)) return e;
  if (!parse_buyer_misbehaviour(to_string(b.misbehaviour)))
    return buyer_sim_field_error{"misbehaviour", "not a known misbehaviour"};
  if (auto e = check_rate("misbehaviour_rate", b.misbehaviour_rate)) return e;
  return std::nullopt;
}

std::variant<std::vector<buyer_sim_buyer>, std::string> parse_buyer_sim_json(std::string_view text) {
  rapidjson::Document doc;
  doc.Parse(text.data() ? text.data() : "", text.size());
  if (doc.HasParseError())
    return fmt::format("not JSON: {} at offset {}", rapidjson::GetParseError_En(doc.GetParseError()),
                       doc.GetErrorOffset());
  return buyers_reader{json_number_text::read(text).value_or(json_number_text{})}.read(doc);
}

std::variant<std::vector<buyer_sim_buyer>, std::string> load_buyer_sim_file(const std::string& path) {
  std::ifstream in{path, std::ios::binary};
  if (!in) return "cannot read " + path;
  std::string text{std::istreambuf_iterator<char>{in}, {}};
  auto parsed = parse_buyer_sim_json(text);
  if (auto* error = std::get_if<std::string>(&parsed)) return path + ": " + *error;
  return parsed;
}

// ---- the server ---------------------------------------------------------------------------------

struct buyer_sim_server::impl {
  buyer_sim_options options;
  std::vector<std::unique_ptr<buyer_state>> buyers;
  std::unordered_map<std::string, buyer_state*> by_id; // read-only once serving
  std::atomic<uint64_t> unknown{0};
  http_server_limits limits;
  std::unique_ptr<http_server> server;
  timer_queue timers;
  std::unique_ptr<ping_log> log;
  uint16_t port = 0;
  std::mutex lifecycle;
  bool stopped = false;

  void handle(http_request&& request, http_responder respond) {
    if (log) log->append(request.body);
    const std::string id = request.path.substr(buyers_prefix.size());
    auto found = by_id.find(id);
    if (found == by_id.end()) {
      ++unknown;
      respond(json_error(404, "unknown buyer", {{"buyer", id}}));
      return;
    }
    buyer_state& b = *found->second;
    ++b.pings;
    auto parsed = parse_ping(request.body);
    if (const auto* bad = std::get_if<wire_error>(&parsed)) {
      ++b.malformed;
      respond(json_error(400, "malformed ping", {{"pointer", bad->pointer}, {"detail", bad->message}}));
      return;
    }
    const auto& ping = std::get<ping_request>(parsed);
    const auto& c = b.config;
    const auto d = roll(b);
    const auto latency = latency_of(c, d.latency_z);
    auto bid = [&] {
      return json_response(
        200, with_ping_id(ping, encode_bid(bid_amount(c, d.amount_z), "USD", c.expires_in_s, c.destination)));
    };
    if (c.misbehaviour != buyer_misbehaviour::none && d.misbehave < c.misbehaviour_rate) {
      ++b.misbehaviours;
      misbehave(c.misbehaviour, ping, bid(), latency, std::move(respond));
      return;
    }
    if (d.error < c.error_rate) {
      ++b.errors;
      answer(std::move(respond), json_error(500, "simulated buyer error"), latency);
    } else if (d.no_bid < c.no_bid_rate) {
      ++b.no_bids;
      answer(std::move(respond), json_response(200, with_ping_id(ping, encode_no_bid("not interested"))), latency);
    } else {
      ++b.bids;
      answer(std::move(respond), bid(), latency);
    }
  }

  void misbehave(buyer_misbehaviour kind, const ping_request& ping, http_response bid, microseconds latency,
                 http_responder respond) {
    const auto tmax = std::chrono::duration_cast<milliseconds>(ping.time_left);
    switch (kind) {
      case buyer_misbehaviour::none: // not called for none
      case buyer_misbehaviour::garbage:
        answer(std::move(respond), json_response(200, "<html><body>502 Bad Gateway</body></html> {\"bid\":"), latency);
        return;
      case buyer_misbehaviour::status_500:
        answer(std::move(respond), json_error(500, "simulated misbehaviour"), latency);
        return;
      case buyer_misbehaviour::hang:
        // Kept until the server would have given up on it anyway (idle_timeout: 503); a client that
        // leaves earlier closes the connection at once (close_when_client_leaves).
        timers.at(clock_type::now() + limits.idle_timeout + std::chrono::seconds{1}, [held = std::move(respond)] {});
        return;
      case buyer_misbehaviour::trickle: {
        auto total = std::clamp(2 * tmax, trickle_min_total, trickle_max_total);
        auto pieces = (bid.body.size() + trickle_piece_bytes - 1) / trickle_piece_bytes;
        bid.trickle_bytes = trickle_piece_bytes;
        bid.trickle_interval = std::max(milliseconds{1}, total / static_cast<int64_t>(std::max<size_t>(pieces, 1)));
        answer(std::move(respond), std::move(bid), latency);
        return;
      }
      case buyer_misbehaviour::oversized:
        bid.body.append(oversized_padding, ' '); // whitespace after the document: still valid JSON
        answer(std::move(respond), std::move(bid), latency);
        return;
      case buyer_misbehaviour::late:
        answer(std::move(respond), std::move(bid), std::max<microseconds>(2 * tmax, milliseconds{1}));
        return;
    }
  }

  void answer(http_responder respond, http_response response, microseconds after) {
    if (after <= microseconds{0}) {
      respond(std::move(response));
      return;
    }
    timers.at(clock_type::now() + after, [respond = std::move(respond), response = std::move(response)]() mutable {
      respond(std::move(response));
    });
  }

  void stop() {
    std::lock_guard lock(lifecycle);
    if (stopped) return;
    stopped = true;
    server->stop(); // no handler runs after this, and responders post nothing
    timers.stop();  // drops the answers not yet given, hung ones included
    if (log) log->stop();
  }
};

buyer_sim_server::buyer_sim_server(std::unique_ptr<impl> d) : impl_(std::move(d)) {}

buyer_sim_server::~buyer_sim_server() {
  if (impl_) impl_->stop();
}

std::unique_ptr<buyer_sim_server> buyer_sim_server::start(buyer_sim_options options, std::string* error) {
  auto fail = [error](std::string why) {
    if (error) *error = std::move(why);
    return nullptr;
  };
  auto d = std::make_unique<impl>();
  for (auto& b : options.buyers) {
    if (auto wrong = check_buyer_sim_buyer(b))
      return fail(fmt::format("buyer \"{}\": {}: {}", b.id, wrong->field, wrong->message));
    auto state = std::make_unique<buyer_state>();
    state->config = b;
    state->rng.seed(splitmix64(options.seed ^ splitmix64(fnv1a(b.id))));
    if (!d->by_id.emplace(b.id, state.get()).second) return fail(fmt::format("buyer \"{}\": id: given twice", b.id));
    d->buyers.push_back(std::move(state));
  }
  if (!options.log_pings_path.empty()) {
    d->log = std::make_unique<ping_log>();
    std::string why;
    if (!d->log->open(options.log_pings_path, why)) return fail(why);
  }
  d->limits.close_when_client_leaves = true; // hung requests must not hold connections clients left
  d->server = std::make_unique<http_server>(d->limits, std::max(1, options.io_threads));
  d->server->route_prefix("POST", std::string(buyers_prefix), [p = d.get()](http_request&& req, http_responder r) {
    p->handle(std::move(req), std::move(r));
  });
  d->timers.start();
  auto bound = d->server->listen(options.address, options.port);
  if (!bound.ok()) {
    d->stop();
    return fail(bound.error);
  }
  d->port = bound.port;
  d->options = std::move(options);
  return std::unique_ptr<buyer_sim_server>(new buyer_sim_server(std::move(d)));
}

uint16_t buyer_sim_server::port() const { return impl_->port; }

std::string buyer_sim_server::url_of(std::string_view id) const {
  const auto& a = impl_->options.address;
  auto host = a.find(':') != std::string::npos ? "[" + a + "]" : a;
  return fmt::format("http://{}:{}{}{}", host, impl_->port, buyers_prefix, id);
}

buyer_sim_stats buyer_sim_server::stats() const {
  buyer_sim_stats s;
  for (const auto& b : impl_->buyers) {
    buyer_sim_counts c;
    c.id = b->config.id;
    c.pings = b->pings.load();
    c.bids = b->bids.load();
    c.no_bids = b->no_bids.load();
    c.errors = b->errors.load();
    c.misbehaviours = b->misbehaviours.load();
    c.malformed = b->malformed.load();
    s.buyers.push_back(std::move(c));
  }
  s.unknown_buyer = impl_->unknown.load();
  s.open_connections = impl_->server->statistics().active;
  return s;
}

void buyer_sim_server::stop() { impl_->stop(); }

// ---- output -------------------------------------------------------------------------------------

namespace {

buyer_sim_counts totals_of(const buyer_sim_stats& stats) {
  buyer_sim_counts t;
  t.id = "total";
  for (const auto& b : stats.buyers) {
    t.pings += b.pings;
    t.bids += b.bids;
    t.no_bids += b.no_bids;
    t.errors += b.errors;
    t.misbehaviours += b.misbehaviours;
    t.malformed += b.malformed;
  }
  return t;
}

} // namespace

void print_buyer_sim_stats_table(std::ostream& out, const buyer_sim_stats& stats) {
  size_t width = 5;
  for (const auto& b : stats.buyers) width = std::max(width, b.id.size());
  auto row = [&](std::string_view id, auto pings, auto bids, auto no_bids, auto errors, auto misbehaviours,
                 auto malformed) {
    out << fmt::format("{:<{}}  {:>9}  {:>9}  {:>9}  {:>9}  {:>13}  {:>9}\n", id, width, pings, bids, no_bids, errors,
                       misbehaviours, malformed);
  };
  row("buyer", "pings", "bids", "no-bids", "errors", "misbehaviours", "malformed");
  for (const auto& b : stats.buyers) row(b.id, b.pings, b.bids, b.no_bids, b.errors, b.misbehaviours, b.malformed);
  auto t = totals_of(stats);
  row(t.id, t.pings, t.bids, t.no_bids, t.errors, t.misbehaviours, t.malformed);
  out << fmt::format("unknown buyers: {} requests (404)\n", stats.unknown_buyer);
}

void print_buyer_sim_stats_json(std::ostream& out, const buyer_sim_stats& stats) {
  rapidjson::OStreamWrapper os{out};
  rapidjson::PrettyWriter<rapidjson::OStreamWrapper> w{os};
  auto counts = [&w](const buyer_sim_counts& c, bool with_id) {
    w.StartObject();
    if (with_id) {
      w.Key("id");
      w.String(c.id.c_str(), static_cast<rapidjson::SizeType>(c.id.size()));
    }
    for (auto [key, value] : {std::pair{"pings", c.pings}, std::pair{"bids", c.bids}, std::pair{"no_bids", c.no_bids},
                              std::pair{"errors", c.errors}, std::pair{"misbehaviours", c.misbehaviours},
                              std::pair{"malformed", c.malformed}}) {
      w.Key(key);
      w.Uint64(value);
    }
    w.EndObject();
  };
  w.StartObject();
  w.Key("buyers");
  w.StartArray();
  for (const auto& b : stats.buyers) counts(b, true);
  w.EndArray();
  w.Key("total");
  counts(totals_of(stats), false);
  w.Key("unknown_buyer");
  w.Uint64(stats.unknown_buyer);
  w.EndObject();
  out << '\n';
}

// ---- the command --------------------------------------------------------------------------------

int run_buyer_sim_command(const buyer_sim_command_options& options, std::ostream& out, std::ostream& err) {
  // Before any thread starts, so every thread inherits the mask and the signals wait for sigwait.
  sigset_t signals;
  sigemptyset(&signals);
  sigaddset(&signals, SIGINT);
  sigaddset(&signals, SIGTERM);
  pthread_sigmask(SIG_BLOCK, &signals, nullptr);

  std::string host;
  uint16_t port = 0;
  if (!split_host_port(options.listen, host, port)) {
    err << "ringbid buyer-sim: --listen takes HOST:PORT, got \"" << options.listen << "\"\n";
    return 2;
  }
  auto loaded = load_buyer_sim_file(options.buyers_path);
  if (auto* error = std::get_if<std::string>(&loaded)) {
    err << "ringbid buyer-sim: " << *error << '\n';
    return 2;
  }
  buyer_sim_options sim;
  sim.address = host.size() > 2 && host.front() == '[' && host.back() == ']' ? host.substr(1, host.size() - 2) : host;
  sim.port = port;
  sim.buyers = std::move(std::get<std::vector<buyer_sim_buyer>>(loaded));
  sim.seed = options.seed;
  sim.log_pings_path = options.log_pings_path;
  std::string error;
  auto server = buyer_sim_server::start(std::move(sim), &error);
  if (!server) {
    err << "ringbid buyer-sim: " << error << '\n';
    return 1;
  }
  out << "buyer-sim listening on " << host << ':' << server->port() << std::endl;

  int signal = 0;
  while (sigwait(&signals, &signal) != 0) {}
  server->stop();
  auto stats = server->stats();
  if (options.json)
    print_buyer_sim_stats_json(out, stats);
  else
    print_buyer_sim_stats_table(out, stats);
  out.flush();
  return 0;
}

} // namespace ringbid
