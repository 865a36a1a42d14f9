#pragma once
// The node's embedded HTTP/1.1 server (health, metrics, API, server-sent events).
// Boost.Beast and Asio stay in http_server.cpp and http_session.cpp (and their private
// http_server_detail.hpp), so this header is cheap to include.
//
// Threading: handlers run on the server's io threads and must not block. A response may be
// given later from any thread through the http_responder; streams are fed from any thread.

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace ringbid {

struct http_request {
  std::string method;                                       ///< as received, e.g. "GET"
  std::string target;                                       ///< as received, e.g. "/calls?state=open"
  std::string path;                                         ///< target before the first '?'
  std::string query;                                        ///< target after the first '?' ("" if none)
  std::vector<std::pair<std::string, std::string>> headers; ///< in order, names as received
  std::string body;
  std::string remote_address; ///< peer IP, e.g. "127.0.0.1"

  /// The first header called `name` (ASCII case-insensitive); "" if absent.
  std::string_view header(std::string_view name) const;
};

struct http_response {
  int status = 200; ///< outside 200..599 is sent as 500
  std::string content_type = "text/plain; charset=utf-8";
  /// Extra headers. The server sets Content-Length itself; `Connection: close` here closes the
  /// connection after this response. Headers with CR/LF in them are not sent.
  std::vector<std::pair<std::string, std::string>> headers;
  std::string body;
  /// For test doubles (the buyer simulator's slow buyer): when both are set, the status line and
  /// headers go out at once and the body then `trickle_bytes` at a time, one piece every
  /// `trickle_interval`. The whole write is still bounded by http_server_limits::idle_timeout.
  std::size_t trickle_bytes = 0;
  std::chrono::milliseconds trickle_interval{0};
};

/// Completes one request. A copyable handle: the first call wins, later ones are ignored. May be
/// called from any thread at any time; after the connection died or the server stopped it does
/// nothing. If every copy is destroyed uncalled, the client gets 500 {"error":"no response"} and
/// the connection is closed.
class http_responder {
public:
  /// `deliver` runs at most once, on the thread that responds or drops the last copy. The server
  /// makes its own; tests of handlers can pass a lambda.
  explicit http_responder(std::function<void(http_response)> deliver);

  void operator()(http_response response) const;

private:
  struct state;
  std::shared_ptr<state> state_;
};

/// A streamed response (server-sent events) in progress. Thread-safe; the server hands out a
/// shared_ptr, and when the last one is dropped the stream is closed as by close().
class http_stream {
public:
  virtual ~http_stream() = default;

  /// Queues bytes (e.g. "id: 7\ndata: {...}\n\n"), written in order. Returns false when the stream
  /// is not open: closed, client gone, server stopped, or dropped right now because this chunk
  /// would have taken its unsent backlog past http_server_limits::max_stream_backlog_bytes (slow
  /// clients are dropped, not buffered without bound).
  virtual bool send(std::string chunk) = 0;
  /// Ends the stream once the chunks already queued are written. Idempotent.
  virtual void close() = 0;
  /// False once the stream ended for any reason, a detected client disconnect included.
  virtual bool open() const = 0;
};

using http_handler = std::function<void(http_request&&, http_responder)>;
using http_stream_handler = std::function<void(http_request&&, std::shared_ptr<http_stream>)>;
/// Runs before a stream starts, on the io thread (must not block): a response
/// to send instead (a 401, a 400), or nullopt to start the stream.
using http_stream_admission = std::function<std::optional<http_response>(const http_request&)>;

struct http_server_limits {
  std::size_t max_body_bytes = 1 << 20;     ///< larger: 413
  std::size_t max_header_bytes = 16 * 1024; ///< request line + headers; larger: 431
  /// A whole request, from its first byte, including a slow trickle (slowloris): else 408.
  /// Also how long a new connection may stay silent before being closed.
  std::chrono::milliseconds read_timeout{10'000};
  /// Keep-alive idle between requests; also the longest a handler may take to respond (then 503)
  /// and the longest a response write may take.
  std::chrono::milliseconds idle_timeout{60'000};
  std::size_t max_connections = 1024; ///< beyond: 503 and close
  std::size_t max_stream_backlog_bytes = 1 << 20;
  /// While a handler has not answered, watch the connection: a client that closes it (EOF or reset)
  /// frees it at once instead of at idle_timeout, and its response is dropped. Off by default,
  /// because a client that half-closes after sending its request would lose the answer.
  bool close_when_client_leaves = false;
};

struct http_server_stats {
  std::uint64_t accepted = 0;             ///< TCP connections accepted, rejected ones included
  std::uint64_t active = 0;               ///< connections open now (rejected ones excluded)
  std::uint64_t rejected_connections = 0; ///< over max_connections
  std::uint64_t requests = 0;             ///< complete requests read
  std::uint64_t bad_requests = 0;         ///< 400
  std::uint64_t timeouts = 0;             ///< read (408), first-request silence, handler (503), write
  std::uint64_t too_large = 0;            ///< 413 and 431
  std::uint64_t streams_dropped = 0;      ///< over max_stream_backlog_bytes
};

struct http_listen_result {
  std::uint16_t port = 0; ///< the bound port when ok()
  std::string error;

  bool ok() const { return error.empty(); }
};

class http_server {
public:
  explicit http_server(http_server_limits limits = {}, int io_threads = 1);
  ~http_server(); ///< stop()s
  http_server(const http_server&) = delete;
  http_server& operator=(const http_server&) = delete;

  // Routes are added before listen() (std::logic_error after). An exact path wins over a
  // prefix, a longer prefix over a shorter one. A path routed for other methods only gets 405.

  void route(std::string method, std::string path, http_handler handler);
  /// Matches every path starting with `prefix`, e.g. "/api/v1/".
  void route_prefix(std::string method, std::string prefix, http_handler handler);
  /// GET `path` answers 200 text/event-stream at once, then streams what the handler sends;
  /// unless `admit` answers the request otherwise.
  void route_stream(std::string path, http_stream_handler handler, http_stream_admission admit = {});

  /// Binds a numeric IPv4/IPv6 address (port 0 = ephemeral) and starts the io threads.
  http_listen_result listen(const std::string& address, std::uint16_t port);
  /// Closes the listener and every connection and stream, joins the io threads. Idempotent; not
  /// from a handler. listen() may be called again afterwards.
  void stop();

  http_server_stats statistics() const;

private:
  struct impl;
  std::unique_ptr<impl> impl_;
};

} // namespace ringbid
