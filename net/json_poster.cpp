// net/json_poster.cpp — see json_poster.hpp.
#include "net/json_poster.hpp"

#include "net/blocking_http.hpp"

#include <algorithm>
#include <stdexcept>

namespace so::net {

namespace {

class client_json_poster final : public adapters::json_poster {
 public:
  client_json_poster(http_client_ptr http, json_poster_options options)
      : http_(std::move(http)), options_(options) {}

  adapters::json_post_response post(const std::string& url,
                                    const std::vector<std::pair<std::string, std::string>>& headers,
                                    const std::string& body) const override {
    http_request req;
    req.method = "POST";
    req.url = url;
    req.headers = headers;
    req.headers.emplace_back("Content-Type", "application/json");
    req.body = body;
    req.connect_timeout = std::min(options_.timeout, std::chrono::milliseconds(10'000));
    req.idle_timeout = options_.timeout;
    req.total_timeout = options_.timeout;
    req.max_body_bytes = options_.max_body_bytes;
    auto r = blocking_call(http_, std::move(req));
    if (r.outcome.body_too_large)
      throw std::runtime_error("POST " + url + ": the response body is over " +
                               std::to_string(options_.max_body_bytes) + " bytes");
    if (r.outcome.error) throw std::runtime_error("POST " + url + ": " + *r.outcome.error);
    return adapters::json_post_response{r.head.status, std::move(r.body)};
  }

 private:
  http_client_ptr http_;
  json_poster_options options_;
};

}  // namespace

adapters::json_poster_ptr make_json_poster(http_client_ptr http, json_poster_options options) {
  return std::make_shared<client_json_poster>(std::move(http), options);
}

}  // namespace so::net
