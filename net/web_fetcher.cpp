// net/web_fetcher.cpp — see web_fetcher.hpp.
#include "net/web_fetcher.hpp"

#include "adapters/knowledge/connectors/ssrf_guard.hpp"
#include "net/blocking_http.hpp"
#include "net/io_thread_index.hpp"
#include "net/url.hpp"

#include <arpa/inet.h>
#include <netdb.h>
#include <sys/socket.h>

#include <stdexcept>

namespace so::net {

namespace {

std::vector<std::string> getaddrinfo_resolver(const std::string& host) {
  addrinfo hints{};
  hints.ai_family = AF_UNSPEC;
  hints.ai_socktype = SOCK_STREAM;
  addrinfo* res = nullptr;
  if (const int rc = getaddrinfo(host.c_str(), nullptr, &hints, &res); rc != 0)
    throw std::runtime_error("resolve " + host + ": " + gai_strerror(rc));
  std::vector<std::string> out;
  for (auto* p = res; p; p = p->ai_next) {
    char buf[INET6_ADDRSTRLEN] = {};
    const void* addr =
        p->ai_family == AF_INET
            ? static_cast<const void*>(&reinterpret_cast<sockaddr_in*>(p->ai_addr)->sin_addr)
            : static_cast<const void*>(&reinterpret_cast<sockaddr_in6*>(p->ai_addr)->sin6_addr);
    if ((p->ai_family == AF_INET || p->ai_family == AF_INET6) &&
        inet_ntop(p->ai_family, addr, buf, sizeof buf))
      out.emplace_back(buf);
  }
  freeaddrinfo(res);
  return out;
}

class http_web_fetcher final : public adapters::connectors::web_fetcher {
 public:
  http_web_fetcher(http_client_ptr http, web_fetcher_options options, host_resolver resolver)
      : http_(std::move(http)), options_(options), resolver_(std::move(resolver)) {
    if (!resolver_) resolver_ = getaddrinfo_resolver;
  }

  adapters::connectors::web_page fetch(const std::string& url) const override {
    if (current_io_thread().io != nullptr)
      throw std::logic_error("web fetch called on an io thread (it blocks)");
    std::string current = url;
    for (unsigned hop = 0; hop <= options_.max_redirects; ++hop) {
      auto parsed = parse_url(current);
      if (auto* error = std::get_if<std::string>(&parsed)) throw std::runtime_error(*error);
      const auto& u = std::get<parsed_url>(parsed);
      const std::string pinned = vetted_address(u.host, current);

      http_request req;
      req.method = "GET";
      req.url = current;
      req.headers.emplace_back("Accept", "text/html, text/plain;q=0.9, */*;q=0.5");
      req.headers.emplace_back("User-Agent", "smooth-operator-indexer");
      req.connect_timeout = std::min(options_.timeout, std::chrono::milliseconds(10'000));
      req.idle_timeout = options_.timeout;
      req.total_timeout = options_.timeout;
      req.max_body_bytes = options_.max_bytes;
      req.connect_address = pinned;
      auto result = blocking_call(http_, std::move(req));
      auto* state = &result;

      if (state->outcome.body_too_large)
        throw std::runtime_error("GET " + current + ": the response body is over " +
                                 std::to_string(options_.max_bytes) +
                                 " bytes (SMOOTH_AGENT_WEB_CONNECTOR_MAX_BYTES)");
      if (state->outcome.error)
        throw std::runtime_error("GET " + current + ": " + *state->outcome.error);
      const int status = state->head.status;
      if (status == 301 || status == 302 || status == 303 || status == 307 || status == 308) {
        const auto location = state->head.header("Location");
        if (!location || location->empty())
          throw std::runtime_error("GET " + current + ": HTTP " + std::to_string(status) +
                                   " without a Location");
        current = resolve_location(current, *location);
        continue;
      }
      if (status < 200 || status > 299)
        throw std::runtime_error("GET " + current + ": HTTP " + std::to_string(status));
      adapters::connectors::web_page page;
      page.url = current;
      page.status = status;
      page.content_type = state->head.header("Content-Type").value_or("");
      page.body = std::move(state->body);
      return page;
    }
    throw std::runtime_error("GET " + url + ": more than " +
                             std::to_string(options_.max_redirects) + " redirects");
  }

 private:
  /// Every address `host` resolves to passes the guard: the first one, else throws.
  std::string vetted_address(const std::string& host, const std::string& url) const {
    const auto addresses = resolver_(host);
    if (addresses.empty()) throw std::runtime_error("resolve " + host + ": no address");
    for (const auto& a : addresses)
      if (auto why = adapters::connectors::ssrf_refusal(a, options_.allow_loopback))
        throw std::runtime_error("refusing " + url + ": " + host + " resolves to " + a + ", " +
                                 *why + " (SSRF guard)");
    return addresses.front();
  }

  http_client_ptr http_;
  web_fetcher_options options_;
  host_resolver resolver_;
};

}  // namespace

std::string resolve_location(const std::string& base, const std::string& location) {
  const auto scheme_end = location.find("://");
  if (scheme_end != std::string::npos && location.find('/') > scheme_end) return location;
  const auto base_scheme_end = base.find("://");
  const std::string scheme = base.substr(0, base_scheme_end);
  if (location.rfind("//", 0) == 0) return scheme + ":" + location;
  const auto authority_end = base.find_first_of("/?#", base_scheme_end + 3);
  const std::string origin = base.substr(0, authority_end);
  if (!location.empty() && location.front() == '/') return origin + location;
  // A relative path: against the base path's directory.
  std::string path = authority_end == std::string::npos ? "/" : base.substr(authority_end);
  path = path.substr(0, path.find_first_of("?#"));
  if (path.empty()) path = "/";
  path = path.substr(0, path.rfind('/') + 1);
  return origin + path + location;
}

std::shared_ptr<const adapters::connectors::web_fetcher> make_web_fetcher(
    http_client_ptr http, web_fetcher_options options, host_resolver resolver) {
  return std::make_shared<http_web_fetcher>(std::move(http), options, std::move(resolver));
}

}  // namespace so::net
