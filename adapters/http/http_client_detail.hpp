#pragma once
// Internals of http_client shared by http_client.cpp (io threads, host pools) and
// http_client_connection.cpp (one connection). They pull in Asio, Beast and OpenSSL, so nothing
// else includes this.
//
// Every pool lives on its own executor (a strand when there are several io threads), and so do
// its connections, the deadline timers of its exchanges and every callback of its requests.

#include "adapters/http/http_client.hpp"
#include "adapters/http/http_client_wire.hpp"

#include <boost/asio/any_io_executor.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/ssl/context.hpp>
#include <boost/asio/ssl/stream.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/beast/core/flat_buffer.hpp>
#include <boost/beast/http/basic_parser.hpp>

#include <atomic>
#include <chrono>
#include <cstddef>
#include <cstdint>
#include <deque>
#include <functional>
#include <list>
#include <memory>
#include <optional>
#include <string>
#include <utility>
#include <vector>

namespace ringbid::http_client_detail {

namespace asio = boost::asio;
namespace ssl = asio::ssl;
namespace http = boost::beast::http;
using tcp = asio::ip::tcp;
using error_code = boost::system::error_code;
using steady = std::chrono::steady_clock;

struct counters {
  std::atomic<std::uint64_t> requests{0}, connections_opened{0}, reused{0}, retries{0}, timeouts{0}, errors{0};
};

// What the pools share; fixed once the client runs, except `tls`, set (under the client's mutex)
// before the first https exchange is posted.
struct client_core {
  http_client_options options;
  counters stats;
  std::unique_ptr<ssl::context> tls;
  std::string tls_error; // loading ca_file failed: every https request fails with it
};

class connection;

/// One request, from send() to its `done`. Shared by the pool (queue_), its connection (x) and
/// its deadline timer's handler; touched on the pool's executor only, once submitted.
struct exchange {
  std::string wire; ///< the serialized request
  std::function<void(http_client_response)> done;
  steady::time_point start, deadline;
  std::size_t max_bytes = 0;
  std::optional<asio::steady_timer> timer; // on the pool's executor, from submit()
  connection* conn = nullptr;              // serving it now
  bool idempotent = false, head = false, close = false;
  bool queued = false, finished = false, retried = false, reused = false;
};
using exchange_ptr = std::shared_ptr<exchange>;

http_client_response failure(http_client_error e, std::string detail);

/// Calls `done` once, with the elapsed time and the reuse flag filled in; the only place that does.
void complete(counters& stats, exchange& x, http_client_response r);

/// Parses a response straight into what the caller gets, with no beast::http::fields in between.
class response_parser final : public http::basic_parser<false> {
  using sv = boost::beast::string_view;

public:
  response_parser() { headers.reserve(8); }

  int status = 0;
  std::vector<std::pair<std::string, std::string>> headers;
  std::string body;

private:
  void on_request_impl(http::verb, sv, sv, int, error_code&) override {}
  void on_response_impl(int code, sv, int, error_code&) override { status = code; }
  void on_field_impl(http::field, sv name, sv value, error_code&) override {
    headers.emplace_back(std::string(name.data(), name.size()), std::string(value.data(), value.size()));
  }
  void on_header_impl(error_code&) override {}
  // Content-Length was checked against the limit before any body byte is parsed.
  void on_body_init_impl(const boost::optional<std::uint64_t>& length, error_code&) override {
    if (length) body.reserve(static_cast<std::size_t>(*length));
  }
  std::size_t on_body_impl(sv s, error_code&) override {
    body.append(s.data(), s.size());
    return s.size();
  }
  void on_chunk_header_impl(std::uint64_t, sv, error_code&) override {}
  std::size_t on_chunk_body_impl(std::uint64_t, sv s, error_code&) override {
    body.append(s.data(), s.size());
    return s.size();
  }
  void on_finish_impl(error_code&) override {}
};

/// The connections to one host (scheme, host, port) and the requests waiting for them. At most
/// max_connections_per_host connections (connecting, busy or idle); a released connection goes
/// straight to the oldest waiting request, else to the idle stack (reused last-in first-out).
class host_pool {
public:
  host_pool(client_core& core, asio::any_io_executor ex, const target_url& url);

  const asio::any_io_executor& executor() const { return ex_; }
  client_core& core() { return core_; }
  bool tls() const { return tls_; }
  bool numeric() const { return numeric_; }
  const std::string& host() const { return host_; }
  const std::string& port_text() const { return port_text_; }
  const std::optional<tcp::endpoint>& endpoint() const { return endpoint_; }

  // All of the following run on ex_.
  void submit(exchange_ptr x);
  void shutdown();
  void succeeded(connection& c, http_client_response r, bool keep);
  void failed(connection& c, http_client_error e, std::string detail, bool retry);

private:
  void assign(exchange_ptr x);
  void open(exchange_ptr x);
  void expired(const exchange_ptr& x);
  void drop(connection& c);   // closes it and forgets it; `c` may be gone afterwards
  exchange_ptr next_queued(); // the first queued one still in time; expired ones time out
  void pump();
  void arm_sweep();
  void finish(exchange& x, http_client_response r) { complete(core_.stats, x, std::move(r)); }

  client_core& core_;
  asio::any_io_executor ex_;
  const bool tls_;
  bool numeric_ = false;
  const std::string host_;
  const std::uint16_t port_;
  const std::string port_text_;
  std::optional<tcp::endpoint> endpoint_;
  std::list<std::shared_ptr<connection>> open_; // every connection, idle ones included
  std::vector<connection*> idle_;               // the most recently used last
  std::deque<exchange_ptr> queue_;
  asio::steady_timer sweep_; // closes idle connections after idle_keepalive
  bool sweep_armed_ = false, stopped_ = false;
};

/// One TCP (or TLS) connection of a pool: connect, handshake, write a request, read its response.
/// The pool owns it (open_) and drives it; every handler checks closed_ first, because closing
/// is how the pool cancels it (deadline, stop, stale).
class connection : public std::enable_shared_from_this<connection> {
public:
  explicit connection(host_pool& pool);
  ~connection();
  connection(const connection&) = delete;
  connection& operator=(const connection&) = delete;

  std::list<std::shared_ptr<connection>>::iterator where; ///< in the pool's open_
  exchange_ptr x;                                         ///< being served; none while idle
  steady::time_point idle_since;

  /// Serves `next`: connects first unless already connected (`reused`).
  void run(exchange_ptr next, bool reused);
  /// Idempotent; pending operations complete with operation_aborted and find closed_.
  void close();
  /// Not usable any more: idle too long, closed by the server, or bytes nobody asked for.
  bool stale(steady::time_point now);

private:
  enum class progress { more, done, failed };

  template <class F>
  void with_stream(F&& f);
  void fail(http_client_error e, std::string detail, bool retry = false);
  void connect();
  void handshake();
  void write();
  void start_read();
  void read_some();
  void on_read(error_code ec, std::size_t n);
  progress parse();
  progress failed(http_client_error e, std::string detail);
  progress finished(bool keep);

  host_pool& pool_;
  tcp::socket socket_;
  std::optional<ssl::stream<tcp::socket&>> tls_; // over socket_
  std::optional<tcp::resolver> resolver_;
  boost::beast::flat_buffer buffer_; // kept across exchanges
  std::optional<response_parser> parser_;
  std::size_t received_ = 0; // bytes of this response parsed so far
  bool header_seen_ = false, connected_ = false, closed_ = false;
};

} // namespace ringbid::http_client_detail
