"""tests/web/harness.py — what every browser test needs: the real server binary on a free
port against a FakeGateway, and a headless Debian chromium driven by selenium.

`ServerProcess` starts build/bin/smooth-operator-server with SMOOTH_AGENT_PORT=0 and reads
the bound port from its startup line ("listening on ws://127.0.0.1:<port>/ws"), so parallel
tests never race for a port. `browser()` returns a chromium WebDriver, or raises
`BrowserMissing` when chromium, chromedriver or python3-selenium is not installed (the test
then skips, or fails under CI=true).
"""

import os
import re
import shutil
import subprocess
import tempfile
import threading
import time

CHROMIUM_CANDIDATES = ("chromium", "chromium-browser", "google-chrome")
DRIVER_CANDIDATES = ("chromedriver",)
# Debian installs chromedriver here, outside the default PATH of some shells.
EXTRA_PATHS = ("/usr/bin", "/usr/lib/chromium")


class BrowserMissing(Exception):
    pass


def _which(names):
    for name in names:
        found = shutil.which(name)
        if found:
            return found
        for d in EXTRA_PATHS:
            p = os.path.join(d, name)
            if os.access(p, os.X_OK):
                return p
    return None


def browser(width=1000, height=800):
    try:
        from selenium import webdriver
        from selenium.webdriver.chrome.service import Service
    except ImportError as e:
        raise BrowserMissing("python3-selenium is not installed (%s)" % e)
    chromium = _which(CHROMIUM_CANDIDATES)
    driver = _which(DRIVER_CANDIDATES)
    if not chromium or not driver:
        raise BrowserMissing("chromium or chromium-driver is not installed")
    options = webdriver.ChromeOptions()
    options.binary_location = chromium
    for arg in ("--headless=new", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage",
                "--no-first-run", "--disable-extensions", "--window-size=%d,%d" % (width, height)):
        options.add_argument(arg)
    options.set_capability("goog:loggingPrefs", {"browser": "ALL"})
    return webdriver.Chrome(service=Service(executable_path=driver), options=options)


class ServerProcess:
    """The server binary, with `env` added to a clean configuration."""

    def __init__(self, binary, env, startup_timeout=60.0):
        self.log_path = tempfile.mktemp(prefix="smooth-web-server-", suffix=".log")
        full = {k: v for k, v in os.environ.items() if not k.startswith(("SMOOTH_AGENT_", "SMOOAI_"))}
        full.update({"SMOOTH_AGENT_BIND": "127.0.0.1", "SMOOTH_AGENT_PORT": "0",
                     "SMOOTH_AGENT_IO_THREADS": "2"})
        full.update(env)
        self._log = open(self.log_path, "wb")
        self.proc = subprocess.Popen([binary], env=full, stdout=subprocess.PIPE,
                                     stderr=subprocess.STDOUT)
        self.port = None
        found = threading.Event()

        def pump():  # copies the output to the log file and finds the port
            for line in self.proc.stdout:
                self._log.write(line)
                self._log.flush()
                m = re.search(rb"listening on ws://[^ ]*:(\d+)/ws", line)
                if m and self.port is None:
                    self.port = int(m.group(1))
                    found.set()
            found.set()

        self._pump = threading.Thread(target=pump, daemon=True)
        self._pump.start()
        if not found.wait(startup_timeout) or self.port is None:
            self.stop()
            raise RuntimeError("server did not start; log:\n" + self.log())

    @property
    def url(self):
        return "http://127.0.0.1:%d" % self.port

    def log(self):
        try:
            with open(self.log_path, "rb") as f:
                return f.read().decode("utf-8", "replace")
        except OSError:
            return ""

    def stop(self):
        if self.proc.poll() is None:
            self.proc.terminate()
            try:
                self.proc.wait(timeout=30)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()
        self._pump.join(timeout=5)
        self._log.close()
        return self.proc.returncode


def wait_until(predicate, timeout=30.0, what="condition"):
    """Polls `predicate` (a DOM query: there is no DOM event to wait on from selenium)."""
    deadline = time.monotonic() + timeout
    last = None
    while time.monotonic() < deadline:
        try:
            last = predicate()
            if last:
                return last
        except Exception as e:  # a stale element while the page re-renders
            last = e
        time.sleep(0.05)
    raise AssertionError("timed out waiting for %s (last: %r)" % (what, last))
