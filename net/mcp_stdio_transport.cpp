// net/mcp_stdio_transport.cpp — see mcp_stdio_transport.hpp.
#include "net/mcp_stdio_transport.hpp"

#include "net/mcp_child_process.hpp"

#include <spdlog/spdlog.h>

#include <atomic>
#include <mutex>
#include <thread>

namespace so::net {
namespace {

class stdio_transport final : public mcp_transport {
 public:
  explicit stdio_transport(mcp_stdio_options o) : options_(std::move(o)) {}
  ~stdio_transport() override { close(); }

  void start(mcp_transport_handlers handlers) override {
    handlers_ = std::move(handlers);
    child_ = std::make_unique<mcp_child_process>(options_.command, options_.args, options_.env);
    reader_ = std::thread([this] { read_loop(); });
  }

  bool send(const std::string& message, std::optional<std::int64_t> /*request_id*/,
            std::chrono::milliseconds /*timeout*/) override {
    if (!child_) return false;
    // One message per line: the writer never emits a raw newline inside JSON text.
    std::string line = message;
    line.push_back('\n');
    return child_->write_all(line);
  }

  void close() override {
    std::call_once(closed_, [this] {
      closing_ = true;
      if (child_) child_->terminate();  // its stdout closes: the reader sees the end
      if (reader_.joinable()) {
        // Closed from the reader itself (its handler dropped the last owner): no self-join.
        if (reader_.get_id() == std::this_thread::get_id())
          reader_.detach();
        else
          reader_.join();
      }
    });
  }

 private:
  void read_loop() {
    std::string line;
    bool skipping = false;  // inside a line that passed the bound
    char buf[16384];
    while (true) {
      const auto n = child_->read_some(buf, sizeof buf);
      if (n == 0) break;
      std::string_view chunk(buf, n);
      while (!chunk.empty()) {
        const auto nl = chunk.find('\n');
        const auto piece = chunk.substr(0, nl);
        if (!skipping) {
          if (line.size() + piece.size() > kMcpMaxMessageBytes) {
            spdlog::warn("mcp server `{}`: dropped a message longer than {} bytes", options_.server,
                         kMcpMaxMessageBytes);
            skipping = true;
            line.clear();
          } else {
            line.append(piece);
          }
        }
        if (nl == std::string_view::npos) break;
        if (!skipping && !line.empty() && line.find_first_not_of(" \t\r") != std::string::npos)
          handlers_.on_message(line);
        line.clear();
        skipping = false;
        chunk.remove_prefix(nl + 1);
      }
    }
    const auto how = child_->terminate();
    if (!closing_) handlers_.on_closed("the server process " + how);
  }

  mcp_stdio_options options_;
  mcp_transport_handlers handlers_;
  std::unique_ptr<mcp_child_process> child_;
  std::thread reader_;
  std::once_flag closed_;
  std::atomic<bool> closing_{false};
};

}  // namespace

mcp_transport_ptr make_mcp_stdio_transport(mcp_stdio_options options) {
  return std::make_unique<stdio_transport>(std::move(options));
}

}  // namespace so::net
