"""tests/web/fake_gateway.py — a scriptable OpenAI-compatible streaming gateway for the
browser tests (python3 standard library only).

Serves POST .../chat/completions on 127.0.0.1:<free port> as Server-Sent Events. Each request
pops the next `Reply` of the script (an empty script answers "ok"), so one test scripts a
whole turn: e.g. a tool call first, then the text the model says after seeing the result.
A reply streams its tokens with `delay` seconds between them; `hold_after=N` stops after N
tokens until `release()` (or `hold_timeout`), so a test can look at the page while the
stream is provably still open — it synchronizes on `tokens_sent`, never on sleeps.
Every request body is recorded (`requests`) so tests can see tool results the server sent.
Thread-safety: the script and the records are guarded by one condition variable.
"""

import http.server
import json
import threading
import time


class Reply:
    def __init__(self, tokens=(), tool_call=None, delay=0.0, hold_after=None):
        self.tokens = list(tokens)
        self.tool_call = tool_call  # (name, arguments JSON text) or None
        self.delay = delay
        self.hold_after = hold_after


class FakeGateway:
    def __init__(self, hold_timeout=60.0):
        self._cond = threading.Condition()
        self._script = []
        self._released = threading.Event()
        self.hold_timeout = hold_timeout
        self.requests = []
        self.tokens_sent = 0
        self.streams_finished = 0
        gateway = self

        class Handler(http.server.BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def log_message(self, fmt, *args):  # quiet
                pass

            def do_POST(self):
                length = int(self.headers.get("Content-Length", "0"))
                body = self.rfile.read(length)
                if not self.path.endswith("/chat/completions"):
                    self.send_response(404)
                    self.send_header("Content-Length", "0")
                    self.end_headers()
                    return
                try:
                    request = json.loads(body)
                except ValueError:
                    request = None
                reply = gateway._next(request)
                self.send_response(200)
                self.send_header("Content-Type", "text/event-stream")
                self.send_header("Cache-Control", "no-cache")
                self.send_header("Connection", "close")  # the body ends when we close
                self.end_headers()
                self.close_connection = True
                try:
                    gateway._stream(self.wfile, reply)
                except (BrokenPipeError, ConnectionResetError):
                    pass  # the server cancelled the turn and closed the stream

        self._server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self._server.daemon_threads = True
        self._thread = threading.Thread(target=self._server.serve_forever, daemon=True)
        self._thread.start()

    # ---- control ------------------------------------------------------------------------
    @property
    def base_url(self):
        return "http://127.0.0.1:%d/v1" % self._server.server_address[1]

    def script(self, *replies):
        with self._cond:
            self._script.extend(replies)

    def release(self):
        self._released.set()

    def wait_tokens(self, count, timeout=30.0):
        """Blocks until `count` tokens were written in total; False on timeout."""
        deadline = time.monotonic() + timeout
        with self._cond:
            while self.tokens_sent < count:
                left = deadline - time.monotonic()
                if left <= 0:
                    return False
                self._cond.wait(left)
        return True

    def close(self):
        self._released.set()
        self._server.shutdown()
        self._server.server_close()

    # ---- serving ------------------------------------------------------------------------
    def _next(self, request):
        with self._cond:
            self.requests.append(request)
            self._cond.notify_all()
            return self._script.pop(0) if self._script else Reply(tokens=["ok"])

    @staticmethod
    def _chunk(delta=None, finish=None, usage=None):
        obj = {"id": "chatcmpl-test", "object": "chat.completion.chunk", "created": 0,
               "model": "test-model", "choices": []}
        if delta is not None or finish is not None:
            obj["choices"] = [{"index": 0, "delta": delta or {}, "finish_reason": finish}]
        if usage is not None:
            obj["usage"] = usage
        return ("data: " + json.dumps(obj) + "\n\n").encode()

    def _write(self, out, data):
        out.write(data)
        out.flush()

    def _stream(self, out, reply):
        self._write(out, self._chunk(delta={"role": "assistant", "content": ""}))
        for i, token in enumerate(reply.tokens):
            if reply.hold_after is not None and i == reply.hold_after:
                self._released.wait(self.hold_timeout)
            elif i > 0 and reply.delay:
                time.sleep(reply.delay)
            self._write(out, self._chunk(delta={"content": token}))
            with self._cond:
                self.tokens_sent += 1
                self._cond.notify_all()
        if reply.tool_call:
            name, arguments = reply.tool_call
            self._write(out, self._chunk(delta={"tool_calls": [{
                "index": 0, "id": "call_%d" % len(self.requests), "type": "function",
                "function": {"name": name, "arguments": arguments}}]}))
            self._write(out, self._chunk(finish="tool_calls"))
        else:
            self._write(out, self._chunk(finish="stop"))
        self._write(out, self._chunk(usage={"prompt_tokens": 10,
                                            "completion_tokens": max(1, len(reply.tokens)),
                                            "total_tokens": 10 + max(1, len(reply.tokens))}))
        self._write(out, b"data: [DONE]\n\n")
        with self._cond:
            self.streams_finished += 1
            self._cond.notify_all()
