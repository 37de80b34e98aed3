/* One topic's timeline: submitted, supports, screening, research, each meeting where it was on the
 * agenda with the votes on its motions (result and rule), each outcome; and its research report. */
"use strict";

(function () {
  const { $, el, fill } = window.GZ;
  const body = document.body;
  const token = new URLSearchParams(location.search).get("t") || "";
  const api = "/api/topics/" + body.dataset.community;

  function when(at) {
    const d = new Date(at * 1000);
    return d.getFullYear() + "-" + String(d.getMonth() + 1).padStart(2, "0") + "-" + String(d.getDate()).padStart(2, "0");
  }

  function reportNodes(report) {
    const file = (f) => el("li", {}, [el("a", {
      href: api + "/research/files/" + f.file_id + "?t=" + encodeURIComponent(token),
      target: "_blank", rel: "noopener", text: f.name || f.kind.toUpperCase(),
    })]);
    return [
      el("h3", { text: "现状" }), el("p", { className: "report-text", text: report.situation }),
      el("h3", { text: "居民诉求" }), el("p", { className: "report-text", text: report.demands }),
      el("h3", { text: "初步建议" }), el("p", { className: "report-text", text: report.proposal }),
      el("p", { className: "hint", text: "走访 " + report.households + " 户，问卷 " + report.questionnaires + " 份" }),
      report.files.length ? el("ul", { className: "report-files" }, report.files.map(file)) : null,
    ];
  }

  function meetingNode(e) {
    const votes = e.motions.map((m) => el("li", {}, [
      el("strong", { text: m.title }), " ",
      el("span", { className: "tag", text: m.outcome }),
      m.vote ? el("p", { className: "hint", text: window.GZ.countsText(m.vote) +
        "；" + (m.vote.passed ? "通过" : "未通过") + "。" + m.vote.rule }) : null,
    ]));
    return [
      el("strong", { text: "上会：" + e.title }),
      el("p", { className: "hint", text: "议程：" + e.item + (e.scheduled_at ? " · " + e.scheduled_at.replace("T", " ").slice(0, 16) : "") }),
      votes.length ? el("ul", {}, votes) : el("p", { className: "hint", text: "本次会议未就该议题表决" }),
    ];
  }

  async function load() {
    const res = await fetch(api + "/topics/" + body.dataset.topic + "/timeline?t=" + encodeURIComponent(token));
    const data = await res.json();
    if (!data.ok) {
      $("fatal").textContent = data.error.message;
      $("fatal").hidden = false;
      body.dataset.state = "ready";
      return;
    }
    $("topic-title").textContent = data.topic.title;
    $("meeting-count").textContent = "（上会 " + data.meetings + " 次）";
    const r = data.research;
    if (r) {
      $("research-card").hidden = false;
      $("research-status").textContent = r.status_label;
      $("research-members").textContent = "调研代表：" + r.members.join("、");
      fill($("research-report"), r.report ? reportNodes(r.report) : [el("p", { className: "hint", text: "报告完成后在此公布。" })]);
    }
    fill($("timeline"), data.timeline.map((e) => el("li", { className: "step " + e.kind, dataset: { kind: e.kind } }, [
      el("span", { className: "hint nowrap", text: when(e.at) + " " }),
      ...(e.kind === "meeting" ? meetingNode(e) : [el("span", { text: e.text })]),
    ])));
    body.dataset.state = "ready";
  }

  load();
})();
