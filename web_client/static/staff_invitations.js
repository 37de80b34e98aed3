/* A community meeting's invitations (staff): each roster person's personal link, QR code and short code,
 * revoke-and-reissue per person, rotate a role link, and the printable slips (A4 PDF). */
"use strict";

(function () {
  const { $, el, fill, toast } = window.GZ;
  const { api, message, say } = window.Staff;
  const body = document.body;
  const base = "/api/communities/" + body.dataset.community + "/meetings/" + body.dataset.meeting;

  function render(data) {
    const m = data.meeting;
    $("meeting-title").textContent = m.title + " · 个人邀请";
    $("meeting-when").textContent = m.when + " · " + m.place;
    $("print-slips").href = base + "/invitations.pdf";
    $("people-count").textContent = "共 " + data.people.length + " 人";
    $("no-people").hidden = data.people.length > 0;
    fill($("people"), data.people.map((p) => el("tr", { dataset: { person: p.person_id } }, [
      el("td", { className: "name", text: p.name }),
      el("td", { text: p.household }),
      el("td", { className: "code", text: p.code }),
      el("td", {}, [el("img", { className: "qr", src: p.qr, alt: p.name + " 的二维码", width: "96", height: "96", loading: "lazy" })]),
      el("td", {}, [el("input", { className: "link", readonly: true, value: p.url, "aria-label": p.name + " 的个人链接" })]),
      el("td", {}, [el("button", { className: "btn small revoke", type: "button", text: "作废并重发", onclick: () => revoke(p) })]),
    ])));
    fill($("role-links"), Object.entries(data.role_links).map(([role, link]) => el("tr", { dataset: { role } }, [
      el("th", { text: link.label }),
      el("td", {}, [el("input", { className: "link", readonly: true, value: link.url, "aria-label": link.label + " 链接" })]),
      el("td", {}, [el("button", { className: "btn small rotate", type: "button", text: "更换链接", onclick: () => rotate(role, link.label) })]),
    ])));
    body.dataset.state = "ready";
  }

  async function load() {
    const data = await api("GET", base + "/invitations");
    say($("page-error"), data.ok ? "" : message(data));
    if (data.ok) render(data);
  }

  async function revoke(p) {
    if (!confirm("作废 " + p.name + " 的邀请？旧链接和旧签到码将立即失效，需要重新打印邀请单。")) return;
    const data = await api("POST", base + "/invitations/" + p.person_id + "/revoke", {});
    if (!data.ok) { toast(message(data)); return; }
    render(data);
    toast("已作废，新的邀请已生成", "ok");
  }

  async function rotate(role, label) {
    if (!confirm("更换" + label + "链接？旧链接将立即失效。")) return;
    const data = await api("POST", base + "/links/" + role + "/rotate", {});
    if (!data.ok) { toast(message(data)); return; }
    render(data);
    toast(label + "链接已更换", "ok");
  }

  load();
})();
