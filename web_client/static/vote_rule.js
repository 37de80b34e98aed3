/* The moderator's voting-rule form (meeting_server/core/vote_rules.py): who may vote (everyone present,
 * 议事代表, every resident on the roster, one building or one unit of the meeting's roster), the threshold
 * (majorities, 2/3, 3/4 or a fraction n/d), one vote per household, 民法典 art. 278. Roster scopes need a
 * meeting with a roster (view.vote_scopes); the server checks every rule again. Loaded before
 * moderator.js. */
"use strict";

(function () {
  const { el } = GZ;
  const THRESHOLDS = {
    majority_cast: "投票过半数", majority_present: "到会过半数", two_thirds: "三分之二以上",
    three_quarters: "四分之三以上", fraction: "自定义比例",
  };
  const ART278 = { none: "不适用", ordinary: "《民法典》第278条 一般事项（双过半）", major: "《民法典》第278条 重大事项（双四分之三）" };

  const options = (entries) => entries.map(([value, text]) => el("option", { value, text }));

  /** {node, rule()}: the form for one motion; rule() is the VoteRule to send, or a Chinese error string. */
  function voteRuleForm(view, motionId) {
    const scopes = view.vote_scopes;
    const id = (name) => "rule-" + name + "-" + motionId;
    const scopeList = [["all", "全体到会居民"]];
    if (scopes) {
      if (scopes.delegates) scopeList.push(["delegates", "仅议事代表"]);
      scopeList.push(["residents", "名册上的全体居民"]);
      if (scopes.buildings.length) scopeList.push(["building", "某一楼栋的住户"]);
      if (scopes.buildings.some((b) => b.units.length)) scopeList.push(["unit", "某一单元的住户（如加装电梯）"]);
    }
    const scope = el("select", { id: id("scope"), "aria-label": "表决范围" }, options(scopeList));
    const building = el("select", { id: id("building"), "aria-label": "楼栋" },
      options((scopes ? scopes.buildings : []).map((b) => [b.building, b.building])));
    const unit = el("select", { id: id("unit"), "aria-label": "单元" });
    const threshold = el("select", { id: id("threshold"), "aria-label": "通过条件" }, options(Object.entries(THRESHOLDS)));
    const num = el("input", { id: id("n"), type: "number", min: "1", max: "99", value: "3", "aria-label": "分子" });
    const den = el("input", { id: id("d"), type: "number", min: "2", max: "100", value: "5", "aria-label": "分母" });
    const fraction = el("span", { className: "fraction" }, [num, " / ", den]);
    const household = el("input", { type: "checkbox", id: id("household") });
    const art = el("select", { id: id("art278"), "aria-label": "《民法典》第278条" }, options(Object.entries(ART278)));

    function fillUnits() {
      const b = (scopes ? scopes.buildings : []).find((x) => x.building === building.value);
      const keep = unit.value;
      GZ.fill(unit, options((b ? b.units : []).map((u) => [u, u])));
      if (b && b.units.includes(keep)) unit.value = keep;
    }
    function sync() {
      const s = scope.value;
      building.hidden = !(s === "building" || s === "unit");
      unit.hidden = s !== "unit";
      const byArt = art.value !== "none";
      threshold.disabled = byArt; // art. 278 sets its own majorities
      fraction.hidden = byArt || threshold.value !== "fraction";
      household.disabled = byArt; // art. 278 counts households anyway
      if (byArt) household.checked = true;
    }
    building.addEventListener("change", () => { fillUnits(); sync(); });
    for (const node of [scope, threshold, art]) node.addEventListener("change", sync);
    fillUnits();
    sync();

    const roster = Boolean(scopes);
    const node = el("div", { className: "vote-rule" }, [
      el("label", { for: id("scope"), text: "表决范围" }), scope, building, unit,
      el("label", { for: id("threshold"), text: "通过条件" }), threshold, fraction,
      roster ? el("label", { for: id("household") }, [household, " 每户一票"]) : null,
      roster ? el("label", { for: id("art278"), text: "按《民法典》第278条" }) : null, roster ? art : null,
    ]);

    function rule() {
      const r = { scope: scope.value, threshold: threshold.value, household: household.checked, art278: roster ? art.value : "none" };
      if (scope.value === "building" || scope.value === "unit") r.building = building.value;
      if (scope.value === "unit") r.unit = unit.value;
      if (threshold.value === "fraction" && r.art278 === "none") {
        r.numerator = parseInt(num.value, 10) || 0;
        r.denominator = parseInt(den.value, 10) || 0;
        if (!(r.numerator >= 1 && r.numerator < r.denominator && r.denominator <= 100)) {
          return "自定义比例须为 n/d，1 ≤ n < d ≤ 100";
        }
      }
      if (r.art278 !== "none") r.threshold = "majority_cast";
      return r;
    }
    return { node, rule };
  }

  GZ.voteRuleForm = voteRuleForm;
  GZ.VOTE_THRESHOLDS = THRESHOLDS;
})();
