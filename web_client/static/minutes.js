/* The minutes page: the server renders the minutes; this script lets the recorder edit and publish them
 * (EditMinutes / PublishMinutes over the hub), register objections handed in on paper, and lets residents
 * object to published resolutions during the publicity period (ObjectToResolution).
 * The editor lays the draft out as a document — a part per agenda item, its speakers, motions, resolutions
 * and action items — each a labelled plain-text field (minutes.json, summarizer/editor.py); the recorder
 * never sees the stored or rendered form. Any change to the minutes in the log reloads the page unless
 * edits are unsaved. */
(function () {
  "use strict";
  const { $, el, fill, toast, connect, actionButton } = window.GZ;
  const body = document.body;
  const role = body.dataset.role;
  const api = (fmt) =>
    "/api/meetings/" + encodeURIComponent(body.dataset.meeting) + "/minutes." + fmt +
    "?t=" + encodeURIComponent(body.dataset.token);
  const SAVED = "gz-minutes-saved"; // the toast to show once the page has reloaded after saving
  let sectionsShown = false;
  let saving = false;
  const fields = []; // {section_id, entry_id, field_name, input, original}

  const RELOAD = /^(Minutes|ObjectionRaised|ResolutionFlagged|PublicityDecided)/;

  const unsaved = () => fields.filter((f) => f.input.value.trim() !== f.original.trim());

  function changed() {
    $("updated").hidden = false;
    if (!saving && !unsaved().length) window.location.reload();
  }
  $("reload") && $("reload").addEventListener("click", (e) => { e.preventDefault(); window.location.reload(); });
  window.addEventListener("beforeunload", (e) => { if (!saving && unsaved().length) e.preventDefault(); });

  function grow(area) {
    area.style.height = "auto";
    area.style.height = area.scrollHeight + 4 + "px";
  }

  function countUnsaved() {
    const n = unsaved().length;
    $("unsaved").textContent = n ? "有 " + n + " 处修改尚未保存" : "没有未保存的修改";
    $("save").disabled = !n;
  }

  /* One labelled plain-text field: what the recorder types is sent as it is; the server escapes it. */
  function fieldView(s, e, f) {
    const id = ["f", s.section_id, e.entry_id, f.name].join("-");
    if (f.readonly) { // a motion, vote or resolution: as the log records it, not the recorder's to rewrite
      return el("div", { className: "doc-field readonly" }, [el("label", { text: f.label }), el("p", { id, text: f.value })]);
    }
    const input = f.multiline
      ? el("textarea", { id, rows: 1, spellcheck: "false" })
      : el("input", { id, type: "text", autocomplete: "off" });
    input.value = f.value;
    input.addEventListener("input", () => { if (f.multiline) grow(input); countUnsaved(); });
    fields.push({ section_id: s.section_id, entry_id: e.entry_id, field_name: f.name, input, original: f.value });
    return el("div", { className: "doc-field" }, [el("label", { for: id, text: f.label }), input]);
  }

  function entryView(s, e) {
    return el("div", { className: "doc-entry kind-" + e.kind, dataset: { entry: e.entry_id, depth: String(e.depth) } }, [
      e.caption ? el("p", { className: "caption", text: e.caption }) : null,
      ...e.fields.map((f) => fieldView(s, e, f)),
    ]);
  }

  function rowsView(g) {
    return el("table", { className: "doc-rows" }, [
      el("thead", {}, [el("tr", {}, g.columns.map((c) => el("th", { text: c })))]),
      el("tbody", {}, g.rows.map((r) => el("tr", {}, r.map((c) => el("td", { text: c }))))),
    ]);
  }

  function sectionView(s) {
    const parts = [el("h3", { text: s.title })];
    if (s.readonly) {
      parts.push(el("p", { className: "hint", text: "（本节为旧版草稿，不能在此修改）" }));
      for (const line of s.readonly) parts.push(el("p", { text: line }));
    }
    for (const g of s.groups) {
      if (g.title) parts.push(el("h4", { text: g.title }));
      if (g.rows.length) {
        parts.push(rowsView(g), el("p", { className: "hint", text: "（由会议记录自动统计）" }));
      }
      for (const e of g.entries) parts.push(entryView(s, e));
    }
    return el("section", { id: "edit-" + s.section_id, className: "doc-section" }, parts);
  }

  async function save(conn) {
    const todo = unsaved();
    if (!todo.length) return;
    saving = true;
    let last = 0;
    try {
      for (const f of todo) {
        const ack = await conn.command("EditMinutes", {
          section_id: f.section_id, entry_id: f.entry_id, field_name: f.field_name, text: f.input.value,
        });
        if (!ack.ok) return; // the refusal is shown; what is saved so far stays saved
        f.original = f.input.value;
        last = ack.seq;
      }
      sessionStorage.setItem(SAVED, "已保存 " + todo.length + " 处修改（日志第 " + last + " 条）");
      window.location.reload(); // the minutes below show the saved text
    } finally {
      saving = false;
      countUnsaved();
    }
  }

  async function showEditor(conn, minutes) {
    const editor = $("editor");
    if (!editor) return;
    editor.hidden = !minutes || minutes.status === "published";
    if (editor.hidden || sectionsShown) return;
    sectionsShown = true;
    const doc = await (await fetch(api("json"))).json();
    fields.length = 0;
    fill($("sections"), doc.sections.map(sectionView));
    for (const f of fields) if (f.input.tagName === "TEXTAREA") grow(f.input);
    countUnsaved();
    $("save").onclick = () => save(conn);
    $("publish").onclick = async () => {
      if (unsaved().length) { toast("还有未保存的修改，请先点“保存修改”"); return; }
      if (!window.confirm("发布后纪要将冻结，不能再修改。确认发布？")) return;
      const ack = await conn.command("PublishMinutes", {});
      if (ack.ok) window.location.reload();
    };
  }

  const saved = sessionStorage.getItem(SAVED);
  if (saved) { sessionStorage.removeItem(SAVED); toast(saved, "ok"); }

  function showPaper(conn, view) {
    const card = $("paper");
    if (!card) return;
    const open = view.minutes && view.minutes.status === "published" && view.resolutions.length > 0;
    card.hidden = !open;
    if (!open) return;
    const select = $("paper-resolution");
    if (!select.options.length) {
      for (const r of view.resolutions) select.append(el("option", { value: r.resolution_id, text: r.title }));
    }
    $("paper-form").onsubmit = async (e) => {
      e.preventDefault();
      const ack = await conn.command("ObjectToResolution", {
        resolution_id: select.value, objector: $("paper-name").value, reason: $("paper-reason").value,
      });
      if (ack.ok) { $("paper-name").value = ""; $("paper-reason").value = ""; toast("已登记"); }
    };
  }

  function showObjections(conn, view) {
    const card = $("objections");
    if (!card) return;
    const m = view.minutes;
    const open = m && m.status === "published" && m.publicity_until * 1000 > Date.now() && view.resolutions.length > 0;
    card.hidden = !open;
    if (!open) return;
    if (!conn.me) {
      fill($("resolutions"), [el("p", { className: "hint", text: "请用参会时使用的手机打开本页，或向记录员书面提出异议。" })]);
      return;
    }
    fill($("resolutions"), view.resolutions.map((r) => {
      const count = (m.objections || {})[r.resolution_id] || 0;
      if (m.roster) {
        // 公示 with a roster: the public page of the resolution takes the objection, with its reason.
        const href = "/p/" + encodeURIComponent(body.dataset.meeting) + "/" + encodeURIComponent(r.resolution_id) + "?t=" + encodeURIComponent(body.dataset.token);
        return el("div", { className: "row" }, [
          el("p", { text: r.title + "（异议 " + count + " / " + ((m.bases || {})[r.resolution_id] || 0) + "）" }),
          el("a", { className: "btn", href, text: "查看公示 / 提出异议" }),
        ]);
      }
      return el("div", { className: "row" }, [
        el("p", { text: r.title + "（异议 " + count + " / " + m.eligible + "）" }),
        actionButton("我有异议", async () => {
          if (!window.confirm("确认对“" + r.title + "”提出异议？")) return;
          const ack = await conn.command("ObjectToResolution", { resolution_id: r.resolution_id });
          if (ack.ok) toast("异议已记录");
        }),
      ]);
    }));
  }

  const conn = connect({
    onEvent(record) { if (RELOAD.test(record.type)) changed(); },
    onView(view) {
      const minutes = view.minutes;
      if (role === "recorder") {
        showEditor(conn, minutes);
        showPaper(conn, view);
      }
      if (role === "participant") showObjections(conn, view);
    },
  });
})();
