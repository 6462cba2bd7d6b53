// web/app.js — the chat page: session, turns, tool calls, citations, confirmations, Rich
// Interaction forms (web/interactions.js), Stop, history on reload and reconnect.
// Protocol: docs/protocol.md.
//
// Query string: agentId (required; asked for when missing), token (sent as /ws?token=),
// conversationId (asks the server to resume that conversation; servers of protocol 1.7.0
// ignore it and start a new one). The session id is kept in sessionStorage per agent, so a
// reload of the tab resumes the conversation and shows its history.
//
// Safety: everything the server or the model sends is put into the page as text
// (textContent, or web/markdown.js which builds nodes) — never as HTML.

import { Connection, newRequestId } from "./connection.js";
import { eventRenderers } from "./extensions.js";
import { InteractionCards, SUPPORTS } from "./interactions.js";
import { renderMarkdown, safeHttpUrl } from "./markdown.js";

const $ = (id) => document.getElementById(id);
const ui = {
  status: $("status"),
  start: $("start"),
  agentInput: $("agent-id"),
  transcript: $("transcript"),
  composer: $("composer"),
  message: $("message"),
  send: $("send"),
  stop: $("stop"),
  newConversation: $("new-conversation"),
  dialog: $("confirm-dialog"),
  dialogText: $("confirm-text"),
  dialogTool: $("confirm-tool"),
  approve: $("approve"),
  deny: $("deny"),
};

const params = new URLSearchParams(location.search);
const config = {
  agentId: (params.get("agentId") ?? "").trim(),
  token: params.get("token") ?? "",
  conversationId: (params.get("conversationId") ?? "").trim(),
};

const state = {
  connection: null,
  session: null,       // {sessionId, conversationId}
  turn: null,          // the running turn, see startTurn
  historyShown: false,  // the stored conversation was rendered once in this page
  confirmation: null,  // {requestId, toolId} while the dialog is open
};

const cards = new InteractionCards({
  request: (frame) => state.connection.request(frame),
  sessionId: () => state.session?.sessionId ?? null,
  newRequestId: () => newRequestId("i"),
  focusComposer: () => ui.message.focus(),
});

// ---- small DOM helpers -----------------------------------------------------------------

function el(tag, className, text) {
  const node = document.createElement(tag);
  if (className) node.className = className;
  if (text !== undefined) node.textContent = text;
  return node;
}

function scrollToEnd() {
  ui.transcript.scrollTop = ui.transcript.scrollHeight;
  window.scrollTo(0, document.body.scrollHeight);
}

function storageKey() {
  return `smooth-operator.session.${config.agentId}`;
}

function saveSession(session) {
  state.session = session;
  try {
    if (session) sessionStorage.setItem(storageKey(), JSON.stringify(session));
    else sessionStorage.removeItem(storageKey());
  } catch {
    // Storage may be disabled (private mode): the page works, a reload starts over.
  }
}

function storedSession() {
  try {
    const s = JSON.parse(sessionStorage.getItem(storageKey()) ?? "null");
    return s && typeof s.sessionId === "string" ? s : null;
  } catch {
    return null;
  }
}

// ---- connection state ------------------------------------------------------------------

const STATUS_TEXT = {
  connecting: "Connecting…",
  reconnecting: "Reconnecting…",
  open: "Connected",
  ready: "Connected",
  closed: "Disconnected",
};

function setStatus(kind, detail) {
  ui.status.dataset.state = kind;
  if (kind === "waiting") {
    const seconds = Math.max(1, Math.round(detail.delayMs / 1000));
    ui.status.textContent = `Connection lost — retrying in ${seconds} s`;
  } else if (kind === "error") {
    ui.status.textContent = detail;
  } else {
    ui.status.textContent = STATUS_TEXT[kind] ?? kind;
  }
  updateControls();
}

function updateControls() {
  const ready = ui.status.dataset.state === "ready" && state.session !== null;
  const busy = state.turn !== null;
  ui.message.disabled = !ready;
  ui.send.disabled = !ready || busy;
  ui.stop.disabled = !ready || !busy || state.turn.stopping;
  ui.newConversation.disabled = !ready || busy;
}

// ---- messages --------------------------------------------------------------------------

function addMessage(role, text, { markdown = false } = {}) {
  const article = el("article", `msg ${role}`);
  article.append(el("p", "who", role === "user" ? "You" : "Assistant"));
  const body = el("div", "body");
  if (markdown) renderMarkdown(body, text);
  else body.textContent = text;
  article.append(body);
  ui.transcript.append(article);
  scrollToEnd();
  return article;
}

function addNote(text, className = "note") {
  const p = el("p", className, text);
  ui.transcript.append(p);
  scrollToEnd();
  return p;
}

// ---- a turn ----------------------------------------------------------------------------

function startTurn(text) {
  const requestId = newRequestId("m");
  addMessage("user", text);
  const element = addMessage("assistant", "");
  element.dataset.state = "streaming";
  element.setAttribute("aria-busy", "true");
  const body = element.querySelector(".body");
  body.append(el("span", "typing", "…"));
  const tools = el("div", "tools");
  element.insertBefore(tools, body);
  state.turn = { requestId, element, body, tools, text: "", stopping: false, pendingRender: false };
  updateControls();
  const sent = state.connection.send({
    action: "send_message",
    requestId,
    sessionId: state.session.sessionId,
    message: text,
    stream: true,
  });
  if (!sent) endTurn("error", "Not connected: the message was not sent.");
}

function renderTurnText() {
  const turn = state.turn;
  if (!turn || turn.pendingRender) return;
  turn.pendingRender = true;
  requestAnimationFrame(() => {
    turn.pendingRender = false;
    renderMarkdown(turn.body, turn.text);
    scrollToEnd();
  });
}

function endTurn(outcome, note) {
  const turn = state.turn;
  if (!turn) return;
  state.turn = null;
  turn.element.dataset.state = outcome;
  turn.element.removeAttribute("aria-busy");
  renderMarkdown(turn.body, turn.text);
  if (note) turn.element.append(el("p", `turn-note ${outcome}`, note));
  cards.closeTurn(turn, outcome);
  closeConfirmation();
  updateControls();
  scrollToEnd();
  if (document.activeElement === document.body || document.activeElement === ui.stop ||
      document.activeElement?.closest("form.interaction")) {
    ui.message.focus();
  }
}

function toolBlock(turn, name) {
  // The newest block of this tool that has no result yet.
  const blocks = [...turn.tools.querySelectorAll(".tool-call:not([data-done])")];
  return blocks.reverse().find((b) => b.dataset.tool === name) ?? null;
}

function onToolCall(turn, call) {
  const block = el("details", "tool-call");
  block.dataset.tool = String(call.name ?? "");
  const summary = el("summary");
  summary.append(el("span", "tool-label", "Tool call: "), el("code", "", block.dataset.tool));
  const status = el("span", "tool-status", " running…");
  summary.append(status);
  block.append(summary);
  block.append(el("p", "tool-heading", "Arguments"));
  block.append(el("pre", "tool-args", prettyJson(call.arguments)));
  turn.tools.append(block);
  scrollToEnd();
}

function onToolResult(turn, result) {
  const name = String(result.name ?? "");
  let block = toolBlock(turn, name);
  if (!block) {
    onToolCall(turn, { name, arguments: "" });
    block = toolBlock(turn, name);
  }
  block.dataset.done = result.isError ? "error" : "ok";
  block.querySelector(".tool-status").textContent = result.isError ? " failed" : " done";
  block.append(el("p", "tool-heading", result.isError ? "Error" : "Result"));
  block.append(el("pre", "tool-result", String(result.result ?? "")));
}

function prettyJson(text) {
  if (typeof text !== "string") return JSON.stringify(text ?? null, null, 2);
  try {
    return JSON.stringify(JSON.parse(text), null, 2);
  } catch {
    return text;
  }
}

function renderCitations(turn, citations) {
  if (!Array.isArray(citations) || citations.length === 0) return;
  const section = el("section", "citations");
  section.setAttribute("aria-label", "Sources");
  section.append(el("p", "tool-heading", "Sources"));
  const list = el("ol");
  for (const c of citations) {
    const li = el("li");
    const title = String(c.title || c.id || "source");
    const href = typeof c.url === "string" ? safeHttpUrl(c.url) : null;
    if (href) {
      const a = el("a", "", title);
      a.href = href;
      a.target = "_blank";
      a.rel = "noopener noreferrer nofollow";
      li.append(a);
    } else {
      li.append(el("strong", "", title));
    }
    if (c.snippet) li.append(el("p", "snippet", String(c.snippet)));
    list.append(li);
  }
  section.append(list);
  turn.element.append(section);
}

function onTurnEvent(turn, event) {
  const data = event.data ?? {};
  switch (event.type) {
    case "immediate_response":
      return;  // 202 "Processing your request..."
    case "stream_token":
      turn.text += String(event.token ?? data.token ?? "");
      return renderTurnText();
    case "stream_chunk": {
      const raw = data.state?.rawResponse ?? {};
      if (raw.toolCall) onToolCall(turn, raw.toolCall);
      if (raw.toolResult) {
        onToolResult(turn, raw.toolResult);
        cards.onToolResult(turn, raw.toolResult);
      }
      return;
    }
    case "interaction_required":
      turn.body.querySelector(".typing")?.remove();  // the turn now waits for the user
      cards.open(turn, data.data ?? {});
      return scrollToEnd();
    case "write_confirmation_required":
      return openConfirmation(turn, data.data ?? {});
    case "eventual_response": {
      const inner = data.data ?? {};
      const parts = inner.response?.responseParts;
      if (Array.isArray(parts)) turn.text = parts.join("");  // authoritative final text
      renderCitations(turn, inner.citations);
      if (inner.messageId) turn.element.dataset.messageId = inner.messageId;
      return endTurn("done");
    }
    case "cancelled":
      return endTurn("cancelled", "Stopped — this reply was cancelled and is not saved.");
    case "error": {
      const error = event.error ?? data.error ?? {};
      if (error.code === "SESSION_NOT_FOUND") saveSession(null);
      return endTurn("error", describeError(error));
    }
    default: {
      const render = eventRenderers.get(event.type);
      if (render) render(event, extensionContext(turn));
    }
  }
}

function describeError(error) {
  switch (error.code) {
    case "TURN_IN_PROGRESS":
      return "A reply is still being written for this conversation. Wait for it, or press Stop.";
    case "LLM_UNAVAILABLE":
      return "The assistant is not available on this server (no model configured).";
    case "SESSION_NOT_FOUND":
      return "This conversation no longer exists. Start a new conversation.";
    default:
      return `Error ${error.code ?? ""}: ${error.message ?? "unknown error"}`.trim();
  }
}

function extensionContext(turn) {
  return {
    turnElement: turn ? turn.element : null,
    sessionId: state.session?.sessionId ?? null,
    send: (frame) => state.connection.send(frame),
    request: (frame) => state.connection.request(frame),
  };
}

// ---- confirmations (human in the loop) ---------------------------------------------------

function openConfirmation(turn, info) {
  state.confirmation = {
    requestId: turn.requestId,
    toolId: String(info.toolId ?? ""),
    actionDescription: String(info.actionDescription ?? "The assistant wants to run a tool."),
  };
  ui.dialogText.textContent = state.confirmation.actionDescription;
  ui.dialogTool.textContent = state.confirmation.toolId;
  turn.element.dataset.confirmation = "pending";
  if (!ui.dialog.open) ui.dialog.showModal();
  ui.deny.focus();  // the safe answer is the default one
}

function closeConfirmation() {
  state.confirmation = null;
  if (ui.dialog.open) ui.dialog.close("closed");
}

async function answerConfirmation(approved) {
  const pending = state.confirmation;
  if (!pending || !state.session) return;
  state.confirmation = null;
  if (ui.dialog.open) ui.dialog.close(approved ? "approve" : "deny");
  const turn = state.turn;
  if (turn) turn.element.dataset.confirmation = approved ? "approved" : "denied";
  ui.message.focus();
  try {
    const reply = await state.connection.request({
      action: "confirm_tool_action",
      sessionId: state.session.sessionId,
      approved,
    });
    if (turn) {
      const text = reply.type === "error"
          ? `Your answer could not be applied: ${reply.error?.message ?? "error"}`
          : approved ? `You approved ${pending.toolId}.` : `You denied ${pending.toolId}.`;
      turn.tools.append(el("p", "confirm-note", text));
    }
  } catch {
    // The socket dropped: the turn stays parked and the dialog comes back if the server
    // asks again; a reconnect resumes it.
    state.confirmation = pending;
    if (turn) openConfirmation(turn, pending);
  }
}

// ---- session and history ---------------------------------------------------------------

async function ensureSession() {
  const stored = state.session ?? storedSession();
  if (stored) {
    const reply = await state.connection.request({ action: "get_session", sessionId: stored.sessionId });
    if (reply.type !== "error" && reply.data?.agentId === config.agentId) {
      saveSession({ sessionId: stored.sessionId, conversationId: reply.data.conversationId });
      return !state.historyShown;
    }
    saveSession(null);
  }
  // `supports`: the interaction forms this page renders (a resumed conversation takes them too).
  const frame = { action: "create_conversation_session", agentId: config.agentId, supports: SUPPORTS };
  if (config.conversationId) frame.conversationId = config.conversationId;
  const reply = await state.connection.request(frame);
  if (reply.type === "error") throw new Error(describeError(reply.error ?? {}));
  saveSession({ sessionId: reply.data.sessionId, conversationId: reply.data.conversationId });
  // Resumed an existing conversation (a newer server): show what was said before. A new
  // one has no history: never replace what this page shows (a turn may be on screen).
  const resumed = Boolean(config.conversationId) &&
      reply.data.conversationId === config.conversationId;
  const show = resumed && !state.historyShown;
  state.historyShown = true;
  return show;
}

async function loadHistory() {
  const messages = [];
  let cursor;
  for (let page = 0; page < 10; page++) {  // at most 1000 messages
    const frame = { action: "get_conversation_messages", sessionId: state.session.sessionId, limit: 100 };
    if (cursor) frame.cursor = cursor;
    const reply = await state.connection.request(frame);
    if (reply.type === "error") throw new Error(describeError(reply.error ?? {}));
    messages.push(...(reply.data?.messages ?? []));
    if (!reply.data?.hasMore || !reply.data?.nextCursor) break;
    cursor = reply.data.nextCursor;
  }
  ui.transcript.replaceChildren();
  for (const m of messages.reverse()) {  // the server sends newest first
    const text = typeof m.content?.text === "string"
        ? m.content.text
        : (m.content?.items ?? []).filter((i) => i.type === "text").map((i) => i.text).join("\n");
    const role = m.direction === "inbound" ? "user" : "assistant";
    const article = addMessage(role, text, { markdown: role === "assistant" });
    article.dataset.history = "true";
    if (role === "assistant") article.dataset.state = "done";
  }
  state.historyShown = true;
}

async function onOpen() {
  // A turn parked on a confirmation or a form waits for the answer from this new socket.
  const parked = state.confirmation !== null || cards.hasOpen(state.turn);
  const interrupted = state.turn && !parked ? state.turn : null;
  try {
    const showHistory = await ensureSession();
    if (interrupted) {
      // The turn went on without this socket; its reply is persisted once it completes.
      endTurn("error", "Connection lost while this reply was streaming; it will be in the history when complete.");
    }
    if (showHistory) await loadHistory();
    setStatus("ready");
    if (state.confirmation && state.turn) openConfirmation(state.turn, state.confirmation);
    if (document.activeElement === document.body) ui.message.focus();
  } catch (e) {
    if (state.connection.isOpen) setStatus("error", String(e.message ?? e));
  }
}

function onEvent(event) {
  const turn = state.turn;
  if (turn && event.requestId === turn.requestId) return onTurnEvent(turn, event);
  if (event.type === "error" && !event.requestId) {
    addNote(describeError(event.error ?? event.data?.error ?? {}), "note error");
    return;
  }
  const render = eventRenderers.get(event.type);
  if (render) render(event, extensionContext(null));
}

async function newConversation() {
  if (state.turn) return;
  saveSession(null);
  state.historyShown = false;
  config.conversationId = "";
  ui.transcript.replaceChildren();
  setStatus("connecting");
  await onOpen();
}

// ---- wiring ----------------------------------------------------------------------------

function wsUrl() {
  const scheme = location.protocol === "https:" ? "wss:" : "ws:";
  const query = config.token ? `?token=${encodeURIComponent(config.token)}` : "";
  return `${scheme}//${location.host}/ws${query}`;
}

function start() {
  ui.start.hidden = true;
  state.connection = new Connection(wsUrl(), {
    onOpen,
    onEvent,
    onState: (kind, detail) => setStatus(kind, detail),
  });
  state.connection.open();
}

ui.composer.addEventListener("submit", (e) => {
  e.preventDefault();
  const text = ui.message.value;
  if (text.trim() === "" || state.turn || !state.session) return;
  ui.message.value = "";
  startTurn(text);
});
ui.message.addEventListener("keydown", (e) => {
  // Enter sends, Shift+Enter is a new line.
  if (e.key === "Enter" && !e.shiftKey && !e.isComposing) {
    e.preventDefault();
    ui.composer.requestSubmit();
  }
});
ui.stop.addEventListener("click", () => {
  const turn = state.turn;
  if (!turn || !state.session) return;
  turn.stopping = true;
  updateControls();
  state.connection.send({ action: "cancel", requestId: newRequestId("x"), sessionId: state.session.sessionId });
});
ui.newConversation.addEventListener("click", () => newConversation());
ui.approve.addEventListener("click", (e) => {
  e.preventDefault();
  answerConfirmation(true);
});
ui.deny.addEventListener("click", (e) => {
  e.preventDefault();
  answerConfirmation(false);
});
ui.dialog.addEventListener("cancel", (e) => {
  // Escape answers "deny": the turn must not stay parked behind a dismissed dialog.
  e.preventDefault();
  answerConfirmation(false);
});

if (config.agentId) {
  start();
} else {
  ui.start.hidden = false;
  ui.agentInput.focus();
  ui.start.addEventListener("submit", (e) => {
    e.preventDefault();
    const agentId = ui.agentInput.value.trim();
    if (!agentId) return;
    config.agentId = agentId;
    const url = new URL(location.href);
    url.searchParams.set("agentId", agentId);
    history.replaceState(null, "", url);
    start();
  });
}
