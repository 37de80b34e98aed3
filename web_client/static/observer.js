/* Observer page: the meeting's live audio, captions, speaker, countdown, votes and resolutions. Read-only. */
"use strict";

(function () {
  const { $, el, fill, headerLine } = GZ;
  const captions = GZ.captionBox($("captions"), { max: 200 });
  GZ.bigTextSwitch($("bigtext"), $("captions"));
  GZ.bindClock($("clock"));

  GZ.connect({
    onEvent(record, v) {
      if (record.type === "CaptionCommitted") captions.commit(record, v);
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

  const audio = $("live-audio");
  const status = $("audio-status");
  const say = (text, state) => { status.textContent = text; status.dataset.audio = state; };
  audio.addEventListener("playing", () => say("正在收听会场声音", "playing"));
  audio.addEventListener("waiting", () => say("缓冲中…", "waiting"));
  audio.addEventListener("pause", () => say("已暂停，点击播放继续收听", "paused"));
  audio.addEventListener("error", () => say("直播声音暂时无法收听，字幕仍会实时更新", "error"));
})();
