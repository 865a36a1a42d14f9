#include "adapters/redis/redis_did_cache.hpp"

#include <hiredis/hiredis.h>

#include <algorithm>
#include <cerrno>
#include <charconv>
#include <condition_variable>
#include <cstdio>
#include <deque>
#include <fcntl.h>
#include <mutex>
#include <poll.h>
#include <thread>
#include <unistd.h>
#include <vector>

namespace ringbid {

namespace {

using steady = std::chrono::steady_clock;
using std::chrono::milliseconds;

void log_line(const std::string& text) { std::fprintf(stderr, "ringbid redis_did_cache: %s\n", text.c_str()); }

timeval to_timeval(milliseconds d) {
  auto ms = std::max<int64_t>(1, d.count());
  return timeval{static_cast<time_t>(ms / 1000), static_cast<suseconds_t>((ms % 1000) * 1000)};
}

struct context_closer {
  void operator()(redisContext* c) const noexcept { redisFree(c); }
};
using context_ptr = std::unique_ptr<redisContext, context_closer>;

struct reply_freer {
  void operator()(redisReply* r) const noexcept { freeReplyObject(r); }
};
using reply_ptr = std::unique_ptr<redisReply, reply_freer>;

/// Runs a command given as separate arguments (binary-safe, no format string).
reply_ptr command(redisContext* c, std::initializer_list<std::string_view> args) {
  std::vector<const char*> argv;
  std::vector<size_t> lengths;
  for (auto a : args) {
    argv.push_back(a.data());
    lengths.push_back(a.size());
  }
  return reply_ptr{
    static_cast<redisReply*>(redisCommandArgv(c, static_cast<int>(argv.size()), argv.data(), lengths.data()))};
}

/// What went wrong with the last command: the context's error or the reply's.
std::string failure_of(redisContext* c, const redisReply* r) {
  if (c->err) return c->errstr[0] ? std::string{c->errstr} : "I/O error";
  if (r == nullptr) return "no reply";
  if (r->type == REDIS_REPLY_ERROR) return std::string{r->str, r->len};
  return "unexpected reply";
}

bool ok_reply(redisContext* c, const reply_ptr& r) { return r && !c->err && r->type != REDIS_REPLY_ERROR; }

/// A connection with its timeouts, authenticated and on the right database.
context_ptr connect(const redis_endpoint& e, milliseconds connect_timeout, milliseconds command_timeout,
                    std::string* error) {
  context_ptr c{redisConnectWithTimeout(e.host.c_str(), e.port, to_timeval(connect_timeout))};
  if (!c) {
    *error = "cannot allocate a Redis context";
    return nullptr;
  }
  if (c->err) {
    *error = c->errstr;
    return nullptr;
  }
  if (redisSetTimeout(c.get(), to_timeval(command_timeout)) != REDIS_OK) {
    *error = "cannot set the command timeout";
    return nullptr;
  }
  redisEnableKeepAlive(c.get());
  if (!e.password.empty()) {
    auto r = command(c.get(), {"AUTH", e.password});
    if (!ok_reply(c.get(), r)) {
      *error = "AUTH: " + failure_of(c.get(), r.get());
      return nullptr;
    }
  }
  if (e.db != 0) {
    auto db = std::to_string(e.db);
    auto r = command(c.get(), {"SELECT", db});
    if (!ok_reply(c.get(), r)) {
      *error = "SELECT " + db + ": " + failure_of(c.get(), r.get());
      return nullptr;
    }
  }
  return c;
}

/// "campaign|source|tag1,tag2"; "||" for a number without an assignment.
std::string encode(const std::optional<did_entry>& e) {
  if (!e || !e->assigned()) return "||";
  return e->campaign_id + '|' + e->source_id + '|' + join_tags(e->tags);
}

/// Inverse of encode; nullopt for a value that is not one (left to SQLite).
std::optional<did_entry> decode(const std::string& number, std::string_view value) {
  auto first = value.find('|');
  if (first == std::string_view::npos) return std::nullopt;
  auto second = value.find('|', first + 1);
  if (second == std::string_view::npos) return std::nullopt;
  did_entry e;
  e.number = number;
  e.campaign_id = std::string{value.substr(0, first)};
  e.source_id = std::string{value.substr(first + 1, second - first - 1)};
  e.tags = split_tags(value.substr(second + 1));
  if (e.campaign_id.empty() != e.source_id.empty()) return std::nullopt;
  return e;
}

} // namespace

std::string redis_endpoint::text() const {
  auto out = "redis://" + host + ':' + std::to_string(port);
  if (db != 0) out += '/' + std::to_string(db);
  return out;
}

bool parse_redis_url(const std::string& url, redis_endpoint& out, std::string* error) {
  constexpr std::string_view scheme = "redis://";
  auto fail = [&](const std::string& why) {
    *error = "not a Redis URL (redis://[:PASSWORD@]HOST[:PORT][/DB]): \"" + url + "\": " + why;
    return false;
  };
  std::string_view rest{url};
  if (rest.substr(0, scheme.size()) != scheme) return fail("it must start with redis://");
  rest.remove_prefix(scheme.size());
  redis_endpoint e;
  if (auto at = rest.rfind('@'); at != std::string_view::npos) {
    auto userinfo = rest.substr(0, at);
    auto colon = userinfo.find(':');
    if (colon == std::string_view::npos || colon != 0) return fail("only a password is supported (:PASSWORD@)");
    e.password = std::string{userinfo.substr(1)};
    rest.remove_prefix(at + 1);
  }
  auto slash = rest.find('/');
  auto authority = rest.substr(0, slash);
  auto colon = authority.find(':');
  e.host = std::string{authority.substr(0, colon)};
  if (e.host.empty()) return fail("no host");
  auto number = [](std::string_view text, long max, long& value) {
    auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), value);
    return !text.empty() && ec == std::errc{} && end == text.data() + text.size() && value >= 0 && value <= max;
  };
  if (colon != std::string_view::npos) {
    long port = 0;
    if (!number(authority.substr(colon + 1), 65535, port) || port == 0) return fail("bad port");
    e.port = static_cast<uint16_t>(port);
  }
  if (slash != std::string_view::npos) {
    auto path = rest.substr(slash + 1);
    long db = 0;
    if (!path.empty() && !number(path, 1'000'000, db)) return fail("bad database number");
    e.db = static_cast<int>(db);
  }
  out = std::move(e);
  return true;
}

std::string redis_did_key(const std::string& number) { return "ringbid:did:" + number; }

bool publish_did_change(const redis_endpoint& endpoint, const std::string& number, milliseconds timeout,
                        std::string* error) {
  auto c = connect(endpoint, timeout, timeout, error);
  if (!c) {
    *error = endpoint.text() + ": " + *error;
    return false;
  }
  auto del = command(c.get(), {"DEL", redis_did_key(number)});
  if (!ok_reply(c.get(), del)) {
    *error = endpoint.text() + ": DEL: " + failure_of(c.get(), del.get());
    return false;
  }
  auto pub = command(c.get(), {"PUBLISH", redis_did_channel, number});
  if (!ok_reply(c.get(), pub)) {
    *error = endpoint.text() + ": PUBLISH: " + failure_of(c.get(), pub.get());
    return false;
  }
  return true;
}

// -- the cache ------------------------------------------------------------------

struct redis_did_cache::impl {
  struct job {
    bool invalidate = false; ///< false: a lookup
    std::string number;
    done callback;
  };

  std::shared_ptr<sqlite_did_directory> local;
  redis_did_options options;
  statistics stats;

  std::mutex mutex;
  std::condition_variable wake;    ///< wakes the lookup thread
  std::condition_variable stopped; ///< wakes the subscriber's back-off sleep
  std::deque<job> queue;           ///< guarded by mutex, like stopping
  bool stopping = false;
  int wake_pipe[2] = {-1, -1}; ///< wakes the subscriber's poll on stop
  std::thread worker;
  std::thread subscriber;

  // Worker thread only.
  context_ptr ctx;
  steady::time_point next_attempt{};
  milliseconds backoff{0};
  bool down_logged = false;

  impl(std::shared_ptr<sqlite_did_directory> l, redis_did_options o) : local(std::move(l)), options(std::move(o)) {
    backoff = options.first_backoff;
  }

  bool is_stopping() {
    std::lock_guard guard{mutex};
    return stopping;
  }

  // -- lookups (worker thread) --

  void run() {
    reconnect_if_due();
    std::unique_lock lock{mutex};
    for (;;) {
      if (queue.empty()) {
        if (stopping) return;
        auto ready = [this] { return stopping || !queue.empty(); };
        if (ctx)
          wake.wait(lock, ready);
        else
          wake.wait_until(lock, next_attempt, ready);
        if (queue.empty() && !stopping) {
          lock.unlock();
          reconnect_if_due();
          lock.lock();
        }
        continue;
      }
      job j = std::move(queue.front());
      queue.pop_front();
      bool closing = stopping;
      lock.unlock();
      if (!closing) reconnect_if_due();
      serve(j);
      lock.lock();
    }
  }

  void reconnect_if_due() {
    if (ctx || steady::now() < next_attempt) return;
    std::string error;
    ctx = connect(options.endpoint, options.connect_timeout, options.command_timeout, &error);
    if (ctx) {
      backoff = options.first_backoff;
      stats.connected = true;
      if (down_logged) log_line("Redis at " + options.endpoint.text() + " is back: DID lookups go through it again");
      down_logged = false;
      return;
    }
    went_down(error);
  }

  /// Drops the connection (if any) and schedules the next attempt.
  void went_down(const std::string& error) {
    ctx.reset();
    stats.connected = false;
    next_attempt = steady::now() + backoff;
    backoff = std::min(backoff * 2, options.max_backoff);
    if (!down_logged)
      log_line("Redis at " + options.endpoint.text() + " unreachable (" + error +
               "): DID lookups read SQLite until it is back");
    down_logged = true;
  }

  void serve(job& j) {
    if (j.invalidate) {
      if (!ctx) return;
      auto r = command(ctx.get(), {"DEL", redis_did_key(j.number)});
      if (ctx->err) went_down(failure_of(ctx.get(), r.get()));
      return;
    }
    if (ctx && serve_from_redis(j)) return;
    // Redis unreachable: SQLite itself, so changes made meanwhile are seen.
    ++stats.fallbacks;
    auto route = local->refresh(j.number);
    j.callback(route ? std::move(route) : local->cached(j.number));
  }

  /// False when Redis failed before the lookup was answered.
  bool serve_from_redis(job& j) {
    auto key = redis_did_key(j.number);
    auto r = command(ctx.get(), {"GET", key});
    if (ctx->err || !r) {
      went_down(failure_of(ctx.get(), r.get()));
      return false;
    }
    if (r->type == REDIS_REPLY_STRING) {
      if (auto entry = decode(j.number, std::string_view{r->str, r->len})) {
        ++stats.redis_hits;
        j.callback(local->route_of(j.number, entry));
        return true;
      }
    }
    // A miss (or a value this build cannot read): SQLite, then SET.
    std::optional<did_entry> row;
    auto route = local->refresh(j.number, &row);
    if (!route) {
      j.callback(local->cached(j.number));
      return true;
    }
    ++stats.redis_misses;
    auto ttl = std::to_string(options.ttl.count());
    auto set = command(ctx.get(), {"SET", key, encode(row), "EX", ttl});
    if (ctx->err) went_down(failure_of(ctx.get(), set.get()));
    j.callback(std::move(route));
    return true;
  }

  // -- invalidations (subscriber thread) --

  void listen() {
    auto delay = options.first_backoff;
    while (!is_stopping()) {
      std::string error;
      auto c = connect(options.endpoint, options.connect_timeout, options.command_timeout, &error);
      if (c) {
        auto r = command(c.get(), {"SUBSCRIBE", redis_did_channel});
        if (ok_reply(c.get(), r)) {
          delay = options.first_backoff;
          // Whatever was published while this connection was down is lost.
          if (!local->reload(&error)) log_line("cannot reload the DIDs from SQLite: " + error);
          ++stats.subscriptions;
          pump(c.get());
          continue;
        }
      }
      sleep_unless_stopping(delay);
      delay = std::min(delay * 2, options.max_backoff);
    }
  }

  /// Handles published numbers until the connection fails or the cache stops.
  void pump(redisContext* c) {
    for (;;) {
      void* raw = nullptr;
      while (redisGetReplyFromReader(c, &raw) == REDIS_OK && raw != nullptr) {
        reply_ptr r{static_cast<redisReply*>(raw)};
        raw = nullptr;
        on_message(*r);
      }
      if (c->err) return;
      pollfd fds[2] = {{c->fd, POLLIN, 0}, {wake_pipe[0], POLLIN, 0}};
      int n = ::poll(fds, 2, -1);
      if (n < 0 && errno != EINTR) return;
      if (is_stopping()) return;
      if (n > 0 && fds[0].revents != 0 && redisBufferRead(c) != REDIS_OK) return;
    }
  }

  void on_message(const redisReply& r) {
    if (r.type != REDIS_REPLY_ARRAY || r.elements != 3) return;
    const auto* kind = r.element[0];
    const auto* payload = r.element[2];
    if (kind->type != REDIS_REPLY_STRING || std::string_view{kind->str, kind->len} != "message") return;
    if (payload->type != REDIS_REPLY_STRING) return;
    std::string number{payload->str, payload->len};
    if (!is_e164(number)) return;
    local->refresh(number);
    // DEL again from the lookup thread, after any SET of an older value it may
    // have read from SQLite before the change.
    {
      std::lock_guard guard{mutex};
      if (!stopping) queue.push_back(job{true, number, {}});
    }
    wake.notify_one();
    ++stats.invalidations;
  }

  void sleep_unless_stopping(milliseconds d) {
    std::unique_lock lock{mutex};
    stopped.wait_for(lock, d, [this] { return stopping; });
  }

  void stop() {
    {
      std::lock_guard guard{mutex};
      if (stopping) return;
      stopping = true;
    }
    wake.notify_all();
    stopped.notify_all();
    if (wake_pipe[1] >= 0) {
      char byte = 1;
      [[maybe_unused]] auto written = ::write(wake_pipe[1], &byte, 1);
    }
    if (worker.joinable()) worker.join();
    if (subscriber.joinable()) subscriber.join();
    ctx.reset();
  }
};

redis_did_cache::redis_did_cache(std::shared_ptr<sqlite_did_directory> local, redis_did_options options)
  : impl_(std::make_shared<impl>(std::move(local), std::move(options))) {
  auto* state = impl_.get();
  if (::pipe2(state->wake_pipe, O_CLOEXEC | O_NONBLOCK) != 0) {
    state->wake_pipe[0] = state->wake_pipe[1] = -1;
    log_line("cannot create a pipe; invalidations are not received");
  }
  state->worker = std::thread{[state] { state->run(); }};
  if (state->wake_pipe[0] >= 0) state->subscriber = std::thread{[state] { state->listen(); }};
}

redis_did_cache::~redis_did_cache() {
  stop();
  for (int fd : impl_->wake_pipe)
    if (fd >= 0) ::close(fd);
}

void redis_did_cache::stop() { impl_->stop(); }

void redis_did_cache::lookup(const std::string& number, done callback) {
  {
    std::lock_guard guard{impl_->mutex};
    if (!impl_->stopping) {
      impl_->queue.push_back(impl::job{false, number, std::move(callback)});
      impl_->wake.notify_one();
      return;
    }
  }
  impl_->local->lookup(number, std::move(callback));
}

const redis_did_cache::statistics& redis_did_cache::stats() const { return impl_->stats; }

const std::shared_ptr<sqlite_did_directory>& redis_did_cache::local() const { return impl_->local; }

} // namespace ringbid
