/* The public 公示 page: a live countdown, and a resident's objection through their personal link. */
"use strict";
(() => {
  const body = document.body;
  const until = Number(body.dataset.until) * 1000;
  const left = document.getElementById("left");
  function tick() {
    if (!left) return;
    const s = Math.max(0, Math.floor((until - Date.now()) / 1000));
    left.textContent = `${Math.floor(s / 86400)} 天 ${Math.floor((s % 86400) / 3600)} 小时 ${Math.floor((s % 3600) / 60)} 分`;
  }
  // The server's text stays until a minute has passed: its clock, not the phone's, decides the period.
  if (left) setInterval(tick, 60000);
  body.dataset.state = "ready";
  const form = document.getElementById("object-form");
  if (!form) return;
  const out = document.getElementById("object-result");
  form.addEventListener("submit", async (ev) => {
    ev.preventDefault();
    const button = document.getElementById("object");
    button.disabled = true;
    const url = `/api/p/${encodeURIComponent(body.dataset.meeting)}/${encodeURIComponent(body.dataset.resolution)}/objections`;
    try {
      const res = await fetch(url, {
        method: "POST",
        headers: { "Content-Type": "application/json" },
        body: JSON.stringify({ t: body.dataset.token, reason: document.getElementById("reason").value }),
      });
      const ack = await res.json();
      if (ack.ok) {
        out.textContent = "异议已登记，谢谢。";
        document.getElementById("objections").textContent = String(ack.objections);
        form.hidden = true;
      } else {
        out.textContent = (ack.error && ack.error.message) || "提交失败";
        button.disabled = false;
      }
    } catch (e) {
      out.textContent = "网络异常，请稍后再试。";
      button.disabled = false;
    }
  });
})();
