/* The public progress page of one resolution's execution (no sign-in). */
"use strict";

(function () {
  const { $, fill } = window.GZ;
  const body = document.body;

  async function load() {
    let data;
    try {
      const res = await fetch("/api/public/execution/" + body.dataset.community + "/" + body.dataset.record);
      data = await res.json();
    } catch (e) {
      data = { ok: false, error: { message: "网络未连接，请稍后再试" } };
    }
    if (!data.ok) { $("page-error").textContent = data.error.message; $("page-error").hidden = false; return; }
    fill($("record-card"), window.Execution.record(data.record));
    body.dataset.state = "ready";
  }

  load();
})();
