/* One execution record drawn for any of its pages (the public's, a member's, the 社工's): status,
 * 逾期 flags, responsible party and deadline, the group, milestones and the timeline with photos. */
"use strict";

(function () {
  const { el } = window.GZ;

  function when(at) {
    const d = new Date(at * 1000);
    return d.toLocaleDateString("zh-CN", { timeZone: "Asia/Shanghai" }) + " " +
      d.toLocaleTimeString("zh-CN", { timeZone: "Asia/Shanghai", hour: "2-digit", minute: "2-digit" });
  }

  function flags(r) {
    const out = [];
    if (r.overdue.report_months.length) out.push("逾期未报：" + r.overdue.report_months.join("、"));
    if (r.overdue.milestones) out.push(r.overdue.milestones + " 个节点逾期");
    if (r.overdue.deadline) out.push("已过完成期限");
    return out.map((t) => el("span", { className: "flag overdue", text: "逾期 · " + t }));
  }

  function record(r, extra) {
    return [
      el("p", {}, [
        "状态：", el("span", { className: "status status-" + r.status, id: "status", text: r.status_label }),
        ...flags(r),
      ]),
      el("p", { className: "resolution", text: "决议：" + r.resolution_text }),
      el("p", { text: "责任方：" + r.responsible + " · 完成期限：" + r.deadline }),
      el("p", { className: "hint", text: "监督小组：" + r.members.map((m) => m.name + "（" + m.kind_label + "）").join("、") }),
      r.milestones.length ? el("h3", { text: "节点" }) : null,
      r.milestones.length ? el("ul", { className: "milestones" }, r.milestones.map((m) => el("li", {
        className: (m.done ? "done" : "") + (m.overdue ? " overdue" : ""), dataset: { milestone: m.milestone_id },
      }, [
        (m.done ? "✓ " : "○ ") + m.title + "（" + m.due + "）" + (m.overdue ? " 逾期" : ""),
        extra && !m.done ? extra(m) : null,
      ]))) : null,
      el("h3", { text: "进展记录" }),
      el("ul", { className: "timeline", id: "timeline" }, r.timeline.slice().reverse().map((e) => el("li", { className: "kind-" + e.kind }, [
        el("strong", { text: e.label }), " ", el("span", { className: "hint", text: when(e.at) + (e.by ? " · " + e.by : "") }),
        e.text ? el("p", { className: "text", text: e.text }) : null,
        e.photos.length ? el("div", { className: "photos" }, e.photos.map((src) => el("img", { src, alt: "现场照片", loading: "lazy" }))) : null,
      ]))),
    ];
  }

  window.Execution = { record, when };
})();
