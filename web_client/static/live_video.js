/* Observer page: the (LL-)HLS livestream (picture, meeting audio and captions). Native HLS where the browser has
 * MediaSource is missing (iPhone), else hls.js served by the server; loaded only when asked,
 * so an observer who only reads the captions costs the server nothing. */
"use strict";

(function () {
  const { $ } = GZ;
  const video = $("live-video");
  const box = $("live-box");
  const status = $("video-status");
  const capsButton = $("bigcaps");
  const say = (text, state) => { status.textContent = text; status.dataset.video = state; };

  const key = "gongzhi:bigcaps";
  const applyCaps = (on) => {
    box.classList.toggle("big-caps", on);
    capsButton.setAttribute("aria-pressed", on ? "true" : "false");
    capsButton.textContent = on ? "大字幕：开" : "大字幕：关";
  };
  applyCaps(localStorage.getItem(key) !== "0");
  capsButton.addEventListener("click", () => {
    const on = !box.classList.contains("big-caps");
    localStorage.setItem(key, on ? "1" : "0");
    applyCaps(on);
  });

  const showCaptions = () => {
    for (const track of video.textTracks) track.mode = "showing";
  };
  video.textTracks.addEventListener("addtrack", showCaptions);

  function start() {
    const src = video.dataset.src;
    box.hidden = false;
    $("watch").hidden = true;
    say("正在连接直播…", "loading");
    // hls.js first where MediaSource exists (recent desktop Chromium claims native HLS but cannot demux it);
    // native HLS where there is no MediaSource (iPhone Safari, WeChat's in-app browser on iOS).
    if (window.Hls && window.Hls.isSupported()) {
      // No worker: the page's Content-Security-Policy allows scripts from this server only. LL-HLS: blocking
      // playlist reloads and 0.5 s parts; the player keeps the server's PART-HOLD-BACK behind the live edge.
      const hls = new window.Hls({ enableWorker: false, subtitleDisplay: true, lowLatencyMode: true,
        maxLiveSyncPlaybackRate: 1.25 }); // catch up (a little faster) when it fell behind
      window.gzHls = hls; // for the page's tests (latency, parts loaded)
      hls.on(window.Hls.Events.ERROR, (_e, data) => {
        if (data.fatal) say("直播暂时无法播放，可改为只听声音", "error");
      });
      hls.on(window.Hls.Events.SUBTITLE_TRACKS_UPDATED, () => {
        if (hls.subtitleTracks.length) hls.subtitleTrack = 0;
      });
      hls.loadSource(src);
      hls.attachMedia(video);
    } else if (video.canPlayType("application/vnd.apple.mpegurl")) {
      video.src = src;
    } else {
      say("此浏览器无法播放直播，请只听声音", "error");
      return;
    }
    video.play().catch(() => say("点击画面上的播放按钮开始观看", "paused"));
  }

  $("watch").addEventListener("click", start);
  video.addEventListener("playing", () => say("正在观看直播", "playing"));
  video.addEventListener("waiting", () => say("缓冲中…", "waiting"));
})();
