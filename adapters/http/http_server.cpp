// The server's front: value types, routing, response text, streams' shared state, the listener
// and io threads. One connection's life is in http_session.cpp.

#include "adapters/http/http_server.hpp"

#include "adapters/http/http_server_detail.hpp"

#include <boost/asio/executor_work_guard.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/strand.hpp>
#include <boost/beast/http/status.hpp>

#include <algorithm>
#include <limits>
#include <optional>
#include <stdexcept>
#include <thread>

namespace ringbid {

namespace http_detail {

bool iequals(std::string_view a, std::string_view b) {
  auto lower = [](char c) { return c >= 'A' && c <= 'Z' ? static_cast<char>(c - 'A' + 'a') : c; };
  return a.size() == b.size() &&
         std::equal(a.begin(), a.end(), b.begin(), [&](char x, char y) { return lower(x) == lower(y); });
}

http_response error_response(int status, std::string_view message) {
  http_response r;
  r.status = status;
  r.content_type = "application/json";
  r.body = "{\"error\":\"" + std::string(message) + "\"}";
  return r;
}

bool wants_close(const http_response& r) {
  for (const auto& [name, value] : r.headers)
    if (iequals(name, "connection") && iequals(value, "close")) return true;
  return false;
}

namespace {

// Application-supplied headers must not be able to split the response.
bool safe_header(std::string_view name, std::string_view value) {
  if (name.empty()) return false;
  for (char c : name)
    if (c <= ' ' || c == ':' || c == 127) return false;
  return value.find_first_of(std::string_view("\r\n\0", 3)) == std::string_view::npos;
}

void append_header(std::string& out, std::string_view name, std::string_view value) {
  out.append(name).append(": ").append(value).append("\r\n");
}

} // namespace

std::string serialize(const http_response& r, bool close, bool http10) {
  namespace http = boost::beast::http;
  const int status = r.status >= 200 && r.status <= 599 ? r.status : 500;
  const bool body = status != 204 && status != 304;
  std::string out = "HTTP/1.1 " + std::to_string(status) + " ";
  if (auto code = http::int_to_status(static_cast<unsigned>(status)); code != http::status::unknown) {
    auto reason = http::obsolete_reason(code);
    out.append(reason.data(), reason.size());
  }
  out += "\r\n";
  if (body && !r.content_type.empty()) append_header(out, "Content-Type", r.content_type);
  for (const auto& [name, value] : r.headers)
    if (!iequals(name, "content-length") && !iequals(name, "transfer-encoding") && !iequals(name, "connection") &&
        safe_header(name, value))
      append_header(out, name, value);
  if (body) append_header(out, "Content-Length", std::to_string(r.body.size()));
  if (close)
    append_header(out, "Connection", "close");
  else if (http10)
    append_header(out, "Connection", "keep-alive"); // 1.0 closes by default
  out += "\r\n";
  if (body) out += r.body;
  return out;
}

route_match match_route(const std::vector<route_entry>& routes, std::string_view method, std::string_view path) {
  // Rank: an exact path beats any prefix, a longer prefix a shorter one.
  auto rank = [&](const route_entry& r) -> std::optional<std::size_t> {
    if (r.prefix ? path.starts_with(r.path) : path == r.path)
      return r.prefix ? r.path.size() : std::numeric_limits<std::size_t>::max();
    return std::nullopt;
  };
  std::optional<std::size_t> best;
  for (const auto& r : routes)
    if (auto k = rank(r); k && (!best || *k > *best)) best = k;
  route_match m;
  if (!best) return m;
  for (const auto& r : routes) {
    if (rank(r) != best) continue;
    if (r.method == method) {
      m.found = &r;
      return m;
    }
    if (m.allow.find(r.method) == std::string::npos) m.allow += (m.allow.empty() ? "" : ", ") + r.method;
  }
  return m;
}

// ---- streams ----------------------------------------------------------------------------------

bool stream_link::send(std::string chunk) {
  std::lock_guard lock(mutex);
  if (!open) return false;
  if (chunk.size() > max_backlog - backlog) { // backlog <= max_backlog always
    dropped = true;
    open = false;
    wake();
    return false;
  }
  backlog += chunk.size();
  queue.push_back(std::move(chunk));
  wake();
  return true;
}

void stream_link::close() {
  std::lock_guard lock(mutex);
  if (!open) return;
  open = false;
  closing = true;
  wake();
}

void stream_link::end() {
  std::lock_guard lock(mutex);
  open = false;
  queue.clear();
}

void stream_link::wake() {
  if (wake_posted) return; // the session has not pulled yet: it will take this chunk too
  wake_posted = true;
  gate->post([s = owner] {
    if (auto alive = s.lock()) wake_stream(alive);
  });
}

namespace {

class stream_handle final : public http_stream {
public:
  explicit stream_handle(std::shared_ptr<stream_link> link) : link_(std::move(link)) {}
  ~stream_handle() override { link_->close(); }
  stream_handle(const stream_handle&) = delete;
  stream_handle& operator=(const stream_handle&) = delete;

  bool send(std::string chunk) override { return link_->send(std::move(chunk)); }
  void close() override { link_->close(); }
  bool open() const override { return link_->open.load(); }

private:
  std::shared_ptr<stream_link> link_;
};

} // namespace

std::shared_ptr<http_stream> make_stream_handle(std::shared_ptr<stream_link> link) {
  return std::make_shared<stream_handle>(std::move(link));
}

} // namespace http_detail

using namespace http_detail;

// ---- public value types -----------------------------------------------------------------------

std::string_view http_request::header(std::string_view name) const {
  for (const auto& [key, value] : headers)
    if (iequals(key, name)) return value;
  return {};
}

struct http_responder::state {
  std::function<void(http_response)> deliver;
  std::atomic<bool> done{false};

  ~state() {
    if (done.load()) return;
    http_response r = error_response(500, "no response");
    r.headers.emplace_back("Connection", "close");
    try {
      deliver(std::move(r));
    } catch (...) { // nothing sensible to do in a destructor
    }
  }
};

http_responder::http_responder(std::function<void(http_response)> deliver) : state_(std::make_shared<state>()) {
  state_->deliver = std::move(deliver);
}

void http_responder::operator()(http_response response) const {
  if (!state_ || state_->done.exchange(true)) return;
  state_->deliver(std::move(response));
}

// ---- the server -------------------------------------------------------------------------------

struct http_server::impl {
  server_core core;
  int threads = 1;
  std::mutex lifecycle; // listen() / stop() / route()
  bool running = false;
  // Declared so that they are destroyed acceptor first, context last; stop() resets them in order.
  std::unique_ptr<asio::io_context> context;
  std::optional<asio::executor_work_guard<asio::io_context::executor_type>> work;
  std::optional<tcp::acceptor> acceptor;
  std::optional<asio::steady_timer> retry;
  std::vector<std::thread> workers;

  void add(route_entry r) {
    std::lock_guard lock(lifecycle);
    if (running) throw std::logic_error("http_server: add routes before listen()");
    core.routes.push_back(std::move(r));
  }

  void accept() {
    // Each connection gets a strand: its handlers never run concurrently, whatever io_threads.
    acceptor->async_accept(asio::make_strand(*context), [this](error_code ec, tcp::socket socket) {
      if (ec == asio::error::operation_aborted) return;
      if (ec) { // typically out of file descriptors: retry soon instead of spinning
        retry->expires_after(std::chrono::milliseconds(50));
        retry->async_wait([this](error_code wec) {
          if (!wec) accept();
        });
        return;
      }
      ++core.stats.accepted;
      // Responses go out whole; Nagle would hold a small one back for the peer's delayed ACK.
      error_code ignored;
      socket.set_option(tcp::no_delay(true), ignored);
      const bool over = core.stats.active.load() >= core.limits.max_connections;
      if (over) ++core.stats.rejected_connections;
      start_session(core, std::move(socket), over);
      accept();
    });
  }

  void run() {
    for (;;) {
      try {
        context->run();
        return;
      } catch (...) { // a throwing handler must not take the server down
      }
    }
  }
};

http_server::http_server(http_server_limits limits, int io_threads) : impl_(std::make_unique<impl>()) {
  impl_->core.limits = limits;
  impl_->threads = std::max(1, io_threads);
}

http_server::~http_server() { stop(); }

void http_server::route(std::string method, std::string path, http_handler handler) {
  impl_->add({std::move(method), std::move(path), false, std::move(handler), {}, {}});
}

void http_server::route_prefix(std::string method, std::string prefix, http_handler handler) {
  impl_->add({std::move(method), std::move(prefix), true, std::move(handler), {}, {}});
}

void http_server::route_stream(std::string path, http_stream_handler handler, http_stream_admission admit) {
  impl_->add({"GET", std::move(path), false, {}, std::move(handler), std::move(admit)});
}

http_listen_result http_server::listen(const std::string& address, std::uint16_t port) {
  auto& d = *impl_;
  std::lock_guard lock(d.lifecycle);
  if (d.running) return {0, "already listening"};
  error_code ec;
  auto ip = asio::ip::make_address(address, ec);
  if (ec) return {0, "invalid address '" + address + "': " + ec.message()};
  const tcp::endpoint endpoint(ip, port);
  auto context = std::make_unique<asio::io_context>(d.threads);
  tcp::acceptor acceptor(*context);
  auto failed = [&](const char* what) {
    auto where = address + ":" + std::to_string(port);
    return http_listen_result{0, std::string(what) + " " + where + ": " + ec.message()};
  };
  acceptor.open(endpoint.protocol(), ec);
  if (ec) return failed("open");
  acceptor.set_option(asio::socket_base::reuse_address(true), ec);
  acceptor.bind(endpoint, ec);
  if (ec) return failed("bind");
  acceptor.listen(asio::socket_base::max_listen_connections, ec);
  if (ec) return failed("listen");
  const auto bound = acceptor.local_endpoint(ec).port();

  d.core.gate = std::make_shared<io_gate>();
  d.core.gate->context = context.get();
  d.context = std::move(context);
  d.acceptor.emplace(std::move(acceptor));
  d.retry.emplace(*d.context);
  d.work.emplace(d.context->get_executor());
  d.accept();
  for (int i = 0; i < d.threads; ++i) d.workers.emplace_back([&d] { d.run(); });
  d.running = true;
  return {bound, {}};
}

void http_server::stop() {
  auto& d = *impl_;
  std::lock_guard lock(d.lifecycle);
  if (!d.running) return;
  if (d.context->get_executor().running_in_this_thread())
    throw std::logic_error("http_server::stop() called from one of its io threads");
  // No graceful drain: stop the loop, then destroy the context, which destroys every pending
  // handler and with them every session, closing its socket and ending its stream.
  d.work.reset();
  d.context->stop();
  for (auto& t : d.workers) t.join();
  d.workers.clear();
  {
    std::lock_guard gate_lock(d.core.gate->mutex);
    d.core.gate->context = nullptr; // from now on responders and streams post nothing
  }
  d.retry.reset();
  d.acceptor.reset();
  d.context.reset();
  d.running = false;
}

http_server_stats http_server::statistics() const {
  const auto& s = impl_->core.stats;
  return {s.accepted.load(),  s.active.load(),         s.rejected_connections.load(),
          s.requests.load(),  s.bad_requests.load(),   s.timeouts.load(),
          s.too_large.load(), s.streams_dropped.load()};
}

} // namespace ringbid
