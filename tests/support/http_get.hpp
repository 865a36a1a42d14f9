#pragma once
// Blocking requests for tests that talk to a node or a simulator over HTTP.

#include "adapters/http/http_client.hpp"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <unistd.h>

#include <chrono>
#include <cstdint>
#include <future>
#include <string>
#include <utility>
#include <vector>

namespace ringbid::test {

/// `method` `url` with `headers` and `body`; waits for the answer (5 s at most).
inline http_client_response http_call(const std::string& method, const std::string& url,
                                      std::vector<std::pair<std::string, std::string>> headers = {},
                                      std::string body = {}) {
  http_client client;
  http_client_request req;
  req.method = method;
  req.url = url;
  req.headers = std::move(headers);
  req.body = std::move(body);
  req.timeout = std::chrono::milliseconds{5'000};
  req.max_response_bytes = 4 << 20;
  std::promise<http_client_response> p;
  auto f = p.get_future();
  client.send(std::move(req), [&p](http_client_response r) { p.set_value(std::move(r)); });
  return f.get();
}

inline http_client_response http_get(const std::string& url,
                                     std::vector<std::pair<std::string, std::string>> headers = {}) {
  return http_call("GET", url, std::move(headers));
}

/// The status line's first 12 bytes ("HTTP/1.1 413") of the answer to a raw
/// `request` sent to 127.0.0.1:`port`: for requests a well-behaved client
/// cannot send (oversized, malformed).
inline std::string status_line(uint16_t port, const std::string& request) {
  int fd = ::socket(AF_INET, SOCK_STREAM, 0);
  sockaddr_in at{};
  at.sin_family = AF_INET;
  at.sin_port = htons(port);
  at.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  timeval limit{5, 0};
  ::setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &limit, sizeof limit);
  std::string answer;
  if (::connect(fd, reinterpret_cast<sockaddr*>(&at), sizeof at) == 0 &&
      ::send(fd, request.data(), request.size(), MSG_NOSIGNAL) == ssize_t(request.size())) {
    char buf[64];
    while (answer.size() < 12) {
      auto n = ::recv(fd, buf, sizeof buf, 0);
      if (n <= 0) break;
      answer.append(buf, size_t(n));
    }
  }
  ::close(fd);
  return answer.substr(0, 12);
}

} // namespace ringbid::test
