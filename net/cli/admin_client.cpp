// net/cli/admin_client.cpp — see admin_client.hpp.
#include "net/cli/admin_client.hpp"

#include <boost/asio/connect.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>

#include <stdexcept>

namespace so::cli {

namespace asio = boost::asio;
namespace beast = boost::beast;
namespace http = beast::http;
using tcp = asio::ip::tcp;

admin_reply admin_post(const std::string& host, std::uint16_t port, const std::string& target,
                       const std::string& token, const std::string& json_body,
                       std::chrono::milliseconds timeout) {
  asio::io_context ioc;
  tcp::resolver resolver(ioc);
  beast::tcp_stream stream(ioc);
  beast::error_code ec;
  auto endpoints = resolver.resolve(host, std::to_string(port), ec);
  if (ec) throw std::runtime_error("cannot resolve " + host + ": " + ec.message());

  http::request<http::string_body> req{http::verb::post, target, 11};
  req.set(http::field::host, host + ":" + std::to_string(port));
  req.set(http::field::user_agent, "smooth-operator-cli");
  req.set(http::field::content_type, "application/json");
  req.set(http::field::authorization, "Bearer " + token);
  req.body() = json_body;
  req.prepare_payload();

  beast::flat_buffer buffer;
  http::response<http::string_body> res;
  std::string failed;  // the step that failed, with its reason
  // One deadline for the whole exchange: each step re-arms what is left of it.
  const auto deadline = std::chrono::steady_clock::now() + timeout;
  stream.expires_at(deadline);
  stream.async_connect(endpoints, [&](beast::error_code e, const tcp::endpoint&) {
    if (e) {
      failed = "cannot connect to " + host + ":" + std::to_string(port) + ": " + e.message();
      return;
    }
    stream.expires_at(deadline);
    http::async_write(stream, req, [&](beast::error_code e, std::size_t) {
      if (e) {
        failed = "request failed: " + e.message();
        return;
      }
      stream.expires_at(deadline);
      http::async_read(stream, buffer, res, [&](beast::error_code e, std::size_t) {
        if (e) failed = "no answer: " + e.message();
      });
    });
  });
  ioc.run();
  if (!failed.empty()) throw std::runtime_error(failed);
  stream.socket().shutdown(tcp::socket::shutdown_both, ec);
  return {static_cast<int>(res.result_int()), res.body()};
}

}  // namespace so::cli
