#pragma once
// Asynchronous HTTP/1.1 client: Telnyx REST commands to the carrier and ping-post bids to buyers'
// endpoints. Boost.Beast, Asio and OpenSSL stay in the .cpp files, so this header is cheap to
// include.
//
// Threading: the client owns an io_context and its io threads. send() is thread-safe and never
// blocks; `done` runs on an io thread and must not block: hand the result to an actor with a
// message. Requests to one host (scheme, host, port) share one pool of keep-alive connections,
// at most max_connections_per_host of them; requests beyond wait in the host's queue, FIFO.
//
// Stale keep-alive connections. A pooled connection is checked without blocking before reuse (a
// server that closed it while idle is seen and the connection dropped). When the server closes
// it at the very moment the request goes out, the request is sent once more, on a fresh
// connection and within the same deadline, when the reused connection failed before any response
// byte and either
//  - the method is idempotent (GET, HEAD, PUT, DELETE, OPTIONS, TRACE), or
//  - (any method, POST included) writing the request failed, or the read saw a clean EOF with
//    zero bytes: what a keep-alive connection closed by the server's idle timeout gives.
// A server that reads a POST and then closes without a byte of response can thus see it twice;
// a reset (RST) instead of EOF fails the POST with connection_closed. A request is retried at most
// once, and never after a failure on a fresh connection.

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace ringbid {

struct http_client_request {
  std::string method = "POST";
  /// http://host[:port][/target] or https://…; host is a DNS name, an IPv4 address or [IPv6].
  /// No user info; a #fragment is dropped; "" or "?q" as target means "/" or "/?q".
  std::string url;
  /// Sent as given, e.g. Authorization, Content-Type. Host is added unless given here;
  /// Content-Length and Transfer-Encoding are always the client's own. `Connection: close` here
  /// closes the connection after this exchange.
  std::vector<std::pair<std::string, std::string>> headers;
  std::string body;
  /// The whole exchange, from the call of send(): queueing, resolve, connect, TLS, write, read.
  std::chrono::milliseconds timeout{500};
  /// Status line + headers + body (chunk framing included). Enforced while reading: more
  /// fails with too_large and the connection is discarded.
  std::size_t max_response_bytes = 64 * 1024;
};

enum class http_client_error : std::uint8_t {
  none,
  bad_url,            ///< not a URL this client accepts; nothing was sent
  bad_request,        ///< the method or a header cannot be sent (CR, LF, NUL…); nothing was sent
  resolve_failed,     ///< the host name did not resolve
  connect_failed,     ///< e.g. refused
  tls_failed,         ///< handshake failed, certificate or host name verification included
  timeout,            ///< the deadline passed; the connection (if any) was closed
  too_large,          ///< the response exceeded max_response_bytes
  malformed_response, ///< not an HTTP/1.x response
  connection_closed,  ///< closed or reset before the response was complete
  pool_exhausted,     ///< the host's queue was full (max_queued_per_host)
  client_stopped,     ///< stop() came first, or send() after stop()
};

std::string_view to_string(http_client_error e) noexcept;

struct http_client_response {
  http_client_error error = http_client_error::none;
  std::string error_detail; ///< for humans, e.g. "Connection refused"
  int status = 0;           ///< 0 unless error == none (any status counts as success here)
  std::vector<std::pair<std::string, std::string>> headers; ///< in order, names as received
  std::string body;
  std::chrono::microseconds elapsed{0}; ///< from the call of send() to the callback
  bool reused_connection = false;       ///< answered on a pooled (kept-alive) connection

  bool ok() const { return error == http_client_error::none; }
  /// The first header called `name` (ASCII case-insensitive); "" if absent.
  std::string_view header(std::string_view name) const;
};

struct http_client_options {
  int io_threads = 1;
  std::size_t max_connections_per_host = 16;        ///< open connections, idle ones included
  std::size_t max_queued_per_host = 1024;           ///< waiting for a connection; beyond: pool_exhausted
  std::chrono::milliseconds idle_keepalive{30'000}; ///< idle pooled connections closed after this
  bool verify_tls = true; ///< certificate chain and host name (or IP address) of https servers
  std::string ca_file;    ///< PEM trust anchors; "" = the system's default paths
};

struct http_client_stats {
  std::uint64_t requests = 0;           ///< send() calls
  std::uint64_t connections_opened = 0; ///< TCP connections started
  std::uint64_t reused = 0;             ///< requests sent on a pooled connection
  std::uint64_t retries = 0;            ///< requests sent again after a stale connection
  std::uint64_t timeouts = 0;           ///< completions with timeout
  std::uint64_t errors = 0;             ///< completions with any error, timeouts included
};

class http_client {
public:
  explicit http_client(http_client_options options = {});
  ~http_client(); ///< stop()s
  http_client(const http_client&) = delete;
  http_client& operator=(const http_client&) = delete;

  /// Never blocks. `done` is called exactly once, on an io thread (a bad URL too), except after
  /// stop(): then it is called at once on the calling thread with client_stopped. Exceptions
  /// thrown by `done` are swallowed. Thread-safe.
  void send(http_client_request request, std::function<void(http_client_response)> done);

  /// Fails queued and in-flight requests with client_stopped (each `done` once, on an io thread),
  /// closes every connection and joins the io threads. Idempotent and final. Waits for a DNS
  /// lookup in progress. Not from an io thread (inside `done`): there it throws std::logic_error
  /// and stops nothing, and the destructor would terminate.
  void stop();

  http_client_stats statistics() const;

private:
  struct impl;
  std::unique_ptr<impl> impl_;
};

} // namespace ringbid
