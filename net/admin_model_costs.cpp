// net/admin_model_costs.cpp — see admin_model_costs.hpp.
#include "net/admin_model_costs.hpp"

#include "protocol/json.hpp"

namespace so::net {

namespace {

constexpr std::uint64_t kMaxInfoBytes = 8u << 20;

void write_number_or_null(protocol::json_writer& w, const rapidjson::Value* v) {
  if (v && v->IsNumber())
    v->Accept(w);
  else
    w.Null();
}

}  // namespace

model_cost_cache::model_cost_cache(http_client_ptr http, std::string gateway_url,
                                   std::string api_key, std::chrono::milliseconds timeout)
    : http_(std::move(http)), api_key_(std::move(api_key)), timeout_(timeout) {
  while (!gateway_url.empty() && gateway_url.back() == '/') gateway_url.pop_back();
  url_ = gateway_url + "/model/info";
}

std::optional<std::string> model_cost_cache::map_model_info(std::string_view body) {
  rapidjson::Document d;
  if (!protocol::parse_untrusted(d, body).ok || !d.IsObject()) return std::nullopt;
  const auto* data = protocol::get_member(d, "data");
  if (!data || !data->IsArray()) return std::nullopt;
  rapidjson::StringBuffer sb;
  protocol::json_writer w(sb);
  w.StartObject();
  for (const auto& entry : data->GetArray()) {
    if (!entry.IsObject()) continue;
    auto name = protocol::get_string(entry, "model_name");
    if (!name || name->empty()) continue;
    const auto* info = protocol::get_member(entry, "model_info");
    const rapidjson::Value empty(rapidjson::kObjectType);
    const auto& i = info && info->IsObject() ? *info : empty;
    protocol::write_key(w, *name);
    w.StartObject();
    protocol::write_key(w, "inputCostPerToken");
    write_number_or_null(w, protocol::get_member(i, "input_cost_per_token"));
    protocol::write_key(w, "outputCostPerToken");
    write_number_or_null(w, protocol::get_member(i, "output_cost_per_token"));
    protocol::write_key(w, "tier");
    if (auto tier = protocol::get_string(i, "tier"))
      protocol::write_string(w, *tier);
    else
      w.Null();
    protocol::write_key(w, "useCases");
    w.StartArray();
    if (const auto* uc = protocol::get_member(i, "use_cases"); uc && uc->IsArray())
      for (const auto& u : uc->GetArray())
        if (u.IsString()) protocol::write_string(w, {u.GetString(), u.GetStringLength()});
    w.EndArray();
    protocol::write_key(w, "maxOutputTokens");
    write_number_or_null(w, protocol::get_member(i, "max_output_tokens"));
    w.EndObject();
  }
  w.EndObject();
  return std::string(sb.GetString(), sb.GetSize());
}

void model_cost_cache::get(std::function<void(std::string)> done) {
  {
    std::lock_guard lock(mu_);
    if (cached_) return done(*cached_);
  }
  if (!http_) return done("{}");
  http_request req;
  req.method = "GET";
  req.url = url_;
  if (!api_key_.empty()) req.headers.emplace_back("Authorization", "Bearer " + api_key_);
  req.headers.emplace_back("Accept", "application/json");
  req.connect_timeout = timeout_;
  req.idle_timeout = timeout_;
  req.total_timeout = timeout_;
  req.max_body_bytes = kMaxInfoBytes;

  struct call_state {
    int status = 0;
    std::string body;
  };
  auto st = std::make_shared<call_state>();
  http_callbacks cb;
  cb.on_head = [st](const http_response_head& h) { st->status = h.status; };
  cb.on_body = [st](std::string_view chunk) { st->body.append(chunk); };
  cb.on_complete = [self = shared_from_this(), st, done = std::move(done)](const http_outcome& o) {
    if (o.error || st->status < 200 || st->status >= 300) return done("{}");
    auto mapped = map_model_info(st->body);
    if (!mapped) return done("{}");
    {
      std::lock_guard lock(self->mu_);
      if (!self->cached_) self->cached_ = *mapped;
    }
    done(std::move(*mapped));
  };
  http_->start(std::move(req), std::move(cb));
}

}  // namespace so::net
