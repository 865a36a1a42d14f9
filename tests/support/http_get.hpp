#pragma once
// Blocking requests for tests that talk to a node or a simulator over HTTP.

#include "adapters/http/http_client.hpp"

#include <chrono>
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

} // namespace ringbid::test
