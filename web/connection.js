// web/connection.js — one WebSocket to the server that reconnects by itself.
//
// After an unexpected close it waits (0.5 s, doubling up to 15 s, with jitter) and opens a
// new socket; the page then resumes its session on it (docs/protocol.md §7: a session is not
// tied to a socket). `request` sends an action and resolves with its answer: the first
// `immediate_response`, `error` or (for submit_interaction) `interaction_invalid` echoing its
// requestId (every other event goes to `onEvent`, including the stream of a turn). Pending
// requests fail when the socket closes.

const MIN_DELAY_MS = 500;
const MAX_DELAY_MS = 15000;
/** The events that answer a request (`request` resolves with the first of them). */
const ANSWER_TYPES = new Set(["immediate_response", "error", "interaction_invalid"]);

let counter = 0;
/** A fresh requestId (unique within the page). */
export function newRequestId(prefix = "r") {
  counter += 1;
  return `${prefix}-${Date.now().toString(36)}-${counter}`;
}

export class Connection {
  /**
   * @param {string} url ws:// or wss:// URL (with ?token= when there is one)
   * @param {{onOpen: function(): void, onEvent: function(object): void,
   *          onState: function(string, object=): void}} handlers
   */
  constructor(url, handlers) {
    this.url = url;
    this.handlers = handlers;
    this.socket = null;
    this.attempt = 0;
    this.pending = new Map();  // requestId → {resolve, reject}
    this.timer = null;
    this.stopped = false;
  }

  open() {
    this.stopped = false;
    this.handlers.onState(this.attempt === 0 ? "connecting" : "reconnecting");
    const socket = new WebSocket(this.url);
    this.socket = socket;
    socket.addEventListener("open", () => {
      this.attempt = 0;
      this.handlers.onState("open");
      this.handlers.onOpen();
    });
    socket.addEventListener("message", (e) => this.onMessage(e.data));
    socket.addEventListener("close", (e) => {
      if (this.socket !== socket) return;
      this.socket = null;
      for (const { reject } of this.pending.values()) reject(new Error("connection closed"));
      this.pending.clear();
      if (this.stopped) return this.handlers.onState("closed");
      this.scheduleReconnect(e.code);
    });
  }

  /** Closes for good (no reconnect). */
  close() {
    this.stopped = true;
    clearTimeout(this.timer);
    if (this.socket) this.socket.close(1000, "bye");
  }

  get isOpen() {
    return this.socket !== null && this.socket.readyState === WebSocket.OPEN;
  }

  scheduleReconnect(code) {
    const base = Math.min(MAX_DELAY_MS, MIN_DELAY_MS * 2 ** this.attempt);
    const delay = Math.round(base / 2 + Math.random() * (base / 2));
    this.attempt += 1;
    this.handlers.onState("waiting", { delayMs: delay, code });
    clearTimeout(this.timer);
    this.timer = setTimeout(() => this.open(), delay);
  }

  /** Sends one action; false when the socket is not open. */
  send(frame) {
    if (!this.isOpen) return false;
    this.socket.send(JSON.stringify(frame));
    return true;
  }

  /** Sends an action and resolves with its answer (immediate_response, error, interaction_invalid). */
  request(frame) {
    const requestId = frame.requestId ?? newRequestId();
    return new Promise((resolve, reject) => {
      if (!this.send({ ...frame, requestId })) return reject(new Error("not connected"));
      this.pending.set(requestId, { resolve, reject });
    });
  }

  onMessage(text) {
    let event;
    try {
      event = JSON.parse(text);
    } catch {
      return;  // not ours to judge; the server only sends JSON
    }
    if (!event || typeof event !== "object") return;
    const waiter = event.requestId ? this.pending.get(event.requestId) : undefined;
    if (waiter && ANSWER_TYPES.has(event.type)) {
      this.pending.delete(event.requestId);
      return waiter.resolve(event);
    }
    this.handlers.onEvent(event);
  }
}
