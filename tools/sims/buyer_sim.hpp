#pragma once
// `ringbid buyer-sim`: many simulated buyers behind one HTTP server, so the
// engine's HTTP bidders (adapters/http_bidder_transport) have real endpoints to
// ping. Buyer <id> is served at POST /buyers/<id>: the body is a ping
// (adapters/bid_wire), the answer a bid or a no-bid, after a simulated latency,
// or one of the ways a real buyer fails (misbehaviours). Responses wait on a
// timer thread of the simulator's own, never on the server's io thread.
//
// Randomness is per buyer, seeded from the seed and the buyer's id: the same
// pings to a buyer in the same order get the same answers.
//
// Beast and Asio stay in the .cpp files (the HTTP server's); this header is
// cheap to include.

#include <cstdint>
#include <iosfwd>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <variant>
#include <vector>

namespace ringbid {

/// How a buyer fails, on a share (misbehaviour_rate) of its pings:
enum class buyer_misbehaviour : uint8_t {
  none,
  garbage,    ///< 200 with a body that is not JSON
  status_500, ///< 500
  hang,       ///< no answer until the client gives up (the server's idle timeout at the latest)
  trickle,    ///< a valid bid whose body comes a few bytes at a time over seconds
  oversized,  ///< a 200 valid bid padded with whitespace to over 2 MiB
  late,       ///< a valid bid, but only after twice the ping's tmax_ms
};

std::string_view to_string(buyer_misbehaviour m) noexcept;
/// "none", "garbage", "status_500", "hang", "trickle", "oversized", "late".
std::optional<buyer_misbehaviour> parse_buyer_misbehaviour(std::string_view name) noexcept;

/// One simulated buyer; the defaults are those of the buyers file.
struct buyer_sim_buyer {
  std::string id;                       ///< 1..64 of A-Z a-z 0-9 . _ - ~ (it is a URL path segment)
  int64_t bid_mean_micros = 20'000'000; ///< bids ~ normal(mean, stddev), in cents, at least $0.01
  int64_t bid_stddev_micros = 5'000'000;
  int32_t latency_mean_ms = 80; ///< answers after ~ normal(mean, stddev), at least 0
  int32_t latency_stddev_ms = 40;
  double no_bid_rate = 0.1;                 ///< share of no-bids ("not interested")
  double error_rate = 0.01;                 ///< share of 500s, drawn before the no-bids
  std::string destination = "+15125550100"; ///< E.164 or sip:/sips: URI
  int32_t expires_in_s = 60;                ///< 1..3600
  buyer_misbehaviour misbehaviour = buyer_misbehaviour::none;
  double misbehaviour_rate = 1.0; ///< share of pings that misbehave (when misbehaviour != none)
};

/// What is wrong with a buyer: the field (as in the buyers file) and why; nullopt when fine.
struct buyer_sim_field_error {
  std::string field;
  std::string message;
};
std::optional<buyer_sim_field_error> check_buyer_sim_buyer(const buyer_sim_buyer& buyer);

/// The buyers file, JSON:
///   {"buyers":[{"id":"b1","bid_mean":"20.00","bid_stddev":"5.00","latency_mean_ms":80,
///               "latency_stddev_ms":40,"no_bid_rate":0.1,"error_rate":0.01,
///               "destination":"+15125550100","expires_in_s":60,"misbehaviour":"none",
///               "misbehaviour_rate":1.0}]}
/// Money is a decimal string or a number of dollars, at most 6 decimals. Every
/// member but id is optional (defaults above); unknown members are errors.
/// Returns the buyers, or one error naming the buyer and the field.
std::variant<std::vector<buyer_sim_buyer>, std::string> parse_buyer_sim_json(std::string_view text);
std::variant<std::vector<buyer_sim_buyer>, std::string> load_buyer_sim_file(const std::string& path);

struct buyer_sim_options {
  std::string address = "127.0.0.1"; ///< numeric IPv4/IPv6
  uint16_t port = 0;                 ///< 0: any free one
  std::vector<buyer_sim_buyer> buyers;
  uint64_t seed = 1;
  std::string log_pings_path; ///< every request body appended here, one per line; "" = none
  int io_threads = 1;
};

struct buyer_sim_counts {
  std::string id;
  uint64_t pings = 0;         ///< requests to this buyer, malformed ones included; the sum of:
  uint64_t bids = 0;          ///< valid bids (on time)
  uint64_t no_bids = 0;       ///< valid no-bids
  uint64_t errors = 0;        ///< 500s drawn by error_rate
  uint64_t misbehaviours = 0; ///< pings that got the buyer's misbehaviour
  uint64_t malformed = 0;     ///< bodies that are no ping: 400
};

struct buyer_sim_stats {
  std::vector<buyer_sim_counts> buyers; ///< in the order of the options
  uint64_t unknown_buyer = 0;           ///< POSTs to /buyers/<id> of no buyer: 404
  uint64_t open_connections = 0;        ///< HTTP connections open now
};

/// A running simulator. Thread-safe; stop() (or the destructor) closes every
/// connection at once, hung ones included, drops the answers not yet given and
/// flushes the ping log.
class buyer_sim_server {
public:
  /// Binds and serves; nullptr with `error` set when the options are invalid,
  /// the log cannot be opened or the address cannot be bound.
  static std::unique_ptr<buyer_sim_server> start(buyer_sim_options options, std::string* error);

  ~buyer_sim_server();
  buyer_sim_server(const buyer_sim_server&) = delete;
  buyer_sim_server& operator=(const buyer_sim_server&) = delete;

  uint16_t port() const;
  /// The base URL of buyer `id`: "http://127.0.0.1:PORT/buyers/<id>".
  std::string url_of(std::string_view id) const;
  buyer_sim_stats stats() const;
  /// Idempotent; the stats stay readable.
  void stop();

  struct impl;

private:
  explicit buyer_sim_server(std::unique_ptr<impl> d);
  std::unique_ptr<impl> impl_;
};

void print_buyer_sim_stats_table(std::ostream& out, const buyer_sim_stats& stats);
void print_buyer_sim_stats_json(std::ostream& out, const buyer_sim_stats& stats);

struct buyer_sim_command_options {
  std::string listen = "127.0.0.1:0"; ///< HOST:PORT, port 0: any free one
  std::string buyers_path;
  uint64_t seed = 1;
  std::string log_pings_path;
  bool json = false; ///< the final stats as JSON instead of a table
};

/// `ringbid buyer-sim`: prints "buyer-sim listening on HOST:PORT" (flushed) to
/// `out`, serves until SIGINT or SIGTERM, then prints the stats to `out`.
/// Errors go to `err`. Returns 0, 1 (cannot listen or log) or 2 (bad options or
/// buyers file). Blocks SIGINT and SIGTERM in the calling thread.
int run_buyer_sim_command(const buyer_sim_command_options& options, std::ostream& out, std::ostream& err);

} // namespace ringbid
