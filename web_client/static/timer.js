/* Timer page: a big clock with start / pause / resume / extend, and its alerts (flash, beep) — nothing else. */
"use strict";

(function () {
  const { $, show } = GZ;
  let joined = false;
  GZ.bindClock($("clock"));
  const alerts = GZ.alerts({ page: "timer", clock: $("clock"), toggle: $("alert-toggle"), hint: $("alert-hint") });

  const conn = GZ.connect({
    onEvent(record, v, replayed) {
      alerts.event(record, replayed);
    },
    onView: render,
  });

  function render(v) {
    joined = Boolean(conn.me);
    $("item-title").textContent = GZ.headerLine(v);
    show($("join-card"), !joined);
    const f = v.floor;
    GZ.fill($("speaker"), [f ? GZ.nameWithBadge(f.name, f.role, f) : "暂无发言人"]);
    const c = f && f.clock;
    show($("clock-buttons"), joined && Boolean(f));
    show($("start"), Boolean(c) && !c.started);
    show($("pause"), Boolean(c) && c.running);
    show($("resume"), Boolean(c) && c.started && !c.running);
  }

  const wire = (id, type, fields) => $(id).addEventListener("click", async (ev) => {
    ev.currentTarget.disabled = true;
    try { await conn.command(type, fields); } finally { $(id).disabled = false; }
  });
  wire("start", "StartClock");
  wire("pause", "PauseClock");
  wire("resume", "ResumeClock");
  wire("extend30", "ExtendClock", { seconds: 30 });
  wire("extend60", "ExtendClock", { seconds: 60 });
  $("join-form").addEventListener("submit", async (ev) => {
    ev.preventDefault();
    const ack = await conn.join($("join-name").value.trim());
    if (ack.ok && conn.view) render(conn.view);
  });
})();
