/* A supervision group member's page (phone first, opened with their execution link ?t=): the monthly
 * progress report with photos, 叫停 / 重启 with a reason, milestones done, and the record itself. */
"use strict";

(function () {
  const { $, el, fill, toast } = window.GZ;
  const body = document.body;
  const token = new URLSearchParams(location.search).get("t") || "";
  const base = "/api/execution/" + body.dataset.community + "/" + body.dataset.record;
  const MAX_PHOTO = 5 * 1024 * 1024;

  const url = (path) => base + path + "?t=" + encodeURIComponent(token);
  const message = (data) => (data && data.error && data.error.message) || "操作失败，请重试";

  async function call(method, path, payload, raw) {
    const headers = {};
    if (payload !== undefined) headers["Content-Type"] = raw ? (payload.type || "application/octet-stream") : "application/json";
    try {
      const res = await fetch(url(path), { method, headers, body: payload === undefined ? undefined : (raw ? payload : JSON.stringify(payload)) });
      return await res.json();
    } catch (e) {
      return { ok: false, error: { code: "offline", message: "网络未连接，请稍后再试" } };
    }
  }

  function say(text) {
    $("form-error").textContent = text || "";
    $("form-error").hidden = !text;
  }

  function show(record) {
    const stopped = record.status === "stopped";
    $("stop").hidden = stopped;
    $("restart").hidden = !stopped;
    const done = record.status === "done";
    $("report-card").hidden = done;
    $("stop-card").hidden = done;
    fill($("record-card"), window.Execution.record(record, (m) => el("button", {
      className: "btn small milestone-done", type: "button", text: "标记完成", onclick: () => act("milestone", { milestone_id: m.milestone_id }),
    })));
    body.dataset.state = "ready";
  }

  async function load() {
    const data = await call("GET", "");
    if (!data.ok) { $("page-error").textContent = message(data); $("page-error").hidden = false; return; }
    show(data.record);
  }

  async function act(action, payload) {
    const data = await call("POST", "/" + action, payload);
    if (!data.ok) { toast(message(data)); return false; }
    show(data.record);
    return true;
  }

  async function stopOrRestart(action) {
    const reason = $("stop-reason").value.trim();
    if (!reason) { toast(action === "stop" ? "请写明叫停的理由" : "请写明重启的理由"); return; }
    if (await act(action, { reason })) {
      $("stop-reason").value = "";
      toast(action === "stop" ? "已叫停" : "已重启", "ok");
    }
  }

  async function submit(ev) {
    ev.preventDefault();
    const text = $("report-text").value;
    if (!text.trim()) { say("请填写进展情况"); return; }
    const files = Array.from($("report-photos").files || []);
    if (files.length > 6) { say("最多 6 张照片"); return; }
    $("report-submit").disabled = true;
    const photos = [];
    for (const f of files) {
      if (f.size > MAX_PHOTO) { say("照片「" + f.name + "」太大（最多 5 MB）"); $("report-submit").disabled = false; return; }
      const up = await call("POST", "/photos", f, true);
      if (!up.ok) { say("照片「" + f.name + "」：" + message(up)); $("report-submit").disabled = false; return; }
      photos.push(up.photo_id);
    }
    const data = await call("POST", "/reports", { text, photos, blocked: $("report-blocked").checked });
    $("report-submit").disabled = false;
    if (!data.ok) { say(message(data)); return; }
    say("");
    $("report-text").value = "";
    $("report-photos").value = "";
    $("report-blocked").checked = false;
    $("report-count").textContent = "0/2000";
    toast("报告已提交", "ok");
    show(data.record);
  }

  $("report-text").addEventListener("input", () => { $("report-count").textContent = $("report-text").value.length + "/2000"; });
  $("report-form").addEventListener("submit", submit);
  $("stop").addEventListener("click", () => stopOrRestart("stop"));
  $("restart").addEventListener("click", () => stopOrRestart("restart"));
  load();
})();
