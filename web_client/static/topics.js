/* A resident's 议题征集 page (phone first): submit a topic, see similar ones while typing and support one
 * of them instead (附议), and every topic's status, heat (with how it was counted) and reason.
 * The link (?t=) is the identity: a personal link names the resident; the community's topics link asks
 * for a name and building, remembered on this phone. */
"use strict";

(function () {
  const { $, el, fill, toast } = window.GZ;
  const body = document.body;
  const token = new URLSearchParams(location.search).get("t") || "";
  const base = "/api/topics/" + body.dataset.community;
  const typed = body.dataset.typed === "1";
  const WHO_KEY = "gz-topics-who-" + body.dataset.community;

  function who() {
    if (!typed) return {};
    return { name: $("who-name").value.trim(), building: $("who-building").value.trim() };
  }

  function url(path, params) {
    const q = new URLSearchParams({ t: token, ...(params || {}) });
    const w = who();
    if (w.name) { q.set("name", w.name); q.set("building", w.building); }
    return base + path + "?" + q.toString();
  }

  async function call(method, path, payload, params) {
    let res;
    try {
      res = await fetch(url(path, params), {
        method,
        headers: payload ? { "Content-Type": "application/json" } : {},
        body: payload ? JSON.stringify(payload) : undefined,
      });
    } catch (e) {
      return { ok: false, error: { code: "offline", message: "网络未连接，请稍后再试" } };
    }
    try {
      return await res.json();
    } catch (e) {
      return { ok: false, error: { code: "http_" + res.status, message: "服务器出错（" + res.status + "），请稍后再试" } };
    }
  }

  const message = (data) => (data && data.error && data.error.message) || "操作失败，请重试";

  function say(text) {
    $("form-error").textContent = text || "";
    $("form-error").hidden = !text;
  }

  function statusLine(t) {
    if (t.status === "merged" && t.merged_into) {
      return "已合并到「" + t.merged_into.title + "」" + (t.reason ? "：" + t.reason : "");
    }
    if (t.status === "rejected") return "未采纳的理由：" + t.reason;
    if (t.status === "escalated") return "已上报" + t.level_label + (t.reason ? "：" + t.reason : "");
    return t.reason ? "说明：" + t.reason : "";
  }

  function card(t, where) {
    const open = t.status !== "merged" && t.status !== "rejected";
    const reason = statusLine(t);
    let action = null;
    if (t.mine) action = el("span", { className: "tag", text: "我提出的" });
    else if (t.supported) action = el("span", { className: "tag ok", text: "已附议" });
    else if (open) action = el("button", { className: "btn support", type: "button", text: "附议", onclick: () => support(t) });
    return el("li", { className: "topic status-" + t.status, dataset: { topic: t.topic_id, where } }, [
      el("div", { className: "row" }, [
        el("strong", { className: "topic-title", text: t.title }),
        el("span", { className: "badge status", text: t.status_label }),
      ]),
      t.body && where === "list" ? el("p", { className: "topic-body", text: t.body }) : null,
      el("p", { className: "hint" }, [
        t.category + " · " + t.level_label + "级 · 附议 " + t.supporters + " 人 · ",
        el("span", { className: "heat", text: "热度 " + Number(t.heat.score).toFixed(1) }),
      ]),
      t.photos.length && where === "list" ? el("div", { className: "photos" }, t.photos.map((id) => el("img", {
        src: base + "/photos/" + id + "?t=" + encodeURIComponent(token), alt: "议题照片", loading: "lazy",
      }))) : null,
      el("p", { className: "hint heat-why", text: t.heat.explanation }),
      reason ? el("p", { className: "reason", text: reason }) : null,
      t.research && where === "list" ? research(t) : null,
      action,
    ]);
  }

  /** 会前调研 under the topic: who researches it and, once confirmed, the report; the timeline link. */
  function research(t) {
    const r = t.research;
    const file = (f) => el("li", {}, [el("a", {
      href: base + "/research/files/" + f.file_id + "?t=" + encodeURIComponent(token),
      target: "_blank", rel: "noopener", text: f.name || f.kind.toUpperCase(),
    })]);
    const report = r.report ? [
      el("p", { className: "report-text" }, [el("strong", { text: "现状：" }), r.report.situation]),
      el("p", { className: "report-text" }, [el("strong", { text: "居民诉求：" }), r.report.demands]),
      el("p", { className: "report-text" }, [el("strong", { text: "初步建议：" }), r.report.proposal]),
      el("p", { className: "hint", text: "走访 " + r.report.households + " 户，问卷 " + r.report.questionnaires + " 份" }),
      r.report.files.length ? el("ul", { className: "report-files" }, r.report.files.map(file)) : null,
    ] : [];
    return el("details", { className: "research", open: Boolean(r.report) }, [
      el("summary", { text: "会前调研（" + r.status_label + "）：" + r.members.join("、") }),
      ...report,
      el("a", { className: "timeline-link", href: "/c/" + body.dataset.community + "/topics/" + t.topic_id +
        "?t=" + encodeURIComponent(token), text: "查看议题进展" }),
    ]);
  }

  async function load() {
    const data = await call("GET", "");
    if (!data.ok) { say(message(data)); return; }
    $("topic-count").textContent = data.total > data.topics.length
      ? "（共 " + data.total + " 条，显示热度最高的 " + data.topics.length + " 条）"
      : "（" + data.total + " 条）";
    fill($("topics"), data.topics.map((t) => card(t, "list")));
    body.dataset.state = "ready";
  }

  let timer = 0;
  let asked = 0;
  function typing() {
    $("title-count").textContent = $("topic-title").value.length + "/40";
    $("body-count").textContent = $("topic-body").value.length + "/1000";
    clearTimeout(timer);
    timer = setTimeout(findSimilar, 300);
  }

  async function findSimilar() {
    const q = ($("topic-title").value + " " + $("topic-body").value).trim();
    const mine = ++asked;
    if (q.length < 2) { $("similar-box").hidden = true; return; }
    const data = await call("GET", "/similar", undefined, { q });
    if (mine !== asked) return; // a later keystroke asked again
    if (data.ok && data.indexing) { timer = setTimeout(findSimilar, 1000); return; } // the engine is starting
    const found = data.ok ? data.similar : [];
    fill($("similar"), found.map((t) => card(t, "similar")));
    $("similar-box").hidden = found.length === 0;
  }

  function needWho() {
    if (!typed) return false;
    const w = who();
    if (!w.name || !w.building) { say("请先填写您的姓名和楼栋"); return true; }
    localStorage.setItem(WHO_KEY, JSON.stringify(w));
    return false;
  }

  async function support(t) {
    if (needWho()) return;
    const data = await call("POST", "/topics/" + t.topic_id + "/support", who());
    if (!data.ok) { toast(message(data)); return; }
    say("");
    toast("已附议「" + t.title + "」", "ok");
    await load();
    await findSimilar();
  }

  const MAX_PHOTO = 5 * 1024 * 1024;

  /** Upload the chosen photos; their ids, or null (and the reason said) if one is refused. */
  async function uploadPhotos() {
    const files = Array.from($("topic-photos").files || []);
    if (files.length > 4) { say("最多 4 张照片"); return null; }
    const ids = [];
    for (const f of files) {
      if (f.size > MAX_PHOTO) { say("照片「" + f.name + "」太大（最多 5 MB）"); return null; }
      let data;
      try {
        const res = await fetch(url("/photos"), { method: "POST", headers: { "Content-Type": f.type || "application/octet-stream" }, body: f });
        data = await res.json();
      } catch (e) {
        data = { ok: false, error: { message: "照片上传失败，请稍后再试" } };
      }
      if (!data.ok) { say("照片「" + f.name + "」：" + message(data)); return null; }
      ids.push(data.photo_id);
    }
    return ids;
  }

  async function submit(ev) {
    ev.preventDefault();
    if (needWho()) return;
    const payload = { ...who(), title: $("topic-title").value, body: $("topic-body").value };
    if (!payload.title.trim()) { say("请填写标题"); return; }
    $("topic-submit").disabled = true;
    const photos = await uploadPhotos();
    if (photos === null) { $("topic-submit").disabled = false; return; }
    if (photos.length) payload.photos = photos;
    const data = await call("POST", "/topics", payload);
    $("topic-submit").disabled = false;
    if (!data.ok) { say(message(data)); return; }
    say("");
    $("topic-title").value = "";
    $("topic-body").value = "";
    $("topic-photos").value = "";
    $("similar-box").hidden = true;
    typing();
    toast("议题已提交，等待社工筛选", "ok");
    await load();
  }

  if (typed) {
    try {
      const w = JSON.parse(localStorage.getItem(WHO_KEY) || "{}");
      if (w.name) $("who-name").value = w.name;
      if (w.building) $("who-building").value = w.building;
    } catch (e) { /* nothing remembered */ }
  }
  $("topic-title").addEventListener("input", typing);
  $("topic-body").addEventListener("input", typing);
  $("topic-form").addEventListener("submit", submit);
  load();
})();
