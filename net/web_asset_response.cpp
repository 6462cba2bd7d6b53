// net/web_asset_response.cpp — see web_asset_response.hpp.
#include "net/web_asset_response.hpp"

#include <boost/beast/http/field.hpp>
#include <boost/beast/http/verb.hpp>

#include <string>

namespace so::net {

namespace http = boost::beast::http;

namespace {

constexpr const char* kContentSecurityPolicy =
    "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; "
    "connect-src 'self' ws: wss:; object-src 'none'; base-uri 'none'; form-action 'none'; "
    "frame-ancestors 'none'";

// If-None-Match is "*" or a list of (possibly weak, W/"…") entity tags; the weak comparison
// RFC 9110 §13.1.2 asks for here means: the quoted tag appears in the list.
bool matches(std::string_view if_none_match, std::string_view etag) {
  if (if_none_match.empty()) return false;
  if (if_none_match == "*") return true;
  return if_none_match.find(etag) != std::string_view::npos;
}

}  // namespace

http::response<http::string_body> web_asset_response(const web_asset& asset,
                                                     const http::request<http::string_body>& req) {
  http::response<http::string_body> res{http::status::ok, req.version()};
  res.set(http::field::server, "smooth-operator-cpp");
  res.keep_alive(req.keep_alive());
  if (req.method() != http::verb::get) {
    res.result(http::status::method_not_allowed);
    res.set(http::field::allow, "GET");
    res.prepare_payload();
    return res;
  }
  res.set(http::field::cache_control, "no-cache");
  res.set(http::field::etag, std::string(asset.etag));
  res.set("X-Content-Type-Options", "nosniff");
  res.set("Referrer-Policy", "no-referrer");
  res.set("Content-Security-Policy", kContentSecurityPolicy);
  const auto inm = req[http::field::if_none_match];
  if (matches(std::string_view(inm.data(), inm.size()), asset.etag)) {
    res.result(http::status::not_modified);  // no body, no Content-Length
    return res;
  }
  res.set(http::field::content_type, std::string(asset.content_type));
  res.body().assign(asset.body.data(), asset.body.size());
  res.prepare_payload();
  return res;
}

}  // namespace so::net
