/* Staff sign-in, and the one-time setup of the street's first admin with the server's admin token. */
"use strict";

(function () {
  const { $ } = window.GZ;
  const { api, message, say } = window.Staff;

  $("login-form").addEventListener("submit", async (ev) => {
    ev.preventDefault();
    const button = ev.target.querySelector("button[type=submit]");
    button.disabled = true;
    const data = await api("POST", "/api/street/session", {
      username: $("login-username").value.trim(), password: $("login-password").value,
    }, { stay: true });
    button.disabled = false;
    $("login-password").value = "";
    if (!data.ok) { say($("login-error"), message(data)); return; }
    location.assign("/staff");
  });

  $("setup-form").addEventListener("submit", async (ev) => {
    ev.preventDefault();
    const button = ev.target.querySelector("button[type=submit]");
    button.disabled = true;
    let data;
    try {
      const res = await fetch("/api/street/bootstrap", {
        method: "POST",
        credentials: "same-origin",
        headers: {
          "Content-Type": "application/json", "X-Gongzhi-CSRF": "1",
          Authorization: "Bearer " + $("setup-token").value.trim(),
        },
        body: JSON.stringify({
          display_name: $("setup-name").value.trim(), username: $("setup-username").value.trim(),
          password: $("setup-password").value,
        }),
      });
      data = await res.json();
    } catch (e) {
      data = { ok: false, error: { message: "网络错误，请重试" } };
    }
    button.disabled = false;
    $("setup-token").value = ""; // the admin token is never kept in the page
    if (!data.ok) { say($("setup-error"), message(data)); return; }
    location.assign("/staff");
  });

  (async () => {
    const status = await api("GET", "/api/street/status", undefined, { stay: true });
    $("setup-form").hidden = !(status.ok && !status.has_admin);
    document.body.dataset.state = "ready";
  })();
})();
