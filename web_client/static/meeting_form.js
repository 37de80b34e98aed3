/* "Create a meeting", shared by the admin-token page (/admin) and a community's staff page: reading the
 * form's fields (templates/_meeting_fields.html) into a meeting spec, and the table of the links the
 * server answers with. Text goes into the page with textContent only. */
"use strict";

(function () {
  const $ = (id) => document.getElementById(id);
  const ROLES = [
    ["participant", "居民（公开分享）"], ["moderator", "主持人"], ["timer", "计时员"], ["recorder", "记录员"],
    ["observer", "观察员（公开分享）"], ["hall", "会场大屏（投影仪）"], ["station", "会场音频（接音响的电脑）"],
  ];
  // Device pages open with a role's token; the server gives their links (links.<role>.<page>_url).
  const DEVICE = { hall: "observer", station: "recorder" };

  function el(tag, props, children) {
    const node = document.createElement(tag);
    for (const [k, v] of Object.entries(props || {})) {
      if (k === "text") node.textContent = v; else node.setAttribute(k, v);
    }
    for (const c of children || []) node.append(c);
    return node;
  }

  /** Agenda lines ("东门停车 20", a trailing number is minutes) as agenda items. */
  function agenda(text) {
    return text.split("\n").map((line) => line.trim()).filter(Boolean).map((line) => {
      const m = line.match(/^(.*?)[\s，,]+(\d{1,3})\s*(分钟)?$/);
      return m ? { title: m[1], planned_minutes: parseInt(m[2], 10) } : { title: line, planned_minutes: 10 };
    });
  }

  /** A datetime-local value with the browser's offset: it has no zone, the meeting is in local time. */
  function when(value) {
    const d = new Date(value);
    const off = -d.getTimezoneOffset();
    const sign = off >= 0 ? "+" : "-";
    const hh = String(Math.floor(Math.abs(off) / 60)).padStart(2, "0");
    const mm = String(Math.abs(off) % 60).padStart(2, "0");
    return value + sign + hh + ":" + mm;
  }

  /** The meeting spec the form describes (POST /api/meetings, POST /api/communities/<id>/meetings). */
  function spec() {
    const settings = {
      speaking_limit_s: parseInt($("m-limit").value, 10) || 180,
      warning_s: parseInt($("m-warning").value, 10) || 0,
    };
    if ($("m-expected").value) settings.expected_members = parseInt($("m-expected").value, 10);
    return {
      title: $("m-title").value.trim(), level: $("m-level").value, place: $("m-place").value.trim(),
      scheduled_at: when($("m-when").value), agenda: agenda($("m-agenda").value), settings,
    };
  }

  function link(url) { return el("a", { href: url, target: "_blank", rel: "noopener noreferrer", class: "url", text: url }); }

  /** Table rows (role, QR code, link) for a meeting's `links`. */
  function linkRows(links) {
    return ROLES.map(([role, label]) => {
      const device = DEVICE[role];
      const src = device ? links[device] : links[role];
      const url = device ? src[role + "_url"] : src.url;
      const qr = device ? null : el("img", { src: src.qr, alt: label + "二维码", width: "160", height: "160" });
      return el("tr", { "data-role": role }, [
        el("td", { text: label }), el("td", {}, qr ? [qr] : []), el("td", {}, [link(url)]),
      ]);
    });
  }

  window.MeetingForm = { spec, linkRows };
})();
