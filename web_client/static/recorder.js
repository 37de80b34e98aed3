/* Recorder page: check in people in the hall (residents and 列席 guests), move and second motions for
 * in-room residents, enter show-of-hands counts, follow the transcript and mark key points, send the
 * recorder's laptop camera into the livestream (camera.js, as on the hall audio station); when the
 * meeting closes, a draft of the minutes built from the log. */
"use strict";

(function () {
  const { $, el, fill, show, toast, names, headerLine, countsText, resultText, motionTitle, actionButton } = GZ;
  let view = null;
  const changed = GZ.changed();
  GZ.bindClock($("clock"));

  const captions = GZ.captionBox($("captions"), { max: 500 });
  const markButton = (record, node) => actionButton("标记要点", async () => {
    const text = node.querySelector(".what").textContent; // the corrected text, if corrected
    const ack = await conn.command("MarkKeyPoint", { text: text.slice(0, 500), caption_seq: record.seq });
    if (ack.ok) toast("已标记为要点", "ok");
  }, "btn small");
  // 更正: the recognised text is edited in place; the server keeps the original in the record.
  function fixButton(record, node) {
    const b = el("button", { type: "button", className: "btn small fix", text: "更正" });
    b.addEventListener("click", () => {
      if (node.querySelector(".fix-form")) return;
      const input = el("input", { maxLength: 1000, value: node.querySelector(".what").textContent });
      input.setAttribute("aria-label", "更正后的字幕");
      const form = el("form", { className: "fix-form" }, [
        input,
        el("button", { type: "submit", className: "btn small primary", text: "保存" }),
        el("button", { type: "button", className: "btn small", text: "取消", onclick: () => form.remove() }),
      ]);
      form.addEventListener("submit", async (e) => {
        e.preventDefault();
        const ack = await conn.command("CorrectCaption", { caption_id: record.payload.caption_id, text: input.value });
        if (ack.ok) { form.remove(); toast("字幕已更正", "ok"); }
      });
      node.append(form);
      input.focus();
    });
    return b;
  }
  const captionActions = (record, node) => el("span", { className: "cap-actions" }, [
    markButton(record, node),
    record.payload.caption_id ? fixButton(record, node) : null,
  ]);

  let camera = null;
  const conn = GZ.connect({
    history: true, // the whole log: the live transcript shows every caption of the meeting
    // The camera says itself why it was refused (camera.js).
    quiet: (event) => event === "camera_offer" || event === "camera_close",
    onWelcome() { if (camera) camera.reconnect(); }, // the server restarted or the network came back
    onEvent(record, v) {
      switch (record.type) {
        case "CaptionCommitted":
          captions.commit(record, v, captionActions);
          break;
        case "CaptionCorrected":
          captions.correct(record);
          break;
      }
    },
    onTransient(msg) { if (msg.kind === "caption_partial") captions.partial(msg); },
    onView: render,
  });
  camera = GZ.hallCamera(conn, "recorder"); // 「开启摄像头」: the hall camera into the livestream
  window.gzCamera = camera.state; // the browser tests read its state

  function render(v) {
    view = v;
    $("item-title").textContent = headerLine(v);
    const joined = Boolean(conn.me);
    show($("join-card"), !joined);
    show($("controls"), joined);
    GZ.fill($("speaker"), v.floor ? ["当前发言：", GZ.nameWithBadge(v.floor.name, v.floor.role, v.floor)] : ["暂无发言"]);
    const room = v.participants.filter((p) => p.channel === "room" && p.present);
    // 旁听 visitors (no roster entry in a meeting with a roster) never vote: not among the residents.
    const residents = room.filter((p) => p.role === "participant" && !p.listener);
    const guests = room.filter((p) => p.role === "guest").length;
    const listeners = room.length - residents.length - guests;
    $("room-count").textContent = "现场已签到居民 " + residents.length + " 人" +
      (guests ? " · 列席 " + guests + " 人" : "") + (listeners ? " · 旁听 " + listeners + " 人" : "");
    fill($("room-people"), room.map((p) => el("li", {}, [
      el("span", { className: "name" }, [GZ.nameWithBadge(p.name, p.role, p)]),
      el("span", { className: "hint", text: [p.building, p.unit].filter(Boolean).join(" ") }),
      actionButton("签退", () => conn.command("CheckOutInRoom", { participant_id: p.participant_id }), "btn danger small"),
    ])));
    renderBehalf(v, residents);
    const poll = v.vote;
    show($("hands-card"), Boolean(poll));
    show($("hands-none"), !poll);
    show($("hands-form"), Boolean(poll) && !poll.per_person);
    show($("ballots-card"), Boolean(poll) && poll.per_person);
    if (poll && poll.per_person) renderBallots(poll, residents);
    if (poll && poll.per_person) {
      $("hands-title").textContent = poll.title;
      $("hands-info").textContent = poll.rule_text + " · 现场可录入 " + poll.room_eligible + " 人 · 已投 " + poll.ballots_cast + " 票";
    } else if (poll) {
      $("hands-title").textContent = poll.title;
      // A secret vote's hall votes on paper ballots (a show of hands is seen by the whole hall); the count
      // entered is sealed and shown to no one, this page included.
      $("hands-info").textContent = "现场可投票 " + poll.room_present + " 人" +
        (poll.secret ? " · 无记名表决：现场请用纸质选票，清点后录入票数（不公开分现场结果）" : "") +
        (poll.room_entered ? (poll.room ? " · 已录入：" + countsText(poll.room) : " · 已录入")
          : poll.room_present ? " · 尚未录入（无人举手也请录入 0，否则主持人不能结束表决）" : "");
    }
    fill($("results"), v.results.slice().reverse().map((r) => el("li", {}, [
      el("span", { className: "name", text: motionTitle(v, r.motion_id) }), el("span", { text: resultText(r) }),
    ])));
    fill($("key-points"), v.key_points.slice().reverse().map((k) => el("li", { text: k.text })));
    show($("minutes-card"), v.meeting.status === "closed");
  }

  /* In-room ballots of a per-person vote (a roster scope, households, art. 278): the recorder enters each
   * hall resident's ballot; the server refuses one outside the scope and a second one. Which ballots this
   * page entered is kept here (a secret vote's view names no voter). */
  const entered = { motion: null, done: new Set() };
  function renderBallots(poll, residents) {
    if (entered.motion !== poll.motion_id) Object.assign(entered, { motion: poll.motion_id, done: new Set() });
    const q = $("ballot-search").value.trim().replace(/\s+/g, "");
    const household = (p) => (GZ.doorHousehold ? GZ.doorHousehold(p.participant_id) : "").replace(/\s+/g, "");
    const rows = residents.filter((p) => !q || [p.name, p.building, p.unit, household(p)].filter(Boolean).join("").includes(q));
    // Re-drawn only when the rows change, so a button being pressed is not replaced under the finger.
    changed("ballots", [poll.motion_id, rows.map((p) => p.participant_id), [...entered.done]], () =>
      fill($("ballot-people"), rows.slice(0, 30).map((p) => ballotRow(poll, p))));
  }

  function ballotRow(poll, p) {
    const home = GZ.doorHousehold ? GZ.doorHousehold(p.participant_id) : "";
    const where = el("span", { className: "hint", text: home || [p.building, p.unit].filter(Boolean).join(" ") });
    if (entered.done.has(p.participant_id)) {
      return el("li", { dataset: { pid: p.participant_id } }, [GZ.nameWithBadge(p.name, p.role || "participant", p), where, el("span", { className: "tag", text: "已录入" })]);
    }
    const vote = (choice) => actionButton(GZ.CHOICES[choice], async () => {
      const ack = await conn.command("CastVote", { motion_id: poll.motion_id, choice, on_behalf_of: p.participant_id });
      if (ack.ok || (ack.error && ack.error.code === "duplicate")) {
        entered.done.add(p.participant_id);
        if (ack.ok) toast("已为 " + p.name + " 录入选票", "ok");
        if (view) render(view);
      }
    }, "btn small");
    return el("li", { dataset: { pid: p.participant_id } }, [
      GZ.nameWithBadge(p.name, p.role || "participant", p), where,
      el("span", { className: "buttons" }, [vote("yes"), vote("no"), vote("abstain")]),
    ]);
  }
  $("ballot-search").addEventListener("input", () => view && render(view));

  const option = (p) => el("option", { value: p.participant_id, text: p.name + (p.building ? "（" + p.building + "）" : "") });

  /** Moving and seconding for in-room residents (who have no device): the motion is theirs. */
  function renderBehalf(v, residents) {
    const open = v.meeting.status === "open";
    show($("behalf-details"), open && v.current_item !== null && residents.length > 0);
    show($("behalf-none"), open && residents.length === 0);
    const select = $("behalf-mover");
    const keep = select.value;
    fill(select, residents.map(option));
    if (residents.some((p) => p.participant_id === keep)) select.value = keep;
    // Re-drawn only when motions or the hall change, so a choice being made survives other events.
    changed("motions", [v.motions, residents.map((p) => p.participant_id), open], () =>
      GZ.renderMotions($("rec-motions"), v, (m) => open ? secondForm(m, residents) : null));
  }

  function secondForm(m, residents) {
    if (m.status !== "moved") return null;
    const others = residents.filter((p) => p.participant_id !== m.mover);
    if (!others.length) return null;
    const select = el("select", { "aria-label": "附议人（现场居民）" }, others.map(option));
    return el("div", { className: "buttons" }, [select, actionButton("代现场人员附议", async () => {
      const ack = await conn.command("SecondMotion", { motion_id: m.motion_id, on_behalf_of: select.value });
      if (ack.ok) toast("已代为附议", "ok");
    }, "btn small")]);
  }

  $("behalf-form").addEventListener("submit", async (ev) => {
    ev.preventDefault();
    const ack = await conn.command("MoveMotion", {
      title: $("behalf-title").value.trim(), text: $("behalf-text").value.trim(), on_behalf_of: $("behalf-mover").value,
    });
    if (ack.ok) { $("behalf-title").value = ""; $("behalf-text").value = ""; toast("已代为提出动议", "ok"); }
  });
  $("guest-form").addEventListener("submit", async (ev) => {
    ev.preventDefault();
    const ack = await conn.command("CheckInGuest", { name: $("g-name").value.trim(), organisation: $("g-org").value.trim() });
    if (ack.ok) { ev.target.reset(); $("g-name").focus(); }
  });
  $("checkin-form").addEventListener("submit", async (ev) => {
    ev.preventDefault();
    const fields = { name: $("ci-name").value.trim() };
    const building = $("ci-building").value.trim();
    const unit = $("ci-unit").value.trim();
    if (building) fields.building = building;
    if (unit) fields.unit = unit;
    const ack = await conn.command("CheckInInRoom", fields);
    if (ack.ok) { ev.target.reset(); $("ci-name").focus(); }
  });
  $("hands-form").addEventListener("submit", async (ev) => {
    ev.preventDefault();
    if (!view || !view.vote) return;
    const n = (id) => parseInt($(id).value, 10) || 0;
    const ack = await conn.command("RecordShowOfHands",
      { motion_id: view.vote.motion_id, yes: n("h-yes"), no: n("h-no"), abstain: n("h-abstain") });
    if (ack.ok) toast(view.vote.secret ? "现场票数已录入" : "举手结果已录入", "ok");
  });
  $("kp-form").addEventListener("submit", async (ev) => {
    ev.preventDefault();
    const ack = await conn.command("MarkKeyPoint", { text: $("kp-text").value.trim() });
    if (ack.ok) ev.target.reset();
  });
  $("join-form").addEventListener("submit", async (ev) => {
    ev.preventDefault();
    const ack = await conn.join($("join-name").value.trim());
    if (ack.ok && view) render(view);
  });
})();
