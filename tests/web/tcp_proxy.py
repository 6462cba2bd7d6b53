"""tests/web/tcp_proxy.py — a loopback TCP forwarder that can cut every connection, so a
browser test can take the page's WebSocket away without stopping the server (whose
in-memory sessions must survive for the page to resume them).

`drop_all()` closes every forwarded connection; while `refuse()` is in effect new
connections are accepted and closed at once (the page sees failed reconnects), until
`accept()`. Thread-safety: the public methods may be called from any thread.
"""

import socket
import threading


class TcpProxy:
    def __init__(self, target_port):
        self._target = ("127.0.0.1", target_port)
        self._lock = threading.Lock()
        self._conns = set()
        self._refusing = False
        self.accepted = 0
        self._listener = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        self._listener.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        self._listener.bind(("127.0.0.1", 0))
        self._listener.listen(64)
        self.port = self._listener.getsockname()[1]
        self._closed = False
        threading.Thread(target=self._accept_loop, daemon=True).start()

    @property
    def url(self):
        return "http://127.0.0.1:%d" % self.port

    def refuse(self):
        with self._lock:
            self._refusing = True

    def accept(self):
        with self._lock:
            self._refusing = False

    def drop_all(self):
        with self._lock:
            conns, self._conns = self._conns, set()
        for s in conns:
            try:
                s.shutdown(socket.SHUT_RDWR)
            except OSError:
                pass
            s.close()

    def close(self):
        self._closed = True
        try:
            self._listener.close()
        except OSError:
            pass
        self.drop_all()

    def _accept_loop(self):
        while not self._closed:
            try:
                client, _ = self._listener.accept()
            except OSError:
                return
            with self._lock:
                refusing = self._refusing
            if refusing:
                client.close()
                continue
            try:
                upstream = socket.create_connection(self._target, timeout=10)
                upstream.settimeout(None)
            except OSError:
                client.close()
                continue
            with self._lock:
                self.accepted += 1
                self._conns.update((client, upstream))
            for a, b in ((client, upstream), (upstream, client)):
                threading.Thread(target=self._pump, args=(a, b), daemon=True).start()

    def _pump(self, src, dst):
        try:
            while True:
                data = src.recv(65536)
                if not data:
                    break
                dst.sendall(data)
        except OSError:
            pass
        # Either side ended: end both (the other pump then stops too).
        for s in (src, dst):
            try:
                s.shutdown(socket.SHUT_RDWR)
            except OSError:
                pass
            s.close()
        with self._lock:
            self._conns.discard(src)
            self._conns.discard(dst)
