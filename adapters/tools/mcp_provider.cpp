// adapters/tools/mcp_provider.cpp — see mcp_provider.hpp.
#include "adapters/tools/mcp_provider.hpp"

#include "adapters/tools/mcp_tool.hpp"
#include "protocol/json.hpp"

#include <rapidjson/document.h>
#include <spdlog/spdlog.h>

#include <condition_variable>
#include <future>
#include <mutex>
#include <thread>

namespace so::adapters::tools {
namespace {

using steady = std::chrono::steady_clock;

/// One server: its live session and published tools. Shared with its tools (a tool asks
/// its slot for the current session at each call).
struct server_slot {
  mcp_server_config config;
  mutable std::mutex mutex;
  mcp_session_ptr session;     ///< null while down
  mcp_session_ptr connecting;  ///< during a handshake: shutdown() closes it to end the wait
  std::vector<tool_ptr> tools;
  mcp_server_status status;
};

/// Blocks this (supervisor) thread until `method` is answered or `deadline` passes.
std::string call_blocking(const mcp_session_ptr& s, const std::string& method,
                          const std::string& params, steady::time_point deadline) {
  const auto left = std::chrono::duration_cast<std::chrono::milliseconds>(deadline - steady::now());
  if (left.count() <= 0) throw std::runtime_error("connect timeout reached before " + method);
  auto done = std::make_shared<std::promise<mcp_reply>>();
  auto answer = done->get_future();
  s->request(method, params, left, [done](mcp_reply r) { done->set_value(std::move(r)); });
  auto r = answer.get();  // the session always completes (timeout, close)
  if (r.timed_out) throw std::runtime_error(method + " timed out (connect timeout)");
  if (!r.result_json) throw std::runtime_error(method + " failed: " + r.error);
  return *r.result_json;
}

std::string initialize_params(const std::string& version) {
  rapidjson::StringBuffer sb;
  protocol::json_writer w(sb);
  w.StartObject();
  protocol::write_key(w, "protocolVersion");
  protocol::write_string(w, "2025-06-18");
  protocol::write_key(w, "capabilities");
  w.StartObject();
  w.EndObject();
  protocol::write_key(w, "clientInfo");
  w.StartObject();
  protocol::write_key(w, "name");
  protocol::write_string(w, "smooth-operator");
  protocol::write_key(w, "version");
  protocol::write_string(w, version);
  w.EndObject();
  w.EndObject();
  return {sb.GetString(), sb.GetSize()};
}

}  // namespace

struct mcp_provider::impl {
  mcp_connect_fn connect;
  mcp_provider_options options;
  std::vector<std::shared_ptr<server_slot>> slots;  ///< enabled entries, config order
  std::vector<std::thread> supervisors;
  mutable std::mutex mutex;  ///< guards stopping (and pairs with `wake`)
  mutable std::condition_variable wake;
  bool stopping = false;

  bool sleep_for(std::chrono::milliseconds d) {  // false when stopping
    std::unique_lock lock(mutex);
    return !wake.wait_for(lock, d, [this] { return stopping; });
  }
  bool stopped() const {
    std::lock_guard lock(mutex);
    return stopping;
  }
  void changed() const {
    { std::lock_guard lock(mutex); }  // a waiter between its check and its wait sees this
    wake.notify_all();
  }

  std::vector<tool_ptr> list_tools(const std::shared_ptr<server_slot>& slot,
                                   const mcp_session_ptr& s, steady::time_point deadline) {
    std::vector<tool_ptr> tools;
    std::optional<std::string> cursor;
    std::weak_ptr<server_slot> weak = slot;
    const mcp_session_source source = [weak]() -> mcp_session_ptr {
      auto sl = weak.lock();
      if (!sl) return nullptr;
      std::lock_guard lock(sl->mutex);
      return sl->session;
    };
    for (int page = 0; page < 100; ++page) {
      std::string params = "{}";
      if (cursor) {
        rapidjson::StringBuffer sb;
        protocol::json_writer w(sb);
        w.StartObject();
        protocol::write_key(w, "cursor");
        protocol::write_string(w, *cursor);
        w.EndObject();
        params.assign(sb.GetString(), sb.GetSize());
      }
      rapidjson::Document doc;
      const auto text = call_blocking(s, "tools/list", params, deadline);
      if (!protocol::parse_untrusted(doc, text).ok || !doc.IsObject())
        throw std::runtime_error("tools/list: the result is not an object");
      const auto* list = protocol::get_member(doc, "tools");
      if (list == nullptr || !list->IsArray())
        throw std::runtime_error("tools/list: the result has no `tools` array");
      for (const auto& t : list->GetArray()) {
        const auto name = t.IsObject() ? protocol::get_string(t, "name") : std::nullopt;
        if (!name || name->empty()) continue;
        if (tools.size() == kMaxToolsPerServer) {
          spdlog::warn("mcp server `{}`: more than {} tools, the rest are ignored",
                       slot->config.name, kMaxToolsPerServer);
          return tools;
        }
        llm::tool_spec spec;
        spec.name = mcp_tool_name(slot->config.name, *name);
        spec.description = protocol::get_string(t, "description").value_or("");
        if (const auto* schema = protocol::get_member(t, "inputSchema");
            schema != nullptr && schema->IsObject())
          spec.parameters_json = protocol::to_compact_json(*schema);
        spec.parameters_compact = true;  // compact object (or the default): not parsed again
        mcp_tool_options to;
        to.server = slot->config.name;
        to.remote_name = *name;
        to.call_timeout = slot->config.call_timeout;
        to.max_result_bytes = options.max_result_bytes;
        tools.push_back(std::make_shared<mcp_tool>(std::move(spec), std::move(to), source));
      }
      cursor = protocol::get_string(doc, "nextCursor");
      if (!cursor || cursor->empty()) return tools;
    }
    return tools;
  }

  /// One attempt: connect, handshake, list, publish. Throws on failure.
  mcp_session_ptr connect_once(const std::shared_ptr<server_slot>& slot) {
    const auto entry = expand_entry(slot->config, options.env);
    const auto deadline = steady::now() + entry.connect_timeout;
    auto session = connect(entry);
    if (!session) throw std::runtime_error("no session");
    {
      std::lock_guard lock(slot->mutex);
      slot->connecting = session;
    }
    if (stopped()) session->close();  // shutdown() ran before `connecting` was set
    try {
      call_blocking(session, "initialize", initialize_params(options.client_version), deadline);
      session->notify("notifications/initialized", "");
      auto tools = list_tools(slot, session, deadline);
      std::lock_guard lock(slot->mutex);
      slot->connecting.reset();
      if (!session->alive()) throw std::runtime_error("closed during the handshake");
      slot->session = session;
      slot->tools = std::move(tools);
      slot->status.connected = true;
      slot->status.tools = slot->tools.size();
    } catch (...) {
      {
        std::lock_guard lock(slot->mutex);
        slot->connecting.reset();
      }
      session->close();
      throw;
    }
    return session;
  }

  static std::size_t session_tools(const std::shared_ptr<server_slot>& slot) {
    std::lock_guard lock(slot->mutex);
    return slot->tools.size();
  }

  void supervise(const std::shared_ptr<server_slot>& slot) {
    const auto& name = slot->config.name;
    auto delay = options.retry_initial;
    while (!stopped()) {
      {
        std::lock_guard lock(slot->mutex);
        ++slot->status.attempts;
      }
      mcp_session_ptr session;
      try {
        session = connect_once(slot);
        spdlog::info("mcp server `{}`: connected, {} tools", name, session_tools(slot));
        delay = options.retry_initial;
        changed();
        // Watch the session until it dies or we stop (its threads report the death).
        while (session->alive() && sleep_for(std::chrono::milliseconds(100))) {
        }
        if (stopped()) break;
        const auto why = session->close_reason();
        spdlog::warn("mcp server `{}`: disconnected ({}); its tools are gone until it reconnects",
                     name, why);
        {
          std::lock_guard lock(slot->mutex);
          slot->session.reset();
          slot->tools.clear();
          slot->status.connected = false;
          slot->status.tools = 0;
          slot->status.last_error = why;
        }
        session->close();
      } catch (const std::exception& e) {
        {
          std::lock_guard lock(slot->mutex);
          slot->status.last_error = e.what();
          ++slot->status.failures;
        }
        spdlog::warn("mcp server `{}` skipped: {}; retrying in {}", name, e.what(),
                     mcp_duration_text(delay));
        changed();
      }
      if (!sleep_for(delay)) break;
      delay = std::min(delay * 2, options.retry_max);
    }
    mcp_session_ptr last;
    {
      std::lock_guard lock(slot->mutex);
      last = std::move(slot->session);
      slot->tools.clear();
      slot->status.connected = false;
    }
    if (last) last->close();
  }
};

mcp_provider::mcp_provider(mcp_config config, mcp_connect_fn connect, mcp_provider_options options)
    : impl_(std::make_shared<impl>()) {
  impl_->connect = std::move(connect);
  impl_->options = std::move(options);
  for (auto& entry : config.servers) {
    if (entry.disabled) continue;
    if (entry.command.empty() && !entry.url) {
      spdlog::warn("mcp: server `{}` has neither `command` nor `url`; skipped", entry.name);
      continue;
    }
    auto slot = std::make_shared<server_slot>();
    slot->status.name = entry.name;
    slot->config = std::move(entry);
    impl_->slots.push_back(std::move(slot));
  }
}

mcp_provider::~mcp_provider() {
  shutdown();
}

void mcp_provider::start() {
  for (const auto& slot : impl_->slots)
    impl_->supervisors.emplace_back([impl = impl_, slot] { impl->supervise(slot); });
}

std::vector<tool_ptr> mcp_provider::tools_for(const tool_context& /*ctx*/) {
  std::vector<tool_ptr> out;
  for (const auto& slot : impl_->slots) {
    std::lock_guard lock(slot->mutex);
    out.insert(out.end(), slot->tools.begin(), slot->tools.end());
  }
  return out;
}

std::vector<mcp_server_status> mcp_provider::status() const {
  std::vector<mcp_server_status> out;
  for (const auto& slot : impl_->slots) {
    std::lock_guard lock(slot->mutex);
    out.push_back(slot->status);
  }
  return out;
}

bool mcp_provider::wait_settled(std::chrono::milliseconds timeout, std::size_t failures) const {
  const auto settled = [&] {
    for (const auto& s : status())
      if (!s.connected && s.failures < failures) return false;
    return true;
  };
  std::unique_lock lock(impl_->mutex);
  return impl_->wake.wait_for(lock, timeout, [&] { return impl_->stopping || settled(); });
}

void mcp_provider::shutdown() {
  {
    std::lock_guard lock(impl_->mutex);
    impl_->stopping = true;
  }
  impl_->wake.notify_all();
  // A supervisor may be waiting on a handshake: closing its session ends the wait now
  // rather than at the connect timeout.
  for (const auto& slot : impl_->slots) {
    mcp_session_ptr pending;
    {
      std::lock_guard lock(slot->mutex);
      pending = slot->connecting;
    }
    if (pending) pending->close();
  }
  for (auto& t : impl_->supervisors)
    if (t.joinable()) t.join();
  impl_->supervisors.clear();
}

}  // namespace so::adapters::tools
