// adapters/storage/postgres_storage.cpp — see postgres_storage.hpp.
#include "adapters/storage/postgres_storage.hpp"

#include "adapters/knowledge/postgres_arrays.hpp"
#include "adapters/storage/new_session.hpp"
#include "adapters/storage/postgres_schema.hpp"
#include "protocol/json.hpp"
#include "protocol/raw_json.hpp"

#include <algorithm>
#include <cctype>
#include <chrono>
#include <limits>
#include <utility>

namespace so::adapters {

namespace {

using pg::param;

// Timestamps cross the wire as epoch microseconds (exact both ways).
#define SO_US(col) "(extract(epoch from " col ") * 1000000)::bigint"
#define SO_TS(n) "(timestamptz 'epoch' + (" n ")::bigint * interval '1 microsecond')"

#define SO_CONV_COLS                                                            \
  "id, platform, name, organization_id, idempotency_key, metadata_json::text, " \
  "analytics_json::text, " SO_US("created_at") ", " SO_US("updated_at")

#define SO_PART_COLS                                                              \
  "id, conversation_id, organization_id, type, external_id, internal_id, "        \
  "browser_fingerprint, browser_info::text, name, email, phone, crm_contact_id, " \
  "metadata_json::text, " SO_US("created_at") ", " SO_US("updated_at")

#define SO_MSG_COLS                                                                               \
  "id, external_id, organization_id, conversation_id, direction, content_items::text, "           \
  "content_text, structured_response::text, from_id, from_type, from_name, to_id, "               \
  "to_type, to_name, metadata_json::text, analytics_json::text, " SO_US("created_at") ", " SO_US( \
      "updated_at")

#define SO_SESS_COLS                                                                         \
  "session_id, conversation_id, organization_id, agent_id, agent_name, "                     \
  "user_participant_id, agent_participant_id, thread_id, status, token_count, "              \
  "message_count, metadata::text, " SO_US("created_at") ", " SO_US("updated_at") ", " SO_US( \
      "ended_at") ", " SO_US("last_activity_at")

// ---- values in ------------------------------------------------------------------------------

std::string micros(protocol::time_point t) {
  return std::to_string(
      std::chrono::duration_cast<std::chrono::microseconds>(t.time_since_epoch()).count());
}

param opt_micros(const std::optional<protocol::time_point>& t) {
  if (!t) return std::nullopt;
  return micros(*t);
}

/// JSON text for a json column; absent or `null` text is stored as SQL NULL.
param json_param(const std::optional<std::string>& json) {
  if (protocol::raw_json_absent(json)) return std::nullopt;
  return json;
}

/// Counts are signed 64-bit in the database; larger values saturate (§4.3).
param count_param(const std::optional<std::uint64_t>& n) {
  if (!n) return std::nullopt;
  const auto max = static_cast<std::uint64_t>(std::numeric_limits<std::int64_t>::max());
  return std::to_string(std::min(*n, max));
}

std::string items_json(const std::vector<protocol::content_item>& items) {
  rapidjson::StringBuffer sb;
  protocol::json_writer w(sb);
  w.StartArray();
  for (const auto& it : items) {
    w.StartObject();
    protocol::write_key(w, "type");
    protocol::write_string(w, it.type);
    if (it.text) {
      protocol::write_key(w, "text");
      protocol::write_string(w, *it.text);
    }
    w.EndObject();
  }
  w.EndArray();
  return std::string(sb.GetString(), sb.GetSize());
}

param session_metadata_json(const std::map<std::string, std::string>& metadata) {
  if (metadata.empty()) return std::nullopt;
  rapidjson::StringBuffer sb;
  protocol::json_writer w(sb);
  w.StartObject();
  for (const auto& [key, json] : metadata) {
    protocol::write_key(w, key);
    protocol::write_raw_value(w, json);
  }
  w.EndObject();
  return std::string(sb.GetString(), sb.GetSize());
}

// ---- values out -----------------------------------------------------------------------------

protocol::time_point time_at(const pg::result& r, int row, int col) {
  return protocol::time_point(std::chrono::microseconds(r.int64(row, col)));
}

std::optional<protocol::time_point> opt_time_at(const pg::result& r, int row, int col) {
  if (r.is_null(row, col)) return std::nullopt;
  return time_at(r, row, col);
}

std::optional<std::uint64_t> opt_count_at(const pg::result& r, int row, int col) {
  if (r.is_null(row, col)) return std::nullopt;
  return static_cast<std::uint64_t>(std::max<std::int64_t>(0, r.int64(row, col)));
}

conversation conversation_at(const pg::result& r, int i) {
  conversation c;
  c.id = r.text(i, 0);
  c.platform = r.text(i, 1);
  c.name = r.text(i, 2);
  c.organization_id = r.text(i, 3);
  c.idempotency_key = r.text(i, 4);
  c.metadata_json = r.opt_text(i, 5);
  c.analytics_json = r.opt_text(i, 6);
  c.created_at = time_at(r, i, 7);
  c.updated_at = time_at(r, i, 8);
  return c;
}

participant participant_at(const pg::result& r, int i) {
  participant p;
  p.id = r.text(i, 0);
  p.conversation_id = r.text(i, 1);
  p.organization_id = r.text(i, 2);
  p.type = r.text(i, 3);
  p.external_id = r.opt_text(i, 4);
  p.internal_id = r.opt_text(i, 5);
  p.browser_fingerprint = r.opt_text(i, 6);
  p.browser_info_json = r.opt_text(i, 7);
  p.name = r.text(i, 8);
  p.email = r.opt_text(i, 9);
  p.phone = r.opt_text(i, 10);
  p.crm_contact_id = r.opt_text(i, 11);
  p.metadata_json = r.opt_text(i, 12);
  p.created_at = time_at(r, i, 13);
  p.updated_at = time_at(r, i, 14);
  return p;
}

std::optional<protocol::participant_ref> ref_at(const pg::result& r, int i, int col) {
  if (r.is_null(i, col)) return std::nullopt;
  return protocol::participant_ref{r.text(i, col), r.opt_text(i, col + 1).value_or(""),
                                   r.opt_text(i, col + 2)};
}

std::vector<protocol::content_item> items_at(const std::string& json) {
  std::vector<protocol::content_item> out;
  rapidjson::Document doc;
  if (!protocol::parse_untrusted(doc, json).ok || !doc.IsArray())
    throw storage_error("stored message content is not a JSON array");
  for (const auto& v : doc.GetArray()) {
    if (!v.IsObject()) continue;
    out.push_back(protocol::content_item{protocol::get_string(v, "type").value_or("text"),
                                         protocol::get_string(v, "text")});
  }
  return out;
}

message message_at(const pg::result& r, int i) {
  message m;
  m.id = r.text(i, 0);
  m.external_id = r.opt_text(i, 1);
  m.organization_id = r.opt_text(i, 2);
  m.conversation_id = r.opt_text(i, 3);
  const auto dir = r.text(i, 4);
  if (dir == "inbound") {
    m.direction = protocol::direction::inbound;
  } else if (dir == "outbound") {
    m.direction = protocol::direction::outbound;
  } else {
    throw storage_error("message '" + m.id + "' has an unknown direction '" + dir + "'");
  }
  m.content.items = items_at(r.text(i, 5));
  m.content.text = r.opt_text(i, 6);
  m.content.structured_response_json = r.opt_text(i, 7);
  m.from = ref_at(r, i, 8);
  m.to = ref_at(r, i, 11);
  m.metadata_json = r.opt_text(i, 14);
  m.analytics_json = r.opt_text(i, 15);
  m.created_at = time_at(r, i, 16);
  m.updated_at = opt_time_at(r, i, 17);
  return m;
}

session session_at(const pg::result& r, int i) {
  session s;
  s.session_id = r.text(i, 0);
  s.conversation_id = r.text(i, 1);
  s.organization_id = r.text(i, 2);
  s.agent_id = r.text(i, 3);
  s.agent_name = r.text(i, 4);
  s.user_participant_id = r.text(i, 5);
  s.agent_participant_id = r.text(i, 6);
  s.thread_id = r.text(i, 7);
  s.status = r.opt_text(i, 8);
  s.token_count = opt_count_at(r, i, 9);
  s.message_count = opt_count_at(r, i, 10);
  if (auto meta = r.opt_text(i, 11)) {
    rapidjson::Document doc;
    if (protocol::parse_untrusted(doc, *meta).ok && doc.IsObject()) {
      for (const auto& kv : doc.GetObject()) {
        s.metadata.emplace(std::string(kv.name.GetString(), kv.name.GetStringLength()),
                           protocol::to_compact_json(kv.value));
      }
    }
  }
  s.created_at = opt_time_at(r, i, 12);
  s.updated_at = opt_time_at(r, i, 13);
  s.ended_at = opt_time_at(r, i, 14);
  s.last_activity_at = opt_time_at(r, i, 15);
  return s;
}

template <class Row, class Parse>
std::vector<Row> rows_of(const pg::result& r, Parse parse) {
  std::vector<Row> out;
  out.reserve(static_cast<std::size_t>(r.rows()));
  for (int i = 0; i < r.rows(); ++i) out.push_back(parse(r, i));
  return out;
}

[[noreturn]] void throw_conflict(const char* kind, const std::string& id) {
  throw storage_conflict(std::string("conflict: ") + kind + " id '" + id + "' already exists");
}

[[noreturn]] void throw_not_found(const char* kind, const std::string& id) {
  throw storage_error(std::string(kind) + " '" + id + "' not found");
}

// ---- statements (each runs on the caller's connection) -----------------------------------

conversation insert_conversation(pg::connection& c, const conversation& v) {
  try {
    auto r = c.exec("so_conv_insert",
                    "INSERT INTO conversations (id, platform, name, organization_id, "
                    "idempotency_key, metadata_json, analytics_json, created_at, updated_at) "
                    "VALUES ($1, $2, $3, $4, $5, $6::json, $7::json, " SO_TS("$8") ", " SO_TS(
                        "$9") ") ON CONFLICT (organization_id, idempotency_key) DO NOTHING "
                              "RETURNING " SO_CONV_COLS,
                    {v.id, v.platform, v.name, v.organization_id, v.idempotency_key,
                     json_param(v.metadata_json), json_param(v.analytics_json),
                     micros(v.created_at), micros(v.updated_at)},
                    "create conversation");
    if (r.rows() == 1) return conversation_at(r, 0);
  } catch (const storage_conflict&) {
    throw_conflict("conversation", v.id);
  }
  // Idempotent replay: the existing row for (org, key), input discarded.
  auto existing = c.exec("so_conv_by_idem",
                         "SELECT " SO_CONV_COLS
                         " FROM conversations WHERE organization_id = $1 AND idempotency_key = $2",
                         {v.organization_id, v.idempotency_key}, "create conversation");
  if (existing.rows() != 1) throw storage_error("create conversation: the idempotent row vanished");
  return conversation_at(existing, 0);
}

participant insert_participant(pg::connection& c, const participant& p) {
  try {
    auto r = c.exec(
        "so_part_insert",
        "INSERT INTO conversation_participants (id, conversation_id, organization_id, type, "
        "external_id, internal_id, browser_fingerprint, browser_info, name, email, phone, "
        "crm_contact_id, metadata_json, created_at, updated_at) VALUES ($1, $2, $3, $4, $5, $6, "
        "$7, $8::json, $9, $10, $11, $12, $13::json, " SO_TS("$14") ", " SO_TS(
            "$15") ") RETURNING " SO_PART_COLS,
        {p.id, p.conversation_id, p.organization_id, p.type, p.external_id, p.internal_id,
         p.browser_fingerprint, json_param(p.browser_info_json), p.name, p.email, p.phone,
         p.crm_contact_id, json_param(p.metadata_json), micros(p.created_at), micros(p.updated_at)},
        "add participant");
    return participant_at(r, 0);
  } catch (const storage_conflict&) {
    throw_conflict("participant", p.id);
  }
}

session insert_session(pg::connection& c, const session& s) {
  try {
    auto r = c.exec(
        "so_sess_insert",
        "INSERT INTO conversation_sessions (session_id, conversation_id, organization_id, "
        "agent_id, agent_name, user_participant_id, agent_participant_id, thread_id, status, "
        "token_count, message_count, metadata, created_at, updated_at, ended_at, "
        "last_activity_at) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12::json, " SO_TS(
            "$13") ", " SO_TS("$14") ", " SO_TS("$15") ", " SO_TS("$16") ") "
                                                                         "RETURNING " SO_SESS_COLS,
        {s.session_id, s.conversation_id, s.organization_id, s.agent_id, s.agent_name,
         s.user_participant_id, s.agent_participant_id, s.thread_id, s.status,
         count_param(s.token_count), count_param(s.message_count),
         session_metadata_json(s.metadata), opt_micros(s.created_at), opt_micros(s.updated_at),
         opt_micros(s.ended_at), opt_micros(s.last_activity_at)},
        "create session");
    return session_at(r, 0);
  } catch (const storage_conflict&) {
    throw_conflict("session", s.session_id);
  }
}

}  // namespace

postgres_storage::postgres_storage(std::string conninfo, options opts)
    : clock_(opts.clock ? std::move(opts.clock) : std::make_shared<protocol::system_clock>()),
      pool_(std::move(conninfo), [&] {
        auto p = opts.pool;
        p.max_connections = std::max<std::size_t>(1, opts.max_connections);
        return p;
      }()) {
  auto c = pool_.acquire();
  pg::migrate(*c);
}

// ---- conversations ----------------------------------------------------------------------

conversation postgres_storage::create_conversation(conversation c) {
  auto conn = pool_.acquire();
  return insert_conversation(*conn, c);
}

std::optional<conversation> postgres_storage::get_conversation(const std::string& id) {
  auto conn = pool_.acquire();
  auto r = conn->exec("so_conv_get", "SELECT " SO_CONV_COLS " FROM conversations WHERE id = $1",
                      {id}, "get conversation");
  if (r.rows() == 0) return std::nullopt;
  return conversation_at(r, 0);
}

std::vector<conversation> postgres_storage::list_conversations_by_org(const std::string& org) {
  auto conn = pool_.acquire();
  // Newest createdAt first; among equal timestamps the later insert first (as in memory).
  auto r = conn->exec("so_conv_by_org",
                      "SELECT " SO_CONV_COLS
                      " FROM conversations WHERE organization_id = $1 "
                      "ORDER BY created_at DESC, seq DESC",
                      {org}, "list conversations");
  return rows_of<conversation>(r, conversation_at);
}

conversation postgres_storage::update_conversation(const std::string& id,
                                                   const conversation_update& u) {
  auto conn = pool_.acquire();
  // Coalescing update: an absent field keeps the column.
  auto r = conn->exec("so_conv_update",
                      "UPDATE conversations SET name = coalesce($2, name), "
                      "metadata_json = coalesce($3::json, metadata_json), "
                      "analytics_json = coalesce($4::json, analytics_json), "
                      "updated_at = " SO_TS("$5") " WHERE id = $1 RETURNING " SO_CONV_COLS,
                      {id, u.name, json_param(u.metadata_json), json_param(u.analytics_json),
                       micros(clock_->now())},
                      "update conversation");
  if (r.rows() == 0) throw_not_found("conversation", id);
  return conversation_at(r, 0);
}

// ---- participants -----------------------------------------------------------------------

participant postgres_storage::add_participant(participant p) {
  auto conn = pool_.acquire();
  return insert_participant(*conn, p);
}

// Rich Interactions (issue 12): the identity intake's contact on the user participant.
bool postgres_storage::update_participant_contact(const std::string& id,
                                                  const participant_contact_update& u) {
  auto conn = pool_.acquire();
  // Coalescing update: an absent field keeps the column.
  auto r = conn->exec("so_part_contact",
                      "UPDATE conversation_participants SET name = coalesce($2, name), "
                      "email = coalesce($3, email), phone = coalesce($4, phone), "
                      "updated_at = " SO_TS("$5") " WHERE id = $1",
                      {id, u.name, u.email, u.phone, micros(clock_->now())},
                      "update participant contact");
  return r.affected() > 0;
}

std::optional<participant> postgres_storage::get_participant(const std::string& id) {
  auto conn = pool_.acquire();
  auto r = conn->exec("so_part_get",
                      "SELECT " SO_PART_COLS " FROM conversation_participants WHERE id = $1", {id},
                      "get participant");
  if (r.rows() == 0) return std::nullopt;
  return participant_at(r, 0);
}

std::vector<participant> postgres_storage::list_participants_by_conversation(
    const std::string& conv) {
  auto conn = pool_.acquire();
  auto r = conn->exec("so_part_by_conv",
                      "SELECT " SO_PART_COLS
                      " FROM conversation_participants WHERE conversation_id = $1 "
                      "ORDER BY created_at ASC, id ASC",
                      {conv}, "list participants");
  return rows_of<participant>(r, participant_at);
}

std::optional<participant> postgres_storage::resolve_participant_by_external_id(
    const std::string& conv, const std::string& external_id) {
  auto conn = pool_.acquire();
  auto r = conn->exec("so_part_by_ext",
                      "SELECT " SO_PART_COLS
                      " FROM conversation_participants WHERE conversation_id = $1 AND "
                      "external_id = $2 ORDER BY created_at ASC, seq ASC LIMIT 1",
                      {conv, external_id}, "resolve participant");
  if (r.rows() == 0) return std::nullopt;
  return participant_at(r, 0);
}

// ---- messages ---------------------------------------------------------------------------

message postgres_storage::append_message(message m) {
  auto conn = pool_.acquire();
  const auto ref_id = [](const std::optional<protocol::participant_ref>& ref) -> param {
    return ref ? param(ref->id) : std::nullopt;
  };
  const auto ref_type = [](const std::optional<protocol::participant_ref>& ref) -> param {
    return ref ? param(ref->type) : std::nullopt;
  };
  const auto ref_name = [](const std::optional<protocol::participant_ref>& ref) -> param {
    return ref ? ref->name : std::nullopt;
  };
  try {
    // One statement: the insert and its conversation's updatedAt bump (decisions.md).
    conn->exec("so_msg_insert_bump",
               "WITH bump AS (UPDATE conversations SET updated_at = " SO_TS("$19") " WHERE id = "
               "$4) INSERT INTO conversation_messages (id, external_id, organization_id, "
               "conversation_id, direction, content_items, content_text, structured_response, "
               "from_id, from_type, from_name, to_id, to_type, to_name, metadata_json, "
               "analytics_json, created_at, updated_at) VALUES ($1, $2, $3, $4, $5, $6::json, "
               "$7, $8::json, $9, $10, $11, $12, $13, $14, $15::json, $16::json, " SO_TS(
                   "$17") ", " SO_TS("$18") ")",
               {m.id, m.external_id, m.organization_id, m.conversation_id,
                std::string(m.direction == protocol::direction::inbound ? "inbound" : "outbound"),
                items_json(m.content.items), m.content.text,
                json_param(m.content.structured_response_json), ref_id(m.from), ref_type(m.from),
                ref_name(m.from), ref_id(m.to), ref_type(m.to), ref_name(m.to),
                json_param(m.metadata_json), json_param(m.analytics_json), micros(m.created_at),
                opt_micros(m.updated_at), micros(clock_->now())},
               "append message");
  } catch (const storage_conflict&) {
    throw_conflict("message", m.id);
  }
  return m;  // the input unchanged (§2.1)
}

std::optional<message> postgres_storage::get_message(const std::string& id) {
  auto conn = pool_.acquire();
  auto r =
      conn->exec("so_msg_get", "SELECT " SO_MSG_COLS " FROM conversation_messages WHERE id = $1",
                 {id}, "get message");
  if (r.rows() == 0) return std::nullopt;
  return message_at(r, 0);
}

message_page postgres_storage::list_messages(const message_query& q) {
  message_page page;
  if (q.limit == 0) return page;
  // Fetch limit + 1 to learn whether more follow. The cursor resolves to its seq
  // only within this conversation; otherwise the page starts at the beginning
  // (the in-memory adapter's rule, not the reference's cross-conversation quirk).
  const auto fetch = std::to_string(
      std::min<std::size_t>(q.limit, static_cast<std::size_t>(std::numeric_limits<int>::max())) +
      1);
  auto conn = pool_.acquire();
  pg::result r =
      q.descending
          ? conn->exec("so_msg_page_desc",
                       "SELECT " SO_MSG_COLS
                       " FROM conversation_messages WHERE conversation_id = $1 AND seq < "
                       "coalesce((SELECT seq FROM conversation_messages WHERE id = $2 AND "
                       "conversation_id = $1), 9223372036854775807) ORDER BY seq DESC LIMIT $3",
                       {q.conversation_id, q.cursor, fetch}, "list messages")
          : conn->exec("so_msg_page_asc",
                       "SELECT " SO_MSG_COLS
                       " FROM conversation_messages WHERE conversation_id = $1 AND seq > "
                       "coalesce((SELECT seq FROM conversation_messages WHERE id = $2 AND "
                       "conversation_id = $1), 0) ORDER BY seq ASC LIMIT $3",
                       {q.conversation_id, q.cursor, fetch}, "list messages");
  page.messages = rows_of<message>(r, message_at);
  if (page.messages.size() > q.limit) {
    page.messages.resize(q.limit);
    page.next_cursor = page.messages.back().id;
  }
  return page;
}

// ---- sessions ---------------------------------------------------------------------------

session postgres_storage::create_session(session s) {
  auto conn = pool_.acquire();
  return insert_session(*conn, s);
}

std::optional<session> postgres_storage::get_session(const std::string& id) {
  auto conn = pool_.acquire();
  auto r = conn->exec("so_sess_get",
                      "SELECT " SO_SESS_COLS " FROM conversation_sessions WHERE session_id = $1",
                      {id}, "get session");
  if (r.rows() == 0) return std::nullopt;
  return session_at(r, 0);
}

session postgres_storage::update_session(const std::string& id, const session_update& u) {
  auto conn = pool_.acquire();
  auto r = conn->exec(
      "so_sess_update",
      "UPDATE conversation_sessions SET status = coalesce($2, status), "
      "token_count = coalesce($3::bigint, token_count), "
      "message_count = coalesce($4::bigint, message_count), "
      "last_activity_at = coalesce(" SO_TS("$5") ", last_activity_at), "
      "ended_at = coalesce(" SO_TS("$6") ", ended_at), updated_at = " SO_TS(
          "$7") ", metadata = CASE WHEN $8::boolean THEN $9::json ELSE metadata END "
          "WHERE session_id = $1 RETURNING " SO_SESS_COLS,
      {id, u.status, count_param(u.token_count), count_param(u.message_count),
       opt_micros(u.last_activity_at), opt_micros(u.ended_at), micros(clock_->now()),
       std::string(u.metadata ? "true" : "false"),
       u.metadata ? session_metadata_json(*u.metadata) : param()},
      "update session");
  if (r.rows() == 0) throw_not_found("session", id);
  return session_at(r, 0);
}

std::vector<session> postgres_storage::list_sessions_by_conversation(const std::string& conv) {
  auto conn = pool_.acquire();
  // A missing createdAt sorts first, as in memory (the reference's Postgres sorts it last).
  auto r = conn->exec("so_sess_by_conv",
                      "SELECT " SO_SESS_COLS
                      " FROM conversation_sessions WHERE conversation_id = $1 "
                      "ORDER BY created_at ASC NULLS FIRST, session_id ASC",
                      {conv}, "list sessions");
  return rows_of<session>(r, session_at);
}

// ---- multi-record writes --------------------------------------------------------------

std::optional<session> postgres_storage::create_session_records(new_session_records&& rec) {
  auto conn = pool_.acquire();
  auto step = [](const char* what, auto&& fn) {
    try {
      return fn();
    } catch (const std::exception& e) {
      throw storage_error(std::string(what) + " failed: " + e.what());
    }
  };
  return pg::in_transaction(*conn, [&] {
    step("create conversation", [&] { return insert_conversation(*conn, rec.conversation); });
    step("add user participant", [&] { return insert_participant(*conn, rec.user); });
    step("add agent participant", [&] { return insert_participant(*conn, rec.agent); });
    return std::optional<session>(
        step("create session", [&] { return insert_session(*conn, rec.session); }));
  });
}

// ---- the turn lease ----------------------------------------------------------------------
//
// Each call is one statement: an UPDATE whose WHERE clause is the rule, plus a count of
// the session row so that "no such session" (storage_error) differs from "refused"
// (false) without a second round trip. Under READ COMMITTED a concurrent UPDATE of the
// same row makes the second one wait and re-check its WHERE against the new row, so two
// claims never both succeed. Expiry uses the database clock (`now()`, the statement's
// transaction start).

namespace {

// $1 session id, $2 owner, $3 ttl in milliseconds.
#define SO_LEASE_UNTIL "now() + $3::bigint * interval '1 millisecond'"
#define SO_LEASE_RESULT(update)         \
  "WITH hit AS (" update                \
  " RETURNING 1) "                      \
  "SELECT (SELECT count(*) FROM hit), " \
  "(SELECT count(*) FROM conversation_sessions WHERE session_id = $1)"

std::string ttl_millis(std::chrono::milliseconds ttl) {
  return std::to_string(std::max<std::int64_t>(0, ttl.count()));
}

void require_owner(const std::string& owner) {
  if (owner.empty()) throw storage_error("turn lease: the owner id is empty");
}

/// True when the UPDATE hit the row; storage_error when the session does not exist.
bool lease_outcome(const pg::result& r, const std::string& session_id) {
  if (r.int64(0, 1) == 0) throw_not_found("session", session_id);
  return r.int64(0, 0) == 1;
}

}  // namespace

bool postgres_storage::claim_turn(const std::string& session_id, const std::string& owner,
                                  std::chrono::milliseconds ttl) {
  require_owner(owner);
  auto conn = pool_.acquire();
  auto r = conn->exec(
      "so_lease_claim",
      SO_LEASE_RESULT("UPDATE conversation_sessions SET turn_owner = $2, "
                      "turn_lease_until = " SO_LEASE_UNTIL " WHERE session_id = $1 AND "
                      "(turn_owner IS NULL OR turn_owner = $2 OR turn_lease_until <= now())"),
      {session_id, owner, ttl_millis(ttl)}, "claim turn lease");
  return lease_outcome(r, session_id);
}

bool postgres_storage::renew_turn(const std::string& session_id, const std::string& owner,
                                  std::chrono::milliseconds ttl) {
  require_owner(owner);
  auto conn = pool_.acquire();
  auto r = conn->exec(
      "so_lease_renew",
      SO_LEASE_RESULT("UPDATE conversation_sessions SET turn_lease_until = " SO_LEASE_UNTIL
                      " WHERE session_id = $1 AND turn_owner = $2"),
      {session_id, owner, ttl_millis(ttl)}, "renew turn lease");
  return lease_outcome(r, session_id);
}

bool postgres_storage::release_turn(const std::string& session_id, const std::string& owner) {
  require_owner(owner);
  auto conn = pool_.acquire();
  auto r = conn->exec("so_lease_release",
                      SO_LEASE_RESULT("UPDATE conversation_sessions SET turn_owner = NULL, "
                                      "turn_lease_until = NULL WHERE session_id = $1 AND "
                                      "turn_owner = $2"),
                      {session_id, owner}, "release turn lease");
  return lease_outcome(r, session_id);
}

#undef SO_LEASE_RESULT
#undef SO_LEASE_UNTIL

}  // namespace so::adapters

// ---- conversation list and titles (issue 12: conversations) ----------------------------------

namespace so::adapters {

namespace {

std::string bounded_int_text(std::size_t n) {
  return std::to_string(
      std::min<std::size_t>(n, static_cast<std::size_t>(std::numeric_limits<std::int32_t>::max())));
}

bool blank_text(const std::string& s) {
  return std::all_of(s.begin(), s.end(), [](unsigned char c) { return std::isspace(c); });
}

}  // namespace

std::vector<conversation_summary> postgres_storage::list_conversation_summaries(
    const conversation_list_query& q) {
  std::vector<conversation_summary> out;
  if (q.limit == 0 || q.message_scan == 0) return out;
  if (q.owner_email && blank_text(*q.owner_email)) return out;  // a blank email owns nothing
  if (q.only_ids && q.only_ids->empty()) return out;
  param ids = q.only_ids ? param(pg::text_array_literal(*q.only_ids)) : std::nullopt;
  auto conn = pool_.acquire();
  // Per conversation: its first `scan` messages (seq order); their count, and the plain
  // text (content_text, else the first item with text, else '') of the first inbound one.
  // Email match: ASCII case-insensitive (translate, not the locale's lower()), a blank
  // stored email never matches — connection_scope.hpp's rule.
  auto r = conn->exec(
      "so_conv_summaries",
      "SELECT c.id, c.platform, c.name, c.organization_id, c.idempotency_key, "
      "c.metadata_json::text, c.analytics_json::text, " SO_US("c.created_at") ", " SO_US(
          "c.updated_at") ", s.cnt, s.first_text "
                          "FROM conversations c CROSS JOIN LATERAL ("
                          " SELECT count(*) AS cnt, (array_agg(coalesce(m.content_text, (SELECT "
                          "e.v->>'text' FROM json_array_elements(m.content_items) WITH "
                          "ORDINALITY AS e(v, n) WHERE e.v->>'text' IS NOT NULL ORDER BY e.n "
                          "LIMIT 1), '') ORDER BY m.seq) FILTER (WHERE m.direction = "
                          "'inbound'))[1] AS first_text"
                          " FROM (SELECT content_text, content_items, direction, seq FROM "
                          "conversation_messages WHERE conversation_id = c.id ORDER BY seq "
                          "LIMIT $5::int) m) s "
                          "WHERE c.organization_id = $1 AND s.cnt > 0 "
                          "AND ($3::text[] IS NULL OR c.id = ANY($3::text[])) "
                          "AND ($2::text IS NULL OR EXISTS (SELECT 1 FROM "
                          "conversation_participants p WHERE p.conversation_id = c.id AND p.type "
                          "= 'user' AND p.email !~ '^[[:space:]]*$' AND "
                          "translate(p.email, 'ABCDEFGHIJKLMNOPQRSTUVWXYZ', "
                          "'abcdefghijklmnopqrstuvwxyz') = translate($2::text, "
                          "'ABCDEFGHIJKLMNOPQRSTUVWXYZ', 'abcdefghijklmnopqrstuvwxyz'))) "
                          "ORDER BY c.updated_at DESC, c.created_at DESC, c.seq DESC LIMIT $4::int",
      {q.organization_id, q.owner_email, ids, bounded_int_text(q.limit),
       bounded_int_text(q.message_scan)},
      "list conversations");
  out.reserve(static_cast<std::size_t>(r.rows()));
  for (int i = 0; i < r.rows(); ++i) {
    conversation_summary s;
    s.conv = conversation_at(r, i);
    s.message_count = static_cast<std::size_t>(std::max<std::int64_t>(0, r.int64(i, 9)));
    s.first_user_text = r.opt_text(i, 10);
    out.push_back(std::move(s));
  }
  return out;
}

bool postgres_storage::set_default_title(const std::string& id, const std::string& title) {
  auto conn = pool_.acquire();
  // The condition and the write are one statement: a rename that committed first makes
  // the WHERE false (the row lock orders concurrent writers).
  auto r = conn->exec("so_conv_default_title",
                      "UPDATE conversations SET name = $2, updated_at = " SO_TS(
                          "$3") " WHERE id = $1 AND name = 'Session ' || idempotency_key",
                      {id, title, micros(clock_->now())}, "set conversation title");
  return r.affected() == 1;
}

}  // namespace so::adapters
