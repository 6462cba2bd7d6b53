// web/interactions.js — Rich Interaction cards: the forms a parked turn waits on
// (docs/protocol.md "Rich Interactions"; kinds `identity_intake` and `choices`).
//
// The page declares the kinds it renders with SUPPORTS on create_conversation_session.
// `interaction_required` opens a card (a <form>) in the turn; Submit or Decline sends
// `submit_interaction` under a fresh requestId, and its answer is one of:
//   immediate_response 200  → the card shows what was sent (or that it was declined);
//   interaction_invalid     → every field error is shown next to its field, the card stays
//                             open (retryable) and focus goes to the first invalid field;
//   error                   → NO_PENDING_INTERACTION / INTERACTION_MISMATCH retire the card
//                             (nothing waits for it any more), others keep it open.
// A card still open when its turn ends (done, Stop/`cancel`, error) is closed; a toolResult
// of its raise tool that arrives while it is open (the park timed out: `no_response`, or
// another tab answered) closes it with that outcome.
//
// Accessibility: every control has a <label>; a group of options is a <fieldset> with a
// <legend>; errors are tied to their control (aria-describedby, aria-invalid) and announced
// (role=alert); the first control is focused when a card appears. Closing a card disables
// its one outer <fieldset>, so no control of a finished card can be used.
// Safety: spec, reason, labels and errors come from the model or the server: text only
// (textContent), never HTML.

/** The render capabilities of the kinds below (later-protocol.md §1.1). */
export const SUPPORTS = ["identity_form", "choice_chips"];

const RAISE_TOOLS = new Set(["request_identity_intake", "request_choices"]);
const FIELD_NAMES = { name: "Name", email: "Email", phone: "Phone" };
const FIELD_INPUTS = {
  name: { type: "text", autocomplete: "name" },
  email: { type: "email", autocomplete: "email", inputmode: "email" },
  phone: { type: "tel", autocomplete: "tel", inputmode: "tel" },
};
const STALE_CODES = new Set(["NO_PENDING_INTERACTION", "INTERACTION_MISMATCH"]);

let cardCounter = 0;

function el(tag, className, text) {
  const node = document.createElement(tag);
  if (className) node.className = className;
  if (text !== undefined) node.textContent = text;
  return node;
}

function str(value, fallback = "") {
  return typeof value === "string" ? value : fallback;
}

/**
 * The cards of this page. `page` = {request(frame) → Promise<event>, sessionId() → string|null,
 * newRequestId() → string, focusComposer()}.
 */
export class InteractionCards {
  constructor(page) {
    this.page = page;
  }

  /** Renders the card of an `interaction_required` event into `turn` (app.js's turn). */
  open(turn, info) {
    const kind = str(info.kind);
    const build = kind === "identity_intake" ? buildIdentityIntake
        : kind === "choices" ? buildChoices : null;
    if (!build) return null;  // a kind this page did not declare: nothing to render
    // One slot per session: a newer card replaces any still-open one of this turn.
    for (const old of this.openCards(turn)) closeCard(old, "replaced", "A newer form replaced this one.");
    const id = `ix${++cardCounter}`;
    const card = el("form", "interaction");
    card.noValidate = true;  // the server validates; its errors are shown per field
    card.dataset.kind = kind;
    card.dataset.interactionId = str(info.interactionId);
    card.dataset.state = "open";
    card.setAttribute("aria-labelledby", `${id}-title`);
    const title = el("h3", "interaction-title",
        kind === "identity_intake" ? "Your contact details" : "Please choose");
    title.id = `${id}-title`;
    card.append(title);
    const reason = str(info.reason).trim();
    if (reason) {
      const p = el("p", "interaction-reason", `Why we ask: ${reason}`);
      p.id = `${id}-reason`;
      card.setAttribute("aria-describedby", p.id);
      card.append(p);
    }
    const alert = el("p", "interaction-error");
    alert.setAttribute("role", "alert");
    alert.hidden = true;
    const controls = el("fieldset", "interaction-controls");
    const collect = build(controls, info.spec ?? {}, id);
    const actions = el("div", "actions");
    const submit = el("button", "", "Submit");
    submit.type = "submit";
    const decline = el("button", "secondary", "Decline");
    decline.type = "button";
    actions.append(submit, decline);
    controls.append(actions);
    const status = el("p", "interaction-status");
    status.setAttribute("role", "status");
    status.tabIndex = -1;  // focused when the card is answered, so focus is not lost
    card.append(alert, controls, status);

    const entry = { card, controls, alert, status, kind, interactionId: card.dataset.interactionId,
                    collect, busy: false };
    card._interaction = entry;
    card.addEventListener("submit", (e) => {
      e.preventDefault();
      this.answer(entry, { values: collect() });
    });
    decline.addEventListener("click", () => this.answer(entry, { declined: true }));

    const anchor = turn.element.querySelector(".citations");
    turn.element.insertBefore(card, anchor);
    turn.element.dataset.interaction = "pending";
    card.scrollIntoView({ block: "nearest" });
    const first = controls.querySelector("input, button");
    if (first) first.focus();
    return card;
  }

  /** A toolResult chunk: closes the open card of its raise tool with the model's outcome. */
  onToolResult(turn, result) {
    if (!RAISE_TOOLS.has(str(result.name))) return;
    const kind = result.name === "request_choices" ? "choices" : "identity_intake";
    const card = this.openCards(turn).find((c) => c.dataset.kind === kind);
    if (!card) return;
    let outcome = null;
    try {
      outcome = JSON.parse(str(result.result)).status ?? null;
    } catch {
      // not an outcome payload (an argument error): nothing was parked for it
    }
    if (outcome === "no_response") {
      closeCard(card, "expired", "This form timed out; the assistant went on without it.");
    } else if (outcome === "submitted") {
      closeCard(card, "submitted", "Sent.");
    } else if (outcome === "declined") {
      closeCard(card, "declined", "You declined this form.");
    }
  }

  /** The turn ended (done, cancelled, error): nothing waits for its cards any more. */
  closeTurn(turn, outcome) {
    const note = outcome === "cancelled" ? "This form was closed: the reply was stopped."
        : "This form was closed: the reply ended.";
    for (const card of this.openCards(turn)) closeCard(card, "closed", note);
    if (turn.element.dataset.interaction === "pending") turn.element.dataset.interaction = "closed";
  }

  /** True while `turn` has a card waiting for an answer. */
  hasOpen(turn) {
    return turn !== null && this.openCards(turn).length > 0;
  }

  openCards(turn) {
    return [...turn.element.querySelectorAll("form.interaction")]
        .filter((c) => c.dataset.state === "open" || c.dataset.state === "invalid");
  }

  async answer(entry, body) {
    const sessionId = this.page.sessionId();
    if (entry.busy || !isOpen(entry.card) || !sessionId) return;
    entry.busy = true;
    entry.controls.disabled = true;  // no double submit while the answer is on its way
    entry.card.setAttribute("aria-busy", "true");
    showError(entry, "");
    const frame = { action: "submit_interaction", requestId: this.page.newRequestId(), sessionId,
                    interactionId: entry.interactionId, kind: entry.kind, ...body };
    let reply;
    try {
      reply = await this.page.request(frame);
    } catch {
      reply = null;
    }
    entry.busy = false;
    entry.card.removeAttribute("aria-busy");
    if (!isOpen(entry.card)) return;  // closed meanwhile (the turn ended)
    if (reply === null) {
      return retry(entry, "Not sent: the connection was lost. Try again once reconnected.");
    }
    if (reply.type === "interaction_invalid") {
      entry.controls.disabled = false;
      return showFieldErrors(entry, reply.data?.data ?? {});
    }
    if (reply.type === "error") {
      const error = reply.error ?? reply.data?.error ?? {};
      if (STALE_CODES.has(error.code)) {
        closeCard(entry.card, "stale", "This form is no longer waiting for an answer.");
        return this.page.focusComposer();
      }
      return retry(entry, `Not sent: ${str(error.message, "error")}`);
    }
    if (body.declined) {
      closeCard(entry.card, "declined", "You declined this form.");
    } else {
      closeCard(entry.card, "submitted", `Sent: ${summarize(entry.kind, reply.data?.values)}`);
    }
    entry.status.focus();
  }
}

/** The answer did not arrive: the card is usable again, with why, and focused. */
function retry(entry, text) {
  entry.controls.disabled = false;
  showError(entry, text);
  entry.controls.querySelector("input, button")?.focus();
}

function isOpen(card) {
  return card.dataset.state === "open" || card.dataset.state === "invalid";
}

function closeCard(card, state, note) {
  card.dataset.state = state;
  const entry = card._interaction;
  if (!entry) return;
  entry.controls.disabled = true;
  entry.alert.hidden = true;
  clearFieldErrors(card);  // answered or retired: the old complaints no longer apply
  entry.status.textContent = note;
}

function clearFieldErrors(card) {
  for (const old of card.querySelectorAll(".field-error")) old.remove();
  for (const n of card.querySelectorAll("[data-field][data-invalid]")) delete n.dataset.invalid;
  for (const c of card.querySelectorAll("[aria-invalid]")) {
    c.removeAttribute("aria-invalid");
    if (c.dataset.describedby) c.setAttribute("aria-describedby", c.dataset.describedby);
    else c.removeAttribute("aria-describedby");
  }
}

function showError(entry, text) {
  entry.alert.textContent = text;
  entry.alert.hidden = text === "";
}

/** interaction_invalid: each error next to its field (or on the form), focus the first. */
function showFieldErrors(entry, data) {
  const { card } = entry;
  card.dataset.state = "invalid";
  clearFieldErrors(card);
  const general = [];
  let firstInvalid = null;
  for (const e of Array.isArray(data.errors) ? data.errors : []) {
    const field = str(e?.field);
    const message = str(e?.message, "is not valid");
    const target = [...card.querySelectorAll("[data-field]")].find((n) => n.dataset.field === field);
    if (!target) {
      general.push(field ? `${field}: ${message}` : message);
      continue;
    }
    const p = el("p", "field-error", message);
    p.id = `${target.dataset.errorId}-${target.querySelectorAll(".field-error").length}`;
    target.dataset.invalid = "true";
    target.append(p);
    // A question's errors belong to its group, a contact field's to its input.
    const control = target.matches("fieldset") ? target : target.querySelector("input");
    control.dataset.describedby ??= control.getAttribute("aria-describedby") ?? "";
    control.setAttribute("aria-invalid", "true");
    const described = control.getAttribute("aria-describedby") ?? "";
    control.setAttribute("aria-describedby", `${described} ${p.id}`.trim());
    firstInvalid ??= target.querySelector("input");
  }
  const message = str(data.message, "Some fields need attention.");
  showError(entry, general.length ? `${message} ${general.join("; ")}` : message);
  (firstInvalid ?? card.querySelector("input"))?.focus();
}

function summarize(kind, values) {
  if (!values || typeof values !== "object") return "your answer.";
  if (kind === "choices") {
    const answers = Array.isArray(values.answers) ? values.answers : [];
    return answers.map((a) => {
      const picks = [...(Array.isArray(a.options) ? a.options : [])];
      if (typeof a.other === "string") picks.push(a.other);
      return `${str(a.header)}: ${picks.join(", ")}`;
    }).join("; ") || "your answer.";
  }
  const parts = ["name", "email", "phone"].filter((k) => typeof values[k] === "string")
      .map((k) => values[k]);
  return parts.length ? parts.join(", ") : "your answer.";
}

// ---- identity_intake: labelled inputs for the requested fields ------------------------------

function buildIdentityIntake(controls, spec, id) {
  const fields = Array.isArray(spec.fields) ? spec.fields : [];
  const inputs = [];
  fields.forEach((f, i) => {
    const key = str(f?.key);
    if (!FIELD_INPUTS[key]) return;
    const required = f.required !== false;
    const wrap = el("div", "field");
    wrap.dataset.field = key;
    wrap.dataset.errorId = `${id}-err-${i}`;
    const input = el("input");
    input.id = `${id}-${key}-${i}`;
    input.name = key;
    for (const [attr, value] of Object.entries(FIELD_INPUTS[key])) input.setAttribute(attr, value);
    input.spellcheck = false;
    if (required) input.setAttribute("aria-required", "true");
    const label = el("label", "", str(f.label).trim() || FIELD_NAMES[key]);
    label.htmlFor = input.id;
    if (required) {
      const mark = el("span", "required-mark", " *");
      mark.setAttribute("aria-hidden", "true");
      label.append(mark, el("span", "visually-hidden", " (required)"));
    } else {
      label.append(el("span", "optional-mark", " (optional)"));
    }
    wrap.append(label, input);
    controls.append(wrap);
    inputs.push(input);
  });
  if (fields.some((f) => f?.required !== false)) {
    controls.append(el("p", "interaction-hint", "Fields marked * are required."));
  }
  return () => {
    const values = {};
    for (const input of inputs) {
      if (input.value.trim() !== "") values[input.name] = input.value;
    }
    return values;
  };
}

// ---- choices: one group of radios (single) or checkboxes (multi) per question ---------------

function buildChoices(controls, spec, id) {
  const questions = Array.isArray(spec.questions) ? spec.questions : [];
  const readers = [];
  questions.forEach((q, qi) => {
    const header = str(q?.header);
    const multi = q?.multiSelect === true;
    const group = el("fieldset", "question");
    group.dataset.field = header;
    group.dataset.errorId = `${id}-err-${qi}`;
    group.dataset.multi = String(multi);
    const legend = el("legend");
    legend.append(el("span", "question-header", header), el("span", "question-text", str(q?.question)));
    legend.append(el("span", "question-hint", multi ? "Choose one or more." : "Choose one."));
    group.append(legend);
    const name = `${id}-q${qi}`;
    const options = Array.isArray(q?.options) ? q.options : [];
    options.forEach((o, oi) => {
      const option = el("div", "option");
      const input = el("input");
      input.type = multi ? "checkbox" : "radio";
      input.name = name;
      input.id = `${name}-o${oi}`;
      input.value = str(o?.label);
      const label = el("label", "", input.value);
      label.htmlFor = input.id;
      const description = str(o?.description).trim();
      if (description) {
        const gloss = el("span", "option-description", description);
        gloss.id = `${input.id}-d`;
        input.setAttribute("aria-describedby", gloss.id);
        label.append(gloss);
      }
      option.append(input, label);
      group.append(option);
    });
    // The implicit free-text "Other" answer (choices.schema.json). For a single answer it
    // is one more radio whose text is typed next to it.
    const other = el("div", "option other");
    const otherText = el("input", "other-text");
    otherText.type = "text";
    otherText.id = `${name}-other`;
    otherText.autocomplete = "off";
    let otherPick = null;
    if (!multi) {
      otherPick = el("input");
      otherPick.type = "radio";
      otherPick.name = name;
      otherPick.id = `${name}-other-pick`;
      otherPick.value = "";
      otherPick.dataset.other = "true";
      const pickLabel = el("label", "", "Other");
      pickLabel.htmlFor = otherPick.id;
      otherText.setAttribute("aria-label", `Other answer for ${header}`);
      otherText.addEventListener("input", () => { otherPick.checked = otherText.value.trim() !== ""; });
      other.append(otherPick, pickLabel, otherText);
    } else {
      const textLabel = el("label", "", "Other (optional)");
      textLabel.htmlFor = otherText.id;
      other.append(textLabel, otherText);
    }
    group.append(other);
    controls.append(group);
    readers.push(() => {
      const picked = [...group.querySelectorAll("input:checked")].filter((i) => !i.dataset.other);
      const answer = { header, options: picked.map((i) => i.value) };
      const text = otherText.value.trim();
      if (text && (multi || otherPick.checked)) answer.other = text;
      return answer;
    });
  });
  return () => ({ answers: readers.map((read) => read()) });
}
