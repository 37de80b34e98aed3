/* Admin page: create a meeting with the admin token typed in (sent once, never stored) and show its links. */
"use strict";

(function () {
  const $ = (id) => document.getElementById(id);
  const { spec, linkRows } = window.MeetingForm; // the form's fields and the links table (meeting_form.js)
  const ERRORS = { unauthorized: "管理员口令不正确", invalid: "填写的内容有误" };

  function el(tag, props, children) {
    const node = document.createElement(tag);
    for (const [k, v] of Object.entries(props || {})) {
      if (k === "text") node.textContent = v; else node.setAttribute(k, v);
    }
    for (const c of children || []) node.append(c);
    return node;
  }

  $("create-form").addEventListener("submit", async (ev) => {
    ev.preventDefault();
    const button = ev.submitter || ev.target.querySelector("button");
    const meeting = spec();
    if (!meeting) { alertBox(MeetingForm.WHEN_HELP); $("m-when").focus(); return; }
    button.disabled = true;
    let body;
    let status = 0;
    try {
      const res = await fetch("/api/meetings", {
        method: "POST",
        headers: { "Content-Type": "application/json", Authorization: "Bearer " + $("admin-token").value.trim() },
        body: JSON.stringify(meeting),
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
    $("links").replaceChildren(...linkRows(body.links));
    $("created").hidden = false;
    $("created").scrollIntoView();
  }
})();
