#include "actors/turn_actor.hpp"

#include "actors/confirmation_actor.hpp"
#include "actors/interaction_actor.hpp"
#include "actors/otp_flow.hpp"
#include "actors/preamble_actor.hpp"
#include "actors/storage_calls.hpp"
#include "actors/title_actor.hpp"
#include "actors/unexpected_messages.hpp"
#include "adapters/knowledge/citations.hpp"
#include "adapters/knowledge/knowledge_context.hpp"
#include "adapters/llm/agent_prompt.hpp"
#include "adapters/llm/response_accumulator.hpp"
#include "adapters/logging/log_ids.hpp"
#include "adapters/telemetry/trace_turn.hpp"
#include "adapters/tools/interaction_tools.hpp"
#include "adapters/tools/tool_registry.hpp"
#include "protocol/error_codes.hpp"
#include "protocol/events.hpp"
#include "protocol/ids.hpp"
#include "protocol/interactions.hpp"
#include "protocol/turn_reply.hpp"

#include <spdlog/spdlog.h>

#include <algorithm>
#include <map>

namespace so::actors {

namespace ev = protocol::events;
namespace llm = adapters::llm;
namespace tools = adapters::tools;

struct turn_state {
  turn_spec spec;
  net::event_sink_ptr sink;
  /// The connection `sink` belongs to: the starter's, or a confirmer's once the turn
  /// moved there. The only connection whose `cancel` reaches this turn.
  std::string sink_connection_id;
  tools::tool_registry tools;
  tools::tool_context tool_ctx;
  std::vector<llm::chat_message> conversation;
  std::vector<adapters::knowledge_result> auto_sources;
  std::vector<adapters::knowledge_result> tool_sources;
  unsigned iteration = 0;
  std::uint64_t call_id = 0;  ///< tags the LLM call or tool call in flight
  std::shared_ptr<llm::stream_handle> stream;
  llm::response_accumulator acc;
  std::vector<llm::tool_call> calls;  ///< tool calls of the last response
  std::size_t next_call = 0;
  caf::actor confirmation;
  // ---- Rich Interactions (later-protocol.md §1) ----
  caf::actor interaction;             ///< the parked interaction, if any
  std::string interaction_id;         ///< its id: an outcome with another id is ignored
  std::vector<std::string> supports;  ///< the session's render capabilities, read at start
  /// Fallback raises of this turn: kind → canonical spec (the latest raise wins).
  std::map<std::string, std::string> fallback_stash;
  /// Issue 12: this turn's OTP gate (actors/otp_flow.hpp).
  otp_turn_state otp;
  std::string reply;  ///< last assistant text of THIS turn (decisions.md)
  // ---- eventual_response additions and stream_preamble (issue 12 items 3, 4) ----
  protocol::turn_reply answer;  ///< streamed text, trailer hold-back, final reply selection
  caf::actor preamble;          ///< the stream_preamble side call, while it may matter
  std::optional<llm::model_price> price;  ///< the turn model's gateway price, once known
  ev::usage usage;
  bool usage_seen = false;
  bool finished = false;  ///< a terminal path has started; later inputs are ignored
  bool acked = false;     ///< the 202 ack was pushed
  /// The first storage job (lease claim, history, user message) has answered.
  bool prelude_done = false;
  /// A `cancel` that arrived before the first storage job answered: carried out once
  /// it has (the claim may still refuse the turn, and then there is nothing to cancel).
  bool cancel_requested = false;
  /// This process holds the session's turn lease in storage (storage.hpp).
  bool lease_held = false;
  // /metrics: how the turn ended (set by the path that ends it; anything else is a
  // failure), when it started, and whether its first token has streamed.
  adapters::telemetry::turn_outcome outcome = adapters::telemetry::turn_outcome::failed;
  std::chrono::steady_clock::time_point started_at = std::chrono::steady_clock::now();
  bool first_token_seen = false;
  adapters::telemetry::turn_trace trace;  ///< issue 13 item 5: this turn's spans
  static inline const char* name = "turn";

  // Whatever ends the turn (including a kill at shutdown) ends its stream and confirmation.
  ~turn_state() {
    if (stream) stream->cancel();
    if (confirmation) caf::anon_send_exit(confirmation, caf::exit_reason::user_shutdown);
    if (interaction) caf::anon_send_exit(interaction, caf::exit_reason::user_shutdown);
    if (preamble) caf::anon_send_exit(preamble, caf::exit_reason::user_shutdown);
  }

  const std::string& rid() const { return spec.request.request_id; }
  const std::string& session_id() const { return spec.record.session_id; }
  const std::string& conversation_id() const { return spec.record.conversation_id; }
  std::chrono::milliseconds lease_ttl() const { return spec.svc->config.turn_lease; }
  std::int64_t now_ms() const { return spec.svc->clock->now_ms(); }
  void send(std::string json) const { sink->push(net::make_frame(std::move(json))); }
  /// The `send_message` ack: once, before any other event of the turn.
  void ack() {
    if (acked) return;
    acked = true;
    send(protocol::events::immediate_response(rid(), 202, "Processing your request...", "{}",
                                              now_ms()));
  }
};

namespace {

using self_ptr = caf::stateful_actor<turn_state>*;

/// The ids every log line about this turn carries.
logging::log_ids ids_of(const turn_state& st) {
  return {.conn = st.spec.request.connection_id, .session = st.session_id(), .turn = st.rid()};
}
/// The turn's own timer: renew the lease (every third of SMOOTH_AGENT_TURN_LEASE_SECS).
using renew_atom = caf::atom_constant<caf::atom("renewlease")>;
/// `(modelprice, input per token, output per token)`: the turn model's gateway price.
using price_atom = caf::atom_constant<caf::atom("modelprice")>;

/// What a turn reads and writes before its first LLM call (one storage hop).
struct turn_prelude {
  bool claimed = false;  ///< the turn lease was granted (else nothing was read or stored)
  std::vector<adapters::knowledge_result> auto_sources;
  std::vector<adapters::history_entry> history;  ///< oldest first
};

void run_iteration(self_ptr self);
void run_next_tool(self_ptr self);

/// The preamble stops mattering once the answer starts or the turn ends (§4.1).
void stop_preamble(turn_state& st) {
  if (st.preamble) caf::anon_send_exit(st.preamble, caf::exit_reason::user_shutdown);
  st.preamble = nullptr;
}

// ---- terminal paths ---------------------------------------------------------------------

/// Frees the session's turn slot, then pushes the terminal event and quits. No reply is
/// awaited: the slot is freed before anything the client does in reaction can reach the
/// session, because `turnend` is in the session's mailbox before the terminal frame is
/// even queued on the socket, and a mailbox is FIFO. So a client starting its next turn
/// the instant it sees the terminal event is never refused (decisions.md), and the
/// terminal leaves in the same run, often in the same send, as the last token.
void end_turn(self_ptr self, net::frame frame) {
  self->send(self->state.spec.session, turn_end_atom::value);
  self->state.sink->push(std::move(frame));
  self->quit();
}

/// Releases the turn lease in storage (when held), then runs `next`. A failed
/// release is only logged: the lease expires after SMOOTH_AGENT_TURN_LEASE_SECS, and
/// this process may re-claim it at once (same owner).
template <class Next>
void release_lease(self_ptr self, Next next) {
  auto& st = self->state;
  if (!st.lease_held) return next();
  st.lease_held = false;
  storage_then<bool>(
      self, st.spec.svc->storage, st.conversation_id(),
      [sid = st.session_id(), owner = st.spec.svc->turn_owner](
          adapters::storage& s, adapters::knowledge_base&) { return s.release_turn(sid, owner); },
      [self, next](bool released) mutable {
        if (!released)
          spdlog::warn("{} turn: the turn lease was no longer ours at release",
                       ids_of(self->state));
        next();
      },
      [self, next](const storage_failure& f) mutable {
        spdlog::warn(
            "{} turn: releasing the turn lease failed ({}); it expires "
            "by itself",
            ids_of(self->state), f.message);
        next();
      });
}

/// Releases the turn lease and the session's slot, THEN sends the terminal event and
/// quits, so a client reacting to it instantly is never refused (decisions.md) — in
/// this process or in another one sharing the storage.
void finish_with(self_ptr self, std::string terminal) {
  auto& st = self->state;
  auto& metrics = *st.spec.svc->metrics;
  metrics.turn_ended(st.outcome, std::chrono::steady_clock::now() - st.started_at);
  st.trace.end_turn(st.outcome);
  if (st.usage_seen) {
    metrics.prompt_tokens.fetch_add(st.usage.prompt_tokens, std::memory_order_relaxed);
    metrics.completion_tokens.fetch_add(st.usage.completion_tokens, std::memory_order_relaxed);
  }
  if (st.stream) st.stream->cancel();
  st.stream.reset();
  if (st.confirmation) caf::anon_send_exit(st.confirmation, caf::exit_reason::user_shutdown);
  if (st.interaction) caf::anon_send_exit(st.interaction, caf::exit_reason::user_shutdown);
  stop_preamble(st);
  auto frame = net::make_frame(std::move(terminal));
  release_lease(self, [self, frame] { end_turn(self, frame); });
}

std::string agent_error(const turn_state& st, const std::string& message,
                        std::string_view code = protocol::codes::agent_error) {
  spdlog::warn("{} turn failed: {}", ids_of(st), message);
  return ev::error(st.rid(), code, "agent turn failed: " + message, st.now_ms());
}

void fail(self_ptr self, const std::string& message,
          std::string_view code = protocol::codes::agent_error) {
  auto& st = self->state;
  if (st.finished) return;
  st.finished = true;
  st.trace.set_error(code, message);
  finish_with(self, agent_error(st, message, code));
}

void cancel(self_ptr self) {
  auto& st = self->state;
  if (st.finished) return;
  // Before the first storage job answered, the turn may yet be refused (TURN_IN_PROGRESS):
  // the cancel waits for that answer, so an ack is never sent for a refused turn.
  if (!st.prelude_done) {
    st.cancel_requested = true;
    return;
  }
  st.finished = true;
  st.outcome = adapters::telemetry::turn_outcome::cancelled;
  st.ack();
  // Nothing more is persisted: streamed tokens were ephemeral; the user message stays.
  finish_with(self, ev::cancelled(st.rid(), st.now_ms()));
}

void complete(self_ptr self) {
  auto& st = self->state;
  if (st.finished) return;
  st.finished = true;
  auto citations = adapters::build_citations(st.auto_sources, st.tool_sources);
  std::optional<ev::usage> usage;
  if (st.usage_seen) usage = st.usage;
  if (usage && st.price)
    usage->cost_usd = llm::cost_usd(*st.price, usage->prompt_tokens, usage->completion_tokens);
  // Issue 12 (§3.5, §3.1, §3.2): the reply, its suggestions, the collapsed wire text.
  auto final = std::make_shared<protocol::final_reply>(st.answer.finish(st.reply));
  auto respond = [self, citations, usage, final](const std::string& message_id) {
    auto& s = self->state;
    s.outcome = adapters::telemetry::turn_outcome::succeeded;
    finish_with(self, ev::eventual_response(s.rid(), message_id, final->wire, citations, usage,
                                            s.now_ms(), final->suggestions));
    // Issue 12: the auto-titler starts once this actor has exited (title_actor.hpp).
    spawn_auto_title(self->system(),
                     {s.spec.svc, caf::actor_cast<caf::actor>(self), s.conversation_id(),
                      s.spec.request.message, final->persisted, s.spec.request.gateway_key});
  };
  // Issue 12 (OTP, §5.3): otp_verification_required / otp_sent come before eventual_response.
  auto respond_after_otp = [self, respond](const std::string& message_id) {
    auto& s = self->state;
    otp_after_turn(self, s.spec.svc, s.spec.session, s.rid(), s.otp, s.sink,
                   [respond, message_id] { respond(message_id); });
  };
  if (final->persisted.empty())
    return respond_after_otp(protocol::new_uuid_v4());  // nothing persisted
  protocol::message out;
  out.id = protocol::new_uuid_v4();
  out.conversation_id = st.spec.record.conversation_id;
  out.direction = protocol::direction::outbound;
  out.content = protocol::message_content::from_text(final->persisted);
  out.created_at = st.spec.svc->clock->now();
  // The lease is released in the reply's own job, right after the reply committed: one
  // storage hop, and another process's next turn always finds the reply in the history.
  const bool release = st.lease_held;
  auto respond_released = [self, respond_after_otp, release](const std::string& message_id) {
    if (release) self->state.lease_held = false;
    respond_after_otp(message_id);
  };
  storage_then<std::string>(
      self, st.spec.svc->storage, *out.conversation_id,
      [out, release, sid = st.session_id(), owner = st.spec.svc->turn_owner, rid = st.rid()](
          adapters::storage& s, adapters::knowledge_base&) {
        auto id = s.append_message(out).id;
        if (release) {
          try {
            if (!s.release_turn(sid, owner))
              spdlog::warn("{} turn: the turn lease was no longer ours at release",
                           logging::log_ids{.session = sid, .turn = rid});
          } catch (const std::exception& e) {
            spdlog::warn(
                "{} turn: releasing the turn lease failed ({}); it "
                "expires by itself",
                logging::log_ids{.session = sid, .turn = rid}, e.what());
          }
        }
        return id;
      },
      respond_released,
      [self](const storage_failure& f) {
        finish_with(self, agent_error(self->state, "persist reply: " + f.message,
                                      f.code_or(protocol::codes::agent_error)));
      });
}

// ---- the turn lease ---------------------------------------------------------------------

/// Another process runs a turn on this session (its lease is live): the same
/// TURN_IN_PROGRESS a local second turn gets, no ack, nothing stored.
void refuse(self_ptr self) {
  auto& st = self->state;
  if (st.finished) return;
  st.finished = true;
  st.outcome = adapters::telemetry::turn_outcome::refused;
  finish_with(self, ev::error(st.rid(), protocol::codes::turn_in_progress,
                              protocol::texts::turn_in_progress, st.now_ms()));
}

/// Renews every third of the lease while the turn runs, so it never lapses under a
/// live turn. Skipped when storage runs inline (the in-memory adapter): that storage
/// lives in this process only, so no other owner can ever compete for the lease, and
/// the turn pays no timer.
void schedule_renew(self_ptr self) {
  auto& st = self->state;
  if (!st.lease_held || st.finished) return;
  if (st.spec.svc->storage->runs_inline(st.conversation_id())) return;
  self->delayed_send(self, std::max(st.lease_ttl() / 3, std::chrono::milliseconds(1)),
                     renew_atom::value);
}

/// A failed renew is logged and the turn goes on (the next renew may succeed; the
/// lease only lapses after a whole lease without one). A lease found taken over is
/// logged and no longer renewed: the turn still finishes.
void renew(self_ptr self) {
  auto& st = self->state;
  if (!st.lease_held || st.finished) return;
  storage_then<bool>(
      self, st.spec.svc->storage, st.conversation_id(),
      [sid = st.session_id(), owner = st.spec.svc->turn_owner, ttl = st.lease_ttl()](
          adapters::storage& s, adapters::knowledge_base&) {
        return s.renew_turn(sid, owner, ttl);
      },
      [self](bool kept) {
        auto& s = self->state;
        if (!kept && s.lease_held && !s.finished) {
          spdlog::warn("{} turn: the turn lease was taken over by another process", ids_of(s));
          s.lease_held = false;
          return;
        }
        schedule_renew(self);
      },
      [self](const storage_failure& f) {
        spdlog::warn("{} turn: renewing the turn lease failed: {}", ids_of(self->state), f.message);
        schedule_renew(self);
      });
}

// ---- tools ------------------------------------------------------------------------------

void tool_done(self_ptr self, tools::tool_outcome outcome) {
  auto& st = self->state;
  st.trace.end_tool(outcome.is_error);
  const auto& call = st.calls[st.next_call];
  st.send(ev::tool_result_chunk(st.rid(), call.name, outcome.is_error, outcome.text, st.now_ms()));
  llm::chat_message m;
  m.role = llm::role::tool;
  m.content = std::move(outcome.text);  // the model always sees the full text
  m.tool_call_id = call.id;
  m.name = call.name;
  st.conversation.push_back(std::move(m));
  st.tool_sources.insert(st.tool_sources.end(), outcome.sources.begin(), outcome.sources.end());
  ++st.next_call;
  run_next_tool(self);
}

void run_interaction_tool(self_ptr self, const tools::interaction_tool& tool, bool chunk_held);

void execute(self_ptr self) {
  auto& st = self->state;
  const auto& call = st.calls[st.next_call];
  auto tool = st.tools.find(call.name);
  if (!tool) return tool_done(self, {"unknown tool: " + call.name, true, {}});
  // Ours (not a host tool of the same name): the turn runs it (it may park).
  if (auto* ours = dynamic_cast<const tools::interaction_tool*>(tool.get()))
    return run_interaction_tool(self, *ours, false);
  auto id = ++st.call_id;
  auto me = caf::actor_cast<caf::actor>(self);
  tool->invoke(call.arguments_json, st.tool_ctx, [me, id](tools::tool_outcome o) {
    caf::anon_send(me, tool_finished{id, std::move(o)});
  });
}

/// Parks the call on a confirmation actor: prompt first, then the held-back
/// toolCall chunk (protocol.md §3.6.3).
void park(self_ptr self) {
  auto& st = self->state;
  const auto& call = st.calls[st.next_call];
  confirmation_spec cs{caf::actor_cast<caf::actor>(self), st.spec.session, call.name,
                       st.spec.svc->config.confirm_timeout};
  st.confirmation = spawn_confirmation(self->system(), std::move(cs));
  self->send(st.spec.svc->registry, track_atom::value, activity_kind::confirmation,
             st.confirmation);
  auto tool = call.name;
  auto args = call.arguments_json;
  self->request(st.spec.session, std::chrono::seconds(10), park_atom::value, st.confirmation)
      .then(
          [self, tool, args](caf::ok_atom) {
            auto& s = self->state;
            if (s.finished) return;
            s.send(ev::write_confirmation_required(s.rid(), tool, s.now_ms()));
            s.send(ev::tool_call_chunk(s.rid(), tool, args, s.now_ms()));
          },
          [self](caf::error& e) { fail(self, "register confirmation: " + caf::to_string(e)); });
}

void run_next_tool(self_ptr self) {
  auto& st = self->state;
  if (st.finished) return;
  if (st.next_call >= st.calls.size()) {
    // Tools of the last allowed iteration still run; then the loop stops successfully.
    if (st.iteration >= st.spec.svc->config.max_iterations) return complete(self);
    return run_iteration(self);
  }
  auto& call = st.calls[st.next_call];
  if (call.arguments_json.empty() || call.arguments_json == "null" || call.arguments_json == "\"\"")
    call.arguments_json = "{}";
  st.trace.begin_tool(call.name, call.id);
  // Issue 12 (OTP, §5.1): the auth gate refuses before the confirmation hook.
  if (auto refusal = otp_gate_check(*st.spec.svc, st.otp, call.name)) {
    st.send(ev::tool_call_chunk(st.rid(), call.name, call.arguments_json, st.now_ms()));
    return tool_done(self, {std::move(*refusal), true, {}});
  }
  if (st.spec.svc->confirm.requires_confirmation(call.name)) return park(self);
  // A raise tool's toolCall chunk is held: a park emits interaction_required first.
  if (auto tool = st.tools.find(call.name))
    if (auto* ours = dynamic_cast<const tools::interaction_tool*>(tool.get()))
      return run_interaction_tool(self, *ours, true);
  st.send(ev::tool_call_chunk(st.rid(), call.name, call.arguments_json, st.now_ms()));
  execute(self);
}

// ---- Rich Interactions (later-protocol.md §1.5, §1.6, §1.11, §1.12) ----------------------

namespace ix = protocol::interactions;

/// Runs a raise tool or the generic submit tool. `chunk_held`: the toolCall chunk is
/// not sent yet; every exit sends it before anything else of this call (a park after
/// interaction_required, any other exit at once).
void run_interaction_tool(self_ptr self, const tools::interaction_tool& tool, bool chunk_held) {
  auto& st = self->state;
  const auto& call = st.calls[st.next_call];
  auto release_chunk = [self, chunk_held, name = call.name, args = call.arguments_json] {
    auto& s = self->state;
    if (chunk_held) s.send(ev::tool_call_chunk(s.rid(), name, args, s.now_ms()));
  };
  if (!tool.raises()) {
    release_chunk();
    auto r = ix::run_conversational_submit(call.arguments_json, st.fallback_stash);
    if (r.identity_values_json)
      self->send(st.spec.session, stamp_atom::value, *r.identity_values_json);
    return tool_done(self, {std::move(r.text), r.is_error, {}});
  }
  const auto kind = *tool.raises();
  auto parsed = ix::parse_raise(kind, call.arguments_json);
  if (!parsed.request) {
    release_chunk();
    return tool_done(self, tools::tool_outcome::failure(parsed.error));
  }
  auto& raise = *parsed.request;
  if (!ix::renders(st.supports, kind)) {
    st.fallback_stash[std::string(ix::info(kind).name)] = raise.spec_json;
    release_chunk();
    return tool_done(
        self, tools::tool_outcome::ok(ix::fallback_result(kind, raise.spec_json, raise.reason)));
  }
  // Rich: register the park with the session BEFORE the event, so a client answering
  // at once finds it; then interaction_required, then the held chunk.
  st.interaction_id = protocol::new_uuid_v4();
  interaction_spec is{caf::actor_cast<caf::actor>(self), st.spec.session, st.interaction_id,
                      std::string(ix::info(kind).name), st.spec.svc->config.interaction_timeout};
  st.interaction = spawn_interaction(self->system(), std::move(is));
  self->send(st.spec.svc->registry, track_atom::value, activity_kind::interaction, st.interaction);
  pending_interaction p{st.interaction, st.interaction_id, std::string(ix::info(kind).name),
                        raise.spec_json};
  auto event = ix::interaction_required(st.rid(), st.interaction_id, kind, raise.spec_json,
                                        raise.reason, st.now_ms());
  self->request(st.spec.session, std::chrono::seconds(10), interact_atom::value, std::move(p))
      .then(
          [self, event, release_chunk](caf::ok_atom) {
            auto& s = self->state;
            if (s.finished) return;
            s.send(event);
            release_chunk();
          },
          [self](caf::error& e) { fail(self, "register interaction: " + caf::to_string(e)); });
}

void on_interaction_outcome(self_ptr self, interaction_outcome& o) {
  auto& st = self->state;
  if (o.interaction_id != st.interaction_id || !st.interaction) return;  // foreign or stale
  st.interaction = nullptr;
  st.interaction_id.clear();
  if (st.finished) return;
  // The original socket is gone: continue on the connection that submitted.
  if (o.submitter && !st.sink->is_open()) {
    st.sink = o.submitter;
    st.sink_connection_id = o.submitter_connection_id;
  }
  switch (o.resolution) {
    case interaction_resolution::submitted:
      return tool_done(self, tools::tool_outcome::ok(ix::submitted_result(o.values_json)));
    case interaction_resolution::declined:
      return tool_done(self, tools::tool_outcome::ok(ix::declined_result()));
    case interaction_resolution::no_response:
      return tool_done(self, tools::tool_outcome::ok(ix::no_response_result()));
  }
}

void on_verdict(self_ptr self, confirmation_verdict& v) {
  auto& st = self->state;
  st.confirmation = nullptr;
  if (st.finished) return;
  // The original socket is gone: continue on the connection that confirmed.
  if (v.confirmer && !st.sink->is_open()) {
    st.sink = v.confirmer;
    st.sink_connection_id = v.confirmer_connection_id;
  }
  switch (v.kind) {
    case verdict_kind::approved:
      return execute(self);
    case verdict_kind::denied:
      return tool_done(self, {"blocked by hook: User denied: user rejected the action", true, {}});
    case verdict_kind::timed_out:
      return tool_done(self, {"blocked by hook: confirmation timeout", true, {}});
  }
}

// ---- the LLM loop -----------------------------------------------------------------------

void on_response(self_ptr self) {
  auto& st = self->state;
  st.stream.reset();
  // A held-back tail that never became the trailer goes out before this response's tools.
  if (auto tail = st.answer.end_of_response(); !tail.empty())
    st.send(ev::stream_token(st.rid(), tail, st.now_ms()));
  auto res = st.acc.finish();
  st.trace.end_llm(res);
  if (res.usage_reported) {
    st.usage.prompt_tokens += res.usage.prompt_tokens;
    st.usage.completion_tokens += res.usage.completion_tokens;
    st.usage_seen = true;
  }
  if (!res.content.empty() || !res.tool_calls.empty() || !res.reasoning.empty()) {
    llm::chat_message m;
    m.role = llm::role::assistant;
    m.content = res.content;
    m.tool_calls = res.tool_calls;
    m.reasoning = res.reasoning;
    st.conversation.push_back(std::move(m));
    st.reply = res.content;
  }
  if (res.tool_calls.empty()) return complete(self);
  st.calls = std::move(res.tool_calls);
  st.next_call = 0;
  run_next_tool(self);
}

void on_stream_event(self_ptr self, std::uint64_t call_id, llm::stream_event& event) {
  auto& st = self->state;
  if (st.finished || call_id != st.call_id || !st.stream) return;  // a straggler
  std::visit(
      [&](auto& x) {
        using T = std::decay_t<decltype(x)>;
        if constexpr (std::is_same_v<T, llm::content_delta>) {
          if (!x.text.empty()) {
            if (!st.first_token_seen) {
              st.first_token_seen = true;
              st.spec.svc->metrics->time_to_first_token.observe(std::chrono::steady_clock::now() -
                                                                st.started_at);
              stop_preamble(st);  // the answer has started: no preamble any more
            }
            // The suggested-replies trailer (and only a possible start of it) is held back.
            if (auto out = st.answer.answer_delta(x.text); !out.empty())
              st.send(ev::stream_token(st.rid(), out, st.now_ms()));
          }
        } else if constexpr (std::is_same_v<T, llm::reasoning_delta>) {
          if (!x.text.empty()) {
            st.answer.reasoning_delta(x.text);
            st.send(ev::stream_reasoning(st.rid(), x.text, st.now_ms()));
          }
        }
      },
      event);
  if (auto* failed = std::get_if<llm::stream_failed>(&event)) return fail(self, failed->message);
  if (std::holds_alternative<llm::stream_complete>(event)) return on_response(self);
  st.acc.add(event);
}

// One read's events, in order. An event that ends the call (a failure, or the
// response that completes the turn or starts its tools and the next call) makes the
// rest of the batch stragglers, which on_stream_event drops by its checks.
void on_stream_events(self_ptr self, llm_events& batch) {
  for (auto& event : batch.events) on_stream_event(self, batch.call_id, event);
}

void run_iteration(self_ptr self) {
  auto& st = self->state;
  const auto& cfg = st.spec.svc->config;
  ++st.iteration;
  if (st.iteration == cfg.max_iterations) {
    llm::chat_message reminder;
    reminder.role = llm::role::system;
    reminder.content = std::string(llm::final_iteration_reminder);
    st.conversation.push_back(std::move(reminder));
  }
  llm::chat_request req;
  req.model = st.spec.request.model.value_or(cfg.model);  // issue 12: an allowed override
  // The window's messages are lent to the request, not copied (up to 50 replayed messages
  // per model call), and given back once the provider has read them (llm_provider.hpp).
  const auto window = llm::context_window(st.conversation);
  req.messages.reserve(window.size());
  for (const auto i : window) req.messages.push_back(std::move(st.conversation[i]));
  struct give_back {
    std::vector<llm::chat_message>& to;
    const std::vector<std::size_t>& window;
    std::vector<llm::chat_message>& lent;
    ~give_back() {
      for (std::size_t k = 0; k < window.size(); ++k) to[window[k]] = std::move(lent[k]);
    }
  } lend{st.conversation, window, req.messages};
  req.tools = st.tools.specs();
  req.max_tokens = cfg.max_tokens;
  req.temperature = 0.0;
  st.acc = llm::response_accumulator{};
  auto id = ++st.call_id;
  auto me = caf::actor_cast<caf::actor>(self);
  llm::call_options call;
  call.api_key = st.spec.request.gateway_key.value_or(std::string());
  st.trace.begin_llm(req.model, req.max_tokens, req.temperature);
  st.stream = st.spec.svc->llm->stream_batches(req, call, [me, id](llm::stream_batch events) {
    caf::anon_send(me, llm_events{id, std::move(events)});
  });
}

// ---- start ------------------------------------------------------------------------------

void build_tools(self_ptr self) {
  auto& st = self->state;
  const auto& svc = *st.spec.svc;
  if (svc.knowledge_search) st.tools.add(svc.knowledge_search);
  for (const auto& t : svc.extra_tools) st.tools.add(t);
  // Rich Interactions (later-protocol.md §1.3): after the built-ins, before host tools
  // (a host tool of the same name replaces them). Capabilities are read once per turn.
  st.supports = protocol::interactions::supports_from_metadata(st.spec.record.metadata);
  for (const auto& t : tools::interaction_tools_for(st.supports)) st.tools.add(t);
  if (svc.host_tools)
    for (const auto& t : svc.host_tools->tools_for(st.tool_ctx)) st.tools.add(t);
}

/// Issue 12: the preamble (§4.1) and the model's price for `usage.costUsd` (§3.3), both
/// in parallel with the first model call and never waited for.
void start_side_calls(self_ptr self) {
  auto& st = self->state;
  const auto& svc = st.spec.svc;
  st.preamble = spawn_preamble(self->system(),
                               {svc, caf::actor_cast<caf::actor>(self), st.spec.request.message,
                                /*the turn's temperature*/ 0.0, st.spec.request.gateway_key});
  if (!svc->model_prices) return;
  svc->model_prices->price_of(st.spec.request.model.value_or(svc->config.model),
                              [me = caf::actor_cast<caf::actor>(self)](auto p) {
                                if (p)
                                  caf::anon_send(me, price_atom::value, p->input_per_token,
                                                 p->output_per_token);
                              });
}

void begin(self_ptr self, turn_prelude& pre) {
  auto& st = self->state;
  const auto& svc = *st.spec.svc;
  st.auto_sources = std::move(pre.auto_sources);

  llm::chat_message system;
  system.role = llm::role::system;
  auto persona =
      svc.persona ? svc.persona->persona_for(st.spec.record.organization_id) : std::nullopt;
  system.content = persona ? *persona : std::string(llm::default_system_prompt);
  // Issue 12: this turn's skill (never persisted: the stored user message is `message`).
  if (st.spec.request.skill_section) system.content += "\n\n" + *st.spec.request.skill_section;
  // Issue 12 (§3.1): the suggested-replies contract is always the LAST section.
  system.content += "\n\n" + std::string(protocol::suggested_replies_prompt);
  st.conversation.push_back(std::move(system));
  for (auto& m : llm::replay_history(std::move(pre.history)))
    st.conversation.push_back(std::move(m));
  if (!st.auto_sources.empty()) {
    llm::chat_message knowledge;
    knowledge.role = llm::role::system;
    knowledge.content = adapters::format_knowledge_block(st.auto_sources);
    st.conversation.push_back(std::move(knowledge));
  }
  llm::chat_message user;
  user.role = llm::role::user;
  user.content = st.spec.request.message;
  user.images = st.spec.request.images;  // issue 12: this turn only, not persisted
  st.conversation.push_back(std::move(user));
  start_side_calls(self);
  run_iteration(self);
}

void start(self_ptr self) {
  auto& st = self->state;
  st.started_at = std::chrono::steady_clock::now();
  st.spec.svc->metrics->turns_started.fetch_add(1, std::memory_order_relaxed);
  const auto& rec = st.spec.record;
  st.trace.begin_turn(st.spec.svc->tracer,
                      {rec.session_id, rec.conversation_id, st.rid(), st.spec.request.connection_id,
                       rec.agent_id, rec.agent_name, rec.organization_id,
                       st.spec.request.model ? *st.spec.request.model : st.spec.svc->config.model});
  auto access = st.spec.request.access;
  if (!access.organization_id) access.organization_id = st.spec.record.organization_id;
  // Tools see the session's org, the connection's access (org filled in), the
  // conversation and the resolved per-org key (admin-auth.md §5.4; decisions.md).
  st.tool_ctx = {st.spec.record.session_id, st.spec.record.conversation_id,
                 st.spec.record.organization_id, access, st.spec.request.gateway_key};
  st.tool_ctx.files = st.spec.request.files;  // issue 12: host tools only
  st.otp.verified = adapters::auth::otp_verified(st.spec.record.metadata);  // issue 12 (OTP)
  build_tools(self);

  protocol::message inbound;
  inbound.id = protocol::new_uuid_v4();
  inbound.conversation_id = st.spec.record.conversation_id;
  inbound.direction = protocol::direction::inbound;
  inbound.content = protocol::message_content::from_text(st.spec.request.message);
  inbound.created_at = st.spec.svc->clock->now();
  auto text = st.spec.request.message;
  storage_then<turn_prelude>(
      self, st.spec.svc->storage, *inbound.conversation_id,
      [inbound, sid = st.session_id(), owner = st.spec.svc->turn_owner, ttl = st.lease_ttl()](
          adapters::storage& s, adapters::knowledge_base&) mutable {
        turn_prelude pre;
        // The lease first: a turn running in another process refuses this one before
        // anything is read or stored.
        pre.claimed = s.claim_turn(sid, owner, ttl);
        if (!pre.claimed) return pre;
        try {
          // History is read before the new message is stored: the NEWEST 50, oldest first.
          pre.history = s.recent_history(*inbound.conversation_id, llm::history_limit);
          s.append_message(std::move(inbound));  // the job runs once
        } catch (...) {
          // The turn fails with this error: hand the slot back at once.
          try {
            s.release_turn(sid, owner);
          } catch (...) {  // it expires by itself
          }
          throw;
        }
        return pre;
      },
      [self, access, text](turn_prelude pre) {
        auto& st = self->state;
        st.prelude_done = true;
        if (!pre.claimed) return refuse(self);
        st.lease_held = true;
        // The session answers this session's control subject from now on. Only a message
        // bus carries control requests: without one the session has nothing to subscribe.
        if (st.spec.svc->bus) self->send(st.spec.session, claimed_atom::value);
        schedule_renew(self);
        st.ack();  // the user message is committed: now acknowledge it
        if (st.cancel_requested) return cancel(self);
        // One retrieval grounds the model and seeds the citations (engine.md §11.17);
        // it runs on the knowledge worker, never on a storage worker.
        auto go = [self, p = std::make_shared<turn_prelude>(std::move(pre))](auto sources) {
          p->auto_sources = std::move(sources);
          if (!self->state.finished) begin(self, *p);
        };
        // An empty store answers nothing: skip the two cross-thread hops to the worker.
        if (self->state.spec.svc->storage->knowledge().known_empty())
          return go(std::vector<adapters::knowledge_result>{});
        storage_then<std::vector<adapters::knowledge_result>>(
            self, self->state.spec.svc->storage, knowledge_lane,
            [access, text](adapters::storage&, adapters::knowledge_base& kb) {
              return kb.query(text, 3, access);
            },
            go,
            [go, self](const std::string& err) {
              spdlog::warn("{} knowledge retrieval failed: {}", ids_of(self->state), err);
              go(std::vector<adapters::knowledge_result>{});
            });
      },
      [self](const storage_failure& f) {
        auto& st = self->state;
        st.prelude_done = true;
        // Not answered in time: the job may still run and claim. A release queued behind
        // it (same worker, in order) hands the lease back; it is a no-op otherwise.
        if (!f.adapter_error()) st.lease_held = true;
        fail(self, f.message, f.code_or(protocol::codes::agent_error));
      });
}

}  // namespace

static caf::behavior turn_actor_behavior(caf::stateful_actor<turn_state>* self, turn_spec spec) {
  auto& st = self->state;
  st.spec = std::move(spec);
  st.sink = st.spec.request.sink;
  st.sink_connection_id = st.spec.request.connection_id;
  self->set_default_handler(log_unexpected("turn"));
  self->send(self, begin_atom::value);
  return {
      [self](begin_atom) { start(self); },
      [self](llm_events& batch) { on_stream_events(self, batch); },
      [self](tool_finished& t) {
        auto& s = self->state;
        if (s.finished || t.call_id != s.call_id) return;
        tool_done(self, std::move(t.outcome));
      },
      [self](verdict_atom, confirmation_verdict& v) { on_verdict(self, v); },
      [self](interact_atom, interaction_outcome& o) { on_interaction_outcome(self, o); },
      [self](cancel_atom) { cancel(self); },
      [self](cancel_atom, const std::string& connection_id) {
        // Only the connection that carries the turn (its sink) may cancel it.
        if (connection_id == self->state.sink_connection_id) cancel(self);
      },
      [self](renew_atom) { renew(self); },
      [self](preamble_atom, std::string& text) {
        auto& s = self->state;
        s.preamble = nullptr;  // it quits after sending
        // §4.1: only before the answer starts; decisions.md: never after the terminal event.
        if (s.finished || s.answer.answer_started()) return;
        s.send(ev::stream_preamble(s.rid(), text, s.now_ms()));
      },
      [self](price_atom, double input, double output) {
        self->state.price = llm::model_price{input, output};
      },
  };
}

caf::actor spawn_turn(caf::actor_system& sys, turn_spec spec) {
  return sys.spawn(turn_actor_behavior, std::move(spec));
}

}  // namespace so::actors
