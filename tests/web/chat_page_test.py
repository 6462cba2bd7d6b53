#!/usr/bin/env python3
"""tests/web/chat_page_test.py — the web chat page in a real headless chromium, against the
real server binary and tests/web/fake_gateway.py.

    chat_page_test.py --server build/bin/smooth-operator-server \
                      --screenshots build/web-screenshots CASE
    chat_page_test.py --server X --screenshots Y --registered "case a|case b"

One CASE per run (ctest registers each as "web: <case>"). Every case saves a screenshot of
its final state as <screenshots>/<case>.png, also when it fails. Without chromium,
chromedriver or python3-selenium the case prints one "skipped" line and exits 77 (ctest's
SKIP_RETURN_CODE), except under CI=true, where it fails.
"""

import argparse
import json
import os
import sys
import tempfile
import traceback
import urllib.error
import urllib.request

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from fake_gateway import FakeGateway, Reply  # noqa: E402
from harness import BrowserMissing, ServerProcess, browser, wait_until  # noqa: E402
from tcp_proxy import TcpProxy  # noqa: E402

SKIP = 77
AGENT = "11111111-1111-1111-1111-111111111111"
TOOLS = [
    {"name": "lookup_order", "description": "Look up an order.",
     "parameters": {"type": "object", "properties": {"id": {"type": "string"}}},
     "result": "Order 42: shipped."},
    {"name": "delete_record", "description": "Delete a record.",
     "parameters": {"type": "object", "properties": {"id": {"type": "string"}}},
     "result": "Record 42 deleted."},
]

LOCAL_TOKEN = "s3cret-token"  # SMOOTH_AGENT_LOCAL_TOKEN of the token case
KNOWLEDGE = "<knowledge file>"  # replaced by the path of a file holding DOCUMENTS
DOCUMENTS = [
    # A citation's title is the document's title, its link the document's http(s) source.
    {"source": "https://example.com/returns", "title": "Returns policy",
     "content": "Refunds: purchases may be returned within thirty days of delivery."},
    {"source": "policies/shipping.md", "title": "Shipping",
     "content": "Purchases ship within two days; returned purchases are refunded."},
]


class Page:
    """The chat page in one browser tab, with the selectors the tests use."""

    def __init__(self, driver, url):
        from selenium.webdriver.common.by import By
        self.By = By
        self.d = driver
        self.url = url
        self.connection_drops_expected = False  # failed WebSocket attempts log console errors
        self.screenshots = None  # the folder of this run's screenshots (main sets it)
        self.case = ""

    def open(self, query="agentId=" + AGENT):
        self.d.get(self.url + "/?" + query)
        self.wait_ready()

    def wait_ready(self):
        wait_until(lambda: self.d.find_element(self.By.ID, "status").get_attribute("data-state")
                   == "ready", what="connection ready")

    def send(self, text):
        box = self.d.find_element(self.By.ID, "message")
        wait_until(lambda: box.is_enabled() and self.d.find_element(self.By.ID, "send").is_enabled(),
                   what="composer enabled")
        box.send_keys(text)
        self.d.find_element(self.By.ID, "send").click()

    def assistants(self):
        return self.d.find_elements(self.By.CSS_SELECTOR, ".msg.assistant")

    def last_assistant(self):
        items = self.assistants()
        return items[-1] if items else None

    def last_state(self):
        last = self.last_assistant()
        return last.get_attribute("data-state") if last else None

    def wait_turn_end(self, state="done", timeout=60):
        wait_until(lambda: self.last_state() == state, timeout, "turn state %s" % state)
        return self.last_assistant()

    def status(self):
        return self.d.find_element(self.By.ID, "status").get_attribute("data-state")

    def session_id(self):
        return self.d.execute_script(
            "const k = Object.keys(sessionStorage).find(k => k.startsWith('smooth-operator.session.'));"
            "return k ? JSON.parse(sessionStorage.getItem(k)).sessionId : null;")

    def body_text(self):
        return self.d.find_element(self.By.TAG_NAME, "body").text

    def snapshot(self, stage):
        """An extra screenshot of an intermediate state: <case>-<stage>.png."""
        if self.screenshots:
            os.makedirs(self.screenshots, exist_ok=True)
            self.d.save_screenshot(os.path.join(self.screenshots,
                                                slug(self.case) + "-" + stage + ".png"))

    def severe_console_errors(self):
        try:
            logs = self.d.get_log("browser")
        except Exception:
            return []
        return [e for e in logs if e.get("level") == "SEVERE"]


def body(message):
    """The text of a message element's body (without its speaker label)."""
    from selenium.webdriver.common.by import By
    return message.find_element(By.CSS_SELECTOR, ".body").text.strip()


# ---- cases ------------------------------------------------------------------------------

def case_streams_before_turn_end(page, gw, server):
    """Tokens appear while the gateway still holds the rest of the stream."""
    gw.script(Reply(tokens=["Hello", " from", " the", " **stream**", " — done."], delay=0.05,
                    hold_after=4))
    page.open()
    page.send("Hi there")
    assert gw.wait_tokens(4), "the gateway never sent its first tokens"
    wait_until(lambda: "Hello from the stream" in (page.last_assistant().text or ""),
               what="partial text")
    # The gateway is still holding its last token: the turn cannot have ended.
    assert gw.streams_finished == 0
    assert page.last_state() == "streaming", page.last_state()
    assert page.last_assistant().get_attribute("aria-busy") == "true"
    assert page.d.find_element(page.By.ID, "stop").is_enabled()
    bold = page.last_assistant().find_elements(page.By.CSS_SELECTOR, ".body strong")
    assert [b.text for b in bold] == ["stream"], [b.text for b in bold]
    gw.release()
    msg = page.wait_turn_end("done")
    assert "Hello from the stream — done." in msg.text
    assert not page.d.find_element(page.By.ID, "stop").is_enabled()
    user = page.d.find_elements(page.By.CSS_SELECTOR, ".msg.user")
    assert [body(u) for u in user] == ["Hi there"]


def case_tool_call_and_result(page, gw, server):
    """A tool call and its result are shown in the turn."""
    gw.script(Reply(tool_call=("lookup_order", '{"id":"42"}')),
              Reply(tokens=["Your order ", "has shipped."]))
    page.open()
    page.send("Where is order 42?")
    msg = page.wait_turn_end("done")
    block = msg.find_element(page.By.CSS_SELECTOR, ".tool-call")
    assert block.get_attribute("data-tool") == "lookup_order"
    assert block.get_attribute("data-done") == "ok"
    block.click()  # open the <details>
    wait_until(lambda: "Order 42: shipped." in block.text, what="tool result shown")
    assert '"id": "42"' in block.text
    assert "Your order has shipped." in msg.text


def case_citations(page, gw, server):
    """A reply grounded in a knowledge document lists it as a source, linked by its URL."""
    gw.script(Reply(tokens=["Purchases may be returned ", "within thirty days."]))
    page.open()
    page.send("Within how many days may purchases be returned?")
    msg = page.wait_turn_end("done")
    sources = msg.find_element(page.By.CSS_SELECTOR, ".citations")
    items = sources.find_elements(page.By.CSS_SELECTOR, "li")
    linked = [i for i in items if i.find_elements(page.By.CSS_SELECTOR, "a")]
    assert len(linked) == 1, sources.text
    link = linked[0].find_element(page.By.CSS_SELECTOR, "a")
    assert link.text == "Returns policy", link.text
    assert link.get_attribute("href") == "https://example.com/returns"
    assert link.get_attribute("rel") == "noopener noreferrer nofollow"
    assert "thirty days" in linked[0].text
    # A source that is not a URL is shown by its title, not linked.
    assert any("Shipping" in i.text for i in items), sources.text


def case_one_turn_with_everything(page, gw, server):
    """Markdown, a tool call with its result and sources in one turn (docs/web-chat.png is
    this case's screenshot)."""
    page.d.set_window_size(1000, 1060)
    gw.script(Reply(tool_call=("lookup_order", '{"id":"42"}')),
              Reply(delay=0.02, tokens=[
                  "Order **42** has *shipped*. ", "About returns:\n\n",
                  "- purchases may be returned within **thirty days**\n",
                  "- refunds go to the original payment method\n\n",
                  "Track it with `order status 42` or see ",
                  "[the returns page](https://example.com/returns).\n\n",
                  "```\norder 42: shipped\n```"]))
    page.open()
    page.send("Has order 42 shipped, and can purchases be returned?")
    msg = page.wait_turn_end("done")
    b = msg.find_element(page.By.CSS_SELECTOR, ".body")
    assert [e.text for e in b.find_elements(page.By.CSS_SELECTOR, "li")] == [
        "purchases may be returned within thirty days",
        "refunds go to the original payment method"]
    assert [e.text for e in b.find_elements(page.By.CSS_SELECTOR, "strong")] == ["42", "thirty days"]
    assert [e.text for e in b.find_elements(page.By.CSS_SELECTOR, "em")] == ["shipped"]
    assert b.find_element(page.By.CSS_SELECTOR, "pre code").text == "order 42: shipped"
    link = b.find_element(page.By.CSS_SELECTOR, "a")
    assert link.get_attribute("href") == "https://example.com/returns"
    msg.find_element(page.By.CSS_SELECTOR, ".tool-call").click()
    assert msg.find_elements(page.By.CSS_SELECTOR, ".citations li")
    page.d.execute_script("document.getElementById('message').blur()")


def _confirm(page, gw, approve):
    gw.script(Reply(tool_call=("delete_record", '{"id":"42"}')),
              Reply(tokens=["Done: ", "the record is gone." if approve else "I did not delete it."]))
    page.open()
    page.send("Delete record 42")
    dialog = page.d.find_element(page.By.ID, "confirm-dialog")
    wait_until(lambda: dialog.get_attribute("open") is not None, what="confirmation dialog")
    assert "delete_record" in dialog.text
    # Focus moved into the dialog, on the safe answer.
    assert page.d.switch_to.active_element.get_attribute("id") == "deny"
    page.d.find_element(page.By.ID, "approve" if approve else "deny").click()
    msg = page.wait_turn_end("done")
    assert dialog.get_attribute("open") is None
    block = msg.find_element(page.By.CSS_SELECTOR, ".tool-call")
    assert block.get_attribute("data-done") == ("ok" if approve else "error")
    block.click()
    return msg, block


def case_approve_confirmation(page, gw, server):
    msg, block = _confirm(page, gw, approve=True)
    wait_until(lambda: "Record 42 deleted." in block.text, what="tool result")
    assert "You approved delete_record." in msg.text
    assert "the record is gone." in msg.text
    tool_messages = [m for r in gw.requests if r for m in r.get("messages", [])
                     if m.get("role") == "tool"]
    assert any("Record 42 deleted." in str(m.get("content")) for m in tool_messages), tool_messages


def case_deny_confirmation(page, gw, server):
    msg, block = _confirm(page, gw, approve=False)
    wait_until(lambda: "denied" in block.text, what="tool error")
    assert "You denied delete_record." in msg.text
    assert "I did not delete it." in msg.text
    tool_messages = [m for r in gw.requests if r for m in r.get("messages", [])
                     if m.get("role") == "tool"]
    assert tool_messages and all("Record 42 deleted." not in str(m.get("content"))
                                 for m in tool_messages), tool_messages


def case_stop_mid_stream(page, gw, server):
    gw.script(Reply(tokens=["Partial", " answer", " never finished"], hold_after=2))
    page.open()
    page.send("Tell me a long story")
    assert gw.wait_tokens(2)
    wait_until(lambda: "Partial answer" in page.last_assistant().text, what="partial text")
    page.d.find_element(page.By.ID, "stop").click()
    msg = page.wait_turn_end("cancelled")
    assert "cancelled" in msg.text.lower()
    assert "never finished" not in msg.text
    assert not page.d.find_element(page.By.ID, "stop").is_enabled()
    assert page.d.find_element(page.By.ID, "send").is_enabled()  # ready for the next message
    gw.release()


def case_history_after_reload(page, gw, server):
    gw.script(Reply(tokens=["First ", "answer."]), Reply(tokens=["Second ", "answer with `code`."]))
    page.open()
    page.send("First question")
    page.wait_turn_end("done")
    page.send("Second question")
    page.wait_turn_end("done")
    page.d.refresh()
    page.wait_ready()
    wait_until(lambda: len(page.d.find_elements(page.By.CSS_SELECTOR, ".msg[data-history]")) == 4,
               what="4 history messages")
    items = page.d.find_elements(page.By.CSS_SELECTOR, ".msg")
    texts = [(i.get_attribute("class").split()[-1], body(i)) for i in items]
    assert texts == [("user", "First question"), ("assistant", "First answer."),
                     ("user", "Second question"), ("assistant", "Second answer with code.")], texts
    code = items[-1].find_elements(page.By.CSS_SELECTOR, "code")
    assert [c.text for c in code] == ["code"]
    # The same session goes on after the reload.
    gw.script(Reply(tokens=["Third."]))
    page.send("Third question")
    page.wait_turn_end("done")
    last_request = gw.requests[-1]
    said = [m.get("content") for m in last_request["messages"] if m.get("role") == "user"]
    assert said[-3:] == ["First question", "Second question", "Third question"], said


def case_reconnect_resumes_session(page, gw, server):
    """The socket drops: the page shows it, retries with backoff, and resumes the session."""
    proxy = TcpProxy(server.port)
    try:
        page.url = proxy.url
        page.connection_drops_expected = True
        gw.script(Reply(tokens=["Before ", "the drop."]), Reply(tokens=["After ", "the drop."]))
        page.open()
        page.send("Remember the word tangerine")
        page.wait_turn_end("done")
        session = page.session_id()
        assert session
        proxy.refuse()
        proxy.drop_all()
        wait_until(lambda: page.status() == "waiting", what="connection lost shown")
        status = page.d.find_element(page.By.ID, "status").text
        assert "retrying" in status, status
        assert not page.d.find_element(page.By.ID, "message").is_enabled()
        proxy.accept()
        page.wait_ready()
        assert page.session_id() == session
        page.send("What was the word?")
        msg = page.wait_turn_end("done")
        assert body(msg) == "After the drop."
        said = [m.get("content") for m in gw.requests[-1]["messages"] if m.get("role") == "user"]
        assert said[-2:] == ["Remember the word tangerine", "What was the word?"], said
        assert len(page.d.find_elements(page.By.CSS_SELECTOR, ".msg")) == 4
    finally:
        proxy.close()


def case_reconnect_while_confirmation_waits(page, gw, server):
    """A turn parked on a confirmation survives a dropped socket: approve after reconnecting."""
    proxy = TcpProxy(server.port)
    try:
        page.url = proxy.url
        page.connection_drops_expected = True
        gw.script(Reply(tool_call=("delete_record", '{"id":"42"}')),
                  Reply(tokens=["Done: ", "the record is gone."]))
        page.open()
        page.send("Delete record 42")
        dialog = page.d.find_element(page.By.ID, "confirm-dialog")
        wait_until(lambda: dialog.get_attribute("open") is not None, what="confirmation dialog")
        before = proxy.accepted
        proxy.drop_all()
        wait_until(lambda: proxy.accepted > before and page.status() == "ready",
                   what="reconnected")
        assert dialog.get_attribute("open") is not None
        page.d.find_element(page.By.ID, "approve").click()
        msg = page.wait_turn_end("done")
        assert "the record is gone." in body(msg)
        block = msg.find_element(page.By.CSS_SELECTOR, ".tool-call")
        assert block.get_attribute("data-done") == "ok"
    finally:
        proxy.close()


def case_token_from_query(page, gw, server):
    """?token= goes to /ws?token= (the server here refuses a socket without a valid one)."""
    page.connection_drops_expected = True
    gw.script(Reply(tokens=["Authenticated ", "hello."]))
    page.open("agentId=%s&token=%s" % (AGENT, LOCAL_TOKEN))
    page.send("Hello with a token")
    assert body(page.wait_turn_end("done")) == "Authenticated hello."
    page.d.get(page.url + "/?agentId=" + AGENT + "&token=wrong")
    wait_until(lambda: page.status() == "waiting", what="refused socket shown")
    assert not page.d.find_element(page.By.ID, "message").is_enabled()


def case_model_html_is_text(page, gw, server):
    evil = ('<img src=x onerror=alert(1)> and <script>alert(2)</script> '
            '<svg onload="window.__xss=1"></svg> [x](javascript:alert(3))')
    gw.script(Reply(tokens=[evil[:10], evil[10:]]))
    page.open()
    page.send("<b>not bold</b>")
    msg = page.wait_turn_end("done")
    assert page.d.find_elements(page.By.TAG_NAME, "img") == []
    assert page.d.find_elements(page.By.CSS_SELECTOR, ".msg script") == []
    assert page.d.find_elements(page.By.CSS_SELECTOR, ".msg a") == []
    assert page.d.find_elements(page.By.CSS_SELECTOR, ".msg b") == []
    assert "<img src=x onerror=alert(1)>" in msg.text, msg.text
    assert "[x](javascript:alert(3))" in msg.text
    assert body(page.d.find_elements(page.By.CSS_SELECTOR, ".msg.user")[-1]) == "<b>not bold</b>"
    assert page.d.find_elements(page.By.CSS_SELECTOR, ".msg svg") == []
    # Nothing ran (an open alert would also make every further command fail).
    assert page.d.execute_script("return typeof window.__xss") == "undefined"
    page.d.refresh()  # and the same from history
    page.wait_ready()
    wait_until(lambda: len(page.d.find_elements(page.By.CSS_SELECTOR, ".msg[data-history]")) == 2,
               what="history")
    assert page.d.find_elements(page.By.TAG_NAME, "img") == []
    assert "<img src=x onerror=alert(1)>" in page.last_assistant().text


def case_phone_width(page, gw, server):
    """At 360 px the page fits without horizontal scrolling and the controls are reachable."""
    page.d.set_window_size(360, 740)
    gw.script(Reply(tokens=["A reply with a long link https://example.com/" + "x" * 120]))
    page.open()
    page.send("Hello from a phone")
    page.wait_turn_end("done")
    overflow = page.d.execute_script(
        "return document.documentElement.scrollWidth - document.documentElement.clientWidth")
    assert overflow <= 0, overflow
    label = page.d.find_element(page.By.CSS_SELECTOR, "label[for=message]")
    assert label.get_attribute("textContent") == "Message"
    log = page.d.find_element(page.By.ID, "transcript")
    assert log.get_attribute("role") == "log" and log.get_attribute("aria-live") == "polite"


def case_web_ui_disabled(page, gw, server):
    """SMOOTH_AGENT_WEB_UI=0: / and the assets are 404 (run with that server)."""
    for path in ("/", "/web/app.js", "/web/app.css"):
        try:
            urllib.request.urlopen(server.url + path, timeout=10)
            raise AssertionError(path + " was served")
        except urllib.error.HTTPError as e:
            assert e.code == 404, (path, e.code)
    with urllib.request.urlopen(server.url + "/health", timeout=10) as r:
        assert r.status == 200
    page.d.get(server.url + "/")  # for the screenshot


# ---- Rich Interaction forms (interaction_required → submit_interaction) -------------------

CONTACT_ARGS = json.dumps({"fields": [{"key": "name", "required": False},
                                      {"key": "email", "required": True}],
                           "reason": "to send you the quote"})
EMAIL_ARGS = json.dumps({"fields": [{"key": "email", "required": True}],
                         "reason": "to send you the quote"})
CHOICE_ARGS = json.dumps({"questions": [
    {"question": "Which plan fits best?", "header": "Plan",
     "options": [{"label": "Starter", "description": "<img src=x onerror=window.__xss=1> solo"},
                 {"label": "Pro"}]},
    {"question": "Which extras do you want?", "header": "Extras",
     "options": ["Support", "Training", "Onboarding"], "multiSelect": True}],
    "reason": "to route you to the right quote"})


def card_of(page, kind):
    """The newest interaction form of `kind`, once it is on the page."""
    def find():
        cards = page.d.find_elements(page.By.CSS_SELECTOR, "form.interaction")
        return cards[-1] if cards and cards[-1].get_attribute("data-kind") == kind else None
    return wait_until(find, what="%s form" % kind)


def tool_results(gw, name):
    """The tool results the server sent the model for tool `name` (parsed JSON)."""
    calls = {}
    out = []
    for r in gw.requests:
        for m in (r or {}).get("messages", []):
            for c in m.get("tool_calls") or []:
                calls[c.get("id")] = c.get("function", {}).get("name")
            if m.get("role") == "tool" and calls.get(m.get("tool_call_id")) == name:
                out.append(json.loads(m.get("content")))
    return out


def text_content(element):
    return (element.get_attribute("textContent") or "").strip()


def assert_card_closed(page, card):
    for control in card.find_elements(page.By.CSS_SELECTOR, "input, button"):
        assert not control.is_enabled(), control.get_attribute("outerHTML")


def tap(page, element):
    """Clicks `element` after scrolling it clear of the sticky composer, as a thumb would."""
    page.d.execute_script("arguments[0].scrollIntoView({block: 'center'})", element)
    element.click()


def assert_no_horizontal_scroll(page):
    overflow = page.d.execute_script(
        "return document.documentElement.scrollWidth - document.documentElement.clientWidth")
    assert overflow <= 0, overflow


def case_identity_form_submit(page, gw, server):
    """The contact form: labelled fields, required marker, focus, keyboard submit, the reply."""
    gw.script(Reply(tokens=["Happy to help. "], tool_call=("request_identity_intake", CONTACT_ARGS)),
              Reply(tokens=["Thanks — ", "I've got your details."]))
    page.open()
    page.send("Can you send me a quote?")
    card = card_of(page, "identity_intake")
    assert card.get_attribute("data-state") == "open"
    assert "Why we ask: to send you the quote" in card.text, card.text
    labels = {l.get_attribute("for"): text_content(l)
              for l in card.find_elements(page.By.CSS_SELECTOR, "label")}
    inputs = card.find_elements(page.By.CSS_SELECTOR, "input")
    assert [i.get_attribute("name") for i in inputs] == ["name", "email"]
    name, email = inputs
    assert labels[name.get_attribute("id")] == "Name (optional)", labels
    assert labels[email.get_attribute("id")] == "Email * (required)", labels
    assert email.get_attribute("aria-required") == "true"
    assert name.get_attribute("aria-required") is None
    assert email.get_attribute("autocomplete") == "email"
    # Focus moved into the form; the turn is parked: Stop works, Send waits.
    assert page.d.switch_to.active_element == name
    assert page.last_state() == "streaming"
    assert page.d.find_element(page.By.ID, "stop").is_enabled()
    assert not page.d.find_element(page.By.ID, "send").is_enabled()
    # The page declared both kinds, so the model got no conversational submit_interaction tool.
    offered = [t["function"]["name"] for t in gw.requests[0].get("tools", [])]
    assert "request_identity_intake" in offered and "submit_interaction" not in offered, offered
    # Keyboard only: type, Tab to the next field, Enter submits.
    from selenium.webdriver.common.keys import Keys
    page.d.switch_to.active_element.send_keys("Alice Example", Keys.TAB)
    assert page.d.switch_to.active_element == email
    page.d.switch_to.active_element.send_keys("Alice@Example.COM", Keys.ENTER)
    msg = page.wait_turn_end("done")
    assert "Thanks — I've got your details." in body(msg), body(msg)
    assert card.get_attribute("data-state") == "submitted"
    assert "Sent: Alice Example, Alice@example.com" in card.text, card.text
    assert_card_closed(page, card)
    assert tool_results(gw, "request_identity_intake") == [
        {"status": "submitted", "values": {"email": "Alice@example.com", "name": "Alice Example"}}]
    assert page.d.switch_to.active_element.get_attribute("id") == "message"


def case_identity_form_invalid(page, gw, server):
    """interaction_invalid: the field error is shown next to the field, the form stays open."""
    gw.script(Reply(tool_call=("request_identity_intake", EMAIL_ARGS)),
              Reply(tokens=["Got it — ", "sending the quote now."]))
    page.open()
    page.send("Quote please")
    card = card_of(page, "identity_intake")
    email = card.find_element(page.By.CSS_SELECTOR, "input[name=email]")
    email.send_keys("not-an-email")
    card.find_element(page.By.CSS_SELECTOR, "button[type=submit]").click()
    wait_until(lambda: card.get_attribute("data-state") == "invalid", what="invalid state")
    error = card.find_element(page.By.CSS_SELECTOR, ".field-error")
    assert error.text == "must be a valid email address", error.text
    assert email.get_attribute("aria-invalid") == "true"
    assert error.get_attribute("id") in email.get_attribute("aria-describedby").split()
    alert = card.find_element(page.By.CSS_SELECTOR, "[role=alert]")
    assert alert.text == "Some fields need attention.", alert.text
    # The form is kept, usable and focused on the field to fix; the turn is still parked.
    assert email.is_enabled() and email.get_attribute("value") == "not-an-email"
    assert page.d.switch_to.active_element == email
    assert page.last_state() == "streaming"
    assert tool_results(gw, "request_identity_intake") == []
    page.snapshot("invalid")
    email.clear()
    email.send_keys("alice@example.com")
    card.find_element(page.By.CSS_SELECTOR, "button[type=submit]").click()
    msg = page.wait_turn_end("done")
    assert "Got it — sending the quote now." in body(msg)
    assert card.get_attribute("data-state") == "submitted"
    assert card.find_elements(page.By.CSS_SELECTOR, ".field-error") == []
    assert tool_results(gw, "request_identity_intake") == [
        {"status": "submitted", "values": {"email": "alice@example.com"}}]


def case_choices_submit(page, gw, server):
    """Choices at phone width: a radio group (single) and checkboxes (multi) with an Other."""
    page.d.set_window_size(360, 740)
    gw.script(Reply(tool_call=("request_choices", CHOICE_ARGS)),
              Reply(tokens=["Pro it is — ", "pulling that quote up."]))
    page.open()
    page.send("I want a quote")
    card = card_of(page, "choices")
    plan, extras = card.find_elements(page.By.CSS_SELECTOR, "fieldset.question")
    assert "Which plan fits best?" in plan.find_element(page.By.TAG_NAME, "legend").text
    radios = plan.find_elements(page.By.CSS_SELECTOR, "input[type=radio]")
    assert [r.get_attribute("value") for r in radios] == ["Starter", "Pro", ""]  # "" = Other
    boxes = extras.find_elements(page.By.CSS_SELECTOR, "input[type=checkbox]")
    assert [b.get_attribute("value") for b in boxes] == ["Support", "Training", "Onboarding"]
    for control in radios + boxes:  # every option has its label
        label = card.find_element(page.By.CSS_SELECTOR, "label[for='%s']" % control.get_attribute("id"))
        assert text_content(label), control.get_attribute("id")
    # Model text in an option is text, never markup.
    assert page.d.find_elements(page.By.CSS_SELECTOR, "form.interaction img") == []
    assert "<img src=x onerror=window.__xss=1> solo" in plan.text, plan.text
    assert page.d.switch_to.active_element == radios[0]
    assert_no_horizontal_scroll(page)
    page.snapshot("open")
    # Nothing picked: the server's error for each question is shown on its group.
    tap(page, card.find_element(page.By.CSS_SELECTOR, "button[type=submit]"))
    wait_until(lambda: card.get_attribute("data-state") == "invalid", what="invalid state")
    for group in (plan, extras):
        assert group.get_attribute("aria-invalid") == "true"
        error = group.find_element(page.By.CSS_SELECTOR, ".field-error")
        assert error.text == "select an option or provide an 'other' answer", error.text
        assert error.get_attribute("id") in group.get_attribute("aria-describedby").split()
    assert page.d.switch_to.active_element == radios[0]
    # Keyboard: arrow keys move the radio choice, Space ticks a checkbox.
    from selenium.webdriver.common.keys import Keys
    radios[0].send_keys(Keys.ARROW_DOWN)
    wait_until(lambda: radios[1].is_selected(), what="Pro selected by keyboard")
    tap(page, card.find_element(page.By.CSS_SELECTOR, "label[for='%s']" % boxes[0].get_attribute("id")))
    boxes[1].send_keys(Keys.SPACE)
    other = extras.find_element(page.By.CSS_SELECTOR, "input.other-text")
    other.send_keys("Installation help")
    tap(page, card.find_element(page.By.CSS_SELECTOR, "button[type=submit]"))
    msg = page.wait_turn_end("done")
    assert "Pro it is — pulling that quote up." in body(msg)
    assert card.get_attribute("data-state") == "submitted"
    assert "Plan: Pro; Extras: Support, Training, Installation help" in card.text, card.text
    assert card.find_elements(page.By.CSS_SELECTOR, ".field-error, [aria-invalid]") == []
    assert_card_closed(page, card)
    assert tool_results(gw, "request_choices") == [{"status": "submitted", "values": {"answers": [
        {"header": "Plan", "options": ["Pro"]},
        {"header": "Extras", "options": ["Support", "Training"], "other": "Installation help"}]}}]
    assert page.d.execute_script("return typeof window.__xss") == "undefined"
    assert_no_horizontal_scroll(page)


def case_decline_form(page, gw, server):
    gw.script(Reply(tool_call=("request_identity_intake", CONTACT_ARGS)),
              Reply(tokens=["No problem — ", "I'll keep helping without that."]))
    page.open()
    page.send("Can you send me a quote?")
    card = card_of(page, "identity_intake")
    decline = [b for b in card.find_elements(page.By.TAG_NAME, "button") if b.text == "Decline"][0]
    decline.click()
    msg = page.wait_turn_end("done")
    assert "No problem — I'll keep helping without that." in body(msg)
    assert card.get_attribute("data-state") == "declined"
    assert "You declined this form." in card.text
    assert_card_closed(page, card)
    assert [r["status"] for r in tool_results(gw, "request_identity_intake")] == ["declined"]


def case_stop_while_form_waits(page, gw, server):
    """Stop (cancel) ends the parked turn: its form is closed and cannot be submitted."""
    gw.script(Reply(tool_call=("request_identity_intake", CONTACT_ARGS)),
              Reply(tokens=["never said"]))
    page.open()
    page.send("Can you send me a quote?")
    card = card_of(page, "identity_intake")
    card.find_element(page.By.CSS_SELECTOR, "input[name=name]").send_keys("Alice")
    page.snapshot("open")
    page.d.find_element(page.By.ID, "stop").click()
    msg = page.wait_turn_end("cancelled")
    assert card.get_attribute("data-state") == "closed"
    assert "the reply was stopped" in card.text, card.text
    assert_card_closed(page, card)
    assert "never said" not in msg.text
    assert tool_results(gw, "request_identity_intake") == []
    assert page.d.find_element(page.By.ID, "send").is_enabled()
    assert page.d.switch_to.active_element.get_attribute("id") == "message"


def case_form_times_out(page, gw, server):
    """An unanswered form is retired at the server's timeout (1 s here): shown as expired."""
    gw.script(Reply(tool_call=("request_choices", CHOICE_ARGS)),
              Reply(tokens=["I'll go on ", "without it."]))
    page.open()
    page.send("I want a quote")
    card = card_of(page, "choices")
    msg = page.wait_turn_end("done")
    assert "I'll go on without it." in body(msg)
    assert card.get_attribute("data-state") == "expired"
    assert "timed out" in card.text, card.text
    assert_card_closed(page, card)
    assert [r["status"] for r in tool_results(gw, "request_choices")] == ["no_response"]


def case_reconnect_while_form_waits(page, gw, server):
    """A turn parked on a form survives a dropped socket: submit after reconnecting."""
    proxy = TcpProxy(server.port)
    try:
        page.url = proxy.url
        page.connection_drops_expected = True
        gw.script(Reply(tool_call=("request_identity_intake", EMAIL_ARGS)),
                  Reply(tokens=["Got it — ", "sending the quote now."]))
        page.open()
        page.send("Quote please")
        card = card_of(page, "identity_intake")
        before = proxy.accepted
        proxy.drop_all()
        wait_until(lambda: proxy.accepted > before and page.status() == "ready",
                   what="reconnected")
        assert card.get_attribute("data-state") == "open"
        assert page.last_state() == "streaming"
        email = card.find_element(page.By.CSS_SELECTOR, "input[name=email]")
        email.send_keys("alice@example.com")
        card.find_element(page.By.CSS_SELECTOR, "button[type=submit]").click()
        msg = page.wait_turn_end("done")
        assert "Got it — sending the quote now." in body(msg)
        assert card.get_attribute("data-state") == "submitted"
    finally:
        proxy.close()


def case_form_answered_elsewhere(page, gw, server):
    """Another connection answers the form (a second tab): this page's form shows it was
    answered and closes, and the turn finishes here."""
    gw.script(Reply(tool_call=("request_choices", CHOICE_ARGS)),
              Reply(tokens=["Starter it is."]))
    page.open()
    page.send("I want a quote")
    card = card_of(page, "choices")
    ack = page.d.execute_async_script("""
        const [sessionId, interactionId, done] = arguments;
        const ws = new WebSocket(`ws://${location.host}/ws`);
        ws.onopen = () => ws.send(JSON.stringify({action: "submit_interaction", requestId: "tab2",
            sessionId, interactionId, kind: "choices",
            values: {answers: [{header: "Plan", options: ["Starter"]},
                               {header: "Extras", options: [], other: "none"}]}}));
        ws.onmessage = (e) => { ws.close(); done(JSON.parse(e.data)); };
        ws.onerror = () => done(null);
    """, page.session_id(), card.get_attribute("data-interaction-id"))
    assert ack and ack.get("status") == 200, ack
    msg = page.wait_turn_end("done")
    assert "Starter it is." in body(msg)
    assert card.get_attribute("data-state") == "submitted"
    assert_card_closed(page, card)


CASES = {
    "streams before the turn ends": (case_streams_before_turn_end, {}),
    "tool call and result": (case_tool_call_and_result, {}),
    "citations with sources": (case_citations, {"SMOOTH_AGENT_KNOWLEDGE_FILE": KNOWLEDGE}),
    "one turn with everything": (case_one_turn_with_everything,
                                 {"SMOOTH_AGENT_KNOWLEDGE_FILE": KNOWLEDGE}),
    "approve a confirmation": (case_approve_confirmation, {}),
    "deny a confirmation": (case_deny_confirmation, {}),
    "stop mid-stream": (case_stop_mid_stream, {}),
    "history after reload": (case_history_after_reload, {}),
    "reconnect resumes the session": (case_reconnect_resumes_session, {}),
    "reconnect while a confirmation waits": (case_reconnect_while_confirmation_waits, {}),
    "token from the query string": (case_token_from_query, {
        "SMOOTH_AGENT_AUTH_MODE": "local-token", "SMOOTH_AGENT_LOCAL_TOKEN": "s3cret-token",
        "SMOOTH_AGENT_WS_AUTH_REQUIRED": "1"}),
    "model html renders as text": (case_model_html_is_text, {}),
    "phone width": (case_phone_width, {}),
    "web ui disabled": (case_web_ui_disabled, {"SMOOTH_AGENT_WEB_UI": "0"}),
    "identity form submitted": (case_identity_form_submit, {}),
    "identity form invalid email": (case_identity_form_invalid, {}),
    "choices submitted at phone width": (case_choices_submit, {}),
    "decline a form": (case_decline_form, {}),
    "stop while a form waits": (case_stop_while_form_waits, {}),
    "form times out": (case_form_times_out, {"SMOOTH_AGENT_INTERACTION_TIMEOUT_SECS": "1"}),
    "reconnect while a form waits": (case_reconnect_while_form_waits, {}),
    "form answered in another tab": (case_form_answered_elsewhere, {}),
}


def slug(name):
    return "".join(c if c.isalnum() else "-" for c in name).strip("-")


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--server", required=True)
    ap.add_argument("--screenshots", required=True)
    ap.add_argument("--list", action="store_true")
    ap.add_argument("--registered", help="the cases ctest registers, joined by '|'")
    ap.add_argument("case", nargs="?")
    args = ap.parse_args()
    if args.list:
        print("\n".join(CASES))
        return 0
    if args.registered is not None:  # a case missing from tests/CMakeLists.txt never runs
        missing = sorted(set(CASES) - set(args.registered.split("|")))
        unknown = sorted(set(args.registered.split("|")) - set(CASES))
        print("web: not registered: %s; unknown: %s" % (missing, unknown))
        return 1 if missing or unknown else 0
    if args.case not in CASES:
        print("unknown case %r; known: %s" % (args.case, ", ".join(CASES)))
        return 2
    fn, extra_env = CASES[args.case]
    ci = os.environ.get("CI") == "true"

    try:
        driver = browser()
    except BrowserMissing as e:
        if ci:
            print("web: FAILED (CI=true): %s; scripts/setup installs chromium, chromium-driver "
                  "and python3-selenium" % e)
            return 1
        print("web: skipped: %s (install chromium chromium-driver python3-selenium)" % e)
        return SKIP

    gw = FakeGateway()
    tools = tempfile.NamedTemporaryFile("w", suffix=".json", delete=False)
    json.dump(TOOLS, tools)
    tools.close()
    # The fake serves chat only: no embeddings (deterministic embedder) and no auto-title call.
    env = {"SMOOAI_GATEWAY_URL": gw.base_url, "SMOOAI_GATEWAY_KEY": "test-key",
           "SMOOTH_AGENT_EMBEDDER": "deterministic", "SMOOTH_AGENT_TITLE_MODEL": "",
           "SMOOTH_AGENT_MODEL": "test-model", "SMOOTH_AGENT_TOOLS_FILE": tools.name,
           "SMOOTH_AGENT_CONFIRM_TOOLS": "delete_record", "SMOOTH_AGENT_DRAIN_TIMEOUT_SECS": "2",
           "SMOOTH_AGENT_LOG_LEVEL": "debug"}
    knowledge = None
    if extra_env.get("SMOOTH_AGENT_KNOWLEDGE_FILE") == KNOWLEDGE:
        knowledge = tempfile.NamedTemporaryFile("w", suffix=".json", delete=False)
        json.dump(DOCUMENTS, knowledge)
        knowledge.close()
        extra_env = dict(extra_env, SMOOTH_AGENT_KNOWLEDGE_FILE=knowledge.name)
    env.update(extra_env)
    server = None
    status = 0
    try:
        server = ServerProcess(args.server, env)
        page = Page(driver, server.url)
        page.screenshots, page.case = args.screenshots, args.case
        fn(page, gw, server)
        errors = [e for e in page.severe_console_errors()
                  if not (page.connection_drops_expected and "WebSocket" in e.get("message", ""))]
        if args.case != "web ui disabled":
            assert not errors, "browser console errors: %s" % errors
        print("web: %s: passed" % args.case)
    except Exception:
        traceback.print_exc()
        status = 1
    finally:
        try:
            os.makedirs(args.screenshots, exist_ok=True)
            path = os.path.join(args.screenshots, slug(args.case) + ".png")
            driver.save_screenshot(path)
            print("web: screenshot %s" % path)
        except Exception as e:
            print("web: no screenshot: %s" % e)
        driver.quit()
        gw.close()
        if server is not None:
            code = server.stop()
            if code != 0:
                print("web: the server exited with %s" % code)
                status = 1
            if status != 0:
                print("---- server log ----\n" + server.log()[-20000:])
        os.unlink(tools.name)
        if knowledge is not None:
            os.unlink(knowledge.name)
    return status


if __name__ == "__main__":
    sys.exit(main())
