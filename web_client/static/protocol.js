/* Gongzhi pages: the socket protocol client (docs/protocol.md). Says hello with the page's link token and
 * the session kept on this device, replays missed events by sequence number (re-syncing on a gap), keeps
 * the speaking clock fed with each view, and sends acknowledged calls. Needs common.js loaded first. */
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
      session: localStorage.getItem(key), syncing: false, stats: { welcomes: 0, replayed: 0, syncs: 0, snapshots: 0 },
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
      if (you.participant_id && role !== "observer") conn.me = you.participant_id;
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
      setClock(w.view);
      h.onWelcome && h.onWelcome(w);
      h.onView && h.onView(w.view);
      paintClocks();
      setStatus("online");
      body.dataset.state = "ready";
      body.dataset.seq = String(conn.last);
    });

    socket.on("events", (msg) => {
      if (conn.last === null) return; // the welcome comes first and covers it
      const evs = msg.events || [];
      if (evs.length && evs[0].seq > conn.last + 1) {
        if (!conn.syncing) {
          conn.syncing = true;
          conn.stats.syncs += 1;
          socket.emit("sync", { since: conn.last });
        }
        return;
      }
      for (const e of evs) {
        if (e.seq <= conn.last) continue;
        if (e.type === "FloorExpired") GZ.noteFloorEnded(e, msg.view); // live only: a replayed 0:00 is old news
        h.onEvent && h.onEvent(e, msg.view, false);
        conn.last = e.seq;
      }
      conn.view = msg.view;
      setClock(msg.view);
      h.onView && h.onView(msg.view);
      paintClocks();
      body.dataset.seq = String(conn.last);
    });

    socket.on("transient", (msg) => h.onTransient && h.onTransient(msg));
    socket.on("mic", (msg) => h.onMic && h.onMic(msg));
    // Dropped by the server for good: the same personal link opened on another device, or this link
    // revoked/rotated by the staff. The page stays disconnected and says why.
    for (const why of ["taken_over", "link_revoked"]) {
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

  function fatal(text) {
    const main = $("main");
    if (main) fill(main, [el("div", { className: "fatal" }, [el("p", { className: "big", text })])]);
  }

  window.GZ.connect = connect;
})();
