// net/cli/cli_commands.cpp — see cli_commands.hpp.
#include "net/cli/cli_commands.hpp"

#include "net/cli/admin_client.hpp"
#include "net/cli/line_source.hpp"
#include "net/cli/ws_connection.hpp"
#include "protocol/client_frames.hpp"
#include "protocol/event_reader.hpp"

#include <deque>
#include <optional>
#include <stdexcept>
#include <string>
#include <vector>

namespace so::cli {
namespace {

constexpr int kOk = 0;
constexpr int kFailed = 1;
constexpr int kUsage = 2;
constexpr int kInterrupted = 130;

void print_error(std::ostream& err, const protocol::event_view& ev) {
  err << "error: " << ev.error_code << ": " << ev.error_message << "\n" << std::flush;
}

bool is_yes(const std::string& line) {
  std::string s;
  for (char c : line)
    if (c != ' ' && c != '\t') s += static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return s == "y" || s == "yes";
}

// chat and send: a session, then turns, each ending in exactly one terminal event.
class conversation {
 public:
  enum class mode { chat, send };

  conversation(const cli_options& o, cli_io io, ws_connection& conn, mode m)
      : o_(o), io_(io), conn_(conn), mode_(m) {}

  int run() {
    conn_.start({[this](std::string f) { on_frame(f); },
                 [this](std::string why) {
                   io_.err << "connection lost: " << why << "\n" << std::flush;
                   finish(kFailed, false);
                 }});
    conn_.on_interrupt([this] { on_interrupt(); });
    if (mode_ == mode::send) {
      conn_.after(o_.timeout, [this] {
        io_.err << "timed out after " << o_.timeout.count() << " s\n" << std::flush;
        finish(kFailed);
      });
    } else {
      lines_.emplace(io_.in, [this](std::optional<std::string> line) {
        conn_.post([this, line = std::move(line)] { on_line(line); });
      });
    }
    if (o_.session) {
      session_ = *o_.session;
      ready();
    } else {
      state_ = state::creating;
      create_rid_ = next_rid();
      conn_.send(protocol::client::create_conversation_session(create_rid_, o_.agent));
    }
    conn_.run();
    lines_.reset();  // no line arrives once the loop is gone
    return exit_;
  }

 private:
  enum class state { creating, idle, in_turn, confirming, done };

  std::string next_rid() { return "cli-" + std::to_string(++rid_counter_); }

  void ready() {
    state_ = state::idle;
    if (mode_ == mode::send) return start_turn(o_.text);
    prompt();
    pump();
  }

  void prompt() {
    if (io_.interactive && state_ == state::idle) io_.err << "> " << std::flush;
  }

  void start_turn(const std::string& text) {
    state_ = state::in_turn;
    turn_rid_ = next_rid();
    streamed_ = false;
    interrupts_ = 0;
    conn_.send(protocol::client::send_message(turn_rid_, session_, text));
  }

  void on_line(std::optional<std::string> line) {
    if (line) {
      pending_.push_back(std::move(*line));
    } else {
      eof_ = true;
    }
    pump();
  }

  // Takes stdin lines while the conversation waits for one.
  void pump() {
    while (state_ == state::idle || state_ == state::confirming) {
      if (pending_.empty()) {
        if (!eof_) return;
        if (state_ == state::confirming) {  // no answer will come: deny
          answer(false);
          continue;
        }
        return finish(kOk);
      }
      std::string line = std::move(pending_.front());
      pending_.pop_front();
      lines_->consumed();
      if (state_ == state::confirming) {
        answer(is_yes(line));
      } else if (line.find_first_not_of(" \t") != std::string::npos) {
        start_turn(line);
      } else {
        prompt();
      }
    }
  }

  void answer(bool approved) {
    state_ = state::in_turn;
    confirm_rid_ = next_rid();
    conn_.send(protocol::client::confirm_tool_action(confirm_rid_, session_, approved));
  }

  void on_interrupt() {
    const bool turn_active = state_ == state::in_turn || state_ == state::confirming;
    if (!turn_active || interrupts_ > 0) {
      io_.err << "\ninterrupted\n" << std::flush;
      return finish(kInterrupted);
    }
    ++interrupts_;
    io_.err << "\ncancelling the turn (Ctrl-C again to exit)\n" << std::flush;
    conn_.send(protocol::client::cancel(next_rid(), session_));
  }

  void on_frame(const std::string& frame) {
    if (state_ == state::done) return;
    if (o_.json) io_.out << frame << "\n" << std::flush;
    const auto ev = protocol::read_event(frame);
    if (!ev.ok) {
      if (!o_.json) io_.err << "[unreadable frame] " << ev.parse_error << "\n" << std::flush;
      return;
    }
    const auto& rid = ev.request_id;
    if (state_ == state::creating && rid == create_rid_) return on_created(ev);
    if ((state_ == state::in_turn || state_ == state::confirming) && rid == turn_rid_)
      return on_turn_event(ev);
    if (ev.type == "error") return print_error(io_.err, ev);  // e.g. a refused confirm
    if (rid && *rid == confirm_rid_) return;                  // the confirm ack
    if (!o_.json && ev.type != "immediate_response" && ev.type != "pong")
      io_.err << "[event] " << frame << "\n" << std::flush;  // a backplane publish, …
  }

  void on_created(const protocol::event_view& ev) {
    if (ev.type == "error") {
      print_error(io_.err, ev);
      return finish(kFailed);
    }
    if (ev.type != "immediate_response" || ev.session_id.empty()) return;
    session_ = ev.session_id;
    if (!o_.json) io_.err << "session " << session_ << "\n" << std::flush;
    ready();
  }

  void on_turn_event(const protocol::event_view& ev) {
    const bool text = !o_.json;
    if (ev.type == "stream_token") {
      streamed_ = true;
      if (text) io_.out << ev.token << std::flush;
    } else if (ev.type == "stream_chunk") {
      if (text && ev.tool_call_arguments)
        io_.err << "\n[tool " << ev.node << " " << *ev.tool_call_arguments << "]\n" << std::flush;
      if (text && ev.tool_result)
        io_.err << "[tool " << ev.node << (ev.tool_result_is_error ? " failed: " : " done: ")
                << *ev.tool_result << "]\n"
                << std::flush;
    } else if (ev.type == "write_confirmation_required") {
      on_confirmation(ev);
    } else if (ev.type == "eventual_response") {
      if (text) {
        if (!streamed_) io_.out << ev.reply;
        io_.out << "\n";
        for (std::size_t i = 0; i < ev.citations.size(); ++i) {
          const auto& c = ev.citations[i];
          io_.out << "[" << i + 1 << "] " << c.title << (c.url ? " " + *c.url : "") << "\n";
        }
        io_.out << std::flush;
      }
      turn_done(true);
    } else if (ev.type == "error") {
      if (text && streamed_) io_.out << "\n" << std::flush;
      print_error(io_.err, ev);
      turn_done(false);
    } else if (ev.type == "cancelled") {
      if (text && streamed_) io_.out << "\n" << std::flush;
      io_.err << "cancelled\n" << std::flush;
      turn_done(false);
    }
  }

  void on_confirmation(const protocol::event_view& ev) {
    const std::string what = ev.action_description.empty()
                                 ? "Tool '" + ev.tool_id + "' requires confirmation. Allow?"
                                 : ev.action_description;
    if (mode_ == mode::send) {
      io_.err << "\n"
              << what << (o_.approve ? " approved (--approve)" : " denied (no --approve)") << "\n"
              << std::flush;
      return answer(o_.approve);
    }
    // The question goes where the user reads it: stdout, unless stdout is the event stream.
    auto& q = o_.json ? io_.err : io_.out;
    q << (streamed_ && !o_.json ? "\n" : "") << what << " [y/N] " << std::flush;
    state_ = state::confirming;
    pump();
  }

  void turn_done(bool ok) {
    if (mode_ == mode::send) return finish(ok ? kOk : kFailed);
    state_ = state::idle;
    prompt();
    pump();
  }

  // `close`: say goodbye with a Close frame (not when the connection is already gone).
  void finish(int code, bool close = true) {
    if (state_ == state::done) return;
    state_ = state::done;
    exit_ = code;
    if (close) {
      conn_.close_and_stop();
    } else {
      conn_.stop();
    }
  }

  const cli_options& o_;
  cli_io io_;
  ws_connection& conn_;
  mode mode_;
  state state_ = state::idle;
  std::optional<line_source> lines_;
  std::deque<std::string> pending_;
  bool eof_ = false;
  std::string session_;
  std::string create_rid_, turn_rid_, confirm_rid_;
  unsigned rid_counter_ = 0;
  bool streamed_ = false;
  int interrupts_ = 0;
  int exit_ = kFailed;
};

int run_history(const cli_options& o, cli_io io, ws_connection& conn) {
  int exit = kFailed;
  const std::string rid = "cli-history";
  conn.start({[&](std::string frame) {
                if (o.json) io.out << frame << "\n" << std::flush;
                const auto ev = protocol::read_event(frame);
                if (!ev.ok || ev.request_id != rid) return;
                if (ev.type == "error") {
                  print_error(io.err, ev);
                } else if (!o.json) {
                  for (auto m = ev.messages.rbegin(); m != ev.messages.rend(); ++m)
                    io.out << (m->direction == "inbound" ? "you: " : "agent: ") << m->text << "\n";
                  io.out << std::flush;
                  exit = kOk;
                } else {
                  exit = kOk;
                }
                conn.close_and_stop();
              },
              [&](std::string why) {
                io.err << "connection lost: " << why << "\n" << std::flush;
                conn.stop();
              }});
  conn.after(o.timeout, [&] {
    io.err << "timed out after " << o.timeout.count() << " s\n" << std::flush;
    conn.close_and_stop();
  });
  conn.on_interrupt([&] {
    exit = kInterrupted;
    conn.stop();
  });
  conn.send(protocol::client::get_conversation_messages(rid, *o.session, o.limit));
  conn.run();
  return exit;
}

int run_publish(const cli_options& o, const cli_endpoints& e, cli_io io) {
  const auto reply = admin_post(
      e.host, e.port, e.publish_target, *o.token,
      protocol::client::admin_publish_body(o.kind, o.target_id, o.event_json), o.timeout);
  if (reply.status == 200) {
    io.out << reply.body << "\n" << std::flush;
    return kOk;
  }
  io.err << "publish failed: HTTP " << reply.status << (reply.body.empty() ? "" : ": ")
         << reply.body << "\n"
         << std::flush;
  return kFailed;
}

}  // namespace

int run_cli(const cli_options& o, cli_io io) {
  if (o.cmd == command::help) {
    io.out << usage_text();
    return kOk;
  }
  auto endpoints = endpoints_for(o);
  if (auto* bad = std::get_if<usage_error>(&endpoints)) {
    io.err << "smooth-operator-cli: " << bad->message << "\n";
    return kUsage;
  }
  const auto& e = std::get<cli_endpoints>(endpoints);
  try {
    if (o.cmd == command::publish) return run_publish(o, e, io);
    ws_connection conn(e.host, e.port, e.ws_target, o.timeout);
    if (o.cmd == command::history) return run_history(o, io, conn);
    conversation c(o, io, conn,
                   o.cmd == command::chat ? conversation::mode::chat : conversation::mode::send);
    return c.run();
  } catch (const std::exception& ex) {
    io.err << "smooth-operator-cli: " << ex.what() << "\n" << std::flush;
    return kFailed;
  }
}

int cli_main(int argc, char** argv, cli_io io) {
  std::vector<std::string> args(argv + 1, argv + argc);
  auto parsed = parse_cli_args(args);
  if (auto* bad = std::get_if<usage_error>(&parsed)) {
    io.err << "smooth-operator-cli: " << bad->message << "\n"
           << "run 'smooth-operator-cli --help' for usage\n";
    return kUsage;
  }
  return run_cli(std::get<cli_options>(parsed), io);
}

}  // namespace so::cli
