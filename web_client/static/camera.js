/* The hall camera, on the hall audio station and on the recorder page (both open with the recorder's link;
 * the markup is templates/_camera.html): 「开启摄像头」 sends this computer's camera to the server on a
 * WebRTC connection of its own (camera_offer; a microphone's connection is left alone), and while it sends,
 * the livestream shows it instead of the still card. 「关闭摄像头」 stops it and the card is back.
 * One camera per meeting: starting here takes the camera over from another device (which is told, and
 * turns its own off: the server's `camera` message); reconnecting by itself (after a drop, or the server
 * restarting: reconnect() from the welcome) never takes it back from another device. */
"use strict";

(function () {
  const { $, show } = GZ;

  // This page's device id (the server tells one device's reconnect from another device's start by it).
  const deviceId = () => {
    const bytes = new Uint8Array(12);
    crypto.getRandomValues(bytes);
    return Array.from(bytes, (b) => b.toString(16).padStart(2, "0")).join("");
  };

  /** page: "station" or "recorder" (the notice to a device taken over names where the camera went). */
  function hallCamera(conn, page) {
    const cam = { on: false, pc: null, stream: null, timer: null, generation: 0, retries: 0, resume: false,
      device: deviceId() };
    const button = $("camera-toggle");
    const preview = $("camera-preview");

    function setStatus(state, text) {
      const s = $("camera-status");
      s.dataset.camera = state;
      s.textContent = text;
      document.body.dataset.camera = state;
    }

    function retry(delay) {
      clearTimeout(cam.timer);
      cam.timer = setTimeout(connectOnce, delay);
    }

    function watch(pc) {
      if (cam.pc !== pc) return;
      const s = pc.connectionState;
      if (s === "connected") {
        cam.retries = 0;
        setStatus("on", "摄像头已开启，直播显示会场画面");
      } else if (s === "failed" || s === "closed" || s === "disconnected") {
        setStatus("reconnecting", "摄像头连接中断，正在重新连接…");
        retry(s === "disconnected" ? 3000 : 1000);
      }
    }

    async function connectOnce() {
      const generation = ++cam.generation;
      if (cam.pc) { cam.pc.close(); cam.pc = null; }
      if (!cam.on || !conn.socket.connected) return;
      setStatus("connecting", "正在连接摄像头…");
      let result;
      try {
        result = await GZ.rtc.offerAudio(conn, cam.stream, {
          event: "camera_offer",
          extra: { device: cam.device, page, resume: cam.resume },
          onState: watch,
          stale: () => generation !== cam.generation || !cam.on,
        });
      } catch (e) {
        result = { pc: null, ack: null };
      }
      if (generation !== cam.generation || !cam.on) { if (result.pc) result.pc.close(); return; }
      if (!result.pc) {
        const error = result.ack && result.ack.error;
        if (error && (error.code === "forbidden" || error.code === "wrong_state" || error.code === "camera_taken")) {
          stop(false);
          setStatus("failed", "摄像头未能开启：" + (error.message || GZ.errorText(error)));
          return;
        }
        cam.retries += 1;
        setStatus("reconnecting", "摄像头未能连接（" + (error ? GZ.errorText(error) : "连接失败") + "），正在重试…");
        retry(Math.min(10000, 1000 * 2 ** Math.min(cam.retries, 4)));
        return;
      }
      cam.pc = result.pc;
      cam.resume = true; // from now on an offer is a reconnect: it never takes the camera from another device
      watch(result.pc);
      setTimeout(() => { if (cam.pc === result.pc && result.pc.connectionState !== "connected") retry(0); }, 15000);
    }

    async function start() {
      setStatus("opening", "正在打开摄像头…");
      try {
        if (!window.isSecureContext || !navigator.mediaDevices) throw new Error("insecure");
        cam.stream = await navigator.mediaDevices.getUserMedia({
          audio: false,
          video: { width: { ideal: 640 }, height: { ideal: 360 }, frameRate: { max: 15 } },
        });
      } catch (e) {
        const name = e && e.name;
        setStatus("failed", name === "NotAllowedError" ? "浏览器没有允许使用摄像头，请在浏览器设置中允许后重试"
          : name === "NotFoundError" ? "没有找到摄像头，请检查摄像头是否接好"
          : e && e.message === "insecure" ? "需要安全连接（https）才能使用摄像头，请联系工作人员" : "无法打开摄像头");
        return;
      }
      cam.on = true;
      cam.resume = false; // a deliberate start: it takes the camera over from another device
      preview.srcObject = cam.stream;
      show(preview, true);
      button.textContent = "关闭摄像头";
      button.setAttribute("aria-pressed", "true");
      connectOnce();
    }

    function stop(tell) {
      cam.on = false;
      cam.generation += 1;
      clearTimeout(cam.timer);
      if (cam.pc) { cam.pc.close(); cam.pc = null; }
      if (cam.stream) cam.stream.getTracks().forEach((t) => t.stop());
      cam.stream = null;
      preview.srcObject = null;
      show(preview, false);
      button.textContent = "开启摄像头";
      button.setAttribute("aria-pressed", "false");
      setStatus("off", "摄像头未开启，直播显示会议信息卡片");
      if (tell && conn.socket.connected) conn.call("camera_close", { device: cam.device });
    }

    // Another device started the hall camera: this one no longer feeds the stream.
    conn.socket.on("camera", (msg) => {
      if (!msg || msg.state !== "replaced" || !cam.on) return;
      stop(false);
      setStatus("replaced", msg.message || "另一台设备已开启会场摄像头，本机摄像头已关闭");
    });

    button.addEventListener("click", () => (cam.on ? stop(true) : start()));
    return { state: cam, reconnect() { if (cam.on) connectOnce(); } };
  }

  window.GZ.hallCamera = hallCamera;
})();
