// protocol/client_frames.hpp — builders for the frames a CLIENT sends (protocol.md §3,
// §9.1): the mirror of events.hpp for tools that speak to the server (the CLI).
//
// Each builder returns one action frame as compact JSON text, with exactly the
// fields the server's parse_action reads. Pure; safe from any thread.
#pragma once

#include <cstddef>
#include <optional>
#include <string>
#include <string_view>

namespace so::protocol::client {

std::string ping(std::string_view rid);
std::string create_conversation_session(std::string_view rid, std::string_view agent_id);
std::string send_message(std::string_view rid, std::string_view session_id,
                         std::string_view message);
std::string get_conversation_messages(std::string_view rid, std::string_view session_id,
                                      std::size_t limit,
                                      const std::optional<std::string>& cursor = std::nullopt);
std::string confirm_tool_action(std::string_view rid, std::string_view session_id, bool approved);
std::string cancel(std::string_view rid, std::string_view session_id);

/// The body of `POST /admin/publish`: `{"target":{"type":kind,"id":id},"event":<event>}`.
/// `event_json` must be one JSON value (checked by the caller with parse_untrusted).
std::string admin_publish_body(std::string_view kind, std::string_view id,
                               std::string_view event_json);

}  // namespace so::protocol::client
