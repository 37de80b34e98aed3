/* Gongzhi pages: the speaking clock's alerts on the timer page and the hall display — the clock flashes and a
 * beep sounds at the warning (ClockWarning) and at 0:00 (FloorExpired). The sound is made with WebAudio
 * (no audio files). Browsers play sound only after a tap, so a 「提示音」 switch unlocks it; it is on by default,
 * except on phones, and remembered per page on this device. Needs common.js loaded first. */
"use strict";

(function () {
  const FLASH_MS = 3600; // a few seconds: the CSS animation runs 6 × 0.6 s
  const KINDS = { ClockWarning: "warning", FloorExpired: "expired" };

  /** A phone: a finger for a pointer and a small screen (a tablet on the timer's desk keeps its sound). */
  function isPhone() {
    const coarse = window.matchMedia("(pointer: coarse)").matches;
    return coarse && Math.min(window.innerWidth, window.innerHeight) < 600;
  }

  /** One tone with soft edges (no clicks), `start` and `dur` in seconds of the context's clock. */
  function tone(ctx, freq, start, dur) {
    const osc = ctx.createOscillator();
    const gain = ctx.createGain();
    osc.type = "sine";
    osc.frequency.value = freq;
    gain.gain.setValueAtTime(0.0001, start);
    gain.gain.exponentialRampToValueAtTime(0.6, start + 0.02);
    gain.gain.setValueAtTime(0.6, start + dur - 0.06);
    gain.gain.exponentialRampToValueAtTime(0.0001, start + dur);
    osc.connect(gain).connect(ctx.destination);
    osc.start(start);
    osc.stop(start + dur + 0.02);
  }

  /** The warning: one short high beep. 0:00: a longer falling double tone, not to be mistaken for it. */
  function beep(ctx, kind) {
    const t = ctx.currentTime + 0.02;
    if (kind === "warning") {
      tone(ctx, 880, t, 0.25);
    } else {
      tone(ctx, 660, t, 0.6);
      tone(ctx, 440, t + 0.75, 0.9);
    }
  }

  /**
   * alerts({page, clock, toggle, hint}): `clock` is the clock element to flash, `toggle` the 「提示音」
   * button, `hint` the 「点击开启提示音」 button shown while sound is on but the browser has not let it play.
   * Returns {event(record, replayed)}: the page passes every logged event; an event replayed from the log
   * (the page catching up) is old news and alerts nobody. Counters are on window.gzAlerts for the tests.
   */
  function alerts(opts) {
    const key = "gongzhi:alerts:" + opts.page;
    const stored = localStorage.getItem(key);
    const state = { sound: stored === null ? !isPhone() : stored === "1", beeps: 0, flashes: 0, last: null, audio: "none" };
    let ctx = null;
    let flashTimer = 0;
    window.gzAlerts = state;

    function refresh() {
      state.audio = ctx ? ctx.state : "none";
      opts.toggle.textContent = state.sound ? "提示音：开" : "提示音：关";
      opts.toggle.setAttribute("aria-pressed", state.sound ? "true" : "false");
      GZ.show(opts.hint, state.sound && state.audio !== "running");
    }

    /** Called from a tap: the only moment a browser lets a page start its audio. */
    function unlock() {
      if (!ctx) {
        const Ctx = window.AudioContext || window.webkitAudioContext;
        if (!Ctx) return;
        ctx = new Ctx();
        ctx.addEventListener("statechange", refresh);
      }
      if (ctx.state !== "running") ctx.resume().then(refresh, refresh);
      refresh();
    }

    function flash(kind) {
      const node = opts.clock;
      node.classList.remove("alerting");
      void node.offsetWidth; // restart the animation when a second alert comes during the first
      node.dataset.alert = kind;
      node.classList.add("alerting");
      clearTimeout(flashTimer);
      flashTimer = setTimeout(() => {
        node.classList.remove("alerting");
        delete node.dataset.alert;
      }, FLASH_MS);
      state.flashes += 1;
    }

    opts.toggle.addEventListener("click", () => {
      state.sound = !state.sound;
      localStorage.setItem(key, state.sound ? "1" : "0");
      if (state.sound) unlock();
      refresh();
    });
    // Any tap on the page may unlock the sound that is switched on (the timer taps 开始 anyway).
    const onTap = () => { if (state.sound && (!ctx || ctx.state !== "running")) unlock(); };
    document.addEventListener("click", onTap, true);
    document.addEventListener("keydown", onTap, true);
    refresh();

    return {
      event(record, replayed) {
        const kind = KINDS[record.type];
        if (!kind || replayed) return;
        state.last = kind;
        flash(kind);
        if (!state.sound || !ctx || ctx.state !== "running") return;
        try {
          beep(ctx, kind);
          state.beeps += 1;
        } catch (e) {
          console.warn("alert sound failed", e); // the page's event handling must go on regardless
        }
      },
    };
  }

  window.GZ.alerts = alerts;
})();
