// protocol/domain.cpp — RFC 3339 time and the camelCase JSON of domain records.
//
// Contract: pure functions, no shared state; safe from any thread.
#include "protocol/domain.hpp"

#include "protocol/raw_json.hpp"

#include <chrono>
#include <cstdio>
#include <limits>

namespace so::protocol {
namespace {

namespace chr = std::chrono;

// ---- RFC 3339 parsing helpers ----------------------------------------------------------

// Reads exactly `n` ASCII digits at `pos`; false when any is missing.
bool read_digits(std::string_view s, std::size_t& pos, std::size_t n, int& out) {
  if (pos + n > s.size()) return false;
  int v = 0;
  for (std::size_t i = 0; i < n; ++i) {
    const char c = s[pos + i];
    if (c < '0' || c > '9') return false;
    v = v * 10 + (c - '0');
  }
  pos += n;
  out = v;
  return true;
}

bool expect(std::string_view s, std::size_t& pos, char c) {
  if (pos >= s.size() || s[pos] != c) return false;
  ++pos;
  return true;
}

// ---- JSON helpers ---------------------------------------------------------------------

void write_field(json_writer& w, std::string_view key, std::string_view value) {
  write_key(w, key);
  write_string(w, value);
}

void write_opt(json_writer& w, std::string_view key, const std::optional<std::string>& value) {
  if (value) write_field(w, key, *value);
}

// Opaque JSON fields: omitted when absent (or stored as JSON `null`).
void write_opt_raw(json_writer& w, std::string_view key, const std::optional<std::string>& json) {
  if (raw_json_absent(json)) return;
  write_key(w, key);
  write_raw_value(w, *json);
}

void write_time(json_writer& w, std::string_view key, time_point t) {
  write_field(w, key, to_rfc3339(t));
}

void write_opt_time(json_writer& w, std::string_view key, const std::optional<time_point>& t) {
  if (t) write_time(w, key, *t);
}

void write_ref(json_writer& w, std::string_view key, const participant_ref& r) {
  write_key(w, key);
  w.StartObject();
  write_field(w, "id", r.id);
  write_field(w, "type", r.type);
  write_opt(w, "name", r.name);
  w.EndObject();
}

void write_content(json_writer& w, const message_content& c) {
  w.StartObject();
  write_key(w, "items");  // always present, even when empty (storage-backplane.md §1.4)
  w.StartArray();
  for (const content_item& item : c.items) {
    w.StartObject();
    write_field(w, "type", item.type);
    write_opt(w, "text", item.text);
    w.EndObject();
  }
  w.EndArray();
  write_opt(w, "text", c.text);
  write_opt_raw(w, "structuredResponse", c.structured_response_json);
  w.EndObject();
}

}  // namespace

// ---- time ---------------------------------------------------------------------------------

std::string to_rfc3339(time_point t) {
  const auto secs = chr::floor<chr::seconds>(t);
  const auto days = chr::floor<chr::days>(secs);
  const chr::year_month_day ymd{days};
  const chr::hh_mm_ss hms{secs - days};
  const auto nanos = chr::duration_cast<chr::nanoseconds>(t - secs).count();  // 0..999'999'999

  char buf[48];
  int n = std::snprintf(buf, sizeof buf, "%04d-%02u-%02uT%02d:%02d:%02d", int(ymd.year()),
                        unsigned(ymd.month()), unsigned(ymd.day()), int(hms.hours().count()),
                        int(hms.minutes().count()), int(hms.seconds().count()));
  // Shortest of 3/6/9 fraction digits that is exact; none when zero.
  if (nanos != 0) {
    if (nanos % 1'000'000 == 0) {
      n += std::snprintf(buf + n, sizeof buf - n, ".%03lld",
                         static_cast<long long>(nanos / 1'000'000));
    } else if (nanos % 1'000 == 0) {
      n += std::snprintf(buf + n, sizeof buf - n, ".%06lld", static_cast<long long>(nanos / 1'000));
    } else {
      n += std::snprintf(buf + n, sizeof buf - n, ".%09lld", static_cast<long long>(nanos));
    }
  }
  std::string out(buf, static_cast<std::size_t>(n));
  out.push_back('Z');
  return out;
}

std::optional<time_point> parse_rfc3339(std::string_view s) {
  std::size_t pos = 0;
  int year = 0, month = 0, day = 0, hour = 0, minute = 0, second = 0;
  if (!read_digits(s, pos, 4, year) || !expect(s, pos, '-') || !read_digits(s, pos, 2, month) ||
      !expect(s, pos, '-') || !read_digits(s, pos, 2, day)) {
    return std::nullopt;
  }
  // RFC 3339 §5.6 allows `t`; it also notes a space is common, as chrono accepts.
  if (pos >= s.size() || (s[pos] != 'T' && s[pos] != 't' && s[pos] != ' ')) return std::nullopt;
  ++pos;
  if (!read_digits(s, pos, 2, hour) || !expect(s, pos, ':') || !read_digits(s, pos, 2, minute) ||
      !expect(s, pos, ':') || !read_digits(s, pos, 2, second)) {
    return std::nullopt;
  }
  // A leap second (60) is accepted and folds into the next minute.
  if (hour > 23 || minute > 59 || second > 60) return std::nullopt;

  std::int64_t nanos = 0;
  if (pos < s.size() && s[pos] == '.') {
    ++pos;
    std::size_t digits = 0;
    while (pos < s.size() && s[pos] >= '0' && s[pos] <= '9') {
      if (digits < 9) nanos = nanos * 10 + (s[pos] - '0');  // finer than 1 ns is truncated
      ++digits;
      ++pos;
    }
    if (digits == 0) return std::nullopt;
    for (std::size_t d = digits; d < 9; ++d) nanos *= 10;
  }

  int offset_minutes = 0;
  if (pos >= s.size()) return std::nullopt;
  if (s[pos] == 'Z' || s[pos] == 'z') {
    ++pos;
  } else if (s[pos] == '+' || s[pos] == '-') {
    const int sign = s[pos] == '-' ? -1 : 1;
    ++pos;
    int oh = 0, om = 0;
    if (!read_digits(s, pos, 2, oh) || !expect(s, pos, ':') || !read_digits(s, pos, 2, om) ||
        oh > 23 || om > 59) {
      return std::nullopt;
    }
    offset_minutes = sign * (oh * 60 + om);
  } else {
    return std::nullopt;
  }
  if (pos != s.size()) return std::nullopt;

  const chr::year_month_day ymd{chr::year{year}, chr::month{static_cast<unsigned>(month)},
                                chr::day{static_cast<unsigned>(day)}};
  if (!ymd.ok()) return std::nullopt;  // e.g. 2023-02-29, month 13, day 00

  const std::int64_t utc_secs = chr::sys_days{ymd}.time_since_epoch().count() * 86400LL +
                                hour * 3600LL + minute * 60LL + second - offset_minutes * 60LL;
  // time_point counts nanoseconds in an int64 (about years 1677..2262): refuse overflow.
  constexpr std::int64_t kMaxSecs =
      std::numeric_limits<time_point::rep>::max() / 1'000'000'000LL - 1;
  if (utc_secs > kMaxSecs || utc_secs < -kMaxSecs) return std::nullopt;
  return time_point{
      chr::duration_cast<time_point::duration>(chr::seconds{utc_secs} + chr::nanoseconds{nanos})};
}

// ---- records ------------------------------------------------------------------------------

std::string message_content::plain_text() const {
  if (text) return *text;
  for (const content_item& item : items) {
    if (item.text) return *item.text;
  }
  return {};
}

void write_json(json_writer& w, const conversation& c) {
  w.StartObject();
  write_field(w, "id", c.id);
  write_field(w, "platform", c.platform);
  write_field(w, "name", c.name);
  write_field(w, "organizationId", c.organization_id);
  write_field(w, "idempotencyKey", c.idempotency_key);
  write_opt_raw(w, "metadataJson", c.metadata_json);
  write_opt_raw(w, "analyticsJson", c.analytics_json);
  write_time(w, "createdAt", c.created_at);
  write_time(w, "updatedAt", c.updated_at);
  w.EndObject();
}

void write_json(json_writer& w, const participant& p) {
  w.StartObject();
  write_field(w, "id", p.id);
  write_field(w, "conversationId", p.conversation_id);
  write_field(w, "organizationId", p.organization_id);
  write_field(w, "type", p.type);
  write_opt(w, "externalId", p.external_id);
  write_opt(w, "internalId", p.internal_id);
  write_opt(w, "browserFingerprint", p.browser_fingerprint);
  write_opt_raw(w, "browserInfo", p.browser_info_json);
  write_field(w, "name", p.name);
  write_opt(w, "email", p.email);
  write_opt(w, "phone", p.phone);
  write_opt(w, "crmContactId", p.crm_contact_id);
  write_opt_raw(w, "metadataJson", p.metadata_json);
  write_time(w, "createdAt", p.created_at);
  write_time(w, "updatedAt", p.updated_at);
  w.EndObject();
}

void write_json(json_writer& w, const message& m) {
  w.StartObject();
  write_field(w, "id", m.id);
  write_opt(w, "externalId", m.external_id);
  write_opt(w, "organizationId", m.organization_id);
  write_opt(w, "conversationId", m.conversation_id);
  write_field(w, "direction", m.direction == direction::inbound ? "inbound" : "outbound");
  write_key(w, "content");
  write_content(w, m.content);
  if (m.from) write_ref(w, "from", *m.from);
  if (m.to) write_ref(w, "to", *m.to);
  write_opt_raw(w, "metadataJson", m.metadata_json);
  write_opt_raw(w, "analyticsJson", m.analytics_json);
  write_time(w, "createdAt", m.created_at);
  write_opt_time(w, "updatedAt", m.updated_at);
  w.EndObject();
}

void write_json(json_writer& w, const session& s) {
  w.StartObject();
  write_field(w, "sessionId", s.session_id);
  write_field(w, "conversationId", s.conversation_id);
  write_field(w, "organizationId", s.organization_id);
  write_field(w, "agentId", s.agent_id);
  write_field(w, "agentName", s.agent_name);
  write_field(w, "userParticipantId", s.user_participant_id);
  write_field(w, "agentParticipantId", s.agent_participant_id);
  write_field(w, "threadId", s.thread_id);
  write_opt(w, "status", s.status);
  if (s.token_count) {
    write_key(w, "tokenCount");
    w.Uint64(*s.token_count);
  }
  if (s.message_count) {
    write_key(w, "messageCount");
    w.Uint64(*s.message_count);
  }
  // An empty map is treated as absent, like every other optional (omitted).
  if (!s.metadata.empty()) {
    write_key(w, "metadata");
    w.StartObject();
    for (const auto& [key, json] : s.metadata) {
      write_key(w, key);
      write_raw_value(w, json);
    }
    w.EndObject();
  }
  write_opt_time(w, "createdAt", s.created_at);
  write_opt_time(w, "updatedAt", s.updated_at);
  write_opt_time(w, "endedAt", s.ended_at);
  write_opt_time(w, "lastActivityAt", s.last_activity_at);
  w.EndObject();
}

}  // namespace so::protocol
