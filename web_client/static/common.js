/* Gongzhi pages, shared part: safe DOM helpers, the speaking clock, captions, vote counts and the Chinese
 * wording of states and errors. The connection to the server is protocol.js, loaded after this file.
 * Everything a user typed (names, titles, captions) goes into the page with textContent only. */
"use strict";

(function () {
  const ERRORS = {
    forbidden: "您没有权限进行此操作",
    wrong_state: "现在不能进行此操作（会议状态不符）",
    not_present: "请先加入会议",
    not_found: "找不到相关内容，可能已被更改",
    duplicate: "已经操作过了，不能重复",
    limit: "超出上限：本轮发言次数已满，或人数超过了现场可投票人数",
    invalid: "输入的内容不正确，请检查后再试",
    no_quorum: "到会人数不足法定人数，暂不能表决",
    not_a_voter: "列席人员和会务人员不参加表决，不能提出或附议动议（旁听人员也是如此）",
    listeners_may_not_speak: "旁听人员需主持人允许后才能举手发言",
    name_taken: "已有同名居民参会",
    bad_name: "姓名中不能有控制字符、文字方向控制符或零宽字符",
    reserved_name: "「主持人」等会务职务称谓不能用作姓名",
    hall_count_missing: "现场举手结果还没有录入，请记录员先录入（无人举手也请录入 0）",
    too_large: "内容太长，请缩短后再试",
    unknown_event: "服务器暂不支持此功能",
    not_connected: "尚未连上服务器，请稍候",
    internal: "服务器出错，未做任何更改，请稍后再试",
    bad_sdp: "语音连接参数有误",
    too_many_tracks: "语音连接有误（音轨过多）",
    too_many_connections: "连接数已满，请稍后再试",
    not_your_turn: "还没轮到您发言，主持人给您发言权后麦克风会自动打开",
    rate_limited: "操作太频繁，请稍后再试",
    no_token: "链接缺少凭证，请使用完整的参会链接",
    bad_token: "链接已损坏，请重新扫码",
    forged_token: "链接无效，请向工作人员索取新链接",
    expired_token: "链接已过期，请向工作人员索取新链接",
    wrong_meeting: "链接属于另一场会议",
    wrong_role: "链接身份不符",
    link_revoked: "此链接已被收回，请向社区工作人员索取新的邀请",
    not_on_roster: "此人不在本次会议的名册中",
    taken_over: "您已在另一台设备上进入会议",
    timeout: "网络超时，请重试",
    offline: "网络未连接，请稍后再试",
  };
  const MOTION_STATUS = {
    moved: "待附议", seconded: "已附议", voting: "表决中", passed: "已通过", failed: "未通过",
    withdrawn: "已撤回",
  };
  const THRESHOLDS = {
    majority_cast: "投票过半数", majority_present: "到会过半数", two_thirds: "三分之二多数",
    three_quarters: "四分之三多数", fraction: "自定义比例",
  };
  const ROLES = {
    moderator: "主持人", timer: "计时员", recorder: "记录员", participant: "居民", observer: "观察员",
    guest: "列席",
  };
  const CHOICES = { yes: "赞成", no: "反对", abstain: "弃权" };

  const $ = (id) => document.getElementById(id);

  /** el("p", {className: "x", text: "…", onclick}, [children]) — text only, never HTML. */
  function el(tag, props, children) {
    const node = document.createElement(tag);
    for (const [k, v] of Object.entries(props || {})) {
      if (v === undefined || v === null || v === false) continue;
      if (k === "text") node.textContent = String(v);
      else if (k === "className") node.className = v;
      else if (k.startsWith("on")) node.addEventListener(k.slice(2), v);
      else if (k === "dataset") Object.assign(node.dataset, v);
      else node.setAttribute(k, v === true ? "" : String(v));
    }
    for (const c of children || []) {
      if (c !== null && c !== undefined) node.append(typeof c === "string" ? document.createTextNode(c) : c);
    }
    return node;
  }

  function fill(node, children) {
    node.replaceChildren(...children.filter((c) => c !== null && c !== undefined));
  }

  function show(node, visible) {
    if (node) node.hidden = !visible;
  }

  // Refusals whose message the server words for the person (in Chinese): it says what to do instead.
  const WORDED = new Set(["name_taken", "bad_name", "reserved_name", "not_in_scope", "household_voted", "area_unknown"]);

  function errorText(error) {
    if (!error) return "操作失败";
    if (WORDED.has(error.code) && error.message) return String(error.message);
    return ERRORS[error.code] || "操作失败（" + String(error.code || "未知错误") + "）";
  }

  /* A toast is a short line at the top of the screen, away from the captions and the buttons below; news
   * goes after a few seconds, an error stays a little longer; a tap dismisses it. */
  let toastTimer = 0;
  function toast(text, kind) {
    const t = $("toast");
    if (!t) return;
    t.textContent = text;
    t.className = "toast " + (kind || "error");
    t.hidden = false;
    t.onclick = () => { t.hidden = true; };
    clearTimeout(toastTimer);
    toastTimer = setTimeout(() => { t.hidden = true; }, kind === "ok" || kind === "info" ? 3500 : 6000);
  }

  function fmtClock(seconds) {
    const s = Math.max(0, Math.ceil(seconds));
    return Math.floor(s / 60) + ":" + String(s % 60).padStart(2, "0");
  }

  function names(view) {
    const out = {};
    for (const p of (view && view.participants) || []) out[p.participant_id] = p.name;
    return out;
  }

  // The participants of the latest view, by id (protocol.js keeps it current): for the badges of
  // captions, which arrive with a participant id only.
  let people = {};
  function knowPeople(view) {
    const out = {};
    for (const p of (view && view.participants) || []) out[p.participant_id] = p;
    people = out;
  }

  /** A name as every page shows it: the name (text only, never HTML) and a badge saying what the person
   * is in the meeting — 主持人, 计时员, 记录员, 居民, 列席 · organisation, 旁听 — from the role the server
   * gave them, never from the name, so a resident cannot pass for an official by what they typed.
   * `opts` (a participant row, a queue entry, the floor) may carry `listener` and `organisation`. */
  function nameWithBadge(name, role, opts) {
    const o = opts || {};
    let badge = ROLES[role] || "";
    let kind = role || "unknown";
    if (role === "guest") badge = "列席" + (o.organisation ? " · " + o.organisation : "");
    else if (o.listener) { badge = "旁听"; kind = "listener"; }
    return el("span", { className: "named" }, [
      el("span", { className: "who-name", text: name }),
      badge ? el("span", { className: "tag role-badge " + kind, dataset: { role: kind }, text: badge }) : null,
    ]);
  }

  /** nameWithBadge for a participant id of the latest view (captions, vote lists). */
  function badgeFor(participantId, fallbackName) {
    const p = people[participantId];
    return p ? nameWithBadge(p.name, p.role, p) : nameWithBadge(fallbackName || "", null);
  }

  function currentItem(view) {
    if (!view || view.current_item === null || view.current_item === undefined) return null;
    return view.agenda[view.current_item] || null;
  }

  function headerLine(view) {
    const m = view.meeting;
    if (m.status === "closed") return "会议已结束";
    if (m.status === "scheduled") return "会议尚未开始";
    const item = currentItem(view);
    return item ? "议题 " + (item.index + 1) + "：" + item.title : "会议进行中";
  }

  /** Vote counts, the one way every page writes them: "赞成 3 · 反对 1 · 弃权 0". */
  function countsText(counts) {
    const c = counts || { yes: 0, no: 0, abstain: 0 };
    return ["yes", "no", "abstain"].map((k) => CHOICES[k] + " " + c[k]).join(" · ");
  }

  function resultText(result) {
    const verdict = result.passed ? "通过" : (result.quorum_met ? "未通过" : "未通过（不足法定人数）");
    // A closed vote under a voting rule says which (and what it was counted against): rule_text.
    return verdict + " · " + countsText(result.totals) + (result.rule_text ? "。" + result.rule_text : "");
  }

  /** Whether someone online has a device in the meeting now: 「在线」, or 「已断开 HH:MM」 since when. */
  function connectionText(person) {
    if (!person || person.channel !== "online" || !person.present) return "";
    if (person.connected !== false) return "在线";
    const at = person.disconnected_at ? new Date(person.disconnected_at * 1000) : null;
    const hhmm = at ? String(at.getHours()).padStart(2, "0") + ":" + String(at.getMinutes()).padStart(2, "0") : "";
    return "已断开" + (hhmm ? " " + hhmm : "");
  }

  /** A mover or seconder: one in the hall, without a device, had the recorder enter it for them. */
  function inPerson(enteredBy) {
    return enteredBy ? "（现场，记录员代录）" : null;
  }

  function motionTitle(view, motionId) {
    for (const m of view.motions || []) {
      if (m.motion_id === motionId) return m.title;
      for (const a of m.amendments || []) if (a.motion_id === motionId) return a.title;
    }
    return "动议";
  }

  /** The open vote (#vote-card, #vote-title, #vote-info) and the latest result (#result-card, …). */
  function renderVoteAndResult(v) {
    const poll = v.vote;
    show($("vote-card"), Boolean(poll));
    if (poll) {
      $("vote-title").textContent = poll.title;
      // Yes/no while open only for a named vote whose meeting shows running counts (poll.online).
      let info = "已投 " + poll.ballots_cast + " 票";
      if (poll.online) info += " · 线上 " + countsText(poll.online);
      else info += "，结果在表决结束后公布";
      if (poll.room) info += (poll.per_person ? " · 现场代录 " : " · 现场举手 ") + countsText(poll.room);
      if (poll.per_person) info += "。" + poll.rule_text; // a roster scope, households, art. 278
      $("vote-info").textContent = info;
    }
    const last = v.results.length ? v.results[v.results.length - 1] : null;
    show($("result-card"), Boolean(last) && !poll);
    if (!last) return;
    $("result-title").textContent = motionTitle(v, last.motion_id);
    $("result-text").textContent = resultText(last);
    $("result-card").dataset.passed = last.passed ? "1" : "0";
  }

  /** changed(key, deps, fn): run fn only when deps differ from the last call with this key. */
  function changed() {
    const last = {};
    return (key, deps, fn) => {
      const now = JSON.stringify(deps);
      if (last[key] === now) return;
      last[key] = now;
      fn();
    };
  }

  /** The agenda as a list; `extra(item)` may add a node (e.g. the moderator's button) to each item. */
  function renderAgenda(ol, view, extra) {
    fill(ol, view.agenda.map((item) => el("li", { className: item.current ? "current" : "" }, [
      el("span", { text: item.title }),
      el("span", { className: "hint nowrap", text: "（" + item.planned_minutes + " 分钟）" }),
      item.current ? el("strong", { className: "tag", text: "进行中" }) : null,
      topicLink(view, item),
      extra ? extra(item) : null,
    ])));
  }

  /** An agenda item from a residents' topic links to its timeline, where the research report is. */
  function topicLink(view, item) {
    const community = view.meeting && view.meeting.community_id;
    if (!item.topic_id || !community) return null;
    const t = new URLSearchParams(location.search).get("t") || "";
    return el("a", {
      className: "topic-report", target: "_blank", rel: "noopener", text: "调研报告与进展",
      href: "/c/" + community + "/topics/" + item.topic_id + "?t=" + encodeURIComponent(t),
    });
  }

  /** Motions of the meeting with their amendments; `extra(motion)` may add buttons. */
  function renderMotions(ul, view, extra) {
    const node = (m, amendment) => el("li", { className: "motion " + m.status, dataset: { motion: m.motion_id } }, [
      el("p", { className: "motion-title" }, [
        amendment ? el("span", { className: "tag", text: "修正案" }) : null,
        el("strong", { text: m.title }),
        el("span", { className: "tag status", text: MOTION_STATUS[m.status] || m.status }),
      ]),
      el("p", { className: "motion-text", text: m.text }),
      el("p", { className: "hint" }, [
        "提议人：", badgeFor(m.mover, m.mover_name), inPerson(m.entered_by),
        m.seconder_name ? " · 附议人：" : null,
        m.seconder_name ? badgeFor(m.seconder, m.seconder_name) : null,
        m.seconder_name ? inPerson(m.second_entered_by) : null,
      ]),
      extra ? extra(m) : null,
      m.amendments && m.amendments.length ? el("ul", {}, m.amendments.map((a) => node(a, true))) : null,
    ]);
    fill(ul, (view.motions || []).map((m) => node(m, false)));
  }

  /* ------------------------------------------------------------------ the speaking clock
   * The view carries remaining_s as of its broadcast; between updates the page counts down locally. */
  const clock = { floor: null, at: 0, warningS: 30, expiredUntil: 0, expiredName: "", item: null, closed: false };
  const clockViews = [];
  // The words beside the time (no time at all when nobody has the floor).
  const CLOCK_LABELS = { idle: "未开始", ready: "未计时", paused: "暂停", expired: "时间到" };

  function setClock(view) {
    // The 「时间到」 of an ended floor stays up a few seconds, but never over what comes next.
    if (view.floor || view.vote || view.meeting.status !== "open" || view.current_item !== clock.item) {
      clock.expiredUntil = 0;
    }
    clock.item = view.current_item;
    clock.closed = view.meeting.status === "closed";
    clock.floor = view.floor;
    clock.at = performance.now();
    clock.warningS = view.meeting.settings.warning_s;
  }

  function remainingNow() {
    const f = clock.floor;
    if (!f || f.clock.remaining_s === null) return null;
    const c = f.clock;
    return c.running ? c.remaining_s - (performance.now() - clock.at) / 1000 : c.remaining_s;
  }

  function clockState() {
    const f = clock.floor;
    if (!f) {
      if (performance.now() < clock.expiredUntil) return { state: "expired", left: 0, name: clock.expiredName };
      return { state: clock.closed ? "closed" : "idle", left: null, name: "" };
    }
    const left = remainingNow();
    let state = "normal";
    if (left !== null && left <= 0) state = "expired";
    else if (f.clock.warned || (left !== null && left <= clock.warningS)) state = "warning";
    if (!f.clock.running && state !== "expired") state = f.clock.started ? "paused" : "ready";
    return { state, left, name: f.name, running: f.clock.running, warn: f.clock.warned || left <= clock.warningS };
  }

  /** Keep `node` showing the countdown: .clock-time (m:ss) and .clock-label (未计时, 暂停, 时间到, 未开始),
   * data-clock = idle|ready|normal|warning|paused|expired|closed; after the meeting it is hidden. */
  function bindClock(node) {
    const time = el("span", { className: "clock-time" });
    const label = el("span", { className: "clock-label" });
    node.replaceChildren(time, label);
    clockViews.push({ node, time, label });
    paintClocks();
  }

  function setText(node, text) {
    if (node.textContent !== text) node.textContent = text;
  }

  function paintClocks() {
    const s = clockState();
    for (const { node, time, label } of clockViews) {
      setText(time, s.left === null ? "" : fmtClock(s.left));
      setText(label, CLOCK_LABELS[s.state] || "");
      node.dataset.clock = s.state;
      node.hidden = s.state === "closed";
      if (s.state === "paused" || s.state === "ready") node.classList.toggle("warn", s.warn);
      else node.classList.remove("warn");
    }
  }
  setInterval(paintClocks, 250);

  function noteFloorEnded(record, view) {
    if (record.type === "FloorExpired") {
      clock.expiredUntil = performance.now() + 5000;
      clock.expiredName = names(view)[record.payload.participant_id] || "";
    }
  }

  /* ------------------------------------------------------------------ captions */
  function captionBox(container, opts) {
    const max = (opts && opts.max) || 200;
    const partials = {};
    const corrections = {};
    function corrected(node, text) {
      node.querySelector(".what").textContent = text;
      if (!node.querySelector(".fixed")) {
        node.querySelector(".what").after(el("span", { className: "fixed", text: "已更正", title: "记录员已更正此条字幕" }));
      }
    }
    function line(participantId, name, text, partial) {
      return el("p", { className: partial ? "cap partial" : "cap" }, [
        name || people[participantId] ? el("span", { className: "who" }, [badgeFor(participantId, name), "："]) : null,
        el("span", { className: "what", text }),
      ]);
    }
    function trim() {
      while (container.children.length > max) container.firstElementChild.remove();
    }
    const atEnd = () => container.scrollHeight - container.scrollTop - container.clientHeight < 40;
    function keepBottom(fn) {
      const was = atEnd();
      fn();
      if (was) container.scrollTop = container.scrollHeight;
    }
    // The newest line stays in view when the box changes size (the hall's laptop going full screen, a
    // phone turned), unless the reader has scrolled back.
    let following = true;
    container.addEventListener("scroll", () => { following = atEnd(); });
    new ResizeObserver(() => { if (following) container.scrollTop = container.scrollHeight; }).observe(container);
    return {
      commit(record, view, extra) {
        const p = record.payload;
        keepBottom(() => {
          const old = partials[p.turn_id];
          if (old) { old.remove(); delete partials[p.turn_id]; }
          knowPeople(view);
          const node = line(p.participant_id, names(view)[p.participant_id] || "", p.text, false);
          node.dataset.seq = record.seq;
          if (p.caption_id) node.dataset.captionId = p.caption_id;
          if (extra) node.append(extra(record, node));
          container.append(node);
          trim();
          const fix = corrections[p.caption_id];
          if (fix) corrected(node, fix);
        });
      },
      /** A CaptionCorrected record: the caption's line shows the recorder's text, marked 已更正 (the
       * original stays in the record). A correction of a line not shown (yet) is kept for it. */
      correct(record) {
        const p = record.payload;
        corrections[p.caption_id] = p.text;
        const node = [...container.children].find((n) => n.dataset.captionId === p.caption_id);
        if (node) corrected(node, p.text);
      },
      partial(msg) {
        keepBottom(() => {
          const node = line(msg.participant_id, msg.name || "", msg.text, true);
          const old = partials[msg.turn_id];
          if (old) old.replaceWith(node); else container.append(node);
          partials[msg.turn_id] = node;
        });
      },
      endTurn(turnId) {
        const old = partials[turnId];
        if (old) { old.classList.remove("partial"); delete partials[turnId]; }
      },
    };
  }

  /** The 大字 switch: a button that toggles large captions, remembered on this device. */
  function bigTextSwitch(button, target) {
    const key = "gongzhi:bigtext";
    const apply = (on) => {
      target.classList.toggle("big-text", on);
      button.setAttribute("aria-pressed", on ? "true" : "false");
      button.textContent = on ? "大字：开" : "大字：关";
    };
    apply(localStorage.getItem(key) === "1");
    button.addEventListener("click", () => {
      const on = !target.classList.contains("big-text");
      localStorage.setItem(key, on ? "1" : "0");
      apply(on);
    });
  }

  /** A button that runs `onClick` (usually a command) and stays disabled until it is answered. */
  function actionButton(text, onClick, className) {
    const b = el("button", { type: "button", className: className || "btn", text });
    b.addEventListener("click", async () => {
      b.disabled = true;
      try { await onClick(); } finally { b.disabled = false; }
    });
    return b;
  }

  window.GZ = {
    $, el, fill, show, toast, errorText, fmtClock, names, currentItem, headerLine, countsText, resultText,
    motionTitle, bindClock, clockState, setClock, paintClocks, noteFloorEnded, captionBox, bigTextSwitch,
    actionButton, renderAgenda, renderMotions, changed, renderVoteAndResult, connectionText,
    nameWithBadge, badgeFor, knowPeople,
    MOTION_STATUS, THRESHOLDS, ROLES, CHOICES,
  };
})();
