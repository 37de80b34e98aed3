/* Resident page (phone): join with a name, follow the meeting, raise a hand, speak when given the floor
 * (microphone over WebRTC), vote. */
"use strict";

(function () {
  const { $, el, fill, show, toast, errorText, names, headerLine, resultText, motionTitle, CHOICES } = GZ;
  const me = () => conn.me;
  const ballot = { motion: null, eligible: null, voted: false, choice: null };
  const mic = { turn: null, pc: null, stream: null, answered: false, retries: 0, lost: false };
  const ENDED = { FloorExpired: "expired", FloorYielded: "yielded", FloorRevoked: "revoked" };
  let view = null;

  const listening = GZ.listenControl($("listen-btn"), $("listen-status"), $("listen-audio"), $("listen-audio").dataset.src);
  const captions = GZ.captionBox($("captions"), { max: 60 });
  GZ.bigTextSwitch($("bigtext"), $("captions"));
  GZ.bindClock($("clock"));

  const conn = GZ.connect({
    quiet: (event) => event === "rtc_offer" || event === "rtc_close",
    onWelcome(w) {
      // The server closes a socket's audio when the socket drops: after reconnecting, still holding the
      // floor, offer again.
      const f = w.view.floor;
      if (mic.lost && mic.turn && f && f.turn_id === mic.turn) reopen();
      mic.lost = false;
      const you = w.view.you;
      if (you && w.view.vote) {
        ballot.motion = w.view.vote.motion_id;
        ballot.eligible = you.may_vote || you.has_voted;
        ballot.voted = you.has_voted;
      }
    },
    onEvent(record, v) {
      const p = record.payload;
      switch (record.type) {
        case "CaptionCommitted": captions.commit(record, v); break;
        case "CaptionCorrected": captions.correct(record); break;
        case "VoteOpened":
          Object.assign(ballot, { motion: p.motion_id, eligible: p.eligible_online.includes(me()), voted: false, choice: null });
          break;
        case "BallotCast":
          if (p.participant_id && p.participant_id === me()) ballot.voted = true;
          break;
        case "FloorExpired": case "FloorYielded": case "FloorRevoked":
          captions.endTurn(p.turn_id);
          if (p.turn_id === mic.turn) closeMic(ENDED[record.type]);
          break;
      }
    },
    onTransient(msg) { if (msg.kind === "caption_partial") captions.partial(msg); },
    onMic(msg) {
      if (msg.open) openMic(msg.turn_id);
      else if (!msg.turn_id || msg.turn_id === mic.turn) closeMic(msg.reason);
    },
    onView: render,
  });
  conn.socket.on("disconnect", () => { mic.lost = true; });

  /* ---------------------------------------------------------------- rendering */
  function render(v) {
    view = v;
    $("item-title").textContent = headerLine(v);
    const joined = Boolean(me());
    const open = v.meeting.status === "open";
    const closed = v.meeting.status === "closed";
    show($("join-card"), !joined && !closed);
    const myself = joined ? (v.participants || []).find((p) => p.participant_id === me()) : null;
    fill($("me-name"), myself ? [GZ.nameWithBadge(myself.name, myself.role, myself)] : []);
    show($("me-line"), Boolean(myself));
    show($("closed-note"), closed);

    // 旁听 (no roster entry in a meeting with a roster): listens and reads captions, never votes or moves;
    // a hand only while the moderator allows it.
    const self = joined ? v.participants.find((p) => p.participant_id === me()) : null;
    const listener = Boolean(self && self.listener);
    show($("listener-note"), listener && !closed);
    const f = v.floor;
    const mine = joined && f && f.participant_id === me();
    fill($("speaker"), f ? [GZ.nameWithBadge(f.name, f.role, f), mine ? "（您）" : null] : ["暂无"]);
    show($("me-speaking"), Boolean(mine));
    listening.update(v, joined ? me() : null); // muted while this resident speaks: no echo of their own voice
    // The view is the truth: mic messages may be lost in a network drop, the floor in the view is not.
    if (mine) openMic(f.turn_id);
    else if (mic.turn) closeMic();

    renderQueue(v, joined, open, mine, listener && !v.meeting.listeners_may_speak);
    renderVote(v, joined && !listener);
    renderResult(v);
    GZ.renderMotions($("motions"), v, (m) => {
      if (!joined || listener || !open || m.status !== "moved" || m.mover === me()) return null;
      return GZ.actionButton("附议", () => conn.command("SecondMotion", { motion_id: m.motion_id }), "btn");
    });
    const canMove = joined && !listener && open && v.current_item !== null;
    show($("motion-details"), canMove);
    show($("motion-hint"), !canMove && !closed);
    $("motion-hint").textContent = listener ? "旁听人员不提出、不附议动议"
      : joined ? "议题开始后可提出动议" : "进入会议后可提出、附议动议";
    GZ.renderAgenda($("agenda"), v);
  }

  function renderQueue(v, joined, open, mine, handBarred) {
    const q = v.queue;
    fill($("queue"), q.map((e) => el("li", { className: e.participant_id === me() ? "me" : "" }, [
      GZ.nameWithBadge(e.name, e.role, e), e.participant_id === me() ? el("strong", { text: "（您）" }) : null,
    ])));
    show($("queue-empty"), q.length === 0);
    const entry = q.find((e) => e.participant_id === me());
    const place = $("my-place");
    show(place, Boolean(entry));
    if (entry) place.textContent = entry.position === 1 ? "您排在第 1 位，下一个就是您" : "您排在第 " + entry.position + " 位";
    const hand = $("hand-btn");
    show(hand, joined && open && v.current_item !== null && !mine && (!handBarred || Boolean(entry)));
    show($("hand-hint"), joined && v.meeting.status !== "closed" && (v.current_item === null || (handBarred && !entry)));
    $("hand-hint").textContent = handBarred ? "旁听人员需主持人允许后才能举手发言" : "议题开始后可举手发言";
    hand.textContent = entry ? "放下手（取消发言）" : "举手发言";
    hand.dataset.raised = entry ? "1" : "0";
  }

  function renderVote(v, joined) {
    const poll = v.vote;
    show($("vote-card"), Boolean(poll) && joined);
    if (!poll) return;
    if (ballot.motion !== poll.motion_id) Object.assign(ballot, { motion: poll.motion_id, eligible: null, voted: false });
    if (!poll.secret && poll.voters) {
      const mine = poll.voters.find((x) => x.participant_id === me());
      if (mine) Object.assign(ballot, { voted: true, choice: mine.choice });
    }
    $("vote-title").textContent = poll.title;
    // A voting rule (core/vote_rules.py) is said in full: who may vote, and what carries it.
    $("vote-info").textContent = (poll.secret ? "无记名投票" : "记名投票") + " · " +
      (poll.per_person || poll.threshold === "fraction" ? poll.rule_text : "通过条件：" + (GZ.THRESHOLDS[poll.threshold] || poll.threshold)) +
      " · 已投 " + poll.ballots_cast + " 票";
    // A secret vote with a hall part and very few online voters: told above the buttons before casting.
    show($("vote-secrecy"), Boolean(poll.secrecy_at_risk));
    $("vote-secrecy").textContent = poll.secrecy_at_risk
      ? "请注意：本次无记名表决线上只有 " + poll.eligible_online + " 人可以投票。会场计票的人知道会场票数，" +
        "可以用合计减去会场票数推算出线上的选择，您的选择无法完全保密。您仍可投票。" : "";
    const done = $("vote-done");
    const canVote = !ballot.voted && ballot.eligible !== false;
    show($("vote-buttons"), canVote);
    show(done, !canVote);
    if (ballot.voted) done.textContent = "您已投票" + (ballot.choice ? "：" + CHOICES[ballot.choice] : "") + "，请等待结果";
    // Outside a per-person vote's scope (a unit's residents, 议事代表 …): say who may vote.
    else if (ballot.eligible === false && poll.per_person) done.textContent = "本次表决仅限" + poll.scope_text + "参加（以表决开始时到会者为准）";
    else if (ballot.eligible === false) done.textContent = "您在表决开始后加入，本次不能投票";
  }

  function renderResult(v) {
    const last = v.results.length ? v.results[v.results.length - 1] : null;
    show($("result-card"), Boolean(last) && !v.vote);
    if (!last) return;
    $("result-title").textContent = motionTitle(v, last.motion_id);
    $("result-text").textContent = resultText(last);
    $("result-card").dataset.passed = last.passed ? "1" : "0";
  }

  /* ---------------------------------------------------------------- actions */
  $("join-form").addEventListener("submit", async (ev) => {
    ev.preventDefault();
    const name = $("join-name").value.trim();
    if (!name) return;
    const ack = await conn.join(name);
    if (ack.ok && view) render(view);
  });

  $("hand-btn").addEventListener("click", async (ev) => {
    const b = ev.currentTarget;
    b.disabled = true;
    try { await conn.command(b.dataset.raised === "1" ? "LowerHand" : "RaiseHand"); } finally { b.disabled = false; }
  });

  $("yield-btn").addEventListener("click", () => conn.command("YieldFloor"));
  function reopen() {
    const turn = mic.turn;
    releaseMedia();
    mic.turn = null;
    if (turn) openMic(turn, true);
  }
  $("mic-retry").addEventListener("click", () => { mic.retries = 0; reopen(); });

  for (const b of document.querySelectorAll("#vote-buttons button")) {
    b.addEventListener("click", async () => {
      if (!view || !view.vote) return;
      const choice = b.dataset.choice;
      const fields = { motion_id: view.vote.motion_id, choice };
      const ack = await conn.command("CastVote", fields);
      if (ack.ok || (ack.error && ack.error.code === "duplicate")) {
        Object.assign(ballot, { voted: true, choice: ack.ok ? choice : null });
        renderVote(view, true);
      }
    });
  }

  $("motion-form").addEventListener("submit", async (ev) => {
    ev.preventDefault();
    const ack = await conn.command("MoveMotion", { title: $("motion-title").value.trim(), text: $("motion-text").value.trim() });
    if (ack.ok) {
      ev.target.reset();
      $("motion-details").open = false;
      toast("动议已提交，等待他人附议", "ok");
    }
  });

  /* ---------------------------------------------------------------- the microphone (WebRTC) */
  function setMic(state, text) {
    const s = $("mic-status");
    s.dataset.mic = state;
    s.textContent = text;
    show($("mic-retry"), state === "failed");
  }

  async function openMic(turnId, again) {
    if (mic.turn === turnId) return;
    closeMic();
    mic.turn = turnId;
    if (!again) mic.retries = 0;
    setMic("opening", "正在打开麦克风…");
    const stale = () => mic.turn !== turnId;
    try {
      const stream = await GZ.rtc.openMicStream();
      if (stale()) { stream.getTracks().forEach((t) => t.stop()); return; }
      mic.stream = stream;
      setMic("connecting", "正在连接语音…");
      const watch = (pc) => {
        if (mic.pc !== pc) return;
        if (pc.connectionState === "connected") setMic("on", "麦克风已打开，请讲话");
        if (pc.connectionState === "failed") {
          // A network change on the phone: try again by itself (a few times) while the floor is still ours.
          if (mic.retries >= 3) { setMic("failed", "语音连接中断"); return; }
          setMic("connecting", "语音连接中断，正在重新连接…");
          mic.retries += 1;
          setTimeout(() => { if (mic.pc === pc) reopen(); }, 1000);
        }
      };
      const { pc, ack } = await GZ.rtc.offerAudio(conn, stream, { stale, onState: watch });
      if (stale()) return;
      if (!pc) {
        releaseMedia();
        setMic("failed", "麦克风未能连接：" + errorText(ack && ack.error));
        return;
      }
      mic.pc = pc;
      mic.answered = true;
      watch(pc);
      setTimeout(() => {
        if (mic.pc === pc && pc.connectionState !== "connected") setMic("failed", "语音连接超时");
      }, 15000);
    } catch (e) {
      if (stale()) return;
      releaseMedia();
      setMic("failed", GZ.rtc.micErrorText(e));
    }
  }

  function releaseMedia() {
    if (mic.stream) mic.stream.getTracks().forEach((t) => t.stop());
    if (mic.pc) mic.pc.close();
    if (mic.answered) conn.call("rtc_close", {});
    mic.stream = null;
    mic.pc = null;
    mic.answered = false;
  }

  function closeMic(reason) {
    if (!mic.turn) return;
    releaseMedia();
    mic.turn = null;
    const why = { expired: "发言时间到，麦克风已关闭", revoked: "主持人已结束您的发言", yielded: "您已结束发言" }[reason];
    setMic("off", why || "麦克风已关闭");
    if (reason) toast(why, "info");
  }

  window.gzMic = mic; // the browser tests read the microphone's state
})();
