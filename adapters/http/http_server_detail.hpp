#pragma once
// Internals of http_server, shared by http_server.cpp and http_session.cpp only: it pulls in
// Asio, so nothing else includes it.

#include "adapters/http/http_server.hpp"

#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/post.hpp>

#include <atomic>
#include <cstddef>
#include <cstdint>
#include <deque>
#include <memory>
#include <mutex>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace ringbid::http_detail {

namespace asio = boost::asio;
using tcp = asio::ip::tcp;
using error_code = boost::system::error_code;

bool iequals(std::string_view a, std::string_view b); // ASCII

/// {"error":"<message>"} as application/json.
http_response error_response(int status, std::string_view message);

/// The status line, headers and body of `r`, with Content-Length and, when `close`,
/// `Connection: close`.
std::string serialize(const http_response& r, bool close, bool http10);

/// True when the application asked to close the connection after `r`.
bool wants_close(const http_response& r);

struct route_entry {
  std::string method;
  std::string path;
  bool prefix = false;
  http_handler handler;
  http_stream_handler stream;  // set instead of handler for stream routes
  http_stream_admission admit; // stream routes: may answer instead of streaming
};

struct route_match {
  const route_entry* found = nullptr;
  std::string allow; ///< when nothing is found but the path is routed: its methods, for 405
};

route_match match_route(const std::vector<route_entry>& routes, std::string_view method, std::string_view path);

struct counters {
  std::atomic<std::uint64_t> accepted{0}, active{0}, rejected_connections{0}, requests{0}, bad_requests{0}, timeouts{0},
    too_large{0}, streams_dropped{0};
};

// How application threads reach the io threads. Responders and streams hold this and a weak_ptr
// to their session, never the session: a session owns a socket, which must be destroyed on an io
// thread or with its io_context, not by an application thread's last reference after stop() has
// destroyed the context. stop() nulls `context` (under the mutex) before destroying it.
struct io_gate {
  std::mutex mutex;
  asio::io_context* context = nullptr;

  template <class F>
  void post(F&& f) {
    std::lock_guard lock(mutex);
    if (context) asio::post(*context, std::forward<F>(f));
  }
};

struct server_core {
  http_server_limits limits;
  std::vector<route_entry> routes; // read-only while listening
  counters stats;
  std::shared_ptr<io_gate> gate;
};

class session; // http_session.cpp

/// Serves one accepted connection, or when `reject`, answers 503 and closes it.
void start_session(server_core& core, tcp::socket socket, bool reject);

/// Makes the session write what its stream has queued (from any io thread).
void wake_stream(const std::shared_ptr<session>& s);

// One stream's state, shared by the application's handles and the session writing it.
struct stream_link {
  stream_link(std::shared_ptr<io_gate> g, std::weak_ptr<session> s, std::size_t max)
    : gate(std::move(g)), owner(std::move(s)), max_backlog(max) {}

  bool send(std::string chunk);
  void close(); // after the queue is written
  void end();   // the connection is gone

  std::shared_ptr<io_gate> gate;
  std::weak_ptr<session> owner;
  const std::size_t max_backlog;
  std::atomic<bool> open{true};
  std::mutex mutex; // guards the rest
  std::deque<std::string> queue;
  std::size_t backlog = 0; // bytes queued + being written
  bool wake_posted = false, closing = false, dropped = false;

private:
  void wake(); // with mutex held
};

/// The application's handle: dropping the last one closes the stream.
std::shared_ptr<http_stream> make_stream_handle(std::shared_ptr<stream_link> link);

} // namespace ringbid::http_detail
