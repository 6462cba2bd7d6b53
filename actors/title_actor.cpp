// actors/title_actor.cpp — see title_actor.hpp.
#include "actors/title_actor.hpp"

#include "actors/storage_calls.hpp"
#include "actors/unexpected_messages.hpp"
#include "protocol/conversation_titles.hpp"
#include "protocol/utf8.hpp"

#include <spdlog/spdlog.h>

namespace so::actors {

namespace llm = adapters::llm;

namespace {

struct title_state {
  title_spec spec;
  std::shared_ptr<llm::stream_handle> stream;
  std::string text;  ///< the model's answer so far
  bool started = false;
  caf::actor_addr turn;  ///< weak: the turn whose exit starts the work
  static inline const char* name = "auto-title";

  ~title_state() {
    if (stream) stream->cancel();
  }
};

using self_ptr = caf::stateful_actor<title_state>*;
using title_timeout_atom = caf::atom_constant<caf::atom("titletmo")>;

void stop(self_ptr self, const char* why) {
  spdlog::debug("auto-title of conversation {}: {}", self->state.spec.conversation_id, why);
  if (self->state.stream) self->state.stream->cancel();
  self->state.stream.reset();
  self->quit();
}

void write_title(self_ptr self) {
  auto& st = self->state;
  st.stream.reset();
  auto title = protocol::sanitize_title(st.text);
  if (title.empty()) return stop(self, "the model gave no usable title");
  storage_then<bool>(
      self, st.spec.svc->storage, st.spec.conversation_id,
      [id = st.spec.conversation_id, title](adapters::storage& s, adapters::knowledge_base&) {
        return s.set_default_title(id, title);
      },
      [self](bool written) { stop(self, written ? "titled" : "renamed meanwhile"); },
      [self](const std::string& err) {
        spdlog::debug("auto-title write failed: {}", err);
        stop(self, "storage failed");
      });
}

void call_model(self_ptr self) {
  auto& st = self->state;
  llm::chat_request req;
  req.model = st.spec.svc->config.title_model;
  req.max_tokens = 512;
  req.temperature = 0.3;
  llm::chat_message m;
  m.role = llm::role::user;
  m.content = title_prompt(st.spec.user_message, st.spec.reply);
  req.messages.push_back(std::move(m));
  llm::call_options call;
  call.api_key = st.spec.gateway_key.value_or(std::string());
  auto me = caf::actor_cast<caf::actor>(self);
  st.stream = st.spec.svc->llm->stream_with(req, call, [me](llm::stream_event e) {
    caf::anon_send(me, llm_event{1, std::move(e)});
  });
}

void begin(self_ptr self) {
  auto& st = self->state;
  if (st.started) return;
  st.started = true;
  storage_then<bool>(
      self, st.spec.svc->storage, st.spec.conversation_id,
      [id = st.spec.conversation_id](adapters::storage& s, adapters::knowledge_base&) {
        auto c = s.get_conversation(id);
        return c && adapters::has_default_name(*c);
      },
      [self](bool untitled) {
        if (!untitled) return stop(self, "already titled");
        call_model(self);
      },
      [self](const std::string&) { stop(self, "reading the conversation failed"); });
}

}  // namespace

std::string title_prompt(const std::string& user_message, const std::string& reply) {
  return "Give this conversation a short 3-6 word title. Reply with ONLY the title, no quotes."
         "\n\nUser: " +
         std::string(protocol::utf8_prefix(user_message, title_quote_chars)) +
         "\nAssistant: " + std::string(protocol::utf8_prefix(reply, title_quote_chars));
}

static caf::behavior title_actor_behavior(caf::stateful_actor<title_state>* self, title_spec spec) {
  auto& st = self->state;
  st.spec = std::move(spec);
  self->set_default_handler(log_unexpected("auto-title"));
  // The turn's exit starts the work; the registry's exit (shutdown) ends it.
  self->set_down_handler([self](caf::down_msg& dm) {
    if (dm.source == self->state.turn) return begin(self);
    stop(self, "server shutdown");
  });
  if (st.spec.svc->registry) self->monitor(st.spec.svc->registry);
  st.turn = st.spec.turn.address();
  self->monitor(st.spec.turn);  // already gone: the down_msg comes at once
  st.spec.turn = nullptr;       // no strong reference to a finished turn
  self->delayed_send(self, title_timeout, title_timeout_atom::value);
  return {
      [self](llm_event& e) {
        auto& s = self->state;
        if (!s.stream) return;  // a straggler after stop
        if (auto* d = std::get_if<llm::content_delta>(&e.event)) s.text += d->text;
        if (std::holds_alternative<llm::stream_failed>(e.event)) return stop(self, "LLM failed");
        if (std::holds_alternative<llm::stream_complete>(e.event)) write_title(self);
      },
      [self](title_timeout_atom) { stop(self, "timed out"); },
  };
}

bool spawn_auto_title(caf::actor_system& sys, title_spec spec) {
  const auto& svc = spec.svc;
  if (!svc || !svc->llm || svc->config.title_model.empty() || !spec.turn) return false;
  if (!spec.gateway_key || spec.gateway_key->empty()) return false;  // keyless: never titles
  sys.spawn(title_actor_behavior, std::move(spec));
  return true;
}

}  // namespace so::actors
