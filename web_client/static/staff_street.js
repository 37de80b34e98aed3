/* The street admin's page: communities (create, open a roster) and staff accounts (create, disable or
 * enable, reset a password). Everything shown comes from /api/street/… and goes in with textContent. */
"use strict";

(function () {
  const { $, el, fill, toast } = window.GZ;
  const { api, message, say } = window.Staff;
  const ROLE = { staff: "社工", street_admin: "街道管理员" };
  let communities = [];
  let me = null; // the signed-in admin's account id: they cannot disable themselves

  async function load() {
    const [c, a, m] = await Promise.all([
      api("GET", "/api/street/communities"), api("GET", "/api/street/accounts"), api("GET", "/api/street/me"),
    ]);
    if (!c.ok || !a.ok || !m.ok) { toast(message([c, a, m].find((d) => !d.ok))); return; }
    me = m.account.account_id;
    communities = c.communities;
    renderCommunities();
    renderAccounts(a.accounts);
  }

  function renderCommunities() {
    fill($("communities"), communities.map((c) => el("tr", { dataset: { community: c.community_id } }, [
      el("td", { className: "name", text: c.title }),
      el("td", { text: String(c.staff) }),
      el("td", { text: String(c.persons) }),
      el("td", {}, [el("a", { className: "btn small", href: "/staff/c/" + c.community_id, text: "名册" })]),
    ])));
    $("no-communities").hidden = communities.length > 0;
    const select = $("account-community");
    const keep = select.value;
    fill(select, communities.map((c) => el("option", { value: c.community_id, text: c.title })));
    if (keep) select.value = keep;
  }

  function renderAccounts(accounts) {
    fill($("accounts"), accounts.map((a) => {
      const where = a.role === "staff" ? ROLE.staff + " · " + (a.community_title || "") : ROLE[a.role];
      const toggle = a.account_id === me ? null : el("button", {
        type: "button", className: "btn small" + (a.enabled ? " danger" : ""), text: a.enabled ? "停用" : "启用",
        onclick: () => act(a, a.enabled ? "disable" : "enable"),
      });
      const reset = el("button", { type: "button", className: "btn small", text: "重置密码", onclick: () => resetForm(a, row) });
      const row = el("tr", { dataset: { account: a.account_id, username: a.username }, className: a.enabled ? "" : "disabled" }, [
        el("td", { className: "name", text: a.display_name }),
        el("td", { text: a.username }),
        el("td", { text: where }),
        el("td", { className: "state", text: a.enabled ? "正常" : "已停用" }),
        el("td", {}, [el("div", { className: "buttons" }, [toggle, reset])]),
      ]);
      return row;
    }));
  }

  async function act(account, action, body) {
    const data = await api("POST", "/api/street/accounts/" + account.account_id + "/" + action, body);
    if (!data.ok) { toast(message(data)); return false; }
    toast(action === "password" ? "已重置 " + account.display_name + " 的密码" :
      (action === "disable" ? "已停用 " : "已启用 ") + account.display_name, "ok");
    await load();
    return true;
  }

  function resetForm(account, row) {
    const input = el("input", { type: "password", minlength: "8", maxlength: "128", placeholder: "新密码（至少 8 位）", autocomplete: "new-password" });
    const form = el("form", { className: "field-row reset" }, [input, el("button", { className: "btn primary small", type: "submit", text: "确定" })]);
    form.addEventListener("submit", async (ev) => {
      ev.preventDefault();
      await act(account, "password", { password: input.value });
    });
    row.lastChild.append(form);
    input.focus();
  }

  $("community-form").addEventListener("submit", async (ev) => {
    ev.preventDefault();
    const data = await api("POST", "/api/street/communities", { title: $("community-title").value.trim() });
    say($("community-error"), data.ok ? "" : message(data));
    if (!data.ok) return;
    $("community-title").value = "";
    toast("已新建社区：" + data.community.title, "ok");
    await load();
    $("account-community").value = data.community.community_id;
  });

  $("account-role").addEventListener("change", () => {
    $("account-community").disabled = $("account-role").value !== "staff";
  });

  $("account-form").addEventListener("submit", async (ev) => {
    ev.preventDefault();
    const role = $("account-role").value;
    const data = await api("POST", "/api/street/accounts", {
      display_name: $("account-name").value.trim(), username: $("account-username").value.trim(), role,
      community_id: role === "staff" ? $("account-community").value || null : null,
      password: $("account-password").value,
    });
    $("account-password").value = "";
    say($("account-error"), data.ok ? "" : message(data));
    if (!data.ok) return;
    ev.target.reset();
    toast("已创建账号：" + data.account.display_name + "（登录名 " + data.account.username + "）", "ok");
    await load();
  });

  load().then(() => { document.body.dataset.state = "ready"; });
})();
