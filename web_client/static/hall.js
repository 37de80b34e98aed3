/* Hall display (projector): the countdown (flashing and sounding at the warning and at 0:00), the speaker,
 * captions in large type and vote results. Its one control is the 「提示音」 switch. */
"use strict";

(function () {
  const { $, headerLine } = GZ;
  const captions = GZ.captionBox($("captions"), { max: 12 });
  GZ.bindClock($("clock"));
  const alerts = GZ.alerts({ page: "hall", clock: $("clock"), toggle: $("alert-toggle"), hint: $("alert-hint") });

  GZ.connect({
    onEvent(record, v, replayed) {
      if (record.type === "CaptionCommitted") captions.commit(record, v);
      if (record.type === "CaptionCorrected") captions.correct(record);
      alerts.event(record, replayed);
    },
    onTransient(msg) { if (msg.kind === "caption_partial") captions.partial(msg); },
    onView(v) {
      $("item-title").textContent = headerLine(v);
      // An item from a residents' topic: the projector cannot be clicked, so it says where the report is.
      const item = GZ.currentItem(v);
      $("item-topic").hidden = !(item && item.topic_id);
      $("item-topic").textContent = "居民议题 · 会前调研报告见手机议程「调研报告与进展」";
      GZ.fill($("speaker"), [v.floor ? GZ.nameWithBadge(v.floor.name, v.floor.role, v.floor)
        : (v.meeting.status === "closed" ? "会议已结束" : "暂无")]);
      GZ.renderVoteAndResult(v);
      GZ.fill($("queue-line"), v.queue.length ? ["排队发言：", ...v.queue.flatMap((e, i) =>
        [i ? "、" : null, GZ.nameWithBadge(e.name, e.role, e)])] : []);
    },
  });
})();
