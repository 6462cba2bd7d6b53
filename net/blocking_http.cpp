// net/blocking_http.cpp — see blocking_http.hpp.
#include "net/blocking_http.hpp"

#include "net/io_thread_index.hpp"

#include <future>
#include <stdexcept>

namespace so::net {

namespace {

struct call_state {
  std::promise<void> done;
  blocking_result result;
};

class client_http_getter final : public adapters::connectors::http_getter {
 public:
  client_http_getter(http_client_ptr http, http_getter_options options)
      : http_(std::move(http)), options_(options) {}

  adapters::connectors::http_get_response get(
      const std::string& url,
      const std::vector<std::pair<std::string, std::string>>& headers) const override {
    http_request req;
    req.method = "GET";
    req.url = url;
    req.headers = headers;
    req.connect_timeout = std::min(options_.timeout, std::chrono::milliseconds(10'000));
    req.idle_timeout = options_.timeout;
    req.total_timeout = options_.timeout;
    req.max_body_bytes = options_.max_bytes;
    auto r = blocking_call(http_, std::move(req));
    if (r.outcome.body_too_large)
      throw std::runtime_error("GET " + url + ": the response body is over " +
                               std::to_string(options_.max_bytes) + " bytes");
    if (r.outcome.error) throw std::runtime_error("GET " + url + ": " + *r.outcome.error);
    adapters::connectors::http_get_response out;
    out.status = r.head.status;
    out.headers = std::move(r.head.headers);
    out.body = std::move(r.body);
    return out;
  }

 private:
  http_client_ptr http_;
  http_getter_options options_;
};

}  // namespace

blocking_result blocking_call(const http_client_ptr& http, http_request request) {
  if (current_io_thread().io != nullptr)
    throw std::logic_error("a blocking HTTP call on an io thread (it would deadlock)");
  const auto wait = request.total_timeout + std::chrono::seconds(5);
  auto state = std::make_shared<call_state>();
  auto finished = state->done.get_future();
  http_callbacks cb;
  cb.on_head = [state](const http_response_head& h) { state->result.head = h; };
  cb.on_body = [state](std::string_view chunk) { state->result.body.append(chunk); };
  cb.on_complete = [state](const http_outcome& o) {
    state->result.outcome = o;
    state->done.set_value();
  };
  auto call = http->start(std::move(request), std::move(cb));
  if (finished.wait_for(wait) != std::future_status::ready) {
    call->cancel();
    throw std::runtime_error(
        "request timed out (no outcome within " +
        std::to_string(std::chrono::duration_cast<std::chrono::seconds>(wait).count()) + " s)");
  }
  return std::move(state->result);
}

std::shared_ptr<const adapters::connectors::http_getter> make_http_getter(
    http_client_ptr http, http_getter_options options) {
  return std::make_shared<client_http_getter>(std::move(http), options);
}

}  // namespace so::net
