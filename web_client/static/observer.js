/* Observer page: the meeting's live audio, captions, speaker, countdown, votes and resolutions, and the
 * check of the meeting's record (verify_log.js). Read-only. */
"use strict";

(function () {
  const { $, el, fill, headerLine } = GZ;
  const captions = GZ.captionBox($("captions"), { max: 200 });
  GZ.bigTextSwitch($("bigtext"), $("captions"));
  GZ.bindClock($("clock"));
  const seen = new Map(); // seq -> hash, as received live

  GZ.connect({
    onEvent(record, v) {
      if (record.hash) seen.set(record.seq, record.hash);
      if (record.type === "CaptionCommitted") captions.commit(record, v);
      if (record.type === "CaptionCorrected") captions.correct(record);
    },
    onTransient(msg) { if (msg.kind === "caption_partial") captions.partial(msg); },
    onView(v) {
      $("item-title").textContent = headerLine(v);
      GZ.fill($("speaker"), [v.floor ? GZ.nameWithBadge(v.floor.name, v.floor.role, v.floor) : "暂无"]);
      GZ.renderVoteAndResult(v);
      GZ.renderAgenda($("agenda"), v);
      fill($("resolutions"), v.resolutions.map((r) => el("li", {}, [
        el("span", { className: "name", text: r.title }), el("span", { text: r.text }),
      ])));
    },
  });

  // The record check: the whole log re-hashed here; its last hash is compared with the one this page
  // received live for the same record, when it has one.
  const check = $("log-check");
  const button = $("verify-log");
  button.addEventListener("click", async () => {
    button.disabled = true;
    check.textContent = "正在核验…";
    check.dataset.check = "running";
    try {
      const body = document.body;
      const result = await GZ.verifyMeetingLog(body.dataset.meeting, body.dataset.token);
      const live = result.count > 0 ? seen.get(result.count) : undefined;
      if (result.ok && live && live !== result.head) {
        Object.assign(result, { ok: false, brokenAt: result.count, reason: "与会场实时收到的哈希不同" });
      }
      check.textContent = GZ.describeLogCheck(result);
      check.dataset.check = result.ok ? "ok" : "failed";
      check.dataset.head = result.head;
      $("log-head").textContent = result.ok ? result.head : "";
      $("log-head-line").hidden = !result.ok;
    } catch (e) {
      check.textContent = "核验失败：" + (e && e.message ? e.message : "无法连接服务器");
      check.dataset.check = "failed";
    } finally {
      button.disabled = false;
    }
  });

  const audio = $("live-audio");
  const status = $("audio-status");
  const say = (text, state) => { status.textContent = text; status.dataset.audio = state; };
  audio.addEventListener("playing", () => say("正在收听会场声音", "playing"));
  audio.addEventListener("waiting", () => say("缓冲中…", "waiting"));
  audio.addEventListener("pause", () => say("已暂停，点击播放继续收听", "paused"));
  audio.addEventListener("error", () => say("直播声音暂时无法收听，字幕仍会实时更新", "error"));
})();
