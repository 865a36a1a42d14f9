// One HTTP connection: read a request (Beast parser with the server's limits), hand it to its
// handler, write the response, repeat while keep-alive; or stream server-sent events. Every
// handler of a session runs on its strand; a single timer enforces the current deadline.

#include "adapters/http/http_server_detail.hpp"

#include <boost/asio/dispatch.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/write.hpp>
#include <boost/beast/core/flat_buffer.hpp>
#include <boost/beast/http/error.hpp>
#include <boost/beast/http/parser.hpp>
#include <boost/beast/http/read.hpp>
#include <boost/beast/http/string_body.hpp>

#include <algorithm>
#include <array>
#include <chrono>
#include <limits>
#include <optional>

namespace ringbid::http_detail {

namespace http = boost::beast::http;

namespace {

constexpr std::string_view stream_head = "HTTP/1.1 200 OK\r\n"
                                         "Content-Type: text/event-stream\r\n"
                                         "Cache-Control: no-cache\r\n"
                                         "Connection: keep-alive\r\n\r\n";

} // namespace

class session : public std::enable_shared_from_this<session> {
public:
  session(server_core& core, tcp::socket socket, bool counted)
    : core_(core), socket_(std::move(socket)), strand_(socket_.get_executor()), timer_(strand_), pace_timer_(strand_),
      counted_(counted) {
    error_code ec;
    auto peer = socket_.remote_endpoint(ec);
    if (!ec) remote_ = peer.address().to_string();
    if (counted_) ++core_.stats.active;
  }

  ~session() {
    if (counted_) --core_.stats.active;
    if (link_) link_->end();
  }

  session(const session&) = delete;
  session& operator=(const session&) = delete;

  const asio::any_io_executor& executor() const { return strand_; }

  // Entry points: on the strand.
  void start() { wait_for_request(); }
  void reject() { write_response(error_response(503, "too many connections"), true); }

  // From any io thread.
  void deliver(std::uint64_t id, http_response r) {
    asio::dispatch(strand_, [self = shared_from_this(), id, resp = std::move(r)]() mutable {
      if (self->phase_ == phase::awaiting && id == self->request_id_) self->write_response(std::move(resp), false);
    });
  }
  void wake_stream() {
    asio::dispatch(strand_, [self = shared_from_this()] { self->pull_stream(); });
  }

private:
  enum class phase { idle, reading, awaiting, writing, streaming, lingering, closed };

  const http_server_limits& limits() const { return core_.limits; }

  // One timer per connection; `timer_gen_` tells a stale expiry from the current one.
  void arm(std::chrono::steady_clock::duration d) {
    timer_.expires_after(d);
    timer_.async_wait([self = shared_from_this(), gen = ++timer_gen_](error_code ec) {
      if (!ec && gen == self->timer_gen_) self->on_deadline();
    });
  }
  void disarm() {
    ++timer_gen_;
    timer_.cancel();
  }

  void on_deadline() {
    switch (phase_) {
      case phase::idle: // silence: close without a word
        if (first_request_) ++core_.stats.timeouts;
        close_now();
        break;
      case phase::reading: { // on_read_error answers 408 once the read is cancelled
        timed_out_ = true;
        error_code ec;
        socket_.cancel(ec);
        break;
      }
      case phase::awaiting:
        ++core_.stats.timeouts;
        write_response(error_response(503, "response timeout"), true);
        break;
      case phase::writing:
        ++core_.stats.timeouts;
        close_now();
        break;
      case phase::lingering: close_now(); break;
      case phase::streaming:
      case phase::closed: break;
    }
  }

  // Waits for the first byte of a request, so an idle keep-alive connection gets idle_timeout
  // and only a request that has begun gets read_timeout (and a 408 when it expires).
  void wait_for_request() {
    if (watching_) { // the read begun while awaiting goes on: its completion reads the request
      phase_ = phase::idle;
      arm(limits().idle_timeout);
      return;
    }
    if (buffer_.size() > 0) { // the client sent ahead
      read_request();
      return;
    }
    phase_ = phase::idle;
    arm(first_request_ ? limits().read_timeout : limits().idle_timeout);
    socket_.async_read_some(buffer_.prepare(1024), [self = shared_from_this()](error_code ec, std::size_t n) {
      self->buffer_.commit(n);
      if (self->phase_ != phase::idle) return;
      if (ec)
        self->close_now();
      else
        self->read_request();
    });
  }

  void read_request() {
    phase_ = phase::reading;
    timed_out_ = false;
    arm(limits().read_timeout); // for the whole request: a slow trickle cannot hold the connection
    parser_.emplace();
    parser_->header_limit(static_cast<std::uint32_t>(
      std::min<std::size_t>(limits().max_header_bytes, std::numeric_limits<std::uint32_t>::max())));
    parser_->body_limit(std::uint64_t{limits().max_body_bytes});
    http::async_read_header(socket_, buffer_, *parser_,
                            [self = shared_from_this()](error_code ec, std::size_t) { self->on_header(ec); });
  }

  void on_header(error_code ec) {
    if (phase_ != phase::reading) return;
    if (ec || timed_out_) {
      on_read_error(ec);
      return;
    }
    if (parser_->is_done()) {
      on_request({});
      return;
    }
    auto expect = parser_->get()[http::field::expect];
    if (!iequals(std::string_view(expect.data(), expect.size()), "100-continue")) {
      read_body();
      return;
    }
    // curl and others wait for this before sending a body.
    static constexpr std::string_view go_on = "HTTP/1.1 100 Continue\r\n\r\n";
    asio::async_write(socket_, asio::buffer(go_on.data(), go_on.size()),
                      [self = shared_from_this()](error_code wec, std::size_t) {
                        if (self->phase_ != phase::reading) return;
                        if (wec || self->timed_out_)
                          self->on_read_error(wec);
                        else
                          self->read_body();
                      });
  }

  void read_body() {
    http::async_read(socket_, buffer_, *parser_,
                     [self = shared_from_this()](error_code ec, std::size_t) { self->on_request(ec); });
  }

  void on_read_error(error_code ec) {
    static const auto& http_errors = http::make_error_code(http::error::bad_method).category();
    if (timed_out_) {
      ++core_.stats.timeouts;
      write_response(error_response(408, "request timeout"), true);
    } else if (ec == http::error::body_limit) {
      ++core_.stats.too_large;
      write_response(error_response(413, "body too large"), true);
    } else if (ec == http::error::header_limit) {
      ++core_.stats.too_large;
      write_response(error_response(431, "headers too large"), true);
    } else if (ec.category() == http_errors && ec != http::error::end_of_stream) {
      ++core_.stats.bad_requests;
      write_response(error_response(400, "bad request"), true);
    } else {
      close_now(); // the peer went away or reset
    }
  }

  void on_request(error_code ec) {
    if (phase_ != phase::reading) return;
    if (ec) {
      on_read_error(ec);
      return;
    }
    ++core_.stats.requests;
    auto msg = parser_->release();
    parser_.reset();
    close_after_ = !msg.keep_alive();
    http10_ = msg.version() == 10;

    http_request req;
    req.method = std::string(msg.method_string());
    req.target = std::string(msg.target());
    auto q = req.target.find('?');
    req.path = req.target.substr(0, q);
    if (q != std::string::npos) req.query = req.target.substr(q + 1);
    for (const auto& field : msg)
      req.headers.emplace_back(std::string(field.name_string()), std::string(field.value()));
    req.body = std::move(msg.body());
    req.remote_address = remote_;

    auto m = match_route(core_.routes, req.method, req.path);
    if (!m.found) {
      auto r = m.allow.empty() ? error_response(404, "not found") : error_response(405, "method not allowed");
      if (!m.allow.empty()) r.headers.emplace_back("Allow", m.allow);
      write_response(std::move(r), true);
    } else if (m.found->stream) {
      std::optional<http_response> instead;
      if (m.found->admit) {
        try {
          instead = m.found->admit(req);
        } catch (...) {
          instead = error_response(500, "internal error");
        }
      }
      if (instead)
        write_response(std::move(*instead), false);
      else
        start_stream(std::move(req), m.found->stream);
    } else {
      call_handler(std::move(req), m.found->handler);
    }
  }

  void call_handler(http_request req, const http_handler& handler) {
    phase_ = phase::awaiting;
    arm(limits().idle_timeout); // a handler that never answers must not hold the connection
    auto deliver_later = [gate = core_.gate, owner = weak_from_this(), id = ++request_id_](http_response r) {
      // Post, never call into the session from here: this may be any thread (see io_gate).
      gate->post([owner, id, resp = std::move(r)]() mutable {
        if (auto s = owner.lock()) s->deliver(id, std::move(resp));
      });
    };
    http_responder respond(std::move(deliver_later));
    if (limits().close_when_client_leaves) watch_client();
    try {
      handler(std::move(req), respond);
    } catch (...) {
      respond(error_response(500, "internal error")); // ignored if the handler did respond
    }
  }

  // While awaiting a handler's answer: EOF or an error means the client left, so the connection
  // is closed now. Bytes that arrive (a pipelined request) end the watch and are kept for the
  // next read. The read may outlast the phase; whoever reads next leaves it to its completion.
  void watch_client() {
    if (watching_ || buffer_.size() > 0) return; // a client that sent ahead is still there
    watching_ = true;
    socket_.async_read_some(buffer_.prepare(1024), [self = shared_from_this()](error_code ec, std::size_t n) {
      self->watching_ = false;
      self->buffer_.commit(n);
      switch (self->phase_) {
        case phase::awaiting:
          if (ec) self->close_now();
          break;
        case phase::idle: // wait_for_request() left the first read to us
          if (ec)
            self->close_now();
          else
            self->read_request();
          break;
        case phase::lingering: // linger_close() left the discarding to us
          if (ec)
            self->close_now();
          else
            self->discard_reads();
          break;
        default: break; // writing: the next read sees an EOF or error again
      }
    });
  }

  void write_response(http_response r, bool force_close) {
    const bool close = force_close || close_after_ || wants_close(r);
    out_ = serialize(r, close, http10_);
    phase_ = phase::writing;
    arm(limits().idle_timeout);
    const bool trickle = r.trickle_bytes > 0 && r.trickle_interval.count() > 0 && !r.body.empty() &&
                         out_.size() > r.body.size() && std::string_view(out_).ends_with(r.body);
    if (trickle) { // the head now, then the body piece by piece
      piece_ = r.trickle_bytes;
      pace_ = r.trickle_interval;
      write_piece(0, out_.size() - r.body.size(), close);
      return;
    }
    asio::async_write(socket_, asio::buffer(out_), [self = shared_from_this(), close](error_code ec, std::size_t) {
      if (self->phase_ == phase::writing) self->on_written(ec, close);
    });
  }

  void write_piece(std::size_t from, std::size_t n, bool close) {
    asio::async_write(socket_, asio::buffer(out_.data() + from, n),
                      [self = shared_from_this(), end = from + n, close](error_code ec, std::size_t) {
                        if (self->phase_ != phase::writing) return;
                        if (ec || end == self->out_.size()) {
                          self->on_written(ec, close);
                          return;
                        }
                        self->pace_timer_.expires_after(self->pace_);
                        self->pace_timer_.async_wait([self, end, close](error_code wec) {
                          if (wec || self->phase_ != phase::writing) return;
                          self->write_piece(end, std::min(self->piece_, self->out_.size() - end), close);
                        });
                      });
  }

  void on_written(error_code ec, bool close) {
    out_.clear();
    if (ec) {
      close_now();
    } else if (close) {
      linger_close();
    } else {
      first_request_ = false;
      wait_for_request();
    }
  }

  // ---- streams: header at once, then chunks in order; reads only watch for the client leaving.

  void start_stream(http_request req, const http_stream_handler& handler) {
    phase_ = phase::streaming;
    disarm();
    link_ = std::make_shared<stream_link>(core_.gate, weak_from_this(), limits().max_stream_backlog_bytes);
    chunks_.emplace_back(stream_head);
    write_chunks();
    discard_reads();
    try {
      handler(std::move(req), make_stream_handle(link_));
    } catch (...) { // the handle is gone, so the stream closes
    }
  }

  void pull_stream() {
    if (phase_ != phase::streaming) return;
    bool dropped = false, closing = false;
    {
      std::lock_guard lock(link_->mutex);
      link_->wake_posted = false;
      dropped = link_->dropped;
      closing = link_->closing;
      for (; !dropped && !writing_ && !link_->queue.empty(); link_->queue.pop_front()) {
        in_flight_ += link_->queue.front().size();
        chunks_.push_back(std::move(link_->queue.front()));
      }
    }
    if (dropped) {
      ++core_.stats.streams_dropped;
      close_now();
    } else if (!writing_) {
      if (!chunks_.empty())
        write_chunks();
      else if (closing)
        linger_close();
    } // else the running write pulls again when done
  }

  void write_chunks() {
    writing_ = true;
    buffers_.clear();
    for (const auto& c : chunks_) buffers_.push_back(asio::buffer(c));
    asio::async_write(socket_, buffers_, [self = shared_from_this()](error_code ec, std::size_t) {
      self->writing_ = false;
      self->chunks_.clear();
      {
        std::lock_guard lock(self->link_->mutex);
        self->link_->backlog -= self->in_flight_;
      }
      self->in_flight_ = 0;
      if (ec)
        self->close_now();
      else
        self->pull_stream();
    });
  }

  // Reads while streaming (EOF or an error = the client left) or lingering.
  void discard_reads() {
    if (discarding_ || watching_) return;
    discarding_ = true;
    socket_.async_read_some(asio::buffer(scratch_), [self = shared_from_this()](error_code ec, std::size_t n) {
      self->discarding_ = false;
      self->lingered_ += n;
      const bool more =
        self->phase_ == phase::streaming || (self->phase_ == phase::lingering && self->lingered_ < (1u << 20));
      if (!ec && more)
        self->discard_reads();
      else
        self->close_now();
    });
  }

  // Closing a socket with unread input makes the kernel send a reset, which can destroy the
  // response before the client reads it (a 413 while the client still sends its body). So send
  // FIN first, then read and discard for a short while.
  void linger_close() {
    phase_ = phase::lingering;
    error_code ec;
    socket_.shutdown(tcp::socket::shutdown_send, ec);
    if (ec) {
      close_now();
      return;
    }
    arm(std::min<std::chrono::steady_clock::duration>(limits().read_timeout, std::chrono::seconds(2)));
    discard_reads();
  }

  void close_now() {
    if (phase_ == phase::closed) return;
    phase_ = phase::closed;
    disarm();
    pace_timer_.cancel();
    error_code ec;
    socket_.close(ec);
    if (link_) link_->end();
  }

  server_core& core_;
  tcp::socket socket_;
  asio::any_io_executor strand_; // the socket's, a strand
  asio::steady_timer timer_;
  asio::steady_timer pace_timer_; // between the pieces of a trickled body
  const bool counted_;
  std::string remote_;
  phase phase_ = phase::idle;
  std::uint64_t timer_gen_ = 0;
  std::uint64_t request_id_ = 0;
  bool first_request_ = true, timed_out_ = false, close_after_ = false, http10_ = false;
  boost::beast::flat_buffer buffer_;
  std::optional<http::request_parser<http::string_body>> parser_;
  std::string out_;                   // a response being written
  std::size_t piece_ = 0;             // trickled body: bytes per piece
  std::chrono::milliseconds pace_{0}; // and the pause between pieces
  bool watching_ = false;             // a read by watch_client() is pending
  // Streams.
  std::shared_ptr<stream_link> link_;
  std::vector<std::string> chunks_; // being written
  std::vector<asio::const_buffer> buffers_;
  std::size_t in_flight_ = 0; // backlog bytes in chunks_
  bool writing_ = false, discarding_ = false;
  std::size_t lingered_ = 0;
  std::array<char, 4096> scratch_{};
};

void start_session(server_core& core, tcp::socket socket, bool reject) {
  auto s = std::make_shared<session>(core, std::move(socket), !reject);
  // Start on the strand: the session's own handlers (its timer) may otherwise run alongside.
  asio::dispatch(s->executor(), [s, reject] { reject ? s->reject() : s->start(); });
}

void wake_stream(const std::shared_ptr<session>& s) { s->wake_stream(); }

} // namespace ringbid::http_detail
