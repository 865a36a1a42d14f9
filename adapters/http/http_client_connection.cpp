// One client connection: resolve (names only), connect, TLS handshake, write the request, read
// and parse the response within max_response_bytes, then hand the connection back to its pool.
// Connections never read while idle: a pooled one is checked with a non-blocking MSG_PEEK before
// reuse (stale()), and the retry rule in http_client.hpp covers the remaining race.

#include "adapters/http/http_client_detail.hpp"

#include <boost/asio/connect.hpp>
#include <boost/asio/ssl/error.hpp>
#include <boost/asio/write.hpp>
#include <boost/beast/http/error.hpp>

#include <openssl/ssl.h>
#include <openssl/x509v3.h>
#include <sys/socket.h>

#include <algorithm>
#include <cerrno>
#include <limits>

namespace ringbid::http_client_detail {

namespace {

constexpr std::size_t max_read_chunk = 16 * 1024;

std::uint32_t clamp_u32(std::size_t n) {
  return static_cast<std::uint32_t>(std::clamp<std::size_t>(n, 1, std::numeric_limits<std::uint32_t>::max()));
}

} // namespace

connection::connection(host_pool& pool) : pool_(pool), socket_(pool.executor()) {}

connection::~connection() = default;

void connection::run(exchange_ptr next, bool reused) {
  x = std::move(next);
  x->conn = this;
  x->reused = reused;
  if (connected_)
    write();
  else
    connect();
}

void connection::close() {
  if (closed_) return;
  closed_ = true;
  error_code ec;
  socket_.close(ec);
  if (resolver_) resolver_->cancel();
}

bool connection::stale(steady::time_point now) {
  if (now - idle_since >= pool_.core().options.idle_keepalive) return true;
  char byte = 0;
  auto n = ::recv(socket_.native_handle(), &byte, 1, MSG_PEEK | MSG_DONTWAIT);
  return !(n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK)); // EOF, bytes or an error
}

template <class F>
void connection::with_stream(F&& f) {
  if (tls_)
    f(*tls_);
  else
    f(socket_);
}

// `retry` asks for the retry rule's second chance; only a reused connection's first failure gets it.
void connection::fail(http_client_error e, std::string detail, bool retry) {
  pool_.failed(*this, e, std::move(detail), retry && x->reused && !x->retried);
}

void connection::connect() {
  ++pool_.core().stats.connections_opened;
  auto on_connect = [self = shared_from_this()](error_code ec) {
    if (self->closed_) return;
    if (ec) return self->fail(http_client_error::connect_failed, ec.message());
    error_code ignored;
    self->socket_.set_option(tcp::no_delay(true), ignored);
    if (self->pool_.tls()) return self->handshake();
    self->connected_ = true;
    self->write();
  };
  if (pool_.endpoint()) {
    socket_.async_connect(*pool_.endpoint(), std::move(on_connect));
    return;
  }
  resolver_.emplace(pool_.executor());
  resolver_->async_resolve(pool_.host(), pool_.port_text(), tcp::resolver::numeric_service,
                           [self = shared_from_this(), on_connect](error_code ec, tcp::resolver::results_type found) {
                             if (self->closed_) return;
                             if (ec) return self->fail(http_client_error::resolve_failed, ec.message());
                             asio::async_connect(
                               self->socket_, found,
                               [on_connect](error_code cec, const tcp::endpoint&) { on_connect(cec); });
                           });
}

void connection::handshake() {
  tls_.emplace(socket_, *pool_.core().tls);
  SSL* ssl = tls_->native_handle();
  const auto& host = pool_.host();
  if (!pool_.numeric()) SSL_set_tlsext_host_name(ssl, host.c_str()); // SNI
  if (pool_.core().options.verify_tls) {
    tls_->set_verify_mode(ssl::verify_peer);
    X509_VERIFY_PARAM* param = SSL_get0_param(ssl); // checked by OpenSSL during the handshake
    if (pool_.numeric())
      X509_VERIFY_PARAM_set1_ip_asc(param, host.c_str());
    else
      X509_VERIFY_PARAM_set1_host(param, host.c_str(), host.size());
  } else {
    tls_->set_verify_mode(ssl::verify_none);
  }
  tls_->async_handshake(ssl::stream_base::client, [self = shared_from_this()](error_code ec) {
    if (self->closed_) return;
    if (ec) {
      auto detail = ec.message();
      const long verdict = SSL_get_verify_result(self->tls_->native_handle());
      if (verdict != X509_V_OK) detail += std::string(": ") + X509_verify_cert_error_string(verdict);
      return self->fail(http_client_error::tls_failed, std::move(detail));
    }
    self->connected_ = true;
    self->write();
  });
}

void connection::write() {
  with_stream([this](auto& stream) {
    asio::async_write(stream, asio::buffer(x->wire), [self = shared_from_this()](error_code ec, std::size_t) {
      if (self->closed_) return;
      // A failed write on a reused connection is retried whatever the method: see the header.
      if (ec) return self->fail(http_client_error::connection_closed, "write: " + ec.message(), true);
      self->start_read();
    });
  });
}

void connection::start_read() {
  parser_.emplace();
  parser_->header_limit(clamp_u32(x->max_bytes));
  parser_->body_limit(std::uint64_t{x->max_bytes});
  if (x->head) parser_->skip(true);
  received_ = 0;
  header_seen_ = false;
  read_some();
}

void connection::read_some() {
  // Never asks for more than one byte past the limit: nothing beyond it is ever held.
  const auto room = std::min(x->max_bytes + 1 - (received_ + buffer_.size()), max_read_chunk);
  with_stream([this, room](auto& stream) {
    stream.async_read_some(buffer_.prepare(room),
                           [self = shared_from_this()](error_code ec, std::size_t n) { self->on_read(ec, n); });
  });
}

void connection::on_read(error_code ec, std::size_t n) {
  if (closed_) return;
  buffer_.commit(n);
  if (n > 0 && parse() != progress::more) return;
  if (!ec) return read_some();
  const bool nothing = received_ == 0 && buffer_.size() == 0;
  if (ec == asio::error::eof || ec == ssl::error::stream_truncated) {
    // Zero bytes then EOF: what a stale keep-alive connection gives; retried for any method.
    if (nothing) return fail(http_client_error::connection_closed, "closed before the response", true);
    error_code pec;
    parser_->put_eof(pec);
    if (!pec && parser_->is_done()) { // a body delimited by the close
      finished(false);
      return;
    }
    return fail(http_client_error::connection_closed, "closed in the middle of the response");
  }
  // A reset or another error before any byte: retried for idempotent methods only.
  fail(http_client_error::connection_closed, "read: " + ec.message(), nothing && x->idempotent);
}

// Feeds the buffered bytes to the parser. The limit counts every byte the parser consumed (status
// line, headers, chunk framing, body) plus those it holds back, so it is exact and checked as the
// bytes arrive; Content-Length is checked as soon as the header is complete.
connection::progress connection::parse() {
  const auto max = x->max_bytes;
  while (buffer_.size() > 0) {
    error_code ec;
    const auto used = parser_->put(buffer_.data(), ec);
    buffer_.consume(used);
    received_ += used;
    if (!header_seen_ && parser_->is_header_done()) {
      header_seen_ = true;
      const int status = parser_->status;
      if (status / 100 == 1) { // interim (100 Continue…): the real response follows
        if (status == 101) return failed(http_client_error::malformed_response, "unexpected 101");
        parser_.emplace();
        parser_->header_limit(clamp_u32(max - std::min(received_, max)));
        if (x->head) parser_->skip(true);
        header_seen_ = false;
        continue;
      }
      const auto left = max - std::min(received_, max);
      if (auto length = parser_->content_length(); length && *length > left)
        return failed(http_client_error::too_large, "Content-Length " + std::to_string(*length) + " over the limit");
      parser_->body_limit(std::uint64_t{left});
      parser_->eager(true); // the header went alone, so the limit could be set in between
    }
    if (ec == http::error::need_more) break;
    if (ec == http::error::body_limit || ec == http::error::header_limit)
      return failed(http_client_error::too_large, ec.message());
    if (ec) return failed(http_client_error::malformed_response, ec.message());
    if (parser_->is_done()) return finished(!x->close && parser_->keep_alive() && buffer_.size() == 0);
    if (used == 0) break;
  }
  if (received_ + buffer_.size() > max) return failed(http_client_error::too_large, "response over the limit");
  return progress::more;
}

connection::progress connection::failed(http_client_error e, std::string detail) {
  fail(e, std::move(detail));
  return progress::failed;
}

connection::progress connection::finished(bool keep) {
  http_client_response r;
  r.status = parser_->status;
  r.headers = std::move(parser_->headers);
  r.body = std::move(parser_->body);
  parser_.reset();
  pool_.succeeded(*this, std::move(r), keep);
  return progress::done;
}

} // namespace ringbid::http_client_detail
