/* 「收听会场」 on the resident's phone: the meeting audio (the hall and whoever holds the floor) from the
 * server's live stream, started by one tap (browsers play sound only after a tap). It mutes itself while
 * this resident holds the floor (no echo of one's own voice), reconnects when the stream drops, and stays
 * near the live edge so the delay does not grow. */
"use strict";

(function () {
  const MAX_BEHIND_S = 2.5;

  /** Bind a listen button and a status line to an <audio>; returns {update(view, me)}. */
  function listenControl(button, status, audio, url) {
    const state = { on: false, muted: false, retries: 0, timer: null };
    window.gzListen = state; // the browser tests read it

    function say(kind, text) {
      status.dataset.listen = kind;
      status.textContent = text;
      button.textContent = state.on ? "停止收听" : "收听会场";
      button.setAttribute("aria-pressed", state.on ? "true" : "false");
    }

    function start() {
      clearTimeout(state.timer);
      audio.src = url + "&r=" + Date.now(); // a fresh connection: the live edge, not an old buffer
      audio.muted = state.muted;
      say("connecting", "正在连接会场声音…");
      audio.play().catch((e) => {
        if (!state.on) return;
        if (e && e.name === "NotAllowedError") { state.on = false; say("blocked", "浏览器没有允许播放声音，请再点一次“收听会场”"); }
      });
    }

    function stop() {
      clearTimeout(state.timer);
      audio.pause();
      audio.removeAttribute("src");
      audio.load();
    }

    function retry() {
      if (!state.on) return;
      state.retries += 1;
      say("connecting", "会场声音中断，正在重新连接…");
      state.timer = setTimeout(start, Math.min(8000, 1000 * state.retries));
    }

    button.addEventListener("click", () => {
      state.on = !state.on;
      state.retries = 0;
      if (state.on) start(); else { stop(); say("off", "未收听会场声音（字幕照常显示）"); }
    });
    audio.addEventListener("playing", () => {
      state.retries = 0;
      say("on", state.muted ? "您正在发言，会场声音已暂时静音" : "正在收听会场声音");
    });
    audio.addEventListener("error", retry);
    audio.addEventListener("ended", retry);
    audio.addEventListener("timeupdate", () => {
      const b = audio.buffered;
      if (b.length && b.end(b.length - 1) - audio.currentTime > MAX_BEHIND_S) audio.currentTime = b.end(b.length - 1) - 0.3;
    });
    say("off", "点“收听会场”可听到会场和发言人的声音");

    return {
      update(view, me) {
        const mine = Boolean(view.floor && me && view.floor.participant_id === me);
        if (mine === state.muted) return;
        state.muted = mine;
        audio.muted = mine;
        if (state.on && !audio.paused) say("on", mine ? "您正在发言，会场声音已暂时静音" : "正在收听会场声音");
      },
    };
  }

  window.GZ.listenControl = listenControl;
})();
