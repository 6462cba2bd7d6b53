// protocol/domain.hpp — the domain records (storage-backplane.md §1) and their JSON.
//
// Plain value types: copyable, no behaviour beyond serialization. Opaque JSON
// fields (metadataJson, analyticsJson, ...) are kept as compact JSON text so the
// records stay cheap to copy between actors. Absent optionals are omitted on the
// wire, never `null`.
#pragma once

#include "protocol/clock.hpp"
#include "protocol/json.hpp"

#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <vector>

namespace so::protocol {

// ---- records ------------------------------------------------------------------------

struct conversation {
  std::string id;
  std::string platform = "web";
  std::string name;
  std::string organization_id;
  std::string idempotency_key;
  std::optional<std::string> metadata_json;   ///< any JSON value, compact text
  std::optional<std::string> analytics_json;  ///< any JSON value, compact text
  time_point created_at{};
  time_point updated_at{};
};

struct participant {
  std::string id;
  std::string conversation_id;
  std::string organization_id;
  std::string type;  ///< "user" | "ai-agent" | "human-agent"
  std::optional<std::string> external_id;
  std::optional<std::string> internal_id;
  std::optional<std::string> browser_fingerprint;
  std::optional<std::string> browser_info_json;
  std::string name;
  std::optional<std::string> email;
  std::optional<std::string> phone;
  std::optional<std::string> crm_contact_id;
  std::optional<std::string> metadata_json;
  time_point created_at{};
  time_point updated_at{};
};

struct content_item {
  std::string type = "text";
  std::optional<std::string> text;
};

struct message_content {
  std::vector<content_item> items;  ///< always emitted, even when empty
  std::optional<std::string> text;  ///< flat-text mirror
  std::optional<std::string> structured_response_json;

  /// The "from text" convention: one text item plus the mirror.
  static message_content from_text(std::string t) {
    return message_content{{content_item{"text", t}}, std::move(t), std::nullopt};
  }
  /// `text` if present, else the first item that has text, else "".
  std::string plain_text() const;
};

struct participant_ref {
  std::string id;
  std::string type;
  std::optional<std::string> name;
};

enum class direction { inbound, outbound };

struct message {
  std::string id;
  std::optional<std::string> external_id;
  std::optional<std::string> organization_id;
  std::optional<std::string> conversation_id;
  protocol::direction direction = direction::inbound;
  message_content content;
  std::optional<participant_ref> from;
  std::optional<participant_ref> to;
  std::optional<std::string> metadata_json;
  std::optional<std::string> analytics_json;
  time_point created_at{};
  std::optional<time_point> updated_at;
};

struct session {
  std::string session_id;
  std::string conversation_id;
  std::string organization_id;
  std::string agent_id;
  std::string agent_name = "smooth-agent";
  std::string user_participant_id;
  std::string agent_participant_id;
  std::string thread_id;
  std::optional<std::string> status;  ///< "active" | "idle" | "ended"
  std::optional<std::uint64_t> token_count;
  std::optional<std::uint64_t> message_count;
  std::map<std::string, std::string> metadata;  ///< key -> compact JSON text
  std::optional<time_point> created_at;
  std::optional<time_point> updated_at;
  std::optional<time_point> ended_at;
  std::optional<time_point> last_activity_at;
};

// ---- time ---------------------------------------------------------------------------------

/// RFC 3339 UTC with `Z`; fractional seconds only when non-zero, as 3, 6 or 9
/// digits (the shortest that is exact).
std::string to_rfc3339(time_point t);
/// Parses any RFC 3339 timestamp (any offset) into UTC; nullopt when malformed.
std::optional<time_point> parse_rfc3339(std::string_view s);

// ---- JSON (camelCase, absent optionals omitted) ---------------------------------------

void write_json(json_writer& w, const conversation& c);
void write_json(json_writer& w, const participant& p);
void write_json(json_writer& w, const message& m);
void write_json(json_writer& w, const session& s);

/// Compact JSON text of a record.
template <class Record>
std::string to_json(const Record& r) {
  rapidjson::StringBuffer sb;
  json_writer w(sb);
  write_json(w, r);
  return std::string(sb.GetString(), sb.GetSize());
}

}  // namespace so::protocol
