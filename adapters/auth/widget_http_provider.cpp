// adapters/auth/widget_http_provider.cpp — see widget_http_provider.hpp.
#include "adapters/auth/widget_http_provider.hpp"

#include "adapters/auth/widget_policy_cache.hpp"
#include "protocol/percent_encoding.hpp"

#include <spdlog/spdlog.h>

#include <algorithm>
#include <memory>
#include <mutex>
#include <unordered_map>
#include <vector>

namespace so::adapters::auth {

namespace {

/// RFC 3986 unreserved (ASCII only, whatever the locale).
bool unreserved(unsigned char c) {
  return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '-' ||
         c == '.' || c == '_' || c == '~';
}

std::string encode_segment(std::string_view s) {
  const bool dots_only = s == "." || s == "..";  // would be a path step, not a name
  return protocol::percent_encode(
      s, [dots_only](unsigned char c) { return unreserved(c) && !(dots_only && c == '.'); });
}

/// Agent ids in logs: bounded (a frame may carry a 1 MiB one) and without control
/// characters (one log line per event).
std::string loggable(std::string_view agent_id) {
  constexpr std::size_t max = 96;
  std::string out(agent_id.substr(0, max));
  for (char& c : out)
    if (static_cast<unsigned char>(c) < 0x20 || c == 0x7f) c = '?';
  if (agent_id.size() > max) out += "...";
  return out;
}

bool plausible_base(std::string_view base) {
  auto lower = std::string(base.substr(0, 8));
  std::transform(lower.begin(), lower.end(), lower.begin(), [](unsigned char c) {
    return static_cast<char>(c >= 'A' && c <= 'Z' ? c + 32 : c);
  });
  const auto rest = lower.rfind("https://", 0) == 0  ? base.substr(8)
                    : lower.rfind("http://", 0) == 0 ? base.substr(7)
                                                     : std::string_view();
  return !rest.empty() && rest.front() != '/';
}

using done_fn = std::function<void(widget_lookup)>;

/// What outlives the provider: the cache, the calls in flight and the settings.
struct shared_state {
  widget_http_options options;
  protocol::clock_ptr clock;
  widget_policy_cache cache;
  bool base_ok = false;

  std::mutex mu;  ///< guards `inflight` (never held across I/O or a callback)
  /// Agent id → every caller waiting for its one upstream call.
  std::unordered_map<std::string, std::vector<done_fn>> inflight;

  shared_state(widget_http_options o, protocol::clock_ptr c)
      : options(std::move(o)), clock(std::move(c)), cache(options.ttl, options.max_cache_bytes) {
    while (!options.base_url.empty() && options.base_url.back() == '/') options.base_url.pop_back();
    base_ok = plausible_base(options.base_url);
  }

  /// Answers every caller waiting for `agent_id`.
  void answer(const std::string& agent_id, const widget_lookup& result) {
    std::vector<done_fn> waiters;
    {
      std::lock_guard lock(mu);
      auto it = inflight.find(agent_id);
      if (it == inflight.end()) return;
      waiters = std::move(it->second);
      inflight.erase(it);
    }
    for (auto& done : waiters) done(result);
  }
};

/// One call's progress (callbacks run one at a time on the client's I/O thread).
struct call_state {
  std::string agent_id;
  int status = 0;
  std::string body;
};

/// The answer of a finished call, cached per the table of widget_http_provider.hpp.
widget_lookup outcome_of(shared_state& st, call_state& cs, const net::http_outcome& o) {
  const auto agent = loggable(cs.agent_id);
  if (o.error || cs.status == 0) {
    spdlog::warn("widget policy lookup for agent '{}' failed (not cached): {}", agent,
                 o.error.value_or("no response"));
    return std::nullopt;
  }
  if (cs.status == 404) {
    st.cache.put(cs.agent_id, std::nullopt, st.clock->now());
    return std::nullopt;
  }
  if (cs.status < 200 || cs.status > 299) {
    spdlog::warn("widget policy service answered {} for agent '{}' (not cached)", cs.status, agent);
    return std::nullopt;
  }
  auto parsed = parse_widget_policy(cs.body);
  if (auto* err = std::get_if<std::string>(&parsed)) {
    spdlog::warn("widget policy for agent '{}' is malformed (not cached): {}", agent, *err);
    return std::nullopt;
  }
  widget_lookup policy = std::get<widget_policy>(std::move(parsed));
  st.cache.put(cs.agent_id, policy, st.clock->now());  // before waiters leave: no gap
  return policy;
}

class http_provider final : public widget_policy_provider {
 public:
  http_provider(net::http_client_ptr http, std::shared_ptr<shared_state> st)
      : http_(std::move(http)), st_(std::move(st)) {
    if (!st_->base_ok)
      spdlog::warn("WIDGET_AUTH_URL is not an http(s) URL: every agent has no policy");
  }

  std::string label() const override { return "http"; }
  std::optional<widget_lookup> lookup_now(const std::string& agent_id) const override {
    return st_->cache.get(agent_id, st_->clock->now());
  }

  void lookup(const std::string& agent_id, done_fn done) const override {
    if (auto hit = st_->cache.get(agent_id, st_->clock->now())) return done(std::move(*hit));
    if (!st_->base_ok) {
      spdlog::warn(
          "widget policy lookup for agent '{}' skipped: WIDGET_AUTH_URL is not an http(s) URL",
          loggable(agent_id));
      return done(std::nullopt);
    }
    {
      std::lock_guard lock(st_->mu);
      if (auto it = st_->inflight.find(agent_id); it != st_->inflight.end()) {
        it->second.push_back(std::move(done));  // joins the call already asking
        return;
      }
      if (st_->inflight.size() < st_->options.max_inflight) {
        st_->inflight[agent_id].push_back(std::move(done));
        done = nullptr;
      }
    }
    if (done) {  // at the bound: answered like an unreachable service
      spdlog::warn("widget policy lookup for agent '{}' refused: {} lookups already in flight",
                   loggable(agent_id), st_->options.max_inflight);
      return done(std::nullopt);
    }
    start_call(agent_id);
  }

 private:
  void start_call(const std::string& agent_id) const {
    const auto& o = st_->options;
    net::http_request req;
    req.method = "GET";
    req.url = widget_policy_url(o.base_url, agent_id);
    req.headers.emplace_back("Accept", "application/json");
    if (o.bearer) req.headers.emplace_back("Authorization", "Bearer " + *o.bearer);
    req.connect_timeout = req.idle_timeout = req.total_timeout = o.timeout;
    req.max_body_bytes = o.max_body_bytes;

    auto cs = std::make_shared<call_state>();
    cs->agent_id = agent_id;
    net::http_callbacks cb;
    cb.on_head = [cs](const net::http_response_head& h) { cs->status = h.status; };
    cb.on_body = [cs](std::string_view chunk) { cs->body.append(chunk); };
    cb.on_complete = [cs, st = st_](const net::http_outcome& outcome) {
      st->answer(cs->agent_id, outcome_of(*st, *cs, outcome));
    };
    http_->start(std::move(req), std::move(cb));
  }

  net::http_client_ptr http_;
  std::shared_ptr<shared_state> st_;
};

}  // namespace

std::string widget_policy_url(std::string_view base_url, std::string_view agent_id) {
  while (!base_url.empty() && base_url.back() == '/') base_url.remove_suffix(1);
  std::string url(base_url);
  url += '/';
  url += encode_segment(agent_id);
  return url;
}

widget_policy_provider_ptr make_http_widget_provider(net::http_client_ptr http,
                                                     protocol::clock_ptr clock,
                                                     widget_http_options options) {
  if (!clock) clock = std::make_shared<protocol::system_clock>();
  auto st = std::make_shared<shared_state>(std::move(options), std::move(clock));
  return std::make_shared<http_provider>(std::move(http), std::move(st));
}

}  // namespace so::adapters::auth
