// protocol/action.cpp — one inbound text frame to one typed `action`.
//
// Validation order, codes and texts: protocol.md §3.0, §3.3–§3.6, §5, §9.1 and
// decisions.md. Contract: pure, never throws on bad input; safe from any thread.
#include "protocol/action.hpp"

#include "protocol/conversation_titles.hpp"
#include "protocol/error_codes.hpp"
#include "protocol/otp_events.hpp"
#include "protocol/utf8.hpp"

#include <cstdint>
#include <string>
#include <utility>

namespace so::protocol {
namespace {

// Decodes the code point at `i` of valid UTF-8 (parse_untrusted validated it)
// and advances `i`.
char32_t next_code_point(std::string_view s, std::size_t& i) {
  const auto b0 = static_cast<unsigned char>(s[i]);
  std::size_t len = b0 < 0x80 ? 1 : b0 < 0xE0 ? 2 : b0 < 0xF0 ? 3 : 4;
  if (i + len > s.size()) len = s.size() - i;  // defensive: never read past the end
  char32_t cp = len == 1 ? b0 : len == 2 ? (b0 & 0x1F) : len == 3 ? (b0 & 0x0F) : (b0 & 0x07);
  for (std::size_t k = 1; k < len; ++k) {
    cp = (cp << 6) | (static_cast<unsigned char>(s[i + k]) & 0x3F);
  }
  i += len;
  return cp;
}

// Unicode White_Space, the set Rust's `str::trim` (the reference's blank test) uses.
bool is_unicode_space(char32_t c) {
  return (c >= 0x09 && c <= 0x0D) || c == 0x20 || c == 0x85 || c == 0xA0 || c == 0x1680 ||
         (c >= 0x2000 && c <= 0x200A) || c == 0x2028 || c == 0x2029 || c == 0x202F || c == 0x205F ||
         c == 0x3000;
}

bool is_blank(std::string_view s) {
  for (std::size_t i = 0; i < s.size();) {
    if (!is_unicode_space(next_code_point(s, i))) return false;
  }
  return true;
}

action_error fail(request_id rid, std::string_view code, std::string message) {
  return action_error{std::move(rid), code, std::move(message)};
}

// ---- per-action parsers (the frame is a JSON object; `rid` already extracted) ---------

action parse_create_session(const rapidjson::Value& frame, request_id rid) {
  create_session_action a;
  auto agent_id = get_string(frame, "agentId");
  // decisions.md: required (the reference invented a random id); blank counts as missing.
  if (!agent_id || is_blank(*agent_id)) {
    return fail(std::move(rid), codes::validation_error, std::string(texts::missing_agent_id));
  }
  a.agent_id = std::move(*agent_id);
  a.user_name = get_string(frame, "userName");
  a.user_email = get_string(frame, "userEmail");
  a.browser_fingerprint = get_string(frame, "browserFingerprint");
  // Any JSON value is kept verbatim; an explicit null means absent.
  if (const rapidjson::Value* m = get_member(frame, "metadata"); m != nullptr && !m->IsNull()) {
    a.metadata_json = to_compact_json(*m);
  }
  // Presence alone matters to the embed policy (rule 4 of §3.2.2): even `null`
  // is kept (as the text "null") so the verifier can reject it.
  if (const rapidjson::Value* ac = get_member(frame, "authContext"); ac != nullptr) {
    a.has_auth_context = true;
    a.auth_context_json = to_compact_json(*ac);
  }
  // Rich Interactions (later-protocol.md §1.2): only a JSON array declares a list.
  if (const rapidjson::Value* sup = get_member(frame, "supports");
      sup != nullptr && sup->IsArray()) {
    a.supports.emplace();
    for (const auto& e : sup->GetArray())
      if (e.IsString()) a.supports->emplace_back(e.GetString(), e.GetStringLength());
  }
  // Issue 12 (conversations): resume only for a non-empty string (later-protocol.md §2.1).
  if (auto conv = get_string(frame, "conversationId"); conv && !conv->empty())
    a.conversation_id = std::move(*conv);
  a.rid = std::move(rid);
  return a;
}

action parse_get_session(const rapidjson::Value& frame, request_id rid) {
  auto session_id = get_string(frame, "sessionId");
  if (!session_id) {
    return fail(std::move(rid), codes::validation_error, std::string(texts::missing_session_id));
  }
  return get_session_action{std::move(rid), std::move(*session_id)};
}

// `limit`: a positive JSON integer; anything else (0, negative, 5.0, "5") is the default.
std::size_t parse_limit(const rapidjson::Value& frame) {
  constexpr std::size_t kDefault = 50;
  const rapidjson::Value* v = get_member(frame, "limit");
  if (v == nullptr || !v->IsUint64()) return kDefault;  // IsUint64 is false for doubles
  const std::uint64_t n = v->GetUint64();
  return n == 0 ? kDefault : static_cast<std::size_t>(n);
}

action parse_get_messages(const rapidjson::Value& frame, request_id rid) {
  auto session_id = get_string(frame, "sessionId");
  if (!session_id) {
    return fail(std::move(rid), codes::validation_error, std::string(texts::missing_session_id));
  }
  get_messages_action a;
  a.session_id = std::move(*session_id);
  a.limit = parse_limit(frame);
  a.cursor = get_string(frame, "cursor");
  a.rid = std::move(rid);
  return a;
}

// ---- issue 12: send_message extensions (later-protocol.md §6; decisions.md) ----

/// A trimmed, non-blank string field; anything else is absent.
std::optional<std::string> trimmed_field(const rapidjson::Value& frame, const char* key) {
  auto v = get_string(frame, key);
  if (!v) return std::nullopt;
  // Byte range from the first to the end of the last non-space code point.
  std::size_t first = std::string::npos, end = 0;
  for (std::size_t i = 0; i < v->size();) {
    const std::size_t at = i;
    if (!is_unicode_space(next_code_point(*v, i))) {
      if (first == std::string::npos) first = at;
      end = i;
    }
  }
  if (first == std::string::npos) return std::nullopt;
  return v->substr(first, end - first);
}

/// `images[]` / `files[]`: each malformed entry is left out (and counted), never the turn
/// (decisions.md: only the bad entry is dropped). A non-array is ignored entirely.
void parse_send_extensions(const rapidjson::Value& frame, send_message_action& a) {
  a.model = trimmed_field(frame, "model");
  a.skill = trimmed_field(frame, "skill");
  const auto optional_string = [](const rapidjson::Value& o, const char* key, bool& ok) {
    const rapidjson::Value* v = get_member(o, key);
    if (v == nullptr) return std::optional<std::string>();
    if (!v->IsString()) {
      ok = false;
      return std::optional<std::string>();
    }
    return std::optional<std::string>(std::string(v->GetString(), v->GetStringLength()));
  };
  if (const rapidjson::Value* images = get_member(frame, "images");
      images != nullptr && images->IsArray()) {
    for (const auto& item : images->GetArray()) {
      bool ok = item.IsObject();
      auto url = ok ? get_string(item, "url") : std::nullopt;
      auto detail = ok ? optional_string(item, "detail", ok) : std::nullopt;
      if (!ok || !url) {
        ++a.dropped_attachments;
        continue;
      }
      a.images.push_back({std::move(*url), std::move(detail)});
    }
  }
  if (const rapidjson::Value* files = get_member(frame, "files");
      files != nullptr && files->IsArray()) {
    for (const auto& item : files->GetArray()) {
      bool ok = item.IsObject();
      auto name = ok ? get_string(item, "name") : std::nullopt;
      auto url = ok ? get_string(item, "url") : std::nullopt;
      auto mime = ok ? optional_string(item, "mimeType", ok) : std::nullopt;
      if (!ok || !name || name->empty() || !url) {
        ++a.dropped_attachments;
        continue;
      }
      a.files.push_back({std::move(*name), std::move(mime), std::move(*url)});
    }
  }
}

action parse_send_message(const rapidjson::Value& frame, request_id rid,
                          const action_limits& limits) {
  // The turn's events are correlated by requestId, so it is mandatory; the error
  // has nothing to echo.
  if (!rid) {
    return fail(std::nullopt, codes::validation_error,
                std::string(texts::send_requires_request_id));
  }
  auto session_id = get_string(frame, "sessionId");
  if (!session_id) {
    return fail(std::move(rid), codes::validation_error, std::string(texts::missing_session_id));
  }
  auto message = get_string(frame, "message");
  if (!message || is_blank(*message)) {
    return fail(std::move(rid), codes::validation_error, std::string(texts::missing_message));
  }
  if (utf8_length(*message) > limits.max_message_chars) {
    return fail(std::move(rid), codes::validation_error,
                "'message' exceeds " + std::to_string(limits.max_message_chars) + " characters");
  }
  send_message_action a;
  a.rid = std::move(*rid);
  a.session_id = std::move(*session_id);
  a.message = std::move(*message);
  parse_send_extensions(frame, a);  // issue 12
  return a;
}

action parse_confirm(const rapidjson::Value& frame, request_id rid) {
  auto session_id = get_string(frame, "sessionId");
  if (!session_id) {
    return fail(std::move(rid), codes::validation_error,
                std::string(texts::confirm_requires_session));
  }
  // Fail closed: only a JSON boolean is a verdict ("true", 1 and missing are not).
  auto approved = get_bool(frame, "approved");
  if (!approved) {
    return fail(std::move(rid), codes::validation_error, std::string(texts::confirm_requires_bool));
  }
  return confirm_tool_action{std::move(rid), std::move(*session_id), *approved};
}

// ---- Rich Interactions (later-protocol.md §1.8 rows 1-2) --------------------------------

action parse_submit_interaction(const rapidjson::Value& frame, request_id rid) {
  if (!rid) {
    return fail(std::nullopt, codes::validation_error, "submit_interaction requires a 'requestId'");
  }
  auto session_id = get_string(frame, "sessionId");
  if (!session_id) {
    return fail(std::move(rid), codes::validation_error,
                "submit_interaction requires a 'sessionId'");
  }
  submit_interaction_action a;
  a.rid = std::move(*rid);
  a.session_id = std::move(*session_id);
  a.interaction_id = get_string(frame, "interactionId");
  a.kind = get_string(frame, "kind");
  a.declined = get_bool(frame, "declined").value_or(false);
  // `"values": null` counts as present: it reaches the validator (§10 quirk 4).
  if (const rapidjson::Value* v = get_member(frame, "values"); v != nullptr)
    a.values_json = to_compact_json(*v);
  return a;
}

// ---- issue 12: conversations (later-protocol.md §2.2, §2.5) ----

action parse_list_conversations(const rapidjson::Value& frame, request_id rid) {
  return list_conversations_action{std::move(rid), parse_limit(frame)};
}

action parse_rename_conversation(const rapidjson::Value& frame, request_id rid) {
  auto conversation_id = get_string(frame, "conversationId");
  if (!conversation_id) {
    return fail(std::move(rid), codes::validation_error,
                "rename_conversation requires a 'conversationId'");
  }
  auto title = sanitize_title(get_string(frame, "title").value_or(""));  // non-string: ""
  if (title.empty()) {
    return fail(std::move(rid), codes::validation_error,
                "rename_conversation requires a non-empty 'title'");
  }
  return rename_conversation_action{std::move(rid), std::move(*conversation_id), std::move(title)};
}

// ---- issue 12: OTP (later-protocol.md §5.4 rows 1-3) ----

action parse_verify_otp(const rapidjson::Value& frame, request_id rid) {
  if (!rid)
    return fail(std::nullopt, codes::validation_error, std::string(otp::requires_request_id));
  auto session_id = get_string(frame, "sessionId");
  if (!session_id)
    return fail(std::move(rid), codes::validation_error, std::string(otp::requires_session_id));
  auto code = get_string(frame, "code");
  if (!code) return fail(std::move(rid), codes::validation_error, std::string(otp::requires_code));
  return verify_otp_action{std::move(*rid), std::move(*session_id), std::move(*code)};
}

}  // namespace

action parse_action(std::string_view frame, const action_limits& limits) {
  frame_document scratch;
  const json_parse_result parsed = parse_untrusted(scratch, frame, limits.json);
  const rapidjson::Value& doc = scratch.value();
  if (!parsed.ok) {
    return fail(std::nullopt, codes::validation_error, "invalid JSON frame: " + parsed.error);
  }
  // get_string yields nullopt on non-objects too: an array or number has neither field.
  request_id rid = get_string(doc, "requestId");
  const auto name = get_string(doc, "action");
  if (!name)
    return fail(std::move(rid), codes::validation_error, std::string(texts::missing_action));

  if (*name == "ping") return ping_action{std::move(rid)};
  if (*name == "create_conversation_session") return parse_create_session(doc, std::move(rid));
  if (*name == "get_session") return parse_get_session(doc, std::move(rid));
  if (*name == "get_conversation_messages") return parse_get_messages(doc, std::move(rid));
  if (*name == "send_message") return parse_send_message(doc, std::move(rid), limits);
  if (*name == "confirm_tool_action") return parse_confirm(doc, std::move(rid));
  if (*name == "cancel") return cancel_action{std::move(rid), get_string(doc, "sessionId")};
  if (*name == "submit_interaction") return parse_submit_interaction(doc, std::move(rid));
  if (*name == "list_conversations") return parse_list_conversations(doc, std::move(rid));
  if (*name == "rename_conversation") return parse_rename_conversation(doc, std::move(rid));
  if (*name == "verify_otp") return parse_verify_otp(doc, std::move(rid));  // issue 12
  return fail(std::move(rid), codes::unsupported_action,
              "action '" + *name + "' is not supported by this server");
}

action_error binary_frame_error() {
  return action_error{std::nullopt, codes::validation_error, std::string(texts::binary_frame)};
}

}  // namespace so::protocol
