/* The layout test's measurements of one page at one size (tests/web/test_layout.py), evaluated with the
 * list of key selectors; returns what it found, the test turns it into problems. */
(keys) => {
  const vw = document.documentElement.clientWidth, vh = innerHeight;
  const shown = (n) => n.checkVisibility({ visibilityProperty: true }) && n.getBoundingClientRect().height > 1;
  const out = { width: document.documentElement.scrollWidth, vw, offscreen: [], broken: [], empty: [], wide: [] };
  if (out.width > vw) { // name the innermost elements that stick out, to say what to fix
    const over = (e) => e.getBoundingClientRect().right > vw + 0.5 || e.scrollWidth > e.clientWidth + 1;
    out.wide = [...document.querySelectorAll("body *")].filter((e) => over(e) && ![...e.children].some(over))
      .slice(0, 3)
      .map((e) => e.tagName.toLowerCase() + (e.id ? "#" + e.id : "") + " '" + e.textContent.slice(0, 40) + "'");
  }
  for (const sel of keys) {
    for (const n of document.querySelectorAll(sel)) {
      if (!shown(n)) continue;
      const r = n.getBoundingClientRect();
      if (r.top < -0.5 || r.bottom > vh + 0.5 || r.left < -0.5 || r.right > vw + 0.5)
        out.offscreen.push(sel + " " + JSON.stringify([r.left, r.top, r.right, r.bottom].map(Math.round)));
    }
  }
  // A clock's time and label are each one unbroken run (getClientRects: one box per line fragment).
  for (const c of document.querySelectorAll(".clock")) {
    if (!shown(c)) continue;
    for (const part of c.querySelectorAll(".clock-time, .clock-label")) {
      if (part.textContent && part.getClientRects().length !== 1)
        out.broken.push(c.id + " " + part.className + " '" + part.textContent + "'");
    }
  }
  // A short button label (开始, 延长30秒) on one line: a word broken across two lines is hard to read.
  for (const b of document.querySelectorAll("button, a.btn")) {
    const text = b.textContent.trim();
    if (!shown(b) || !text || text.length > 8) continue;
    const range = document.createRange();
    range.selectNodeContents(b);
    const rs = [...range.getClientRects()];
    if (rs.some((r) => r.top >= rs[0].bottom - 1)) out.broken.push("button '" + text + "'");
  }
  // A visible heading needs visible content after it (up to the next heading); a heading alone in a
  // wrapper (a .row with its button) is judged with the wrapper's own following content.
  const heads = "h2, h3, .label";
  for (const h of document.querySelectorAll(heads)) {
    if (!shown(h)) continue;
    let node = h, found = false;
    for (;;) {
      let sib = node.nextElementSibling, any = false;
      for (; sib && !sib.matches(heads); sib = sib.nextElementSibling) {
        if (sib.matches("button") && node === h) continue; // a switch beside the heading is not content
        any = true;
        if (shown(sib)) { found = true; break; }
      }
      const parent = node.parentElement;
      if (found || any || !parent || parent.matches("section, .card, main, form, body, details")) break;
      node = parent;
    }
    if (!found) out.empty.push(h.textContent.trim());
  }
  return out;
}
