/* Screening a community's topics: the 社工 (signed in) or a meeting's moderator (their link, ?t=) sees the
 * queue of 待筛选 topics with the engine's suggestion and accepts, merges, rejects (with a reason), sets the
 * level or escalates. Every answer is the whole queue again. */
"use strict";

(function () {
  const { $, el, fill, toast } = window.GZ;
  const body = document.body;
  const token = new URLSearchParams(location.search).get("t");
  const base = body.dataset.api;
  const LEVELS = [["estate", "小区"], ["community", "社区"], ["street", "街道"]];
  const FLAGS = { empty: "内容为空", meaningless: "无实际内容", abusive: "含不文明用语" };
  let topics = [];
  let reps = []; // the roster's 议事代表, for research tasks

  function url(path) {
    return base + path + (token ? "?t=" + encodeURIComponent(token) : "");
  }

  async function call(method, path, payload) {
    const headers = { "X-Gongzhi-CSRF": "1" };
    if (payload) headers["Content-Type"] = "application/json";
    let res;
    try {
      res = await fetch(url(path), { method, headers, body: payload ? JSON.stringify(payload) : undefined, credentials: "same-origin" });
    } catch (e) {
      return { ok: false, error: { code: "offline", message: "网络未连接，请稍后再试" } };
    }
    if (res.status === 401 && body.dataset.staff === "1") location.assign("/staff/login");
    try {
      return await res.json();
    } catch (e) {
      return { ok: false, error: { code: "http_" + res.status, message: "服务器出错（" + res.status + "）" } };
    }
  }

  const message = (data) => (data && data.error && data.error.message) || "操作失败，请重试";

  async function act(t, action, payload) {
    const data = await call("POST", "/" + t.topic_id + "/" + action, payload);
    if (!data.ok) { toast(message(data)); return; }
    toast("已处理「" + t.title + "」", "ok");
    render(data);
  }

  function controls(t) {
    const open = t.status !== "merged" && t.status !== "rejected";
    if (!open) return null;
    const others = topics.filter((o) => o.topic_id !== t.topic_id && o.status !== "merged" && o.status !== "rejected");
    const into = el("select", { className: "merge-into", "aria-label": "合并到" }, [
      el("option", { value: "", text: "合并到…（选择议题）" }),
      ...others.map((o) => el("option", {
        value: o.topic_id, text: o.title, selected: t.duplicate_of && t.duplicate_of.topic_id === o.topic_id,
      })),
    ]);
    const reason = el("input", { className: "reject-reason", maxlength: "200", placeholder: "不采纳的理由（必填）", "aria-label": "不采纳的理由" });
    const level = el("select", { className: "level", "aria-label": "级别" }, LEVELS.map(([v, label]) => el("option", {
      value: v, text: label + "级", selected: t.level === v,
    })));
    const canScreen = t.status === "pending" || t.status === "accepted";
    return el("div", { className: "screen-actions" }, [
      t.status === "pending" ? el("button", { className: "btn primary accept", type: "button", text: "采纳", onclick: () => act(t, "accept", {}) }) : null,
      canScreen && others.length ? el("div", { className: "field-row" }, [
        into,
        el("button", { className: "btn merge", type: "button", text: "合并", onclick: () => {
          if (!into.value) { toast("请选择要合并到的议题"); into.focus(); return; }
          act(t, "merge", { into: into.value });
        } }),
      ]) : null,
      canScreen ? el("div", { className: "field-row" }, [
        reason,
        el("button", { className: "btn danger reject", type: "button", text: "不采纳", onclick: () => {
          if (!reason.value.trim()) { toast("请写明不采纳的理由"); reason.focus(); return; }
          act(t, "reject", { reason: reason.value });
        } }),
      ]) : null,
      el("div", { className: "field-row" }, [
        level,
        el("button", { className: "btn set-level", type: "button", text: "设置级别", onclick: () => act(t, "level", { level: level.value }) }),
        canScreen && t.level !== "street" ? el("button", { className: "btn escalate", type: "button", text: "上报上一级", onclick: () => act(t, "escalate", {}) }) : null,
      ]),
    ]);
  }

  function card(t) {
    const flags = (t.flags || []).map((f) => el("span", { className: "tag warn", text: FLAGS[f] || f }));
    const dup = t.duplicate_of
      ? el("p", { className: "suggest" }, ["系统提示：疑似与「" + t.duplicate_of.title + "」重复（相似度 " + Number(t.similarity).toFixed(2) + "）"])
      : null;
    let reason = "";
    if (t.status === "merged" && t.merged_into) reason = "已合并到「" + t.merged_into.title + "」" + (t.reason ? "：" + t.reason : "");
    else if (t.reason) reason = t.status_label + "：" + t.reason;
    return el("li", { className: "topic status-" + t.status, dataset: { topic: t.topic_id } }, [
      el("div", { className: "row" }, [
        el("strong", { className: "topic-title", text: t.title }),
        el("span", { className: "badge status", text: t.status_label }),
      ]),
      t.body ? el("p", { className: "topic-body", text: t.body }) : null,
      t.photos.length ? el("div", { className: "photos" }, t.photos.map((id) => el("img", { src: url("/photos/" + id), alt: "议题照片", loading: "lazy" }))) : null,
      el("p", { className: "hint" }, [
        t.author.name + "（" + t.author.building + (t.author.self_declared ? "，自报身份" : "") + "） · " + t.category + " · " + t.level_label + "级 · 附议 " + t.supporters + " 人 · 热度 " + Number(t.heat.score).toFixed(1),
      ]),
      flags.length ? el("p", {}, flags) : null,
      dup,
      t.heat.escalate && (t.status === "pending" || t.status === "accepted") && t.level !== "street"
        ? el("p", { className: "suggest escalate-hint", text: "热度已达 " + Number(t.heat.score).toFixed(1) + "，建议上报上一级（" + t.heat.explanation + "）" })
        : null,
      reason ? el("p", { className: "reason", text: reason }) : null,
      controls(t),
      research(t),
    ]);
  }

  /** 会前调研 for an accepted topic: tick at least 3 议事代表; 重新协商 puts it on the next meeting's form. */
  function research(t) {
    if (t.status !== "accepted" && t.status !== "escalated") return null;
    const boxes = reps.map((r) => el("label", { className: "check" }, [
      el("input", { type: "checkbox", value: r.person_id }), " " + r.name + "（" + r.building + "）",
    ]));
    const send = async (path, payload, done) => {
      const data = await call("POST", "/" + t.topic_id + "/" + path, payload);
      toast(data.ok ? done : message(data), data.ok ? "ok" : undefined);
    };
    return el("details", { className: "research-assign" }, [
      el("summary", { text: "会前调研与上会" }),
      reps.length ? el("div", { className: "rep-boxes" }, boxes) : el("p", { className: "hint", text: "名册中还没有分组为「议事代表」的人员。" }),
      el("button", { className: "btn assign-research", type: "button", text: "安排调研（至少 3 名议事代表）", onclick: () => {
        const ids = boxes.map((b) => b.querySelector("input")).filter((i) => i.checked).map((i) => i.value);
        send("research", { person_ids: ids }, "已安排调研「" + t.title + "」");
      } }),
      el("button", { className: "btn carry-over", type: "button", text: "列入下次会议（重新协商）",
        onclick: () => send("carry-over", {}, "已列入下次会议的议程") }),
    ]);
  }

  function render(data) {
    topics = data.topics;
    $("queue-count").textContent = "（" + data.pending + " 条" + (data.pending > data.queue.length ? "，显示最早的 " + data.queue.length + " 条" : "") + "）";
    fill($("queue"), data.queue.map(card));
    fill($("all"), data.topics.filter((t) => t.status !== "pending").map(card));
    body.dataset.state = "ready";
  }

  async function load() {
    const found = await call("GET", "/representatives");
    reps = found.ok ? found.representatives : [];
    const data = await call("GET", "");
    const box = $("page-error");
    box.textContent = data.ok ? "" : message(data);
    box.hidden = data.ok;
    if (data.ok) render(data);
  }

  async function link(path) {
    const data = await call("POST", path, {});
    if (!data.ok) { toast(message(data)); return; }
    $("topics-link").value = data.url;
    $("topics-link").hidden = false;
    if (path.endsWith("rotate")) toast("旧链接已作废，请发送新链接", "ok");
  }
  const make = $("make-link");
  if (make) {
    make.addEventListener("click", () => link("-link"));
    $("rotate-link").addEventListener("click", () => {
      if (confirm("作废当前的议题征集链接？已发出的旧链接将立即失效。")) link("-link/rotate");
    });
  }
  load();
})();
