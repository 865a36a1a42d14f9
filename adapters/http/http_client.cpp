// The client's front: io threads, send() and stop(), and the pool of each host (scheme, host,
// port): idle connections, the queue beyond max_connections_per_host, deadlines, the retry rule's
// bookkeeping and the idle sweep. One connection's life is in http_client_connection.cpp.
//
// One exchange = one request from send() to `done`. Its deadline timer is armed when it reaches
// its pool and covers everything; on expiry the exchange completes at once and its connection,
// if any, is closed.

#include "adapters/http/http_client.hpp"

#include "adapters/http/http_client_detail.hpp"

#include <boost/asio/executor_work_guard.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/strand.hpp>

#include <openssl/ssl.h>

#include <algorithm>
#include <map>
#include <mutex>
#include <stdexcept>
#include <string_view>
#include <thread>

namespace ringbid {

namespace http_client_detail {

http_client_response failure(http_client_error e, std::string detail) {
  http_client_response r;
  r.error = e;
  r.error_detail = std::move(detail);
  return r;
}

void complete(counters& stats, exchange& x, http_client_response r) {
  if (x.finished) return;
  x.finished = true;
  x.conn = nullptr;
  if (x.timer) x.timer->cancel();
  if (r.error != http_client_error::none) {
    ++stats.errors;
    if (r.error == http_client_error::timeout) ++stats.timeouts;
  }
  r.reused_connection = x.reused;
  r.elapsed = std::chrono::duration_cast<std::chrono::microseconds>(steady::now() - x.start);
  auto done = std::move(x.done);
  try {
    done(std::move(r));
  } catch (...) { // documented: swallowed, an io thread must go on
  }
}

// ---- host_pool ---------------------------------------------------------------------------------

host_pool::host_pool(client_core& core, asio::any_io_executor ex, const target_url& url)
  : core_(core), ex_(std::move(ex)), tls_(url.tls), host_(host_name(url)), port_(url.port),
    port_text_(std::to_string(url.port)), sweep_(ex_) {
  error_code ec;
  auto address = asio::ip::make_address(host_, ec);
  if (!ec) { // numeric: no resolver
    endpoint_.emplace(address, port_);
    numeric_ = true;
  }
}

void host_pool::submit(exchange_ptr x) {
  if (stopped_) return finish(*x, failure(http_client_error::client_stopped, "client stopped"));
  if (tls_ && !core_.tls_error.empty()) return finish(*x, failure(http_client_error::tls_failed, core_.tls_error));
  x->timer.emplace(ex_);
  x->timer->expires_at(x->deadline);
  x->timer->async_wait([this, x](error_code ec) {
    if (!ec) expired(x);
  });
  assign(std::move(x));
}

void host_pool::assign(exchange_ptr x) {
  if (!idle_.empty()) {
    const auto now = steady::now();
    while (!idle_.empty()) {
      connection* c = idle_.back();
      idle_.pop_back();
      if (c->stale(now)) {
        drop(*c);
        continue;
      }
      ++core_.stats.reused;
      c->run(std::move(x), true);
      return;
    }
  }
  if (open_.size() < core_.options.max_connections_per_host) return open(std::move(x));
  if (queue_.size() < core_.options.max_queued_per_host) {
    x->queued = true;
    queue_.push_back(std::move(x));
    return;
  }
  finish(*x,
         failure(http_client_error::pool_exhausted, "all " + std::to_string(open_.size()) + " connections busy and " +
                                                      std::to_string(queue_.size()) + " requests queued"));
}

void host_pool::open(exchange_ptr x) {
  auto c = std::make_shared<connection>(*this);
  c->where = open_.insert(open_.end(), c);
  c->run(std::move(x), false);
}

void host_pool::expired(const exchange_ptr& x) {
  if (x->finished) return;
  std::string_view what = "deadline passed";
  if (x->queued) {
    x->queued = false;
    queue_.erase(std::find(queue_.begin(), queue_.end(), x));
    what = "deadline passed while queued";
  } else if (x->conn) {
    drop(*x->conn);
  }
  finish(*x, failure(http_client_error::timeout, std::string(what)));
  pump();
}

void host_pool::drop(connection& c) {
  c.close();
  if (c.x) {
    c.x->conn = nullptr;
    c.x.reset();
  }
  open_.erase(c.where); // may destroy c
}

exchange_ptr host_pool::next_queued() {
  const auto now = steady::now();
  while (!queue_.empty()) {
    auto x = std::move(queue_.front());
    queue_.pop_front();
    x->queued = false;
    if (x->deadline > now) return x;
    // Its timer is due too: no connection for it (one could be opened only to be closed again).
    finish(*x, failure(http_client_error::timeout, "deadline passed while queued"));
  }
  return nullptr;
}

void host_pool::pump() {
  while (!stopped_ && open_.size() < core_.options.max_connections_per_host)
    if (auto x = next_queued())
      open(std::move(x));
    else
      return;
}

void host_pool::succeeded(connection& c, http_client_response r, bool keep) {
  auto x = std::move(c.x);
  x->conn = nullptr;
  finish(*x, std::move(r));
  if (!keep || stopped_) {
    drop(c);
    return pump();
  }
  if (auto next = next_queued()) { // straight to the next request waiting
    ++core_.stats.reused;
    return c.run(std::move(next), true);
  }
  c.idle_since = steady::now();
  idle_.push_back(&c);
  arm_sweep();
}

void host_pool::failed(connection& c, http_client_error e, std::string detail, bool retry) {
  auto x = std::move(c.x);
  x->conn = nullptr;
  drop(c);
  if (retry && !stopped_) { // the slot just freed goes to a fresh connection
    ++core_.stats.retries;
    x->retried = true;
    return open(std::move(x));
  }
  finish(*x, failure(e, std::move(detail)));
  pump();
}

void host_pool::arm_sweep() {
  if (sweep_armed_ || idle_.empty()) return;
  sweep_armed_ = true;
  sweep_.expires_at(idle_.front()->idle_since + core_.options.idle_keepalive);
  sweep_.async_wait([this](error_code ec) {
    sweep_armed_ = false;
    if (ec || stopped_) return;
    const auto now = steady::now();
    while (!idle_.empty() && now - idle_.front()->idle_since >= core_.options.idle_keepalive) {
      connection* c = idle_.front();
      idle_.erase(idle_.begin());
      drop(*c);
    }
    arm_sweep();
  });
}

void host_pool::shutdown() {
  stopped_ = true;
  sweep_.cancel();
  idle_.clear();
  auto queued = std::move(queue_);
  queue_.clear();
  for (auto& x : queued) {
    x->queued = false;
    finish(*x, failure(http_client_error::client_stopped, "client stopped"));
  }
  auto connections = std::move(open_);
  open_.clear();
  for (auto& c : connections) {
    c->close();
    if (auto x = std::move(c->x)) finish(*x, failure(http_client_error::client_stopped, "client stopped"));
  }
}

} // namespace http_client_detail

using namespace http_client_detail;

// ---- the client --------------------------------------------------------------------------------

struct http_client::impl {
  // Destroyed in reverse: pools (sockets, timers) before the TLS context and the io_context.
  asio::io_context context;
  client_core core;
  std::optional<asio::executor_work_guard<asio::io_context::executor_type>> work;
  std::vector<std::thread> threads;
  std::mutex mutex; // guards stopped, pools, core.tls
  bool stopped = false;
  std::map<std::string, std::unique_ptr<host_pool>, std::less<>> pools;
  std::mutex lifecycle; // stop()
  bool joined = false;

  explicit impl(http_client_options o) : context(std::max(1, o.io_threads)) { core.options = std::move(o); }

  void run() {
    for (;;) {
      try {
        context.run();
        return;
      } catch (...) { // a throwing handler must not end the io thread
      }
    }
  }

  // With the mutex held.
  host_pool& pool_for(const target_url& url) {
    thread_local std::string key;
    host_key(url, key);
    if (auto it = pools.find(std::string_view(key)); it != pools.end()) return *it->second;
    if (url.tls && !core.tls) make_tls();
    asio::any_io_executor ex = core.options.io_threads > 1 ? asio::any_io_executor(asio::make_strand(context))
                                                           : asio::any_io_executor(context.get_executor());
    auto& pool = pools[key];
    pool = std::make_unique<host_pool>(core, std::move(ex), url);
    return *pool;
  }

  void make_tls() {
    core.tls = std::make_unique<ssl::context>(ssl::context::tls_client);
    SSL_CTX_set_min_proto_version(core.tls->native_handle(), TLS1_2_VERSION);
    error_code ec;
    if (!core.options.ca_file.empty())
      core.tls->load_verify_file(core.options.ca_file, ec);
    else
      core.tls->set_default_verify_paths(ec);
    if (ec) core.tls_error = "loading trust anchors: " + ec.message();
  }
};

http_client::http_client(http_client_options options) : impl_(std::make_unique<impl>(std::move(options))) {
  auto& d = *impl_;
  d.work.emplace(d.context.get_executor());
  const int n = std::max(1, d.core.options.io_threads);
  for (int i = 0; i < n; ++i) d.threads.emplace_back([&d] { d.run(); });
}

http_client::~http_client() { stop(); }

void http_client::send(http_client_request request, std::function<void(http_client_response)> done) {
  auto& d = *impl_;
  auto x = std::make_shared<exchange>();
  x->start = steady::now();
  x->deadline = x->start + request.timeout;
  x->max_bytes = request.max_response_bytes;
  x->done = std::move(done);
  ++d.core.stats.requests;

  target_url url;
  std::string why;
  auto error = http_client_error::none;
  wire_request wire;
  if (!parse_url(request.url, url, why))
    error = http_client_error::bad_url;
  else if (!build_request(request, url, wire, why))
    error = http_client_error::bad_request;
  x->wire = std::move(wire.bytes);
  x->idempotent = wire.idempotent;
  x->head = wire.head;
  x->close = wire.close;

  std::unique_lock lock(d.mutex);
  if (d.stopped) {
    lock.unlock();
    return complete(d.core.stats, *x, failure(http_client_error::client_stopped, "client stopped"));
  }
  if (error != http_client_error::none) {
    asio::post(d.context, [&stats = d.core.stats, x, error, why = std::move(why)]() mutable {
      complete(stats, *x, failure(error, std::move(why)));
    });
    return;
  }
  // Posted under the mutex: stop() posts each pool's shutdown after every earlier submit.
  auto& pool = d.pool_for(url);
  asio::post(pool.executor(), [p = &pool, x = std::move(x)]() mutable { p->submit(std::move(x)); });
}

void http_client::stop() {
  auto& d = *impl_;
  std::lock_guard life(d.lifecycle);
  if (d.joined) return;
  if (d.context.get_executor().running_in_this_thread())
    throw std::logic_error("http_client::stop() called from one of its io threads");
  std::vector<host_pool*> pools;
  {
    std::lock_guard lock(d.mutex);
    d.stopped = true;
    for (auto& [key, pool] : d.pools) pools.push_back(pool.get());
  }
  for (auto* p : pools) asio::post(p->executor(), [p] { p->shutdown(); });
  // Everything pending is cancelled now or completes soon (a DNS lookup may take its time), so
  // the io threads run out of work and return.
  d.work.reset();
  for (auto& t : d.threads) t.join();
  d.threads.clear();
  d.joined = true;
}

http_client_stats http_client::statistics() const {
  const auto& s = impl_->core.stats;
  return {s.requests.load(), s.connections_opened.load(), s.reused.load(),
          s.retries.load(),  s.timeouts.load(),           s.errors.load()};
}

} // namespace ringbid
