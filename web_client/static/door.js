/* Recorder page, the door: check in roster people by search (name, household, phone tail) or by the
 * short code on their invitation slip. A person already online through their personal link is the same
 * participant: checking them in puts them in the hall, never a second identity. Loaded before
 * recorder.js; starts once every page script has run (the connection is window.gz). */
"use strict";

(function () {
  const { $, el, fill, toast } = GZ;
  const body = document.body;
  const MAX_ROWS = 20;
  let people = [];

  async function load() {
    try {
      const res = await fetch("/api/meetings/" + body.dataset.meeting + "/door?t=" + encodeURIComponent(body.dataset.token),
        { credentials: "omit", cache: "no-store" });
      const data = await res.json();
      people = data.ok ? data.people : [];
    } catch (e) {
      people = [];
    }
    $("door-card").hidden = people.length === 0;
    render();
  }

  function participant(p) {
    const view = window.gz && window.gz.view;
    return view ? (view.participants || []).find((x) => x.participant_id === "per-" + p.person_id) : null;
  }

  function stateText(p) {
    const x = participant(p);
    if (!x || !x.present) return "";
    return x.channel === "room" ? "已在现场签到" : "已线上参会";
  }

  function matches(p, q) {
    if (!q) return false;
    const hay = [p.name, p.household.replace(/\s+/g, ""), p.household].join(" ");
    return hay.includes(q) || (p.phone_tail && p.phone_tail === q) || p.code === q;
  }

  function render() {
    const q = $("door-search").value.trim().replace(/\s+/g, "");
    const found = people.filter((p) => matches(p, q)).slice(0, MAX_ROWS);
    fill($("door-results"), found.map((p) => {
      const state = stateText(p);
      const inRoom = state === "已在现场签到";
      return el("li", { dataset: { person: p.person_id } }, [
        el("span", { className: "name" }, [GZ.nameWithBadge(p.name, "participant")]),
        el("span", { className: "hint", text: p.household + (p.voting ? "" : " · 无表决权") }),
        el("span", { className: "tag", text: state }),
        inRoom ? null : el("button", { className: "btn primary small", type: "button", text: "签到", onclick: () => checkIn(p) }),
      ]);
    }));
  }

  async function checkIn(p) {
    const ack = await window.gz.command("CheckInInRoom", { name: p.name, person_id: p.person_id });
    if (ack.ok) toast("已签到：" + p.name, "ok");
    render();
    return ack;
  }

  function init() {
    $("door-search").addEventListener("input", render);
    $("door-code-form").addEventListener("submit", async (ev) => {
      ev.preventDefault();
      const code = $("door-code").value.trim();
      const p = people.find((x) => x.code === code);
      if (!p) { toast("没有这个签到码，请核对邀请单上的 6 位数字"); return; }
      const ack = await checkIn(p);
      if (ack.ok) $("door-code").value = "";
    });
    window.gz.socket.on("events", render);
    window.gz.socket.on("welcome", () => { if (!people.length) load(); else render(); });
    load();
  }

  // The recorder's in-room ballots search the same roster rows (household: building, unit, room).
  GZ.doorHousehold = (participantId) => {
    const p = people.find((x) => "per-" + x.person_id === participantId);
    return p ? p.household : "";
  };

  document.addEventListener("DOMContentLoaded", init);
})();
