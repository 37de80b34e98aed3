/* A community's roster: import a CSV/XLSX (check first, then import all or only the valid rows), find,
 * add, edit and remove people. Names and every other field go into the page with textContent only. */
"use strict";

(function () {
  const { $, el, fill, toast } = window.GZ;
  const { api, message, say } = window.Staff;
  const base = "/api/communities/" + document.body.dataset.community;
  let persons = [];
  let known = [];
  let editing = null; // the person being edited, or null when adding

  async function load() {
    const data = await api("GET", base);
    if (!data.ok) { toast(message(data)); return; }
    persons = data.persons;
    known = data.known_groups;
    render();
  }

  function text(p) {
    return [p.name, p.household, p.phone_tail, ...p.groups].join(" ");
  }

  function render() {
    const q = $("roster-search").value.trim();
    const shown = q ? persons.filter((p) => text(p).includes(q)) : persons;
    $("roster-count").textContent = "共 " + persons.length + " 人" + (q ? "，找到 " + shown.length + " 人" : "");
    fill($("persons"), shown.map(row));
    $("roster-empty").hidden = persons.length > 0;
  }

  function row(p) {
    const remove = el("button", { type: "button", className: "btn small danger remove", text: "删除" });
    let armed = 0;
    remove.addEventListener("click", async () => {
      if (!armed) { // a second click confirms: no native dialog, and no slip of the hand
        remove.textContent = "确认删除？";
        armed = setTimeout(() => { armed = 0; remove.textContent = "删除"; }, 4000);
        return;
      }
      clearTimeout(armed);
      const data = await api("DELETE", base + "/persons/" + p.person_id);
      if (!data.ok) { toast(message(data)); return; }
      toast("已从名册删除：" + p.name, "ok");
      await load();
    });
    return el("tr", { dataset: { person: p.person_id } }, [
      el("td", { className: "name", text: p.name }),
      el("td", { className: "household", text: p.household }),
      el("td", { text: p.phone_tail }),
      el("td", { text: p.birth_year ? String(p.birth_year) : p.age_band }),
      el("td", { text: p.area_m2 === null ? "" : String(p.area_m2) }),
      el("td", {}, p.groups.map((g) => el("span", { className: "tag", text: g }))),
      el("td", { text: p.voting ? "有" : "无" }),
      el("td", {}, [el("div", { className: "buttons" }, [
        el("button", { type: "button", className: "btn small edit", text: "编辑", onclick: () => open(p) }), remove,
      ])]),
    ]);
  }

  // ------------------------------------------------------------------ add / edit
  function open(p) {
    editing = p;
    $("person-form-title").textContent = p ? "编辑：" + p.name : "添加人员";
    const v = p || { name: "", building: "", unit: "", room: "", phone_tail: "", birth_year: null, age_band: "", area_m2: null, groups: [], voting: true };
    $("p-name").value = v.name;
    $("p-building").value = v.building;
    $("p-unit").value = v.unit;
    $("p-room").value = v.room;
    $("p-phone").value = v.phone_tail;
    $("p-birth").value = v.birth_year ? String(v.birth_year) : "";
    $("p-age").value = v.age_band;
    $("p-area").value = v.area_m2 === null ? "" : String(v.area_m2);
    fill($("p-groups"), known.map((g) => el("label", { className: "check" }, [
      el("input", { type: "checkbox", value: g, checked: v.groups.includes(g) }), " " + g,
    ])));
    $("p-tags").value = v.groups.filter((g) => !known.includes(g)).join("、");
    $("p-voting").checked = v.voting;
    say($("person-error"), "");
    $("person-card").hidden = false;
    $("person-card").scrollIntoView({ block: "start" });
    $("p-name").focus();
  }

  function close() {
    $("person-card").hidden = true;
    editing = null;
  }

  $("person-form").addEventListener("submit", async (ev) => {
    ev.preventDefault();
    const checked = [...$("p-groups").querySelectorAll("input:checked")].map((i) => i.value);
    const tags = $("p-tags").value.split(/[、,，;；]/).map((t) => t.trim()).filter(Boolean);
    const body = {
      name: $("p-name").value, building: $("p-building").value, unit: $("p-unit").value, room: $("p-room").value,
      phone_tail: $("p-phone").value, birth_year: $("p-birth").value || null, age_band: $("p-age").value,
      area_m2: $("p-area").value || null, groups: [...checked, ...tags], voting: $("p-voting").checked,
    };
    const data = editing
      ? await api("PUT", base + "/persons/" + editing.person_id, body)
      : await api("POST", base + "/persons", body);
    if (!data.ok) { say($("person-error"), message(data)); return; }
    toast((editing ? "已保存：" : "已添加：") + data.person.name, "ok");
    close();
    await load();
  });
  $("person-cancel").addEventListener("click", close);
  $("add-person").addEventListener("click", () => open(null));
  $("roster-search").addEventListener("input", render);

  // ------------------------------------------------------------------ import
  async function upload(mode) {
    const file = $("import-file").files[0];
    if (!file) { toast("请先选择要导入的文件"); return null; }
    const url = base + "/import?mode=" + mode + "&filename=" + encodeURIComponent(file.name);
    return api("POST", url, await file.arrayBuffer());
  }

  function report(data) {
    const r = data.report;
    if (!r) { toast(message(data)); $("import-report").hidden = true; return; }
    const problems = r.errors.length;
    let summary = "共 " + r.rows + " 行：可导入 " + r.valid + " 行";
    if (problems) summary += "，有 " + problems + " 处问题（见下表）";
    if (r.imported) summary = "已导入 " + r.imported + " 人" + (problems ? "，" + problems + " 处问题的行未导入" : "");
    else if (data.status === 422) summary = message(data) + "。" + summary;
    if (r.ignored_columns.length) summary += "。未识别的列已忽略：" + r.ignored_columns.join("、");
    $("import-summary").textContent = summary;
    fill($("import-errors"), r.errors.map((e) => el("tr", { dataset: { row: String(e.row) } }, [
      el("td", { text: e.row ? "第 " + e.row + " 行" : "表头" }),
      el("td", { text: e.label || "" }),
      el("td", { text: e.message }),
    ])));
    $("import-errors-wrap").hidden = problems === 0;
    const pending = !r.imported;
    $("import-all").hidden = !pending || problems > 0 || r.valid === 0;
    $("import-valid").hidden = !pending || problems === 0 || r.valid === 0;
    $("import-valid").textContent = "只导入无误的 " + r.valid + " 行";
    $("import-report").hidden = false;
  }

  $("import-check").addEventListener("click", async () => {
    const data = await upload("check");
    if (data) report(data);
  });
  for (const [id, mode] of [["import-all", "all"], ["import-valid", "valid"]]) {
    $(id).addEventListener("click", async () => {
      $(id).disabled = true;
      const data = await upload(mode);
      $(id).disabled = false;
      if (!data) return;
      report(data);
      if (data.ok) {
        toast("已导入 " + data.report.imported + " 人", "ok");
        $("import-file").value = "";
        $("import-file-name").textContent = "未选择文件";
        await load();
      }
    });
  }
  $("import-file").addEventListener("change", () => {
    const file = $("import-file").files[0];
    $("import-file-name").textContent = file ? file.name : "未选择文件";
    $("import-report").hidden = true;
  });

  load().then(() => { document.body.dataset.state = "ready"; });
})();
