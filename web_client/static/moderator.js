/* Moderator page (tablet): agenda, queue, floor and clock, live captions, rounds, motions and votes, closing
 * the meeting. */
"use strict";

(function () {
  const { $, el, fill, show, toast, headerLine, countsText, resultText, motionTitle, actionButton, ROLES } = GZ;
  let view = null;
  const changed = GZ.changed();
  GZ.bindClock($("clock"));
  const captions = GZ.captionBox($("captions"), { max: 100 });

  const conn = GZ.connect({
    onEvent(record, v) {
      if (record.type === "CaptionCommitted") captions.commit(record, v);
      if (record.type === "CaptionCorrected") captions.correct(record);
    },
    onTransient(msg) { if (msg.kind === "caption_partial") captions.partial(msg); },
    onView: render,
  });
  const cmd = (type, fields) => () => conn.command(type, fields);
  const button = (text, type, fields, cls) => actionButton(text, cmd(type, fields), cls || "btn");

  /** A button that asks for a second tap before doing something that cannot be undone. */
  function confirmButton(text, confirmText, run, cls) {
    const b = el("button", { type: "button", className: cls || "btn danger", text });
    let armed = 0;
    b.addEventListener("click", async () => {
      if (!armed) {
        b.textContent = confirmText;
        armed = setTimeout(() => { armed = 0; b.textContent = text; }, 5000);
        return;
      }
      clearTimeout(armed);
      armed = 0;
      b.disabled = true;
      try { await run(); } finally { b.disabled = false; b.textContent = text; }
    });
    return b;
  }

  function render(v) {
    view = v;
    $("item-title").textContent = headerLine(v);
    const joined = Boolean(conn.me);
    show($("join-card"), !joined);
    show($("controls"), joined);
    const m = v.meeting;
    const open = m.status === "open";
    const f = v.floor;
    fill($("speaker"), [f ? GZ.nameWithBadge(f.name, f.role, f) : "暂无"]);
    renderFloorButtons(f, joined);

    // 到会 counts voters in the hall and online residents connected now (旁听 never counts).
    $("quorum").textContent = "到会 " + m.present_voters + " 人 · 法定人数 " + m.quorum_min + " 人 · " +
      (m.quorum_met ? "已达到" : "未达到") + (m.listeners ? " · 旁听 " + m.listeners + " 人" : "");
    show($("listeners-row"), joined && m.has_roster && m.status !== "closed");
    $("listeners-state").textContent = m.listeners_may_speak ? "旁听人员现在可以举手发言" : "旁听人员现在不能举手";
    fill($("listeners-buttons"), [m.listeners_may_speak
      ? button("不再允许旁听人员举手", "AllowListenersToSpeak", { allowed: false }, "btn small")
      : button("允许旁听人员举手", "AllowListenersToSpeak", { allowed: true }, "btn small")]);
    fill($("meeting-buttons"), [
      m.status === "scheduled" ? button("开始会议", "OpenMeeting", {}, "btn primary") : null,
      open ? confirmButton("结束会议", "再点一次：确认结束会议", cmd("CloseMeeting")) : null,
      m.status === "closed" ? el("p", { className: "big", text: "会议已结束" }) : null,
    ]);
    GZ.renderAgenda($("agenda"), v, (item) =>
      open && !item.current ? button("开始此议题", "StartAgendaItem", { index: item.index }, "btn small") : null);

    const r = v.round;
    $("round-info").textContent = r.number ? "第 " + r.number + " 轮" + (r.open ? "（进行中）" : "（已结束）") +
      " · 每人每轮最多发言 " + r.max_turns + " 次" : "尚未开启轮次";
    fill($("round-buttons"), open && v.current_item !== null ? [
      r.open ? button("结束本轮", "CloseRound") : button("开启第 " + (r.number + 1) + " 轮", "OpenRound"),
    ] : []);

    renderQueue(v, open);
    renderVotes(v, open);
    fill($("results"), v.results.slice().reverse().map((res) => el("li", {}, [
      el("span", { className: "name", text: motionTitle(v, res.motion_id) }),
      el("span", { text: resultText(res) }),
    ])));
    fill($("people"), v.participants.map((p) => el("li", { dataset: { pid: p.participant_id } }, [
      el("span", { className: "name" }, [GZ.nameWithBadge(p.name, p.role, p)]),
      // A guest's tag already says 列席 and the organisation; everyone else gets role and channel.
      el("span", { className: "hint", text: (p.role === "guest" ? "现场" : (ROLES[p.role] || p.role) + " · " +
        (p.channel === "room" ? "现场" : "线上")) + (p.present ? "" : " · 已离开") }),
      // Who has a device in the meeting now: 「在线」, or 「已断开」 since when (out of 到会).
      p.channel === "online" && p.present ? el("span", {
        className: "conn-state", dataset: { connected: p.connected === false ? "0" : "1" }, text: GZ.connectionText(p),
      }) : null,
    ])));
  }

  function renderFloorButtons(f, joined) {
    if (!joined || !f) { fill($("floor-buttons"), []); return; }
    const c = f.clock;
    fill($("floor-buttons"), [
      !c.started ? button("开始计时", "StartClock", {}, "btn primary") : null,
      c.running ? button("暂停", "PauseClock") : null,
      c.started && !c.running ? button("继续", "ResumeClock", {}, "btn primary") : null,
      button("+30秒", "ExtendClock", { seconds: 30 }),
      button("+1分钟", "ExtendClock", { seconds: 60 }),
      button("收回发言权", "RevokeFloor", {}, "btn danger"),
    ]);
  }

  function renderQueue(v, open) {
    const q = v.queue;
    fill($("queue"), q.map((e, i) => el("li", { dataset: { pid: e.participant_id } }, [
      el("span", { className: "name" }, [e.position + ". ", GZ.nameWithBadge(e.name, e.role, e)]),
      el("span", { className: "hint", text: "本轮已发言 " + e.turns_this_round + " 次" }),
      button("请发言", "GrantFloor", { participant_id: e.participant_id }, "btn primary small"),
      i > 0 ? button("上移", "MoveInQueue", { participant_id: e.participant_id, position: e.position - 1 }, "btn small") : null,
      i < q.length - 1 ? button("下移", "MoveInQueue", { participant_id: e.participant_id, position: e.position + 1 }, "btn small") : null,
      button("移出", "RemoveFromQueue", { participant_id: e.participant_id }, "btn danger small"),
    ])));
    show($("queue-empty"), q.length === 0);
    $("grant-head").disabled = !open || q.length === 0 || Boolean(v.floor);
    const queued = new Set(q.map((e) => e.participant_id));
    const holder = v.floor && v.floor.participant_id;
    // People in the hall (no phone of their own) and 列席 guests (who may speak, never vote); online
    // residents raise their own hand.
    const candidates = v.participants.filter((p) => (p.role === "participant" || p.role === "guest") &&
      p.channel === "room" && p.present && !queued.has(p.participant_id) && p.participant_id !== holder);
    const select = $("add-person");
    const keep = select.value;
    const where = (p) => p.role === "guest" ? "（列席" + (p.organisation ? "，" + p.organisation : "") + "）"
      : "（现场" + (p.building ? "，" + p.building : "") + "）";
    fill(select, candidates.map((p) => el("option", { value: p.participant_id, text: p.name + where(p) })));
    if (candidates.some((p) => p.participant_id === keep)) select.value = keep;
    show($("add-form"), open && candidates.length > 0);
  }

  function renderVotes(v, open) {
    const poll = v.vote;
    show($("vote-live"), Boolean(poll));
    if (poll) {
      $("vote-title").textContent = poll.title;
      // A secret vote's hall count (paper ballots) is shown to no one: only whether it was entered.
      const room = poll.secret ? (poll.room_entered ? "现场票数已录入（无记名，不公开）" : "现场票数未录入")
        : poll.room ? "现场举手 " + countsText(poll.room) : "现场举手未录入";
      // Yes/no while open only for a named vote whose meeting shows running counts (poll.online).
      const online = "线上已投 " + poll.ballots_cast + " 票" + (poll.online ? "（" + countsText(poll.online) + "）"
        : poll.secret ? "（无记名）" : "（结果在表决结束后公布）");
      $("vote-counts").textContent = poll.per_person
        // A per-person rule: the recorder enters hall ballots one by one; the rule is said in full.
        ? "已投 " + poll.ballots_cast + " 票（线上可投 " + poll.eligible_online + " 人，现场代录 " + poll.room_eligible + " 人）· " + poll.rule_text
        : online + " · " + room + " · 可投票线上 " + poll.eligible_online + " 人";
      // The server refuses to close until the hall's hands are in: say so before the moderator tries.
      $("vote-hall").textContent = poll.secret
        ? "现场票数未录入：现场有 " + poll.room_present + " 人可投票，无记名表决请用纸质选票，" +
          "由记录员录入清点结果后再结束表决"
        : "现场举手未录入：现场有 " + poll.room_present + " 人可投票，" +
          "请记录员录入举手结果（无人举手也要录入 0）后再结束表决";
    }
    show($("vote-hall"), Boolean(poll) && poll.room_present > 0 && !poll.room_entered);
    // Re-drawn only when motions change, so a half-typed amendment survives other people's events.
    changed("motions", [v.motions, Boolean(v.vote), open, conn.me, v.vote_scopes], () =>
      GZ.renderMotions($("motions"), v, (m) => motionControls(m, v, open)));
  }

  function motionControls(m, v, open) {
    if (!open) return null;
    const box = el("div", { className: "buttons" });
    if (m.status === "moved") box.append(el("span", { className: "hint", text: "等待居民附议" }));
    if (m.mover === conn.me && (m.status === "moved" || m.status === "seconded")) {
      box.append(button("撤回", "WithdrawMotion", { motion_id: m.motion_id }, "btn danger small"));
    }
    if (m.status === "seconded" && !v.vote) {
      const secret = el("input", { type: "checkbox", id: "secret-" + m.motion_id });
      const form = GZ.voteRuleForm(v, m.motion_id); // scope, threshold, households, art. 278 (vote_rule.js)
      box.append(
        el("label", { for: "secret-" + m.motion_id }, [secret, " 无记名"]), form.node,
        actionButton("付诸表决", () => {
          const rule = form.rule();
          if (typeof rule === "string") { toast(rule); return Promise.resolve({ ok: false }); }
          return conn.command("OpenVote", { motion_id: m.motion_id, secret: secret.checked, threshold: rule.threshold, rule });
        }, "btn primary small"),
      );
    }
    if ((m.status === "moved" || m.status === "seconded") && !m.parent_id) {
      const details = el("details", {}, [el("summary", { text: "提出修正案" })]);
      const text = el("textarea", { rows: "2", maxlength: "2000", "aria-label": "修正后的内容" });
      text.value = m.text;
      details.append(text, actionButton("提交修正案", async () => {
        const ack = await conn.command("AmendMotion", { motion_id: m.motion_id, text: text.value.trim() });
        if (ack.ok) toast("修正案已提出，需附议后先行表决", "ok");
      }, "btn small"));
      box.append(details);
    }
    return box;
  }

  $("close-vote").addEventListener("click", () => view && view.vote && conn.command("CloseVote", { motion_id: view.vote.motion_id }));
  $("grant-head").addEventListener("click", () => conn.command("GrantFloor"));
  $("add-form").addEventListener("submit", (ev) => {
    ev.preventDefault();
    const pid = $("add-person").value;
    if (pid) conn.command("AddToQueue", { participant_id: pid });
  });
  $("motion-form").addEventListener("submit", async (ev) => {
    ev.preventDefault();
    const ack = await conn.command("MoveMotion", { title: $("motion-title").value.trim(), text: $("motion-text").value.trim() });
    if (ack.ok) ev.target.reset();
  });
  $("join-form").addEventListener("submit", async (ev) => {
    ev.preventDefault();
    const ack = await conn.join($("join-name").value.trim());
    if (ack.ok && view) render(view);
  });
})();
