// actors/preamble_actor.cpp — see preamble_actor.hpp.
#include "actors/preamble_actor.hpp"

#include "actors/messages.hpp"
#include "actors/unexpected_messages.hpp"

#include <spdlog/spdlog.h>

namespace so::actors {

namespace llm = adapters::llm;

const std::string_view preamble_system_prompt =
    "You write the one-line status a chat assistant shows while it prepares its answer. "
    "Reply with ONE short present-tense sentence (about 12 words at most) saying what the "
    "assistant is about to do for the user's message. Do not answer the question, do not "
    "greet, do not promise an outcome, and use no quotes or markdown. "
    "Example: Let me pull up your recent conversations.";

namespace {

struct preamble_state {
  preamble_spec spec;
  std::shared_ptr<llm::stream_handle> stream;
  std::string text;
  static inline const char* name = "preamble";

  ~preamble_state() {
    if (stream) stream->cancel();
  }
};

using self_ptr = caf::stateful_actor<preamble_state>*;

void stop(self_ptr self, const char* why) {
  spdlog::debug("preamble: {}", why);
  if (self->state.stream) self->state.stream->cancel();
  self->state.stream.reset();
  self->quit();
}

void start(self_ptr self) {
  auto& st = self->state;
  llm::chat_request req;
  req.model = st.spec.svc->config.preamble_model;
  req.max_tokens = preamble_max_tokens;
  req.temperature = st.spec.temperature;
  llm::chat_message system;
  system.role = llm::role::system;
  system.content = std::string(preamble_system_prompt);
  req.messages.push_back(std::move(system));
  llm::chat_message user;
  user.role = llm::role::user;
  user.content = st.spec.user_message;
  req.messages.push_back(std::move(user));
  llm::call_options call;
  call.api_key = st.spec.gateway_key.value_or(std::string());
  auto me = caf::actor_cast<caf::actor>(self);
  st.stream = st.spec.svc->llm->stream_with(req, call, [me](llm::stream_event e) {
    caf::anon_send(me, llm_event{1, std::move(e)});
  });
}

std::string trimmed(const std::string& s) {
  const auto first = s.find_first_not_of(" \t\r\n\f\v");
  if (first == std::string::npos) return {};
  return s.substr(first, s.find_last_not_of(" \t\r\n\f\v") - first + 1);
}

}  // namespace

static caf::behavior preamble_actor_behavior(caf::stateful_actor<preamble_state>* self,
                                             preamble_spec spec) {
  auto& st = self->state;
  st.spec = std::move(spec);
  self->set_default_handler(log_unexpected("preamble"));
  self->set_down_handler([self](caf::down_msg&) { stop(self, "its turn ended"); });
  self->monitor(st.spec.turn);  // already gone: the down_msg comes at once
  start(self);
  return {
      [self](llm_event& e) {
        auto& s = self->state;
        if (!s.stream) return;  // a straggler after stop
        if (auto* d = std::get_if<llm::content_delta>(&e.event)) s.text += d->text;
        if (auto* f = std::get_if<llm::stream_failed>(&e.event)) {
          spdlog::debug("preamble call failed: {}", f->message);
          return stop(self, "the model call failed");
        }
        if (!std::holds_alternative<llm::stream_complete>(e.event)) return;
        if (auto text = trimmed(s.text); !text.empty())
          self->send(s.spec.turn, preamble_atom::value, std::move(text));
        stop(self, "done");
      },
  };
}

caf::actor spawn_preamble(caf::actor_system& sys, preamble_spec spec) {
  const auto& svc = spec.svc;
  if (!svc || !svc->llm || !svc->llm_needs_key || svc->config.preamble_model.empty() || !spec.turn)
    return {};
  auto registry = svc->registry;
  auto a = sys.spawn(preamble_actor_behavior, std::move(spec));
  if (registry) caf::anon_send(registry, track_atom::value, activity_kind::preamble, a);
  return a;
}

}  // namespace so::actors
