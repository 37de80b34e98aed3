/* Staff pages, shared part: the JSON API client and the header's sign-out. Loaded after common.js.
 * The session is an HTTP-only cookie the page never sees; every write carries the CSRF header the server
 * requires (a page on another site cannot add it). Answers are {ok, …} or {ok: false, error: {code, message}}. */
"use strict";

(function () {
  const CSRF = { "X-Gongzhi-CSRF": "1" };

  /** fetch a JSON API; `body` is an object (sent as JSON) or an ArrayBuffer (a file, sent as is). */
  async function api(method, url, body, opts) {
    const headers = method === "GET" ? {} : { ...CSRF };
    let payload;
    if (body instanceof ArrayBuffer) {
      payload = body;
      headers["Content-Type"] = "application/octet-stream";
    } else if (body !== undefined) {
      payload = JSON.stringify(body);
      headers["Content-Type"] = "application/json";
    }
    let res;
    try {
      res = await fetch(url, { method, headers, body: payload, credentials: "same-origin" });
    } catch (e) {
      return { ok: false, status: 0, error: { code: "offline", message: "网络未连接，请稍后再试" } };
    }
    let data;
    try {
      data = await res.json();
    } catch (e) {
      data = { ok: false, error: { code: "http_" + res.status, message: "服务器出错（" + res.status + "），请稍后再试" } };
    }
    data.status = res.status;
    if (res.status === 401 && !(opts && opts.stay)) {
      location.assign("/staff/login"); // signed out, disabled, or the password changed
    }
    return data;
  }

  function message(data) {
    return (data && data.error && data.error.message) || "操作失败，请重试";
  }

  /** Show `text` in an inline error box (hidden when text is empty). */
  function say(box, text) {
    box.textContent = text || "";
    box.hidden = !text;
  }

  const out = document.getElementById("sign-out");
  if (out) {
    out.addEventListener("click", async () => {
      await api("DELETE", "/api/street/session", undefined, { stay: true });
      location.assign("/staff/login");
    });
  }

  window.Staff = { api, message, say };
})();
