/* Hall display (projector): the countdown, the speaker, captions in large type and vote results. No controls. */
"use strict";

(function () {
  const { $, headerLine } = GZ;
  const captions = GZ.captionBox($("captions"), { max: 12 });
  GZ.bindClock($("clock"));

  GZ.connect({
    onEvent(record, v) {
      if (record.type === "CaptionCommitted") captions.commit(record, v);
      if (record.type === "FloorExpired") GZ.noteFloorEnded(record, v);
    },
    onTransient(msg) { if (msg.kind === "caption_partial") captions.partial(msg); },
    onView(v) {
      $("item-title").textContent = headerLine(v);
      $("speaker").textContent = v.floor ? v.floor.name : (v.meeting.status === "closed" ? "会议已结束" : "暂无");
      GZ.renderVoteAndResult(v);
      $("queue-line").textContent = v.queue.length ? "排队发言：" + v.queue.map((e) => e.name).join("、") : "";
    },
  });
})();
