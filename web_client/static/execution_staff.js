/* The 社工's 执行监督 page: open an execution record for a passed resolution (responsible party,
 * deadline, supervision group, milestones), hand members their links, stop / restart, mark milestones,
 * accept the work as done. */
"use strict";

(function () {
  const { $, el, fill, toast } = window.GZ;
  const { api, message, say } = window.Staff;
  const body = document.body;
  const base = "/api/communities/" + body.dataset.community + "/executions";
  const KINDS = [["representative", "居民代表"], ["councillor", "议事员"], ["professional", "专业人士"]];
  let people = [];

  function memberRow() {
    const kind = el("select", { className: "member-kind", "aria-label": "成员身份" },
      KINDS.map(([v, t]) => el("option", { value: v, text: t })));
    const person = el("select", { className: "member-person", "aria-label": "名册中的居民" },
      people.map((p) => el("option", { value: p.person_id, text: p.name + "（" + p.building + "）" })));
    const name = el("input", { className: "member-name", maxlength: "40", placeholder: "专业人士姓名", hidden: true });
    kind.addEventListener("change", () => {
      const pro = kind.value === "professional";
      person.hidden = pro;
      name.hidden = !pro;
    });
    return el("div", { className: "field-row member-row" }, [kind, person, name,
      el("button", { className: "btn small", type: "button", text: "删除", onclick: (e) => e.target.parentNode.remove() })]);
  }

  function milestoneRow() {
    return el("div", { className: "field-row milestone-row" }, [
      el("input", { className: "milestone-title", maxlength: "80", placeholder: "节点名称，如：完成招标" }),
      el("input", { className: "milestone-due", type: "date", "aria-label": "节点日期" }),
      el("button", { className: "btn small", type: "button", text: "删除", onclick: (e) => e.target.parentNode.remove() }),
    ]);
  }

  async function create(ev) {
    ev.preventDefault();
    const choice = $("new-resolution").value;
    if (!choice) { say($("new-error"), "没有可建立执行记录的决议"); return; }
    const [meeting_id, resolution_id] = choice.split("/");
    const members = Array.from(document.querySelectorAll(".member-row")).map((row) => {
      const kind = row.querySelector(".member-kind").value;
      return kind === "professional"
        ? { kind, name: row.querySelector(".member-name").value }
        : { kind, person_id: row.querySelector(".member-person").value };
    });
    const milestones = Array.from(document.querySelectorAll(".milestone-row")).map((row) => ({
      title: row.querySelector(".milestone-title").value, due: row.querySelector(".milestone-due").value,
    })).filter((m) => m.title.trim() || m.due); // an untouched row is no milestone
    const data = await api("POST", base, {
      meeting_id, resolution_id, responsible: $("new-responsible").value, deadline: $("new-deadline").value, members, milestones,
    });
    if (!data.ok) { say($("new-error"), message(data)); return; }
    say($("new-error"), "");
    toast("执行记录已建立", "ok");
    fill($("member-rows"), [memberRow()]);
    fill($("milestone-rows"), [milestoneRow()]);
    await load();
  }

  async function act(r, action, payload) {
    const data = await api("POST", base + "/" + r.record_id + "/" + action, payload);
    if (!data.ok) { toast(message(data)); return; }
    await load();
  }

  async function showLinks(r, box) {
    const data = await api("GET", base + "/" + r.record_id + "/links");
    if (!data.ok) { toast(message(data)); return; }
    fill(box, [
      ...data.links.map((l) => el("p", { className: "member-link", dataset: { member: l.member_id } }, [
        l.name + "：", el("input", { className: "link", readonly: true, value: l.url, "aria-label": l.name + "的监督链接" }),
        el("button", { className: "btn small", type: "button", text: "作废", onclick: () => act(r, "revoke", { member_id: l.member_id }) }),
      ])),
      el("p", {}, ["公开进度页：", el("a", { href: data.public.path, target: "_blank", text: data.public.url })]),
    ]);
  }

  function card(r) {
    const reason = el("input", { className: "reason", maxlength: "500", placeholder: "叫停或重启的理由" });
    const links = el("div", { className: "links" });
    return el("li", { dataset: { record: r.record_id }, className: "record status-" + r.status }, [
      el("h3", { text: r.resolution_title }),
      ...window.Execution.record(r, (m) => el("button", {
        className: "btn small", type: "button", text: "标记完成", onclick: () => act(r, "milestone", { milestone_id: m.milestone_id }),
      })),
      r.status === "done" ? null : el("div", { className: "field-row" }, [
        reason,
        r.status === "stopped"
          ? el("button", { className: "btn restart", type: "button", text: "重启", onclick: () => act(r, "restart", { reason: reason.value }) })
          : el("button", { className: "btn danger stop", type: "button", text: "叫停", onclick: () => act(r, "stop", { reason: reason.value }) }),
        el("button", { className: "btn complete", type: "button", text: "验收完成", onclick: () => act(r, "complete", {}) }),
      ]),
      el("button", { className: "btn small show-links", type: "button", text: "成员链接与公开页", onclick: () => showLinks(r, links) }),
      links,
    ]);
  }

  async function load() {
    const data = await api("GET", base);
    if (!data.ok) { say($("page-error"), message(data)); return; }
    const first = people.length === 0;
    people = data.people;
    const open = data.resolutions.filter((x) => !x.record_id);
    fill($("new-resolution"), open.map((x) => el("option", {
      value: x.meeting_id + "/" + x.resolution_id, text: x.title + "（" + x.meeting_title + "）",
    })));
    if (first) {
      fill($("member-rows"), [memberRow()]);
      fill($("milestone-rows"), [milestoneRow()]);
    }
    fill($("records"), data.records.map(card));
    body.dataset.state = "ready";
  }

  $("add-member").addEventListener("click", () => $("member-rows").append(memberRow()));
  $("add-milestone").addEventListener("click", () => $("milestone-rows").append(milestoneRow()));
  $("new-form").addEventListener("submit", create);
  load();
})();
