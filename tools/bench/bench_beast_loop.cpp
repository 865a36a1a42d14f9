#include "tools/bench/bench_beast_loop.hpp"

#include <boost/asio/connect.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>

#include <chrono>
#include <memory>

namespace ringbid {

namespace {

namespace asio = boost::asio;
namespace beast = boost::beast;
namespace http = beast::http;
using tcp = asio::ip::tcp;

struct shared_run {
  const beast_loop_options* options = nullptr;
  uint64_t started = 0;
  uint64_t finished = 0;
  uint64_t failures = 0;
};

/// One connection to one buyer, reused for every round of its lane.
struct exchange {
  explicit exchange(asio::io_context& io) : stream(io) {}
  beast::tcp_stream stream;
  beast::flat_buffer buffer;
  http::request<http::string_body> request;
  http::response<http::string_body> response;
};

/// Rounds one after another: all buyers pinged at once, the next round when
/// every answer is in.
class lane : public std::enable_shared_from_this<lane> {
public:
  lane(asio::io_context& io, shared_run& run, const tcp::resolver::results_type& endpoints) : run_(run) {
    for (const auto& target : run.options->targets) {
      auto x = std::make_unique<exchange>(io);
      x->stream.connect(endpoints);
      x->stream.socket().set_option(tcp::no_delay{true});
      x->request = http::request<http::string_body>{http::verb::post, target, 11};
      x->request.set(http::field::host, run.options->host);
      x->request.set(http::field::content_type, "application/json");
      x->request.keep_alive(true);
      x->request.body() = run.options->body;
      x->request.prepare_payload();
      exchanges_.push_back(std::move(x));
    }
  }

  void next_round() {
    if (run_.started >= run_.options->rounds) return;
    ++run_.started;
    pending_ = exchanges_.size();
    for (size_t i = 0; i < exchanges_.size(); ++i) send(i);
  }

private:
  void send(size_t i) {
    auto self = shared_from_this();
    auto& x = *exchanges_[i];
    http::async_write(x.stream, x.request, [self, i](beast::error_code ec, size_t) {
      if (ec) return self->answered(false);
      self->receive(i);
    });
  }

  void receive(size_t i) {
    auto self = shared_from_this();
    auto& x = *exchanges_[i];
    x.response = {};
    http::async_read(x.stream, x.buffer, x.response, [self, i](beast::error_code ec, size_t) {
      auto& y = *self->exchanges_[i];
      self->answered(!ec && y.response.result() == http::status::ok);
    });
  }

  void answered(bool ok) {
    if (!ok) ++run_.failures;
    if (--pending_ > 0) return;
    ++run_.finished;
    next_round();
  }

  shared_run& run_;
  std::vector<std::unique_ptr<exchange>> exchanges_;
  size_t pending_ = 0;
};

} // namespace

beast_loop_result run_beast_loop(const beast_loop_options& options) {
  asio::io_context io{1};
  tcp::resolver resolver{io};
  auto endpoints = resolver.resolve(options.host, std::to_string(options.port));
  shared_run run;
  run.options = &options;
  std::vector<std::shared_ptr<lane>> lanes;
  for (int i = 0; i < options.lanes; ++i) lanes.push_back(std::make_shared<lane>(io, run, endpoints));
  auto start = std::chrono::steady_clock::now();
  for (auto& l : lanes) asio::post(io, [l] { l->next_round(); });
  io.run();
  beast_loop_result out;
  out.seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  out.rounds = run.finished;
  out.failures = run.failures;
  return out;
}

} // namespace ringbid
