/* Staff page: a community's place names (地名), the caption hot words of its meetings. One place a line;
 * 「保存地名」 sends the whole list (PUT /api/communities/<id>/places); the server cleans and checks it and
 * says why it refuses one. The server's configured places are shown beside it, read-only. */
"use strict";

(function () {
  const { $, el, fill, show } = GZ;
  const { api, message, say } = Staff;
  const url = "/api/communities/" + document.body.dataset.community + "/places";
  const text = $("places-text");
  const lines = () => text.value.split("\n").map((s) => s.trim()).filter(Boolean);
  let limits = { count: 40 };

  function render(data) {
    limits = data.limits;
    $("len-limits").textContent = limits.min_len + "–" + limits.max_len;
    $("count-limit").textContent = String(limits.count);
    fill($("places"), data.places.map((p) => el("li", { text: p })));
    fill($("configured"), data.configured.map((p) => el("li", { text: p })));
    show($("configured-card"), data.configured.length > 0);
    text.value = data.places.join("\n");
    count();
  }

  function count() {
    const n = lines().length;
    $("places-count").textContent = "共 " + n + " 个" + (n > limits.count ? "（超过 " + limits.count + " 个）" : "");
  }

  async function load() {
    const data = await api("GET", url);
    if (!data.ok) { say($("page-error"), message(data)); return; }
    render(data);
    document.body.dataset.state = "ready";
  }

  text.addEventListener("input", count);
  $("places-save").addEventListener("click", async () => {
    say($("places-error"), "");
    $("places-status").textContent = "";
    const data = await api("PUT", url, { places: lines() });
    if (!data.ok) { say($("places-error"), message(data)); return; }
    render(data);
    $("places-status").textContent = "已保存 " + data.places.length + " 个地名";
  });
  load();
})();
