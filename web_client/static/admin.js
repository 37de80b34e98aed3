/* Admin page: create a meeting with the admin token typed in (sent once, never stored) and show its links. */
"use strict";

(function () {
  const $ = (id) => document.getElementById(id);
  const ROLES = [
    ["participant", "居民（公开分享）"], ["moderator", "主持人"], ["timer", "计时员"], ["recorder", "记录员"],
    ["observer", "观察员（公开分享）"], ["hall", "会场大屏（投影仪）"], ["station", "会场音频（接音响的电脑）"],
  ];
  // Device pages open with a role's token; the server gives their links (links.<role>.<page>_url).
  const DEVICE = { hall: "observer", station: "recorder" };
  const ERRORS = { unauthorized: "管理员口令不正确", invalid: "填写的内容有误" };

  function el(tag, props, children) {
    const node = document.createElement(tag);
    for (const [k, v] of Object.entries(props || {})) {
      if (k === "text") node.textContent = v; else node.setAttribute(k, v);
    }
    for (const c of children || []) node.append(c);
    return node;
  }

  function agenda(text) {
    return text.split("\n").map((line) => line.trim()).filter(Boolean).map((line) => {
      const m = line.match(/^(.*?)[\s，,]+(\d{1,3})\s*(分钟)?$/);
      return m ? { title: m[1], planned_minutes: parseInt(m[2], 10) } : { title: line, planned_minutes: 10 };
    });
  }

  function when(value) {
    // datetime-local has no zone: the meeting is in the browser's local time, written with its offset.
    const d = new Date(value);
    const off = -d.getTimezoneOffset();
    const sign = off >= 0 ? "+" : "-";
    const hh = String(Math.floor(Math.abs(off) / 60)).padStart(2, "0");
    const mm = String(Math.abs(off) % 60).padStart(2, "0");
    return value + sign + hh + ":" + mm;
  }

  function link(url) { return el("a", { href: url, target: "_blank", rel: "noopener noreferrer", class: "url", text: url }); }

  $("create-form").addEventListener("submit", async (ev) => {
    ev.preventDefault();
    const button = ev.submitter || ev.target.querySelector("button");
    const settings = {
      speaking_limit_s: parseInt($("m-limit").value, 10) || 180,
      warning_s: parseInt($("m-warning").value, 10) || 0,
    };
    if ($("m-expected").value) settings.expected_members = parseInt($("m-expected").value, 10);
    const spec = {
      title: $("m-title").value.trim(), level: $("m-level").value, place: $("m-place").value.trim(),
      scheduled_at: when($("m-when").value), agenda: agenda($("m-agenda").value), settings,
    };
    button.disabled = true;
    let body;
    let status = 0;
    try {
      const res = await fetch("/api/meetings", {
        method: "POST",
        headers: { "Content-Type": "application/json", Authorization: "Bearer " + $("admin-token").value.trim() },
        body: JSON.stringify(spec),
        credentials: "omit",
      });
      status = res.status;
      body = await res.json();
    } catch (e) {
      body = { ok: false, error: { code: "network" } };
    } finally {
      button.disabled = false;
    }
    $("admin-token").value = "";
    if (!body.ok) {
      const code = (body.error && body.error.code) || String(status);
      const msg = ERRORS[code] || (code === "network" ? "网络错误，请重试" : "创建失败");
      alertBox(msg + (body.error && body.error.message && code !== "unauthorized" ? "：" + body.error.message : ""));
      return;
    }
    show(body);
  });

  function alertBox(text) {
    let box = $("admin-error");
    if (!box) {
      box = el("p", { id: "admin-error", class: "fatal", role: "alert" });
      $("create-form").prepend(box);
    }
    box.textContent = text;
  }

  function show(body) {
    const old = $("admin-error");
    if (old) old.remove();
    $("created-id").textContent = body.meeting_id;
    const rows = ROLES.map(([role, label]) => {
      const device = DEVICE[role];
      const src = device ? body.links[device] : body.links[role];
      const url = device ? src[role + "_url"] : src.url;
      const qr = device ? null : el("img", { src: src.qr, alt: label + "二维码", width: "160", height: "160" });
      return el("tr", { "data-role": role }, [
        el("td", { text: label }), el("td", {}, qr ? [qr] : []), el("td", {}, [link(url)]),
      ]);
    });
    $("links").replaceChildren(...rows);
    $("created").hidden = false;
    $("created").scrollIntoView();
  }
})();
