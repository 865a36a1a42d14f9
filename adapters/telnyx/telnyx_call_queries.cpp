#include "adapters/telnyx/telnyx_call_queries.hpp"

#include "adapters/http/http_client.hpp"
#include "adapters/telnyx/telnyx_call_info.hpp"

#include <set>
#include <utility>
#include <vector>

namespace ringbid {

namespace {

/// What one active_calls question has gathered so far.
struct listing {
  std::vector<std::string> callers;
  std::set<std::string> seen_cursors; ///< a cursor seen twice would loop: given up
  int pages = 0;
  active_calls_done done;
};

} // namespace

struct telnyx_call_queries::impl {
  telnyx_api_options api;
  telnyx_query_options options;
  http_client client;
  telnyx_query_stats stats;

  impl(telnyx_api_options a, telnyx_query_options o)
    : api(std::move(a)), options(std::move(o)), client(client_options(api)) {}

  static http_client_options client_options(const telnyx_api_options& api) {
    http_client_options c;
    c.io_threads = 1;
    c.max_connections_per_host = 4;
    c.verify_tls = api.verify_tls;
    c.ca_file = api.ca_file;
    return c;
  }

  http_client_request get(std::string path) const {
    http_client_request req;
    req.method = "GET";
    req.url = api.base_url + path;
    req.timeout = options.request_timeout;
    req.max_response_bytes = 4 << 20; // a page of 250 calls fits many times over
    req.headers = {{"Accept", "application/json"}};
    if (!api.api_key.empty()) req.headers.emplace_back("Authorization", "Bearer " + api.api_key);
    return req;
  }

  static void next_page(const std::shared_ptr<impl>& self, std::shared_ptr<listing> list, const std::string& after) {
    auto path = active_calls_path(self->options.connection_id, after, self->options.page_limit);
    ++self->stats.requests;
    ++list->pages;
    std::weak_ptr<impl> weak = self;
    self->client.send(self->get(std::move(path)), [weak, list](http_client_response r) {
      auto me = weak.lock();
      auto fail = [&] {
        if (me) ++me->stats.failed;
        list->done(std::nullopt);
      };
      if (!me || !r.ok()) return fail();
      auto page = read_active_calls(r.status, r.body);
      if (!page.ok) return fail();
      for (auto& c : page.calls)
        if (c.leg == call_leg::caller) list->callers.push_back(std::move(c.call_control_id));
      if (page.next_after.empty()) return list->done(std::move(list->callers));
      if (list->pages >= me->options.max_pages || !list->seen_cursors.insert(page.next_after).second) return fail();
      next_page(me, list, page.next_after);
    });
  }
};

telnyx_call_queries::telnyx_call_queries(telnyx_api_options api, telnyx_query_options options)
  : impl_(std::make_shared<impl>(std::move(api), std::move(options))) {}

telnyx_call_queries::~telnyx_call_queries() { stop(); }

void telnyx_call_queries::stop() { impl_->client.stop(); }

const telnyx_query_stats& telnyx_call_queries::statistics() const noexcept { return impl_->stats; }

void telnyx_call_queries::call_status(const std::string& call_control_id, call_status_done done) {
  ++impl_->stats.requests;
  std::weak_ptr<impl> weak = impl_;
  impl_->client.send(impl_->get(call_status_path(call_control_id)),
                     [weak, id = call_control_id, done = std::move(done)](http_client_response r) {
                       auto me = weak.lock();
                       std::optional<carrier_call_status> status;
                       if (me && r.ok()) status = read_call_status(r.status, r.body, id).status;
                       if (me && !status) ++me->stats.failed;
                       done(status);
                     });
}

void telnyx_call_queries::active_calls(active_calls_done done) {
  if (impl_->options.connection_id.empty()) {
    ++impl_->stats.failed;
    done(std::nullopt);
    return;
  }
  auto list = std::make_shared<listing>();
  list->done = std::move(done);
  impl::next_page(impl_, std::move(list), {});
}

} // namespace ringbid
