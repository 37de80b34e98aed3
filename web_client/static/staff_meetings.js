/* A community's meetings on its roster page: the list (each with its links), and "create a meeting" —
 * the same form and links table as /admin (meeting_form.js), authorised by the staff session. */
"use strict";

(function () {
  const { $, el, fill } = window.GZ;
  const { api, message, say } = window.Staff;
  const { spec, linkRows } = window.MeetingForm;
  const base = "/api/communities/" + document.body.dataset.community + "/meetings";
  const STATUS = { scheduled: "未开始", open: "进行中", closed: "已结束" };

  async function load() {
    const data = await api("GET", base);
    if (!data.ok) return;
    fill($("meetings"), data.meetings.map((m) => el("li", { dataset: { meeting: m.meeting_id } }, [
      el("span", { className: "name", text: m.title }),
      el("span", { text: m.scheduled_at.replace("T", " ").slice(0, 16) + " · " + m.place }),
      el("span", { className: "tag", text: STATUS[m.status] || m.status }),
      el("a", { className: "btn small invite-link", href: "/staff/c/" + document.body.dataset.community + "/m/" + m.meeting_id, text: "个人邀请与签到码" }),
      el("details", {}, [
        el("summary", { text: "参会链接" }),
        el("div", { className: "table-wrap" }, [el("table", { className: "links" }, [el("tbody", {}, linkRows(m.links))])]),
      ]),
    ])));
    $("no-meetings").hidden = data.meetings.length > 0;
  }

  /** Accepted topics as agenda items to tick (a carried-over one, 重新协商, comes ticked). */
  async function loadTopics() {
    const data = await api("GET", "/api/communities/" + document.body.dataset.community + "/agenda-topics");
    if (!data.ok || !data.topics.length) return;
    fill($("agenda-topics"), data.topics.map((t) => el("li", {}, [el("label", { className: "check" }, [
      el("input", { type: "checkbox", checked: t.preselect, dataset: { topic: t.topic_id, title: t.title } }),
      " " + t.title + " ",
      el("span", { className: "tag", text: t.research ? "调研" + t.research.status_label : "未安排调研" }),
      t.carried_over !== null ? el("span", { className: "tag", text: "重新协商" }) : null,
      t.meetings ? el("span", { className: "hint", text: "（已上会 " + t.meetings + " 次）" }) : null,
    ])])));
    $("agenda-topics-box").hidden = false;
    $("m-agenda").required = false; // ticked topics may be the whole agenda
  }

  function topicItems() {
    return [...$("agenda-topics").querySelectorAll("input:checked")].map((box) => (
      { title: box.dataset.title, planned_minutes: 20, topic_id: box.dataset.topic }));
  }

  $("create-form").addEventListener("submit", async (ev) => {
    ev.preventDefault();
    const button = ev.target.querySelector("button[type=submit]");
    const meeting = spec();
    if (!meeting) { say($("meeting-error"), MeetingForm.WHEN_HELP); $("m-when").focus(); return; }
    meeting.agenda = [...topicItems(), ...meeting.agenda];
    if (!meeting.agenda.length) { say($("meeting-error"), "请填写议程，或勾选居民议题"); return; }
    button.disabled = true;
    const data = await api("POST", base, meeting);
    button.disabled = false;
    say($("meeting-error"), data.ok ? "" : message(data));
    if (!data.ok) return;
    $("created-title").textContent = $("m-title").value.trim();
    fill($("links"), linkRows(data.links));
    $("created").hidden = false;
    $("new-meeting").open = false;
    ev.target.reset();
    await load();
    await loadTopics();
    $("created").scrollIntoView();
  });

  load();
  loadTopics();
})();
