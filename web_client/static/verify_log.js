/* Checks a meeting's public record in the browser, as `gongzhi verify --log` does on a computer
 * (meeting_server/ledger/verify.py): every line of log.jsonl is a record's hashed body plus its hash; the
 * body re-serialised canonically (docs/protocol.md, 「记录的核验」) must hash (SHA-256, WebCrypto) to it,
 * and each record must name the previous one's hash. GZ.verifyLogText is pure apart from WebCrypto;
 * GZ.verifyMeetingLog fetches every page of the log first. */
"use strict";

(function () {
  const GENESIS = "0".repeat(64);
  const V1 = ["actor", "meeting_id", "payload", "prev", "role", "seq", "ts", "type"];
  const V2 = ["actor", "meeting_id", "payload_digest", "prev", "role", "seq", "ts", "type", "v"];
  const TEXT = ["meeting_id", "ts", "actor", "role", "type", "prev"];

  /** The server's canonical JSON (Python json.dumps, sort_keys, no blanks, ensure_ascii off) of what a
   * record body holds: objects, strings and integers. */
  function canonical(value) {
    if (value === null || typeof value !== "object") return JSON.stringify(value);
    if (Array.isArray(value)) return "[" + value.map(canonical).join(",") + "]";
    // Python sorts keys by code point; JS's default sort compares UTF-16 units: the same for the
    // ASCII keys a body has.
    const keys = Object.keys(value).sort();
    return "{" + keys.map((k) => JSON.stringify(k) + ":" + canonical(value[k])).join(",") + "}";
  }

  async function sha256hex(text) {
    const digest = await crypto.subtle.digest("SHA-256", new TextEncoder().encode(text));
    return Array.from(new Uint8Array(digest), (b) => b.toString(16).padStart(2, "0")).join("");
  }

  const sameKeys = (a, b) => a.length === b.length && a.every((k, i) => k === b[i]);

  /** The line's shape problem, or "" when it has the fields of a v1 or v2 body plus `hash`. */
  function shapeError(line) {
    if (line === null || typeof line !== "object" || Array.isArray(line)) return "不是记录";
    const keys = Object.keys(line).filter((k) => k !== "hash").sort();
    if (!(sameKeys(keys, V1) || sameKeys(keys, V2)) || typeof line.hash !== "string") return "字段不符";
    if (!Number.isInteger(line.seq) || !TEXT.every((k) => typeof line[k] === "string")) return "字段类型不符";
    if ("v" in line && (line.v !== 2 || typeof line.payload_digest !== "string")) return "未知的记录格式";
    if ("payload" in line && typeof line.payload !== "string") return "字段类型不符";
    return "";
  }

  /** Verify a log.jsonl text: {ok, count, head, brokenAt (seq or null), reason}. */
  async function verifyLogText(text, expectHead) {
    let prev = GENESIS;
    let count = 0;
    let meeting = null;
    const fail = (brokenAt, reason) => ({ ok: false, count, head: prev, brokenAt, reason });
    const rows = text.split(/\r?\n/).filter((r) => r.trim() !== "");
    for (const [i, raw] of rows.entries()) {
      const seq = count + 1;
      let line;
      try { line = JSON.parse(raw); } catch (e) { return fail(seq, `第 ${i + 1} 行不是 JSON`); }
      const problem = shapeError(line);
      if (problem) return fail(seq, `第 ${i + 1} 行${problem}`);
      if (line.seq !== seq) return fail(line.seq, `序号不连续：应为 ${seq}，实为 ${line.seq}`);
      if (meeting !== null && line.meeting_id !== meeting) return fail(seq, "混入了另一会议的记录");
      meeting = line.meeting_id;
      if (line.prev !== prev) return fail(seq, "与上一条的哈希衔接不上");
      const body = Object.assign({}, line);
      delete body.hash;
      if ((await sha256hex(canonical(body))) !== line.hash) return fail(seq, "内容与哈希不符");
      prev = line.hash;
      count += 1;
    }
    if (expectHead && prev !== expectHead.trim().toLowerCase()) {
      return { ok: false, count, head: prev, brokenAt: null, reason: "末条哈希与预期不同" };
    }
    return { ok: true, count, head: prev, brokenAt: null, reason: "" };
  }

  /** Fetch every page of a meeting's log (with the page's link token) and verify it. The result also
   * says from which seq records are withheld for now, and why (the server's headers). */
  async function verifyMeetingLog(meetingId, token) {
    const base = `/api/meetings/${encodeURIComponent(meetingId)}/log.jsonl`;
    let text = "";
    let after = 0;
    let withheld = null;
    for (;;) {
      const q = new URLSearchParams({ t: token, after: String(after) });
      const r = await fetch(`${base}?${q}`, { cache: "no-store" });
      if (!r.ok) {
        let message = `服务器拒绝（${r.status}）`;
        try { message = (await r.json()).error.message || message; } catch (e) { /* not JSON */ }
        return { ok: false, fetchError: true, count: 0, head: GENESIS, brokenAt: null, reason: message };
      }
      text += await r.text();
      const from = r.headers.get("X-Gongzhi-Withheld-From");
      if (from) withheld = { from: Number(from), reason: r.headers.get("X-Gongzhi-Withheld-Reason") };
      const next = r.headers.get("X-Gongzhi-Next-After");
      if (!next) break;
      after = Number(next);
    }
    const result = await verifyLogText(text);
    return Object.assign(result, { withheld, text });
  }

  const WITHHELD = {
    "open-vote": "表决进行中，选票在表决结束后公开",
    "legacy-secret-ballot": "旧版记录中的无记名选票不能公开",
    "legacy-private-payload": "旧版记录中的名册不能公开",
  };

  /** The line a page shows for a result. */
  function describe(result) {
    if (result.fetchError) return `无法取得记录：${result.reason}`;
    if (!result.ok) {
      const where = result.brokenAt === null ? "" : `第 ${result.brokenAt} 条`;
      return `记录核验未通过：${where}${result.reason}`;
    }
    let line = `记录已核验 · 共 ${result.count} 条 · 末条哈希 ${result.head.slice(0, 16)}…`;
    if (result.withheld) {
      line += `（第 ${result.withheld.from} 条起暂不公开：${WITHHELD[result.withheld.reason] || "暂不公开"}）`;
    }
    return line;
  }

  window.GZ = window.GZ || {};
  Object.assign(window.GZ, { canonicalJSON: canonical, verifyLogText, verifyMeetingLog, describeLogCheck: describe });
})();
