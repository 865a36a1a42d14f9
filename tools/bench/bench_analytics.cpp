#include "tools/bench/bench_analytics.hpp"

#include "adapters/analytics/sse_hub.hpp"
#include "adapters/http/http_server.hpp"
#include "tools/bench/bench_config.hpp"
#include "tools/node/simulation.hpp"

#include <fmt/format.h>

#include <arpa/inet.h>
#include <netinet/in.h>
#include <poll.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <unistd.h>

#include <atomic>
#include <chrono>
#include <deque>
#include <iostream>
#include <thread>

namespace ringbid {

namespace {

double lifecycles_per_second(uint64_t calls, bool analytics, const std::string& db) {
  auto cfg = bench_config(10, 500, 40);
  simulation_options opt;
  opt.calls = calls;
  opt.calls_per_second = 500;
  opt.seed = 1;
  opt.db_path = db;
  opt.analytics = analytics;
  auto report = run_simulation(cfg, opt);
  return double(report.completed) / report.wall_seconds;
}

/// Subscribers on raw sockets, read by one thread with poll(); counts frames.
class subscriber_pool {
public:
  subscriber_pool(uint16_t port, int n) {
    for (int i = 0; i < n; ++i) {
      int fd = ::socket(AF_INET, SOCK_STREAM, 0);
      sockaddr_in addr{};
      addr.sin_family = AF_INET;
      addr.sin_port = htons(port);
      addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
      if (fd < 0 || ::connect(fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr) != 0) {
        if (fd >= 0) ::close(fd);
        continue;
      }
      std::string req = "GET /stream HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n";
      if (::send(fd, req.data(), req.size(), MSG_NOSIGNAL) < 0) {
        ::close(fd);
        continue;
      }
      fds_.push_back(pollfd{fd, POLLIN, 0});
      frames_.emplace_back(0);
      tails_.emplace_back();
    }
    reader_ = std::thread([this] { run(); });
  }
  ~subscriber_pool() {
    stop_ = true;
    reader_.join();
    for (auto& p : fds_) ::close(p.fd);
  }
  size_t connected() const { return fds_.size(); }
  /// Call events every subscriber got (the least of them); the board is not counted.
  uint64_t least_frames() const {
    uint64_t least = UINT64_MAX;
    for (const auto& f : frames_) least = std::min<uint64_t>(least, f.load());
    return least == UINT64_MAX ? 0 : least;
  }
  uint64_t all_frames() const {
    uint64_t sum = 0;
    for (const auto& f : frames_) sum += f.load();
    return sum;
  }

private:
  void run() {
    std::vector<char> buf(1 << 16);
    while (!stop_) {
      if (::poll(fds_.data(), fds_.size(), 50) <= 0) continue;
      for (size_t i = 0; i < fds_.size(); ++i) {
        if (!(fds_[i].revents & (POLLIN | POLLHUP | POLLERR))) continue;
        auto got = ::recv(fds_[i].fd, buf.data(), buf.size(), 0);
        if (got <= 0) {
          fds_[i].events = 0; // closed: dropped by the server
          continue;
        }
        // Count "event: call" lines; a line may straddle two reads, so keep a tail.
        std::string text = tails_[i] + std::string(buf.data(), static_cast<size_t>(got));
        size_t pos = 0;
        uint64_t n = 0;
        while ((pos = text.find("event: call\n", pos)) != std::string::npos) {
          ++n;
          pos += 12;
        }
        tails_[i] = text.size() > 11 ? text.substr(text.size() - 11) : text;
        frames_[i] += n;
      }
    }
  }

  std::vector<pollfd> fds_;
  std::deque<std::atomic<uint64_t>> frames_;
  std::vector<std::string> tails_;
  std::atomic<bool> stop_{false};
  std::thread reader_;
};

void raise_file_limit() {
  rlimit r{};
  if (::getrlimit(RLIMIT_NOFILE, &r) == 0 && r.rlim_cur < r.rlim_max) {
    r.rlim_cur = r.rlim_max;
    ::setrlimit(RLIMIT_NOFILE, &r);
  }
}

} // namespace

std::vector<result_row> bench_analytics(uint64_t calls, const std::string& work_dir) {
  // Alternating runs, so a machine that slows down mid-benchmark weighs on both.
  double without = 0, with = 0;
  for (int round = 0; round < 2; ++round) {
    without += lifecycles_per_second(calls, false, work_dir + "/analytics-off.db");
    with += lifecycles_per_second(calls, true, work_dir + "/analytics-on.db");
  }
  result_row row;
  row.name = "call lifecycles/s with the analytics actor";
  row.value = with / 2;
  row.unit = "calls/s";
  row.baseline_name = "the same simulation without analytics";
  row.baseline = without / 2;
  row.ratio = row.value / row.baseline;
  return {row};
}

std::vector<result_row> bench_sse(const sse_bench_options& options) {
  raise_file_limit();
  std::vector<result_row> rows;
  int kept_up = 0;
  for (int n : options.subscribers) {
    sse_hub_options hub_options;
    hub_options.now = [] { return timestamp_us{0}; };
    auto hub = std::make_shared<sse_hub>(hub_options);
    http_server_limits limits; // the node's own limits
    http_server server{limits};
    server.route_stream("/stream", [hub](http_request&&, std::shared_ptr<http_stream> stream) {
      hub->subscribe(std::move(stream), metrics_filter{}, std::nullopt);
    });
    auto bound = server.listen("127.0.0.1", 0);
    if (!bound.ok()) {
      std::cerr << "sse bench: " << bound.error << '\n';
      break;
    }
    subscriber_pool pool{bound.port, n};
    auto wait_until = std::chrono::steady_clock::now() + std::chrono::seconds{10};
    while (hub->statistics().subscribers < pool.connected() && std::chrono::steady_clock::now() < wait_until)
      std::this_thread::sleep_for(std::chrono::milliseconds{5});
    auto subscribed = hub->statistics().subscribers;
    // A call card as the node publishes it.
    call_card card;
    card.campaign_id = "auto-ins-national";
    card.source_id = "brightpath-media";
    card.buyer_id = "harborpoint-ins";
    card.state = call_state::auction;
    auto total = static_cast<uint64_t>(options.events_per_second * options.seconds);
    auto interval = std::chrono::duration<double>(1.0 / options.events_per_second);
    auto start = std::chrono::steady_clock::now();
    for (uint64_t i = 0; i < total; ++i) {
      std::this_thread::sleep_until(start + std::chrono::duration_cast<std::chrono::nanoseconds>(interval * double(i)));
      card.id = make_uuid7(1'800'000'000'000 + static_cast<int64_t>(i), 0, i + 1);
      card.since = static_cast<timestamp_us>(i);
      hub->call_changed(card);
    }
    auto published = std::chrono::steady_clock::now();
    auto deadline = published + std::chrono::seconds{1};
    while (pool.least_frames() < total && std::chrono::steady_clock::now() < deadline)
      std::this_thread::sleep_for(std::chrono::milliseconds{2});
    auto drained = std::chrono::steady_clock::now();
    auto elapsed = std::chrono::duration<double>(drained - start).count();
    bool ok = subscribed == static_cast<uint64_t>(n) && pool.least_frames() >= total && hub->statistics().dropped == 0;
    if (ok) kept_up = n;
    result_row row;
    row.name = fmt::format("SSE events delivered/s, {} subscribers{}", n, ok ? "" : " (fell behind)");
    row.value = double(pool.all_frames()) / elapsed;
    row.unit = "events/s";
    row.baseline_name = "published x subscribers";
    row.baseline = double(total) * double(n) / elapsed;
    row.ratio = row.value / row.baseline;
    rows.push_back(row);
    result_row drain;
    drain.name = fmt::format("SSE last event to all {} subscribers", n);
    drain.value = std::chrono::duration<double, std::milli>(drained - published).count();
    drain.unit = "ms";
    rows.push_back(drain);
    hub->close_all();
    server.stop();
    if (!ok) break;
  }
  result_row best;
  best.name = fmt::format("SSE subscribers kept up with at {:.0f} events/s", options.events_per_second);
  best.value = kept_up;
  best.unit = "subs";
  rows.push_back(best);
  return rows;
}

} // namespace ringbid
