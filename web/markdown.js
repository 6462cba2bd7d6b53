// web/markdown.js — a small, SAFE Markdown renderer for model output.
//
// Model text is untrusted: it is only ever put into the page as text nodes (textContent /
// createTextNode), never parsed as HTML, so `<img src=x onerror=…>` shows up as those
// characters. Links keep only http(s) URLs (anything else — javascript:, data: — stays
// plain text). The subset: paragraphs (single newlines become line breaks), headings
// (#…######, shown as emphasised paragraphs), **bold**, *italic* / _italic_, `inline code`,
// ``` fenced code blocks ```, [links](https://…), and "-", "*", "1." lists.

const FENCE = /^\s*```/;
const BULLET = /^\s*[-*+]\s+(.*)$/;
const ORDERED = /^\s*\d{1,9}[.)]\s+(.*)$/;
const HEADING = /^\s{0,3}(#{1,6})\s+(.*?)\s*#*\s*$/;

/** Replaces the children of `container` with `text` rendered as Markdown. */
export function renderMarkdown(container, text) {
  container.replaceChildren(...renderBlocks(String(text ?? "")));
}

/** The DOM nodes of `text` (blocks). */
export function renderBlocks(text) {
  const lines = text.replace(/\r\n?/g, "\n").split("\n");
  const out = [];
  let i = 0;
  while (i < lines.length) {
    const line = lines[i];
    if (FENCE.test(line)) {
      const code = [];
      i++;
      while (i < lines.length && !FENCE.test(lines[i])) code.push(lines[i++]);
      i++;  // the closing fence (or the end while it is still streaming)
      const pre = document.createElement("pre");
      const el = document.createElement("code");
      el.textContent = code.join("\n");
      pre.append(el);
      out.push(pre);
      continue;
    }
    if (line.trim() === "") {
      i++;
      continue;
    }
    const heading = HEADING.exec(line);
    if (heading) {
      const p = document.createElement("p");
      p.className = "md-heading";
      const strong = document.createElement("strong");
      strong.append(...renderInline(heading[2]));
      p.append(strong);
      out.push(p);
      i++;
      continue;
    }
    const list = BULLET.test(line) ? BULLET : ORDERED.test(line) ? ORDERED : null;
    if (list) {
      const el = document.createElement(list === BULLET ? "ul" : "ol");
      while (i < lines.length && list.test(lines[i])) {
        const li = document.createElement("li");
        li.append(...renderInline(list.exec(lines[i])[1]));
        el.append(li);
        i++;
      }
      out.push(el);
      continue;
    }
    // A paragraph runs to the next blank line or block start.
    const para = [];
    while (i < lines.length && lines[i].trim() !== "" && !FENCE.test(lines[i]) &&
           !HEADING.test(lines[i]) && !BULLET.test(lines[i]) && !ORDERED.test(lines[i])) {
      para.push(lines[i++]);
    }
    const p = document.createElement("p");
    para.forEach((l, k) => {
      if (k > 0) p.append(document.createElement("br"));
      p.append(...renderInline(l));
    });
    out.push(p);
  }
  return out;
}

// Earliest match wins; code first so `**` inside backticks stays literal.
const INLINE =
    /`([^`]+)`|\*\*(.+?)\*\*|__(.+?)__|\*([^*\s](?:[^*]*[^*\s])?)\*|_([^_\s](?:[^_]*[^_\s])?)_|\[([^\]]+)\]\(([^()\s]+)\)/;

/** The DOM nodes of one line of inline Markdown. */
export function renderInline(text) {
  const nodes = [];
  let rest = text;
  while (rest.length > 0) {
    const m = INLINE.exec(rest);
    if (!m) {
      nodes.push(document.createTextNode(rest));
      break;
    }
    if (m.index > 0) nodes.push(document.createTextNode(rest.slice(0, m.index)));
    if (m[1] !== undefined) {
      const code = document.createElement("code");
      code.textContent = m[1];
      nodes.push(code);
    } else if (m[2] !== undefined || m[3] !== undefined) {
      const strong = document.createElement("strong");
      strong.append(...renderInline(m[2] ?? m[3]));
      nodes.push(strong);
    } else if (m[4] !== undefined || m[5] !== undefined) {
      const em = document.createElement("em");
      em.append(...renderInline(m[4] ?? m[5]));
      nodes.push(em);
    } else {
      const href = safeHttpUrl(m[7]);
      if (href) {
        const a = document.createElement("a");
        a.href = href;
        a.target = "_blank";
        a.rel = "noopener noreferrer nofollow";
        a.append(...renderInline(m[6]));
        nodes.push(a);
      } else {
        nodes.push(document.createTextNode(m[0]));
      }
    }
    rest = rest.slice(m.index + m[0].length);
  }
  return nodes;
}

/** `url` normalized when it is an absolute http(s) URL; otherwise null. */
export function safeHttpUrl(url) {
  try {
    const u = new URL(url);
    return u.protocol === "http:" || u.protocol === "https:" ? u.href : null;
  } catch {
    return null;
  }
}
