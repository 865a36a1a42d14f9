#include "adapters/http/http_client.hpp"

#include "adapters/http/http_client_wire.hpp"
#include "adapters/http/http_server.hpp"

#include <gtest/gtest.h>

#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/ssl.h>
#include <openssl/x509v3.h>

#include <arpa/inet.h>
#include <netinet/in.h>
#include <poll.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <cctype>
#include <chrono>
#include <condition_variable>
#include <cstdio>
#include <functional>
#include <future>
#include <memory>
#include <mutex>
#include <optional>
#include <set>
#include <string>
#include <thread>
#include <vector>

// Well-behaved servers are ringbid's http_server; misbehaving ones (hanging, trickling, garbage,
// resets) and the TLS server are blocking sockets in threads here, so a test controls every byte.
// Everything listens on 127.0.0.1, port 0.

namespace ringbid {
namespace {

using namespace std::chrono_literals;
using steady = std::chrono::steady_clock;

// ---- collecting callbacks ----------------------------------------------------------------------

struct inbox {
  std::mutex mutex;
  std::condition_variable changed;
  std::vector<http_client_response> got;
  std::vector<std::thread::id> threads;

  bool wait(std::size_t n, std::chrono::milliseconds timeout = 5s) {
    std::unique_lock lock(mutex);
    return changed.wait_for(lock, timeout, [&] { return got.size() >= n; });
  }
};

// A callback that outlives the test body safely.
std::function<void(http_client_response)> into(const std::shared_ptr<inbox>& box) {
  return [box](http_client_response r) {
    std::lock_guard lock(box->mutex);
    box->got.push_back(std::move(r));
    box->threads.push_back(std::this_thread::get_id());
    box->changed.notify_all();
  };
}

http_client_request make(std::string url, std::string method = "GET", std::string body = "",
                         std::chrono::milliseconds timeout = 2s) {
  http_client_request r;
  r.url = std::move(url);
  r.method = std::move(method);
  r.body = std::move(body);
  r.timeout = timeout;
  return r;
}

http_client_response fetch(http_client& client, http_client_request request) {
  auto box = std::make_shared<inbox>();
  client.send(std::move(request), into(box));
  if (!box->wait(1, 10s)) {
    ADD_FAILURE() << "no callback within 10 s";
    return {};
  }
  std::lock_guard lock(box->mutex);
  return box->got.front();
}

double thread_cpu_seconds() {
  rusage r{};
  ::getrusage(RUSAGE_THREAD, &r);
  return static_cast<double>(r.ru_utime.tv_sec + r.ru_stime.tv_sec) +
         static_cast<double>(r.ru_utime.tv_usec + r.ru_stime.tv_usec) * 1e-6;
}

bool eventually(const std::function<bool()>& condition, std::chrono::milliseconds timeout = 3s) {
  for (auto until = steady::now() + timeout; steady::now() < until; std::this_thread::sleep_for(2ms))
    if (condition()) return true;
  return condition();
}

std::string local(std::uint16_t port, std::string_view target = "/", std::string_view scheme = "http") {
  return std::string(scheme) + "://127.0.0.1:" + std::to_string(port) + std::string(target);
}

http_response text(std::string body) {
  http_response r;
  r.body = std::move(body);
  return r;
}

std::uint16_t listen_local(http_server& server) {
  auto result = server.listen("127.0.0.1", 0);
  EXPECT_TRUE(result.ok()) << result.error;
  return result.port;
}

// ---- a raw server: one thread per connection, blocking sockets, optional TLS --------------------

class raw_server;

struct peer {
  int fd = -1;
  SSL* ssl = nullptr;
  std::size_t index = 0; // 0 for the first connection accepted, …
  raw_server* server = nullptr;
  std::string pending;

  long receive(char* data, std::size_t size) {
    if (ssl) return SSL_read(ssl, data, static_cast<int>(size));
    return ::recv(fd, data, size, 0);
  }

  bool send(std::string_view data) {
    while (!data.empty()) {
      long n = ssl ? SSL_write(ssl, data.data(), static_cast<int>(data.size()))
                   : ::send(fd, data.data(), data.size(), MSG_NOSIGNAL);
      if (n <= 0) return false;
      data.remove_prefix(static_cast<std::size_t>(n));
    }
    return true;
  }

  /// One request, head and Content-Length body; nullopt on EOF, error or 5 s of silence.
  std::optional<std::string> read_request();

  /// Blocks until the client closes (or 5 s pass, or the server stops).
  void wait_for_close() {
    char buffer[512];
    while (receive(buffer, sizeof buffer) > 0) {}
  }

  /// The close after the handler returns sends RST instead of FIN.
  void reset_on_close() const {
    linger l{1, 0};
    ::setsockopt(fd, SOL_SOCKET, SO_LINGER, &l, sizeof l);
  }
};

std::string target_of(const std::string& request) {
  auto a = request.find(' ');
  auto b = request.find(' ', a + 1);
  return a == std::string::npos || b == std::string::npos ? "" : request.substr(a + 1, b - a - 1);
}

class raw_server {
public:
  using handler = std::function<void(peer&)>;

  explicit raw_server(handler h, SSL_CTX* tls = nullptr) : handler_(std::move(h)), tls_(tls) {
    listener_ = ::socket(AF_INET, SOCK_STREAM, 0);
    int one = 1;
    ::setsockopt(listener_, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
    sockaddr_in address{};
    address.sin_family = AF_INET;
    address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    EXPECT_EQ(::bind(listener_, reinterpret_cast<sockaddr*>(&address), sizeof address), 0);
    EXPECT_EQ(::listen(listener_, 64), 0);
    socklen_t size = sizeof address;
    ::getsockname(listener_, reinterpret_cast<sockaddr*>(&address), &size);
    port_ = ntohs(address.sin_port);
    acceptor_ = std::thread([this] { accept_loop(); });
  }

  ~raw_server() {
    stopping_ = true;
    acceptor_.join();
    {
      std::lock_guard lock(mutex_);
      for (int fd : open_) ::shutdown(fd, SHUT_RDWR); // unblocks every handler
    }
    for (auto& t : workers_) t.join();
    ::close(listener_);
  }

  raw_server(const raw_server&) = delete;
  raw_server& operator=(const raw_server&) = delete;

  std::uint16_t port() const { return port_; }

  std::atomic<int> accepted{0}, active{0}, max_active{0}, requests{0}, handshake_failures{0};

private:
  void accept_loop() {
    while (!stopping_) {
      pollfd p{listener_, POLLIN, 0};
      if (::poll(&p, 1, 10) <= 0) continue;
      int fd = ::accept(listener_, nullptr, nullptr);
      if (fd < 0) continue;
      timeval limit{5, 0};
      ::setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &limit, sizeof limit);
      ::setsockopt(fd, SOL_SOCKET, SO_SNDTIMEO, &limit, sizeof limit);
      const auto index = static_cast<std::size_t>(accepted++);
      const int now = ++active;
      for (int seen = max_active.load(); now > seen && !max_active.compare_exchange_weak(seen, now);) {}
      std::lock_guard lock(mutex_);
      open_.insert(fd);
      workers_.emplace_back([this, fd, index] { serve(fd, index); });
    }
  }

  void serve(int fd, std::size_t index) {
    peer p;
    p.fd = fd;
    p.index = index;
    p.server = this;
    if (tls_) {
      p.ssl = SSL_new(tls_);
      SSL_set_fd(p.ssl, fd);
      if (SSL_accept(p.ssl) <= 0) {
        ++handshake_failures;
        ERR_clear_error();
      } else {
        handler_(p);
      }
      SSL_free(p.ssl);
    } else {
      handler_(p);
    }
    {
      std::lock_guard lock(mutex_);
      open_.erase(fd);
      ::close(fd);
    }
    --active;
  }

  handler handler_;
  SSL_CTX* tls_;
  int listener_ = -1;
  std::uint16_t port_ = 0;
  std::atomic<bool> stopping_{false};
  std::thread acceptor_;
  std::mutex mutex_;
  std::set<int> open_;
  std::vector<std::thread> workers_;
};

std::optional<std::string> peer::read_request() {
  for (;;) {
    auto end = pending.find("\r\n\r\n");
    if (end != std::string::npos) {
      std::string head = pending.substr(0, end + 4);
      std::string lower = head;
      std::transform(lower.begin(), lower.end(), lower.begin(),
                     [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
      std::size_t length = 0;
      if (auto at = lower.find("\r\ncontent-length:"); at != std::string::npos)
        length = std::stoul(lower.substr(at + 17));
      if (pending.size() >= head.size() + length) {
        std::string request = pending.substr(0, head.size() + length);
        pending.erase(0, request.size());
        ++server->requests;
        return request;
      }
    }
    char buffer[4096];
    long n = receive(buffer, sizeof buffer);
    if (n <= 0) return std::nullopt;
    pending.append(buffer, static_cast<std::size_t>(n));
  }
}

constexpr std::string_view ok_response = "HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok";

// Answers every request with "ok", keep-alive.
void serve_ok(peer& p) {
  while (p.read_request())
    if (!p.send(ok_response)) return;
}

// Reads one request and never answers.
void hang(peer& p) {
  if (p.read_request()) p.wait_for_close();
}

std::uint16_t closed_port() {
  int fd = ::socket(AF_INET, SOCK_STREAM, 0);
  sockaddr_in address{};
  address.sin_family = AF_INET;
  address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  ::bind(fd, reinterpret_cast<sockaddr*>(&address), sizeof address);
  socklen_t size = sizeof address;
  ::getsockname(fd, reinterpret_cast<sockaddr*>(&address), &size);
  ::close(fd);
  return ntohs(address.sin_port);
}

// ---- URL parsing and request serialization -----------------------------------------------------

TEST(HttpClientUrl, ParsesWhatItAccepts) {
  using http_client_detail::parse_url;
  http_client_detail::target_url u;
  std::string why;
  ASSERT_TRUE(parse_url("http://127.0.0.1:8080/bid?x=1#frag", u, why)) << why;
  EXPECT_FALSE(u.tls);
  EXPECT_EQ(u.host, "127.0.0.1");
  EXPECT_EQ(u.port, 8080);
  EXPECT_EQ(u.target, "/bid?x=1");
  ASSERT_TRUE(parse_url("HTTPS://Api.Telnyx.com/v2/calls", u, why)) << why;
  EXPECT_TRUE(u.tls);
  EXPECT_EQ(u.port, 443);
  EXPECT_EQ(http_client_detail::host_name(u), "api.telnyx.com");
  std::string key;
  http_client_detail::host_key(u, key);
  EXPECT_EQ(key, "https://api.telnyx.com:443");
  ASSERT_TRUE(parse_url("http://[::1]:81", u, why)) << why;
  EXPECT_TRUE(u.ipv6);
  EXPECT_EQ(u.host, "::1");
  EXPECT_EQ(u.port, 81);
  EXPECT_EQ(u.target, "");
  ASSERT_TRUE(parse_url("http://h?q", u, why)) << why;
  EXPECT_EQ(u.port, 80);
  EXPECT_EQ(u.target, "?q");

  http_client_request r = make("http://[::1]:81?q", "POST", "{}");
  r.headers = {{"Content-Type", "application/json"}, {"Content-Length", "99"}};
  ASSERT_TRUE(parse_url(r.url, u, why));
  http_client_detail::wire_request wire;
  ASSERT_TRUE(http_client_detail::build_request(r, u, wire, why)) << why;
  EXPECT_EQ(wire.bytes, "POST /?q HTTP/1.1\r\nHost: [::1]:81\r\nContent-Type: application/json\r\n"
                        "Content-Length: 2\r\n\r\n{}");
  EXPECT_FALSE(wire.idempotent);
  r = make("https://h:443/x");
  r.headers = {{"Host", "other"}, {"Connection", "close"}};
  ASSERT_TRUE(parse_url(r.url, u, why));
  ASSERT_TRUE(http_client_detail::build_request(r, u, wire, why)) << why;
  EXPECT_EQ(wire.bytes, "GET /x HTTP/1.1\r\nHost: other\r\nConnection: close\r\n\r\n");
  EXPECT_TRUE(wire.idempotent);
  EXPECT_TRUE(wire.close);
}

TEST(HttpClientUrl, RejectsEverythingElse) {
  for (std::string url : {"",
                          "127.0.0.1/x",
                          "ftp://127.0.0.1/",
                          "http:/127.0.0.1/",
                          "http://",
                          "http:///x",
                          "http://:80/",
                          "http://127.0.0.1:/",
                          "http://127.0.0.1:0/",
                          "http://127.0.0.1:65536/",
                          "http://127.0.0.1:8o/",
                          "http://127.0.0.1:+80/",
                          "http://127.0.0.1:080080/",
                          "http://user@127.0.0.1/",
                          "http://127.0.0.1/a b",
                          "http://127.0.0.1/\x01",
                          "http://127.0.0.1/\xc3\xa9",
                          "http://[::1/",
                          "http://[]/",
                          "http://[::1]x/",
                          "http://ho st/",
                          "http://h%41/"}) {
    http_client_detail::target_url u;
    std::string why;
    EXPECT_FALSE(http_client_detail::parse_url(url, u, why)) << url;
    EXPECT_FALSE(why.empty()) << url;
  }
}

TEST(HttpClient, BadUrlsAndRequestsFailOnAnIoThread) {
  http_client client;
  auto box = std::make_shared<inbox>();
  client.send(make("ftp://127.0.0.1/x"), into(box));
  client.send(make("http://127.0.0.1:99999/"), into(box));
  auto bad_method = make(local(1), "GE T");
  client.send(bad_method, into(box));
  auto injected = make(local(1));
  injected.headers = {{"X-A", "1\r\nX-Injected: 1"}};
  client.send(injected, into(box));
  auto bad_name = make(local(1));
  bad_name.headers = {{"X A", "1"}};
  client.send(bad_name, into(box));
  ASSERT_TRUE(box->wait(5));
  std::lock_guard lock(box->mutex);
  std::multiset<http_client_error> errors;
  for (std::size_t i = 0; i < box->got.size(); ++i) {
    errors.insert(box->got[i].error);
    EXPECT_NE(box->threads[i], std::this_thread::get_id());
    EXPECT_FALSE(box->got[i].error_detail.empty());
  }
  EXPECT_EQ(errors.count(http_client_error::bad_url), 2u);
  EXPECT_EQ(errors.count(http_client_error::bad_request), 3u);
  EXPECT_EQ(client.statistics().errors, 5u);
  EXPECT_EQ(client.statistics().connections_opened, 0u);
  EXPECT_EQ(to_string(http_client_error::pool_exhausted), "pool_exhausted");
}

// ---- against ringbid's http_server -------------------------------------------------------------

TEST(HttpClient, GetAndPostRoundTrip) {
  http_server server;
  server.route("GET", "/hello", [](http_request&&, http_responder respond) {
    auto r = text("hi");
    r.headers.emplace_back("X-Reply", "yes");
    respond(r);
  });
  server.route("POST", "/echo", [](http_request&& q, http_responder respond) {
    respond(text(q.method + "|" + std::string(q.header("x-test")) + "|" + std::string(q.header("content-type")) + "|" +
                 q.query + "|" + q.body + "|" + std::string(q.header("host"))));
  });
  server.route_prefix("GET", "/", [](http_request&& q, http_responder respond) { respond(text(q.target)); });
  const auto port = listen_local(server);
  http_client client;

  auto r = fetch(client, make(local(port, "/hello")));
  ASSERT_TRUE(r.ok()) << to_string(r.error) << " " << r.error_detail;
  EXPECT_EQ(r.status, 200);
  EXPECT_EQ(r.body, "hi");
  EXPECT_EQ(r.header("x-reply"), "yes");
  EXPECT_EQ(r.header("CONTENT-TYPE"), "text/plain; charset=utf-8");
  EXPECT_EQ(r.header("absent"), "");
  EXPECT_FALSE(r.reused_connection);
  EXPECT_GT(r.elapsed.count(), 0);

  auto post = make(local(port, "/echo?x=1#fragment"), "POST", "{\"a\":1}");
  post.headers = {{"X-Test", "abc"}, {"Content-Type", "application/json"}};
  r = fetch(client, post);
  ASSERT_TRUE(r.ok()) << r.error_detail;
  EXPECT_EQ(r.body, "POST|abc|application/json|x=1|{\"a\":1}|127.0.0.1:" + std::to_string(port));

  EXPECT_EQ(fetch(client, make(local(port, ""))).body, "/");
  EXPECT_EQ(fetch(client, make("HTTP://127.0.0.1:" + std::to_string(port) + "?a=b")).body, "/?a=b");
  auto refused = fetch(client, make(local(port, "/missing"), "DELETE"));
  EXPECT_TRUE(refused.ok()); // any status is a response
  EXPECT_EQ(refused.status, 405);
}

TEST(HttpClient, KeepAliveConnectionIsReused) {
  http_server server;
  server.route("GET", "/", [](http_request&&, http_responder respond) { respond(text("x")); });
  const auto port = listen_local(server);
  http_client client;
  auto first = fetch(client, make(local(port)));
  auto second = fetch(client, make(local(port)));
  ASSERT_TRUE(first.ok() && second.ok()) << second.error_detail;
  EXPECT_FALSE(first.reused_connection);
  EXPECT_TRUE(second.reused_connection);
  auto s = client.statistics();
  EXPECT_EQ(s.requests, 2u);
  EXPECT_EQ(s.connections_opened, 1u);
  EXPECT_EQ(s.reused, 1u);
  EXPECT_EQ(s.errors, 0u);
  EXPECT_EQ(server.statistics().accepted, 1u);
}

TEST(HttpClient, IdleConnectionsCloseAfterKeepalive) {
  http_server server;
  server.route("GET", "/", [](http_request&&, http_responder respond) { respond(text("x")); });
  const auto port = listen_local(server);
  http_client_options options;
  options.idle_keepalive = 50ms;
  http_client client(options);
  EXPECT_EQ(fetch(client, make(local(port))).body, "x");
  EXPECT_EQ(server.statistics().active, 1u);
  EXPECT_TRUE(eventually([&] { return server.statistics().active == 0; }, 1s)); // closed by the client
  auto again = fetch(client, make(local(port)));
  EXPECT_EQ(again.body, "x");
  EXPECT_FALSE(again.reused_connection);
  EXPECT_EQ(client.statistics().connections_opened, 2u);
}

// "127.1" is not an address for inet_pton but getaddrinfo reads it as 127.0.0.1 without any DNS:
// the resolver's path, on loopback only.
TEST(HttpClient, HostNamesGoThroughTheResolver) {
  http_server server;
  server.route("GET", "/",
               [](http_request&& q, http_responder respond) { respond(text(std::string(q.header("host")))); });
  const auto port = listen_local(server);
  http_client client;
  auto r = fetch(client, make("http://127.1:" + std::to_string(port) + "/"));
  ASSERT_TRUE(r.ok()) << to_string(r.error) << " " << r.error_detail;
  EXPECT_EQ(r.body, "127.1:" + std::to_string(port));
}

TEST(HttpClient, ConnectionCloseFromServerIsNotPooled) {
  http_server server;
  server.route("GET", "/", [](http_request&&, http_responder respond) {
    auto r = text("bye");
    r.headers.emplace_back("Connection", "close");
    respond(r);
  });
  const auto port = listen_local(server);
  http_client client;
  EXPECT_EQ(fetch(client, make(local(port))).body, "bye");
  auto second = fetch(client, make(local(port)));
  EXPECT_EQ(second.body, "bye");
  EXPECT_FALSE(second.reused_connection);
  EXPECT_EQ(client.statistics().connections_opened, 2u);
  EXPECT_EQ(client.statistics().retries, 0u);
}

TEST(HttpClient, ManyThreadsSendConcurrentlyWithTwoIoThreads) {
  http_server server({}, 2);
  server.route("POST", "/n", [](http_request&& q, http_responder respond) { respond(text(q.body)); });
  const auto port = listen_local(server);
  http_client_options options;
  options.io_threads = 2;
  options.max_connections_per_host = 4;
  http_client client(options);
  auto box = std::make_shared<inbox>();
  std::vector<std::thread> senders;
  for (int t = 0; t < 4; ++t)
    senders.emplace_back([&, t] {
      for (int i = 0; i < 200; ++i)
        client.send(make(local(port, "/n"), "POST", std::to_string(t * 1000 + i)), into(box));
    });
  for (auto& t : senders) t.join();
  ASSERT_TRUE(box->wait(800, 10s));
  std::lock_guard lock(box->mutex);
  std::set<std::string> bodies;
  for (const auto& r : box->got) {
    EXPECT_TRUE(r.ok()) << to_string(r.error) << " " << r.error_detail;
    bodies.insert(r.body);
  }
  EXPECT_EQ(bodies.size(), 800u);
  EXPECT_LE(client.statistics().connections_opened, 4u);
}

// The auction's pattern: 10 pings at once, the next round when all 10 are back. Rounds are driven
// from the callbacks, on the client's io thread, like an auction actor would (no extra hops).
TEST(HttpClient, FanOutTenTimesThousandRounds) {
  http_server server;
  server.route("POST", "/bid", [](http_request&&, http_responder respond) {
    http_response r;
    r.content_type = "application/json";
    r.body = R"({"bid":{"buyer":7,"cents":1250,"accept":true}})";
    respond(std::move(r));
  });
  const auto port = listen_local(server);
  http_client client;
  auto ping =
    make(local(port, "/bid"), "POST",
         R"({"call_id":"c-000123","did":"+18005550123","caller_state":"TX","campaign":42,"tmax":500})", 500ms);
  ping.headers = {{"Content-Type", "application/json"}};

  struct driver {
    driver(http_client& c, const http_client_request& p) : client(c), ping(p) {}
    http_client& client;
    const http_client_request& ping;
    int left = 0;
    double cpu_start = 0, cpu_end = 0; // of the io thread, where all but the first round run
    std::atomic<int> pending{0}, failures{0};
    std::promise<void> finished;

    void round() {
      pending = 10;
      for (int i = 0; i < 10; ++i)
        client.send(ping, [this](http_client_response r) {
          if (!r.ok() || r.status != 200) ++failures;
          if (--pending > 0) return;
          if (cpu_start == 0) cpu_start = thread_cpu_seconds();
          if (--left > 0) return round();
          cpu_end = thread_cpu_seconds();
          finished.set_value();
        });
    }
    void run(int n) {
      left = n;
      cpu_start = 0;
      finished = {};
      auto done = finished.get_future();
      round();
      ASSERT_EQ(done.wait_for(60s), std::future_status::ready);
    }
  } d(client, ping);

  d.run(20); // warm-up: connections opened
  const auto t0 = steady::now();
  d.run(1000);
  const double seconds = std::chrono::duration<double>(steady::now() - t0).count();
  std::printf("[ fan-out  ] 10 x 1000 rounds in %.3f s: %.0f auctions/s = %.0f requests/s; "
              "client io thread CPU %.1f us/request\n",
              seconds, 1000 / seconds, 10000 / seconds, (d.cpu_end - d.cpu_start) / 9990 * 1e6);
  EXPECT_EQ(d.failures.load(), 0);
  const auto s = client.statistics();
  EXPECT_EQ(s.requests, 10200u);
  EXPECT_LE(s.connections_opened, 10u);
  EXPECT_EQ(s.reused + s.connections_opened, 10200u);
  EXPECT_LE(server.statistics().accepted, 10u);
}

// ---- pool bound, queue, stop -------------------------------------------------------------------

TEST(HttpClient, PoolIsBounded) {
  raw_server server([](peer& p) {
    while (p.read_request()) {
      std::this_thread::sleep_for(20ms);
      if (!p.send(ok_response)) return;
    }
  });
  http_client_options options;
  options.max_connections_per_host = 2;
  http_client client(options);
  auto box = std::make_shared<inbox>();
  for (int i = 0; i < 10; ++i) client.send(make(local(server.port()), "GET", "", 3s), into(box));
  ASSERT_TRUE(box->wait(10));
  std::lock_guard lock(box->mutex);
  for (const auto& r : box->got) EXPECT_EQ(r.body, "ok") << r.error_detail;
  EXPECT_EQ(server.accepted.load(), 2);
  EXPECT_LE(server.max_active.load(), 2);
  EXPECT_EQ(client.statistics().connections_opened, 2u);
  EXPECT_EQ(client.statistics().reused, 8u);
}

TEST(HttpClient, FullQueueFailsWithPoolExhausted) {
  raw_server server(hang);
  http_client_options options;
  options.max_connections_per_host = 1;
  options.max_queued_per_host = 2;
  http_client client(options);
  auto box = std::make_shared<inbox>();
  // The first holds the only connection longer than the queued ones wait, so
  // they time out in the queue and no second connection is ever opened.
  client.send(make(local(server.port()), "GET", "", 1000ms), into(box));
  for (int i = 1; i < 4; ++i) client.send(make(local(server.port()), "GET", "", 300ms), into(box));
  ASSERT_TRUE(box->wait(1));
  {
    std::lock_guard lock(box->mutex);
    // First, at once: before any queued request could time out.
    EXPECT_EQ(box->got[0].error, http_client_error::pool_exhausted);
  }
  ASSERT_TRUE(box->wait(4));
  std::lock_guard lock(box->mutex);
  for (std::size_t i = 1; i < 4; ++i) EXPECT_EQ(box->got[i].error, http_client_error::timeout); // queued ones too
  EXPECT_EQ(server.accepted.load(), 1);
  EXPECT_EQ(client.statistics().timeouts, 3u);
  EXPECT_EQ(client.statistics().errors, 4u);
}

TEST(HttpClient, StopFailsInFlightAndQueuedOnce) {
  raw_server server(hang);
  std::vector<std::atomic<int>> calls(7);
  std::vector<std::atomic<int>> stopped(7);
  const auto main_thread = std::this_thread::get_id();
  std::atomic<int> on_main{0};
  {
    http_client_options options;
    options.max_connections_per_host = 2;
    http_client client(options);
    for (std::size_t i = 0; i < 6; ++i)
      client.send(make(local(server.port()), "GET", "", 10s), [&, i](http_client_response r) {
        ++calls[i];
        if (r.error == http_client_error::client_stopped) ++stopped[i];
        if (std::this_thread::get_id() == main_thread) ++on_main;
      });
    ASSERT_TRUE(eventually([&] { return server.requests.load() == 2; }));
    const auto t0 = steady::now();
    client.stop();
    EXPECT_LT(steady::now() - t0, 500ms);
    for (std::size_t i = 0; i < 6; ++i) {
      EXPECT_EQ(calls[i].load(), 1) << i;
      EXPECT_EQ(stopped[i].load(), 1) << i;
    }
    EXPECT_EQ(on_main.load(), 0);
    client.stop(); // idempotent
    client.send(make(local(server.port())), [&](http_client_response r) {
      ++calls[6];
      if (r.error == http_client_error::client_stopped) ++stopped[6];
      if (std::this_thread::get_id() == main_thread) ++on_main;
    });
    EXPECT_EQ(calls[6].load(), 1); // at once, on this thread
    EXPECT_EQ(stopped[6].load(), 1);
    EXPECT_EQ(on_main.load(), 1);
  }
  // The destructor stops too.
  auto box = std::make_shared<inbox>();
  {
    http_client client;
    for (int i = 0; i < 3; ++i) client.send(make(local(server.port()), "POST", "x", 10s), into(box));
    ASSERT_TRUE(eventually([&] { return server.requests.load() >= 4; }));
  }
  std::lock_guard lock(box->mutex);
  ASSERT_EQ(box->got.size(), 3u);
  for (const auto& r : box->got) EXPECT_EQ(r.error, http_client_error::client_stopped);
  EXPECT_TRUE(eventually([&] { return server.active.load() == 0; })); // connections were closed
}

// ---- stale keep-alive connections and the retry rule -------------------------------------------

TEST(HttpClient, IdleConnectionClosedByServerIsNotUsed) {
  raw_server server([](peer& p) { // keep-alive promised, then closed right away
    if (p.read_request()) p.send(ok_response);
  });
  http_client client;
  EXPECT_EQ(fetch(client, make(local(server.port()), "POST", "1")).body, "ok");
  ASSERT_TRUE(eventually([&] { return server.active.load() == 0; }));
  std::this_thread::sleep_for(5ms); // the FIN has arrived
  auto second = fetch(client, make(local(server.port()), "POST", "2"));
  EXPECT_EQ(second.body, "ok") << second.error_detail;
  EXPECT_FALSE(second.reused_connection);
  EXPECT_EQ(client.statistics().connections_opened, 2u);
  EXPECT_EQ(client.statistics().retries, 0u);
  EXPECT_EQ(server.requests.load(), 2);
}

TEST(HttpClient, PostRetriedAfterEofWithoutAByte) {
  // The first connection answers once, then reads the next request and closes (FIN): what a
  // server's idle timeout racing the request looks like. The POST goes again on a new connection.
  raw_server server([](peer& p) {
    if (p.index > 0) return serve_ok(p);
    if (p.read_request()) p.send(ok_response);
    p.read_request();
  });
  http_client client;
  EXPECT_EQ(fetch(client, make(local(server.port()), "POST", "1")).body, "ok");
  auto second = fetch(client, make(local(server.port()), "POST", "2"));
  EXPECT_EQ(second.body, "ok") << second.error_detail;
  EXPECT_FALSE(second.reused_connection); // answered on the fresh one
  EXPECT_EQ(client.statistics().retries, 1u);
  EXPECT_EQ(client.statistics().connections_opened, 2u);
  EXPECT_EQ(server.requests.load(), 3); // the second POST arrived twice: the documented hazard
}

TEST(HttpClient, ResetRetriedForGetButNotForPost) {
  // Every connection answers its first request and resets (RST) on the second.
  raw_server server([](peer& p) {
    if (p.read_request()) p.send(ok_response);
    if (p.read_request()) p.reset_on_close();
  });
  http_client client;
  const auto url = local(server.port());
  EXPECT_EQ(fetch(client, make(url, "POST", "1")).body, "ok");
  auto post = fetch(client, make(url, "POST", "2"));
  EXPECT_EQ(post.error, http_client_error::connection_closed) << post.error_detail;
  EXPECT_TRUE(post.reused_connection);
  EXPECT_EQ(client.statistics().retries, 0u);

  EXPECT_EQ(fetch(client, make(url, "GET")).body, "ok"); // a fresh connection
  auto get = fetch(client, make(url, "GET"));
  EXPECT_EQ(get.body, "ok") << get.error_detail;
  EXPECT_EQ(client.statistics().retries, 1u);
  EXPECT_EQ(client.statistics().connections_opened, 3u);
}

TEST(HttpClient, FailureOnAFreshConnectionIsNotRetried) {
  raw_server server([](peer& p) { p.read_request(); }); // reads, closes without a word
  http_client client;
  auto r = fetch(client, make(local(server.port()), "GET"));
  EXPECT_EQ(r.error, http_client_error::connection_closed);
  EXPECT_EQ(client.statistics().connections_opened, 1u);
  EXPECT_EQ(client.statistics().retries, 0u);
}

// ---- deadlines, limits, broken servers ---------------------------------------------------------

TEST(HttpClient, HangingServerTimesOutOnTime) {
  raw_server server(hang);
  http_client client;
  const auto t0 = steady::now();
  auto r = fetch(client, make(local(server.port()), "POST", "x", 500ms));
  const auto wall = std::chrono::duration_cast<std::chrono::microseconds>(steady::now() - t0);
  std::printf("[ deadline ] 500 ms request to a hanging server: callback after %.1f ms (elapsed %.1f ms)\n",
              static_cast<double>(wall.count()) / 1000, static_cast<double>(r.elapsed.count()) / 1000);
  EXPECT_EQ(r.error, http_client_error::timeout);
  EXPECT_GE(r.elapsed, 500ms);
  EXPECT_LT(wall, 560ms);
  EXPECT_TRUE(eventually([&] { return server.active.load() == 0; })); // the connection was closed
  EXPECT_EQ(client.statistics().timeouts, 1u);
}

TEST(HttpClient, TricklingBodyTimesOut) {
  raw_server server([](peer& p) {
    if (!p.read_request() || !p.send("HTTP/1.1 200 OK\r\nContent-Length: 10000\r\n\r\n")) return;
    while (p.send("x")) std::this_thread::sleep_for(20ms);
  });
  http_client client;
  auto r = fetch(client, make(local(server.port()), "GET", "", 300ms));
  EXPECT_EQ(r.error, http_client_error::timeout);
  EXPECT_LT(r.elapsed, 360ms);
}

TEST(HttpClient, OversizedResponsesFailWithTooLarge) {
  raw_server server([](peer& p) {
    while (auto request = p.read_request()) {
      const auto target = target_of(*request);
      if (target == "/length") { // announced too large: fails before the body
        p.send("HTTP/1.1 200 OK\r\nContent-Length: 100000\r\n\r\n");
        p.wait_for_close();
        return;
      }
      if (target == "/chunked") { // endless chunks
        if (!p.send("HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n")) return;
        while (p.send("400\r\n" + std::string(1024, 'c') + "\r\n")) {}
        return;
      }
      if (target == "/eof") { // HTTP/1.0, body until close, endless
        if (!p.send("HTTP/1.0 200 OK\r\n\r\n")) return;
        while (p.send(std::string(4096, 'e'))) {}
        return;
      }
      if (target == "/header") {
        p.send("HTTP/1.1 200 OK\r\nX-Big: " + std::string(2000, 'h') + "\r\nContent-Length: 0\r\n\r\n");
        return;
      }
      if (!p.send(ok_response)) return; // 40 bytes
    }
  });
  http_client client;
  const auto url = [&](const char* target) { return local(server.port(), target); };
  for (const char* target : {"/length", "/chunked", "/eof"}) {
    auto r = fetch(client, make(url(target), "GET", "", 5s));
    EXPECT_EQ(r.error, http_client_error::too_large) << target << " " << to_string(r.error) << " " << r.error_detail;
    EXPECT_LT(r.elapsed, 1s) << target;
  }
  auto small = make(url("/header"));
  small.max_response_bytes = 1024;
  EXPECT_EQ(fetch(client, small).error, http_client_error::too_large);

  auto exact = make(url("/ok"));
  exact.max_response_bytes = ok_response.size(); // header + body exactly at the limit: fine
  EXPECT_EQ(fetch(client, exact).body, "ok");
  exact.max_response_bytes = ok_response.size() - 1;
  auto over = fetch(client, exact);
  EXPECT_EQ(over.error, http_client_error::too_large);
  EXPECT_TRUE(over.reused_connection);
  auto after = fetch(client, make(url("/ok")));
  EXPECT_EQ(after.body, "ok");
  EXPECT_FALSE(after.reused_connection); // the oversized one's connection was discarded
}

TEST(HttpClient, GarbageIsMalformed) {
  raw_server server([](peer& p) {
    auto request = p.read_request();
    if (!request) return;
    if (target_of(*request) == "/garbage")
      p.send("garbage\r\n\r\n");
    else
      p.send("HTTP/1.1 200 OK\r\nContent-Length: abc\r\n\r\n");
  });
  http_client client;
  auto r = fetch(client, make(local(server.port(), "/garbage")));
  EXPECT_EQ(r.error, http_client_error::malformed_response) << r.error_detail;
  EXPECT_EQ(r.status, 0);
  EXPECT_EQ(fetch(client, make(local(server.port(), "/length"))).error, http_client_error::malformed_response);
}

TEST(HttpClient, Http10InterimAndHeadResponses) {
  raw_server server([](peer& p) {
    while (auto request = p.read_request()) {
      const auto target = target_of(*request);
      if (target == "/10") { // body delimited by the close
        p.send("HTTP/1.0 200 OK\r\nContent-Type: text/plain\r\n\r\nhello");
        return;
      }
      if (target == "/10-keep-alive")
        p.send("HTTP/1.0 200 OK\r\nConnection: keep-alive\r\nContent-Length: 2\r\n\r\nka");
      else if (target == "/continue")
        p.send("HTTP/1.1 100 Continue\r\n\r\nHTTP/1.1 201 Created\r\nContent-Length: 2\r\n\r\nok");
      else if (target == "/head")
        p.send("HTTP/1.1 200 OK\r\nContent-Length: 1000\r\n\r\n");
      else
        p.send("HTTP/1.1 204 No Content\r\n\r\n");
    }
  });
  http_client client;
  const auto url = [&](const char* target) { return local(server.port(), target); };
  auto r = fetch(client, make(url("/10")));
  EXPECT_EQ(r.body, "hello") << r.error_detail;
  EXPECT_EQ(r.header("content-type"), "text/plain");
  r = fetch(client, make(url("/10-keep-alive")));
  EXPECT_EQ(r.body, "ka");
  EXPECT_FALSE(r.reused_connection); // the HTTP/1.0 close-delimited one was not pooled
  r = fetch(client, make(url("/continue"), "POST", "x"));
  EXPECT_EQ(r.status, 201);
  EXPECT_EQ(r.body, "ok");
  EXPECT_TRUE(r.reused_connection); // 1.0 with keep-alive was
  r = fetch(client, make(url("/head"), "HEAD"));
  EXPECT_EQ(r.status, 200);
  EXPECT_EQ(r.body, "");
  r = fetch(client, make(url("/204")));
  EXPECT_EQ(r.status, 204);
  EXPECT_TRUE(r.reused_connection);
  EXPECT_EQ(client.statistics().connections_opened, 2u);
}

TEST(HttpClient, RefusedConnectionFails) {
  http_client client;
  auto r = fetch(client, make(local(closed_port())));
  EXPECT_EQ(r.error, http_client_error::connect_failed);
  EXPECT_FALSE(r.error_detail.empty());
  EXPECT_LT(r.elapsed, 500ms);
}

// ---- HTTPS -------------------------------------------------------------------------------------

// A self-signed certificate (its own CA) for `ip`, written as PEM into a temporary directory.
struct test_certificate {
  std::string dir, cert, key;

  explicit test_certificate(const char* ip) {
    char pattern[] = "/tmp/ringbid_http_client_XXXXXX";
    dir = ::mkdtemp(pattern);
    cert = dir + "/cert.pem";
    key = dir + "/key.pem";
    EVP_PKEY* pkey = EVP_EC_gen("P-256");
    X509* x = X509_new();
    X509_set_version(x, 2);
    ASN1_INTEGER_set(X509_get_serialNumber(x), 1);
    X509_gmtime_adj(X509_getm_notBefore(x), -3600);
    X509_gmtime_adj(X509_getm_notAfter(x), 86400);
    X509_set_pubkey(x, pkey);
    X509_NAME* name = X509_get_subject_name(x);
    const std::string common_name = std::string("ringbid test ") + ip; // distinct subjects
    X509_NAME_add_entry_by_txt(name, "CN", MBSTRING_ASC, reinterpret_cast<const unsigned char*>(common_name.c_str()),
                               -1, -1, 0);
    X509_set_issuer_name(x, name);
    X509V3_CTX ctx;
    X509V3_set_ctx_nodb(&ctx);
    X509V3_set_ctx(&ctx, x, x, nullptr, nullptr, 0);
    const std::string san = std::string("IP:") + ip;
    for (auto [nid, value] :
         {std::pair{NID_basic_constraints, std::string("critical,CA:TRUE")}, std::pair{NID_subject_alt_name, san}}) {
      X509_EXTENSION* ext = X509V3_EXT_conf_nid(nullptr, &ctx, nid, value.c_str());
      X509_add_ext(x, ext, -1);
      X509_EXTENSION_free(ext);
    }
    X509_sign(x, pkey, EVP_sha256());
    FILE* f = std::fopen(cert.c_str(), "w");
    PEM_write_X509(f, x);
    std::fclose(f);
    f = std::fopen(key.c_str(), "w");
    PEM_write_PrivateKey(f, pkey, nullptr, nullptr, 0, nullptr, nullptr);
    std::fclose(f);
    X509_free(x);
    EVP_PKEY_free(pkey);
  }
  ~test_certificate() {
    std::remove(cert.c_str());
    std::remove(key.c_str());
    ::rmdir(dir.c_str());
  }
};

struct tls_server_context {
  SSL_CTX* ctx = SSL_CTX_new(TLS_server_method());
  explicit tls_server_context(const test_certificate& c) {
    EXPECT_EQ(SSL_CTX_use_certificate_file(ctx, c.cert.c_str(), SSL_FILETYPE_PEM), 1);
    EXPECT_EQ(SSL_CTX_use_PrivateKey_file(ctx, c.key.c_str(), SSL_FILETYPE_PEM), 1);
  }
  ~tls_server_context() { SSL_CTX_free(ctx); }
};

TEST(HttpClient, HttpsRoundTripAndVerification) {
  test_certificate cert("127.0.0.1");
  test_certificate other("127.0.0.2");
  tls_server_context good(cert);
  tls_server_context wrong_ip(other);
  const auto handler = [](peer& p) {
    while (auto request = p.read_request())
      if (!p.send("HTTP/1.1 200 OK\r\nContent-Length: " + std::to_string(6 + request->size()) + "\r\n\r\nsecure" +
                  *request))
        return;
  };
  raw_server server(handler, good.ctx);
  raw_server mismatched(handler, wrong_ip.ctx);

  {
    const std::string bundle = cert.dir + "/bundle.pem"; // trusts both certificates
    {
      std::FILE* out = std::fopen(bundle.c_str(), "w");
      for (const auto* path : {&cert.cert, &other.cert}) {
        std::FILE* in = std::fopen(path->c_str(), "r");
        for (int c; (c = std::fgetc(in)) != EOF;) std::fputc(c, out);
        std::fclose(in);
      }
      std::fclose(out);
    }
    http_client_options options;
    options.ca_file = bundle;
    http_client client(options);
    auto r = fetch(client, make(local(server.port(), "/tls", "https"), "POST", "body"));
    ASSERT_TRUE(r.ok()) << to_string(r.error) << " " << r.error_detail;
    EXPECT_EQ(r.body.substr(0, 6), "secure");
    EXPECT_NE(r.body.find("POST /tls HTTP/1.1\r\n"), std::string::npos);
    EXPECT_NE(r.body.find("\r\n\r\nbody"), std::string::npos);
    auto second = fetch(client, make(local(server.port(), "/", "https")));
    EXPECT_TRUE(second.ok()) << second.error_detail;
    EXPECT_TRUE(second.reused_connection);
    EXPECT_EQ(client.statistics().connections_opened, 1u);

    // Trusted certificate, but for another address.
    auto r2 = fetch(client, make(local(mismatched.port(), "/", "https")));
    EXPECT_EQ(r2.error, http_client_error::tls_failed);
    EXPECT_NE(r2.error_detail.find("mismatch"), std::string::npos) << r2.error_detail;
    std::remove(bundle.c_str());
  }
  {
    http_client client; // the system's trust anchors: self-signed is refused
    auto r = fetch(client, make(local(server.port(), "/", "https")));
    EXPECT_EQ(r.error, http_client_error::tls_failed);
    EXPECT_NE(r.error_detail.find("self-signed"), std::string::npos) << r.error_detail;
  }
  {
    http_client_options options;
    options.verify_tls = false;
    http_client client(options);
    EXPECT_TRUE(fetch(client, make(local(server.port(), "/", "https"))).ok());
  }
  {
    http_client_options options;
    options.ca_file = cert.dir + "/missing.pem";
    http_client client(options);
    auto r = fetch(client, make(local(server.port(), "/", "https")));
    EXPECT_EQ(r.error, http_client_error::tls_failed);
    EXPECT_EQ(client.statistics().connections_opened, 0u);
  }
  EXPECT_GE(server.handshake_failures.load(), 1);
  EXPECT_GE(mismatched.handshake_failures.load(), 1);
}

} // namespace
} // namespace ringbid
