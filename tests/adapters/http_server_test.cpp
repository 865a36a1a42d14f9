#include "adapters/http/http_server.hpp"

#include <gtest/gtest.h>

#include <arpa/inet.h>
#include <netinet/in.h>
#include <poll.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <cctype>
#include <chrono>
#include <condition_variable>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <random>
#include <string>
#include <thread>
#include <vector>

// Clients are plain blocking sockets on 127.0.0.1 (the server listens there on port 0), so a test
// controls every byte: trickles, garbage, never reading, half-closing.

namespace ringbid {
namespace {

using namespace std::chrono_literals;
using steady = std::chrono::steady_clock;

struct reply {
  int status = 0;
  std::map<std::string, std::string> headers; // names lower-cased
  std::string body;

  std::string header(const std::string& name) const {
    auto it = headers.find(name);
    return it == headers.end() ? "" : it->second;
  }
};

class tcp_client {
public:
  explicit tcp_client(std::uint16_t port, int receive_buffer = 0) : fd_(::socket(AF_INET, SOCK_STREAM, 0)) {
    if (receive_buffer > 0) ::setsockopt(fd_, SOL_SOCKET, SO_RCVBUF, &receive_buffer, sizeof receive_buffer);
    timeval limit{5, 0}; // no test can hang on a read or write
    ::setsockopt(fd_, SOL_SOCKET, SO_RCVTIMEO, &limit, sizeof limit);
    ::setsockopt(fd_, SOL_SOCKET, SO_SNDTIMEO, &limit, sizeof limit);
    sockaddr_in address{};
    address.sin_family = AF_INET;
    address.sin_port = htons(port);
    address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    connected_ = ::connect(fd_, reinterpret_cast<sockaddr*>(&address), sizeof address) == 0;
  }
  ~tcp_client() { ::close(fd_); }
  tcp_client(const tcp_client&) = delete;
  tcp_client& operator=(const tcp_client&) = delete;

  bool connected() const { return connected_; }

  bool send(std::string_view data) {
    while (!data.empty()) {
      auto n = ::send(fd_, data.data(), data.size(), MSG_NOSIGNAL);
      if (n <= 0) return false;
      data.remove_prefix(static_cast<std::size_t>(n));
    }
    return true;
  }

  void shutdown_write() { ::shutdown(fd_, SHUT_WR); }

  /// Appends what arrives to the pending bytes; false on EOF, error or a 5 s silence.
  bool fill() {
    char buffer[65536];
    auto n = ::recv(fd_, buffer, sizeof buffer, 0);
    if (n <= 0) return false;
    pending_.append(buffer, static_cast<std::size_t>(n));
    return true;
  }

  /// True when the server closed the connection (EOF or reset) with nothing more sent.
  bool closed_by_server() {
    auto before = pending_.size();
    return !fill() && pending_.size() == before;
  }

  bool readable_within(std::chrono::milliseconds timeout) {
    pollfd p{fd_, POLLIN, 0};
    return ::poll(&p, 1, static_cast<int>(timeout.count())) > 0;
  }

  /// Status line and headers; the body stays pending.
  std::optional<reply> read_head() {
    std::size_t end = 0;
    while ((end = pending_.find("\r\n\r\n")) == std::string::npos)
      if (!fill()) return std::nullopt;
    reply r;
    std::string head = pending_.substr(0, end);
    pending_.erase(0, end + 4);
    if (head.size() < 12 || head.compare(0, 5, "HTTP/") != 0) return std::nullopt;
    r.status = std::stoi(head.substr(9, 3));
    for (std::size_t pos = head.find("\r\n"); pos != std::string::npos;) {
      auto next = head.find("\r\n", pos + 2);
      auto line = head.substr(pos + 2, next == std::string::npos ? std::string::npos : next - pos - 2);
      auto colon = line.find(':');
      std::string name = line.substr(0, colon);
      std::transform(name.begin(), name.end(), name.begin(),
                     [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
      auto value = colon == std::string::npos ? "" : line.substr(colon + 1);
      value.erase(0, value.find_first_not_of(' '));
      r.headers[name] = value;
      pos = next;
    }
    return r;
  }

  /// One response with a Content-Length body.
  std::optional<reply> read_response() {
    auto r = read_head();
    if (!r || r->header("content-length").empty()) return r;
    auto length = std::stoul(r->header("content-length"));
    while (pending_.size() < length)
      if (!fill()) return std::nullopt;
    r->body = pending_.substr(0, length);
    pending_.erase(0, length);
    return r;
  }

  /// Reads until `pending()` contains `needle`; false on EOF, error or timeout first.
  bool read_until(std::string_view needle) {
    while (pending_.find(needle) == std::string::npos)
      if (!fill()) return false;
    return true;
  }

  const std::string& pending() const { return pending_; }

private:
  int fd_;
  bool connected_ = false;
  std::string pending_;
};

std::string get(const std::string& target, const std::string& extra_headers = "") {
  return "GET " + target + " HTTP/1.1\r\nHost: test\r\n" + extra_headers + "\r\n";
}

std::string post(const std::string& target, const std::string& body) {
  return "POST " + target + " HTTP/1.1\r\nHost: test\r\nContent-Length: " + std::to_string(body.size()) + "\r\n\r\n" +
         body;
}

http_response text(std::string body) {
  http_response r;
  r.body = std::move(body);
  return r;
}

std::uint16_t listen_local(http_server& server) {
  auto result = server.listen("127.0.0.1", 0);
  EXPECT_TRUE(result.ok()) << result.error;
  EXPECT_NE(result.port, 0);
  return result.port;
}

bool eventually(const std::function<bool()>& condition, std::chrono::milliseconds timeout = 3s) {
  for (auto until = steady::now() + timeout; steady::now() < until; std::this_thread::sleep_for(5ms))
    if (condition()) return true;
  return condition();
}

http_server_limits short_timeouts() {
  http_server_limits limits;
  limits.read_timeout = 200ms;
  limits.idle_timeout = 300ms;
  return limits;
}

// Streams the handlers were given, by request query.
struct stream_box {
  std::mutex mutex;
  std::condition_variable changed;
  std::map<std::string, std::shared_ptr<http_stream>> streams;

  http_stream_handler handler() {
    return [this](http_request&& request, std::shared_ptr<http_stream> stream) {
      std::lock_guard lock(mutex);
      streams[request.query] = std::move(stream);
      changed.notify_all();
    };
  }

  std::shared_ptr<http_stream> wait(const std::string& query) {
    std::unique_lock lock(mutex);
    changed.wait_for(lock, 3s, [&] { return streams.count(query) > 0; });
    return streams.count(query) ? streams[query] : nullptr;
  }
};

// ---- routing and messages ---------------------------------------------------------------------

TEST(http_server, serves_get_and_post_routes) {
  http_server server;
  server.route("GET", "/hello", [](http_request&&, http_responder respond) { respond(text("hi")); });
  server.route("POST", "/echo", [](http_request&& request, http_responder respond) {
    http_response r;
    r.status = 201;
    r.content_type = "application/json";
    r.headers = {{"X-Echo", "yes"}, {"X-Bad", "a\r\nInjected: 1"}};
    r.body = std::move(request.body);
    respond(std::move(r));
  });
  tcp_client client(listen_local(server));

  ASSERT_TRUE(client.send(get("/hello")));
  auto hello = client.read_response();
  ASSERT_TRUE(hello);
  EXPECT_EQ(hello->status, 200);
  EXPECT_EQ(hello->body, "hi");
  EXPECT_EQ(hello->header("content-length"), "2");
  EXPECT_EQ(hello->header("content-type"), "text/plain; charset=utf-8");

  ASSERT_TRUE(client.send(post("/echo", R"({"n":42})")));
  auto echo = client.read_response();
  ASSERT_TRUE(echo);
  EXPECT_EQ(echo->status, 201);
  EXPECT_EQ(echo->body, R"({"n":42})");
  EXPECT_EQ(echo->header("content-type"), "application/json");
  EXPECT_EQ(echo->header("x-echo"), "yes");
  EXPECT_EQ(echo->header("x-bad"), ""); // a header that would split the response is not sent
  EXPECT_EQ(echo->header("injected"), "");
}

TEST(http_server, splits_the_target_and_finds_headers_in_any_case) {
  http_server server;
  std::mutex mutex;
  std::vector<http_request> seen;
  server.route("GET", "/inspect", [&](http_request&& request, http_responder respond) {
    std::lock_guard lock(mutex);
    seen.push_back(std::move(request));
    respond(text("ok"));
  });
  tcp_client client(listen_local(server));
  ASSERT_TRUE(client.send(get("/inspect?state=open&x=1", "X-Custom-Thing: v1\r\nx-other: v2\r\n")));
  ASSERT_TRUE(client.read_response());
  ASSERT_TRUE(client.send(get("/inspect")));
  ASSERT_TRUE(client.read_response());

  std::lock_guard lock(mutex);
  ASSERT_EQ(seen.size(), 2u);
  const auto& r = seen[0];
  EXPECT_EQ(r.method, "GET");
  EXPECT_EQ(r.target, "/inspect?state=open&x=1");
  EXPECT_EQ(r.path, "/inspect");
  EXPECT_EQ(r.query, "state=open&x=1");
  EXPECT_EQ(r.header("x-custom-thing"), "v1");
  EXPECT_EQ(r.header("X-CUSTOM-THING"), "v1");
  EXPECT_EQ(r.header("X-Other"), "v2");
  EXPECT_EQ(r.header("missing"), "");
  ASSERT_EQ(r.headers.size(), 3u);
  EXPECT_EQ(r.headers[1].first, "X-Custom-Thing"); // as received
  EXPECT_EQ(r.remote_address, "127.0.0.1");
  EXPECT_EQ(seen[1].path, "/inspect");
  EXPECT_EQ(seen[1].query, "");
}

TEST(http_server, answers_404_and_405_and_prefers_exact_routes) {
  http_server server;
  auto says = [](std::string what) {
    return [what](http_request&& request, http_responder respond) { respond(text(what + " " + request.path)); };
  };
  server.route("GET", "/thing", says("get"));
  server.route("POST", "/thing", says("post"));
  server.route_prefix("GET", "/api/v1/", says("prefix"));
  server.route_prefix("GET", "/api/v1/calls/", says("longer"));
  server.route("GET", "/api/v1/special", says("exact"));
  auto port = listen_local(server);

  auto fetch = [&](const std::string& request) {
    tcp_client client(port);
    client.send(request);
    auto r = client.read_response();
    return r ? *r : reply{};
  };
  EXPECT_EQ(fetch(get("/api/v1/leads?x=1")).body, "prefix /api/v1/leads");
  EXPECT_EQ(fetch(get("/api/v1/calls/7")).body, "longer /api/v1/calls/7");
  EXPECT_EQ(fetch(get("/api/v1/special")).body, "exact /api/v1/special");
  EXPECT_EQ(fetch(post("/thing", "")).body, "post /thing");

  tcp_client client(port);
  ASSERT_TRUE(client.send(get("/nothing")));
  auto missing = client.read_response();
  ASSERT_TRUE(missing);
  EXPECT_EQ(missing->status, 404);
  EXPECT_EQ(missing->body, R"({"error":"not found"})");
  EXPECT_EQ(missing->header("content-type"), "application/json");
  EXPECT_EQ(missing->header("connection"), "close");
  EXPECT_TRUE(client.closed_by_server());

  EXPECT_EQ(fetch(get("/api/v1")).status, 404);
  auto wrong = fetch("DELETE /thing HTTP/1.1\r\nHost: test\r\n\r\n");
  EXPECT_EQ(wrong.status, 405);
  EXPECT_EQ(wrong.header("allow"), "GET, POST");
  EXPECT_EQ(wrong.body, R"({"error":"method not allowed"})");
  EXPECT_EQ(fetch(post("/api/v1/x", "")).header("allow"), "GET");
}

TEST(http_server, keeps_connections_alive_and_honours_connection_close) {
  http_server server;
  server.route("GET", "/n", [](http_request&& request, http_responder respond) { respond(text(request.query)); });
  auto port = listen_local(server);
  {
    tcp_client client(port);
    for (int i = 0; i < 5; ++i) {
      ASSERT_TRUE(client.send(get("/n?" + std::to_string(i))));
      auto r = client.read_response();
      ASSERT_TRUE(r);
      EXPECT_EQ(r->body, std::to_string(i));
      EXPECT_EQ(r->header("connection"), "");
    }
    // Two requests in one write are answered in order.
    ASSERT_TRUE(client.send(get("/n?a") + get("/n?b")));
    EXPECT_EQ(client.read_response().value_or(reply{}).body, "a");
    EXPECT_EQ(client.read_response().value_or(reply{}).body, "b");
    ASSERT_TRUE(client.send(get("/n?last", "Connection: close\r\n")));
    auto last = client.read_response();
    ASSERT_TRUE(last);
    EXPECT_EQ(last->body, "last");
    EXPECT_EQ(last->header("connection"), "close");
    EXPECT_TRUE(client.closed_by_server());
  }
  {
    tcp_client client(port); // HTTP/1.0 closes unless asked to keep alive
    ASSERT_TRUE(client.send("GET /n?old HTTP/1.0\r\n\r\n"));
    EXPECT_EQ(client.read_response().value_or(reply{}).body, "old");
    EXPECT_TRUE(client.closed_by_server());
  }
  auto stats = server.statistics();
  EXPECT_EQ(stats.accepted, 2u);
  EXPECT_EQ(stats.requests, 9u);
}

TEST(http_server, answers_100_continue_before_reading_a_body) {
  http_server server;
  server.route("POST", "/echo", [](http_request&& request, http_responder respond) { respond(text(request.body)); });
  tcp_client client(listen_local(server));
  ASSERT_TRUE(client.send("POST /echo HTTP/1.1\r\nHost: test\r\nContent-Length: 5\r\nExpect: 100-continue\r\n\r\n"));
  auto interim = client.read_head();
  ASSERT_TRUE(interim);
  EXPECT_EQ(interim->status, 100);
  ASSERT_TRUE(client.send("hello"));
  EXPECT_EQ(client.read_response().value_or(reply{}).body, "hello");
}

// ---- responders -------------------------------------------------------------------------------

TEST(http_responder, first_call_wins_and_an_unused_one_answers_500) {
  std::vector<http_response> delivered;
  {
    http_responder respond([&](http_response r) { delivered.push_back(std::move(r)); });
    auto copy = respond;
    copy(text("first"));
    respond(text("second"));
  }
  ASSERT_EQ(delivered.size(), 1u);
  EXPECT_EQ(delivered[0].body, "first");
  {
    http_responder unused([&](http_response r) { delivered.push_back(std::move(r)); });
  }
  ASSERT_EQ(delivered.size(), 2u);
  EXPECT_EQ(delivered[1].status, 500);
  EXPECT_EQ(delivered[1].body, R"({"error":"no response"})");
}

TEST(http_server, accepts_a_response_from_another_thread_later) {
  http_server server;
  std::mutex mutex;
  std::vector<std::thread> workers;
  server.route("GET", "/later", [&](http_request&& request, http_responder respond) {
    std::lock_guard lock(mutex);
    workers.emplace_back([respond, query = request.query] {
      std::this_thread::sleep_for(100ms);
      respond(text("late " + query));
    });
  });
  tcp_client client(listen_local(server));
  for (int i = 0; i < 2; ++i) {
    auto start = steady::now();
    ASSERT_TRUE(client.send(get("/later?" + std::to_string(i))));
    auto r = client.read_response();
    ASSERT_TRUE(r);
    EXPECT_EQ(r->body, "late " + std::to_string(i));
    EXPECT_GE(steady::now() - start, 100ms);
  }
  std::lock_guard lock(mutex);
  for (auto& w : workers) w.join();
}

TEST(http_server, answers_500_when_a_handler_drops_its_responder_or_throws) {
  http_server server;
  server.route("GET", "/drop", [](http_request&&, http_responder) {});
  server.route("GET", "/throw", [](http_request&&, http_responder) { throw std::runtime_error("boom"); });
  auto port = listen_local(server);
  tcp_client dropper(port);
  ASSERT_TRUE(dropper.send(get("/drop")));
  auto dropped = dropper.read_response();
  ASSERT_TRUE(dropped);
  EXPECT_EQ(dropped->status, 500);
  EXPECT_EQ(dropped->body, R"({"error":"no response"})");
  EXPECT_TRUE(dropper.closed_by_server());

  tcp_client thrower(port);
  ASSERT_TRUE(thrower.send(get("/throw")));
  auto thrown = thrower.read_response();
  ASSERT_TRUE(thrown);
  EXPECT_EQ(thrown->status, 500);
  EXPECT_EQ(thrown->body, R"({"error":"internal error"})");
}

TEST(http_server, times_out_a_handler_that_never_responds) {
  http_server server(short_timeouts());
  std::mutex mutex;
  std::vector<http_responder> kept;
  server.route("GET", "/never", [&](http_request&&, http_responder respond) {
    std::lock_guard lock(mutex);
    kept.push_back(std::move(respond));
  });
  tcp_client client(listen_local(server));
  ASSERT_TRUE(client.send(get("/never")));
  auto r = client.read_response();
  ASSERT_TRUE(r);
  EXPECT_EQ(r->status, 503);
  EXPECT_EQ(r->body, R"({"error":"response timeout"})");
  EXPECT_TRUE(client.closed_by_server());
  EXPECT_EQ(server.statistics().timeouts, 1u);
  std::lock_guard lock(mutex);
  ASSERT_EQ(kept.size(), 1u);
  kept[0](text("too late")); // harmless
}

TEST(http_server, trickles_a_body_when_asked) {
  http_server server;
  server.route("GET", "/slow", [](http_request&&, http_responder respond) {
    auto r = text("0123456789");
    r.trickle_bytes = 3;
    r.trickle_interval = 100ms;
    respond(std::move(r));
  });
  server.route("GET", "/fast", [](http_request&&, http_responder respond) { respond(text("quick")); });
  tcp_client client(listen_local(server));
  auto start = steady::now();
  ASSERT_TRUE(client.send(get("/slow")));
  auto head = client.read_head(); // the head first
  ASSERT_TRUE(head);
  EXPECT_EQ(head->status, 200);
  EXPECT_EQ(head->header("content-length"), "10");
  ASSERT_TRUE(client.read_until("0123456789"));
  EXPECT_GE(steady::now() - start, 400ms); // 4 pieces, each after a pause
  EXPECT_EQ(client.pending(), "0123456789");
  // The connection goes on as usual (the next response read after the pending body).
  ASSERT_TRUE(client.send(get("/fast")));
  ASSERT_TRUE(client.read_until("quick"));
}

TEST(http_server, closes_a_connection_whose_client_left_while_awaiting_when_asked) {
  http_server_limits limits;
  limits.close_when_client_leaves = true;
  http_server server(limits);
  std::mutex mutex;
  std::vector<http_responder> parked;
  std::vector<std::thread> workers;
  server.route("GET", "/park", [&](http_request&&, http_responder respond) {
    std::lock_guard lock(mutex);
    parked.push_back(std::move(respond));
  });
  server.route("GET", "/later", [&](http_request&& request, http_responder respond) {
    std::lock_guard lock(mutex);
    workers.emplace_back([respond, query = request.query] {
      std::this_thread::sleep_for(50ms);
      respond(text("late " + query));
    });
  });
  auto port = listen_local(server);
  {
    tcp_client leaving(port);
    ASSERT_TRUE(leaving.send(get("/park")));
    ASSERT_TRUE(eventually([&] {
      std::lock_guard lock(mutex);
      return parked.size() == 1;
    }));
    EXPECT_EQ(server.statistics().active, 1u);
  } // closed: far sooner than idle_timeout (60 s), the server closes its side
  EXPECT_TRUE(eventually([&] { return server.statistics().active == 0; }));
  {
    std::lock_guard lock(mutex);
    parked[0](text("nobody there")); // harmless
  }

  // Clients that stay are served as before: deferred answers, keep-alive, pipelining, close.
  tcp_client client(port);
  for (int i = 0; i < 2; ++i) {
    ASSERT_TRUE(client.send(get("/later?" + std::to_string(i))));
    auto r = client.read_response();
    ASSERT_TRUE(r);
    EXPECT_EQ(r->body, "late " + std::to_string(i));
  }
  ASSERT_TRUE(client.send(get("/later?a") + get("/later?b")));
  for (const char* q : {"a", "b"}) {
    auto r = client.read_response();
    ASSERT_TRUE(r);
    EXPECT_EQ(r->body, std::string("late ") + q);
  }
  ASSERT_TRUE(client.send(get("/later?c", "Connection: close\r\n")));
  auto last = client.read_response();
  ASSERT_TRUE(last);
  EXPECT_EQ(last->body, "late c");
  EXPECT_TRUE(client.closed_by_server());
  std::lock_guard lock(mutex);
  for (auto& w : workers) w.join();
}

// ---- bad input --------------------------------------------------------------------------------

TEST(http_server, rejects_large_bodies_and_headers) {
  http_server_limits limits;
  limits.max_body_bytes = 1024;
  limits.max_header_bytes = 1024;
  http_server server(limits);
  server.route("POST", "/echo", [](http_request&& request, http_responder respond) { respond(text(request.body)); });
  auto port = listen_local(server);
  auto status_of = [&](const std::string& request) {
    tcp_client client(port);
    client.send(request);
    auto r = client.read_response();
    if (r && r->status >= 400) {
      EXPECT_TRUE(client.closed_by_server());
    }
    return r ? r->status : 0;
  };
  EXPECT_EQ(status_of(post("/echo", std::string(1024, 'a'))), 200);
  {
    tcp_client client(port); // declared too large: answered before the body is sent
    client.send("POST /echo HTTP/1.1\r\nHost: test\r\nContent-Length: 2000\r\n\r\n");
    auto r = client.read_response();
    ASSERT_TRUE(r);
    EXPECT_EQ(r->status, 413);
    EXPECT_EQ(r->body, R"({"error":"body too large"})");
  }
  EXPECT_EQ(status_of(post("/echo", std::string(3000, 'a'))), 413);
  EXPECT_EQ(status_of("POST /echo HTTP/1.1\r\nHost: test\r\nTransfer-Encoding: chunked\r\n\r\n800\r\n" +
                      std::string(2048, 'a') + "\r\n0\r\n\r\n"),
            413);
  {
    tcp_client client(port);
    client.send(get("/echo", "X-Big: " + std::string(2000, 'b') + "\r\n"));
    auto r = client.read_response();
    ASSERT_TRUE(r);
    EXPECT_EQ(r->status, 431);
    EXPECT_EQ(r->body, R"({"error":"headers too large"})");
  }
  EXPECT_EQ(server.statistics().too_large, 4u);
}

TEST(http_server, answers_400_to_malformed_requests_and_survives_garbage) {
  http_server server(short_timeouts());
  server.route("GET", "/hello", [](http_request&&, http_responder respond) { respond(text("hi")); });
  auto port = listen_local(server);
  auto status_of = [&](const std::string& bytes, bool half_close = false) {
    tcp_client client(port);
    client.send(bytes);
    if (half_close) client.shutdown_write();
    auto r = client.read_response();
    return r ? r->status : 0;
  };
  const char tls_bytes[] = "\x16\x03\x01\x02\x00\x01\x00\x01\xfc\x03\x03garbage\r\n\r\n";
  const std::string tls_hello(tls_bytes, sizeof tls_bytes - 1); // NULs included
  EXPECT_EQ(status_of(tls_hello), 400);
  EXPECT_EQ(status_of("GET\r\n\r\n"), 400);
  EXPECT_EQ(status_of("GET / FTP/1.1\r\n\r\n"), 400);
  EXPECT_EQ(status_of("GET /hello HTTP/1.1\r\nNo colon here\r\n\r\n"), 400);
  EXPECT_EQ(status_of("POST /hello HTTP/1.1\r\nContent-Length: abc\r\n\r\n"), 400);
  EXPECT_EQ(status_of("GET /hello HTTP/1.1\r\nHost: te", true), 400); // cut short
  auto stats = server.statistics();
  EXPECT_EQ(stats.bad_requests, 6u);

  std::mt19937 random(7); // fixed seed: the same bytes every run
  for (int i = 0; i < 100; ++i) {
    std::string junk(static_cast<std::size_t>(random() % 300 + 1), '\0');
    for (auto& c : junk) c = static_cast<char>(random());
    if (i % 2) junk = "GET /" + junk; // garbage past a plausible start
    tcp_client client(port);
    client.send(junk);
    client.shutdown_write();
    while (client.fill()) {}
  }
  EXPECT_EQ(status_of(get("/hello")), 200);
  EXPECT_TRUE(eventually([&] { return server.statistics().active == 0; }));
}

TEST(http_server, times_out_slow_and_silent_clients) {
  http_server server(short_timeouts()); // read 200 ms, idle 300 ms
  server.route("GET", "/hello", [](http_request&&, http_responder respond) { respond(text("hi")); });
  auto port = listen_local(server);

  tcp_client trickler(port); // a byte every 20 ms never completes the request in time
  const std::string request = get("/hello", "X-Padding: " + std::string(200, 'p') + "\r\n");
  auto start = steady::now();
  std::size_t sent = 0;
  while (sent < request.size() && !trickler.readable_within(20ms)) trickler.send(request.substr(sent++, 1));
  EXPECT_LT(sent, request.size());
  auto r = trickler.read_response();
  ASSERT_TRUE(r);
  EXPECT_EQ(r->status, 408);
  EXPECT_EQ(r->body, R"({"error":"request timeout"})");
  EXPECT_LT(steady::now() - start, 1500ms);

  tcp_client silent(port); // says nothing: closed without a word
  start = steady::now();
  EXPECT_TRUE(silent.closed_by_server());
  EXPECT_TRUE(silent.pending().empty());
  EXPECT_GE(steady::now() - start, 150ms);
  EXPECT_EQ(server.statistics().timeouts, 2u);

  tcp_client idle(port); // an idle keep-alive connection is closed quietly too
  ASSERT_TRUE(idle.send(get("/hello")));
  ASSERT_TRUE(idle.read_response());
  EXPECT_TRUE(idle.closed_by_server());
  EXPECT_EQ(server.statistics().timeouts, 2u); // an idle keep-alive ending is no timeout
}

// ---- load -------------------------------------------------------------------------------------

TEST(http_server, rejects_connections_beyond_the_limit) {
  http_server_limits limits;
  limits.max_connections = 2;
  http_server server(limits);
  server.route("GET", "/hello", [](http_request&&, http_responder respond) { respond(text("hi")); });
  auto port = listen_local(server);
  auto first = std::make_unique<tcp_client>(port);
  tcp_client second(port);
  for (auto* c : {first.get(), &second}) {
    ASSERT_TRUE(c->send(get("/hello")));
    ASSERT_TRUE(c->read_response());
  }
  tcp_client third(port);
  auto r = third.read_response();
  ASSERT_TRUE(r);
  EXPECT_EQ(r->status, 503);
  EXPECT_EQ(r->body, R"({"error":"too many connections"})");
  EXPECT_TRUE(third.closed_by_server());
  EXPECT_EQ(server.statistics().rejected_connections, 1u);

  first.reset();
  ASSERT_TRUE(eventually([&] { return server.statistics().active == 1; }));
  tcp_client fourth(port);
  ASSERT_TRUE(fourth.send(get("/hello")));
  EXPECT_EQ(fourth.read_response().value_or(reply{}).status, 200);
}

TEST(http_server, serves_many_concurrent_clients) {
  http_server server({}, 2);
  server.route("GET", "/echo", [](http_request&& request, http_responder respond) { respond(text(request.query)); });
  auto port = listen_local(server);
  std::atomic<int> good{0};
  std::vector<std::thread> clients;
  for (int t = 0; t < 50; ++t)
    clients.emplace_back([&, t] {
      std::unique_ptr<tcp_client> client;
      for (int i = 0; i < 20; ++i) {
        // Even threads keep one connection; odd ones open one per request.
        if (!client || t % 2) client = std::make_unique<tcp_client>(port);
        auto body = std::to_string(t) + "-" + std::to_string(i);
        client->send(get("/echo?" + body));
        auto r = client->read_response();
        if (r && r->status == 200 && r->body == body) ++good;
      }
    });
  for (auto& c : clients) c.join();
  EXPECT_EQ(good.load(), 1000);
  EXPECT_EQ(server.statistics().requests, 1000u);
  EXPECT_EQ(server.statistics().accepted, 25u + 25u * 20u);
}

// ---- streams ----------------------------------------------------------------------------------

TEST(http_server, streams_events_in_order) {
  stream_box box; // outlives the server, whose handler fills it
  http_server server;
  server.route_stream("/events", box.handler());
  auto port = listen_local(server);
  tcp_client client(port);
  ASSERT_TRUE(client.send(get("/events?a")));
  auto head = client.read_head();
  ASSERT_TRUE(head);
  EXPECT_EQ(head->status, 200);
  EXPECT_EQ(head->header("content-type"), "text/event-stream");
  EXPECT_EQ(head->header("cache-control"), "no-cache");
  EXPECT_EQ(head->header("content-length"), "");
  auto stream = box.wait("a");
  ASSERT_TRUE(stream);
  std::string expected;
  std::thread producer([&] {
    for (int i = 0; i < 200; ++i) {
      auto event = "id: " + std::to_string(i) + "\ndata: {\"n\":" + std::to_string(i) + "}\n\n";
      expected += event;
      EXPECT_TRUE(stream->send(event));
    }
    stream->close();
    EXPECT_FALSE(stream->open());
  });
  while (client.fill()) { // until the server closes after writing everything
  }
  producer.join();
  EXPECT_EQ(client.pending(), expected);

  tcp_client wrong(port);
  ASSERT_TRUE(wrong.send(post("/events", "")));
  auto r = wrong.read_response();
  ASSERT_TRUE(r);
  EXPECT_EQ(r->status, 405);
  EXPECT_EQ(r->header("allow"), "GET");
}

TEST(http_server, closes_a_stream_whose_last_handle_is_dropped) {
  http_server server;
  server.route_stream("/events",
                      [](http_request&&, std::shared_ptr<http_stream> stream) { stream->send("data: only\n\n"); });
  tcp_client client(listen_local(server));
  ASSERT_TRUE(client.send(get("/events")));
  ASSERT_TRUE(client.read_head());
  while (client.fill()) {}
  EXPECT_EQ(client.pending(), "data: only\n\n");
}

TEST(http_server, drops_a_slow_stream_consumer_and_keeps_a_fast_one) {
  http_server_limits limits;
  // 256 KiB: the fast reader may be descheduled for ~16 ms (a loaded CI machine) without
  // coming near it; the slow one passes it once its kernel buffers are full.
  limits.max_stream_backlog_bytes = 256 * 1024;
  stream_box box;
  http_server server(limits);
  server.route_stream("/events", box.handler());
  auto port = listen_local(server);

  tcp_client slow(port, 4096); // small receive buffer, never reads
  ASSERT_TRUE(slow.send(get("/events?slow")));
  tcp_client fast(port);
  ASSERT_TRUE(fast.send(get("/events?fast")));
  ASSERT_TRUE(fast.read_head());
  auto slow_stream = box.wait("slow");
  auto fast_stream = box.wait("fast");
  ASSERT_TRUE(slow_stream && fast_stream);

  const std::string big = "data: " + std::string(8192, 'x') + "\n\n";
  std::thread reader([&] { fast.read_until("data: end\n\n"); });
  // Both get the same 8 KiB events at a pace a reading client easily keeps up with. The slow
  // client's kernel buffers fill (some MB on loopback), then its backlog passes 256 KiB and it is
  // dropped; the fast one never comes near the limit.
  std::string expected;
  int sent_to_slow = 0;
  for (int i = 0; i < 4000 && slow_stream->send("id: " + std::to_string(i) + "\n" + big); ++i) {
    ++sent_to_slow;
    auto event = "id: " + std::to_string(i) + "\n" + big;
    expected += event;
    EXPECT_TRUE(fast_stream->send(std::move(event))) << i;
    std::this_thread::sleep_for(500us);
  }
  EXPECT_LT(sent_to_slow, 4000);
  EXPECT_GT(sent_to_slow, 32); // more than the backlog limit went out: it was the stalled socket
  EXPECT_FALSE(slow_stream->open());
  EXPECT_FALSE(slow_stream->send("data: more\n\n"));
  EXPECT_TRUE(fast_stream->open());
  EXPECT_TRUE(fast_stream->send("data: end\n\n"));
  expected += "data: end\n\n";
  reader.join();
  EXPECT_EQ(fast.pending().size(), expected.size());
  EXPECT_TRUE(fast.pending() == expected);
  EXPECT_TRUE(eventually([&] { return server.statistics().streams_dropped == 1; }));
}

TEST(http_server, notices_a_stream_client_leaving) {
  stream_box box; // outlives the server, whose handler fills it
  http_server server;
  server.route_stream("/events", box.handler());
  auto port = listen_local(server);
  auto client = std::make_unique<tcp_client>(port);
  ASSERT_TRUE(client->send(get("/events?x")));
  ASSERT_TRUE(client->read_head());
  auto stream = box.wait("x");
  ASSERT_TRUE(stream);
  EXPECT_TRUE(stream->send("data: 1\n\n"));
  client.reset();
  EXPECT_TRUE(eventually([&] { return !stream->open(); }));
  EXPECT_FALSE(stream->send("data: 2\n\n"));
  EXPECT_TRUE(eventually([&] { return server.statistics().active == 0; }));
  EXPECT_EQ(server.statistics().streams_dropped, 0u);
}

// ---- lifecycle --------------------------------------------------------------------------------

TEST(http_server, stops_with_connections_and_streams_open) {
  stream_box box;
  std::mutex mutex;
  std::vector<http_responder> pending;
  http_server server({}, 2);
  server.route("GET", "/hello", [](http_request&&, http_responder respond) { respond(text("hi")); });
  server.route("GET", "/pending", [&](http_request&&, http_responder respond) {
    std::lock_guard lock(mutex);
    pending.push_back(std::move(respond));
  });
  server.route_stream("/events", box.handler());
  auto port = listen_local(server);

  tcp_client idle(port);
  ASSERT_TRUE(idle.send(get("/hello")));
  ASSERT_TRUE(idle.read_response());
  tcp_client waiting(port);
  ASSERT_TRUE(waiting.send(get("/pending")));
  tcp_client half(port);
  ASSERT_TRUE(half.send("GET /hello HTTP/1.1\r\nHo"));
  tcp_client streaming(port);
  ASSERT_TRUE(streaming.send(get("/events?s")));
  ASSERT_TRUE(streaming.read_head());
  auto stream = box.wait("s");
  ASSERT_TRUE(stream);
  ASSERT_TRUE(eventually([&] {
    std::lock_guard lock(mutex);
    return pending.size() == 1;
  }));
  std::atomic<bool> feeding{true};
  std::thread feeder([&] { // sends during and after stop
    while (feeding) {
      stream->send("data: tick\n\n");
      std::this_thread::sleep_for(1ms);
    }
  });

  auto start = steady::now();
  server.stop();
  EXPECT_LT(steady::now() - start, 1s);
  EXPECT_FALSE(stream->open());
  EXPECT_FALSE(stream->send("data: after\n\n"));
  feeding = false;
  feeder.join();
  {
    std::lock_guard lock(mutex);
    pending[0](text("after stop")); // harmless
  }
  for (auto* c : {&idle, &waiting, &half}) EXPECT_TRUE(c->closed_by_server());
  while (streaming.fill()) {}
  server.stop(); // idempotent
  EXPECT_EQ(server.statistics().active, 0u);

  // It can listen again.
  tcp_client again(listen_local(server));
  ASSERT_TRUE(again.send(get("/hello")));
  EXPECT_EQ(again.read_response().value_or(reply{}).body, "hi");
}

TEST(http_server, reports_listen_errors_and_late_routes) {
  http_server server;
  EXPECT_NE(server.listen("not-an-address", 0).error.find("invalid address"), std::string::npos);
  auto port = listen_local(server);
  EXPECT_EQ(server.listen("127.0.0.1", 0).error, "already listening");
  EXPECT_THROW(server.route("GET", "/late", [](http_request&&, http_responder) {}), std::logic_error);

  http_server other;
  auto taken = other.listen("127.0.0.1", port);
  EXPECT_FALSE(taken.ok());
  EXPECT_NE(taken.error.find("bind"), std::string::npos) << taken.error;
}

TEST(http_server, counts_what_happens) {
  http_server_limits limits = short_timeouts();
  limits.max_body_bytes = 16;
  http_server server(limits);
  server.route("POST", "/echo", [](http_request&& request, http_responder respond) { respond(text(request.body)); });
  auto port = listen_local(server);
  {
    tcp_client client(port);
    client.send(post("/echo", "ok") + post("/echo", "ok"));
    client.read_response();
    client.read_response();
    EXPECT_EQ(server.statistics().active, 1u);
  }
  for (const auto& bad : std::vector<std::string>{"BAD\r\n\r\n", post("/echo", std::string(100, 'x'))}) {
    tcp_client client(port);
    client.send(bad);
    client.read_response();
  }
  EXPECT_TRUE(eventually([&] { return server.statistics().active == 0; }));
  auto s = server.statistics();
  EXPECT_EQ(s.accepted, 3u);
  EXPECT_EQ(s.requests, 2u);
  EXPECT_EQ(s.bad_requests, 1u);
  EXPECT_EQ(s.too_large, 1u);
  EXPECT_EQ(s.timeouts, 0u);
  EXPECT_EQ(s.rejected_connections, 0u);
  EXPECT_EQ(s.streams_dropped, 0u);
}

} // namespace
} // namespace ringbid
