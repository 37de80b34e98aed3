/* Hall audio station: the laptop wired to the hall's mixer. One tap sends the hall microphone to the
 * server (as the "hall" source) and plays back, through the hall loudspeakers, whoever holds the floor from
 * a phone — both on one WebRTC connection. The server decides whose audio counts (the hall microphone only
 * while an in-room person holds the floor or between turns, never while a phone is played into the hall,
 * so no echo cancellation is needed; the browser's processing is off, README). Reconnects by itself. */
"use strict";

(function () {
  const { $, show } = GZ;
  const captions = GZ.captionBox($("captions"), { max: 8 });
  const station = { started: false, pc: null, stream: null, meter: null, retries: 0, timer: null, generation: 0 };
  window.gzStation = station; // the browser tests read its state
  let camera = null;

  function setStatus(state, text) {
    const s = $("station-status");
    s.dataset.station = state;
    s.textContent = text;
    document.body.dataset.station = state;
  }

  const conn = GZ.connect({
    quiet: (event) => event === "rtc_offer" || event === "camera_offer" || event === "camera_close",
    onEvent(record, v) {
      if (record.type === "CaptionCommitted") captions.commit(record, v);
      if (record.type === "CaptionCorrected") captions.correct(record);
    },
    onTransient(msg) { if (msg.kind === "caption_partial") captions.partial(msg); },
    onWelcome() {
      // After the server restarted (or the network came back) our connection is gone there: offer again.
      if (station.started && station.generation > 0) reconnect(0);
      if (camera) camera.reconnect();
    },
    onView(v) {
      $("item-title").textContent = GZ.headerLine(v);
      const f = v.floor;
      const who = f ? GZ.nameWithBadge(f.name, f.role, f) : null;
      let text = ["暂无发言"];
      if (f && f.channel === "online") text = ["正在播放：", who];
      else if (f) text = ["现场发言：", who, "（会场麦克风）"];
      GZ.fill($("now-playing"), text);
      $("now-playing").dataset.channel = f ? f.channel : "";
    },
  });

  async function playback(ev) {
    const audio = $("playback");
    audio.srcObject = new MediaStream([ev.track]);
    try {
      await audio.play();
    } catch (e) {
      setStatus("blocked", "浏览器阻止了播放声音，请再点一次“开启会场音频”");
      show($("station-start"), true);
    }
  }

  function watch(pc) {
    if (station.pc !== pc) return;
    const s = pc.connectionState;
    if (s === "connected") {
      station.retries = 0;
      setStatus("on", "会场音频已开启");
    } else if (s === "failed" || s === "closed" || s === "disconnected") {
      reconnect(s === "disconnected" ? 3000 : 1000);
    }
  }

  function reconnect(delay) {
    clearTimeout(station.timer);
    setStatus("reconnecting", "会场音频连接中断，正在重新连接…");
    station.timer = setTimeout(connectOnce, delay);
  }

  async function connectOnce() {
    const generation = ++station.generation;
    if (station.pc) { station.pc.close(); station.pc = null; }
    if (!conn.socket.connected) return; // the welcome after reconnecting offers again
    setStatus("connecting", "正在连接会场音频…");
    let result;
    try {
      result = await GZ.rtc.offerAudio(conn, station.stream, {
        source: "hall",
        onTrack: playback,
        onState: watch,
        stale: () => generation !== station.generation,
      });
    } catch (e) {
      result = { pc: null, ack: null };
    }
    if (generation !== station.generation) return;
    if (!result.pc) {
      station.retries += 1;
      const why = result.ack ? GZ.errorText(result.ack.error) : "连接失败";
      setStatus("reconnecting", "会场音频未能连接（" + why + "），正在重试…");
      station.timer = setTimeout(connectOnce, Math.min(10000, 1000 * 2 ** Math.min(station.retries, 4)));
      return;
    }
    station.pc = result.pc;
    watch(result.pc);
    // ICE that never connects (a firewall, a wrong address) is retried too.
    setTimeout(() => { if (station.pc === result.pc && result.pc.connectionState !== "connected") reconnect(0); }, 15000);
  }

  camera = GZ.hallCamera(conn, "station"); // 「开启摄像头」: the hall camera into the livestream (camera.js)
  window.gzCamera = camera.state; // the browser tests read its state

  $("station-start").addEventListener("click", async () => {
    const audio = $("playback");
    if (station.started) { // a second tap after the browser blocked playback
      audio.play().then(() => { show($("station-start"), false); watch(station.pc); }, () => {});
      return;
    }
    setStatus("opening", "正在打开会场麦克风…");
    try {
      // The browser's processing off: on far-field hall speech the captions came out better without it
      // (bench/station_constraints.py; the server has its own far-field front end, [asr_hall]). Echo
      // cancellation is not needed: the hall microphone is never used while a phone is played into the hall.
      station.stream = await GZ.rtc.openMicStream({ echoCancellation: false, noiseSuppression: false, autoGainControl: false });
    } catch (e) {
      setStatus("failed", GZ.rtc.micErrorText(e));
      return;
    }
    station.started = true;
    show($("station-start"), false);
    station.meter = GZ.rtc.levelMeter(station.stream, (level) => {
      $("mic-level").style.width = Math.round(level * 100) + "%";
      station.level = level;
      station.peak = Math.max(station.peak || 0, level);
    });
    // Unlock playback within the tap, before any audio arrives.
    audio.play().catch(() => {});
    connectOnce();
  });
})();
