/* A 议事代表's research tasks (personal link): the shared draft, attachments (PDF/JPEG/PNG ≤ 10 MB),
 * submitting the report, and confirming one another representative submitted. */
"use strict";

(function () {
  const { $, el, fill, toast } = window.GZ;
  const body = document.body;
  const token = new URLSearchParams(location.search).get("t") || "";
  const base = "/api/topics/" + body.dataset.community + "/research";
  const q = "?t=" + encodeURIComponent(token);

  async function call(method, path, payload, raw) {
    try {
      const res = await fetch(base + path + q, {
        method,
        headers: raw ? {} : (payload ? { "Content-Type": "application/json" } : {}),
        body: raw || (payload ? JSON.stringify(payload) : undefined),
      });
      return await res.json();
    } catch (e) {
      return { ok: false, error: { code: "offline", message: "网络未连接，请稍后再试" } };
    }
  }

  function field(id, label, value, rows) {
    return [el("label", { for: id, text: label }),
      rows ? el("textarea", { id, rows: String(rows), maxlength: "2000" }, [value || ""])
        : el("input", { id, type: "number", min: "0", max: "100000", value: String(value || 0) })];
  }

  function readOnly(r) {
    return [
      el("p", { className: "report-text" }, [el("strong", { text: "现状：" }), r.situation]),
      el("p", { className: "report-text" }, [el("strong", { text: "居民诉求：" }), r.demands]),
      el("p", { className: "report-text" }, [el("strong", { text: "初步建议：" }), r.proposal]),
      el("p", { className: "hint", text: "走访 " + r.households + " 户，问卷 " + r.questionnaires + " 份，附件 " + r.files.length + " 个" }),
    ];
  }

  function taskNode(task) {
    const id = (name) => "r-" + task.topic_id + "-" + name;
    const d = task.draft || {};
    let files = (d.files || []).map((f) => ({ file_id: f.file_id, name: f.name }));
    const members = el("p", { className: "hint", text: "调研代表：" + task.members.map((m) =>
      m.name + (m.confirmed ? "（已确认）" : "")).join("、") });
    const error = el("p", { className: "fatal", role: "alert", hidden: true });
    const say = (text) => { error.textContent = text; error.hidden = !text; };
    const report = () => ({
      situation: $(id("situation")).value, demands: $(id("demands")).value, proposal: $(id("proposal")).value,
      households: parseInt($(id("households")).value, 10) || 0,
      questionnaires: parseInt($(id("questionnaires")).value, 10) || 0, files,
    });
    async function send(action, payload) {
      const data = await call("POST", "/" + task.topic_id + "/" + action, payload);
      if (!data.ok) { say(data.error.message); return; }
      toast(action === "draft" ? "草稿已保存" : action === "submit" ? "报告已提交，请其他代表确认" : "已确认");
      await load();
    }
    async function upload(ev) {
      for (const f of ev.target.files) {
        const data = await call("POST", "/files", null, f);
        if (!data.ok) { say(data.error.message); return; }
        files.push({ file_id: data.file_id, name: f.name.slice(0, 80) });
      }
      say("");
      ev.target.nextElementSibling.textContent = "已上传 " + files.length + " 个附件";
    }
    const head = [
      el("div", { className: "row" }, [el("strong", { className: "topic-title", text: task.title }),
        el("span", { className: "badge status", text: task.status_label })]),
      el("p", { className: "topic-body", text: task.body }), members,
      task.note ? el("p", { className: "reason", text: "说明：" + task.note }) : null,
    ];
    if (!task.can_edit) {
      return el("li", { className: "topic research-task", dataset: { topic: task.topic_id } }, [
        ...head, ...readOnly(task.report),
        task.can_confirm ? el("button", { className: "btn primary confirm", type: "button", text: "确认报告",
          onclick: () => send("confirm", {}) }) : null, error,
      ]);
    }
    return el("li", { className: "topic research-task", dataset: { topic: task.topic_id } }, [
      ...head,
      ...field(id("situation"), "现状", d.situation, 4),
      ...field(id("demands"), "居民诉求", d.demands, 4),
      ...field(id("proposal"), "初步建议", d.proposal, 4),
      ...field(id("households"), "走访户数", d.households),
      ...field(id("questionnaires"), "问卷份数", d.questionnaires),
      el("label", { for: id("files"), text: "附件（PDF、JPEG 或 PNG，每个不超过 10 MB）" }),
      el("input", { id: id("files"), type: "file", accept: "application/pdf,image/jpeg,image/png", multiple: true, onchange: upload }),
      el("p", { className: "hint", text: files.length ? "已上传 " + files.length + " 个附件" : "" }),
      error,
      el("button", { className: "btn save-draft", type: "button", text: "保存草稿", onclick: () => send("draft", report()) }),
      el("button", { className: "btn primary submit-report", type: "button", text: "提交报告", onclick: () => send("submit", report()) }),
    ]);
  }

  async function load() {
    const data = await call("GET", "");
    if (!data.ok) { $("fatal").textContent = data.error.message; $("fatal").hidden = false; body.dataset.state = "ready"; return; }
    fill($("tasks"), data.tasks.map(taskNode));
    body.dataset.state = "ready";
  }

  load();
})();
