// The event stream (sse_hub behind the real HTTP server) against raw socket
// clients: many subscribers, a subscriber too slow to read, reconnection with
// Last-Event-ID, filters.

#include "adapters/analytics/sse_hub.hpp"
#include "adapters/http/http_query.hpp"
#include "adapters/http/http_server.hpp"

#include <gtest/gtest.h>

#include <arpa/inet.h>
#include <netinet/in.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <atomic>
#include <charconv>
#include <chrono>
#include <memory>
#include <string>
#include <thread>
#include <vector>

namespace ringbid {
namespace {

using namespace std::chrono_literals;

struct sse_event {
  uint64_t id = 0;
  std::string kind;
  std::string data;
};

/// A blocking SSE client on a raw socket: reads the response head, then frames.
class sse_client {
public:
  sse_client(uint16_t port, const std::string& target, const std::string& last_event_id = {}, int receive_buffer = 0) {
    fd_ = ::socket(AF_INET, SOCK_STREAM, 0);
    if (receive_buffer > 0) ::setsockopt(fd_, SOL_SOCKET, SO_RCVBUF, &receive_buffer, sizeof receive_buffer);
    sockaddr_in addr{};
    addr.sin_family = AF_INET;
    addr.sin_port = htons(port);
    addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    connected_ = ::connect(fd_, reinterpret_cast<sockaddr*>(&addr), sizeof addr) == 0;
    std::string req = "GET " + target + " HTTP/1.1\r\nHost: 127.0.0.1\r\nAccept: text/event-stream\r\n";
    if (!last_event_id.empty()) req += "Last-Event-ID: " + last_event_id + "\r\n";
    req += "\r\n";
    if (connected_) connected_ = ::send(fd_, req.data(), req.size(), MSG_NOSIGNAL) == static_cast<ssize_t>(req.size());
  }
  ~sse_client() { close(); }
  sse_client(const sse_client&) = delete;
  sse_client& operator=(const sse_client&) = delete;

  void close() {
    if (fd_ >= 0) ::close(fd_);
    fd_ = -1;
  }
  bool connected() const { return connected_; }
  int status() const { return status_; }

  /// Reads until `n` events (board and metrics included) arrived; false on timeout or EOF.
  bool read_events(size_t n, std::chrono::milliseconds timeout = 10s) {
    auto deadline = std::chrono::steady_clock::now() + timeout;
    while (events.size() < n) {
      auto left = std::chrono::duration_cast<std::chrono::milliseconds>(deadline - std::chrono::steady_clock::now());
      if (left.count() <= 0 || fd_ < 0) return false;
      pollfd p{fd_, POLLIN, 0};
      if (::poll(&p, 1, static_cast<int>(left.count())) <= 0) return false;
      char buf[65536];
      auto got = ::recv(fd_, buf, sizeof buf, 0);
      if (got <= 0) return false;
      buffer_.append(buf, static_cast<size_t>(got));
      parse();
    }
    return true;
  }

  std::vector<sse_event> events;
  uint64_t last_id() const { return events.empty() ? 0 : events.back().id; }

private:
  void parse() {
    if (status_ == 0) {
      auto end = buffer_.find("\r\n\r\n");
      if (end == std::string::npos) return;
      status_ = std::stoi(buffer_.substr(9, 3));
      buffer_.erase(0, end + 4);
    }
    for (;;) {
      auto end = buffer_.find("\n\n");
      if (end == std::string::npos) return;
      auto block = buffer_.substr(0, end);
      buffer_.erase(0, end + 2);
      sse_event e;
      size_t start = 0;
      while (start < block.size()) {
        auto nl = block.find('\n', start);
        if (nl == std::string::npos) nl = block.size();
        auto line = std::string_view(block).substr(start, nl - start);
        if (line.starts_with("id: "))
          std::from_chars(line.data() + 4, line.data() + line.size(), e.id);
        else if (line.starts_with("event: "))
          e.kind = line.substr(7);
        else if (line.starts_with("data: "))
          e.data = line.substr(6);
        start = nl + 1;
      }
      if (!e.kind.empty()) events.push_back(std::move(e)); // "retry:" blocks carry no event
    }
  }

  int fd_ = -1;
  bool connected_ = false;
  int status_ = 0;
  std::string buffer_;
};

class EventStream : public ::testing::Test {
protected:
  void start(http_server_limits limits = {}, size_t replay = 4096) {
    sse_hub_options o;
    o.replay_events = replay;
    o.ids = known_ids{{"c1", "c2"}, {"s1"}};
    o.now = [] { return timestamp_us{1'800'000'000'000'000}; };
    hub_ = std::make_shared<sse_hub>(o);
    server_ = std::make_unique<http_server>(limits);
    server_->route_stream("/stream", [hub = hub_](http_request&& req, std::shared_ptr<http_stream> stream) {
      auto params = parse_query(req.query).value_or(query_params{});
      std::optional<uint64_t> last;
      if (auto h = req.header("last-event-id"); !h.empty()) {
        uint64_t v = 0;
        std::from_chars(h.data(), h.data() + h.size(), v);
        last = v;
      }
      hub->subscribe(std::move(stream), metrics_filter{param(params, "campaign"), param(params, "source")}, last);
    });
    auto bound = server_->listen("127.0.0.1", 0);
    ASSERT_TRUE(bound.ok()) << bound.error;
    port_ = bound.port;
  }
  void TearDown() override {
    if (hub_) hub_->close_all();
    if (server_) server_->stop();
  }

  void wait_for_subscribers(uint64_t n) {
    auto deadline = std::chrono::steady_clock::now() + 10s;
    while (hub_->statistics().subscribers < n && std::chrono::steady_clock::now() < deadline)
      std::this_thread::sleep_for(2ms);
    ASSERT_EQ(hub_->statistics().subscribers, n);
  }

  call_card card(uint64_t n, std::string campaign = "c1", size_t padding = 0) {
    call_card c;
    c.id = make_uuid7(1'800'000'000'000 + static_cast<int64_t>(n), 0, n + 1);
    c.campaign_id = std::move(campaign);
    c.source_id = "s1" + std::string(padding, 'x');
    c.state = static_cast<call_state>(n % 4);
    return c;
  }

  std::shared_ptr<sse_hub> hub_;
  std::unique_ptr<http_server> server_;
  uint16_t port_ = 0;
};

TEST_F(EventStream, ManySubscribersEachGetEveryEventOnceInOrder) {
  start();
  constexpr size_t all = 120, filtered = 30, events = 400;
  std::vector<std::unique_ptr<sse_client>> clients;
  for (size_t i = 0; i < all; ++i)
    clients.push_back(std::make_unique<sse_client>(port_, i < filtered ? "/stream?campaign=c2" : "/stream"));
  wait_for_subscribers(all);
  // Published from two threads at once, as the analytics actor and snapshots would never do,
  // to show the hub keeps one order for everyone.
  std::thread other([&] {
    for (size_t n = 0; n < events / 2; ++n) hub_->call_changed(card(n, n % 2 ? "c2" : "c1"));
  });
  for (size_t n = events / 2; n < events; ++n) hub_->call_changed(card(n, n % 2 ? "c2" : "c1"));
  other.join();
  std::vector<uint64_t> reference;
  for (size_t i = 0; i < all; ++i) {
    auto& c = *clients[i];
    size_t want = 1 + (i < filtered ? events / 2 : events); // the board, then the events
    ASSERT_TRUE(c.read_events(want)) << "client " << i << " got " << c.events.size() << " of " << want;
    EXPECT_EQ(c.status(), 200);
    EXPECT_EQ(c.events.front().kind, "board");
    for (size_t k = 1; k < c.events.size(); ++k) {
      EXPECT_EQ(c.events[k].kind, "call");
      EXPECT_GT(c.events[k].id, c.events[k - 1].id);
      if (i < filtered) {
        EXPECT_NE(c.events[k].data.find("\"campaign\":\"c2\""), std::string::npos);
      }
    }
    if (i >= filtered) {
      std::vector<uint64_t> ids;
      for (size_t k = 1; k < c.events.size(); ++k) ids.push_back(c.events[k].id);
      if (reference.empty()) reference = ids;
      EXPECT_EQ(ids, reference) << "every subscriber sees one order";
    }
  }
  EXPECT_EQ(hub_->statistics().dropped, 0u);
}

TEST_F(EventStream, ASubscriberTooSlowToReadIsDroppedAndTheOthersGetEverything) {
  http_server_limits limits;
  limits.max_stream_backlog_bytes = 1 << 20; // the default: about 50 ms of this stream
  start(limits);
  sse_client slow{port_, "/stream", {}, 4096}; // never reads past its small socket buffer
  sse_client fast{port_, "/stream"};
  wait_for_subscribers(2);
  // 4 KiB each, 12 MiB in all: far more than the backlog and the kernel's socket buffers.
  constexpr size_t events = 3000;
  std::thread reader([&] { fast.read_events(1 + events, 30s); });
  // Paced (about 20 MB/s) so a reading client keeps up; the slow one still falls behind.
  for (size_t n = 0; n < events; ++n) {
    hub_->call_changed(card(n, "c1", 4000));
    if (n % 5 == 4) std::this_thread::sleep_for(1ms);
  }
  reader.join();
  EXPECT_EQ(fast.events.size(), 1 + events);
  auto stats = hub_->statistics();
  EXPECT_EQ(stats.dropped, 1u);
  EXPECT_EQ(stats.subscribers, 1u);
  EXPECT_GE(server_->statistics().streams_dropped, 1u);
  // What the slow one got before it was dropped is a prefix, then the connection ends.
  slow.read_events(1 + events, 2s);
  EXPECT_LT(slow.events.size(), 1 + events);
}

TEST_F(EventStream, ReconnectingWithLastEventIdResumesWhereTheClientLeft) {
  start({}, 64);
  sse_client first{port_, "/stream"};
  wait_for_subscribers(1);
  for (size_t n = 0; n < 10; ++n) hub_->call_changed(card(n));
  ASSERT_TRUE(first.read_events(11));
  auto seen = first.last_id();
  first.close();
  for (size_t n = 10; n < 25; ++n) hub_->call_changed(card(n)); // missed while away
  sse_client again{port_, "/stream", std::to_string(seen)};
  ASSERT_TRUE(again.read_events(15));
  EXPECT_EQ(again.events.front().kind, "call") << "a replay, not a board";
  EXPECT_EQ(again.events.front().id, seen + 1);
  for (size_t k = 1; k < again.events.size(); ++k) EXPECT_EQ(again.events[k].id, again.events[k - 1].id + 1);
  hub_->call_changed(card(25)); // and live from there
  ASSERT_TRUE(again.read_events(16));
  EXPECT_EQ(again.events.back().id, seen + 16);
  EXPECT_FALSE(again.read_events(17, 200ms)) << "nothing twice";
  EXPECT_EQ(hub_->statistics().resumed, 1u);
}

TEST_F(EventStream, AClientTooFarBehindOrFromAnotherRunGetsAFreshBoard) {
  start({}, 16);
  sse_client first{port_, "/stream"};
  wait_for_subscribers(1);
  hub_->call_changed(card(0));
  ASSERT_TRUE(first.read_events(2));
  auto seen = first.last_id();
  first.close();
  for (size_t n = 1; n < 100; ++n) hub_->call_changed(card(n)); // more than the 16 kept
  sse_client behind{port_, "/stream", std::to_string(seen)};
  ASSERT_TRUE(behind.read_events(1));
  EXPECT_EQ(behind.events.front().kind, "board");
  EXPECT_EQ(behind.events.front().id, hub_->last_event_id());
  sse_client future{port_, "/stream", std::to_string(hub_->last_event_id() + 1000)};
  ASSERT_TRUE(future.read_events(1));
  EXPECT_EQ(future.events.front().kind, "board");
  EXPECT_EQ(hub_->statistics().reset, 2u);
  // The board holds the calls not yet ending: states greeting..bridged of the last card per call.
  EXPECT_NE(behind.events.front().data.find("\"calls\":["), std::string::npos);
}

TEST_F(EventStream, SnapshotsGoOnlyToTheirExactFilter) {
  start();
  sse_client all{port_, "/stream"};
  sse_client c1{port_, "/stream?campaign=c1"};
  sse_client c1_again{port_, "/stream?campaign=c1"};
  wait_for_subscribers(3);
  auto watched = hub_->watched_filters();
  ASSERT_EQ(watched.size(), 2u);
  metrics_report r;
  r.query = metrics_query{0, us_per_day_analytics, "c1", ""};
  r.active.assign(call_state_count, 0);
  hub_->snapshot(r);
  ASSERT_TRUE(c1.read_events(2));
  ASSERT_TRUE(c1_again.read_events(2));
  EXPECT_EQ(c1.events[1].kind, "metrics");
  EXPECT_NE(c1.events[1].data.find("\"campaign\":\"c1\""), std::string::npos);
  EXPECT_NE(c1.events[1].data.find("\"campaigns\":[\"c1\",\"c2\"]"), std::string::npos);
  ASSERT_TRUE(all.read_events(1));
  EXPECT_FALSE(all.read_events(2, 200ms)) << "the unfiltered stream gets its own snapshot only";
}

} // namespace
} // namespace ringbid
