// net/admin_support.hpp — helpers shared by the admin route files (private to net/).
//
// `off_io` runs a job that produces the response on a storage worker (never on the
// io thread) and maps failures to the envelope: a thrown error → 500 INTERNAL_ERROR
// (the message embeds the store's text), a refused job → 503 with the pool's code
// (STORAGE_BUSY / STORAGE_TIMEOUT). Thread-safety: stateless functions.
#pragma once

#include "net/admin_api.hpp"
#include "protocol/json.hpp"

#include <chrono>
#include <string>
#include <utility>

namespace so::net::admin {

using services_ptr = std::shared_ptr<const admin_services>;

inline server_response envelope(const admin_services& s, int status, std::string_view code,
                                std::string_view message) {
  return error_response(status, code, message, s.clock->now_ms());
}

/// The time a write is stamped with, at the precision every store keeps
/// (PostgreSQL: microseconds), so a write's response equals what later reads return.
inline protocol::time_point stored_now(const admin_services& s) {
  return std::chrono::floor<std::chrono::microseconds>(s.clock->now());
}

/// Runs `job() -> server_response` off the io thread; see the header comment.
template <class Job>
void off_io(const services_ptr& s, const std::string& shard, const respond_fn& respond, Job job) {
  s->run_blocking(
      shard,
      [s, respond, job = std::move(job)]() mutable {
        try {
          respond(job());
        } catch (const std::exception& e) {
          respond(envelope(*s, 500, "INTERNAL_ERROR", e.what()));
        }
      },
      [s, respond](std::string code, std::string message) {
        respond(envelope(*s, 503, code, message));
      });
}

/// Serializes with the project's writer.
template <class Fn>
std::string write_json_text(Fn fn) {
  rapidjson::StringBuffer sb;
  protocol::json_writer w(sb);
  fn(w);
  return std::string(sb.GetString(), sb.GetSize());
}

inline void write_optional_string(protocol::json_writer& w, const std::optional<std::string>& v) {
  if (v)
    protocol::write_string(w, *v);
  else
    w.Null();
}

/// One run as admin JSON (admin-auth.md §2.2), named by its plain display name.
void write_run(protocol::json_writer& w, const adapters::tenant::indexing_run& run,
               const std::string& display_name);

// Route registration, one file per concept.
void add_conversation_routes(http_router& r, const services_ptr& s);
void add_connector_routes(http_router& r, const services_ptr& s);
void add_settings_routes(http_router& r, const services_ptr& s);
void add_indexing_routes(http_router& r, const services_ptr& s);
void add_index_route(http_router& r, const services_ptr& s);
void add_publish_route(http_router& r, const services_ptr& s);

}  // namespace so::net::admin
