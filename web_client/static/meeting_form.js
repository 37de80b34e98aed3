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
  // The hall audio station opens with the recorder's token; the server gives its link
  // (links.recorder.station_url). The hall display has a link of its own (links.hall).
  const DEVICE = { station: "recorder" };
  // Links for devices, not people: no QR code to scan.
  const NO_QR = new Set(["hall", "station"]);

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

  /** "2026-12-03 19:00" (the field's format, whatever the browser's locale) → ISO 8601 with the browser's
   * offset: the meeting is in local time. Null when it is not a real date and time. */
  function when(value) {
    const m = value.trim().match(/^(\d{4})-(\d{1,2})-(\d{1,2})[ T](\d{1,2}):(\d{2})$/);
    if (!m) return null;
    const [y, mo, d, h, mi] = m.slice(1).map(Number);
    const date = new Date(y, mo - 1, d, h, mi);
    if (date.getMonth() !== mo - 1 || date.getDate() !== d || h > 23 || mi > 59) return null;
    const pad = (n) => String(n).padStart(2, "0");
    const off = -date.getTimezoneOffset();
    const sign = off >= 0 ? "+" : "-";
    return y + "-" + pad(mo) + "-" + pad(d) + "T" + pad(h) + ":" + pad(mi) +
      sign + pad(Math.floor(Math.abs(off) / 60)) + ":" + pad(Math.abs(off) % 60);
  }

  const WHEN_HELP = "时间请按“2026-12-03 19:00”的格式填写（年-月-日 时:分）";

  /** The meeting spec the form describes (POST /api/meetings, POST /api/communities/<id>/meetings); null
   * when the time is not a real date (the pattern check lets 2026-02-30 through): say `WHEN_HELP`. */
  function spec() {
    const scheduled = when($("m-when").value);
    if (!scheduled) return null;
    const settings = {
      speaking_limit_s: parseInt($("m-limit").value, 10) || 180,
      warning_s: parseInt($("m-warning").value, 10) || 0,
    };
    if ($("m-expected").value) settings.expected_members = parseInt($("m-expected").value, 10);
    if ($("m-running") && $("m-running").checked) settings.show_running_counts = true;
    return {
      title: $("m-title").value.trim(), level: $("m-level").value, place: $("m-place").value.trim(),
      scheduled_at: scheduled, agenda: agenda($("m-agenda").value), settings,
    };
  }

  function link(url) { return el("a", { href: url, target: "_blank", rel: "noopener noreferrer", class: "url", text: url }); }

  /** Table rows (role, QR code, link) for a meeting's `links`. */
  function linkRows(links) {
    return ROLES.map(([role, label]) => {
      const device = DEVICE[role];
      const src = device ? links[device] : links[role];
      const url = device ? src[role + "_url"] : src.url;
      const qr = NO_QR.has(role) ? null : el("img", { src: src.qr, alt: label + "二维码", width: "160", height: "160" });
      return el("tr", { "data-role": role }, [
        el("td", { text: label }), el("td", {}, qr ? [qr] : []), el("td", {}, [link(url)]),
      ]);
    });
  }

  window.MeetingForm = { spec, linkRows, WHEN_HELP };
})();
