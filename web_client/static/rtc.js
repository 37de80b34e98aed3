/* Audio over WebRTC to the server, shared by the resident's phone (their turn) and the hall audio station
 * (the hall microphone, and the phone speakers played back into the hall). Signalling is one rtc_offer
 * with the complete offer (no trickle); docs/protocol.md. */
"use strict";

(function () {
  function gathered(pc, ms) {
    return new Promise((done) => {
      if (pc.iceGatheringState === "complete") return done();
      pc.addEventListener("icegatheringstatechange", () => pc.iceGatheringState === "complete" && done());
      setTimeout(done, ms);
    });
  }

  /** getUserMedia constraints: the browser's processing by default; ?audio=raw turns it off (measurements). */
  function micConstraints(defaults) {
    if (new URLSearchParams(location.search).get("audio") === "raw") {
      return { audio: { echoCancellation: false, noiseSuppression: false, autoGainControl: false } };
    }
    return { audio: defaults || true };
  }

  async function openMicStream(defaults) {
    if (!window.isSecureContext || !navigator.mediaDevices) throw new Error("insecure");
    return navigator.mediaDevices.getUserMedia(micConstraints(defaults));
  }

  /** The Chinese reason a microphone could not be opened. */
  function micErrorText(e) {
    const name = e && e.name;
    if (e && e.message === "insecure") return "需要安全连接（https）才能使用麦克风，请联系工作人员";
    if (name === "NotAllowedError") return "浏览器没有允许使用麦克风，请在浏览器设置中允许后重试";
    if (name === "NotFoundError") return "没有找到麦克风，请检查麦克风是否接好";
    if (name === "NotReadableError") return "麦克风被其他程序占用，请关闭其他程序后重试";
    return "无法打开麦克风";
  }

  /**
   * Offer `stream` to the server. opts.source ("hall" for the station), opts.onTrack (audio the server
   * sends back), opts.stale() → true when the caller no longer wants this connection (checked between
   * steps), opts.event (default "rtc_offer"; the hall camera's is "camera_offer"), opts.extra (more fields
   * of the offer's payload). Resolves to {pc, ack}:
   * pc is null when refused (ack says why) or stale.
   */
  async function offerAudio(conn, stream, opts) {
    const o = opts || {};
    const pc = new RTCPeerConnection({ iceServers: (conn.rtc && conn.rtc.ice_servers) || [] });
    stream.getTracks().forEach((t) => pc.addTrack(t, stream));
    if (o.onTrack) pc.addEventListener("track", o.onTrack);
    const drop = (ack) => { pc.close(); return { pc: null, ack }; };
    await pc.setLocalDescription(await pc.createOffer());
    await gathered(pc, 3000);
    if (o.stale && o.stale()) return drop(null);
    const body = { sdp: pc.localDescription.sdp, type: "offer" };
    if (o.source) body.source = o.source;
    if (o.extra) Object.assign(body, o.extra);
    const ack = await conn.call(o.event || "rtc_offer", body);
    if (!ack.ok || (o.stale && o.stale())) return drop(ack.ok ? null : ack);
    if (o.onState) pc.addEventListener("connectionstatechange", () => o.onState(pc));
    await pc.setRemoteDescription(ack.answer);
    return { pc, ack };
  }

  /** A level meter: calls paint(0..1) about ten times a second with the stream's loudness. */
  function levelMeter(stream, paint) {
    const Ctx = window.AudioContext || window.webkitAudioContext;
    if (!Ctx) return { stop() {} };
    const ctx = new Ctx();
    const analyser = ctx.createAnalyser();
    analyser.fftSize = 1024;
    ctx.createMediaStreamSource(stream).connect(analyser);
    const buf = new Float32Array(analyser.fftSize);
    const timer = setInterval(() => {
      analyser.getFloatTimeDomainData(buf);
      let sum = 0;
      for (const x of buf) sum += x * x;
      const rms = Math.sqrt(sum / buf.length);
      paint(Math.min(1, rms * 4));
    }, 100);
    return { stop() { clearInterval(timer); ctx.close(); } };
  }

  window.GZ.rtc = { gathered, micConstraints, openMicStream, micErrorText, offerAudio, levelMeter };
})();
