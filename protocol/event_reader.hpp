// protocol/event_reader.hpp — reads a server event (protocol.md §4, §9.1) into a flat
// struct: what a client (the CLI) needs to react to a frame, without touching JSON.
//
// `read_event` never throws: a frame that is not a JSON object yields `ok == false`
// with the parser's reason (a backplane publish may be any JSON; it still parses,
// with whatever `type` it carries or none). Pure; safe from any thread.
#pragma once

#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace so::protocol {

/// One message of a `get_conversation_messages` page.
struct history_message {
  std::string direction;  ///< "inbound" (user) | "outbound" (agent)
  std::string text;       ///< content.text
  std::string created_at;
};

/// One citation of an `eventual_response`.
struct event_citation {
  std::string title;
  std::optional<std::string> url;
};

struct event_view {
  bool ok = false;
  std::string parse_error;  ///< when !ok
  std::string type;         ///< "" when absent or not a string
  std::optional<std::string> request_id;
  std::optional<int> status;
  std::string message;  ///< immediate_response.message

  std::string token;  ///< stream_token / stream_reasoning
  // stream_chunk
  std::string node;
  std::optional<std::string> tool_call_arguments;
  std::optional<std::string> tool_result;
  bool tool_result_is_error = false;
  // write_confirmation_required
  std::string tool_id;
  std::string action_description;
  // error
  std::string error_code;
  std::string error_message;
  // immediate_response data
  std::string session_id;  ///< create_conversation_session / get_session / confirm ack
  std::string conversation_id;
  std::vector<history_message> messages;  ///< get_conversation_messages, newest first
  std::optional<std::string> next_cursor;
  // eventual_response
  std::string reply;  ///< responseParts, concatenated
  std::vector<event_citation> citations;
};

event_view read_event(std::string_view frame);

}  // namespace so::protocol
