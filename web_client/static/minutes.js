/* The minutes page: the server renders the minutes; this script lets the recorder edit each section and
 * publish (EditMinutes / PublishMinutes over the hub), lets the recorder register objections handed in on
 * paper, and lets residents object to published resolutions during the publicity period
 * (ObjectToResolution). Any change to the minutes in the log reloads the page unless an edit is open. */
(function () {
  "use strict";
  const { $, el, fill, toast, connect, actionButton } = window.GZ;
  const body = document.body;
  const role = body.dataset.role;
  const api = (fmt) =>
    "/api/meetings/" + encodeURIComponent(body.dataset.meeting) + "/minutes." + fmt +
    "?t=" + encodeURIComponent(body.dataset.token);
  let dirty = false;
  let sectionsShown = false;

  const RELOAD = /^(Minutes|ObjectionRaised|ResolutionFlagged)/;

  function changed() {
    $("updated").hidden = false;
    if (!dirty) window.location.reload();
  }
  $("reload") && $("reload").addEventListener("click", (e) => { e.preventDefault(); window.location.reload(); });

  async function showEditor(conn, minutes) {
    const editor = $("editor");
    if (!editor) return;
    editor.hidden = !minutes || minutes.status === "published";
    if (editor.hidden || sectionsShown) return;
    sectionsShown = true;
    const doc = await (await fetch(api("json"))).json();
    fill($("sections"), doc.sections.map((s) => {
      const area = el("textarea", { id: "edit-" + s.section_id, "aria-label": s.title });
      area.value = s.text;
      area.addEventListener("input", () => { dirty = true; });
      const save = actionButton("保存本节", async () => {
        const ack = await conn.command("EditMinutes", { section_id: s.section_id, text: area.value });
        if (ack.ok) { dirty = false; toast("已保存（日志第 " + ack.seq + " 条）"); }
      });
      return el("div", { className: "section-edit" }, [el("h3", { text: s.title }), area, save]);
    }));
    $("publish").onclick = async () => {
      if (dirty) { toast("还有未保存的修改"); return; }
      if (!window.confirm("发布后纪要将冻结，不能再修改。确认发布？")) return;
      const ack = await conn.command("PublishMinutes", {});
      if (ack.ok) window.location.reload();
    };
  }

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
      const ack = await conn.command("ObjectToResolution", { resolution_id: select.value, objector: $("paper-name").value });
      if (ack.ok) { $("paper-name").value = ""; toast("已登记"); }
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
