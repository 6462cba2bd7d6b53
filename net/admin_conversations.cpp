// net/admin_conversations.cpp — `GET /admin/conversations` (offset cursor paging,
// basic callers see only their own) and `GET /admin/conversations/{id}/messages`
// (oldest first, capped at 200; admin-auth.md §2.2).
#include "net/admin_support.hpp"
#include "net/request_target.hpp"

#include <algorithm>
#include <charconv>
#include <map>

namespace so::net::admin {

namespace {

using adapters::auth::role;

constexpr std::size_t kDefaultLimit = 50;
constexpr std::size_t kMaxLimit = 200;
constexpr std::size_t kMessageCap = 200;

/// The query's parameters, decoded; none when a name repeats (a parse error, as serde's).
std::optional<std::map<std::string, std::string>> parse_query(std::string_view query) {
  std::map<std::string, std::string> out;
  while (!query.empty()) {
    const auto amp = query.find('&');
    const auto pair = query.substr(0, amp);
    query = amp == std::string_view::npos ? std::string_view() : query.substr(amp + 1);
    if (pair.empty()) continue;
    const auto eq = pair.find('=');
    auto name = url_decode(pair.substr(0, eq));
    auto value = eq == std::string_view::npos ? std::string() : url_decode(pair.substr(eq + 1));
    if (!out.emplace(std::move(name), std::move(value)).second) return std::nullopt;
  }
  return out;
}

/// A non-negative decimal integer; none for anything else (sign, space, overflow).
std::optional<std::uint64_t> parse_count(const std::string& text) {
  if (text.empty()) return std::nullopt;
  std::uint64_t v = 0;
  const auto* end = text.data() + text.size();
  const auto [p, ec] = std::from_chars(text.data(), end, v);
  if (ec != std::errc() || p != end) return std::nullopt;
  return v;
}

/// A conversation is owned when one of its participants is a user whose externalId is
/// the caller's user id. A storage error counts as "not owned" (admin-auth.md §2.2).
bool owns(adapters::storage& storage, const std::string& conversation_id,
          const std::string& user_id) {
  try {
    for (const auto& p : storage.list_participants_by_conversation(conversation_id))
      if (p.type == "user" && p.external_id && *p.external_id == user_id) return true;
  } catch (const std::exception&) {
  }
  return false;
}

void write_row(protocol::json_writer& w, const protocol::conversation& c) {
  w.StartObject();
  protocol::write_key(w, "id");
  protocol::write_string(w, c.id);
  protocol::write_key(w, "name");
  protocol::write_string(w, c.name);
  protocol::write_key(w, "platform");
  std::string platform = c.platform;
  std::transform(platform.begin(), platform.end(), platform.begin(),
                 [](unsigned char ch) { return static_cast<char>(std::tolower(ch)); });
  protocol::write_string(w, platform);
  protocol::write_key(w, "createdAt");
  protocol::write_string(w, protocol::to_rfc3339(c.created_at));
  protocol::write_key(w, "updatedAt");
  protocol::write_string(w, protocol::to_rfc3339(c.updated_at));
  w.EndObject();
}

void list_conversations(const services_ptr& s, route_call call, respond_fn respond) {
  const auto params = parse_query(call.request.query);
  if (!params) return respond(plain_response(400, "Failed to deserialize query string"));
  std::size_t limit = kDefaultLimit;
  std::uint64_t cursor = 0;
  if (auto it = params->find("limit"); it != params->end()) {
    auto v = parse_count(it->second);
    if (!v) return respond(plain_response(400, "Failed to deserialize query string: limit"));
    limit = static_cast<std::size_t>(std::clamp<std::uint64_t>(*v, 1, kMaxLimit));
  }
  if (auto it = params->find("cursor"); it != params->end()) {
    auto v = parse_count(it->second);
    if (!v) return respond(plain_response(400, "Failed to deserialize query string: cursor"));
    cursor = *v;
  }
  const auto who = *call.who;
  off_io(s, who.org_id, respond, [s, who, limit, cursor] {
    auto all = s->storage->list_conversations_by_org(who.org_id);  // newest first
    if (who.user_role == role::basic)
      all.erase(
          std::remove_if(all.begin(), all.end(),
                         [&](const auto& c) { return !owns(*s->storage, c.id, who.user_id); }),
          all.end());
    const std::size_t total = all.size();
    const std::size_t begin = cursor >= total ? total : static_cast<std::size_t>(cursor);
    const std::size_t end = std::min(total, begin + limit);
    return json_response(200, write_json_text([&](protocol::json_writer& w) {
                           w.StartObject();
                           protocol::write_key(w, "conversations");
                           w.StartArray();
                           for (std::size_t i = begin; i < end; ++i) write_row(w, all[i]);
                           w.EndArray();
                           protocol::write_key(w, "nextCursor");
                           const std::uint64_t next = cursor + (end - begin);
                           if (next < total)
                             w.Uint64(next);
                           else
                             w.Null();
                           w.EndObject();
                         }));
  });
}

void list_messages(const services_ptr& s, route_call call, respond_fn respond) {
  const auto who = *call.who;
  auto id = std::move(call.params.at(0));
  off_io(s, id, respond, [s, who, id] {
    const auto conv = s->storage->get_conversation(id);
    // Another org's conversation reads exactly like a missing one.
    if (!conv || conv->organization_id != who.org_id)
      return envelope(*s, 404, "NOT_FOUND", "conversation '" + id + "' not found");
    if (who.user_role == role::basic && !owns(*s->storage, id, who.user_id))
      return envelope(*s, 403, "FORBIDDEN", "you do not have access to this conversation");
    adapters::message_query q;
    q.conversation_id = id;
    q.limit = kMessageCap;
    q.descending = false;
    const auto page = s->storage->list_messages(q);
    return json_response(200, write_json_text([&](protocol::json_writer& w) {
                           w.StartObject();
                           protocol::write_key(w, "conversationId");
                           protocol::write_string(w, id);
                           protocol::write_key(w, "messages");
                           w.StartArray();
                           for (const auto& m : page.messages) protocol::write_json(w, m);
                           w.EndArray();
                           protocol::write_key(w, "nextCursor");
                           write_optional_string(w, page.next_cursor);
                           w.EndObject();
                         }));
  });
}

}  // namespace

void add_conversation_routes(http_router& r, const services_ptr& s) {
  r.add({"GET", "/admin/conversations", role::basic, body_kind::none,
         [s](route_call call, respond_fn respond) {
           list_conversations(s, std::move(call), std::move(respond));
         }});
  r.add({"GET", "/admin/conversations/{id}/messages", role::basic, body_kind::none,
         [s](route_call call, respond_fn respond) {
           list_messages(s, std::move(call), std::move(respond));
         }});
}

}  // namespace so::net::admin
