// net/cli/cli_options.cpp — see cli_options.hpp.
#include "net/cli/cli_options.hpp"

#include "net/url.hpp"
#include "protocol/json.hpp"
#include "protocol/percent_encoding.hpp"

#include <charconv>

namespace so::cli {
namespace {

bool known_kind(const std::string& k) {
  return k == "connection" || k == "session" || k == "user" || k == "org" || k == "agent";
}

template <class Int>
std::optional<Int> positive(const std::string& s) {
  Int v{};
  auto [end, ec] = std::from_chars(s.data(), s.data() + s.size(), v);
  if (ec != std::errc() || end != s.data() + s.size() || v == 0) return std::nullopt;
  return v;
}

}  // namespace

std::string usage_text() {
  return R"(usage: smooth-operator-cli [options] <command> [arguments]

commands:
  chat                       interactive: one line of stdin = one message; tokens stream to
                             stdout; confirmations ask y/N; Ctrl-C cancels the running turn,
                             a second Ctrl-C (or end of input) exits
  send [--session S] TEXT    one turn (a new session when --session is absent; its id is
                             printed on stderr); exit 0 on a reply, 1 on error/cancel/timeout
  history --session S        the conversation's messages, oldest first
  publish --kind K --id ID JSON
                             POST /admin/publish: deliver JSON to the connections of target
                             K (connection|session|user|org|agent) ID; needs --token

options:
  --url URL        server WebSocket URL (default ws://127.0.0.1:8787/ws); the admin API is
                   reached at the same host and port over http://
  --token T        sent as ?token=T on /ws and as "Authorization: Bearer T" to the admin API
  --agent ID       agent of a new session (default "default")
  --session S      an existing session
  --json           print every received event raw, one JSON object per line
  --approve        send: approve tool confirmations (default: deny them)
  --limit N        history: messages to fetch (default 50)
  --timeout SECS   send/history/publish: give up after SECS (default 120)
  --help           this text
exit status: 0 success, 1 failure (error, cancelled, timeout, connection), 2 usage error
)";
}

std::variant<cli_options, usage_error> parse_cli_args(const std::vector<std::string>& args) {
  cli_options o;
  std::optional<std::string> cmd;
  std::vector<std::string> positional;
  bool help = false;
  for (std::size_t i = 0; i < args.size(); ++i) {
    const std::string& a = args[i];
    auto value = [&](const char* name) -> std::optional<std::string> {
      if (i + 1 >= args.size()) return std::nullopt;
      (void)name;
      return args[++i];
    };
    if (a == "--help" || a == "-h") {
      help = true;
    } else if (a == "--json") {
      o.json = true;
    } else if (a == "--approve") {
      o.approve = true;
    } else if (a == "--url" || a == "--token" || a == "--agent" || a == "--session" ||
               a == "--limit" || a == "--timeout" || a == "--kind" || a == "--id") {
      auto v = value(a.c_str());
      if (!v) return usage_error{a + " needs a value"};
      if (a == "--url") {
        o.url = *v;
      } else if (a == "--token") {
        o.token = *v;
      } else if (a == "--agent") {
        if (v->empty()) return usage_error{"--agent must not be empty"};
        o.agent = *v;
      } else if (a == "--session") {
        if (v->empty()) return usage_error{"--session must not be empty"};
        o.session = *v;
      } else if (a == "--limit") {
        auto n = positive<std::size_t>(*v);
        if (!n) return usage_error{"--limit must be a positive integer, got '" + *v + "'"};
        o.limit = *n;
      } else if (a == "--timeout") {
        auto n = positive<std::uint32_t>(*v);
        if (!n)
          return usage_error{"--timeout must be a positive number of seconds, got '" + *v + "'"};
        o.timeout = std::chrono::seconds(*n);
      } else if (a == "--kind") {
        o.kind = *v;
      } else {
        o.target_id = *v;
      }
    } else if (a == "--") {
      for (++i; i < args.size(); ++i) positional.push_back(args[i]);
    } else if (a.size() > 1 && a[0] == '-') {
      return usage_error{"unknown option '" + a + "'"};
    } else if (!cmd) {
      cmd = a;
    } else {
      positional.push_back(a);
    }
  }
  if (help) {
    o.cmd = command::help;
    return o;
  }
  if (!cmd) return usage_error{"missing command (chat, send, history or publish)"};
  if (*cmd == "chat") {
    o.cmd = command::chat;
    if (!positional.empty()) return usage_error{"chat takes no arguments (type messages on stdin)"};
  } else if (*cmd == "send") {
    o.cmd = command::send;
    if (positional.empty()) return usage_error{"send needs the message text"};
    for (const auto& p : positional) o.text += (o.text.empty() ? "" : " ") + p;
    if (o.text.find_first_not_of(" \t\r\n") == std::string::npos)
      return usage_error{"send needs a non-empty message"};
  } else if (*cmd == "history") {
    o.cmd = command::history;
    if (!o.session) return usage_error{"history needs --session"};
    if (!positional.empty()) return usage_error{"history takes no arguments"};
  } else if (*cmd == "publish") {
    o.cmd = command::publish;
    if (!known_kind(o.kind))
      return usage_error{"publish needs --kind connection|session|user|org|agent"};
    if (o.target_id.empty()) return usage_error{"publish needs --id"};
    if (positional.size() != 1) return usage_error{"publish needs exactly one JSON payload"};
    rapidjson::Document doc;
    auto parsed = protocol::parse_untrusted(doc, positional[0]);
    if (!parsed.ok) return usage_error{"publish payload is not valid JSON: " + parsed.error};
    o.event_json = protocol::to_compact_json(doc);
    if (!o.token) return usage_error{"publish needs --token (an admin token)"};
  } else {
    return usage_error{"unknown command '" + *cmd + "'"};
  }
  return o;
}

std::variant<cli_endpoints, usage_error> endpoints_for(const cli_options& o) {
  std::string url = o.url;
  auto starts = [&](std::string_view p) {
    if (url.size() < p.size()) return false;
    for (std::size_t i = 0; i < p.size(); ++i)
      if (std::tolower(static_cast<unsigned char>(url[i])) != p[i]) return false;
    return true;
  };
  if (starts("wss://")) return usage_error{"wss:// URLs are not supported yet (use ws://)"};
  if (!starts("ws://")) return usage_error{"--url must start with ws:// (got '" + o.url + "')"};
  auto parsed = net::parse_url("http://" + url.substr(5));
  if (auto* err = std::get_if<std::string>(&parsed)) return usage_error{"bad --url: " + *err};
  const auto& u = std::get<net::parsed_url>(parsed);
  cli_endpoints e;
  e.host = u.host;
  e.port = u.port;
  // The path of --url; a query in it is kept and the token appended.
  e.ws_target = u.target;
  if (o.token) {
    auto unreserved = [](unsigned char c) {
      return std::isalnum(c) || c == '-' || c == '.' || c == '_' || c == '~';
    };
    e.ws_target += (e.ws_target.find('?') == std::string::npos ? "?" : "&");
    e.ws_target += "token=" + protocol::percent_encode(*o.token, unreserved);
  }
  return e;
}

}  // namespace so::cli
