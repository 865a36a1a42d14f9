#pragma once
// A blocking GET for tests that talk to a node or a simulator over HTTP.

#include "adapters/http/http_client.hpp"

#include <chrono>
#include <future>
#include <string>
#include <utility>
#include <vector>

namespace ringbid::test {

inline http_client_response http_get(const std::string& url,
                                     std::vector<std::pair<std::string, std::string>> headers = {}) {
  http_client client;
  http_client_request req;
  req.method = "GET";
  req.url = url;
  req.headers = std::move(headers);
  req.timeout = std::chrono::milliseconds{5'000};
  req.max_response_bytes = 4 << 20;
  std::promise<http_client_response> p;
  auto f = p.get_future();
  client.send(std::move(req), [&p](http_client_response r) { p.set_value(std::move(r)); });
  return f.get();
}

} // namespace ringbid::test
