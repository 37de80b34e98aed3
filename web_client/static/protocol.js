/* Gongzhi pages: the socket protocol client (docs/protocol.md). Says hello with the page's link token and
 * the session kept on this device, replays missed events by sequence number, applies each batch's view
 * delta (re-syncing on a gap or a delta that does not fit), keeps the speaking clock fed with each view,
 * and sends acknowledged calls. Needs common.js loaded first. */
"use strict";

(function () {
  const { $, el, fill, toast, errorText, setClock, paintClocks } = window.GZ;

  const SESSION_CODES = new Set(["bad_token", "forged_token", "expired_token", "wrong_meeting", "wrong_role",
    "not_found"]);
  // Refusals of a busy server, not of this link: try again a little later (spread, so a hall does not
  // come back all at once).
  const BUSY_CODES = new Set(["rate_limited", "too_many_connections"]);
  const later = (fn) => setTimeout(fn, 2000 + Math.random() * 4000);

  /**
   * Connect with the page's link token (and the session kept on this device), say hello, then deliver:
   * h.onEvent(record, view, replayed) for every new logged event in order (gaps are re-fetched with sync;
   * `replayed` is true for the events a welcome catches up on, which happened while the page was away),
   * h.onView(view) after each batch or welcome, h.onTransient(msg), h.onMic(msg), h.onWelcome(welcome).
   * h.history: send hello {since: 0} on the first connect (the page wants the whole log, e.g. transcript).
   */
  function connect(h) {
    const body = document.body;
    const meeting = body.dataset.meeting;
    const role = body.dataset.role;
    const token = body.dataset.token;
    const key = "gongzhi:session:" + meeting + ":" + role;
    const conn = {
      meeting, role, token, socket: null, view: null, last: null, me: null, rtc: { ice_servers: [] },
      session: localStorage.getItem(key), syncing: false, stats: { welcomes: 0, replayed: 0, syncs: 0, snapshots: 0, deltas: 0 },
    };
    const banner = $("conn");

    function setStatus(state) {
      body.dataset.conn = state;
      const text = { connecting: "正在连接…", reconnecting: "重新连接中…", online: "" }[state];
      banner.textContent = text || "";
      banner.className = "conn " + state;
      banner.hidden = !text;
    }

    function saveSession(session) {
      if (!session) return;
      conn.session = session;
      localStorage.setItem(key, session);
    }

    const socket = io({
      transports: ["websocket", "polling"],
      tryAllTransports: true,
      reconnectionDelay: 500,
      reconnectionDelayMax: 4000,
      timeout: 8000,
      auth: (cb) => cb(conn.session ? { token, session: conn.session } : { token }),
    });
    conn.socket = socket;
    setStatus("connecting");

    function sayHello() {
      let hello = {};
      if (conn.last !== null) hello = { since: conn.last };
      else if (h.history) hello = { since: 0 };
      socket.timeout(10000).emit("hello", hello, (err, ack) => {
        if (err) { socket.disconnect().connect(); return; }
        if (!ack.ok && ack.error && BUSY_CODES.has(ack.error.code)) {
          later(() => { if (socket.connected) sayHello(); });
          return;
        }
        if (!ack.ok) toast(errorText(ack.error));
      });
    }
    socket.on("connect", sayHello);

    socket.on("disconnect", (reason) => {
      if (reason !== "io client disconnect") setStatus("reconnecting");
    });

    socket.on("connect_error", (err) => {
      const code = err && err.data && err.data.code;
      if (!socket.active) {
        // Refused by the server: a stale session (e.g. an old device token) is dropped and we try once
        // more with the link alone; a bad link is final.
        if (conn.session && SESSION_CODES.has(code)) {
          conn.session = null;
          localStorage.removeItem(key);
          socket.connect();
          return;
        }
        if (BUSY_CODES.has(code)) {
          setStatus(conn.last === null ? "connecting" : "reconnecting");
          later(() => socket.connect());
          return;
        }
        setStatus("online");
        body.dataset.state = "refused";
        fatal(errorText({ code }));
        return;
      }
      setStatus(conn.last === null ? "connecting" : "reconnecting");
    });

    socket.on("welcome", (w) => {
      conn.stats.welcomes += 1;
      conn.rtc = w.rtc || { ice_servers: [] }; // ICE servers (and TURN credentials) only for those who may speak
      const you = w.you || {};
      saveSession(you.session);
      if (you.participant_id && role !== "observer" && role !== "hall") conn.me = you.participant_id;
      conn.you = w.view.you || null;
      if (w.events) {
        for (const e of w.events) {
          if (conn.last !== null && e.seq <= conn.last) continue;
          conn.stats.replayed += 1;
          h.onEvent && h.onEvent(e, w.view, true);
          conn.last = e.seq;
        }
      } else if (conn.last !== null && w.seq > conn.last) {
        conn.stats.snapshots += 1; // missed too much to replay: the view alone is the truth now
      }
      conn.last = w.seq;
      conn.syncing = false;
      conn.view = w.view;
      GZ.knowPeople(w.view);
      setClock(w.view);
      h.onWelcome && h.onWelcome(w);
      h.onView && h.onView(w.view);
      paintClocks();
      setStatus("online");
      body.dataset.state = "ready";
      body.dataset.seq = String(conn.last);
    });

    function resync() {
      if (conn.syncing) return;
      conn.syncing = true;
      conn.stats.syncs += 1;
      socket.emit("sync", { since: conn.last });
    }

    // A batch carries what changed in the view since `base_seq`; it fits only the view we hold at exactly
    // that number. A gap, a patch that does not fit, anything odd: ask for the whole view again (sync).
    socket.on("events", (msg) => {
      if (conn.last === null) return; // the welcome comes first and covers it
      const evs = msg.events || [];
      const seq = typeof msg.seq === "number" ? msg.seq : (evs.length ? evs[evs.length - 1].seq : conn.last);
      if (seq <= conn.last) return; // a duplicate (scale-out): we have it already
      let view;
      if (msg.view) {
        if (evs.length && evs[0].seq > conn.last + 1) { resync(); return; }
        view = msg.view; // the server sent the whole view (it had no base to compare with)
      } else {
        if (msg.base_seq !== conn.last || (evs.length && evs[0].seq !== conn.last + 1)) { resync(); return; }
        try {
          view = applyDelta(publicPart(conn.view), msg.delta);
        } catch (e) {
          resync();
          return;
        }
        conn.stats.deltas += 1;
      }
      for (const e of evs) {
        if (e.seq <= conn.last) continue;
        if (e.type === "FloorExpired") GZ.noteFloorEnded(e, view); // live only: a replayed 0:00 is old news
        h.onEvent && h.onEvent(e, view, false);
        conn.last = e.seq;
      }
      conn.last = seq;
      conn.view = view;
      GZ.knowPeople(view);
      setClock(view);
      h.onView && h.onView(view);
      paintClocks();
      body.dataset.seq = String(conn.last);
    });

    socket.on("transient", (msg) => h.onTransient && h.onTransient(msg));
    socket.on("mic", (msg) => h.onMic && h.onMic(msg));
    // Dropped by the server for good: the same personal link opened on another device, this link
    // revoked/rotated by the staff, or expired. The page stays disconnected and says why.
    for (const why of ["taken_over", "link_revoked", "link_expired"]) {
      socket.on(why, (msg) => {
        socket.disconnect();
        setStatus("online");
        body.dataset.state = why;
        fatal((msg && msg.message) || errorText({ code: why }));
      });
    }

    // Phones sleep and change networks: retry at once when the network or the screen comes back.
    const nudge = () => { if (!socket.connected && socket.active) socket.connect(); };
    window.addEventListener("online", nudge);
    document.addEventListener("visibilitychange", () => { if (!document.hidden) nudge(); });

    /** Send a message with an acknowledgement; refusals are shown in Chinese and returned. */
    conn.call = async function (event, payload) {
      if (!socket.connected) {
        const ack = { ok: false, error: { code: "offline" } };
        toast(errorText(ack.error));
        return ack;
      }
      let ack;
      try {
        ack = await socket.timeout(10000).emitWithAck(event, payload);
      } catch (e) {
        ack = { ok: false, error: { code: "timeout" } };
      }
      if (!ack.ok && !(h.quiet && h.quiet(event, ack))) toast(errorText(ack.error));
      return ack;
    };
    conn.command = (type, fields) => conn.call("command", Object.assign({ type }, fields || {}));
    conn.join = async function (name) {
      const ack = await conn.call("join", { name });
      if (ack.ok) {
        saveSession(ack.you.session);
        conn.me = ack.you.participant_id;
        if (ack.rtc) conn.rtc = ack.rtc; // joined: now one who may be given the floor
      }
      return ack;
    };
    window.gz = conn; // for the browser tests and for support staff poking at a phone
    return conn;
  }

  /* The view patches of `events` messages (meeting_server/core/delta.py; docs/protocol.md): a new value,
   * sharing what did not change; `a` itself is left as it was (pages compare the old view with the new).
   * Throws when the patch does not fit `a`. */
  const isObject = (x) => x !== null && typeof x === "object" && !Array.isArray(x);
  const has = (o, k) => Object.prototype.hasOwnProperty.call(o, k);

  /** A view as broadcast: the welcome's adds `you`, which no broadcast carries (nor patches). */
  function publicPart(view) {
    if (!has(view, "you")) return view;
    const out = Object.assign({}, view);
    delete out.you;
    return out;
  }

  function applyDelta(a, p) {
    if (p === null || p === undefined) return a;
    if (!isObject(p)) throw new Error("a patch is an object");
    if (has(p, "value")) return p.value;
    if (has(p, "by")) return applyKeyed(a, p);
    if (has(p, "fields") || has(p, "removed")) return applyFields(a, p);
    throw new Error("unknown patch shape");
  }

  function applyFields(a, p) {
    if (!isObject(a)) throw new Error("a field patch on something that is not an object");
    const out = Object.assign({}, a);
    for (const k of p.removed || []) {
      if (!has(out, k)) throw new Error("removed field " + k + " is not there");
      delete out[k];
    }
    for (const [k, sub] of Object.entries(p.fields || {})) {
      if (has(out, k)) out[k] = applyDelta(out[k], sub);
      else if (isObject(sub) && has(sub, "value")) out[k] = sub.value;
      else throw new Error("field " + k + " is patched but not there");
    }
    return out;
  }

  function applyKeyed(a, p) {
    const key = p.by;
    if (!Array.isArray(a) || !a.every((e) => isObject(e) && has(e, key))) {
      throw new Error("a list patch by " + key + " on a list without that key");
    }
    const removed = new Set(p.removed || []);
    const changes = new Map(p.changed || []);
    let out = [];
    for (const e of a) {
      const k = e[key];
      if (removed.has(k)) continue;
      if (changes.has(k)) {
        out.push(applyDelta(e, changes.get(k)));
        changes.delete(k);
      } else out.push(e);
    }
    if (changes.size) throw new Error("entries patched but not there");
    for (const [i, entry] of p.inserted || []) {
      if (!(i >= 0 && i <= out.length)) throw new Error("insert at " + i + " in a list of " + out.length);
      out.splice(i, 0, entry);
    }
    const f = p.ordinal;
    if (f) out = out.map((e, i) => (e[f] === i + 1 ? e : Object.assign({}, e, { [f]: i + 1 })));
    return out;
  }

  function fatal(text) {
    const main = $("main");
    if (main) fill(main, [el("div", { className: "fatal" }, [el("p", { className: "big", text })])]);
  }

  window.GZ.connect = connect;
  window.GZ.applyDelta = applyDelta;
})();
