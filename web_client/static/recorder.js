/* Recorder page: check in people in the hall, enter show-of-hands counts, follow the transcript and mark
 * key points; when the meeting closes, a draft of the minutes built from the log. */
"use strict";

(function () {
  const { $, el, fill, show, toast, names, headerLine, countsText, resultText, motionTitle, actionButton } = GZ;
  let view = null;
  GZ.bindClock($("clock"));

  const captions = GZ.captionBox($("captions"), { max: 500 });
  const markButton = (record) => actionButton("标记要点", async () => {
    const ack = await conn.command("MarkKeyPoint", { text: record.payload.text.slice(0, 500), caption_seq: record.seq });
    if (ack.ok) toast("已标记为要点", "ok");
  }, "btn small");

  const conn = GZ.connect({
    history: true, // the whole log: the live transcript shows every caption of the meeting
    onEvent(record, v) {
      switch (record.type) {
        case "CaptionCommitted":
          captions.commit(record, v, markButton);
          break;
      }
    },
    onTransient(msg) { if (msg.kind === "caption_partial") captions.partial(msg); },
    onView: render,
  });

  function render(v) {
    view = v;
    $("item-title").textContent = headerLine(v);
    const joined = Boolean(conn.me);
    show($("join-card"), !joined);
    show($("controls"), joined);
    $("speaker").textContent = v.floor ? "当前发言：" + v.floor.name : "暂无发言";
    const room = v.participants.filter((p) => p.channel === "room" && p.present);
    $("room-count").textContent = "现场已签到 " + room.length + " 人";
    fill($("room-people"), room.map((p) => el("li", {}, [
      el("span", { className: "name", text: p.name }),
      el("span", { className: "hint", text: [p.building, p.unit].filter(Boolean).join(" ") }),
      actionButton("签退", () => conn.command("CheckOutInRoom", { participant_id: p.participant_id }), "btn danger small"),
    ])));
    const poll = v.vote;
    show($("hands-card"), Boolean(poll));
    show($("hands-none"), !poll);
    if (poll) {
      $("hands-title").textContent = poll.title;
      $("hands-info").textContent = "现场可投票 " + poll.room_present + " 人" +
        (poll.room ? " · 已录入：" + countsText(poll.room) : "");
    }
    fill($("results"), v.results.slice().reverse().map((r) => el("li", {}, [
      el("span", { className: "name", text: motionTitle(v, r.motion_id) }), el("span", { text: resultText(r) }),
    ])));
    fill($("key-points"), v.key_points.slice().reverse().map((k) => el("li", { text: k.text })));
    show($("minutes-card"), v.meeting.status === "closed");
  }

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
    if (ack.ok) toast("举手结果已录入", "ok");
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
